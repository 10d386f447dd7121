package web

import (
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// formBody is an edition's form as the JSON API gives it. Texts are strings in Language,
// or objects by language when Language is "all". The README ("JSON API") documents it.
type formBody struct {
	SurveyID        string        `json:"survey_id"`
	Edition         editionBody   `json:"edition"`
	Version         int           `json:"version"`
	Language        string        `json:"language"`
	DefaultLanguage string        `json:"default_language"`
	Languages       []string      `json:"languages"`
	Title           text          `json:"title"`
	Profile         profileBody   `json:"profile"`
	Sections        []sectionBody `json:"sections"`
	// Order lists every question as [section, question] indexes, in the order skip logic
	// and calculations are worked out: an expression may refer to a later question.
	Order [][2]int `json:"order"`
}

type profileBody struct {
	Countries []choiceBody `json:"countries"`
	// Organisations to pick from; when empty the organisation is typed, at most
	// OrganisationMaxLength characters.
	Organisations         []choiceBody `json:"organisations"`
	OrganisationMaxLength int          `json:"organisation_max_length"`
	Roles                 []choiceBody `json:"roles"`
}

type choiceBody struct {
	Key     string            `json:"key"`
	Label   text              `json:"label"`
	Columns map[string]string `json:"columns,omitempty"`
}

type sectionBody struct {
	Key         string         `json:"key,omitempty"`
	Label       text           `json:"label,omitzero"`
	Relevant    string         `json:"relevant,omitempty"`
	RelevantAST *expr.Expr     `json:"relevant_ast,omitempty"`
	Questions   []questionBody `json:"questions"`
}

type questionBody struct {
	Key               string              `json:"key"`
	Type              survey.QuestionType `json:"type"`
	Label             text                `json:"label"`
	Hint              text                `json:"hint,omitzero"`
	Required          bool                `json:"required"`
	Relevant          string              `json:"relevant,omitempty"`
	RelevantAST       *expr.Expr          `json:"relevant_ast,omitempty"`
	Constraint        string              `json:"constraint,omitempty"`
	ConstraintAST     *expr.Expr          `json:"constraint_ast,omitempty"`
	ConstraintMessage text                `json:"constraint_message,omitzero"`
	Choices           []choiceBody        `json:"choices,omitempty"`
	Items             []choiceBody        `json:"items,omitempty"`
	MinSelected       int                 `json:"min_selected,omitempty"`
	MaxSelected       int                 `json:"max_selected,omitempty"`
	Min               *float64            `json:"min,omitempty"`
	Max               *float64            `json:"max,omitempty"`
	Integer           bool                `json:"integer,omitempty"`
	Step              *float64            `json:"step,omitempty"`
	MaxLength         int                 `json:"max_length,omitempty"`
	Calculation       string              `json:"calculation,omitempty"`
	CalculationAST    *expr.Expr          `json:"calculation_ast,omitempty"`
	ChoiceFilter      string              `json:"choice_filter,omitempty"`
	ChoiceFilterAST   *expr.Expr          `json:"choice_filter_ast,omitempty"`
}

func newFormBody(ed *edition, eb editionBody, lang, label string) formBody {
	cf := ed.form.cf
	f := cf.Form
	def := f.DefaultLanguage
	tx := func(t survey.Text) text { return text{t, lang, def} }
	choices := func(cs []survey.Choice) []choiceBody {
		out := make([]choiceBody, 0, len(cs))
		for _, c := range cs {
			out = append(out, choiceBody{Key: c.Key, Label: tx(c.Label), Columns: c.Columns})
		}
		return out
	}
	roles := f.Profile.Roles
	if len(roles) == 0 {
		roles = survey.DefaultRoles
	}
	b := formBody{SurveyID: f.SurveyID, Edition: eb, Version: f.Version, Language: label,
		DefaultLanguage: def, Languages: f.Languages, Title: tx(f.Title),
		Profile: profileBody{Organisations: choices(f.Profile.Organisations), Roles: choices(roles),
			OrganisationMaxLength: survey.MaxOrganisationLength}}
	for _, code := range f.Profile.Countries {
		name, ok := survey.CountryText(code)
		if !ok {
			name = survey.Text{def: code}
		}
		b.Profile.Countries = append(b.Profile.Countries, choiceBody{Key: code, Label: text{name, lang, survey.DefaultLanguage}})
	}
	for _, s := range f.Sections {
		sb := sectionBody{Key: s.Key, Label: tx(s.Label), Questions: []questionBody{}}
		if s.Key != "" {
			sb.Relevant, sb.RelevantAST = s.Relevant, cf.Relevant(s.Key)
		}
		for i := range s.Questions {
			q := &s.Questions[i]
			qb := questionBody{Key: q.Key, Type: q.Type, Label: tx(q.Label), Hint: tx(q.Hint), Required: q.Required,
				Relevant: q.Relevant, RelevantAST: cf.Relevant(q.Key),
				Constraint: q.Constraint, ConstraintAST: cf.Constraint(q.Key), ConstraintMessage: tx(q.ConstraintMessage),
				Choices: choices(q.Choices), Items: choices(q.Items),
				MinSelected: q.MinSelected, MaxSelected: q.MaxSelected, Integer: q.Integer}
			switch q.Type {
			case survey.YesNo:
				qb.Choices = choices([]survey.Choice{{Key: "yes", Label: ui["yes"]}, {Key: "no", Label: ui["no"]}})
			case survey.Number, survey.Rating:
				lo, hasLo, hi, hasHi := q.Bounds()
				if hasLo {
					qb.Min = &lo
				}
				if hasHi {
					qb.Max = &hi
				}
				qb.Integer = q.Integer || q.Type == survey.Rating
				qb.Step = q.Step
			case survey.ShortText, survey.LongText:
				qb.MaxLength = q.TextLimit()
			}
			if e := cf.Calculation(q.Key); e != nil {
				qb.Calculation, qb.CalculationAST = q.Calculation, e
			}
			if e := cf.ChoiceFilter(q.Key); e != nil {
				qb.ChoiceFilter, qb.ChoiceFilterAST = q.ChoiceFilter, e
			}
			if q.Relevant == "" {
				qb.RelevantAST = nil
			}
			if q.Constraint == "" {
				qb.ConstraintAST = nil
			}
			sb.Questions = append(sb.Questions, qb)
		}
		b.Sections = append(b.Sections, sb)
	}
	b.Order = make([][2]int, 0, len(cf.Order()))
	for _, p := range cf.Order() {
		b.Order = append(b.Order, [2]int{p.Section, p.Question})
	}
	return b
}
