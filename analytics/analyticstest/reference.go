package analyticstest

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// Reference computes the result of req over responses held in memory, from the form
// definitions and the README's contract alone. It is the yardstick that analytics tests
// hold the Service to (over the in-memory Store and over ClickHouse), so it shares no code
// with the analytics package but its result types: request checks, scope, statistics,
// intervals, comparability, changes and every privacy rule are written again here, from
// their definitions (stats.go). Responses with the same ID count once, the first copy.
//
// threshold is the smallest cell shown to funders, as the Service under test has it.
// NotCompared messages are left empty: their wording is tested on its own; compare results
// with DiffResult, which ignores them.
func Reference(ctx context.Context, cat survey.Catalog, threshold int, req analytics.Request, responses []*survey.Response) (*analytics.Result, error) {
	return ReferenceIn(ctx, cat, threshold, req, responses, nil)
}

// ReferenceIn is Reference for a result published beside the response counts counts (a
// funder's dashboard or workbook, where req.Pattern is those counts' pattern): when req breaks
// down by every dimension counts does, a cell whose group is hidden in counts is hidden too,
// as are its comments' country; the lines are then completed as usual. counts may be nil.
func ReferenceIn(ctx context.Context, cat survey.Catalog, threshold int, req analytics.Request, responses []*survey.Response, counts *analytics.Result) (*analytics.Result, error) {
	req, err := normalise(req)
	if err != nil {
		return nil, err
	}
	list, err := cat.Surveys(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(s survey.Survey) bool { return s.ID == req.Survey })
	if i < 0 {
		return nil, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, req.Survey)
	}
	r := &ref{req: req, survey: list[i], threshold: threshold, forms: map[int]*survey.Form{}}
	if counts != nil && req.Audience != analytics.Coordinator && !slices.ContainsFunc(counts.By, func(d analytics.Dimension) bool {
		return !slices.Contains(req.By, d)
	}) {
		r.published, r.publishedBy = map[analytics.Group]analytics.Suppression{}, counts.By
		for _, c := range counts.Responses {
			if c.Suppressed != "" {
				r.published[c.Group] = c.Suppressed
			}
		}
	}
	r.lang = cmp.Or(req.Language, r.survey.DefaultLanguage)
	var years []int
	if vals, ok := req.Filter[analytics.Edition]; ok {
		for _, v := range vals {
			y, _ := strconv.Atoi(v)
			if _, ok := r.survey.Edition(y); !ok {
				return nil, malformed()
			}
			years = append(years, y)
		}
	}
	for _, e := range r.survey.Editions {
		if years == nil || slices.Contains(years, e.Year) {
			r.editions = append(r.editions, e)
		}
	}
	slices.SortFunc(r.editions, func(a, b survey.Edition) int { return a.Year - b.Year })
	seen := map[survey.ResponseID]bool{}
	for _, resp := range responses {
		if resp.SurveyID != r.survey.ID || seen[resp.ID] || !matches(req.Filter, profile(resp)) {
			continue
		}
		seen[resp.ID] = true
		r.kept = append(r.kept, resp)
	}
	if req.Question == "" {
		return r.responseCounts(), nil
	}
	for _, e := range r.editions {
		f, err := cat.Form(ctx, r.survey.ID, e.FormVersion)
		if err != nil {
			return nil, err
		}
		r.forms[e.Year] = f
	}
	if err := r.pick(req.Question); err != nil {
		return nil, err
	}
	return r.questionResult(), nil
}

// DiffResult compares a result with the reference's, numbers to a relative 1e-9 (see Diff),
// counts and suppression exactly; NotCompared messages must be set in got and are not
// compared.
func DiffResult(got, want *analytics.Result) string {
	if got == nil || want == nil {
		if got == want {
			return ""
		}
		return "one result is nil"
	}
	g := *got
	g.NotCompared = slices.Clone(got.NotCompared)
	for i := range g.NotCompared {
		if g.NotCompared[i].Message == "" {
			return "not_compared without a message"
		}
		g.NotCompared[i].Message = ""
	}
	return Diff(&g, want)
}

