package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// TableCopy is one table CopyFrom copied.
type TableCopy struct {
	Table string
	Rows  uint64 // in the source, and now in the cluster
	// Skipped says the cluster held the same number of rows already (an earlier copy).
	Skipped bool
	Took    time.Duration
}

// CopyWait bounds how long CopyFrom waits for a copied table's count to show on the cluster
// (a Distributed table reads one replica per shard, which may be a moment behind).
var CopyWait = time.Minute

// CopyFrom copies every table of palabre's schema (but schema_migrations) from src, a
// database on a single server, into db, the same schema on a cluster, and checks each
// table's row count. The cluster's nodes read the source themselves (INSERT INTO t SELECT …
// FROM remote('host:port', database, t)): they must reach the source's address as src's DSN
// names it. Both databases must have every migration applied. A table the cluster holds
// with as many rows as the source is skipped, so a copy that stopped half-way is finished by
// running it again; one that holds another number of rows is an error, and nothing is
// copied after it. Rows are copied as they are stored, copies of responses included
// (queries count each response once), and retried copies are never dropped as duplicates,
// so the counts must match exactly. Nothing should write to src meanwhile.
func (db *DB) CopyFrom(ctx context.Context, src *DB) ([]TableCopy, error) {
	if db.cluster == "" || src.cluster != "" {
		return nil, fmt.Errorf("copy: from a single server to a cluster only")
	}
	opts, err := parseDSN(src.cfg)
	if err != nil {
		return nil, err
	}
	for _, d := range []*DB{src, db} {
		pending, err := d.PendingMigrations(ctx)
		if err != nil {
			return nil, err
		}
		if len(pending) > 0 {
			return nil, fmt.Errorf("copy: database %s lacks %d migrations: run `palabre migrate` on it first", d.database, len(pending))
		}
	}
	remote := "remote(" + quoteString(opts.Addr[0]) + ", " + quoteIdent(src.database) + ", %s"
	if opts.Auth.Username != "" {
		remote += ", " + quoteString(opts.Auth.Username) + ", " + quoteString(opts.Auth.Password)
	}
	remote += ")"
	tables, err := schemaTables()
	if err != nil {
		return nil, err
	}
	var done []TableCopy
	for _, table := range tables {
		start := time.Now()
		want, err := src.count(ctx, table)
		if err != nil {
			return done, fmt.Errorf("copy %s: count the source: %w", table, err)
		}
		have, err := db.count(ctx, table)
		if err != nil {
			return done, fmt.Errorf("copy %s: count the cluster: %w", table, err)
		}
		if have == want {
			done = append(done, TableCopy{Table: table, Rows: want, Skipped: true, Took: time.Since(start)})
			continue
		}
		if have != 0 {
			return done, fmt.Errorf("copy %s: the cluster holds %d rows of it and the source %d: copy into a fresh database", table, have, want)
		}
		cols, err := db.columnNames(ctx, table)
		if err != nil {
			return done, fmt.Errorf("copy %s: %w", table, err)
		}
		list := strings.Join(cols, ", ")
		// The table name is one of the migrations' (a plain identifier): nothing else reaches the SQL.
		sql := "INSERT INTO " + quoteIdent(db.database) + "." + table + " (" + list + ") SELECT " + list + " FROM " + fmt.Sprintf(remote, table)
		settings := ch.Settings{"insert_deduplicate": 0}
		if isSharded(table) {
			settings["insert_distributed_sync"] = 1
		}
		if err := db.conn.Exec(ch.Context(ctx, ch.WithSettings(settings)), sql); err != nil {
			return done, fmt.Errorf("copy %s: %w", table, err)
		}
		for deadline := time.Now().Add(CopyWait); ; {
			if have, err = db.count(ctx, table); err != nil {
				return done, fmt.Errorf("copy %s: count the cluster: %w", table, err)
			}
			if have == want || time.Now().After(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return done, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		if have != want {
			return done, fmt.Errorf("copy %s: %d rows in the source, %d on the cluster after copying", table, want, have)
		}
		done = append(done, TableCopy{Table: table, Rows: want, Took: time.Since(start)})
	}
	return done, nil
}

// schemaTables lists the tables the migrations create, but schema_migrations.
func schemaTables() ([]string, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range all {
		if c := createRE.FindStringSubmatch(m.SQL); c != nil && c[1] != "schema_migrations" {
			out = append(out, c[1])
		}
	}
	return out, nil
}

func (db *DB) count(ctx context.Context, table string) (uint64, error) {
	var n uint64
	err := db.conn.QueryRow(ctx, "SELECT count() FROM "+quoteIdent(db.database)+"."+table).Scan(&n)
	return n, err
}

// columnNames lists a table's columns, quoted.
func (db *DB) columnNames(ctx context.Context, table string) ([]string, error) {
	rows, err := db.conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", db.database, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, quoteIdent(name))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no columns for %s", table)
	}
	return out, nil
}

// quoteString quotes s as a ClickHouse string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
