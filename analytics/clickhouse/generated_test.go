package clickhouse_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// On random surveys (every question type, forms that change between versions, small and
// uneven cells, random thresholds), the figures ClickHouse's histograms give equal the
// independent reference's, computed in Go from the responses themselves. Some batches are
// stored twice and left unmerged.
func TestGeneratedOnClickHouse(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	stopMerges(t, db.Database())
	rng := rand.New(rand.NewPCG(17, 2026))
	var surveys []*analyticstest.Generated
	for i := range 8 {
		g := analyticstest.Generate(rng, fmt.Sprintf("gen-%d", i))
		if err := db.WriteResponses(ctx, g.Responses); err != nil {
			t.Fatal(err)
		}
		if err := db.WriteResponses(ctx, g.Responses[:len(g.Responses)/2]); err != nil { // a retried batch
			t.Fatal(err)
		}
		surveys = append(surveys, g)
	}
	compared := 0
	for _, g := range surveys {
		svc := analytics.NewService(g.Catalog, db, g.Threshold)
		for range 25 {
			req := analyticstest.RandomRequest(rng, g)
			got, gerr := svc.Analyze(ctx, req)
			want, werr := analyticstest.Reference(ctx, g.Catalog, g.Threshold, req, g.Responses)
			if survey.ErrorCode(gerr) != survey.ErrorCode(werr) || (gerr == nil) != (werr == nil) {
				t.Fatalf("%+v: errors differ: %v / %v", req, gerr, werr)
			}
			if gerr != nil {
				continue
			}
			if d := analyticstest.DiffResult(got, want); d != "" {
				t.Fatalf("%+v (threshold %d): %s", req, g.Threshold, d)
			}
			compared++
		}
	}
	t.Logf("%d results equal to the reference", compared)
	if compared < 150 {
		t.Errorf("only %d results compared", compared)
	}
}