// ref is one request being answered.
type ref struct {
	req       analytics.Request
	lang      string
	survey    survey.Survey
	threshold int
	editions  []survey.Edition     // in scope, oldest first
	forms     map[int]*survey.Form // by year
	kept      []*survey.Response   // in the survey and the filter, once each
	asked     map[int]*survey.Question
	latest    *survey.Question
	// published hides groups (by publishedBy) of the response counts published beside.
	published   map[analytics.Group]analytics.Suppression
	publishedBy []analytics.Dimension
}

func malformed() error { return &survey.Error{Code: survey.CodeMalformed} }

var dimensions = []analytics.Dimension{analytics.Edition, analytics.Country, analytics.Organisation, analytics.Role, analytics.Language}

// normalise applies the README's request rules: audience funder by default, compare adds
// edition to by, filters deduplicated with years in decimal, 50 comments from 0.
func normalise(req analytics.Request) (analytics.Request, error) {
	if !survey.ValidSlug(req.Survey) {
		return req, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, req.Survey)
	}
	switch req.Audience {
	case "":
		req.Audience = analytics.Funder
	case analytics.Funder, analytics.Coordinator:
	default:
		return req, malformed()
	}
	by := []analytics.Dimension{}
	for _, d := range req.By {
		if !slices.Contains(dimensions, d) || slices.Contains(by, d) {
			return req, malformed()
		}
		by = append(by, d)
	}
	if req.Compare && !slices.Contains(by, analytics.Edition) {
		by = append(by, analytics.Edition)
	}
	req.By = by
	filter := analytics.Filter{}
	for d, vals := range req.Filter {
		if !slices.Contains(dimensions, d) || len(vals) > 100 {
			return req, malformed()
		}
		var kept []string
		for _, v := range vals {
			if d == analytics.Edition {
				y, err := strconv.Atoi(v)
				if err != nil || y < survey.MinYear || y > survey.MaxYear {
					return req, malformed()
				}
				v = strconv.Itoa(y)
			}
			if v != "" && !slices.Contains(kept, v) {
				kept = append(kept, v)
			}
		}
		if len(kept) > 0 {
			filter[d] = kept
		}
	}
	req.Filter = filter
	if req.Page.Limit < 0 || req.Page.Offset < 0 || req.Page.Limit > 500 {
		return req, malformed()
	}
	if req.Page.Limit == 0 {
		req.Page.Limit = 50
	}
	return req, nil
}

func profile(r *survey.Response) analytics.Group {
	return analytics.Group{Edition: r.Edition, Country: r.Country, Organisation: r.Organisation, Role: r.Role, Language: r.Language}
}

func value(g analytics.Group, d analytics.Dimension) string {
	switch d {
	case analytics.Edition:
		if g.Edition == 0 {
			return ""
		}
		return strconv.Itoa(g.Edition)
	case analytics.Country:
		return g.Country
	case analytics.Organisation:
		return g.Organisation
	case analytics.Role:
		return g.Role
	}
	return g.Language
}

func matches(f analytics.Filter, g analytics.Group) bool {
	for d, vals := range f {
		if !slices.Contains(vals, value(g, d)) {
			return false
		}
	}
	return true
}

// only keeps the dimensions of by.
func only(g analytics.Group, by []analytics.Dimension) analytics.Group {
	var out analytics.Group
	for _, d := range by {
		switch d {
		case analytics.Edition:
			out.Edition = g.Edition
		case analytics.Country:
			out.Country = g.Country
		case analytics.Organisation:
			out.Organisation = g.Organisation
		case analytics.Role:
			out.Role = g.Role
		case analytics.Language:
			out.Language = g.Language
		}
	}
	return out
}

// without clears dimension d.
func without(g analytics.Group, d analytics.Dimension) analytics.Group {
	return only(g, slices.DeleteFunc(slices.Clone(dimensions), func(x analytics.Dimension) bool { return x == d }))
}

// byGroup orders groups by edition, country, organisation, role, language.
func byGroup(a, b analytics.Group) int {
	return cmp.Or(cmp.Compare(a.Edition, b.Edition), strings.Compare(a.Country, b.Country),
		strings.Compare(a.Organisation, b.Organisation), strings.Compare(a.Role, b.Role), strings.Compare(a.Language, b.Language))
}

