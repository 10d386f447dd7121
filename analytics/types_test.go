package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// TestXLSFormTypes: an acknowledge is counted like a choice; a range (a number with a step)
// is summarised like a number; a time, a datetime and a position are counted as answered,
// not summarised.
func TestXLSFormTypes(t *testing.T) {
	f := surveytest.FeedbackForm("visit")
	l := surveytest.T("Q", "Q", "Q")
	step, lo, hi := 0.5, 0.0, 5.0
	f.Sections = []survey.Section{{Questions: []survey.Question{
		{Key: "consent", Type: survey.Acknowledge, Label: l},
		{Key: "arrived", Type: survey.Time, Label: l},
		{Key: "visit", Type: survey.DateTime, Label: l},
		{Key: "place", Type: survey.Geopoint, Label: l},
		{Key: "score", Type: survey.Number, Label: l, Min: &lo, Max: &hi, Step: &step},
	}}}
	cat := surveytest.NewCatalog([]*survey.Form{f},
		surveytest.Edition("visit", 2026, "Dakar", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}))
	var responses []*survey.Response
	for i, score := range []float64{1, 2.5, 4.5} {
		r := &survey.Response{ID: survey.NewResponseID(), SurveyID: "visit", Edition: 2026, FormVersion: 1,
			Respondent: surveytest.ValidRespondent(), SubmittedAt: time.Date(2026, 2, 1, i, 0, 0, 0, time.UTC), ReceivedAt: time.Date(2026, 2, 1, i, 0, 0, 0, time.UTC),
			Channel: survey.ChannelWeb,
			Answers: []survey.Answer{{Question: "score", Num: score, HasNum: true}, {Question: "place", Text: "14.69 -17.44 0 0"}}}
		if i < 2 {
			r.Answers = append(r.Answers, survey.Answer{Question: "consent", Text: "OK", Num: 1, HasNum: true},
				survey.Answer{Question: "arrived", Text: "09:30"}, survey.Answer{Question: "visit", Text: "2026-02-01T09:30"})
		}
		responses = append(responses, r)
	}
	svc := analytics.NewService(cat, analyticstest.NewStore(responses...), 0)
	analyze := func(q string) *analytics.Result {
		t.Helper()
		res, err := svc.Analyze(context.Background(), analytics.Request{Survey: "visit", Question: q, Audience: analytics.Coordinator, Language: "fr"})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(res.Cells) != 1 || res.Cells[0].N == nil {
			t.Fatalf("%s: cells %+v", q, res.Cells)
		}
		return res
	}
	res := analyze("consent")
	if c := res.Cells[0]; *c.N != 2 || len(c.Choices) != 1 || c.Choices[0].Key != "OK" || c.Choices[0].Count != 2 || c.Choices[0].Label != "Confirmé" {
		t.Errorf("consent: %+v", c)
	}
	if len(res.Question.Choices) != 1 || res.Question.Choices[0].Key != "OK" {
		t.Errorf("consent choices %+v", res.Question.Choices)
	}
	if c := analyze("score").Cells[0]; *c.N != 3 || c.Scale == nil || c.Scale.Mean != 8.0/3 || c.Scale.Max != 4.5 {
		t.Errorf("score: %+v", c)
	}
	for q, n := range map[string]int{"arrived": 2, "visit": 2, "place": 3} {
		if c := analyze(q).Cells[0]; *c.N != n || c.Choices != nil || c.Scale != nil || c.Dates != nil {
			t.Errorf("%s: %+v, want %d answered and no summary", q, c, n)
		}
	}
}
