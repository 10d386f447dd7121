package clickhouse_test

import (
	"context"
	"os"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// BenchmarkLiveResponses times the two reads of the console's live responses page (each
// open page makes them every 15 s) on the workbook benchmark's database (10 million answers,
// 125,570 responses in its latest edition; seeded by `make bench-report`); counts is the
// query as palabre plans it (the benchmark's editions are compacted: plain counts, after
// reading the table's parts), counts-receiving counts distinct ids as for an edition still
// receiving responses:
//
//	PALABRE_BENCH=1 go test -run '^$' -bench LiveResponses -benchtime 50x ./analytics/clickhouse
//
// PALABRE_BENCH_LIVE_DSN names another database.
func BenchmarkLiveResponses(b *testing.B) {
	if os.Getenv("PALABRE_BENCH") != "1" {
		b.Skip("set PALABRE_BENCH=1 (needs the workbook benchmark's database)")
	}
	dsn := os.Getenv("PALABRE_BENCH_LIVE_DSN")
	if dsn == "" {
		dsn = clickhousetest.ServerDSN() + "/palabre_report_bench_v1_10000000"
	}
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn})
	if err != nil {
		b.Skip(err)
	}
	defer db.Close()
	const surveyID, year = "report-bench", 2025
	q := analytics.Query{Survey: surveyID, By: []analytics.Dimension{analytics.Country, analytics.Organisation},
		Filter: analytics.Filter{analytics.Edition: {"2025"}}}
	b.Run("counts", func(b *testing.B) {
		var rows, total int
		for b.Loop() {
			counts, err := db.ResponseCounts(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			rows, total = len(counts), 0
			for _, c := range counts {
				total += c.N
			}
		}
		if rows == 0 {
			b.Fatal("no responses: is this the benchmark's database?")
		}
		b.ReportMetric(float64(total), "responses")
	})
	// An edition receiving responses is stored in several parts: its responses are counted
	// by distinct ids, as here, until compaction merges them.
	b.Run("counts-receiving", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ResponseCountsWith(ctx, q, clickhouse.Dedup{Everywhere: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("latest", func(b *testing.B) {
		for b.Loop() {
			list, err := db.LatestArrivals(ctx, surveyID, year, 20)
			if err != nil {
				b.Fatal(err)
			}
			if len(list) != 20 {
				b.Fatalf("%d arrivals", len(list))
			}
		}
	})
}
