package analytics

import (
	"context"
	"slices"
	"strconv"

	"github.com/palabre/palabre/survey"
)

// scope is what a request reads: its survey, the editions its filter keeps, and their forms.
type scope struct {
	req       Request
	lang      string
	survey    survey.Survey
	editions  []survey.Edition     // in scope, oldest first
	forms     map[int]*survey.Form // by edition year
	threshold int
}

// plan is a scope narrowed to one question, as each edition's form asks it.
type plan struct {
	*scope
	questions map[int]*survey.Question // by edition year; nil when that form does not ask it
	latest    *survey.Question         // as the latest edition in scope that asks it words it
}

// newScope checks req and reads its survey and editions from the catalog, and their forms
// when withForms.
func newScope(ctx context.Context, cat survey.Catalog, req Request, threshold int, withForms bool) (*scope, error) {
	req, err := req.normalise()
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
	s := &scope{req: req, survey: list[i], forms: map[int]*survey.Form{}, threshold: threshold}
	s.lang = req.Language
	if s.lang == "" {
		s.lang = s.survey.DefaultLanguage
	}
	years := req.Filter.Years()
	for _, y := range years {
		if _, ok := s.survey.Edition(y); !ok {
			return nil, &survey.Error{Code: survey.CodeMalformed, Message: survey.Msg(survey.MsgUnknownEdition, req.Survey, y)}
		}
	}
	for _, e := range s.survey.Editions {
		if years == nil || slices.Contains(years, e.Year) {
			s.editions = append(s.editions, e)
		}
	}
	slices.SortFunc(s.editions, func(a, b survey.Edition) int { return a.Year - b.Year })
	if len(s.editions) > maxEditionsInUse {
		return nil, errorf(msgTooManyValues, string(Edition), maxEditionsInUse)
	}
	if !withForms {
		return s, nil
	}
	byVersion := map[int]*survey.Form{}
	for _, e := range s.editions {
		f, ok := byVersion[e.FormVersion]
		if !ok {
			if f, err = cat.Form(ctx, s.survey.ID, e.FormVersion); err != nil {
				return nil, err
			}
			byVersion[e.FormVersion] = f
		}
		s.forms[e.Year] = f
	}
	return s, nil
}

// question narrows the scope to one question, checking that it exists, takes answers, and
// that its answers may be pooled across editions when the result does not separate them.
func (s *scope) question(key string) (*plan, error) {
	if len(s.survey.Editions) == 0 {
		return nil, errorf(msgNoEditions, s.survey.ID)
	}
	p := &plan{scope: s, questions: map[int]*survey.Question{}}
	for _, e := range s.editions {
		if q, _, ok := s.forms[e.Year].Question(key); ok {
			p.questions[e.Year] = q
			p.latest = q
		}
	}
	if p.latest == nil {
		return nil, &survey.Error{Code: survey.CodeMalformed, Message: survey.Msg(survey.MsgUnknownQuestion, key)}
	}
	if !p.latest.TakesAnswer() {
		return nil, errorf(msgNote, key)
	}
	if !slices.Contains(s.req.By, Edition) {
		prev := 0
		for _, e := range s.editions {
			q := p.questions[e.Year]
			if q == nil {
				continue
			}
			if prev != 0 {
				if reason, ok := Comparable(p.questions[prev], prev, q, e.Year); !ok {
					return nil, notPooled(key, prev, e.Year, reason)
				}
			}
			prev = e.Year
		}
	}
	return p, nil
}

// questionFor returns the question as edition year asks it, or as the latest edition does
// when the year is unknown (answers stored for an edition the catalog does not list).
func (p *plan) questionFor(year int) *survey.Question {
	if q := p.questions[year]; q != nil {
		return q
	}
	return p.latest
}

// query is the store query of the plan, optionally restricted to some editions.
func (s *scope) query(years []int) Query {
	f := s.req.Filter.clone()
	if years != nil {
		vals := make([]string, len(years))
		for i, y := range years {
			vals[i] = strconv.Itoa(y)
		}
		f[Edition] = vals
	}
	return Query{Survey: s.survey.ID, By: s.req.By, Filter: f}
}

// valueKinds groups the editions in scope that ask the question by how their answers are
// read; one store call per kind (usually one).
func (p *plan) valueKinds() map[Value][]int {
	out := map[Value][]int{}
	for _, e := range p.editions {
		if q := p.questions[e.Year]; q != nil {
			v := valueOf(q)
			out[v] = append(out[v], e.Year)
		}
	}
	return out
}

// valueOf says which part of an answer to q its statistics count.
func valueOf(q *survey.Question) Value {
	switch q.Type {
	case survey.SingleChoice, survey.YesNo, survey.Date, survey.Acknowledge:
		return ValueText
	case survey.MultipleChoice:
		return ValueChoices
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		return ValueNumber
	case survey.Calculate: // stored with its Text, and its Num when it reads as a number
		if q.CalculatesNumber() {
			return ValueNumber
		}
		return ValueText
	default:
		return ValueAnswered
	}
}

// hasNPS reports whether q is a 0–10 rating.
func hasNPS(q *survey.Question) bool {
	lo, _, hi, _ := q.Bounds()
	return q.Type == survey.Rating && lo == 0 && hi == 10
}

func itoa(n int) string { return strconv.Itoa(n) }
