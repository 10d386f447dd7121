package survey_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// forwardForm asks, first, a question shown only for an answer given later (as ODK allows),
// with a calculation over a later number and a group shown by a later answer.
func forwardForm() *survey.Form {
	f := boundsForm()
	f.Sections = []survey.Section{
		{Questions: []survey.Question{
			{Key: "email", Type: survey.ShortText, Label: fr("Courriel"), Required: true, Relevant: "${contact} = 'yes'"},
			{Key: "double", Type: survey.Calculate, Calculation: "${count} * 2"},
			{Key: "contact", Type: survey.YesNo, Label: fr("Vous écrire ?")},
		}},
		{Key: "more", Label: fr("Plus"), Relevant: "${double} > 4", Questions: []survey.Question{
			{Key: "why", Type: survey.ShortText, Label: fr("Pourquoi ?"), Constraint: "string-length(${why}) < 6"},
		}},
		{Questions: []survey.Question{
			{Key: "count", Type: survey.Number, Label: fr("Combien ?"), Integer: true},
		}},
	}
	return f
}

func answerKeys(r *survey.Response) []string {
	var out []string
	for _, a := range r.Answers {
		out = append(out, a.Question)
	}
	return out
}

// A relevant, a calculation and a group's relevant may refer to a later question: the
// server works values out in the order of their dependencies, and stores answers in form
// order.
func TestForwardReferences(t *testing.T) {
	cf, err := survey.Compile(forwardForm())
	if err != nil {
		t.Fatal(err)
	}
	keys := func(ps []survey.Place) []string {
		var out []string
		for _, p := range ps {
			out = append(out, cf.Form.Sections[p.Section].Questions[p.Question].Key)
		}
		return out
	}
	if got := keys(cf.Order()); !slices.Equal(got, []string{"contact", "email", "count", "double", "why"}) {
		t.Errorf("order %v", got)
	}

	// contact yes: the earlier email is shown, required and stored; count 3 makes double 6,
	// which shows the group.
	r, err := cf.Validate(submission(map[string][]string{"contact": {"yes"}, "email": {"a@b.org"}, "count": {"3"}, "why": {"court"}}), 2025)
	if err != nil {
		t.Fatal(err)
	}
	if got := answerKeys(r); !slices.Equal(got, []string{"email", "double", "contact", "why", "count"}) {
		t.Errorf("answers %v, want form order", got)
	}
	if a := r.Answers[1]; a.Text != "6" || a.Num != 6 {
		t.Errorf("double = %+v", a)
	}
	_, err = cf.Validate(submission(map[string][]string{"contact": {"yes"}, "count": {"1"}}), 2025)
	var e *survey.Error
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "email" || e.Fields[0].Code != string(survey.MsgRequired) {
		t.Errorf("email shown by a later yes and left empty: %v", err)
	}
	// ${why} in its own constraint is its value.
	_, err = cf.Validate(submission(map[string][]string{"count": {"3"}, "why": {"bien trop long"}}), 2025)
	if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "why" || e.Fields[0].Code != string(survey.MsgConstraint) {
		t.Errorf("why breaking its constraint: %v", err)
	}

	// contact no: the email sent is dropped, not required; count 2 hides the group.
	r, err = cf.Validate(submission(map[string][]string{"contact": {"no"}, "email": {"a@b.org"}, "count": {"2"}, "why": {"x"}}), 2025)
	if err != nil {
		t.Fatal(err)
	}
	if got := answerKeys(r); !slices.Equal(got, []string{"double", "contact", "count"}) {
		t.Errorf("answers %v", got)
	}
	live := cf.Live(map[string][]string{"contact": {"no"}, "count": {"2"}})
	if live.Visible["email"] || live.Visible["more"] || live.Visible["why"] || live.Calculated["double"] != "4" {
		t.Errorf("live %+v", live)
	}
	live = cf.Live(map[string][]string{"contact": {"yes"}, "count": {"5"}})
	if !live.Visible["email"] || !live.Visible["more"] || !live.Visible["why"] || live.Calculated["double"] != "10" {
		t.Errorf("live %+v", live)
	}
}

// Without references to later questions, questions are worked out in form order.
func TestOrderIsFormOrderWithoutForwardReferences(t *testing.T) {
	cf := compiled(t)
	var got, want []string
	for _, p := range cf.Order() {
		got = append(got, cf.Form.Sections[p.Section].Questions[p.Question].Key)
	}
	for _, q := range cf.Form.Questions() {
		want = append(want, q.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// Only a cycle of references is refused, named question by question with the expression
// that makes each step.
func TestReferenceCycles(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(f *survey.Form)
		want string
	}{
		{"relevant on itself", func(f *survey.Form) { f.Sections[0].Questions[2].Relevant = "${contact} = 'yes'" },
			"contact: its expressions go round in a circle, so no value can be worked out first: ${contact} (relevant) → ${contact}; remove one of these references"},
		{"two relevants", func(f *survey.Form) { f.Sections[0].Questions[2].Relevant = "${email} != ''" },
			"email: its expressions go round in a circle, so no value can be worked out first: ${email} (relevant) → ${contact} (relevant) → ${email}; remove one of these references"},
		{"through a calculation and a group", func(f *survey.Form) { f.Sections[2].Questions[0].Relevant = "${why} != ''" },
			"double: its expressions go round in a circle, so no value can be worked out first: ${double} (calculation) → ${count} (relevant) → ${why} (relevant of group more) → ${double}; remove one of these references"},
		{"a group on its own question", func(f *survey.Form) { f.Sections[1].Relevant = "${why} != ''" },
			"why: its expressions go round in a circle, so no value can be worked out first: ${why} (relevant of group more) → ${why}; remove one of these references"},
		{"a constraint", func(f *survey.Form) { f.Sections[0].Questions[2].Constraint = ". = 'yes' or ${email} = ''" },
			"email: its expressions go round in a circle, so no value can be worked out first: ${email} (relevant) → ${contact} (constraint) → ${email}; remove one of these references"},
		{"a choice filter", func(f *survey.Form) {
			f.Sections[2].Questions[0] = survey.Question{Key: "count", Type: survey.SingleChoice, Label: fr("Combien ?"), ChoiceFilter: "name != ${double}",
				Choices: []survey.Choice{{Key: "1", Label: fr("1")}, {Key: "2", Label: fr("2")}}}
		}, "double: its expressions go round in a circle, so no value can be worked out first: ${double} (calculation) → ${count} (choice_filter) → ${double}; remove one of these references"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := forwardForm()
			tt.edit(f)
			_, err := survey.Compile(f)
			var de *survey.DefinitionError
			if !errors.As(err, &de) || len(de.Problems) != 1 || de.Problems[0].String() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
	// A reference to no question at all is still refused, with the nearest name.
	f := forwardForm()
	f.Sections[0].Questions[0].Relevant = "${contcat} = 'yes'"
	if _, err := survey.Compile(f); err == nil || !strings.Contains(err.Error(), "email: relevant refers to ${contcat}, which is no question of this form (did you mean ${contact}?)") {
		t.Errorf("unknown reference: %v", err)
	}
}
