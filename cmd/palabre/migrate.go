package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("migrate", getenv, stdout)
	database := f.database()
	timeout := f.Duration("timeout", "PALABRE_MIGRATE_TIMEOUT", 2*time.Minute, "give up after this long (with --to-cluster: 6h unless given)")
	toCluster := f.String("to-cluster", "PALABRE_TO_CLUSTER", "", "copy the single-server database (--clickhouse) to this cluster, whose nodes --to-clickhouse lists, then check every table's count")
	toDSN := f.String("to-clickhouse", "PALABRE_TO_CLICKHOUSE", "", "with --to-cluster: DSN of the cluster's nodes and database (default database: the source's)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *toCluster != "" {
		if *toDSN == "" || *database.cluster != "" {
			return usageError{"--to-cluster needs --to-clickhouse (the cluster's nodes) and a single-server source (no --cluster)"}
		}
		if !f.given("timeout", "PALABRE_MIGRATE_TIMEOUT") {
			*timeout = 6 * time.Hour
		}
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
	if *toCluster != "" {
		return copyToCluster(ctx, db, *toCluster, *toDSN, stdout)
	}
	return nil
}

// copyToCluster migrates the cluster's database and copies src into it, table by table.
func copyToCluster(ctx context.Context, src *clickhouse.DB, cluster, dsn string, stdout io.Writer) error {
	dst, err := clickhouse.Open(ctx, clickhouse.Config{DSN: withDatabase(dsn, src.Database()), Cluster: cluster})
	if err != nil {
		return err
	}
	defer dst.Close()
	applied, err := dst.Migrate(ctx)
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied migration %04d_%s on cluster %s\n", m.Version, m.Name, cluster)
	}
	if err != nil {
		return err
	}
	copied, err := dst.CopyFrom(ctx, src)
	for _, c := range copied {
		if c.Skipped && c.Rows == 0 {
			fmt.Fprintf(stdout, "%s: empty, nothing to copy\n", c.Table)
		} else if c.Skipped {
			fmt.Fprintf(stdout, "%s: %d rows on cluster %s already\n", c.Table, c.Rows, cluster)
		} else {
			fmt.Fprintf(stdout, "copied %s: %d rows in %v, counts checked\n", c.Table, c.Rows, c.Took.Round(time.Millisecond))
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s copied to cluster %s: start palabre with --cluster %s and the cluster's nodes in --clickhouse\n", src.Database(), cluster, cluster)
	return nil
}

// withDatabase returns dsn naming database when it names none.
func withDatabase(dsn, database string) string {
	u, err := url.Parse(dsn)
	if err != nil || strings.Trim(u.Path, "/") != "" {
		return dsn // a malformed DSN is reported by Open
	}
	u.Path = "/" + database
	return u.String()
}
