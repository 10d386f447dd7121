// Package clickhousetest gives tests a real ClickHouse database of their own.
//
// The server is the one `make test` starts (deploy/clickhouse.sh); PALABRE_TEST_CLICKHOUSE
// overrides its address. Each call creates a fresh, migrated database that is dropped when
// the test ends. Without a server the test is skipped, except under CI (any non-empty CI), where a missing
// server fails the run: integration tests never skip silently in CI.
package clickhousetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
)

// DefaultDSN is the address of the server `make test` starts, without a database.
const DefaultDSN = "clickhouse://127.0.0.1:19000"

// ServerDSN returns the test server's DSN without a database.
func ServerDSN() string {
	if dsn := os.Getenv("PALABRE_TEST_CLICKHOUSE"); dsn != "" {
		return strings.TrimRight(dsn, "/")
	}
	return DefaultDSN
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDSN returns a DSN naming a fresh database for t (not created yet).
func NewDSN(t testing.TB) string {
	var b [4]byte
	rand.Read(b[:])
	name := unsafe.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return ServerDSN() + "/test_" + name + "_" + hex.EncodeToString(b[:])
}

// Open returns a migrated database of t's own, dropped at the end of the test.
func Open(t testing.TB) *clickhouse.DB {
	t.Helper()
	db := OpenDSN(t, NewDSN(t))
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// OpenDSN opens dsn (creating its database), requiring a server as Open does, and drops the
// database at the end of the test.
func OpenDSN(t testing.TB, dsn string) *clickhouse.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, DialTimeout: 2 * time.Second})
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := db.DropDatabase(ctx); err != nil {
			t.Errorf("drop test database: %v", err)
		}
		db.Close()
	})
	return db
}

// Unavailable skips t because ClickHouse cannot be reached, or fails it under CI (any non-empty CI).
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("ClickHouse is required under CI (CI=%q): %v", os.Getenv("CI"), err)
	}
	t.Skipf("ClickHouse not reachable (start it with `make clickhouse`): %v", err)
}
