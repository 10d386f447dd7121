package analyticstest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// Generate makes a random survey: two form versions that differ at random (a choice added, a scale or a
// rating's bounds changed, a type changed, a question reworded or dropped), two to four editions of small
// and uneven sizes so that cells near the threshold are common, and raw answers of every
// type, with the fields validation sets (a scale's point has its key and position, yes/no its
// text and 1 or 0). Answers are not validated: the figures must agree on whatever is stored.
type Generated struct {
	Survey    string
	Catalog   *surveytest.Catalog
	Responses []*survey.Response
	Questions []string // question keys asked by some version
	Threshold int      // a random threshold from 2 to 6
}

func genChoices(prefix string, n int) []survey.Choice {
	out := make([]survey.Choice, n)
	for i := range out {
		out[i] = survey.Choice{Key: fmt.Sprintf("%s%d", prefix, i), Label: surveytest.T("fr "+prefix, "en "+prefix, "")}
	}
	return out
}

func Generate(rng *rand.Rand, id string) *Generated {
	T := surveytest.T
	f64 := func(v float64) *float64 { return &v }
	type variant func(q *survey.Question, version int)
	// Each question of version 1, and how version 2 may change it.
	base := []survey.Question{
		{Key: "yn", Type: survey.YesNo},
		{Key: "one", Type: survey.SingleChoice, Choices: genChoices("c", 2+rng.IntN(3))},
		{Key: "many", Type: survey.MultipleChoice, Choices: genChoices("m", 3+rng.IntN(3)), MinSelected: 1, MaxSelected: 3},
		{Key: "lik", Type: survey.Likert, Choices: genChoices("p", 3+rng.IntN(5))},
		{Key: "mat", Type: survey.Matrix, Choices: genChoices("p", 3+rng.IntN(3)), Items: genChoices("row", 2+rng.IntN(2))},
		{Key: "nps", Type: survey.Rating},
		{Key: "rate", Type: survey.Rating, Min: f64(1), Max: f64(float64(4 + rng.IntN(4)))},
		{Key: "num", Type: survey.Number, Min: f64(-50), Max: f64(50)},
		{Key: "day", Type: survey.Date},
		{Key: "say", Type: survey.LongText},
	}
	changes := []variant{
		func(q *survey.Question, v int) { // a choice or a point added
			if len(q.Choices) > 0 {
				q.Choices = append(slices.Clone(q.Choices), survey.Choice{Key: "added", Label: T("ajout", "added", "")})
			}
		},
		func(q *survey.Question, v int) { q.ChangedIn = 0 }, // reworded, set below
		func(q *survey.Question, v int) { // a matrix row added, or a rating's bound moved
			if q.Type == survey.Matrix {
				q.Items = append(slices.Clone(q.Items), survey.Choice{Key: "newrow", Label: T("ligne", "row", "")})
			}
			if q.Type == survey.Rating && q.Max != nil {
				q.Max = f64(*q.Max + 1)
			}
		},
		func(q *survey.Question, v int) { // choices reordered: same set, still comparable
			if len(q.Choices) > 1 && q.Type != survey.Likert && q.Type != survey.Matrix {
				q.Choices = append(slices.Clone(q.Choices[1:]), q.Choices[0])
			}
		},
		func(q *survey.Question, v int) { // a single choice becomes a scale: read as numbers from then on
			if q.Type == survey.SingleChoice {
				q.Type = survey.Likert
			}
		},
	}
	editions := 2 + rng.IntN(3)
	years := make([]int, editions)
	for i := range years {
		years[i] = 2020 + i
	}
	switchAt := years[1+rng.IntN(editions-1)] // the first edition of version 2
	forms := make([]*survey.Form, 2)
	g := &Generated{Survey: id, Threshold: 2 + rng.IntN(5)}
	for v := 1; v <= 2; v++ {
		b := surveytest.NewForm(id, T("Enquête", "Survey", "")).Version(v)
		for _, q := range base {
			q.Label = T("Question "+q.Key, "Question "+q.Key, "")
			if v == 2 {
				switch c := rng.IntN(len(changes) + 2); {
				case c < len(changes):
					changes[c](&q, v)
					if c == 1 {
						q.ChangedIn = switchAt
					}
				case c == len(changes) && q.Key != "yn":
					continue // dropped from version 2
				}
			}
			b = b.Question(q)
			if !slices.Contains(g.Questions, q.Key) {
				g.Questions = append(g.Questions, q.Key)
			}
		}
		forms[v-1] = b.Build()
	}
	var eds []survey.Edition
	for _, y := range years {
		v := 1
		if y >= switchAt {
			v = 2
		}
		eds = append(eds, survey.Edition{SurveyID: id, Year: y, FormVersion: v, Invited: rng.IntN(3) * (10 + rng.IntN(20)),
			Opens: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), Closes: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)})
	}
	g.Catalog = surveytest.NewCatalog(forms, eds...)
	countries := []string{"SN", "MA", "PE", "FR"}[:2+rng.IntN(3)]
	orgs := []string{"Samusocial Dakar", "Casa", "Lima"}
	roles := []string{"psychologist", "social_worker"}
	for ei, e := range eds {
		f := forms[e.FormVersion-1]
		n := rng.IntN(4 + 6*ei)
		for range n {
			var rid survey.ResponseID
			for i := range rid {
				rid[i] = byte(rng.Uint32())
			}
			r := &survey.Response{ID: rid, SurveyID: f.SurveyID, Edition: e.Year, FormVersion: f.Version,
				Respondent: survey.Respondent{Country: countries[rng.IntN(len(countries))], Organisation: orgs[rng.IntN(len(orgs))],
					Role: roles[rng.IntN(len(roles))], Language: []string{"fr", "en"}[rng.IntN(2)]},
				SubmittedAt: time.Date(e.Year, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, rng.IntN(3), 0, time.UTC)}
			for _, q := range f.Questions() {
				if rng.IntN(6) == 0 {
					continue // skipped
				}
				r.Answers = append(r.Answers, answers(rng, q)...)
			}
			g.Responses = append(g.Responses, r)
		}
	}
	return g
}