func (r *ref) base() *analytics.Result {
	res := &analytics.Result{Survey: r.survey.ID, Audience: r.req.Audience, Threshold: r.threshold,
		By: r.req.By, Editions: []int{}}
	if len(r.req.Filter) > 0 {
		res.Filter = r.req.Filter
	}
	for _, e := range r.editions {
		res.Editions = append(res.Editions, e.Year)
	}
	return res
}

// responseCounts counts responses per group, with the response rate of a whole edition.
func (r *ref) responseCounts() *analytics.Result {
	res := r.base()
	counts := map[analytics.Group]int{}
	for _, resp := range r.kept {
		counts[only(profile(resp), r.req.By)]++
	}
	if len(r.req.By) == 0 && len(counts) == 0 {
		counts[analytics.Group{}] = 0
	}
	var cells []piece
	for g, n := range counts {
		cells = append(cells, piece{group: g, size: n})
	}
	slices.SortFunc(cells, func(a, b piece) int { return byGroup(a.group, b.group) })
	wholeEditions := true
	for _, d := range r.req.By {
		wholeEditions = wholeEditions && d == analytics.Edition
	}
	for d := range r.req.Filter {
		wholeEditions = wholeEditions && d == analytics.Edition
	}
	hidden := r.suppression(cells)
	for _, c := range cells {
		rc := analytics.ResponseCell{Group: c.group}
		if rc.Suppressed = hidden[c.key()]; rc.Suppressed == "" {
			n := c.size
			rc.N = &n
			var e survey.Edition
			found := false
			if c.group.Edition != 0 {
				e, found = r.survey.Edition(c.group.Edition)
			} else if len(r.editions) == 1 {
				e, found = r.editions[0], true
			}
			if wholeEditions && found && e.Invited > 0 {
				rc.Invited = e.Invited
				rate := float64(n) / float64(e.Invited)
				rc.Rate = &rate
			}
		}
		res.Responses = append(res.Responses, rc)
	}
	return res
}

// piece is a cell as suppression sees it.
type piece struct {
	group analytics.Group
	item  string
	size  int
}

type pieceKey struct {
	group analytics.Group
	item  string
}

func (p piece) key() pieceKey { return pieceKey{p.group, p.item} }

// suppression applies the README's privacy rules for funders to cells (in result order):
// every cell under the threshold is a small cell; then, dimension by dimension in the order
// of by and again until nothing changes, every line (the cells that differ only by that
// dimension, and the same matrix row) that hides some cells must hide at least two holding
// together at least the threshold, or all of its cells; it hides its smallest shown cells
// (the first in result order among equal sizes) one at a time until it does.
func (r *ref) suppression(cells []piece) map[pieceKey]analytics.Suppression {
	out := map[pieceKey]analytics.Suppression{}
	if r.req.Audience == analytics.Coordinator {
		return out
	}
	for _, c := range cells {
		if c.size < r.threshold {
			out[c.key()] = analytics.SmallCell
		} else if why := r.published[only(c.group, r.publishedBy)]; why != "" {
			out[c.key()] = why
		}
	}
	if len(out) == 0 {
		return out
	}
	safe := func(line []piece) bool {
		count, total := 0, 0
		for _, c := range line {
			if out[c.key()] != "" {
				count++
				total += c.size
			}
		}
		return count == 0 || (count >= 2 && total >= r.threshold)
	}
	// Lines are completed along the request's margins (every dimension of by unless it names
	// them), and for a text question, whose comments show their edition, along every
	// dimension but the edition.
	lines := r.req.By
	if r.req.Margins != nil {
		lines = nil
		for _, d := range r.req.By {
			if slices.Contains(r.req.Margins, d) || r.latest != nil && kindOf(r.latest) == kindComment && d != analytics.Edition {
				lines = append(lines, d)
			}
		}
	}
	for again := true; again; {
		again = false
		for _, d := range lines {
			lines := map[pieceKey][]piece{}
			var order []pieceKey
			for _, c := range cells {
				k := pieceKey{without(c.group, d), c.item}
				if lines[k] == nil {
					order = append(order, k)
				}
				lines[k] = append(lines[k], c)
			}
			for _, k := range order {
				line := lines[k]
				for !safe(line) {
					next := -1
					for i, c := range line {
						if out[c.key()] == "" && (next < 0 || c.size < line[next].size) {
							next = i
						}
					}
					if next < 0 {
						break // every cell of the line is hidden
					}
					out[line[next].key()] = analytics.Complementary
					again = true
				}
			}
		}
	}
	return out
}

