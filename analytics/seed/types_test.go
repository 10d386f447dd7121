package seed_test

import (
	"testing"

	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// TestXLSFormTypes: seeded responses answer time, datetime, position, acknowledge and ranges
// of decimal steps with values the form accepts (Generate validates every response).
func TestXLSFormTypes(t *testing.T) {
	f := surveytest.FeedbackForm("visit")
	l := surveytest.T("Q", "Q", "Q")
	lo, hi, step, whole := 0.0, 1.0, 0.05, 5.0
	f.Sections = append(f.Sections, survey.Section{Key: "field", Label: l, Questions: []survey.Question{
		{Key: "arrived", Type: survey.Time, Label: l, Required: true},
		{Key: "visit", Type: survey.DateTime, Label: l, Required: true},
		{Key: "place", Type: survey.Geopoint, Label: l, Required: true},
		{Key: "consent", Type: survey.Acknowledge, Label: l, Required: true},
		{Key: "share", Type: survey.Number, Label: l, Min: &lo, Max: &hi, Step: &step, Required: true},
		{Key: "fives", Type: survey.Number, Label: l, Step: &whole, Integer: true, Required: true},
	}})
	cf, err := survey.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	e := survey.Edition{SurveyID: "visit", Year: 2024, FormVersion: 1}
	answered := map[string]int{}
	err = seed.Generate([]*survey.Compiled{cf}, []survey.Edition{e}, seed.Options{Seed: 3, PerEdition: 200, Now: now}, func(r *survey.Response) error {
		for _, a := range r.Answers {
			answered[a.Question]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"arrived", "visit", "place", "consent", "share", "fives"} {
		if answered[k] != 200 {
			t.Errorf("%s answered %d times, want 200", k, answered[k])
		}
	}
}
