package survey_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// compileProbe compiles boundsForm with q added (key probe unless q has one) and returns
// the problems on q's key, or nil when it compiles.
func compileProbe(t *testing.T, q survey.Question) (*survey.Compiled, []survey.Problem) {
	t.Helper()
	f := boundsForm()
	if q.Key == "" {
		q.Key = "probe"
	}
	if q.Label == nil {
		q.Label = fr("Sonde")
	}
	f.Sections[0].Questions = append(f.Sections[0].Questions, q)
	cf, err := survey.Compile(f)
	if err == nil {
		return cf, nil
	}
	var de *survey.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("Compile: %v", err)
	}
	return nil, de.Problems
}

// Question and group names may start with '_', as XML names (and so XLSForm's) may, but not
// take the name of a metadata column of exports and imports, in any case.
func TestQuestionKeyBoundary(t *testing.T) {
	for _, tt := range []struct {
		key, want string // want: a part of the problem; "" when the key is accepted
	}{
		{"_1", ""},
		{"_", ""},
		{"_private-note", ""},
		{"a", ""},
		{"_" + strings.Repeat("x", 63), ""},
		{"_" + strings.Repeat("x", 64), `must start with a letter or '_'`},
		{"1a", `question name "1a" must start with a letter or '_'`},
		{"-a", `must start with a letter or '_'`},
		{"_a.b", `must start with a letter or '_'`},
		{"_uuid", `question name "_uuid" is a metadata column of data exports and imports (palabre, KoboToolbox, ODK): choose another name`},
		{"_UUID", `question name "_UUID" is a metadata column`},
		{"_id", "is a metadata column"},
		{"_submission_time", "is a metadata column"},
		{"_index", "is a metadata column"},
		{"_submitted_at", "is a metadata column"},
		{"_country_label", "is a metadata column"},
		{"_response_id", "is a metadata column"},
		{"__version__", "is a metadata column"},
		{"_uuid2", ""},
	} {
		_, problems := compileProbe(t, survey.Question{Key: tt.key, Type: survey.ShortText})
		switch {
		case tt.want == "" && problems != nil:
			t.Errorf("%q refused: %v", tt.key, problems)
		case tt.want != "" && (len(problems) != 1 || problems[0].Field != tt.key || !strings.Contains(problems[0].Reason, tt.want)):
			t.Errorf("%q: problems %v, want one: %q", tt.key, problems, tt.want)
		}
		if got := survey.ValidQuestionKey(tt.key); got != (tt.want == "") {
			t.Errorf("ValidQuestionKey(%q) = %v", tt.key, got)
		}
	}
	// A group is held to the same rule.
	f := boundsForm()
	f.Sections = append(f.Sections, survey.Section{Key: "_grp", Label: fr("G"), Questions: []survey.Question{{Key: "_in", Type: survey.ShortText, Label: fr("Dans")}}})
	if _, err := survey.Compile(f); err != nil {
		t.Errorf("group _grp refused: %v", err)
	}
	f.Sections[len(f.Sections)-1].Key = "_Submission_Time"
	if _, err := survey.Compile(f); err == nil || !strings.Contains(err.Error(), `group name "_Submission_Time" is a metadata column`) {
		t.Errorf("group _Submission_Time: %v", err)
	}
}

// A single choice question may have one choice, with a warning; none is still refused,
// and a multiple choice still needs two.
func TestSingleChoiceOfOneChoice(t *testing.T) {
	one := []survey.Choice{{Key: "only", Label: fr("Seule")}}
	cf, problems := compileProbe(t, survey.Question{Type: survey.SingleChoice, Choices: one})
	if problems != nil {
		t.Fatalf("refused: %v", problems)
	}
	w := cf.Warnings()
	if len(w) != 1 || w[0].Field != "probe" || !strings.Contains(w[0].Reason, "with 1 choice (only) leaves nothing to choose") {
		t.Errorf("warnings %v", w)
	}
	// It is answered with its one choice, or left unanswered; nothing else.
	check(t, cf, "probe", []string{"only"}, "")
	check(t, cf, "probe", []string{"other"}, survey.MsgNotAChoice)
	if _, problems := compileProbe(t, survey.Question{Type: survey.SingleChoice}); len(problems) != 1 ||
		!strings.Contains(problems[0].Reason, "a single_choice question needs at least 1 choice, it has none") {
		t.Errorf("no choice: %v", problems)
	}
	if _, problems := compileProbe(t, survey.Question{Type: survey.MultipleChoice, Choices: one}); len(problems) != 1 ||
		!strings.Contains(problems[0].Reason, "needs at least 2 choices, it has 1") {
		t.Errorf("multiple choice of one: %v", problems)
	}
	two := append(one, survey.Choice{Key: "b", Label: fr("B")})
	if cf, _ := compileProbe(t, survey.Question{Type: survey.SingleChoice, Choices: two}); cf == nil || len(cf.Warnings()) != 0 {
		t.Errorf("two choices: %v", cf)
	}
}

