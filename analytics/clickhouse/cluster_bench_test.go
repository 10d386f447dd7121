package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// Benchmarks on the test cluster (PALABRE_TEST_CLUSTER, PALABRE_TEST_CLUSTER_CLICKHOUSE):
//
//	go test -run '^$' -bench Cluster -benchtime 5x ./analytics/clickhouse

// BenchmarkClusterMigrate migrates a fresh database on the cluster: every migration, each
// CREATE and ALTER run ON CLUSTER.
func BenchmarkClusterMigrate(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		cluster, dsn := clickhousetest.NewClusterDSN(b)
		db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, Cluster: cluster})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		dropCtx, cancel := context.WithTimeout(ctx, time.Minute)
		if err := db.DropDatabase(dropCtx); err != nil {
			b.Fatal(err)
		}
		cancel()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkClusterWriteBatch is BenchmarkWriteBatch on the cluster: batches of 200 responses
// of 10 answers through the Distributed tables, each acknowledged once on its shards.
func BenchmarkClusterWriteBatch(b *testing.B) {
	db := clickhousetest.OpenCluster(b)
	ctx := context.Background()
	for _, r := range benchBatch(100) { // 100 erased ids, as BenchmarkWriteBatch has
		if err := db.Exec(ctx, "INSERT INTO erased_responses (survey_id, response_id, erased_at) SELECT ?, toUUID(?), now()", r.SurveyID, r.ID.String()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		batch := benchBatch(200)
		b.StartTimer()
		if err := db.WriteResponses(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClusterErase erases one response of 1,000 on the cluster, waiting until every
// node has deleted its rows.
func BenchmarkClusterErase(b *testing.B) {
	db := clickhousetest.OpenCluster(b)
	ctx := context.Background()
	batch := benchBatch(1000)
	if err := db.WriteResponses(ctx, batch); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		r := batch[i%len(batch)]
		i++
		if found, err := db.EraseResponse(ctx, r.SurveyID, r.ID); err != nil || !found {
			b.Fatalf("erase: %v, %v", found, err)
		}
	}
}
