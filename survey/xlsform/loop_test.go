package xlsform

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// TestLoopExpanded reads "begin loop over LIST" as pyxform expands it: for each choice of
// the list (none aside), a group labelled with the choice holding the loop's questions,
// with %(name)s and %(label)s put in each language, ${…} inside the loop meaning that
// choice's copy, and keys LOOP_CHOICE_NAME unless the name has %(name)s.
func TestLoopExpanded(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey": table(`type|name|label::English (en)|label::French (fr)|relevant|hint::English (en)
integer|rooms|Rooms|Pièces||
begin_loop over things|l1|Count|Compte|${rooms} > 0|
integer|q1|How many %(label)s?|Combien de %(label)s ?||in %(name)s
text|%(name)s_why|Why %(label)s?|Pourquoi %(label)s ?|${q1} > 2|
end_loop
note|after|After|Après|${l1_thing2_q1} > 1`),
		"choices": table(`list_name|name|label::English (en)|label::French (fr)
things|thing1|Chairs|Chaises
things|thing2|Tables|
things|none|None|Aucun`),
		"settings": table("form_id|form_title|default_language\nloops|Loops|English (en)"),
	}, "loops.xlsx")
	compiled(t, res, err)
	f := res.Form
	var keys, sections []string
	for _, s := range f.Sections {
		sections = append(sections, s.Key)
		for _, q := range s.Questions {
			keys = append(keys, q.Key)
		}
	}
	if want := []string{"", "l1_thing1", "l1_thing2", ""}; !slices.Equal(sections, want) {
		t.Errorf("sections %q, want %q", sections, want)
	}
	if want := []string{"rooms", "l1_thing1_q1", "thing1_why", "l1_thing2_q1", "thing2_why", "after"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	g := f.Sections[2]
	if g.Label["en"] != "Count: Tables" || g.Label["fr"] != "Compte: Tables" || g.Relevant != "${rooms} > 0" {
		t.Errorf("second group %+v", g)
	}
	q1, _, _ := f.Question("l1_thing1_q1")
	if q1.Type != survey.Number || !q1.Integer || q1.Label["en"] != "How many Chairs?" || q1.Label["fr"] != "Combien de Chaises ?" || q1.Hint["en"] != "in thing1" {
		t.Errorf("l1_thing1_q1 %+v", q1)
	}
	why, _, _ := f.Question("thing2_why")
	if why.Relevant != "${l1_thing2_q1} > 2" || why.Label["fr"] != "Pourquoi Tables ?" {
		t.Errorf("thing2_why %+v", why)
	}
	if src := res.Source("l1_thing2_q1"); src != "loops.xlsx, survey sheet, row 4" {
		t.Errorf("source %q", src)
	}
	// A loop without a label is a group per choice labelled with the choice.
	res, err = FromSheets(survey1("begin loop over sat|l\ninteger|n|N\nend loop"), "f.xlsx")
	compiled(t, res, err)
	if s := res.Form.Sections; len(s) != 2 || s[0].Key != "l_1" || s[0].Label["fr"] != "Bad" || s[1].Questions[0].Key != "l_2_n" {
		t.Errorf("sections %+v", s)
	}
}

// TestLoopProblems refuses malformed loops on their cell.
func TestLoopProblems(t *testing.T) {
	for _, tt := range []struct{ rows, want string }{
		{"begin loop over sat|l\ninteger|n|N", `f.xlsx, survey sheet, row 2, column "type": l: begin loop over sat has no matching end loop`},
		{"begin loop over nothing|l\ninteger|n|N\nend loop", `f.xlsx, survey sheet, row 2, column "type": l: there is no choices list "nothing" in the choices sheet`},
		{"begin loop|l\ninteger|n|N\nend loop", `f.xlsx, survey sheet, row 2, column "type": l: begin loop needs the name of a choices list: begin loop over LIST`},
		{"begin loop over sat|\ninteger|n|N\nend loop", `f.xlsx, survey sheet, row 2, column "name": the loop has no name`},
		{"text|t|T\nend loop", `f.xlsx, survey sheet, row 3, column "type": end loop without a matching begin loop`},
		{"begin loop over sat x|l\ninteger|n|N\nend loop", `f.xlsx, survey sheet, row 2, column "type": l: unexpected "x" after the type`},
	} {
		_, err := FromSheets(survey1(tt.rows), "f.xlsx")
		surveytest.CheckProblems(t, err, []string{tt.want})
	}
	// Nested loops cannot make a hostile workbook expensive.
	var b strings.Builder
	for i := range 20 {
		fmt.Fprintf(&b, "begin loop over many|l%d\n", i)
	}
	b.WriteString("integer|n|N\n")
	for range 20 {
		b.WriteString("end loop\n")
	}
	many := "list_name|name|label"
	for i := range 10 {
		many += fmt.Sprintf("\nmany|c%d|C%d", i, i)
	}
	_, err := FromSheets(Sheets{"survey": table(header + b.String()), "choices": table(many)}, "f.xlsx")
	if err == nil || !strings.Contains(err.Error(), "the loop makes the survey sheet longer than 10000 rows") {
		t.Errorf("nested loops: %v", err)
	}
}
