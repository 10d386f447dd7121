package survey_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// A form definition's bounds, each at the bound and one step on either side: a definition
// one step inside compiles, one step outside is refused with the reason.
func TestDefinitionBounds(t *testing.T) {
	two := []survey.Choice{{Key: "a", Label: fr("A")}, {Key: "b", Label: fr("B")}}
	one := two[:1]
	three := append(two[:2:2], survey.Choice{Key: "c", Label: fr("C")})
	row := []survey.Choice{{Key: "r", Label: fr("R")}}
	tests := []struct {
		name string
		q    survey.Question
		want string // a part of the problem; "" when the question is valid
	}{
		{"single choice with 1 choice", survey.Question{Type: survey.SingleChoice, Choices: one}, ""}, // a warning: TestSingleChoiceOfOneChoice
		{"single choice without choices", survey.Question{Type: survey.SingleChoice}, "needs at least 1 choice, it has none"},
		{"single choice with 2 choices", survey.Question{Type: survey.SingleChoice, Choices: two}, ""},
		{"multiple choice with 1 choice", survey.Question{Type: survey.MultipleChoice, Choices: one}, "needs at least 2 choices"},
		{"multiple choice with 2 choices", survey.Question{Type: survey.MultipleChoice, Choices: two}, ""},
		{"likert of 1 point", survey.Question{Type: survey.Likert, Choices: one}, "a scale of at least 2 points, it has 1"},
		{"likert of 2 points", survey.Question{Type: survey.Likert, Choices: two}, ""},
		{"matrix of 1 point", survey.Question{Type: survey.Matrix, Choices: one, Items: row}, "a scale of at least 2 points"},
		{"matrix without rows", survey.Question{Type: survey.Matrix, Choices: two}, "at least one item"},
		{"matrix of one row", survey.Question{Type: survey.Matrix, Choices: two, Items: row}, ""},
		{"matrix with a constraint", survey.Question{Type: survey.Matrix, Choices: two, Items: row, Constraint: ". != ''"}, "cannot have a constraint"},
		{"rows on a likert", survey.Question{Type: survey.Likert, Choices: two, Items: row}, "only a matrix has items"},
		{"choices on a rating", survey.Question{Type: survey.Rating, Choices: two}, "has no choices"},
		{"unknown type", survey.Question{Type: "slider"}, `unknown type "slider"`},
		{"min selected = max selected", survey.Question{Type: survey.MultipleChoice, Choices: three, MinSelected: 2, MaxSelected: 2}, ""},
		{"min selected above max", survey.Question{Type: survey.MultipleChoice, Choices: three, MinSelected: 3, MaxSelected: 2}, "min selections (3) is above max selections (2)"},
		{"min selected, no max", survey.Question{Type: survey.MultipleChoice, Choices: three, MinSelected: 3}, ""},
		{"min selected = choices", survey.Question{Type: survey.MultipleChoice, Choices: three, MinSelected: 3, MaxSelected: 3}, ""},
		{"min selected above choices", survey.Question{Type: survey.MultipleChoice, Choices: three, MinSelected: 4}, "above the number of choices (3)"},
		{"negative min selected", survey.Question{Type: survey.MultipleChoice, Choices: three, MinSelected: -1}, "must not be negative"},
		{"negative max selected", survey.Question{Type: survey.MultipleChoice, Choices: three, MaxSelected: -1}, "must not be negative"},
		{"selections on a single choice", survey.Question{Type: survey.SingleChoice, Choices: two, MaxSelected: 1}, "only a multiple-choice question"},
		{"min selected on a single choice", survey.Question{Type: survey.SingleChoice, Choices: two, MinSelected: 1}, "only a multiple-choice question"},
		{"min = max", survey.Question{Type: survey.Number, Min: ptr(3), Max: ptr(3)}, ""},
		{"step 1e15", survey.Question{Type: survey.Number, Step: ptr(1e15)}, ""},
		{"step above 1e15", survey.Question{Type: survey.Number, Step: ptr(2e15)}, "must be above 0"},
		{"step 0", survey.Question{Type: survey.Number, Step: ptr(0)}, "must be above 0"},
		{"step on a rating", survey.Question{Type: survey.Rating, Step: ptr(1)}, "only a number question has a step"},
		{"min above max", survey.Question{Type: survey.Number, Min: ptr(3.5), Max: ptr(3)}, "min (3.5) is above max (3)"},
		{"min on a rating", survey.Question{Type: survey.Rating, Min: ptr(1)}, ""},
		{"max on a date", survey.Question{Type: survey.Date, Max: ptr(1)}, "only a number or rating question has min or max"},
		{"min on a text", survey.Question{Type: survey.ShortText, Min: ptr(1)}, "only a number or rating question has min or max"},
		{"integer rating", survey.Question{Type: survey.Rating, Integer: true}, "only a number question can be limited"},
		{"max length -1", survey.Question{Type: survey.ShortText, MaxLength: -1}, "max length must be between 1 and 100000"},
		{"max length 1", survey.Question{Type: survey.ShortText, MaxLength: 1}, ""},
		{"max length 100000", survey.Question{Type: survey.LongText, MaxLength: 100000}, ""},
		{"max length 100001", survey.Question{Type: survey.LongText, MaxLength: 100001}, "max length must be between 1 and 100000"},
		{"required note", survey.Question{Type: survey.Note, Required: true}, "a note takes no answer"},
		{"constrained note", survey.Question{Type: survey.Note, Constraint: ". = 1"}, "a note takes no answer"},
		{"changed in 1999", survey.Question{Type: survey.YesNo, ChangedIn: survey.MinYear - 1}, "changed_in 1999 is not a year between 2000 and 2100"},
		{"changed in 2000", survey.Question{Type: survey.YesNo, ChangedIn: survey.MinYear}, ""},
		{"changed in 2100", survey.Question{Type: survey.YesNo, ChangedIn: survey.MaxYear}, ""},
		{"changed in 2101", survey.Question{Type: survey.YesNo, ChangedIn: survey.MaxYear + 1}, "changed_in 2101 is not a year"},
		{"choice listed twice", survey.Question{Type: survey.SingleChoice, Choices: []survey.Choice{two[0], two[1], two[0]}}, `choice "a" is listed twice`},
		{"choice without label", survey.Question{Type: survey.SingleChoice, Choices: []survey.Choice{two[0], {Key: "b"}}}, `choice "b" has no label`},
		{"choice name with a space", survey.Question{Type: survey.SingleChoice, Choices: []survey.Choice{two[0], {Key: "b c", Label: fr("B")}}}, "without spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := boundsForm()
			q := tt.q
			q.Key, q.Label = "probe", fr("Sonde")
			f.Sections[0].Questions = append(f.Sections[0].Questions, q)
			_, err := survey.Compile(f)
			var de *survey.DefinitionError
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && !errors.As(err, &de):
				t.Errorf("compiled, want %q", tt.want)
			case tt.want != "" && (len(de.Problems) != 1 || de.Problems[0].Field != "probe" || !strings.Contains(de.Problems[0].Reason, tt.want)):
				t.Errorf("problems %v, want one on probe: %q", de.Problems, tt.want)
			}
		})
	}
}