// kind says which part of an answer counts for q, as the README's per-type list says.
type kind int

const (
	kindText    kind = iota // a single choice, yes/no, a date: Answer.Text
	kindChoices             // multiple choice: Answer.Choices
	kindNumber              // Likert and matrix points, ratings, numbers: Answer.Num
	kindComment             // free text: who answered, and the comments
)

func kindOf(q *survey.Question) kind {
	switch q.Type {
	case survey.SingleChoice, survey.YesNo, survey.Date:
		return kindText
	case survey.MultipleChoice:
		return kindChoices
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		return kindNumber
	}
	return kindComment
}

// isNPS: a rating from 0 to 10.
func isNPS(q *survey.Question) bool {
	if q.Type != survey.Rating {
		return false
	}
	lo, hi := ratingBounds(q)
	return lo == 0 && hi == 10
}

// ratingBounds are a rating's bounds: 0 to 10 unless Min or Max say otherwise.
func ratingBounds(q *survey.Question) (lo, hi float64) {
	lo, hi = 0, 10
	if q.Min != nil {
		lo = *q.Min
	}
	if q.Max != nil {
		hi = *q.Max
	}
	return lo, hi
}

// pick finds the question in the forms of the editions in scope and checks that it may be
// pooled when the result does not separate editions.
func (r *ref) pick(key string) error {
	if len(r.survey.Editions) == 0 {
		return malformed()
	}
	r.asked = map[int]*survey.Question{}
	for _, e := range r.editions {
		if q, _, ok := r.forms[e.Year].Question(key); ok {
			r.asked[e.Year] = q
			r.latest = q
		}
	}
	if r.latest == nil || r.latest.Type == survey.Note {
		return malformed()
	}
	if slices.Contains(r.req.By, analytics.Edition) {
		return nil
	}
	prev := 0
	for _, e := range r.editions {
		if r.asked[e.Year] == nil {
			continue
		}
		if prev != 0 {
			if _, ok := comparable(r.asked[prev], prev, r.asked[e.Year], e.Year); !ok {
				return malformed()
			}
		}
		prev = e.Year
	}
	return nil
}

// comparable applies the README's rules for comparing a question between two editions.
func comparable(a *survey.Question, from int, b *survey.Question, to int) (analytics.Reason, bool) {
	if a == nil || b == nil {
		return analytics.NotAsked, false
	}
	if from < a.ChangedIn && a.ChangedIn <= to || from < b.ChangedIn && b.ChangedIn <= to {
		return analytics.Reworded, false
	}
	if a.Type != b.Type {
		return analytics.TypeChanged, false
	}
	keys := func(q *survey.Question) []string {
		var out []string
		for _, c := range q.Choices {
			out = append(out, c.Key)
		}
		return out
	}
	switch a.Type {
	case survey.Likert, survey.Matrix:
		if !slices.Equal(keys(a), keys(b)) {
			return analytics.ScaleChanged, false
		}
	case survey.Rating:
		alo, ahi := ratingBounds(a)
		blo, bhi := ratingBounds(b)
		if alo != blo || ahi != bhi {
			return analytics.ScaleChanged, false
		}
	case survey.Calculate: // compared as parsed: spacing and quotes aside
		ea, errA := expr.Parse(a.Calculation)
		eb, errB := expr.Parse(b.Calculation)
		if errA != nil || errB != nil || ea.String() != eb.String() {
			return analytics.CalculationChanged, false
		}
	case survey.SingleChoice, survey.MultipleChoice:
		ka, kb := keys(a), keys(b)
		slices.Sort(ka)
		slices.Sort(kb)
		if !slices.Equal(ka, kb) || a.MinSelected != b.MinSelected || a.MaxSelected != b.MaxSelected {
			return analytics.ChoicesChanged, false
		}
	}
	return "", true
}

