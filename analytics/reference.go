package analytics

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/palabre/palabre/survey"
)

// Reference computes the result of req from responses held in memory, with code that shares
// nothing with the histogram path but labels, intervals and privacy: values are collected
// raw, sorted, and every statistic is computed from the sorted values by its textbook
// definition. It is the yardstick that tests hold the Store and the Service to, and it needs
// no database. Responses with the same ID count once, as they do in a Store.
func (s *Service) Reference(ctx context.Context, req Request, responses []*survey.Response) (*Result, error) {
	sc, err := newScope(ctx, s.catalog, req, s.threshold, req.Question != "")
	if err != nil {
		return nil, err
	}
	kept := refResponses(sc, responses)
	if sc.req.Question == "" {
		counts := map[Group]int{}
		for _, r := range kept {
			counts[profileOf(r).Only(sc.req.By)]++
		}
		list := make([]Count, 0, len(counts))
		for g, n := range counts {
			list = append(list, Count{Group: g, N: n})
		}
		if len(sc.req.By) == 0 && len(list) == 0 {
			list = append(list, Count{})
		}
		return sc.responseResult(list), nil
	}
	p, err := sc.question(sc.req.Question)
	if err != nil {
		return nil, err
	}
	type raw struct {
		nums    []float64
		texts   []string
		choices [][]string
	}
	raws := map[cellKey]*raw{}
	var order []cellKey
	var comments []Comment
	for _, r := range kept {
		q := p.questionFor(r.Edition)
		if q == nil || q.Key == "" {
			continue
		}
		for _, a := range r.Answers {
			if a.Question != q.Key {
				continue
			}
			k := keyOf(profileOf(r).Only(sc.req.By), a.Item)
			v := raws[k]
			if v == nil {
				v = &raw{}
				raws[k] = v
				order = append(order, k)
			}
			switch valueOf(q) {
			case ValueNumber:
				if a.HasNum {
					v.nums = append(v.nums, a.Num)
				}
			case ValueText:
				if a.Text != "" {
					v.texts = append(v.texts, a.Text)
				}
			case ValueChoices:
				if len(a.Choices) > 0 {
					v.choices = append(v.choices, a.Choices)
				}
			default:
				v.texts = append(v.texts, a.Text)
				comments = append(comments, Comment{Group: profileOf(r), SubmittedAt: r.SubmittedAt.Truncate(1e9), Text: a.Text})
			}
		}
	}
	var cells []Cell
	for _, k := range order {
		v, q := raws[k], p.questionFor(k.group.Edition)
		cell := Cell{Group: k.group, Item: k.item}
		switch valueOf(q) {
		case ValueNumber:
			cell.size = len(v.nums)
			cell.Scale, cell.NPS = p.refScale(q, v.nums)
		case ValueText:
			cell.size = len(v.texts)
			if q.Type == survey.Date {
				cell.Dates = refDates(v.texts)
			} else {
				cell.Choices = p.choiceStats(q, countTexts(v.texts), cell.size)
			}
		case ValueChoices:
			cell.size = len(v.choices)
			cell.Choices = p.choiceStats(q, countTexts(slices.Concat(v.choices...)), cell.size)
		default:
			cell.size = len(v.texts)
		}
		if cell.size > 0 {
			cells = append(cells, cell)
		}
	}
	var in *commentInput
	if valueOf(p.latest) == ValueAnswered {
		in = refComments(comments, sc.req.Page)
	}
	return p.finish(cells, in), nil
}

// refResponses keeps one copy of each response of the survey that the filter keeps.
func refResponses(sc *scope, responses []*survey.Response) []*survey.Response {
	seen := map[survey.ResponseID]bool{}
	var out []*survey.Response
	for _, r := range responses {
		if r.SurveyID != sc.survey.ID || seen[r.ID] || !sc.req.Filter.Match(profileOf(r)) {
			continue
		}
		seen[r.ID] = true
		out = append(out, r)
	}
	return out
}

func profileOf(r *survey.Response) Group {
	return Group{Edition: r.Edition, Country: r.Country, Organisation: r.Organisation, Role: r.Role, Language: r.Language}
}

func countTexts(xs []string) map[string]int {
	out := map[string]int{}
	for _, x := range xs {
		out[x]++
	}
	return out
}

// refScale computes a scale's statistics from its raw values.
func (p *plan) refScale(q *survey.Question, xs []float64) (*ScaleStat, *NPSStat) {
	n := len(xs)
	if n == 0 {
		return nil, nil
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean, ss := sum/float64(n), 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := 0.0
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	// Type 7: h = (n−1)p, interpolate between x[⌊h⌋] and x[⌊h⌋+1].
	quantile := func(prob float64) float64 {
		h := float64(n-1) * prob
		lo := int(h)
		if lo+1 >= n {
			return xs[n-1]
		}
		return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
	}
	count := func(keep func(float64) bool) int {
		k := 0
		for _, x := range xs {
			if keep(x) {
				k++
			}
		}
		return k
	}
	s := &ScaleStat{Mean: mean, SD: sd, MeanCI: MeanInterval(mean, sd, n), Min: xs[0],
		Q1: quantile(0.25), Median: quantile(0.5), Q3: quantile(0.75), Max: xs[n-1]}
	s.Points = p.points(q, func(v float64) int { return count(func(x float64) bool { return x == v }) })
	if q.Type == survey.Likert || q.Type == survey.Matrix {
		k := len(q.Choices)
		top := count(func(x float64) bool { return int(x) == k || int(x) == k-1 })
		s.Top2 = &ShareStat{Count: top, Share: float64(top) / float64(n), CI: Wilson(top, n)}
	}
	if !hasNPS(q) {
		return s, nil
	}
	return s, npsStat(count(func(x float64) bool { return x == 9 || x == 10 }),
		count(func(x float64) bool { return x == 7 || x == 8 }),
		count(func(x float64) bool { return x <= 6 }))
}

// refDates summarises raw dates.
func refDates(xs []string) *DateStat {
	if len(xs) == 0 {
		return nil
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	s := &DateStat{First: xs[0], Median: xs[(len(xs)-1)/2], Last: xs[len(xs)-1]}
	for _, x := range xs {
		if len(s.Months) == 0 || s.Months[len(s.Months)-1].Month != x[:7] {
			s.Months = append(s.Months, MonthCount{Month: x[:7]})
		}
		s.Months[len(s.Months)-1].Count++
	}
	return s
}

// refComments orders comments as a Store does (newest edition, then latest submitted, then
// profile and text), takes the page, and counts respondents by edition and country.
func refComments(all []Comment, page Page) *commentInput {
	sizes := map[Group]int{}
	for _, c := range all {
		sizes[Group{Edition: c.Group.Edition, Country: c.Group.Country}]++
	}
	slices.SortFunc(all, func(a, b Comment) int {
		if a.Group.Edition != b.Group.Edition {
			return b.Group.Edition - a.Group.Edition
		}
		if c := b.SubmittedAt.Compare(a.SubmittedAt); c != 0 {
			return c
		}
		if c := compareGroups(a.Group, b.Group); c != 0 {
			return c
		}
		return strings.Compare(a.Text, b.Text)
	})
	in := &commentInput{list: []Comment{}}
	if page.Offset < len(all) {
		in.list = all[page.Offset:min(len(all), page.Offset+page.Limit)]
	}
	for g, n := range sizes {
		in.sizes = append(in.sizes, Count{Group: g, N: n})
	}
	return in
}
