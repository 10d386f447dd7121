package definition

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/xlsform"
)

// TestProblems checks that each mistake is reported where it is, as file:line.
func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"typo at the top", `survey: s
titel: T
questions: [{key: q, type: text, label: Q}]
`, []string{`t.yaml:2: unknown field "titel" (did you mean "title"?)`}},
		{"typo in a question", `survey: s
title: T
questions:
  - key: q
    type: text
    lable: Q
`, []string{`t.yaml:6: unknown field "lable" (did you mean "label"?)`}},
		{"typo in a choice", `survey: s
title: T
questions:
  - key: q
    type: single_choice
    label: Q
    choices:
      - {key: a, label: A}
      - {key: b, lable: B}
`, []string{`t.yaml:9: unknown field "lable" (did you mean "label"?)`}},
		{"wrong kinds of values", `survey: s
version: two
title: T
questions:
  - key: q
    type: text
    label: Q
    required: maybe
`, []string{`t.yaml:2: expected a whole number, not "two"`, `t.yaml:8: expected true or false, not "maybe"`}},
		{"a list for a text", `survey: s
title: [T]
questions: [{key: q, type: text, label: Q}]
`, []string{`t.yaml:2: expected a text, or languages and texts such as {fr: Bonjour, en: Hello}`}},
		{"unknown type", `survey: s
title: T
questions:
  - key: q
    type: sinlge_choice
    label: Q
  - key: r
    type: text
    label: R
    relevant: ${q} = 'a'
`, []string{`t.yaml:5: q: unknown type "sinlge_choice" (did you mean "single_choice"?)`}},
		{"no type", `survey: s
title: T
questions:
  - key: q
    label: Q
`, []string{`t.yaml:4: q: the question has no type; one of single_choice, multiple_choice, yes_no, likert, matrix, rating, number, text, long_text, date, time, datetime, geopoint, acknowledge, note, calculate`}},
		{"a field the type does not take", `survey: s
title: T
questions:
  - key: q
    type: text
    label: Q
    choices: [a, b]
    max_selected: 1
`, []string{`t.yaml:7: q: a text question has no "choices"`, `t.yaml:8: q: a text question has no "max_selected"`}},
		{"nested groups", `survey: s
title: T
questions:
  - group: outer
    label: Outer
    questions:
      - key: q
        type: text
        label: Q
      - group: inner
        questions:
          - key: r
            type: text
            label: R
`, []string{`t.yaml:10: inner: groups cannot be nested: move this group out of group "outer" (give its questions a relevant if they depend on the outer group's)`}},
		{"a group with a type", `survey: s
title: T
questions:
  - group: g
    type: text
    questions: [{key: q, type: text, label: Q}]
`, []string{`t.yaml:5: g: a group has no "type"`}},
		{"unknown scale", `survey: s
title: T
scales:
  often: [never, always]
questions:
  - key: q
    type: likert
    label: Q
    scale: ofen
`, []string{`t.yaml:9: q: unknown scale "ofen"; the scales are agreement, often`}},
		{"scale and choices", `survey: s
title: T
questions:
  - key: q
    type: likert
    label: Q
    scale: agreement
    choices: [a, b]
`, []string{`t.yaml:8: q: give either a scale or choices, not both`}},
		{"compile problems placed on their question", `survey: s
title: T
questions:
  - key: q
    type: text
    label: Q
    relevant: ${rr} = 'x'
  - key: r
    type: multiple_choice
    label: R
    choices: [only]
  - key: q
    type: text
    label: Again
`, []string{
			`t.yaml:4 and 12: q: relevant refers to ${rr}, which is no question of this form (did you mean ${r}?)`,
			`t.yaml:4 and 12: q: the name is used twice`,
			`t.yaml:8: r: a multiple_choice question needs at least 2 choices, it has 1`,
		}},
		{"bad editions", `survey: s
version: 2
title: T
editions:
  - {year: 2025, opens: 2025-13-01}
  - {year: 2024, opens: 2024-11-10, closes: 2024-11-01}
  - {year: 2023}
  - {year: 2023}
  - {year: 2022, form_version: 3}
  - {year: 1990}
  - {place: Dakar}
questions: [{key: q, type: text, label: Q}]
`, []string{
			`t.yaml:5: editions: edition 2025: opens "2025-13-01" is not a date written YYYY-MM-DD`,
			`t.yaml:6: editions: edition 2024: closes (2024-11-01) is before opens (2024-11-10)`,
			`t.yaml:8: editions: edition 2023 is listed twice (first on line 7)`,
			`t.yaml:9: editions: edition 2022: form_version 3 is later than this form's version 2`,
			`t.yaml:10: editions: edition 1990: year out of range 2000–2100`,
			`t.yaml:11: editions: an edition needs a year`,
		}},
		{"languages", `survey: s
title: {fr: T, es: T}
languages: [fr, en]
questions:
  - key: q
    type: text
    label: {fr: Q, French: Q}
`, []string{
			`t.yaml:2: languages: a text is written in "es", which is not one of the languages [fr en]`,
			`t.yaml:7: q: "French" is not a language code such as fr, en or es`,
		}},
		{"default language missing from languages", `survey: s
title: {en: T}
default_language: es
languages: [en]
questions: [{key: q, type: text, label: {en: Q}}]
`, []string{`t.yaml:2: title: the survey needs a title in its default language "es"`, `t.yaml:4: languages: must include the default language "es"`}},
		{"version too large", `survey: s
version: 3000000000
title: T
questions: [{key: q, type: text, label: Q}]
`, []string{`t.yaml:2: version: 3000000000 is too large (at most 2147483647)`}},
		{"bad survey id and no questions", `survey: Mon Enquête
title: T
`, []string{
			`t.yaml:1: survey: id "Mon Enquête" must be lower-case letters, digits, '-' or '_' (at most 64)`,
			`t.yaml:1: questions: the form has no questions`,
		}},
		{"two documents", "survey: s\n---\nsurvey: t\n", []string{`t.yaml:2: a file holds one definition: remove what follows ---`}},
		{"empty", "", []string{`t.yaml: the file is empty`}},
		{"not a mapping", "- a\n- b\n", []string{`t.yaml:1: expected a mapping of keys to values, not a list`}},
		{"unquoted question mark", `survey: s
title: T
questions:
  - key: q
    type: text
    label: {fr: Ça va ?, en: How are you?}
`, []string{`t.yaml:6: this {…} mapping is not closed where expected: quote texts that contain ", " or ": ", or end with "?"`}},
		{"bad indentation", "survey: s\ntitle: T\n  version: 2\n", []string{`t.yaml:3: mapping values are not allowed in this context`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src), YAML, "t.yaml")
			surveytest.CheckProblems(t, err, tt.want)
		})
	}
}

