package definition

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/palabre/palabre/survey"
)

const small = `survey: small
version: 3
title: {fr: Petit, en: Small}
description: Un essai
scales:
  often: [never, sometimes, always]
editions:
  - {year: 2025, place: Tanger, opens: 2025-11-01, closes: 2025-11-30, invited: 26}
  - {year: 2024, form_version: 2}
questions:
  - key: intro
    type: note
    label: Bonjour
  - group: details
    label: Détails
    relevant: 1 = 1
    questions:
      - key: agree
        type: likert
        label: {fr: "D'accord ?", es: "¿De acuerdo?"}
      - key: freq
        type: matrix
        scale: often
        label: Fréquence
        items: [visits, meetings]
  - key: pick
    type: multiple_choice
    max_selected: 2
    label: Choisir
    choices:
      - a
      - {key: b, label: {fr: B, en: B}}
      - other
  - key: other_text
    type: text
    relevant: selected(${pick}, 'other')
    label: Autre
`

func parse(t *testing.T, src string, f Format) (*Definition, error) {
	t.Helper()
	return Parse(strings.NewReader(src), f, "t."+string(f))
}

func TestParseSmall(t *testing.T) {
	d, err := parse(t, small, YAML)
	if err != nil {
		t.Fatal(err)
	}
	f := d.Form
	if got, want := f.Languages, []string{"fr", "en", "es"}; !reflect.DeepEqual(got, want) {
		t.Errorf("languages %v, want %v (the default first, then those labels use)", got, want)
	}
	if f.DefaultLanguage != "fr" || f.Version != 3 || f.SurveyID != "small" {
		t.Errorf("form %s v%d in %s", f.SurveyID, f.Version, f.DefaultLanguage)
	}
	if !reflect.DeepEqual(f.Profile.Countries, survey.NetworkCountries) || !reflect.DeepEqual(f.Profile.Roles, survey.DefaultRoles) {
		t.Errorf("profile %+v, want the network's countries and roles", f.Profile)
	}
	if len(f.Sections) != 3 || f.Sections[1].Key != "details" || f.Sections[0].Key != "" {
		t.Fatalf("sections %+v", f.Sections)
	}
	agree, _, _ := f.Question("agree")
	if !reflect.DeepEqual(agree.Choices, DefaultScale()) {
		t.Errorf("likert without scale: %v", agree.Choices)
	}
	freq, _, _ := f.Question("freq")
	if len(freq.Choices) != 3 || freq.Choices[2].Label["fr"] != "always" || len(freq.Items) != 2 {
		t.Errorf("matrix %+v", freq)
	}
	pick, _, _ := f.Question("pick")
	if pick.MaxSelected != 2 || pick.Choices[0].Label["fr"] != "a" || pick.Choices[1].Label["en"] != "B" {
		t.Errorf("pick %+v", pick)
	}
	if d.Form.Description["fr"] != "Un essai" {
		t.Errorf("description %v", d.Form.Description)
	}
	want := []survey.Edition{
		{SurveyID: "small", Year: 2024, FormVersion: 2},
		{SurveyID: "small", Year: 2025, Place: "Tanger", FormVersion: 3, Invited: 26,
			Opens:  time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC),
			Closes: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}, // the closing day is still open
	}
	if !reflect.DeepEqual(d.Editions, want) {
		t.Errorf("editions\n got %+v\nwant %+v", d.Editions, want)
	}
}

// TestJSONSameShape reads the same definition written as JSON, tabs and all.
func TestJSONSameShape(t *testing.T) {
	var v any
	if err := yaml.Unmarshal([]byte(small), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(datesAsText(v), "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := parse(t, small, YAML)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := parse(t, string(b), JSON)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromYAML.Form, fromJSON.Form) || !reflect.DeepEqual(fromYAML.Editions, fromJSON.Editions) {
		t.Error("the JSON and YAML definitions differ")
	}
}

// datesAsText writes the dates YAML decoded as YYYY-MM-DD, as a JSON file has them.
func datesAsText(v any) any {
	switch v := v.(type) {
	case time.Time:
		return v.Format(time.DateOnly)
	case map[string]any:
		for k, x := range v {
			v[k] = datesAsText(x)
		}
	case []any:
		for i, x := range v {
			v[i] = datesAsText(x)
		}
	}
	return v
}

func TestLoad(t *testing.T) {
	if _, err := Load("survey.txt"); !isDefinitionError(err) {
		t.Errorf("unknown extension: %v", err)
	}
	if _, err := Load("/nonexistent/survey.yaml"); err == nil || isDefinitionError(err) {
		t.Errorf("missing file: %v", err)
	}
	for path, want := range map[string]Format{"a.YML": YAML, "b.yaml": YAML, "c.json": JSON, "d.xlsx": XLSForm} {
		if got, ok := FormatOf(path); !ok || got != want {
			t.Errorf("FormatOf(%s) = %s", path, got)
		}
	}
}

func isDefinitionError(err error) bool {
	var de *survey.DefinitionError
	return errors.As(err, &de)
}

// TestReadmeExample checks that the example in the README's section on definitions is a
// valid definition.
func TestReadmeExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "## Survey definitions")
	_, rest, ok := strings.Cut(section, "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example")
	}
	d, err := parse(t, example, YAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Form.Questions()) != 8 || len(d.Editions) != 2 {
		t.Errorf("%d questions, %d editions", len(d.Form.Questions()), len(d.Editions))
	}
}