func hasItem(q *survey.Question, item string) bool {
	return slices.ContainsFunc(q.Items, func(c survey.Choice) bool { return c.Key == item })
}

// questionOf is the question as edition year asks it, or as the latest form does.
func (r *ref) questionOf(year int) *survey.Question {
	if q := r.asked[year]; q != nil {
		return q
	}
	return r.latest
}

// raw is one cell's answers as given.
type raw struct {
	group analytics.Group
	item  string
	nums  []float64
	texts []string
	picks [][]string
	n     int
}

var yesNo = map[string]survey.Text{
	"yes": {survey.French: "Oui", survey.English: "Yes", survey.Spanish: "Sí"},
	"no":  {survey.French: "Non", survey.English: "No", survey.Spanish: "No"},
}

// questionResult computes one question's cells, changes and comments.
func (r *ref) questionResult() *analytics.Result {
	res := r.base()
	res.Question = r.info()
	key := r.latest.Key
	raws := map[pieceKey]*raw{}
	for _, resp := range r.kept {
		q := r.questionOf(resp.Edition)
		for _, a := range resp.Answers {
			if a.Question != key {
				continue
			}
			g := only(profile(resp), r.req.By)
			c := raws[pieceKey{g, a.Item}]
			if c == nil {
				c = &raw{group: g, item: a.Item}
				raws[pieceKey{g, a.Item}] = c
			}
			switch kindOf(q) {
			case kindNumber:
				if a.HasNum {
					c.nums = append(c.nums, a.Num)
					c.n++
				}
			case kindText, kindComment:
				if a.Text != "" {
					c.texts = append(c.texts, a.Text)
					c.n++
				}
			case kindChoices:
				if len(a.Choices) > 0 {
					c.picks = append(c.picks, a.Choices)
					c.n++
				}
			}
		}
	}
	var cells []*raw
	for _, c := range raws {
		if c.n > 0 {
			cells = append(cells, c)
		}
	}
	rank := func(item string) int {
		return slices.IndexFunc(r.latest.Items, func(c survey.Choice) bool { return c.Key == item })
	}
	slices.SortFunc(cells, func(a, b *raw) int {
		return cmp.Or(byGroup(a.group, b.group), cmp.Compare(rank(a.item), rank(b.item)), strings.Compare(a.item, b.item))
	})
	pieces := make([]piece, len(cells))
	full := make([]analytics.Cell, len(cells))
	for i, c := range cells {
		pieces[i] = piece{c.group, c.item, c.n}
		full[i] = r.cell(c)
	}
	hidden := r.suppression(pieces)
	if r.req.Compare {
		res.Changes, res.NotCompared = r.changes(cells, full, hidden)
	}
	for i, c := range cells {
		if why := hidden[pieces[i].key()]; why != "" {
			res.Cells = append(res.Cells, analytics.Cell{Group: c.group, Item: c.item, Suppressed: why})
			continue
		}
		n := c.n
		full[i].N = &n
		res.Cells = append(res.Cells, full[i])
	}
	if kindOf(r.latest) == kindComment {
		// A table by country and edition alone counts each country's comments: its hidden
		// cells hide their comments' country too.
		hiddenCountries := map[analytics.Group]bool{}
		if !slices.ContainsFunc(r.publishedBy, func(d analytics.Dimension) bool { return d != analytics.Edition && d != analytics.Country }) {
			for g := range r.published {
				for _, c := range cells {
					if only(c.group, r.publishedBy) == g {
						hiddenCountries[analytics.Group{Edition: c.group.Edition, Country: c.group.Country}] = true
					}
				}
			}
		}
		if len(r.req.By) == 2 && slices.Contains(r.req.By, analytics.Country) && slices.Contains(r.req.By, analytics.Edition) {
			for i, c := range cells {
				if hidden[pieces[i].key()] != "" {
					hiddenCountries[analytics.Group{Edition: c.group.Edition, Country: c.group.Country}] = true
				}
			}
		}
		res.Comments = r.comments(hiddenCountries)
	}
	return res
}

func (r *ref) label(t survey.Text) string { return t.In(r.lang, r.survey.DefaultLanguage) }

