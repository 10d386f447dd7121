package xlsform_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/xlsform"
)

// TestWriteXLSFormTypes writes time, datetime, geopoint, acknowledge and ranges of any step
// with the XLSForm types ODK knows, and reads them back equal.
func TestWriteXLSFormTypes(t *testing.T) {
	f := surveytest.FeedbackForm("field-visit")
	l := surveytest.T("Q", "Q", "Q")
	f.Sections = append(f.Sections, survey.Section{Key: "field", Label: l, Questions: []survey.Question{
		{Key: "arrived", Type: survey.Time, Label: l},
		{Key: "visit", Type: survey.DateTime, Label: l, Required: true},
		{Key: "place", Type: survey.Geopoint, Label: l},
		{Key: "consent", Type: survey.Acknowledge, Label: l, Required: true},
		{Key: "share", Type: survey.Number, Label: l, Min: ptr(0), Max: ptr(1), Step: ptr(0.05)},
		{Key: "score", Type: survey.Number, Label: l, Min: ptr(0), Max: ptr(100), Step: ptr(5), Integer: true},
		{Key: "whole_steps", Type: survey.Number, Label: l, Min: ptr(0), Max: ptr(10), Step: ptr(2)},             // not Integer: no range
		{Key: "open_steps", Type: survey.Number, Label: l, Min: ptr(-1), Step: ptr(0.5)},                         // no end: no range
		{Key: "nps_like", Type: survey.Number, Label: l, Min: ptr(0), Max: ptr(10), Step: ptr(1), Integer: true}, // a range 0..10 by 1 reads as a rating
	}})
	data := roundTrip(t, f, nil, xlsform.Options{})
	sheets := readSheets(t, data)
	col := func(name string) int { return slices.Index(sheets["survey"][0], name) }
	got := map[string][3]string{}
	for _, row := range sheets["survey"][1:] {
		cell := func(i int) string {
			if i < 0 || i >= len(row) {
				return ""
			}
			return row[i]
		}
		got[cell(col("name"))] = [3]string{cell(col("type")), cell(col("parameters")), cell(col("palabre"))}
	}
	for name, want := range map[string][3]string{
		"arrived":     {"time", "", ""},
		"visit":       {"dateTime", "", ""},
		"place":       {"geopoint", "", ""},
		"consent":     {"acknowledge", "", ""},
		"share":       {"range", "start=0 end=1 step=0.05", ""},
		"score":       {"range", "start=0 end=100 step=5", ""},
		"whole_steps": {"decimal", "", "type=number min=0 max=10 step=2"},
		"open_steps":  {"decimal", "", "type=number min=-1 step=0.5"},
		"nps_like":    {"integer", "", "type=number min=0 max=10 step=1"},
	} {
		if got[name] != want {
			t.Errorf("%s: type, parameters, palabre %q, want %q", name, got[name], want)
		}
	}
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, f, nil, xlsform.Options{}); err != nil {
		t.Fatal(err)
	}
}
