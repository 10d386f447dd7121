package clickhouse

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one schema change: a single SQL statement in migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", e.Name())
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: stripComments(string(body))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

func stripComments(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// Migrate applies the migrations not applied yet, in order, recording each, and returns the
// ones it applied (none when the schema is current). Every statement is idempotent, so two
// processes migrating at once do no harm.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		return nil, err
	}
	var done []Migration
	if len(pending) > 0 && db.cluster != "" {
		// Open created the database where it connected; every node needs it.
		if err := db.conn.Exec(db.ddlContext(ctx), "CREATE DATABASE IF NOT EXISTS "+quoteIdent(db.database)+" ON CLUSTER "+quoteIdent(db.cluster)); err != nil {
			return nil, fmt.Errorf("create database %s on cluster %s: %w", db.database, db.cluster, err)
		}
	}
	for _, m := range pending {
		if err := db.apply(ctx, m); err != nil {
			return done, err
		}
		if err := db.conn.Exec(db.keepIdentical(ctx), "INSERT INTO schema_migrations (version, name, applied_at) SELECT toUInt32(?), ?, toDateTime(?)",
			m.Version, m.Name, time.Now().UTC().Unix()); err != nil {
			return done, fmt.Errorf("record migration %04d_%s: %w", m.Version, m.Name, err)
		}
		done = append(done, m)
	}
	return done, nil
}

// keepIdentical is ctx for an insert whose rows must all be stored even when another insert
// wrote the same rows. On a cluster, replicated tables drop a block identical to one they
// hold already, which is right for a re-sent batch of responses but not for a migration
// recorded by two processes through two nodes (the one whose record was dropped would not
// see the migration until its node fetched the other's), nor for two failed logins of the
// same account, address and second. On a single server nothing is dropped: ctx is unchanged.
func (db *DB) keepIdentical(ctx context.Context) context.Context {
	if db.cluster == "" {
		return ctx
	}
	return ch.Context(ctx, ch.WithSettings(ch.Settings{"insert_deduplicate": 0}))
}

// apply runs a migration's statements (one on a single server; see cluster.go for a cluster).
func (db *DB) apply(ctx context.Context, m Migration) error {
	if db.cluster == "" {
		if err := db.conn.Exec(ctx, m.SQL); err != nil && !columnExists(err) {
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		return nil
	}
	sts, err := m.statements(db.database, db.cluster)
	if err != nil {
		return err
	}
	for _, s := range sts {
		if err := db.run(ctx, s, columnExists); err != nil {
			return fmt.Errorf("migration %04d_%s on cluster %s: %w", m.Version, m.Name, db.cluster, err)
		}
	}
	return nil
}

// columnExists reports whether err is ClickHouse refusing to add a column that is already
// there: 18.16 has no ADD COLUMN IF NOT EXISTS, so a migration adding a column that another
// process added first is done.
func columnExists(err error) bool {
	var ex *ch.Exception
	return errors.As(err, &ex) && ex.Code == 44 && strings.Contains(ex.Message, "already exists")
}

// PendingMigrations returns the migrations not applied yet.
func (db *DB) PendingMigrations(ctx context.Context) ([]Migration, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	var pending []Migration
	for _, m := range all {
		if !applied[m.Version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	var n uint64
	if err := db.conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 'schema_migrations'",
		db.database).Scan(&n); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	applied := map[int]bool{}
	if n == 0 {
		return applied, nil
	}
	rows, err := db.conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[int(v)] = true
	}
	return applied, rows.Err()
}