// info describes the question as the latest form in scope asks it.
func (r *ref) info() *analytics.QuestionInfo {
	q := r.latest
	info := &analytics.QuestionInfo{Key: q.Key, Type: q.Type, Label: r.label(q.Label), NPS: isNPS(q)}
	for _, c := range q.Choices {
		info.Choices = append(info.Choices, analytics.Label{Key: c.Key, Label: r.label(c.Label)})
	}
	if q.Type == survey.YesNo {
		for _, k := range []string{"yes", "no"} {
			info.Choices = append(info.Choices, analytics.Label{Key: k, Label: yesNo[k].In(r.lang, survey.DefaultLanguage)})
		}
	}
	for _, it := range q.Items {
		info.Items = append(info.Items, analytics.Label{Key: it.Key, Label: r.label(it.Label)})
	}
	return info
}

// cell computes every statistic of one cell, before suppression.
func (r *ref) cell(c *raw) analytics.Cell {
	q := r.questionOf(c.group.Edition)
	out := analytics.Cell{Group: c.group, Item: c.item}
	switch kindOf(q) {
	case kindText:
		if q.Type == survey.Date {
			out.Dates = dates(c.texts)
		} else {
			out.Choices = r.choices(q, c.texts, c.n)
		}
	case kindChoices:
		out.Choices = r.choices(q, slices.Concat(c.picks...), c.n)
	case kindNumber:
		out.Scale, out.NPS = r.scale(q, c.nums)
	}
	return out
}

// choices counts each choice of q (yes and no first for a yes/no question), then values q
// does not offer, sorted; shares are of the n respondents.
func (r *ref) choices(q *survey.Question, picked []string, n int) []analytics.ChoiceStat {
	count := map[string]int{}
	for _, p := range picked {
		count[p]++
	}
	var out []analytics.ChoiceStat
	add := func(key, label string) {
		k := count[key]
		out = append(out, analytics.ChoiceStat{Key: key, Label: label, Count: k, Share: float64(k) / float64(n), CI: wilson(k, n)})
		delete(count, key)
	}
	if q.Type == survey.YesNo {
		for _, k := range []string{"yes", "no"} {
			add(k, yesNo[k].In(r.lang, survey.DefaultLanguage))
		}
	}
	for _, c := range q.Choices {
		add(c.Key, r.label(c.Label))
	}
	var extra []string
	for k := range count {
		extra = append(extra, k)
	}
	slices.Sort(extra)
	for _, k := range extra {
		add(k, k)
	}
	return out
}

// scale summarises numeric answers, with top-2-box on Likert and matrix scales and NPS on
// 0–10 ratings.
func (r *ref) scale(q *survey.Question, nums []float64) (*analytics.ScaleStat, *analytics.NPSStat) {
	xs := sortedCopy(nums)
	n := len(xs)
	mean, v := moments(xs)
	s := &analytics.ScaleStat{Mean: mean, SD: math.Sqrt(v), MeanCI: meanInterval(xs), Min: xs[0],
		Q1: quantile7(xs, 0.25), Median: quantile7(xs, 0.5), Q3: quantile7(xs, 0.75), Max: xs[n-1]}
	countOf := func(p float64) int {
		k := 0
		for _, x := range xs {
			if x == p {
				k++
			}
		}
		return k
	}
	switch q.Type {
	case survey.Likert, survey.Matrix:
		k := len(q.Choices)
		for i, c := range q.Choices {
			s.Points = append(s.Points, analytics.PointStat{Value: float64(i + 1), Key: c.Key, Label: r.label(c.Label), Count: countOf(float64(i + 1))})
		}
		top := countOf(float64(k)) + countOf(float64(k-1))
		s.Top2 = &analytics.ShareStat{Count: top, Share: float64(top) / float64(n), CI: wilson(top, n)}
	case survey.Rating:
		lo, hi := ratingBounds(q)
		if hi-lo <= 20 {
			for p := math.Ceil(lo); p <= hi; p++ {
				s.Points = append(s.Points, analytics.PointStat{Value: p, Count: countOf(p)})
			}
		}
	}
	if !isNPS(q) {
		return s, nil
	}
	return s, nps(xs)
}

