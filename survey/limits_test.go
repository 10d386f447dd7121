package survey_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// TestParseDateTimeYearBounds: years 1 to 9999 are stored, before and after the offset is
// applied; one more or one less is refused.
func TestParseDateTimeYearBounds(t *testing.T) {
	for in, want := range map[string]string{
		"0001-01-01T00:00:00Z":      "0001-01-01T00:00:00Z",
		"0001-06-01T12:00:00+01:00": "0001-06-01T11:00:00Z",
		"9999-12-31T23:59:59Z":      "9999-12-31T23:59:59Z",
		"9999-06-01T12:00:00-01:00": "9999-06-01T13:00:00Z",
		"0001-01-01T00:30:00+01:00": "", // year 0 in UTC
		"9999-12-31T23:30:00-01:00": "", // year 10000 in UTC
		"0000-06-01T12:00:00Z":      "",
	} {
		got, ok := survey.ParseDateTime(in)
		if ok != (want != "") || got != want {
			t.Errorf("ParseDateTime(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestParseGeopointBounds: latitude ±90, longitude ±180, altitude and accuracy within 1e7
// metres, accuracy not negative; just outside each is refused.
func TestParseGeopointBounds(t *testing.T) {
	for in, ok := range map[string]bool{
		"90 180":                  true,
		"-90 -180":                true,
		"90.000001 0":             false,
		"0 180.000001":            false,
		"0 -180.000001":           false,
		"-90.000001 0":            false,
		"0 0 10000000 0":          true,
		"0 0 -10000000 0":         true,
		"0 0 10000000.000001 0":   false,
		"0 0 0 10000000":          true,
		"0 0 0 10000000.000001":   false,
		"0 0 0 0":                 true,
		"0 0 0 -0.000001":         false,
		"0":                       false,
		"0 0 0 0 0":               false,
		"14,69 -17,44":            false,
		"14.6937, -17.4441, 3, 4": true,
	} {
		if _, got := survey.ParseGeopoint(in); got != ok {
			t.Errorf("ParseGeopoint(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

// TestOnStepCountsFromMin: the steps start at min, so with min 0.5 and a step of 2 the
// values are 0.5, 2.5, 4.5…, not 0, 2, 4.
func TestOnStepCountsFromMin(t *testing.T) {
	q := survey.Question{Type: survey.Number, Min: ptr(0.5), Step: ptr(2)}
	for n, want := range map[float64]bool{0.5: true, 2.5: true, 4.5: true, 1.5: false, 2: false, 3.5: false} {
		if got := q.OnStep(n); got != want {
			t.Errorf("OnStep(%v) = %v, want %v", n, got, want)
		}
	}
	without := survey.Question{Type: survey.Number}
	if !without.OnStep(0.123) {
		t.Error("a question without a step refused 0.123")
	}
}

// TestNearest: the suggestion is the first closest name within two edits, counted in runes,
// for words up to 64 runes.
func TestNearest(t *testing.T) {
	long := strings.Repeat("é", 63) + "a"
	longer := strings.Repeat("é", 64) + "a"
	tests := []struct {
		s     string
		names []string
		want  string
	}{
		{"relevant", []string{"relevance", "relevant"}, "relevant"},
		{"labl", []string{"hint", "label"}, "label"},
		{"ab", []string{"abcd"}, "abcd"},       // two insertions at the end
		{"abcd", []string{"ab"}, "ab"},         // two deletions at the end
		{"ab", []string{"abcde"}, ""},          // three
		{"kitten", []string{"sitting"}, ""},    // three
		{"abc", []string{"abd", "abe"}, "abd"}, // a tie: the first
		{"abc", []string{"xyz", "abe"}, "abe"}, // the only close one
		{"żółw", []string{"zolw"}, ""},         // three runes differ, whatever their bytes
		{"żółw", []string{"żółwie"}, "żółwie"}, // two runes added
		{long, []string{long[:len(long)-1] + "b"}, long[:len(long)-1] + "b"},
		{longer, []string{longer[:len(longer)-1] + "b"}, ""}, // past 64 runes: no suggestion
		{"", []string{"abc", "ab"}, "ab"},
	}
	for _, tt := range tests {
		if got := survey.Nearest(tt.s, tt.names); got != tt.want {
			t.Errorf("Nearest(%.12q, %q) = %q, want %q", tt.s, tt.names, got, tt.want)
		}
	}
}

// TestAnswersKeptInFormOrder: a question whose expression refers to a later one is worked
// out after it, yet the stored answers stay in the form's order, within a section and
// across sections.
func TestAnswersKeptInFormOrder(t *testing.T) {
	base := testForm()
	for name, sections := range map[string][]survey.Section{
		"one section": {{Questions: []survey.Question{
			{Key: "double", Type: survey.Calculate, Calculation: "${count} * 2"},
			{Key: "count", Type: survey.Number, Label: fr("Nombre")},
		}}},
		"two sections": {
			{Questions: []survey.Question{{Key: "double", Type: survey.Calculate, Calculation: "${count} * 2"}}},
			{Key: "later", Label: fr("Plus tard"), Questions: []survey.Question{{Key: "count", Type: survey.Number, Label: fr("Nombre")}}},
		},
	} {
		f := *base
		f.Sections = sections
		cf, err := survey.Compile(&f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, err := cf.Validate(submission(map[string][]string{"count": {"3"}}), 2025)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var keys []string
		for _, a := range r.Answers {
			keys = append(keys, a.Question)
		}
		if !slices.Equal(keys, []string{"double", "count"}) || r.Answers[0].Num != 6 {
			t.Errorf("%s: answers %+v, want double (6) then count", name, r.Answers)
		}
	}
}
