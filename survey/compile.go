package survey

import (
	"strings"

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
	// order lists every question, as a section and a question index, in the order their
	// values are worked out: each after the questions its relevant (and its group's),
	// constraint, calculation and choice filter refer to; form order otherwise.
	order     []Place
	formOrder bool // order is form order: no expression refers to a later question
}

// Place is where a question is in its form: the index of its section, then its index in
// the section.
type Place struct{ Section, Question int }

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
	// Expressions may refer to any question of the form, before or after them (as ODK
	// allows); only a cycle is refused (dependencies), and values are worked out in the
	// order of their dependencies.
	all := map[string]QuestionType{}
	for _, q := range f.Questions() {
		if _, dup := all[q.Key]; !dup {
			all[q.Key] = q.Type
		}
	}
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
			if e := c.expression(s.Key, "relevant", s.Relevant, all, false); e != nil {
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
			if e := c.expression(q.Key, "relevant", q.Relevant, all, false); e != nil {
				cf.relevant[q.Key] = e
			}
			if e := c.expression(q.Key, "constraint", q.Constraint, all, true); e != nil {
				cf.constraint[q.Key] = e
			}
			if q.Type == Calculate {
				if e := c.expression(q.Key, "calculation", q.Calculation, all, false); e != nil {
					cf.calc[q.Key] = e
				}
			}
			if e := c.choiceFilter(q, all); e != nil {
				cf.filter[q.Key] = e
			}
		}
	}
	cf.order = c.dependencies(cf)
	cf.formOrder = true
	for i, p := range cf.order {
		if i > 0 && (p.Section < cf.order[i-1].Section || p.Section == cf.order[i-1].Section && p.Question < cf.order[i-1].Question) {
			cf.formOrder = false
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

// Order returns every question in the order their values are worked out (see Place): a
// question comes after every question its expressions refer to.
func (cf *Compiled) Order() []Place { return cf.order }

// dependency is one reference of a question's expression to another question.
type dependency struct {
	to     int    // the question referred to, as its index in form order
	column string // the expression: relevant, constraint, calculation, choice_filter, or the group's relevant
}

// dependencies orders the questions of a compiled form so that each
// comes after those its expressions refer to, keeping form order where references allow;
// it reports each cycle of references, naming the questions and expressions on it.
func (c *checker) dependencies(cf *Compiled) []Place {
	f := cf.Form
	var places []Place
	index := map[string]int{}
	for si := range f.Sections {
		for qi := range f.Sections[si].Questions {
			index[f.Sections[si].Questions[qi].Key] = len(places)
			places = append(places, Place{si, qi})
		}
	}
	deps := make([][]dependency, len(places))
	for i, p := range places {
		s := &f.Sections[p.Section]
		q := &s.Questions[p.Question]
		add := func(e *expr.Expr, column string, selfAllowed bool) {
			if e == nil {
				return
			}
			for _, ref := range e.Refs() {
				if ref == q.Key && selfAllowed {
					continue // ${q} in q's own constraint is "."
				}
				if j, ok := index[ref]; ok {
					deps[i] = append(deps[i], dependency{j, column})
				}
			}
		}
		if s.Key != "" {
			add(cf.relevant[s.Key], "relevant of group "+s.Key, false)
		}
		add(cf.relevant[q.Key], "relevant", false)
		add(cf.constraint[q.Key], "constraint", true)
		add(cf.calc[q.Key], "calculation", false)
		add(cf.filter[q.Key], "choice_filter", false)
	}
	const (
		unseen = iota
		open   // on the path being explored
		done
	)
	state := make([]int, len(places))
	order := make([]Place, 0, len(places))
	var path []dependency // the edges followed from the root, path[0].to the root
	var visit func(i int)
	visit = func(i int) {
		state[i] = open
		for _, d := range deps[i] {
			switch state[d.to] {
			case unseen:
				path = append(path, dependency{d.to, d.column})
				visit(d.to)
				path = path[:len(path)-1]
			case open:
				// The cycle: from d.to along the path back to i, then d.
				start := len(path) - 1
				for start > 0 && path[start].to != d.to {
					start--
				}
				c.cycle(f, places, path[start:], d)
			}
		}
		state[i] = done
		order = append(order, places[i])
	}
	for i := range places {
		if state[i] == unseen {
			path = append(path[:0], dependency{to: i})
			visit(i)
		}
	}
	return order
}

// cycle reports a cycle of references: path runs from question d.to (its first entry,
// whose column is ignored) to the question whose expression d.column refers back to d.to.
func (c *checker) cycle(f *Form, places []Place, path []dependency, d dependency) {
	key := func(i int) string {
		p := places[i]
		return f.Sections[p.Section].Questions[p.Question].Key
	}
	var b strings.Builder
	for k := range path {
		// Each step: a question, and the expression by which it refers to the next.
		column := d.column
		if k+1 < len(path) {
			column = path[k+1].column
		}
		b.WriteString("${" + key(path[k].to) + "} (" + column + ") → ")
	}
	b.WriteString("${" + key(d.to) + "}")
	c.add(key(d.to), "its expressions go round in a circle, so no value can be worked out first: %s; remove one of these references", b.String())
}
