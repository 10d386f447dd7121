package xlsform

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

var aroundEqualsRE = regexp.MustCompile(`\s*=\s*`)

// rangeQuestion reads a range question: parameters "start=0 end=10 step=1" (ODK's defaults
// are 1, 10 and 1). 0 to 10 by 1 is a rating; any other range a number with those bounds
// and that step, whole when start, end and step are.
func (r *reader) rangeQuestion(sh *sheet, rw row, q *survey.Question) bool {
	col := sh.header("parameters")
	p := map[string]float64{"start": 1, "end": 10, "step": 1}
	src := aroundEqualsRE.ReplaceAllString(sh.cell(rw, "parameters"), "=")
	for _, kv := range strings.FieldsFunc(src, func(c rune) bool { return c == ' ' || c == ',' || c == ';' }) {
		k, v, _ := strings.Cut(kv, "=")
		k = strings.ToLower(k)
		if _, known := p[k]; !known {
			r.problem(sh, rw.n, col, q.Key, "unknown range parameter %q: a range takes start, end and step", k)
			return false
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
			r.problem(sh, rw.n, col, q.Key, "range parameter %s=%q is not a number", k, v)
			return false
		}
		p[k] = f
	}
	start, end, step := p["start"], p["end"], p["step"]
	lo, hi := min(start, end), max(start, end)
	if steps := (hi - lo) / step; step <= 0 || math.Abs(steps-math.Round(steps)) > 1e-9 {
		r.problem(sh, rw.n, col, q.Key, "the step of a range must be positive and divide end − start")
		return false
	}
	if lo == 0 && hi == 10 && step == 1 {
		q.Type = survey.Rating
		return true
	}
	q.Type, q.Min, q.Max, q.Step = survey.Number, &lo, &hi, &step
	q.Integer = lo == math.Trunc(lo) && hi == math.Trunc(hi) && step == math.Trunc(step)
	return true
}

// bounds turns a constraint that only bounds the answer into the question's own limits, so
// that the form can show them and explain a mistake in the participant's language:
//
//	. >= 0 and . <= 500       (integer, decimal)  min and max
//	count-selected(.) <= 3    (select_multiple)   min_selected and max_selected
//	string-length(.) <= 500   (text)              max_length
//
// It does so only when the constraint has no constraint_message of its own, and leaves any
// other constraint as it is.
func (r *reader) bounds(q *survey.Question) {
	if q.Constraint == "" || q.ConstraintMessage != nil {
		return
	}
	e, err := expr.Parse(q.Constraint)
	if err != nil {
		return // survey.Compile reports it
	}
	b, err := e.MarshalJSON()
	if err != nil {
		return
	}
	var tree any
	if json.Unmarshal(b, &tree) != nil {
		return
	}
	var subject string
	switch q.Type {
	case survey.Number:
		subject = "self"
	case survey.MultipleChoice:
		subject = "count-selected"
	case survey.ShortText, survey.LongText:
		subject = "string-length"
	default:
		return
	}
	var lo, hi *float64
	for _, c := range conjuncts(tree) {
		op, n, ok := comparison(c, subject)
		if !ok {
			return
		}
		whole := subject != "self" || q.Integer
		switch {
		case op == ">" && whole:
			op, n = ">=", n+1
		case op == "<" && whole:
			op, n = "<=", n-1
		}
		switch {
		case op == ">=" && lo == nil:
			lo = &n
		case op == "<=" && hi == nil:
			hi = &n
		default:
			return
		}
	}
	switch subject {
	case "self":
		q.Min, q.Max = lo, hi
	case "count-selected":
		if !wholeAtLeast(lo, 0) || !wholeAtLeast(hi, 1) {
			return
		}
		q.MinSelected, q.MaxSelected = asInt(lo), asInt(hi)
	case "string-length":
		if lo != nil || !wholeAtLeast(hi, 1) || hi == nil {
			return
		}
		q.MaxLength = asInt(hi)
	}
	q.Constraint = ""
}

func wholeAtLeast(f *float64, least float64) bool {
	return f == nil || (*f == math.Trunc(*f) && *f >= least && *f <= 1e6)
}

func asInt(f *float64) int {
	if f == nil {
		return 0
	}
	return int(*f)
}

// conjuncts splits the JSON tree of an expression on "and".
func conjuncts(t any) []any {
	if a, ok := t.([]any); ok && len(a) == 4 && a[0] == "op" && a[1] == "and" {
		return append(conjuncts(a[2]), conjuncts(a[3])...)
	}
	return []any{t}
}

// comparison reads a comparison of the subject ("self" for ".", or a function of ".") with a
// number, written either way round, as subject op n.
func comparison(t any, subject string) (string, float64, bool) {
	a, ok := t.([]any)
	if !ok || len(a) != 4 || a[0] != "op" {
		return "", 0, false
	}
	op, _ := a[1].(string)
	flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
	if _, cmp := flip[op]; !cmp {
		return "", 0, false
	}
	if isSubject(a[2], subject) {
		n, ok := number(a[3])
		return op, n, ok
	}
	if isSubject(a[3], subject) {
		n, ok := number(a[2])
		return flip[op], n, ok
	}
	return "", 0, false
}

func isSubject(t any, subject string) bool {
	a, ok := t.([]any)
	if !ok || len(a) == 0 {
		return false
	}
	if subject == "self" {
		return len(a) == 1 && a[0] == "self"
	}
	if len(a) != 3 || a[0] != "call" || a[1] != subject {
		return false
	}
	return isSubject(a[2], "self")
}

func number(t any) (float64, bool) {
	a, ok := t.([]any)
	if !ok || len(a) != 2 {
		return 0, false
	}
	switch a[0] {
	case "num":
		f, ok := a[1].(float64)
		return f, ok
	case "neg":
		f, ok := number(a[1])
		return -f, ok
	}
	return 0, false
}
