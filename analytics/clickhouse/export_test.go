package clickhouse

import (
	"context"

	"github.com/palabre/palabre/analytics"
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
