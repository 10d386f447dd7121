package reports

import (
	"strconv"
	"strings"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// In returns the report with its labels in lang (fr, en or es): title, questions, choices,
// points, rows and the reasons editions are not compared, from the survey and codebook it
// carries. Figures are shared with r, not copied: neither report may be changed. A published
// dashboard is computed once and shown in every language this way.
func (r *Report) In(lang string) *Report {
	if lang == r.Request.Language {
		return r
	}
	out := *r
	out.Request.Language = lang
	fb := r.Survey.DefaultLanguage
	out.Title = r.Survey.Title.In(lang, fb)
	out.Questions = make([]*analytics.Result, len(r.Questions))
	for i, q := range r.Questions {
		out.Questions[i] = r.relabel(q, lang)
	}
	return &out
}

// relabel is a question's result with its labels in lang.
func (r *Report) relabel(q *analytics.Result, lang string) *analytics.Result {
	if q.Question == nil {
		return q
	}
	e, ok := r.Entry(q.Question.Key)
	if !ok {
		return q
	}
	fb := r.Survey.DefaultLanguage
	labels := map[string]string{}
	for _, c := range e.Choices {
		labels[c.Key] = c.Label.In(lang, fb)
	}
	if e.Type == survey.YesNo {
		for _, c := range yesNoChoices {
			labels[c.Key] = c.Label.In(lang, survey.DefaultLanguage)
		}
	}
	items := map[string]string{}
	for _, c := range e.Items {
		items[c.Key] = c.Label.In(lang, fb)
	}
	name := func(ls []analytics.Label, from map[string]string) []analytics.Label {
		out := make([]analytics.Label, len(ls))
		for i, l := range ls {
			out[i] = l
			if t, ok := from[l.Key]; ok {
				out[i].Label = t
			}
		}
		return out
	}
	out := *q
	info := *q.Question
	info.Label = e.Label.In(lang, fb)
	info.Choices, info.Items = name(info.Choices, labels), name(info.Items, items)
	out.Question = &info
	// A cell's points are worded as its edition's form words them.
	labelIn := func(edition int, key string) (string, bool) {
		for _, c := range e.EditionChoices[edition] {
			if c.Key == key {
				return c.Label.In(lang, fb), true
			}
		}
		t, ok := labels[key]
		return t, ok
	}
	out.Cells = make([]analytics.Cell, len(q.Cells))
	for i, c := range q.Cells {
		if len(c.Choices) > 0 {
			cs := make([]analytics.ChoiceStat, len(c.Choices))
			for j, ch := range c.Choices {
				cs[j] = ch
				if t, ok := labelIn(c.Group.Edition, ch.Key); ok {
					cs[j].Label = t
				}
			}
			c.Choices = cs
		}
		if c.Scale != nil && len(c.Scale.Points) > 0 {
			s := *c.Scale
			s.Points = make([]analytics.PointStat, len(c.Scale.Points))
			for j, p := range c.Scale.Points {
				s.Points[j] = p
				if t, ok := labelIn(c.Group.Edition, p.Key); ok && p.Key != "" {
					s.Points[j].Label = t
				}
			}
			c.Scale = &s
		}
		out.Cells[i] = c
	}
	out.NotCompared = make([]analytics.NotCompared, len(q.NotCompared))
	for i, n := range q.NotCompared {
		out.NotCompared[i] = n
		// The year a reason names ends its sentence in every language.
		if at := strings.LastIndexByte(n.Message, ' '); at >= 0 {
			if year, err := strconv.Atoi(n.Message[at+1:]); err == nil {
				out.NotCompared[i].Message = analytics.ReasonMessage(n.Reason, year, lang)
			}
		}
	}
	return &out
}
