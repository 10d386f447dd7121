package xlsform

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// TestHiddenBarcodeTriggerNoteCalculation reads the types ODK collects without a control or
// with one palabre has: hidden (a value stored, from its calculation or default), barcode
// (typed text), trigger (acknowledge), a note with a calculation (shown with its value,
// stored, read by later calculations) and a reference to a plain note (empty, as in ODK).
func TestHiddenBarcodeTriggerNoteCalculation(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey": table(`type|name|label|calculation|default|relevant
hidden|campaign|||spring 2026|
hidden|quoted|||it's|
hidden|empty|||
integer|n|N||
hidden|twice||${n}*2||
note|intro|Hello||
note|total|Total: ${n}|${n} + 1||
calculate|check||if(${intro} = '', ${total} * 10, 0)|
barcode|code|Code||
trigger|seen|Seen?||
text|why|Why?|||${intro} = '' and ${total} > 2`),
		"settings": table("form_id|form_title|default_language\nh|H|English (en)"),
	}, "h.xlsx")
	compiled(t, res, err)
	f := res.Form
	want := map[string]survey.Question{
		"campaign": {Type: survey.Calculate, Calculation: "'spring 2026'"},
		"quoted":   {Type: survey.Calculate, Calculation: `"it's"`},
		"empty":    {Type: survey.Calculate, Calculation: "''"},
		"twice":    {Type: survey.Calculate, Calculation: "${n}*2"},
		"total":    {Type: survey.Calculate, Calculation: "${n} + 1", Label: survey.Text{"en": "Total: ${n}"}},
		"check":    {Type: survey.Calculate, Calculation: "if(${intro} = '', ${total} * 10, 0)"},
		"code":     {Type: survey.ShortText, Label: survey.Text{"en": "Code"}},
		"seen":     {Type: survey.Acknowledge, Label: survey.Text{"en": "Seen?"}},
		"why":      {Type: survey.ShortText, Label: survey.Text{"en": "Why?"}, Relevant: "${intro} = '' and ${total} > 2"},
	}
	for k, w := range want {
		q, _, ok := f.Question(k)
		if !ok || q.Type != w.Type || q.Calculation != w.Calculation || q.Relevant != w.Relevant || !maps.Equal(q.Label, w.Label) {
			t.Errorf("%s = %+v, want %+v", k, q, w)
		}
	}
	var reasons []string
	for _, w := range res.Warnings {
		reasons = append(reasons, w.String())
	}
	for _, w := range []string{
		`h.xlsx, survey sheet, row 10, column "type": code: barcode is asked as a text: the participant types the code, which is stored as ODK stores a scanned one (a browser has no scanner)`,
	} {
		if !slices.Contains(reasons, w) {
			t.Errorf("no warning %s in\n%s", w, strings.Join(reasons, "\n"))
		}
	}
	// The values the server stores, as ODK would; a plain note reads as empty, with a warning.
	cf, err := survey.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	if w := fmt.Sprint(cf.Warnings()); !strings.Contains(w, "check: calculation refers to ${intro}, a note, which takes no answer: it reads as empty") {
		t.Errorf("warnings %s", w)
	}
	live := cf.Live(map[string][]string{"n": {"3"}})
	for k, v := range map[string]string{"campaign": "spring 2026", "quoted": "it's", "twice": "6", "total": "4", "check": "40"} {
		if live.Calculated[k] != v {
			t.Errorf("%s calculated %q, want %q (%v)", k, live.Calculated[k], v, live.Calculated)
		}
	}
	if _, set := live.Calculated["empty"]; set {
		t.Errorf("empty hidden has value %q", live.Calculated["empty"])
	}
}

// TestHiddenProblems refuses a hidden default palabre cannot store as ODK does, and a
// calculation on a type that has none, on their cells.
func TestHiddenProblems(t *testing.T) {
	for _, tt := range []struct{ rows, want string }{
		{"hidden|h||${n}", `f.xlsx, survey sheet, row 2, column "default": h: the default "${n}" is an expression: palabre reads a constant default only; write the expression in the calculation column`},
		{"hidden|h||now()", `f.xlsx, survey sheet, row 2, column "default": h: the default "now()" is an expression: palabre reads a constant default only; write the expression in the calculation column`},
		{`hidden|h||it's "x"`, `f.xlsx, survey sheet, row 2, column "default": h: the default "it's \"x\"" holds both kinds of quotes, which an expression cannot write`},
		{"text|t|T||1+1", `f.xlsx, survey sheet, row 2, column "calculation": t: only a calculate, hidden or note question has a calculation`},
	} {
		_, err := FromSheets(Sheets{"survey": table("type|name|label|default|calculation\n" + tt.rows)}, "f.xlsx")
		surveytest.CheckProblems(t, err, []string{tt.want})
	}
}