func answers(rng *rand.Rand, q *survey.Question) []survey.Answer {
	a := survey.Answer{Question: q.Key}
	switch q.Type {
	case survey.YesNo: // as validation stores them: the text, and 1 or 0
		a.Text = []string{"yes", "no"}[rng.IntN(2)]
		a.HasNum = true
		if a.Text == "yes" {
			a.Num = 1
		}
	case survey.SingleChoice:
		a.Text = q.Choices[rng.IntN(len(q.Choices))].Key
		if rng.IntN(40) == 0 {
			a.Text = "retired" // a value the form no longer offers
		}
	case survey.MultipleChoice:
		for _, c := range q.Choices {
			if rng.IntN(3) == 0 {
				a.Choices = append(a.Choices, c.Key)
			}
		}
		if len(a.Choices) == 0 {
			a.Choices = []string{q.Choices[0].Key}
		}
	case survey.Likert: // the point's key and its position
		p := rng.IntN(len(q.Choices))
		a.Text, a.Num, a.HasNum = q.Choices[p].Key, float64(1+p), true
	case survey.Matrix:
		var out []survey.Answer
		for _, it := range q.Items {
			if rng.IntN(5) > 0 {
				p := rng.IntN(len(q.Choices))
				out = append(out, survey.Answer{Question: q.Key, Item: it.Key, Text: q.Choices[p].Key, Num: float64(1 + p), HasNum: true})
			}
		}
		return out
	case survey.Rating:
		lo, _, hi, _ := q.Bounds()
		a.Num, a.HasNum = lo+float64(rng.IntN(int(hi-lo)+1)), true
	case survey.Number:
		a.Num, a.HasNum = float64(rng.IntN(1000)-500)/10, true
	case survey.Date:
		a.Text = fmt.Sprintf("20%02d-%02d-%02d", 20+rng.IntN(3), 1+rng.IntN(12), 1+rng.IntN(28))
	default:
		a.Text = []string{"Plus de temps", "More time", "Rien", "=1+1", "Más talleres"}[rng.IntN(5)]
	}
	return []survey.Answer{a}
}

// RandomRequest draws a request on g: any question or none, a breakdown, a filter, an
// audience, a language, a comparison, a page of comments, and sometimes a publication's
// margins.
func RandomRequest(rng *rand.Rand, g *Generated) analytics.Request {
	bys := [][]analytics.Dimension{nil, {analytics.Edition}, {analytics.Country}, {analytics.Country, analytics.Edition},
		{analytics.Organisation, analytics.Role}, {analytics.Role, analytics.Country, analytics.Edition}, {analytics.Language}}
	req := analytics.Request{Survey: g.Survey, By: bys[rng.IntN(len(bys))], Language: []string{"", "en", "es"}[rng.IntN(3)],
		Audience: []analytics.Audience{"", analytics.Funder, analytics.Coordinator}[rng.IntN(3)], Compare: rng.IntN(2) == 0,
		Page: analytics.Page{Limit: rng.IntN(6), Offset: rng.IntN(4)}}
	if k := rng.IntN(len(g.Questions) + 1); k < len(g.Questions) {
		req.Question = g.Questions[k]
	}
	if rng.IntN(3) == 0 { // a publication's: lines completed along some dimensions only
		req.Margins = []analytics.Dimension{}
		for _, d := range req.By {
			if rng.IntN(2) == 0 {
				req.Margins = append(req.Margins, d)
			}
		}
	}
	switch rng.IntN(4) {
	case 0:
		req.Filter = analytics.Filter{analytics.Country: {"SN", "PE"}}
	case 1:
		req.Filter = analytics.Filter{analytics.Edition: {"2021", "2022"}}
	}
	return req
}
