package clickhouse_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// writeTwice writes responses in batches of 20, each delivered twice.
func writeTwice(t *testing.T, db *clickhouse.DB, responses []*survey.Response) {
	t.Helper()
	for i := 0; i < len(responses); i += 20 {
		batch := responses[i:min(i+20, len(responses))]
		for range 2 {
			if err := db.WriteResponses(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// compact calls Compact until every edition of both tables is in one part: ClickHouse
// refuses to optimise a partition while it merges it in the background.
func compact(t *testing.T, db *clickhouse.DB) []clickhouse.Compaction {
	t.Helper()
	ctx := context.Background()
	var all []clickhouse.Compaction
	for deadline := time.Now().Add(20 * time.Second); ; {
		done, err := db.Compact(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, done...)
		a, err := db.Plan(ctx, "answers", nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.Plan(ctx, "responses", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Everywhere && len(a.Editions) == 0 && !r.Everywhere && len(r.Editions) == 0 {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("editions still in several parts after compaction: answers %+v, responses %+v", a, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestCompactFoldsCopies(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	responses := analyticstest.Responses(11, 40)
	writeTwice(t, db, responses)
	if done, err := db.Compact(ctx, time.Hour); err != nil || len(done) != 0 {
		t.Fatalf("Compact(1h) right after writing = %+v, %v; want nothing: the editions are not quiet", done, err)
	}
	compact(t, db)
	if rows, distinct := countRows(t, db); rows != distinct {
		t.Errorf("%d answer rows for %d distinct answers after compaction", rows, distinct)
	}
	// Plain counts now, and the same figures as the responses themselves give.
	memory := analyticstest.NewStore(responses...)
	svc, ref := analytics.NewService(analyticstest.Catalog(), db, 5), analytics.NewService(analyticstest.Catalog(), memory, 5)
	for _, question := range []string{"", "topics", "sessions", "recommend", "improve"} {
		req := analytics.Request{Survey: sid, Question: question, By: []analytics.Dimension{analytics.Country, analytics.Edition},
			Compare: true, Audience: analytics.Coordinator}
		got, err := svc.Analyze(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Analyze(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if d := analyticstest.Diff(got, want); d != "" {
			t.Errorf("%q after compaction: %s", question, d)
		}
	}
	if done, err := db.Compact(ctx, 0); err != nil || len(done) != 0 {
		t.Errorf("Compact on a compacted database = %+v, %v; want nothing to do", done, err)
	}
}

// Copies delivered while queries run never make a query count a response twice, though
// compaction keeps bringing editions back to the fast path.
func TestQueriesStayExactWhileCopiesArrive(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	responses := analyticstest.Responses(12, 60)
	if err := db.WriteResponses(ctx, responses); err != nil {
		t.Fatal(err)
	}
	compact(t, db)
	memory := analyticstest.NewStore(responses...)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // redeliveries, and compaction folding them
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := (i * 7) % len(responses)
			if err := db.WriteResponses(ctx, responses[k:min(k+5, len(responses))]); err != nil {
				t.Error(err)
				return
			}
			if i%4 == 3 {
				db.Compact(ctx, 0)
			}
			time.Sleep(3 * time.Millisecond)
		}
	}()
	by := []analytics.Dimension{analytics.Country, analytics.Edition}
	q := analytics.Query{Survey: sid, By: by}
	wantCounts, _ := memory.ResponseCounts(ctx, q)
	wantTopics, _ := memory.Distribution(ctx, q, "topics", analytics.ValueNumber)
	for i := 0; i < 60 && !t.Failed(); i++ {
		counts, err := db.ResponseCounts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := analyticstest.Diff(counts, wantCounts); d != "" {
			t.Errorf("response counts, round %d: %s", i, d)
		}
		topics, err := db.Distribution(ctx, q, "topics", analytics.ValueNumber)
		if err != nil {
			t.Fatal(err)
		}
		if d := analyticstest.Diff(topics, wantTopics); d != "" {
			t.Errorf("topics, round %d: %s", i, d)
		}
	}
	close(stop)
	wg.Wait()
}
