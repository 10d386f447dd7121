package xlsform_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
)

// readSheets returns a workbook's cells by sheet, as text.
func readSheets(t *testing.T, b []byte) map[string][][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	out := map[string][][]string{}
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out[sh] = rows
	}
	return out
}

// gen makes random forms that compile.
type gen struct {
	rng   *rand.Rand
	langs []string
	def   string
	n     int
}

// words are pieces of labels and names chosen to trip a writer: numbers, booleans, formulas,
// XML, quotes, separators, other scripts.
var words = []string{"Oui", "non", "007", "1e3", "TRUE", "=SUM(A1)", "<b>&amp;</b>", "l'équipe", `"quoted"`,
	"label::fr", "a|b", "{x}", "ñandú", "Ελληνικά", "中文", "line\nbreak", "2024-01-01", "-5", "  inner  space", "%s"}

func (g *gen) word() string { return words[g.rng.IntN(len(words))] }

func (g *gen) phrase() string {
	s := g.word()
	for range g.rng.IntN(3) {
		s += " " + g.word()
	}
	return strings.TrimSpace(s) // definitions trim their texts
}

// text is a text in the default language and some others; nil when optional and drawn so.
func (g *gen) text(optional bool) survey.Text {
	if optional && g.rng.IntN(3) == 0 {
		return nil
	}
	t := survey.Text{g.def: g.phrase()}
	for _, l := range g.langs {
		if l != g.def && g.rng.IntN(4) > 0 {
			t[l] = g.phrase()
		}
	}
	return t
}

var choiceKeys = []string{"a", "b", "c", "01", "1", "1.5", "TRUE", "x-y", "other", "yes", "no", "n/a", "é"}

func (g *gen) choices(min int, labels bool) []survey.Choice {
	keys := slices.Clone(choiceKeys)
	g.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	out := make([]survey.Choice, min+g.rng.IntN(4))
	for i := range out {
		out[i] = survey.Choice{Key: keys[i]}
		if labels || g.rng.IntN(2) == 0 {
			out[i].Label = g.text(false)
		}
	}
	return out
}

func (g *gen) number() *float64 {
	vals := []float64{0, 1, -5, 0.25, 100000, 2.5e6, 1.0 / 3, -0.001}
	f := vals[g.rng.IntN(len(vals))]
	return &f
}

