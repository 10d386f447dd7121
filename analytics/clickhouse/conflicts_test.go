package clickhouse_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// version returns r with another recommendation and another receipt time: the same id with
// other answers, as a second process would have accepted it.
func otherVersion(r *survey.Response, workshops float64, received time.Time) *survey.Response {
	c := *r
	c.Answers = []survey.Answer{{Question: "workshops", Num: workshops, HasNum: true}}
	c.ReceivedAt = received
	return &c
}

func TestVersionRule(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	early, late := clickhouse.Version{Digest: 9, ReceivedAt: t0}, clickhouse.Version{Digest: 1, ReceivedAt: t0.Add(time.Second)}
	if !early.Wins(late) || late.Wins(early) {
		t.Error("the version received first must win")
	}
	// Within one second the smaller digest wins, whatever the sub-second order.
	a, b := clickhouse.Version{Digest: 1, ReceivedAt: t0.Add(900 * time.Millisecond)}, clickhouse.Version{Digest: 2, ReceivedAt: t0}
	if !a.Wins(b) || b.Wins(a) {
		t.Error("a tie within a second must go to the smaller digest")
	}
}

func TestDeliveryLeavesOutTheLoserAndRecordsIt(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second).Add(-time.Minute)
	first := testResponse("SN", survey.Answer{Question: "workshops", Num: 4, HasNum: true})
	first.ReceivedAt = t0
	a, b := db.Delivery("palabre-a"), db.Delivery("palabre-b")
	var lost []survey.ResponseID
	var winner clickhouse.Version
	b.Lost = func(id survey.ResponseID, _, w uint64, at time.Time) {
		lost, winner = append(lost, id), clickhouse.Version{Digest: w, SubmittedAt: at}
	}
	if err := a.WriteResponses(ctx, []*survey.Response{first}); err != nil {
		t.Fatal(err)
	}
	// Received later by B with other answers: left out, recorded.
	later := otherVersion(first, 1, t0.Add(5*time.Second))
	fresh := testResponse("PE", survey.Answer{Question: "workshops", Num: 3, HasNum: true})
	if err := b.WriteResponses(ctx, []*survey.Response{later, fresh, first}); err != nil {
		t.Fatal(err)
	}
	if len(lost) != 1 || lost[0] != first.ID || winner.Digest != first.Digest() || b.LostCount() != 1 {
		t.Fatalf("lost %v (winner %x, count %d), want %s lost to %x", lost, winner.Digest, b.LostCount(), first.ID, first.Digest())
	}
	got, err := db.ReadResponse(ctx, first.ID)
	if err != nil || got.Digest() != first.Digest() {
		t.Fatalf("stored %v (err %v), want the first version", got, err)
	}
	in, err := db.Integrity(ctx, first.SurveyID, first.Edition)
	if err != nil {
		t.Fatal(err)
	}
	if in.Responses != 2 || in.Answers != 2 {
		t.Errorf("stored %+v, want 2 responses of 1 answer each", in)
	}
	cs, err := db.Conflicts(ctx, first.SurveyID, first.Edition, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != first.ID || cs[0].Digest != later.Digest() || cs[0].WinnerDigest != first.Digest() ||
		cs[0].AcceptedBy != "palabre-b" || cs[0].Answers != 1 || !cs[0].ReceivedAt.Equal(later.ReceivedAt) {
		t.Fatalf("conflicts %+v", cs)
	}

	// Received earlier than the stored one (its process delivered late): written, and the
	// stored version recorded and deleted before the delivery returns.
	earlier := otherVersion(first, 2, t0.Add(-5*time.Second))
	if err := b.WriteResponses(ctx, []*survey.Response{earlier}); err != nil {
		t.Fatal(err)
	}
	cs, err = db.Conflicts(ctx, first.SurveyID, first.Edition, 100)
	if err != nil {
		t.Fatal(err)
	}
	var losers []clickhouse.Conflict
	for _, c := range cs {
		if c.Digest == first.Digest() {
			losers = append(losers, c)
		}
	}
	if len(losers) != 1 || losers[0].AcceptedBy != "palabre-a" || losers[0].Answers != 1 || losers[0].WinnerDigest != earlier.Digest() {
		t.Fatalf("losers %+v, want the first version", losers)
	}
	got, err = db.ReadResponse(ctx, first.ID)
	if err != nil || got.Digest() != earlier.Digest() {
		t.Fatalf("stored %v (err %v), want the version received first", got, err)
	}
	if in, _ := db.Integrity(ctx, first.SurveyID, first.Edition); in.Responses != 2 || in.Answers != 2 || in.AnswerRows != 2 {
		t.Errorf("stored %+v after resolution, want 2 responses, 2 answer rows", in)
	}
	if n, err := db.ConflictCount(ctx); err != nil || n != 2 {
		t.Errorf("conflict count %d (err %v), want 2", n, err)
	}
	told := map[uint64]uint64{}
	if _, err := db.LostSince(ctx, time.Now().Add(-time.Minute), func(id survey.ResponseID, loser, w uint64, at time.Time) {
		if id == first.ID && at.Equal(first.SubmittedAt) {
			told[loser] = w
		}
	}); err != nil {
		t.Fatal(err)
	}
	if told[later.Digest()] != first.Digest() || told[first.Digest()] != earlier.Digest() {
		t.Errorf("losers told %v", told)
	}
	if again, err := db.ResolveConflicts(ctx, time.Time{}, "palabre-b"); err != nil || len(again) != 0 {
		t.Errorf("a second resolution found %v (err %v)", again, err)
	}
}

