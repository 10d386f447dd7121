package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("migrate", getenv, stdout)
	database := f.database()
	timeout := f.Duration("timeout", "PALABRE_MIGRATE_TIMEOUT", 2*time.Minute, "give up after this long")
	if err := f.parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	db, err := clickhouse.Open(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied migration %04d_%s\n", m.Version, m.Name)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "database %s is up to date: nothing to do\n", db.Database())
	}
	return nil
}
