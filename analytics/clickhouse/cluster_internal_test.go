package clickhouse

import (
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// On a cluster the pool keeps to the first node that answers, whatever the DSN asks, so a
// process reads its own writes to the replicated tables; a single server's DSN is obeyed.
func TestClusterConnectsInOrder(t *testing.T) {
	const dsn = "clickhouse://127.0.0.1:19110,127.0.0.1:19120/palabre?connection_open_strategy=round_robin"
	opts, err := parseDSN(Config{DSN: dsn, Cluster: "palabre"})
	if err != nil {
		t.Fatal(err)
	}
	if opts.ConnOpenStrategy != ch.ConnOpenInOrder || len(opts.Addr) != 2 {
		t.Errorf("cluster: strategy %v over %v, want in order over both nodes", opts.ConnOpenStrategy, opts.Addr)
	}
	if opts, err = parseDSN(Config{DSN: dsn}); err != nil || opts.ConnOpenStrategy != ch.ConnOpenRoundRobin {
		t.Errorf("single server: strategy %v, %v; want the DSN's round robin", opts.ConnOpenStrategy, err)
	}
	if _, err := parseDSN(Config{DSN: dsn, Cluster: "two-by-two"}); err == nil {
		t.Error("a cluster name with a dash was accepted")
	}
}
