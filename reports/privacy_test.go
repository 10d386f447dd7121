package reports_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/survey"
)

// TestNoSuppressedCellCanBeDerived is the differencing test of what funders are shown. On
// random surveys with many small cells, it builds the funder's report (what a published
// dashboard, its workbook and its offline copy all show) and collects every count in it as a
// linear equation on the unknown counts behind it: response counts by country and edition
// and by edition, each question's respondents and counts of each choice, point or month by
// country and edition, and the comments shown per country and per edition. It adds what a
// reader may know of the form: the bins of a single answer add up to its respondents, and a
// question everyone answers counts the same respondents as the response counts (made true
// here of the yes/no question). Then no suppressed count may be determined by those
// equations, by adding or subtracting any of them.
func TestNoSuppressedCellCanBeDerived(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 2026))
	hiddenCounts, reports_ := 0, 0
	for round := range 60 {
		g := analyticstest.Generate(rng, fmt.Sprintf("gen-%d", round))
		everyoneAnswers(g.Responses, "yn")
		svc := analytics.NewService(g.Catalog, analyticstest.NewStore(g.Responses...), g.Threshold)
		b := reports.NewBuilder(g.Catalog, svc, "test")
		// Every other round as a dashboard publishes it: the latest comments only, read with
		// the questions.
		maxComments := 0
		if round%2 == 1 {
			maxComments = 3
		}
		funder, err := b.Build(ctx, reports.Request{Survey: g.Survey, Audience: analytics.Funder, MaxComments: maxComments})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		truth, err := b.Build(ctx, reports.Request{Survey: g.Survey, Audience: analytics.Coordinator})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		reports_++
		s := newSystem()
		s.responses(funder)
		for i, q := range funder.Questions {
			qs := s.question(funder, q, truth, truth.Questions[i])
			for _, leak := range qs.determined() {
				t.Errorf("round %d (threshold %d): the suppressed %s can be derived from what funders see", round, g.Threshold, leak)
			}
			hiddenCounts += len(qs.hidden)
		}
		for _, leak := range s.determined() {
			t.Errorf("round %d (threshold %d): the suppressed %s can be derived from what funders see", round, g.Threshold, leak)
		}
		hiddenCounts += len(s.hidden)
	}
	t.Logf("%d funder reports, %d suppressed counts none of which can be derived", reports_, hiddenCounts)
	if hiddenCounts < 1000 {
		t.Errorf("only %d suppressed counts: the generated data does not exercise suppression", hiddenCounts)
	}
}

// everyoneAnswers makes every response answer question key (copying another's answer).
func everyoneAnswers(responses []*survey.Response, key string) {
	var some survey.Answer
	for _, r := range responses {
		if i := slices.IndexFunc(r.Answers, func(a survey.Answer) bool { return a.Question == key }); i >= 0 {
			some = r.Answers[i]
			break
		}
	}
	for _, r := range responses {
		if !slices.ContainsFunc(r.Answers, func(a survey.Answer) bool { return a.Question == key }) {
			r.Answers = append(r.Answers, some)
		}
	}
}

// system is a set of linear equations on named unknown counts.
type system struct {
	vars   map[string]int
	names  []string
	rows   [][]float64 // sparse enough at these sizes to keep dense
	hidden []string    // unknowns whose value is suppressed
}

func newSystem() *system { return &system{vars: map[string]int{}} }

func (s *system) v(name string) int {
	if i, ok := s.vars[name]; ok {
		return i
	}
	s.vars[name] = len(s.names)
	s.names = append(s.names, name)
	for i := range s.rows {
		s.rows[i] = append(s.rows[i], 0)
	}
	return len(s.names) - 1
}

// equation records that the sum of the named unknowns is known.
func (s *system) equation(names ...string) {
	for _, n := range names {
		s.v(n)
	}
	row := make([]float64, len(s.names))
	for _, n := range names {
		row[s.vars[n]]++
	}
	s.rows = append(s.rows, row)
}

// same records that two unknowns are known to be equal.
func (s *system) same(a, b string) {
	s.v(a)
	s.v(b)
	row := make([]float64, len(s.names))
	row[s.vars[a]], row[s.vars[b]] = 1, -1
	s.rows = append(s.rows, row)
}

func group(g analytics.Group) string { return strconv.Itoa(g.Edition) + "/" + g.Country }

// responses adds the response counts by country and edition and by edition.
func (s *system) responses(r *reports.Report) {
	byEdition := map[int][]string{}
	for _, c := range r.Responses.Responses {
		name := "responses " + group(c.Group)
		s.v(name)
		byEdition[c.Group.Edition] = append(byEdition[c.Group.Edition], name)
		if c.N != nil {
			s.equation(name)
		} else {
			s.hidden = append(s.hidden, name)
		}
	}
	for _, c := range r.ByEdition.Responses {
		if c.N != nil {
			s.equation(byEdition[c.Group.Edition]...)
		}
	}
}

