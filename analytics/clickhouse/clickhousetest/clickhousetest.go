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
	"errors"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

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

// ClusterServer returns the test cluster's name and a DSN listing its nodes, without a
// database: PALABRE_TEST_CLUSTER names the cluster (remote_servers in the nodes'
// configuration) and PALABRE_TEST_CLUSTER_CLICKHOUSE lists its nodes,
// clickhouse://127.0.0.1:19110,127.0.0.1:19120 (as `deploy/cluster.sh dsn` prints it; its
// database is replaced by each test's own). ok is false when no cluster is given.
func ClusterServer() (name, dsn string, ok bool) {
	name = os.Getenv("PALABRE_TEST_CLUSTER")
	dsn = os.Getenv("PALABRE_TEST_CLUSTER_CLICKHOUSE")
	return name, dsn, name != ""
}

// NewClusterDSN returns a DSN naming a fresh database for t on the test cluster (not
// created yet). Without a cluster the test is skipped, or fails under CI.
func NewClusterDSN(t testing.TB) (cluster, dsn string) {
	t.Helper()
	cluster, server, ok := ClusterServer()
	if !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("a ClickHouse cluster is required under CI (CI=%q): set PALABRE_TEST_CLUSTER and PALABRE_TEST_CLUSTER_CLICKHOUSE", os.Getenv("CI"))
		}
		t.Skip("no ClickHouse cluster given (PALABRE_TEST_CLUSTER, PALABRE_TEST_CLUSTER_CLICKHOUSE)")
	}
	if server == "" {
		t.Fatal("PALABRE_TEST_CLUSTER is set but PALABRE_TEST_CLUSTER_CLICKHOUSE, the nodes' DSN, is not")
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("PALABRE_TEST_CLUSTER_CLICKHOUSE: %v", err)
	}
	var b [4]byte
	rand.Read(b[:])
	name := unsafe.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	u.Path = "/test_" + name + "_" + hex.EncodeToString(b[:]) // its options (the query) kept
	return cluster, u.String()
}

// OpenCluster returns a database of t's own on the test cluster, migrated in cluster mode
// and dropped on every node at the end of the test. A cluster that is given but cannot be
// reached fails the test.
func OpenCluster(t testing.TB) *clickhouse.DB {
	t.Helper()
	cluster, dsn := NewClusterDSN(t)
	db := OpenClusterDSN(t, cluster, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate on cluster %s: %v", cluster, err)
	}
	return db
}

// OpenClusterDSN opens dsn in cluster mode (creating its database on every node), and drops
// the database at the end of the test.
func OpenClusterDSN(t testing.TB, cluster, dsn string) *clickhouse.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, Cluster: cluster, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("cluster %s (%s): %v", cluster, dsn, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		// On a busy machine one node's DDL queue can lag past the statement's wait; the drop
		// is queued there all the same, and asked again until every node has answered. A
		// retry may need a new connection, which the server refuses once the drop has gone
		// through on the node it reaches ("database doesn't exist"): that is done too.
		var err error
		for i := range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err = db.DropDatabase(ctx)
			cancel()
			if err == nil || i > 0 && isUnknownDatabase(err) {
				return
			}
			t.Logf("drop test database on the cluster, again: %v", err)
		}
		t.Errorf("drop test database: %v", err)
	})
	return db
}

// isUnknownDatabase reports whether err is ClickHouse's "database doesn't exist".
func isUnknownDatabase(err error) bool {
	var e *ch.Exception
	return errors.As(err, &e) && e.Code == 81
}

// EachNode runs query, which returns one UInt64, on every node of db's cluster (in
// db.Nodes' order), in db's database there, through a connection of its own.
func EachNode(t testing.TB, db *clickhouse.DB, query string, args ...any) []uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nodes, err := db.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]uint64, len(nodes))
	for i, n := range nodes {
		conn, err := ch.Open(&ch.Options{Addr: []string{n.Addr}, Auth: ch.Auth{Database: db.Database()},
			DialTimeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		err = conn.QueryRow(ctx, query, args...).Scan(&out[i])
		conn.Close()
		if err != nil {
			t.Fatalf("node %s: %s: %v", n.Addr, query, err)
		}
	}
	return out
}