func TestJSONProblems(t *testing.T) {
	_, err := Parse(strings.NewReader("{\n  \"survey\": \"s\",\n  \"title\": \"T\"\n  \"version\": 1\n}"), JSON, "t.json")
	surveytest.CheckProblems(t, err, []string{`t.json:4: not valid JSON: invalid character '"' after object key:value pair`})
	_, err = Parse(strings.NewReader(`{"survey": "s", "titel": "T", "questions": []}`), JSON, "t.json")
	surveytest.CheckProblems(t, err, []string{`t.json:1: unknown field "titel" (did you mean "title"?)`})
}

// TestWorkbookProblems checks that the problems survey.Compile finds in a workbook's form are
// placed on their row.
func TestWorkbookProblems(t *testing.T) {
	rows := func(s string) [][]string {
		var out [][]string
		for _, line := range strings.Split(s, "\n") {
			out = append(out, strings.Split(line, "|"))
		}
		return out
	}
	wb, err := xlsform.FromSheets(xlsform.Sheets{
		"survey":   rows("type|name|label|relevant|appearance\ntext|q|Q|${rr} = 'x'\nselect_multiple one|r|R\nnote|q|Again\nbegin_group|m|||table-list\nselect_one one|a|\nend_group"),
		"choices":  rows("list_name|name|label\none|only|Seule"),
		"settings": rows("form_id|form_title\ns|"),
	}, "w.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	_, err = compileWorkbook(wb, "w.xlsx")
	surveytest.CheckProblems(t, err, []string{
		`w.xlsx, survey sheet, rows 2 and 4: q: relevant refers to ${rr}, which is no question of this form (did you mean ${r}?)`,
		`w.xlsx, survey sheet, row 3: r: a multiple_choice question needs at least 2 choices, it has 1`,
		`w.xlsx, survey sheet, rows 2 and 4: q: the name is used twice`,
		`w.xlsx, survey sheet, row 5: m: a matrix question needs a scale of at least 2 points, it has 1`,
	})
}

// TestDropUnsupported loads one of pyxform's example forms, which has a picture question:
// refused as it is, loaded without it with DropUnsupported.
func TestDropUnsupported(t *testing.T) {
	const path = "../xlsform/testdata/pyxform/sms_info.xls.xlsx"
	if _, err := Load(path); err == nil {
		t.Fatal("a form with a picture question loads")
	}
	d, err := LoadWith(path, Options{DropUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range d.Dropped {
		names = append(names, q.Name+" "+q.Type)
	}
	if strings.Join(names, ", ") != "picture image" || d.Compiled == nil {
		t.Errorf("dropped %v", d.Dropped)
	}
	if _, _, ok := d.Form.Question("picture"); ok {
		t.Error("picture is still a question")
	}
	// YAML definitions are read as they are.
	if _, err := ParseWith(strings.NewReader("survey: s\ntitle: T\nquestions: [{key: q, type: image, label: Q}]"), YAML, "t.yaml", Options{DropUnsupported: true}); err == nil {
		t.Error("a YAML definition with an unknown type loads")
	}
}