// npsScores maps 0–10 ratings to +100 (9–10), 0 (7–8) and −100 (0–6).
func npsScores(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		switch {
		case x == 9 || x == 10:
			out[i] = 100
		case x == 7 || x == 8:
			out[i] = 0
		default:
			out[i] = -100
		}
	}
	return out
}

// nps is the net promoter score as the mean of the ±100/0 scores, with its t interval.
func nps(xs []float64) *analytics.NPSStat {
	scores := npsScores(xs)
	n := len(scores)
	var p, pa, d int
	for _, s := range scores {
		switch s {
		case 100:
			p++
		case 0:
			pa++
		default:
			d++
		}
	}
	share := func(k int) analytics.ShareStat {
		return analytics.ShareStat{Count: k, Share: float64(k) / float64(n), CI: wilson(k, n)}
	}
	mean, _ := moments(scores)
	return &analytics.NPSStat{Score: mean, CI: meanInterval(scores), Promoters: share(p), Passives: share(pa), Detractors: share(d)}
}

// dates gives the first, median (lower middle), last dates and the count of each month.
func dates(xs []string) *analytics.DateStat {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	s := &analytics.DateStat{First: xs[0], Median: xs[(len(xs)-1)/2], Last: xs[len(xs)-1]}
	for _, x := range xs {
		m := x[:min(7, len(x))]
		if len(s.Months) == 0 || s.Months[len(s.Months)-1].Month != m {
			s.Months = append(s.Months, analytics.MonthCount{Month: m})
		}
		s.Months[len(s.Months)-1].Count++
	}
	return s
}

// changes compares each edition in scope with the previous one, cell by cell; a change is
// withheld when either of its cells is.
func (r *ref) changes(cells []*raw, full []analytics.Cell, hidden map[pieceKey]analytics.Suppression) ([]analytics.Change, []analytics.NotCompared) {
	at := map[pieceKey]int{}
	var groups []pieceKey
	for i, c := range cells {
		at[pieceKey{c.group, c.item}] = i
		k := pieceKey{without(c.group, analytics.Edition), c.item}
		if !slices.Contains(groups, k) {
			groups = append(groups, k)
		}
	}
	var out []analytics.Change
	var not []analytics.NotCompared
	for i := 1; i < len(r.editions); i++ {
		from, to := r.editions[i-1].Year, r.editions[i].Year
		qa, qb := r.asked[from], r.asked[to]
		if qa == nil && qb == nil {
			continue
		}
		if reason, ok := comparable(qa, from, qb, to); !ok {
			not = append(not, analytics.NotCompared{From: from, To: to, Reason: reason})
			continue
		}
		if qb.Type == survey.Matrix {
			for _, it := range qb.Items {
				if !hasItem(qa, it.Key) {
					not = append(not, analytics.NotCompared{From: from, To: to, Item: it.Key, Reason: analytics.NotAsked})
				}
			}
		}
		for _, g := range groups {
			ga, gb := g.group, g.group
			ga.Edition, gb.Edition = from, to
			ia, okA := at[pieceKey{ga, g.item}]
			ib, okB := at[pieceKey{gb, g.item}]
			if !okA || !okB || qb.Type == survey.Matrix && !(hasItem(qa, g.item) && hasItem(qb, g.item)) {
				continue
			}
			why := cmp.Or(hidden[pieceKey{ga, g.item}], hidden[pieceKey{gb, g.item}])
			a, b := cells[ia], cells[ib]
			ca, cb := full[ia], full[ib]
			var list []analytics.Change
			shareChange := func(m analytics.Measure, choice string, ka, kb int) {
				list = append(list, change(m, choice, a.n, float64(ka)/float64(a.n), b.n, float64(kb)/float64(b.n), newcombe(ka, a.n, kb, b.n)))
			}
			if ca.Choices != nil && cb.Choices != nil {
				for _, chb := range cb.Choices {
					ka := 0
					if j := slices.IndexFunc(ca.Choices, func(x analytics.ChoiceStat) bool { return x.Key == chb.Key }); j >= 0 {
						ka = ca.Choices[j].Count
					}
					shareChange(analytics.MeasureShare, chb.Key, ka, chb.Count)
				}
			}
			if ca.Scale != nil && cb.Scale != nil {
				ma, _ := moments(a.nums)
				mb, _ := moments(b.nums)
				list = append(list, change(analytics.MeasureMean, "", a.n, ma, b.n, mb, welch(a.nums, b.nums)))
				if ca.Scale.Top2 != nil && cb.Scale.Top2 != nil {
					shareChange(analytics.MeasureTop2, "", ca.Scale.Top2.Count, cb.Scale.Top2.Count)
				}
			}
			if ca.NPS != nil && cb.NPS != nil {
				sa, sb := npsScores(a.nums), npsScores(b.nums)
				ma, _ := moments(sa)
				mb, _ := moments(sb)
				list = append(list, change(analytics.MeasureNPS, "", a.n, ma, b.n, mb, welch(sa, sb)))
			}
			for _, ch := range list {
				ch.Group, ch.Item = g.group, g.item
				ch.From.Edition, ch.To.Edition = from, to
				if why != "" {
					ch = analytics.Change{Group: g.group, Item: g.item, Measure: ch.Measure, Choice: ch.Choice,
						From: analytics.ChangePoint{Edition: from}, To: analytics.ChangePoint{Edition: to}, Suppressed: why}
				}
				out = append(out, ch)
			}
		}
	}
	return out, not
}