func randomForm(rng *rand.Rand) (*survey.Form, []survey.Edition) {
	g := &gen{rng: rng}
	all := []string{"fr", "en", "es", "de", "wo", "pt"}
	g.def = all[rng.IntN(len(all))]
	g.langs = []string{g.def}
	for _, l := range all {
		if l != g.def && rng.IntN(2) == 0 {
			g.langs = append(g.langs, l)
		}
	}
	if rng.IntN(4) == 0 {
		rng.Shuffle(len(g.langs), func(i, j int) { g.langs[i], g.langs[j] = g.langs[j], g.langs[i] })
	}
	f := &survey.Form{
		SurveyID:        fmt.Sprintf("survey-%d_x", rng.IntN(1000)),
		Version:         []int{1, 3, 2024101501, 2147483647}[rng.IntN(4)],
		Title:           g.text(false),
		Description:     g.text(true),
		DefaultLanguage: g.def,
		Languages:       slices.Clone(g.langs),
		Profile: survey.Profile{Countries: slices.Clone(survey.NetworkCountries),
			Roles: slices.Clone(survey.DefaultRoles)},
	}
	if rng.IntN(2) == 0 {
		f.Profile.Countries = []string{"SN", "PE", "US"}[:1+rng.IntN(3)]
	}
	if rng.IntN(2) == 0 {
		f.Profile.Roles = g.choices(1, true)
	}
	if rng.IntN(2) == 0 {
		f.Profile.Organisations = g.choices(2, false)
	}
	var earlier []string // answerable questions with a single value
	for s := range 1 + rng.IntN(4) {
		sec := survey.Section{}
		if s > 0 && (f.Sections[s-1].Key == "" || rng.IntN(2) == 0) {
			sec.Key = fmt.Sprintf("group_%d", s)
			sec.Label = g.text(true)
			if len(earlier) > 0 && rng.IntN(2) == 0 {
				sec.Relevant = fmt.Sprintf("${%s} != ''", earlier[rng.IntN(len(earlier))])
			}
		}
		for range rng.IntN(5) + 1 {
			q := g.question(earlier)
			if q.Type != survey.Note && q.Type != survey.Matrix {
				earlier = append(earlier, q.Key)
			}
			sec.Questions = append(sec.Questions, q)
		}
		f.Sections = append(f.Sections, sec)
	}
	var editions []survey.Edition
	for _, y := range []int{2019, 2020, 2023, 2026} {
		if rng.IntN(2) == 0 {
			continue
		}
		e := survey.Edition{SurveyID: f.SurveyID, Year: y, FormVersion: 1 + rng.IntN(f.Version), Invited: rng.IntN(3) * 40}
		if rng.IntN(2) == 0 {
			e.Place = g.phrase()
		}
		if rng.IntN(3) > 0 {
			e.Opens = time.Date(y, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		}
		if rng.IntN(3) > 0 {
			e.Closes = time.Date(y+1, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		}
		editions = append(editions, e)
	}
	return f, editions
}

func (g *gen) question(earlier []string) survey.Question {
	rng := g.rng
	g.n++
	q := survey.Question{
		Key:   fmt.Sprintf("q%d_%s", g.n, []string{"a", "b-c", "x"}[rng.IntN(3)]),
		Type:  survey.QuestionTypes[rng.IntN(len(survey.QuestionTypes))],
		Label: g.text(false),
		Hint:  g.text(true),
	}
	if len(earlier) > 0 && rng.IntN(3) == 0 {
		q.Relevant = fmt.Sprintf("${%s} != '' or ${%s} = 'yes'", earlier[rng.IntN(len(earlier))], earlier[rng.IntN(len(earlier))])
	}
	if rng.IntN(5) == 0 {
		q.ChangedIn = 2020 + rng.IntN(6)
	}
	if q.Type != survey.Note {
		q.Required = rng.IntN(2) == 0
	}
	// constraint picks one of the constraints given, or none; and sometimes a message.
	constraint := func(cs ...string) {
		if rng.IntN(2) == 0 {
			q.Constraint = cs[rng.IntN(len(cs))]
		}
		if q.Constraint != "" && rng.IntN(2) == 0 || rng.IntN(8) == 0 {
			q.ConstraintMessage = g.text(false)
		}
	}
	switch q.Type {
	case survey.SingleChoice:
		q.Choices = g.choices(2, true)
		if rng.IntN(3) == 0 {
			q.Choices = []survey.Choice{{Key: "yes", Label: g.text(false)}, {Key: "no", Label: g.text(false)}}
		}
		constraint(". != 'a'")
	case survey.MultipleChoice:
		q.Choices = g.choices(2, true)
		if rng.IntN(2) == 0 {
			q.MinSelected = rng.IntN(3)
		}
		if rng.IntN(2) == 0 {
			q.MaxSelected = max(q.MinSelected, 1) + rng.IntN(2)
		}
		constraint("not(selected(., 'a'))", "count-selected(.) <= 2")
	case survey.Likert, survey.Matrix:
		q.Choices = g.choices(2, true)
		if q.Type == survey.Matrix {
			q.Items = g.choices(1, true)
			for i := range q.Items { // a row of a table-list group: an XML name for ODK
				q.Items[i].Key = fmt.Sprintf("row_%d-%c", i, 'a'+i)
			}
			if rng.IntN(6) == 0 {
				q.ConstraintMessage = g.text(false)
			}
		} else {
			constraint(". != 'b'")
		}
	case survey.Rating:
		if rng.IntN(2) == 0 {
			q.Min = []*float64{ptr(0), ptr(1), ptr(-2)}[rng.IntN(3)]
		}
		if rng.IntN(2) == 0 {
			q.Max = []*float64{ptr(5), ptr(10), ptr(7.5)}[rng.IntN(3)]
		}
		constraint(". != 3", ". >= 2")
	case survey.Number:
		q.Integer = rng.IntN(2) == 0
		if rng.IntN(2) == 0 {
			q.Min = g.number()
		}
		if rng.IntN(2) == 0 {
			q.Max = g.number()
			if q.Min != nil && *q.Max < *q.Min {
				q.Min, q.Max = q.Max, q.Min
			}
		}
		if rng.IntN(3) == 0 { // a range of any step; written as a range when it can be
			q.Step = []*float64{ptr(1), ptr(0.5), ptr(5), ptr(1.0 / 3), ptr(0.05)}[rng.IntN(5)]
			if rng.IntN(2) == 0 {
				q.Min, q.Max = ptr(0), ptr(1)
				q.Integer = false
			}
		}
		constraint(". != 7", ". >= 1", ". > 0 and . < 100", "0 <= .")
	case survey.Time, survey.DateTime, survey.Geopoint, survey.Acknowledge:
		constraint(". != ''")
	case survey.ShortText, survey.LongText:
		if rng.IntN(2) == 0 {
			q.MaxLength = []int{1, 40, 500, 100000}[rng.IntN(4)]
		}
		constraint("string-length(.) <= 30", ". != 'x'", "regex(., '^[a-z]+$')")
	case survey.Date:
		constraint(". <= today()")
	case survey.Note:
		if rng.IntN(6) == 0 {
			q.ConstraintMessage = g.text(false)
		}
	case survey.Calculate:
		q.Required, q.ConstraintMessage = false, nil
		q.Calculation = "round(1 div 3, 2)"
		if len(earlier) > 0 {
			q.Calculation = fmt.Sprintf("concat(${%s}, '-', if(${%s} = '', 0, 1))", earlier[rng.IntN(len(earlier))], earlier[rng.IntN(len(earlier))])
		}
		if rng.IntN(2) == 0 {
			q.Label = nil
		}
	}
	return q
}
