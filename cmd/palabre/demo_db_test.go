package main

import (
	"context"
	"io"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// demoDatabase is a new database of the test ClickHouse holding what `make run` sets up:
// the demo survey (palabre import --demo) and its sample responses (palabre seed). It
// returns the database's DSN and a connection to it.
func demoDatabase(t *testing.T) (string, *clickhouse.DB) {
	t.Helper()
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	direct := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	for _, cmd := range [][]string{{"import", "--demo"}, {"seed"}} {
		if err := run(context.Background(), cmd, direct, io.Discard); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	return dsn, db
}
