package analytics_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/survey"
)

// requests covers every question type, breakdowns, filters, audiences and comparisons.
func requests() []analytics.Request {
	var out []analytics.Request
	by := [][]analytics.Dimension{
		nil,
		{analytics.Edition},
		{analytics.Country, analytics.Edition},
		{analytics.Role},
		{analytics.Organisation, analytics.Edition},
		{analytics.Language, analytics.Edition},
	}
	filters := []analytics.Filter{nil, {analytics.Country: {"SN", "MA", "PE"}}, {analytics.Edition: {"2025"}, analytics.Role: {"social_worker", "lawyer"}}}
	questions := []string{"", "attended", "sessions", "organisation", "workshops", "topics", "recommend", "format", "duration", "families", "first_action", "improve", "one_word"}
	for _, q := range questions {
		for _, b := range by {
			for _, f := range filters {
				for _, a := range []analytics.Audience{analytics.Funder, analytics.Coordinator} {
					out = append(out, analytics.Request{Survey: analyticstest.SurveyID, Question: q, By: b, Filter: f, Audience: a,
						Compare: len(b) > 0 && b[len(b)-1] == analytics.Edition, Language: "en", Page: analytics.Page{Limit: 7, Offset: 2}})
				}
			}
		}
	}
	return out
}

// The Service over a Store agrees with the independent reference on every request, with
// each response delivered twice.
func TestServiceMatchesReference(t *testing.T) {
	ctx := context.Background()
	responses := analyticstest.Responses(7, 60)
	store := analyticstest.NewStore(responses...)
	store.Add(responses[:40]...) // a batch delivered twice
	catalog := analyticstest.Catalog()
	svc := analytics.NewService(catalog, store, 5)
	checked := 0
	for _, req := range requests() {
		got, gerr := svc.Analyze(ctx, req)
		want, werr := analyticstest.Reference(ctx, catalog, svc.Threshold(), req, responses)
		name := fmt.Sprintf("%s by %v filter %v %s", req.Question, req.By, req.Filter, req.Audience)
		if survey.ErrorCode(gerr) != survey.ErrorCode(werr) {
			t.Fatalf("%s: errors differ: %v / %v", name, gerr, werr)
		}
		if gerr != nil {
			continue
		}
		if diff := analyticstest.DiffResult(got, want); diff != "" {
			t.Fatalf("%s: %s", name, diff)
		}
		checked++
	}
	if checked < 300 {
		t.Errorf("only %d requests compared", checked)
	}
}