// question is a system of one question's counts and the response counts; truth is the
// coordinator's report and tq its result for the question.
func (s *system) question(r *reports.Report, q *analytics.Result, truth *reports.Report, tq *analytics.Result) *system {
	qs := newSystem()
	for _, n := range s.names {
		qs.v(n)
	}
	for _, row := range s.rows {
		qs.rows = append(qs.rows, slices.Clone(row))
	}
	key := q.Question.Key
	bins := binsOf(q)
	trueResponses, trueN := map[analytics.Group]int{}, map[analytics.Group]int{}
	for _, c := range truth.Responses.Responses {
		trueResponses[c.Group] = *c.N
	}
	sums := single(q.Question.Type) && len(bins) > 0 // a single answer's bins add up to its respondents
	for _, c := range tq.Cells {
		trueN[c.Group] = *c.N
		total := 0
		for _, n := range cellCounts(c) {
			total += n
		}
		sums = sums && total == *c.N
	}
	everyone := q.Question.Type != survey.Matrix
	for _, c := range q.Cells {
		n := fmt.Sprintf("%s%s respondents %s", key, item(c.Item), group(c.Group))
		names := []string{n}
		for _, b := range bins {
			names = append(names, fmt.Sprintf("%s%s %s %s", key, item(c.Item), b, group(c.Group)))
		}
		for _, name := range names {
			qs.v(name)
		}
		if c.N == nil {
			qs.hidden = append(qs.hidden, names...)
		} else {
			qs.equation(n) // a shown cell gives every bin, 0 for those it lacks
			for _, name := range names[1:] {
				qs.equation(name)
			}
		}
		if sums {
			row := make([]float64, len(qs.names))
			row[qs.vars[n]] = -1
			for _, name := range names[1:] {
				row[qs.vars[name]] = 1
			}
			qs.rows = append(qs.rows, row)
		}
		everyone = everyone && trueN[c.Group] == trueResponses[c.Group]
	}
	if everyone { // a reader may know that every respondent answers it
		for _, c := range q.Cells {
			qs.same(fmt.Sprintf("%s respondents %s", key, group(c.Group)), "responses "+group(c.Group))
		}
	}
	if q.Comments != nil {
		byCountry, byEdition := map[string]int{}, map[int]int{}
		for _, c := range r.Comments {
			if c.Question != key {
				continue
			}
			if c.Profile.Country != "" {
				byCountry[group(c.Profile)]++
			}
			if c.Profile.Edition != 0 {
				byEdition[c.Profile.Edition]++
			}
		}
		for g := range byCountry {
			qs.equation(key + " respondents " + g)
		}
		for e := range byEdition {
			var names []string
			for _, c := range q.Cells {
				if c.Group.Edition == e {
					names = append(names, key+" respondents "+group(c.Group))
				}
			}
			qs.equation(names...)
		}
	}
	return qs
}

func item(it string) string {
	if it == "" {
		return ""
	}
	return "[" + it + "]"
}

func single(t survey.QuestionType) bool {
	switch t {
	case survey.SingleChoice, survey.YesNo, survey.Likert, survey.Matrix, survey.Rating:
		return true
	}
	return false
}

// binsOf names the counts a question's shown cells give, all cells together: choices or
// points (months are left out: their counts only add up to n).
func binsOf(q *analytics.Result) []string {
	var out []string
	for _, c := range q.Cells {
		for _, ch := range c.Choices {
			out = append(out, "choice "+ch.Key)
		}
		if c.Scale != nil {
			for _, p := range c.Scale.Points {
				out = append(out, "point "+strconv.FormatFloat(p.Value, 'g', -1, 64))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cellCounts are a shown cell's bin counts in binsOf's order.
func cellCounts(c analytics.Cell) []int {
	var out []int
	switch {
	case c.Choices != nil:
		for _, ch := range c.Choices {
			out = append(out, ch.Count)
		}
	case c.Scale != nil && c.Scale.Points != nil:
		for _, p := range c.Scale.Points {
			out = append(out, p.Count)
		}
	}
	return out
}

// determined lists the hidden unknowns whose value the equations fix: those whose unit
// vector lies in the span of the rows (after Gauss–Jordan elimination, a pivot row with a
// single non-zero entry).
func (s *system) determined() []string {
	rows := make([][]float64, len(s.rows))
	for i, r := range s.rows {
		rows[i] = append(slices.Clone(r), make([]float64, len(s.names)-len(r))...)
	}
	pivotRow := map[int]int{}
	r := 0
	for col := 0; col < len(s.names) && r < len(rows); col++ {
		best := -1
		for i := r; i < len(rows); i++ {
			if math.Abs(rows[i][col]) > 1e-9 && (best < 0 || math.Abs(rows[i][col]) > math.Abs(rows[best][col])) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		rows[r], rows[best] = rows[best], rows[r]
		p := rows[r][col]
		for j := range rows[r] {
			rows[r][j] /= p
		}
		for i := range rows {
			if i != r && math.Abs(rows[i][col]) > 1e-9 {
				f := rows[i][col]
				for j := range rows[i] {
					rows[i][j] -= f * rows[r][j]
				}
			}
		}
		pivotRow[col] = r
		r++
	}
	var out []string
	for _, name := range s.hidden {
		col := s.vars[name]
		pr, ok := pivotRow[col]
		if !ok {
			continue
		}
		alone := true
		for j, x := range rows[pr] {
			if j != col && math.Abs(x) > 1e-9 {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, name)
		}
	}
	return out
}
