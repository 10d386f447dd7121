package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

func TestDefinitions(t *testing.T) {
	defs, err := Definitions()
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != len(Files) {
		t.Fatalf("got %d definitions, want %d", len(defs), len(Files))
	}
	today := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, d := range defs {
		t.Run(d.Form.SurveyID, func(t *testing.T) {
			if d.Compiled == nil {
				t.Fatal("not compiled")
			}
			if want := []string{"fr", "en", "es"}; !reflect.DeepEqual(d.Form.Languages, want) {
				t.Errorf("languages %v, want %v", d.Form.Languages, want)
			}
			open := 0
			for _, e := range d.Editions {
				if err := survey.CheckEdition(e); err != nil {
					t.Error(err)
				}
				if e.StatusAt(today) == survey.StatusOpen {
					open++
				}
			}
			if open != 1 {
				t.Errorf("%d editions open on %s, want 1", open, today.Format(time.DateOnly))
			}
			assertTranslated(t, d.Form)
		})
	}
}

// assertTranslated checks that every text of the form is in every language of the form.
func assertTranslated(t *testing.T, f *survey.Form) {
	t.Helper()
	check := func(where string, tx survey.Text) {
		if tx == nil {
			return
		}
		for _, l := range f.Languages {
			if tx[l] == "" {
				t.Errorf("%s: no %s text", where, l)
			}
		}
	}
	check("title", f.Title)
	for _, s := range f.Sections {
		check(s.Key, s.Label)
		for _, q := range s.Questions {
			check(q.Key, q.Label)
			check(q.Key+" hint", q.Hint)
			check(q.Key+" constraint message", q.ConstraintMessage)
			for _, c := range append(q.Choices, q.Items...) {
				check(q.Key+"."+c.Key, c.Label)
			}
		}
	}
}

func TestPartnersMeeting(t *testing.T) {
	d, err := Open("partners-meeting.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Form.Questions()); n < 18 || n > 24 {
		t.Errorf("%d questions, want about 20", n)
	}
	years := map[int]string{}
	for _, e := range d.Editions {
		years[e.Year] = e.Place
	}
	for year, place := range map[int]string{2023: "Brazzaville, Congo", 2025: "Tanger, Maroc"} {
		if years[year] != place {
			t.Errorf("edition %d in %q, want %q", year, years[year], place)
		}
	}
	for y := 2018; y <= 2026; y++ {
		if _, ok := years[y]; !ok {
			t.Errorf("no edition %d", y)
		}
	}
	q, _, ok := d.Form.Question("take_back_other")
	if !ok || q.Relevant != "selected(${take_back}, 'other')" {
		t.Errorf("take_back_other relevant = %q", q.Relevant)
	}
}

// TestXLSFormIsTheSameSurvey proves that the workbook and the YAML file define the same form
// and editions (the test fails when one is changed without running go generate).
func TestXLSFormIsTheSameSurvey(t *testing.T) {
	fromYAML, err := Open("partners-meeting.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromXLSX, err := Open("partners-meeting.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYAML.Form, fromXLSX.Form) {
		a, _ := json.MarshalIndent(fromYAML.Form, "", " ")
		b, _ := json.MarshalIndent(fromXLSX.Form, "", " ")
		t.Errorf("forms differ:\n%s", firstDifference(a, b))
	}
	if fromYAML.Form.Digest() != fromXLSX.Form.Digest() {
		t.Error("digests differ")
	}
	if !reflect.DeepEqual(fromYAML.Editions, fromXLSX.Editions) {
		t.Errorf("editions differ:\n%v\n%v", fromYAML.Editions, fromXLSX.Editions)
	}
	if !reflect.DeepEqual(fromYAML.Form.Description, fromXLSX.Form.Description) {
		t.Errorf("descriptions differ: %v, %v", fromYAML.Form.Description, fromXLSX.Form.Description)
	}
}

func firstDifference(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return fmt.Sprintf("line %d:\n yaml %s\n xlsx %s", i+1, la[i], lb[i])
		}
	}
	return "one is longer"
}
