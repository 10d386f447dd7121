package clickhouse

import (
	"context"
	"fmt"
)

// OnEachNode runs query, which returns one UInt64, on every node of the cluster (in Nodes'
// order), in palabre's database there.
func (db *DB) OnEachNode(ctx context.Context, query string, args ...any) ([]uint64, error) {
	nodes, err := db.nodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, len(nodes))
	for i, n := range nodes {
		if err := n.conn.QueryRow(ctx, query, args...).Scan(&out[i]); err != nil {
			return nil, fmt.Errorf("node %s: %w", n.Addr, err)
		}
	}
	return out, nil
}

// ApplyMigration applies m as Migrate would, without recording it.
func (db *DB) ApplyMigration(ctx context.Context, m Migration) error { return db.apply(ctx, m) }

// Exec runs a statement through the DB's connection.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	return db.conn.Exec(ctx, query, args...)
}
