package web

import (
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// logic is what the page's script needs to apply skip logic as the server does: every
// section and question in form order, the order in which to work them out, with their relevant and constraint trees (see survey/expr
// for the tree and its semantics) and the limits that make a typed value count as answered.
// It is embedded in the page as JSON.
type logic struct {
	Sections []logicSection `json:"sections"`
	// Order lists every question as [section, question] indexes, in the order their values
	// are worked out (survey.Compiled.Order): an expression may refer to a later question.
	Order [][2]int `json:"order"`
}

type logicSection struct {
	Key       string          `json:"key,omitempty"`
	Relevant  *expr.Expr      `json:"relevant,omitempty"`
	Questions []logicQuestion `json:"questions"`
}

type logicQuestion struct {
	Key        string              `json:"key"`
	Type       survey.QuestionType `json:"type"`
	Relevant   *expr.Expr          `json:"relevant,omitempty"`
	Constraint *expr.Expr          `json:"constraint,omitempty"`
	Min        *float64            `json:"min,omitempty"`
	Max        *float64            `json:"max,omitempty"`
	Integer    bool                `json:"integer,omitempty"`
	Step       *float64            `json:"step,omitempty"`
	StepBase   float64             `json:"step_base,omitempty"`
	MinSel     int                 `json:"min_selected,omitempty"`
	MaxSel     int                 `json:"max_selected,omitempty"`
	MaxLength  int                 `json:"max_length,omitempty"`
	// Calculation: a calculate question's expression, whose value the page shows.
	Calculation *expr.Expr `json:"calculation,omitempty"`
	// Filter: a choice filter, with the columns of each choice it reads, by choice key.
	Filter  *expr.Expr                   `json:"filter,omitempty"`
	Columns map[string]map[string]string `json:"columns,omitempty"`
}

func newLogic(cf *survey.Compiled) logic {
	var l logic
	for _, s := range cf.Form.Sections {
		ls := logicSection{Key: s.Key, Relevant: cf.Relevant(s.Key), Questions: []logicQuestion{}}
		if s.Key == "" {
			ls.Relevant = nil
		}
		for i := range s.Questions {
			q := &s.Questions[i]
			lq := logicQuestion{Key: q.Key, Type: q.Type, Relevant: cf.Relevant(q.Key), Constraint: cf.Constraint(q.Key),
				Integer: q.Integer || q.Type == survey.Rating, MinSel: q.MinSelected, MaxSel: q.MaxSelected}
			lq.Calculation = cf.Calculation(q.Key)
			if f := cf.ChoiceFilter(q.Key); f != nil {
				lq.Filter, lq.Columns = f, map[string]map[string]string{}
				for _, c := range q.Choices {
					cols := map[string]string{}
					for _, name := range f.Columns() {
						if v, ok := c.Columns[name]; ok {
							cols[name] = v
						}
					}
					cols["name"] = c.Key
					lq.Columns[c.Key] = cols
				}
			}
			switch q.Type {
			case survey.Number, survey.Rating:
				lo, hasLo, hi, hasHi := q.Bounds()
				if hasLo {
					lq.Min = &lo
				}
				if hasHi {
					lq.Max = &hi
				}
				if q.Step != nil {
					lq.Step, lq.StepBase = q.Step, q.StepBase()
				}
			case survey.ShortText, survey.LongText:
				lq.MaxLength = q.TextLimit()
			}
			ls.Questions = append(ls.Questions, lq)
		}
		l.Sections = append(l.Sections, ls)
	}
	l.Order = make([][2]int, 0, len(cf.Order()))
	for _, p := range cf.Order() {
		l.Order = append(l.Order, [2]int{p.Section, p.Question})
	}
	return l
}
