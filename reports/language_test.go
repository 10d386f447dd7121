package reports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
)

// A report put in another language (Report.In) equals the report built in that language:
// every label, reason and figure, for the demo-like fixture and for random surveys.
func TestReportInAnotherLanguage(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 2026))
	type source struct {
		svc     *analytics.Service
		builder *reports.Builder
		survey  string
	}
	var sources []source
	store := analyticstest.NewStore(analyticstest.Responses(3, 40)...)
	svc := analytics.NewService(analyticstest.Catalog(), store, 5)
	sources = append(sources, source{svc, reports.NewBuilder(analyticstest.Catalog(), svc, "test"), "partners-meeting"})
	for i := range 10 {
		g := analyticstest.Generate(rng, fmt.Sprintf("gen-%d", i))
		svc := analytics.NewService(g.Catalog, analyticstest.NewStore(g.Responses...), g.Threshold)
		sources = append(sources, source{svc, reports.NewBuilder(g.Catalog, svc, "test"), g.Survey})
	}
	for _, s := range sources {
		for _, from := range []string{"fr", "en", "es"} {
			base, err := s.builder.Build(ctx, reports.Request{Survey: s.survey, Language: from, Audience: analytics.Funder})
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range []string{"fr", "en", "es"} {
				want, err := s.builder.Build(ctx, reports.Request{Survey: s.survey, Language: to, Audience: analytics.Funder})
				if err != nil {
					t.Fatal(err)
				}
				got := base.In(to)
				got.GeneratedAt = want.GeneratedAt
				if got.Title != want.Title || got.Request.Language != to {
					t.Fatalf("%s %s→%s: title %q, want %q", s.survey, from, to, got.Title, want.Title)
				}
				for i := range want.Questions {
					if d := analyticstest.Diff(got.Questions[i], want.Questions[i]); d != "" {
						t.Fatalf("%s %s→%s: question %s: %s", s.survey, from, to, want.Questions[i].Question.Key, d)
					}
				}
			}
		}
	}
}

// A funder report keeping the latest comments takes them from the questions' results: the
// same comments, profiles and order as read page by page.
func TestLatestCommentsWithQuestions(t *testing.T) {
	ctx := context.Background()
	store := analyticstest.NewStore(analyticstest.Responses(3, 60)...)
	b := reports.NewBuilder(analyticstest.Catalog(), analytics.NewService(analyticstest.Catalog(), store, 5), "test")
	all, err := b.Build(ctx, reports.Request{Survey: "partners-meeting", Audience: analytics.Funder})
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 7, 40, 500} {
		for _, by := range [][]analytics.Dimension{nil, {analytics.Edition}, {analytics.Country}} {
			got, err := b.Build(ctx, reports.Request{Survey: "partners-meeting", Audience: analytics.Funder, MaxComments: limit, By: by})
			if err != nil {
				t.Fatal(err)
			}
			want, err := b.Build(ctx, reports.Request{Survey: "partners-meeting", Audience: analytics.Funder, By: by})
			if err != nil {
				t.Fatal(err)
			}
			kept := map[string]int{}
			var expected []reports.Comment
			for _, c := range want.Comments {
				if kept[c.Question] < limit {
					kept[c.Question]++
					expected = append(expected, c)
				}
			}
			if d := analyticstest.Diff(got.Comments, expected); d != "" {
				t.Errorf("latest %d by %v: %s", limit, by, d)
			}
		}
	}
	if len(all.Comments) < 60 {
		t.Errorf("only %d comments in the fixture", len(all.Comments))
	}
}
