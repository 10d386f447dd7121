package clickhouse

import (
	"context"
	"fmt"
)

// ApplyMigration runs one migration's statement again, as a second process migrating at the
// same time would.
func ApplyMigration(ctx context.Context, db *DB, version int) error {
	all, err := Migrations()
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.Version == version {
			return db.apply(ctx, m)
		}
	}
	return fmt.Errorf("no migration %d", version)
}

// ApplySQL runs a statement as a migration would.
func ApplySQL(ctx context.Context, db *DB, sql string) error {
	return db.apply(ctx, Migration{Version: 9999, Name: "test", SQL: sql})
}
