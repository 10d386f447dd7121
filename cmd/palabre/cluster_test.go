package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
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

// palabre migrate --to-cluster copies a single server's database to a cluster, every table
// with its count checked; run again, it finds everything there and copies nothing.
func TestMigrateToCluster(t *testing.T) {
	cluster, clusterDSN := clickhousetest.NewClusterDSN(t)
	srcDSN := clickhousetest.NewDSN(t)
	src := clickhousetest.OpenDSN(t, srcDSN)
	ctx := context.Background()
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": srcDSN})
	if err := run(ctx, []string{"import", "--demo"}, env, io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	responses := analyticstest.Responses(31, 40)
	for range 2 { // delivered twice, as a retry does: copies are copied too
		if err := src.WriteResponses(ctx, responses); err != nil {
			t.Fatal(err)
		}
	}
	if found, err := src.EraseResponse(ctx, responses[0].SurveyID, responses[0].ID); err != nil || !found {
		t.Fatalf("erase: %v, %v", found, err)
	}
	// The cluster's database is the source's name on the cluster's nodes.
	u, _ := url.Parse(srcDSN)
	nodes, err := url.Parse(clusterDSN)
	if err != nil {
		t.Fatal(err)
	}
	nodes.Path = u.Path
	dstDSN := nodes.String()
	nodes.Path = ""
	dst := clickhousetest.OpenClusterDSN(t, cluster, dstDSN)
	var out bytes.Buffer
	start := time.Now()
	err = run(ctx, []string{"migrate", "--to-cluster", cluster, "--to-clickhouse", nodes.String()}, env, &out)
	if err != nil {
		t.Fatalf("migrate --to-cluster: %v\n%s", err, out.String())
	}
	t.Logf("migrate --to-cluster in %v:\n%s", time.Since(start), out.String())
	for _, want := range []string{"copied answers: ", "copied responses: ", "copied forms: ", "copied erased_responses: 1 rows"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	q := analytics.Query{Survey: responses[0].SurveyID, By: []analytics.Dimension{analytics.Country, analytics.Edition}}
	want, err := src.ResponseCounts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dst.ResponseCounts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) == 0 {
		t.Errorf("counts on the cluster %v, on the single server %v", got, want)
	}
	if ok, err := dst.ResponseErased(ctx, responses[0].ID); err != nil || !ok {
		t.Errorf("the erased id on the cluster: %v, %v", ok, err)
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--to-cluster", cluster, "--to-clickhouse", dstDSN}, env, &out); err != nil {
		t.Fatalf("migrate --to-cluster again: %v", err)
	}
	if strings.Contains(out.String(), "copied answers") || !strings.Contains(out.String(), "answers: 2") {
		t.Errorf("second copy output:\n%s", out.String())
	}
	// A source that changed since: refused, never merged into what the cluster holds.
	if err := src.WriteResponses(ctx, analyticstest.Responses(32, 1)); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"migrate", "--to-cluster", cluster, "--to-clickhouse", dstDSN}, env, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "copy responses: the cluster holds 238 rows of it and the source") {
		t.Errorf("copy after the source changed: %v", err)
	}
}