// A form's languages are ISO 639 codes or tags of palabre's own for languages without one
// (an XLSForm's label::Kreyol): lower-case words of letters and digits joined by '-', the
// first of letters, at most 32 characters.
func TestLanguageTagBoundary(t *testing.T) {
	for tag, ok := range map[string]bool{
		"fr": true, "wol": true, "kreyol": true, "kreyol-ayisyen": true, "pulaar-2": true,
		strings.Repeat("k", 32): true, strings.Repeat("k", 33): false,
		"k": false, "x1": false, "1ab": false, "Kreyol": false, "kreyol-": false, "-kreyol": false,
		"kreyol--ayisyen": false, "kreyol ayisyen": false, "kreyòl": false, "": false,
	} {
		if got := survey.ValidLanguage(tag); got != ok {
			t.Errorf("ValidLanguage(%q) = %v", tag, got)
		}
		f := boundsForm()
		f.Languages = append(f.Languages, tag)
		_, err := survey.Compile(f)
		if ok != (err == nil) {
			t.Errorf("a form in %q: %v", tag, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "nor a tag of lower-case letters, digits and '-' such as kreyol (at most 32)")) {
			t.Errorf("a form in %q: %v", tag, err)
		}
	}
	// Answered in such a language.
	f := boundsForm()
	f.Languages = append(f.Languages, "kreyol")
	cf, err := survey.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	sub := submission(map[string][]string{"nps": {"9"}})
	sub.Respondent.Language = "kreyol"
	if r, err := cf.Validate(sub, 2025); err != nil || r.Language != "kreyol" {
		t.Errorf("a response in kreyol: %v", err)
	}
}

// An expression may refer to a note, which reads as empty as in ODK, with a warning; a
// matrix, which has one value per row, is still refused.
func TestReferenceToANote(t *testing.T) {
	f := boundsForm()
	qs := &f.Sections[0].Questions
	*qs = append(*qs,
		survey.Question{Key: "intro", Type: survey.Note, Label: fr("Bienvenue")},
		survey.Question{Key: "check", Type: survey.Calculate, Calculation: "if(${intro} = '', 'empty', 'not empty')"},
		survey.Question{Key: "after", Type: survey.ShortText, Label: fr("Après"), Relevant: "${intro} = ''"})
	cf, err := survey.Compile(f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cf.Warnings() {
		got = append(got, w.String())
	}
	want := []string{"check: calculation refers to ${intro}, a note, which takes no answer: it reads as empty",
		"after: relevant refers to ${intro}, a note, which takes no answer: it reads as empty"}
	if !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	r, err := cf.Validate(submission(map[string][]string{"after": {"oui"}}), 2025)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	for _, a := range r.Answers {
		stored[a.Question] = a.Text
	}
	if stored["check"] != "empty" || stored["after"] != "oui" {
		t.Errorf("answers %v", stored)
	}
	(*qs)[len(*qs)-1].Relevant = "${rows} = ''"
	if _, err := survey.Compile(f); err == nil || !strings.Contains(err.Error(), "after: relevant refers to ${rows}, a matrix, which has no single value") {
		t.Errorf("a reference to a matrix: %v", err)
	}
}

// A choice filter comparing a column with a bare word (pastel=yes, as in pyxform's example
// or_other.xlsx) reads a column of that name, as ODK does; none existing, it is refused,
// and when the word is a value of the choices the message says to quote it.
func TestChoiceFilterBareWord(t *testing.T) {
	choices := []survey.Choice{{Key: "red", Label: fr("Rouge"), Columns: map[string]string{"pastel": "no"}},
		{Key: "mauve", Label: fr("Mauve"), Columns: map[string]string{"pastel": "yes"}}}
	for filter, want := range map[string]string{
		"pastel=yes":   `probe: choice_filter reads the column "yes", which no choice of this question has; to compare with the text yes, quote it: 'yes'`,
		"pastel=oui":   `probe: choice_filter reads the column "oui", which no choice of this question has`,
		"pastel='yes'": "",
	} {
		_, problems := compileProbe(t, survey.Question{Type: survey.SingleChoice, Choices: choices, ChoiceFilter: filter})
		switch {
		case want == "" && problems != nil:
			t.Errorf("%s refused: %v", filter, problems)
		case want != "" && (len(problems) != 1 || problems[0].String() != want):
			t.Errorf("%s: %v, want %s", filter, problems, want)
		}
	}
}