// Two processes deliver different answers to one question under one id at once: both are
// stored, a merge does not fold them into one row, and the resolver keeps the one the rule
// names, in a tie the smaller digest.
func TestResolveConflictsKeepsTheWinnerThroughMerges(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	r := testResponse("SN", survey.Answer{Question: "workshops", Num: 4, HasNum: true})
	r.ReceivedAt = t0
	other := otherVersion(r, 1, t0.Add(300*time.Millisecond)) // the same second: the digest decides
	var wg sync.WaitGroup
	for i, v := range []*survey.Response{r, other} {
		wg.Go(func() {
			if err := db.Delivery([]string{"a", "b"}[i]).WriteResponses(ctx, []*survey.Response{v}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Whatever the check saw, at most one version was left out; make both stored, as when
	// both checks ran before either insert.
	if err := db.WriteResponses(ctx, []*survey.Response{r}); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteResponses(ctx, []*survey.Response{other}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Compact(ctx, 0); err != nil {
		t.Fatal(err)
	}
	want, lose := r, other
	if other.Digest() < r.Digest() {
		want, lose = other, r
	}
	losers, err := db.ResolveConflicts(ctx, t0.Add(-time.Minute), "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(losers) != 1 || losers[0].Digest != lose.Digest() || losers[0].WinnerDigest != want.Digest() {
		t.Fatalf("losers %+v, want %x to lose to %x", losers, lose.Digest(), want.Digest())
	}
	got, err := db.ReadResponse(ctx, r.ID)
	if err != nil || got.Digest() != want.Digest() {
		t.Fatalf("stored %+v (err %v), want the smaller digest's answers", got, err)
	}
	if in, _ := db.Integrity(ctx, r.SurveyID, r.Edition); in.Responses != 1 || in.AnswerRows != 1 {
		t.Errorf("stored %+v, want 1 response with 1 answer row", in)
	}
}

func TestStoredSinceReadsWhatWasInserted(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	before := time.Now().Add(-2 * time.Second)
	r := testResponse("SN", survey.Answer{Question: "workshops", Num: 4, HasNum: true})
	if err := db.Delivery("a").WriteResponses(ctx, []*survey.Response{r}); err != nil {
		t.Fatal(err)
	}
	seen := map[survey.ResponseID]uint64{}
	latest, err := db.StoredSince(ctx, before, func(id survey.ResponseID, d uint64, _ time.Time) { seen[id] = d })
	if err != nil {
		t.Fatal(err)
	}
	if seen[r.ID] != r.Digest() || latest.Before(before.Truncate(time.Second)) {
		t.Fatalf("seen %v, latest %v", seen, latest)
	}
	clear(seen)
	if _, err := db.StoredSince(ctx, latest.Add(2*time.Second), func(id survey.ResponseID, d uint64, _ time.Time) { seen[id] = d }); err != nil || len(seen) != 0 {
		t.Fatalf("after the latest: %v (err %v)", seen, err)
	}
}