func change(m analytics.Measure, choice string, na int, va float64, nb int, vb float64, ci *analytics.Interval) analytics.Change {
	d := vb - va
	return analytics.Change{Measure: m, Choice: choice,
		From: analytics.ChangePoint{N: &na, Value: &va}, To: analytics.ChangePoint{N: &nb, Value: &vb},
		Delta: &d, CI: ci, Significant: ci != nil && (0 < ci.Low || 0 > ci.High)}
}

// comments lists a page of the non-empty answers, newest edition first, then latest
// submitted (to the second), then profile and text; funders see only the edition and
// country of a comment, each when its cell of respondents reaches the threshold (and, for the
// country, is not among hiddenCountries), and no comment when fewer than the threshold
// answered.
func (r *ref) comments(hiddenCountries map[analytics.Group]bool) *analytics.Comments {
	type comment struct {
		group analytics.Group
		at    time.Time
		text  string
	}
	var all []comment
	editions, countries := map[int]int{}, map[analytics.Group]int{}
	for _, resp := range r.kept {
		for _, a := range resp.Answers {
			if a.Question == r.latest.Key && a.Text != "" {
				g := profile(resp)
				all = append(all, comment{g, resp.SubmittedAt.Truncate(time.Second), a.Text})
				editions[g.Edition]++
				countries[analytics.Group{Edition: g.Edition, Country: g.Country}]++
			}
		}
	}
	slices.SortFunc(all, func(a, b comment) int {
		return cmp.Or(cmp.Compare(b.group.Edition, a.group.Edition), b.at.Compare(a.at), byGroup(a.group, b.group), strings.Compare(a.text, b.text))
	})
	out := &analytics.Comments{Offset: r.req.Page.Offset, List: []analytics.CommentView{}}
	if r.req.Audience != analytics.Coordinator && len(all) < r.threshold {
		out.Suppressed = analytics.SmallCell
		return out
	}
	total := len(all)
	out.Total = &total
	if r.req.Page.Offset >= len(all) {
		return out
	}
	for _, c := range all[r.req.Page.Offset:min(len(all), r.req.Page.Offset+r.req.Page.Limit)] {
		v := analytics.CommentView{Text: c.text}
		if r.req.Audience == analytics.Coordinator {
			v.Profile = c.group
			if !c.at.IsZero() {
				v.Submitted = c.at.UTC().Format(time.DateOnly)
			}
		} else if editions[c.group.Edition] >= r.threshold {
			v.Profile.Edition = c.group.Edition
			if g := (analytics.Group{Edition: c.group.Edition, Country: c.group.Country}); countries[g] >= r.threshold && !hiddenCountries[g] {
				v.Profile.Country = c.group.Country
			}
		}
		out.List = append(out.List, v)
	}
	return out
}
