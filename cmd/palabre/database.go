package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey/localcatalog"
)

// openDatabase connects to ClickHouse. A first start needs it and fails fast without it; a
// restart over local state (a catalog copy or a journal in the data directory) goes on
// without it: reachable is then false, and the DB connects once the server is back.
func openDatabase(ctx context.Context, cfg serveConfig, dataDir string, log *slog.Logger) (db *clickhouse.DB, reachable bool, err error) {
	local := hasLocalState(dataDir)
	wait := 30 * time.Second
	if local {
		wait = 3 * time.Second // a restart is ready within seconds, whatever the network
	}
	openCtx, cancel := context.WithTimeout(ctx, wait)
	chCfg := cfg.clickhouse
	chCfg.Logger = log
	db, err = clickhouse.Open(openCtx, chCfg)
	cancel()
	if err == nil {
		return db, true, nil
	}
	if !local || ctx.Err() != nil {
		return nil, false, err
	}
	log.Warn("ClickHouse cannot be reached; starting from the local catalog copy and journal, delivering once it is back",
		slog.Any("error", err))
	db, cerr := clickhouse.Connect(chCfg)
	if cerr != nil {
		return nil, false, cerr
	}
	return db, false, nil
}

// hasLocalState reports whether an earlier run left what a restart needs in dataDir.
func hasLocalState(dataDir string) bool {
	if _, err := os.Stat(filepath.Join(dataDir, localcatalog.FileName)); err == nil {
		return true
	}
	segments, _ := filepath.Glob(filepath.Join(dataDir, "journal", "*.wal"))
	return len(segments) > 0
}

// prepareSchema applies the migrations (or, with --migrate=false, refuses an old schema).
func prepareSchema(ctx context.Context, cfg serveConfig, db *clickhouse.DB, log *slog.Logger) error {
	if !cfg.migrate {
		pending, err := db.PendingMigrations(ctx)
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			return fmt.Errorf("database %s lacks %d migrations: run `palabre migrate` or drop --migrate=false", db.Database(), len(pending))
		}
		return nil
	}
	migCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	applied, err := db.Migrate(migCtx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info("applied migration", slog.Int("version", m.Version), slog.String("name", m.Name))
	}
	return nil
}

// prepareWhenBack waits for ClickHouse, then readies its database and schema as a first
// start does. Failures are logged and retried until ctx ends.
func prepareWhenBack(ctx context.Context, cfg serveConfig, db *clickhouse.DB, log *slog.Logger) {
	wait := time.Second
	for {
		attempt, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := db.Prepare(attempt)
		if err == nil {
			err = prepareSchema(attempt, cfg, db, log)
		}
		cancel()
		if err == nil {
			log.Info("ClickHouse is back; its schema is ready")
			return
		}
		if ctx.Err() != nil {
			return
		}
		log.Debug("ClickHouse still cannot be prepared", slog.Any("error", err))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// openMigrated opens the database of a command (import, user, erase…) and applies pending
// migrations, so a command works on a database palabre serve never started on.
func openMigrated(ctx context.Context, cfg clickhouse.Config) (*clickhouse.DB, error) {
	db, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// databaseFlags are the flags of every command that opens the database.
type databaseFlags struct{ dsn, cluster *string }

func (f *flags) database() databaseFlags {
	return databaseFlags{
		dsn: f.String("clickhouse", "PALABRE_CLICKHOUSE", defaultClickHouse,
			"ClickHouse DSN; on a cluster, list several nodes to fail over: clickhouse://h1:9000,h2:9000/palabre"),
		cluster: f.String("cluster", "PALABRE_CLUSTER", "",
			"name of the ClickHouse cluster (remote_servers) to replicate and shard palabre's tables over; empty: one server"),
	}
}

// config is the database's configuration, adjusted by each of with.
func (d databaseFlags) config(with ...func(*clickhouse.Config)) clickhouse.Config {
	c := clickhouse.Config{DSN: *d.dsn, Cluster: *d.cluster}
	for _, w := range with {
		w(&c)
	}
	return c
}
