package clickhouse_test

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
)

// liveQuery is what the console's live page asks: one edition by country × organisation.
func liveQuery(year string) analytics.Query {
	return analytics.Query{Survey: analyticstest.SurveyID, By: []analytics.Dimension{analytics.Country, analytics.Organisation},
		Filter: analytics.Filter{analytics.Edition: {year}}}
}

// TestASubmittedResponseReachesTheLiveCounts submits a response through the write path
// palabre serves (the journal, then delivery to ClickHouse) and finds it in the counts by
// country × organisation and first among the latest arrivals once delivered.
func TestASubmittedResponseReachesTheLiveCounts(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	if err := db.WriteResponses(ctx, analyticstest.Responses(3, 6)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := ingest.Open(ctx, ingest.Config{Dir: filepath.Join(dir, "journal"), BatchInterval: 20 * time.Millisecond}, db, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	count := func(country, org string) int {
		t.Helper()
		counts, err := db.ResponseCounts(ctx, liveQuery("2025"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.Group.Country == country && c.Group.Organisation == org {
				return c.N
			}
		}
		return 0
	}
	if n := count("PE", "Casa Abierta"); n != 0 {
		t.Fatalf("before: %d responses from Casa Abierta", n)
	}
	now := time.Now().UTC().Truncate(time.Second)
	r := &survey.Response{ID: survey.NewResponseID(), SurveyID: analyticstest.SurveyID, Edition: 2025, FormVersion: 2,
		Respondent:  survey.Respondent{Country: "PE", Organisation: "Casa Abierta", Role: "psychologist", Language: "es"},
		SubmittedAt: now, ReceivedAt: now, Channel: survey.ChannelWeb,
		Answers: []survey.Answer{{Question: "useful", Num: 4, HasNum: true}}}
	if _, err := p.Submit(ctx, r); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for p.Status().PendingResponses > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %+v", p.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := count("PE", "Casa Abierta"); n != 1 {
		t.Errorf("after delivery: %d responses from Casa Abierta, want 1", n)
	}
	latest, err := db.LatestArrivals(ctx, analyticstest.SurveyID, 2025, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.Arrival{At: now, Country: "PE", Organisation: "Casa Abierta"}
	if len(latest) != 3 || latest[0] != want {
		t.Errorf("latest arrivals: %+v, want %+v first of 3", latest, want)
	}
}

// TestLatestArrivalsListsEachResponseOnceNewestFirst stores every response three times (a
// batch retried twice) so that the first window of rows holds too few distinct responses,
// and holds the lists to the responses as generated.
func TestLatestArrivalsListsEachResponseOnceNewestFirst(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	all := analyticstest.Responses(7, 12)
	for range 3 {
		if err := db.WriteResponses(ctx, all); err != nil {
			t.Fatal(err)
		}
	}
	var want []analytics.Arrival
	for _, r := range all {
		if r.Edition == 2024 {
			want = append(want, analytics.Arrival{At: r.SubmittedAt.UTC().Truncate(time.Second), Country: r.Country, Organisation: r.Organisation})
		}
	}
	slices.SortStableFunc(want, func(a, b analytics.Arrival) int { return b.At.Compare(a.At) })
	if len(want) != 12 {
		t.Fatalf("%d responses to 2024", len(want))
	}
	for _, n := range []int{1, 5, 12, 40} {
		got, err := db.LatestArrivals(ctx, analyticstest.SurveyID, 2024, n)
		if err != nil {
			t.Fatal(err)
		}
		exp := want[:min(n, len(want))]
		if n < len(want) && want[n-1].At.Equal(want[n].At) {
			t.Fatalf("the seed puts a tie at the page's end (n=%d): pick another", n)
		}
		if !sameArrivals(got, exp) {
			t.Errorf("n=%d:\n got  %v\n want %v", n, got, exp)
		}
	}
	for _, c := range []struct {
		survey string
		year   int
	}{{analyticstest.SurveyID, 2030}, {"other", 2024}} {
		got, err := db.LatestArrivals(ctx, c.survey, c.year, 5)
		if err != nil || len(got) != 0 {
			t.Errorf("%s %d: %v, %v; want none", c.survey, c.year, got, err)
		}
	}
	if _, err := db.LatestArrivals(ctx, analyticstest.SurveyID, 70000, 5); err == nil {
		t.Error("a year out of range was accepted")
	}
	if got, err := db.LatestArrivals(ctx, analyticstest.SurveyID, 2024, 0); err != nil || len(got) != 0 {
		t.Errorf("n=0: %v, %v", got, err)
	}
}

// sameArrivals compares newest-first lists, where responses of the same second may come
// in any order.
func sameArrivals(got, want []analytics.Arrival) bool {
	if len(got) != len(want) {
		return false
	}
	order := func(a, b analytics.Arrival) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.Country, b.Country), cmp.Compare(a.Organisation, b.Organisation))
	}
	for i := range got {
		if !got[i].At.Equal(want[i].At) {
			return false
		}
	}
	g, w := slices.Clone(got), slices.Clone(want)
	slices.SortFunc(g, order)
	slices.SortFunc(w, order)
	return slices.Equal(g, w)
}
