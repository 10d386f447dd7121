package clickhouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// TestClusterAnalyticsBenchReport times the analytics queries of TestAnalyticsBenchReport
// on one server and on the test cluster over the same answers (the benchmark database,
// copied to the cluster with CopyFrom once and kept), in turn, so both see the same machine.
//
//	make cluster
//	PALABRE_BENCH=1 PALABRE_TEST_CLUSTER=palabre PALABRE_TEST_CLUSTER_CLICKHOUSE="$(deploy/cluster.sh dsn)" \
//	  go test -run TestClusterAnalyticsBenchReport -v -timeout 60m ./analytics/clickhouse
func TestClusterAnalyticsBenchReport(t *testing.T) {
	if os.Getenv("PALABRE_BENCH") != "1" {
		t.Skip("set PALABRE_BENCH=1 and a cluster to run the cluster analytics benchmark report")
	}
	cluster, nodes, ok := clickhousetest.ClusterServer()
	if !ok || nodes == "" {
		t.Skip("no ClickHouse cluster given (PALABRE_TEST_CLUSTER, PALABRE_TEST_CLUSTER_CLICKHOUSE)")
	}
	env := setupBench(t)
	ctx := context.Background()
	dsn := nodes
	if i := strings.IndexAny(dsn[len("clickhouse://"):], "/?"); i >= 0 {
		rest := dsn[len("clickhouse://")+i:]
		query := ""
		if j := strings.IndexByte(rest, '?'); j >= 0 {
			query = rest[j:]
		}
		dsn = dsn[:len("clickhouse://")+i] + "/" + env.database + query
	} else {
		dsn += "/" + env.database
	}
	cdb, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, Cluster: cluster, DialTimeout: 2 * time.Second, ReadTimeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	if _, err := cdb.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	copied, err := cdb.CopyFrom(ctx, env.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range copied {
		if !c.Skipped && c.Rows > 0 {
			t.Logf("copied %s: %d rows in %s", c.Table, c.Rows, c.Took.Round(time.Millisecond))
		}
	}
	t.Logf("copy to the cluster: %s", time.Since(start).Round(time.Millisecond))
	if _, err := cdb.Compact(ctx, 0); err != nil {
		t.Fatal(err)
	}
	csvc := analytics.NewService(survey.NewCachedCatalog(cdb, time.Hour), cdb, 0)

	const runs = 30
	var report strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&report, format+"\n", args...) }
	load, _ := os.ReadFile("/proc/loadavg")
	ns, err := cdb.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p("analytics on one server and on cluster %s (%d nodes), %d answer rows, %d CPUs, load average %s",
		cluster, len(ns), env.answers, runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	p("each query: country × edition, compared year over year, for funders; %d warm runs of each, in turn", runs)
	p("")
	p("%-15s %12s %12s %13s %13s %10s", "query", "server p50", "server p95", "cluster p50", "cluster p95", "p95 ratio")
	for _, k := range queryKinds {
		req := kindRequest(k.question)
		one := func() error { _, err := env.svc.Analyze(ctx, req); return err }
		two := func() error { _, err := csvc.Analyze(ctx, req); return err }
		single, clustered := inTurn(t, runs, one, two)
		// The same figures both ways: the cluster answers what the server answers.
		a, errA := env.svc.Analyze(ctx, req)
		b, errB := csvc.Analyze(ctx, req)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if errA != nil || errB != nil || !bytes.Equal(ja, jb) {
			t.Errorf("%s: the cluster's result differs from the server's (%v, %v):\n%.600s\n%.600s", k.name, errA, errB, ja, jb)
		}
		p("%-15s %9.1f ms %9.1f ms %10.1f ms %10.1f ms %9.2fx", k.name, ms(percentile(single, 0.5)), ms(percentile(single, 0.95)),
			ms(percentile(clustered, 0.5)), ms(percentile(clustered, 0.95)), ms(percentile(clustered, 0.95))/ms(percentile(single, 0.95)))
	}
	t.Log("\n" + report.String())
}

// inTurn times n runs of a and of b, one of each in turn, after warming both.
func inTurn(t *testing.T, n int, a, b func() error) (as, bs []time.Duration) {
	t.Helper()
	for range 3 {
		if err := a(); err != nil {
			t.Fatal(err)
		}
		if err := b(); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		for _, f := range []struct {
			run func() error
			out *[]time.Duration
		}{{a, &as}, {b, &bs}} {
			start := time.Now()
			if err := f.run(); err != nil {
				t.Fatal(err)
			}
			*f.out = append(*f.out, time.Since(start))
		}
	}
	return as, bs
}
