package survey

import (
	"github.com/palabre/palabre/survey/expr"
)

// Compiled is a checked form, with its expressions parsed, ready to render and to validate
// responses. It is immutable and safe for concurrent use.
type Compiled struct {
	Form       *Form
	relevant   map[string]*expr.Expr // by question or section key
	constraint map[string]*expr.Expr // by question key
	calc       map[string]*expr.Expr // calculations, by question key
	filter     map[string]*expr.Expr // choice filters, by question key
	countries  map[string]bool
	roles      map[string]bool
	orgs       map[string]bool
	languages  map[string]bool
	warnings   []Problem
}

// Compile checks f and prepares it. It reports every problem of the definition at once, as
// a *DefinitionError.
func Compile(f *Form) (*Compiled, error) {
	c := &checker{}
	c.form(f)
	cf := &Compiled{
		Form:       f,
		relevant:   map[string]*expr.Expr{},
		constraint: map[string]*expr.Expr{},
		calc:       map[string]*expr.Expr{},
		filter:     map[string]*expr.Expr{},
		countries:  set(f.Profile.Countries),
		roles:      map[string]bool{},
		orgs:       map[string]bool{},
		languages:  set(f.Languages),
	}
	for _, r := range f.Profile.Roles {
		cf.roles[r.Key] = true
	}
	for _, o := range f.Profile.Organisations {
		cf.orgs[o.Key] = true
	}
	earlier := map[string]QuestionType{}
	keys := map[string]bool{}
	for i := range f.Sections {
		s := &f.Sections[i]
		if s.Key != "" {
			if why := keyProblem("group", s.Key); why != "" {
				c.add(s.Key, "%s", why)
			}
			if keys[s.Key] {
				c.add(s.Key, "the name is used twice")
			}
			keys[s.Key] = true
			if e := c.expression(s.Key, "relevant", s.Relevant, earlier, false); e != nil {
				cf.relevant[s.Key] = e
			}
		} else if s.Relevant != "" {
			c.add("sections", "a run of questions outside a group cannot have a relevant expression")
		}
		for j := range s.Questions {
			q := &s.Questions[j]
			if why := keyProblem("question", q.Key); why != "" {
				c.add(q.Key, "%s", why)
			}
			if keys[q.Key] {
				c.add(q.Key, "the name is used twice")
			}
			keys[q.Key] = true
			c.question(q)
			if e := c.expression(q.Key, "relevant", q.Relevant, earlier, false); e != nil {
				cf.relevant[q.Key] = e
			}
			if e := c.expression(q.Key, "constraint", q.Constraint, earlier, true); e != nil {
				cf.constraint[q.Key] = e
			}
			if q.Type == Calculate {
				if e := c.expression(q.Key, "calculation", q.Calculation, earlier, false); e != nil {
					cf.calc[q.Key] = e
				}
			}
			if e := c.choiceFilter(q, earlier); e != nil {
				cf.filter[q.Key] = e
			}
			earlier[q.Key] = q.Type
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	cf.warnings = c.warnings
	return cf, nil
}

// Warnings are what the form defines that is accepted but likely not meant, such as a
// single choice question with one choice; each names its question in Field. Loaders show
// them beside their own (survey/definition places them on their row).
func (cf *Compiled) Warnings() []Problem { return append([]Problem(nil), cf.warnings...) }

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// Relevant returns the parsed relevant expression of a question or group, or nil when it is
// always shown.
func (cf *Compiled) Relevant(key string) *expr.Expr { return cf.relevant[key] }

// Constraint returns the parsed constraint of a question, or nil.
func (cf *Compiled) Constraint(key string) *expr.Expr { return cf.constraint[key] }

// Calculation returns the parsed calculation of a calculate question, or nil.
func (cf *Compiled) Calculation(key string) *expr.Expr { return cf.calc[key] }

// ChoiceFilter returns the parsed choice filter of a choice question, or nil.
func (cf *Compiled) ChoiceFilter(key string) *expr.Expr { return cf.filter[key] }
