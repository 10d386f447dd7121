package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// `palabre migrate --cluster NAME` builds the cluster schema, and says nothing is to do the
// second time; PALABRE_CLUSTER does the same.
func TestMigrateOnCluster(t *testing.T) {
	cluster, dsn := clickhousetest.NewClusterDSN(t)
	db := clickhousetest.OpenClusterDSN(t, cluster, dsn)
	var first, second bytes.Buffer
	start := time.Now()
	if err := run(context.Background(), []string{"migrate", "--cluster", cluster, "--clickhouse", dsn}, envFrom(nil), &first); err != nil {
		t.Fatalf("migrate --cluster: %v", err)
	}
	t.Logf("migrate --cluster %s on a fresh database: %v", cluster, time.Since(start))
	if !strings.Contains(first.String(), "applied migration 0003_answers") {
		t.Errorf("first migrate output lacks the applied migrations:\n%s", first.String())
	}
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_CLUSTER": cluster})
	if err := run(context.Background(), []string{"migrate"}, env, &second); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if got := second.String(); !strings.Contains(got, "nothing to do") || strings.Contains(got, "applied") {
		t.Errorf("second migrate output = %q, want only that nothing was to do", got)
	}
	engines := clickhousetest.EachNode(t, db, "SELECT count() FROM system.tables WHERE database = ? AND name = 'answers' AND engine = 'Distributed'", db.Database())
	for i, n := range engines {
		if n != 1 {
			t.Errorf("node %d: answers is not a Distributed table", i)
		}
	}
}

// A cluster name the server does not know fails at once, with the name.
func TestUnknownClusterFailsFast(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn)
	err := run(context.Background(), []string{"migrate", "--cluster", "nowhere"}, envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), `knows no cluster "nowhere"`) {
		t.Fatalf("migrate --cluster nowhere = %v; want the unknown cluster named", err)
	}
	err = run(context.Background(), []string{"migrate", "--cluster", "two-by-two"}, envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), `cluster name "two-by-two"`) {
		t.Fatalf("migrate --cluster two-by-two = %v; want the name refused", err)
	}
}

// palabre serve --cluster: the demo survey imported on the cluster, answers posted to the
// API are delivered through the Distributed tables to both shards, a resubmission is
// recognised and a conflicting one refused, and analytics counts each response once.
func TestServeOnCluster(t *testing.T) {
	cluster, dsn := clickhousetest.NewClusterDSN(t)
	db := clickhousetest.OpenClusterDSN(t, cluster, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_CLUSTER": cluster, "PALABRE_DATA": t.TempDir(),
		"PALABRE_BATCH_INTERVAL": "50ms", "PALABRE_LOG_LEVEL": "warn"}
	if err := run(context.Background(), []string{"import", "--demo"}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	base, out, stop := startServe(t, env) // on failure, the test's clean-up stops it
	sub := newSubmitter(t)
	const n = 60
	var first string
	for i := range n {
		id := survey.NewResponseID().String()
		if i == 0 {
			first = id
		}
		sub.mustPost(base, id, demoBody(id, i%11), http.StatusCreated)
	}
	sub.mustPost(base, first, demoBody(first, 0), http.StatusOK)
	sub.mustPost(base, first, demoBody(first, 5), http.StatusConflict)
	ctx := context.Background()
	q := analytics.Query{Survey: "partners-meeting"}
	total := 0
	waitFor(t, "every response counted on the cluster", func() bool {
		counts, err := db.ResponseCounts(ctx, q)
		if err != nil {
			return false
		}
		total = 0
		for _, c := range counts {
			total += c.N
		}
		return total >= n
	})
	if total != n {
		t.Errorf("%d responses counted, %d acknowledged", total, n)
	}
	rows := clickhousetest.EachNode(t, db, "SELECT count() FROM responses_local")
	nodes, _ := db.Nodes(ctx)
	shards := map[int]uint64{}
	for i, nd := range nodes {
		shards[nd.Shard] = max(shards[nd.Shard], rows[i])
	}
	for s, r := range shards {
		if r == 0 {
			t.Errorf("shard %d holds no response (rows per node %v)", s, rows)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, logTail(out))
	}
}
