package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// Hooks for the tests of package clickhouse_test.

// ResponseCountsWith counts responses with the given counting, whatever the layout.
func (db *DB) ResponseCountsWith(ctx context.Context, q analytics.Query, d Dedup) ([]analytics.Count, error) {
	return db.responseCounts(ctx, q, d)
}

// DistributionWith reads a distribution with the given counting, whatever the layout.
func (db *DB) DistributionWith(ctx context.Context, q analytics.Query, question string, v analytics.Value, d Dedup) (*analytics.Distribution, error) {
	return db.distribution(ctx, q, question, v, d)
}

// Plan is how a query reading editions (nil: all) of table counts responses now.
func (db *DB) Plan(ctx context.Context, table string, editions []uint16) (Dedup, error) {
	l, err := db.readLayout(ctx, table)
	if err != nil {
		return Dedup{}, err
	}
	return l.only(editions).plan(), nil
}

// TableText returns every row of table as text, its columns joined by '|', so a test can
// look for a value anywhere in it.
func (db *DB) TableText(ctx context.Context, table string) ([]string, error) {
	rows, err := db.conn.Query(ctx, `SELECT name, type FROM system.columns WHERE database = ? AND table = ?`, db.database, table)
	if err != nil {
		return nil, err
	}
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return nil, err
		}
		if strings.HasPrefix(typ, "Array(") {
			cols = append(cols, "arrayStringConcat("+quoteIdent(name)+", ',')")
		} else {
			cols = append(cols, "toString("+quoteIdent(name)+")")
		}
	}
	rows.Close()
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s has no columns", table)
	}
	rows, err = db.conn.Query(ctx, "SELECT concat("+strings.Join(cols, ", '|', ")+") FROM "+quoteIdent(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// OptimizeFinal merges every part of table, as background merges eventually do.
func (db *DB) OptimizeFinal(ctx context.Context, table string) error {
	return db.conn.Exec(ctx, "OPTIMIZE TABLE "+quoteIdent(table)+" FINAL")
}

// ErasedAmong is the check WriteResponses makes before and after writing a batch.
func (db *DB) ErasedAmong(ctx context.Context, batch []*survey.Response) (map[survey.ResponseID]bool, error) {
	return db.erasedAmong(ctx, batch)
}

// BeforeBackupTable makes Backup call fn before it reads each table, until the test ends.
func BeforeBackupTable(t interface{ Cleanup(func()) }, fn func(table string)) {
	beforeBackupTable = fn
	t.Cleanup(func() { beforeBackupTable = nil })
}
