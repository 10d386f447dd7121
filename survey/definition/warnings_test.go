package definition

import (
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey/xlsform"
)

// The warnings of the form itself (survey.Compiled.Warnings) are placed on their row, after
// the workbook's own, in a YAML definition as in a workbook.
func TestCompileWarningsPlaced(t *testing.T) {
	d, err := Parse(strings.NewReader(`survey: s
title: T
questions:
  - key: q
    type: text
    label: Q
  - key: r
    type: single_choice
    label: R
    choices: [only]
`), YAML, "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range d.Warnings {
		got = append(got, w.String())
	}
	want := []string{"t.yaml:7: r: a single_choice question with 1 choice (only) leaves nothing to choose: the participant can only pick it or leave it"}
	if !slices.Equal(got, want) {
		t.Errorf("YAML warnings %q, want %q", got, want)
	}

	wb, err := xlsform.FromSheets(xlsform.Sheets{
		"survey":   {{"type", "name", "label"}, {"start", "start"}, {"select_one one", "r", "R"}},
		"choices":  {{"list_name", "name", "label"}, {"one", "only", "Seule"}},
		"settings": {{"form_id", "form_title"}, {"s", "S"}},
	}, "w.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	d, err = compileWorkbook(wb, "w.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, w := range d.Warnings {
		got = append(got, w.String())
	}
	if len(got) != 2 || !strings.Contains(got[0], "start") ||
		got[1] != "w.xlsx, survey sheet, row 3: r: a single_choice question with 1 choice (only) leaves nothing to choose: the participant can only pick it or leave it" {
		t.Errorf("workbook warnings %q", got)
	}
}