func TestDefinitionErrorText(t *testing.T) {
	one := &survey.DefinitionError{Problems: []survey.Problem{{Source: "survey sheet, row 7", Field: "age", Reason: "bad"}}}
	if got := one.Error(); got != "definition: survey sheet, row 7: age: bad" {
		t.Errorf("one problem: %q", got)
	}
	two := &survey.DefinitionError{Problems: []survey.Problem{{Reason: "first"}, {Field: "b", Reason: "second"}}}
	if got := two.Error(); got != "definition has 2 problems:\n  first\n  b: second" {
		t.Errorf("two problems: %q", got)
	}
	f := boundsForm()
	f.Version = 0
	f.Languages = []string{"en", "x1"}
	f.Title = survey.Text{"en": "Bounds"}
	f.Profile.Countries = []string{"SN", "sn", "SN"}
	f.Profile.Roles = nil
	_, err := survey.Compile(f)
	for _, want := range []string{"version: must be a whole number of at least 1, not 0", `languages: "x1" is not a language code`,
		`languages: must include the default language "fr"`, `title: the survey needs a title in its default language "fr"`,
		`profile.countries: "sn" is not an ISO 3166-1 alpha-2 code`, "profile.countries: SN is listed twice", "profile.roles: no roles"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	f = boundsForm()
	f.Version = 1
	if _, err := survey.Compile(f); err != nil {
		t.Errorf("version 1 refused: %v", err)
	}
}

// A cached survey list is fresh for strictly less than its ttl.
func TestCachedCatalogTTLBoundary(t *testing.T) {
	next, clk := &countingCatalog{}, &clock{}
	c := survey.NewCachedCatalog(next, time.Minute)
	survey.SetClock(c, clk.now)
	ctx := context.Background()
	c.Surveys(ctx)
	clk.add(time.Minute - 1)
	c.Surveys(ctx)
	time.Sleep(10 * time.Millisecond)
	if n := next.reads.Load(); n != 1 {
		t.Fatalf("a list younger than its ttl was read again (%d reads)", n)
	}
	clk.add(1)
	c.Surveys(ctx)
	eventuallyReads(t, next, 2)
}

// deadlineCatalog refuses a read whose context has already expired, and lists a second
// survey from its second read on.
type deadlineCatalog struct{ countingCatalog }

func (c *deadlineCatalog) Surveys(ctx context.Context) ([]survey.Survey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	list, err := c.countingCatalog.Surveys(ctx)
	if c.reads.Load() > 1 {
		list = append(list, survey.Survey{ID: "family-support"})
	}
	return list, err
}

// A background refresh gets time to read the list, and its list replaces the stale one.
func TestCachedCatalogRefreshReplaces(t *testing.T) {
	next, clk := &deadlineCatalog{}, &clock{}
	c := survey.NewCachedCatalog(next, time.Minute)
	survey.SetClock(c, clk.now)
	ctx := context.Background()
	c.Surveys(ctx)
	clk.add(time.Minute)
	c.Surveys(ctx) // stale: served, and refreshed in the background
	eventuallyReads(t, &next.countingCatalog, 2)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if list, _ := c.Surveys(ctx); len(list) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refreshed list never replaced the stale one")
		}
	}
}
