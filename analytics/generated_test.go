package analytics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/survey"
)

// reversed returns response counts and answered counts in reverse order: their order is not
// part of the Store contract, so results must not depend on it.
type reversed struct{ analytics.Store }

func (r reversed) ResponseCounts(ctx context.Context, q analytics.Query) ([]analytics.Count, error) {
	out, err := r.Store.ResponseCounts(ctx, q)
	slices.Reverse(out)
	return out, err
}

func (r reversed) Distribution(ctx context.Context, q analytics.Query, question string, v analytics.Value) (*analytics.Distribution, error) {
	d, err := r.Store.Distribution(ctx, q, question, v)
	if d != nil {
		slices.Reverse(d.Answered)
	}
	return d, err
}

// The Service, over the in-memory Store, gives on many random surveys, response sets,
// thresholds and requests exactly the independent reference's result: counts, suppression
// and comments equal, figures to a relative 1e-9. Some responses are stored twice, and
// every other survey is read from a store that lists groups in reverse order.
func TestServiceMatchesReferenceOnGeneratedData(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 2026))
	compared, suppressed, complementary, hiddenChanges := 0, 0, 0, 0
	for round := range 40 {
		g := analyticstest.Generate(rng, fmt.Sprintf("gen-%d", round))
		store := analyticstest.NewStore(g.Responses...)
		store.Add(g.Responses[:len(g.Responses)/3]...)
		var st analytics.Store = store
		if round%2 == 1 {
			st = reversed{store}
		}
		svc := analytics.NewService(g.Catalog, st, g.Threshold)
		for range 30 {
			req := analyticstest.RandomRequest(rng, g)
			got, gerr := svc.Analyze(ctx, req)
			want, werr := analyticstest.Reference(ctx, g.Catalog, g.Threshold, req, g.Responses)
			if survey.ErrorCode(gerr) != survey.ErrorCode(werr) || (gerr == nil) != (werr == nil) {
				t.Fatalf("round %d %+v: errors differ: %v / %v", round, req, gerr, werr)
			}
			if gerr != nil {
				continue
			}
			if d := analyticstest.DiffResult(got, want); d != "" {
				t.Fatalf("round %d %+v (threshold %d): %s", round, req, g.Threshold, d)
			}
			compared++
			for _, c := range want.Cells {
				switch c.Suppressed {
				case analytics.SmallCell:
					suppressed++
				case analytics.Complementary:
					complementary++
				}
			}
			for _, c := range want.Changes {
				if c.Suppressed != "" {
					hiddenChanges++
				}
			}
		}
	}
	t.Logf("%d results compared; %d small cells, %d complementary, %d changes withheld", compared, suppressed, complementary, hiddenChanges)
	if compared < 600 || suppressed < 100 || complementary < 20 || hiddenChanges < 50 {
		t.Errorf("the generated data does not exercise enough: %d results, %d small cells, %d complementary, %d changes withheld",
			compared, suppressed, complementary, hiddenChanges)
	}
}
