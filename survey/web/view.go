package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// formView is what the form template shows: the questions with the values typed so far,
// and the problems found in them.
type formView struct {
	page
	Heading     string
	Sub         string // year, place and closing date
	Description string
	Action      string
	DraftKey    string // survey/year: where the script keeps the draft
	ID          string // the response id, chosen by the server on first render
	Rerender    bool   // the values come from a submission, not from a draft
	Problem     string // heading of the error summary; empty when nothing is wrong
	Errors      []errorLink
	Profile     []fieldView
	Sections    []sectionView
	Logic       logic
	// Preview shows the form as participants see it, with a banner, and no way to send it:
	// no action, the button disabled, and the script keeping no draft.
	Preview bool
	Back    string // in a preview: where the banner's link leads back to
}

type errorLink struct {
	Href    string // "#q-key", or empty for a field the page does not show
	Label   string
	Message string
}

// fieldView is one profile question: a select, or a text input when Options is nil.
type fieldView struct {
	lang                          string
	Required                      bool
	ID, Name, Label, Value, Error string
	Options                       []optionView
	MaxLength                     int
	Autocomplete                  string
}

type sectionView struct {
	Key, Legend, Cond string
	Hidden            bool
	Questions         []questionView
}

type questionView struct {
	lang      string
	Key       string
	ID        string // the element an error links to: the input, or the fieldset of a group
	Control   string // radio, inline, check, scale, rating, matrix, number, text, textarea, date, note
	Label     string
	Hint      string
	Cond      string // when skip logic decides, on which answers
	Required  bool
	Hidden    bool // hidden by skip logic given the values submitted
	Error     string
	Value     string
	Options   []optionView
	Rows      []rowView
	Min, Max  string
	Step      string
	InputMode string
	MaxLength int
	Geo       bool // a position: the script adds a button that fills it from the device
}

type rowView struct {
	ID, Field, Label, Error string
	Options                 []optionView
}

type optionView struct {
	ID, Name, Type, Value, Label string
	Checked, Invalid, Disabled   bool
}

// T returns the interface text key in the page's language.
func (q questionView) T(key string, args ...any) string { return tr(q.lang, key, args...) }

// InputType is the type of the inputs of a group of options.
func (q questionView) InputType() string {
	if q.Control == "check" {
		return "checkbox"
	}
	return "radio"
}

// Group reports whether the question is a set of options in a fieldset.
func (q questionView) Group() bool {
	switch q.Control {
	case "radio", "inline", "check", "scale", "rating":
		return true
	}
	return false
}

// Describe lists the ids of the texts that describe the question: hint, condition, error.
func (q questionView) Describe() string { return describe(q.ID, q.Hint, q.Cond, q.Error) }

// Describe is the id of the row's error, if any.
func (r rowView) Describe() string { return describe(r.ID, "", "", r.Error) }

// T returns the interface text key in the page's language.
func (f fieldView) T(key string, args ...any) string { return tr(f.lang, key, args...) }

// Describe is the id of the field's error, if any.
func (f fieldView) Describe() string { return describe(f.ID, "", "", f.Error) }

// describe lists the ids of the hint, condition and error of the element with id.
func describe(id, hint, cond, err string) string {
	var ids []string
	for _, part := range [][2]string{{"-hint", hint}, {"-cond", cond}, {"-err", err}} {
		if part[1] != "" {
			ids = append(ids, id+part[0])
		}
	}
	return strings.Join(ids, " ")
}

// anchor is the id of the element a field's error links to.
func anchor(field string) string {
	if p, ok := strings.CutPrefix(field, "profile."); ok {
		return "p-" + p
	}
	return "q-" + field
}

// viewInput is what a form page shows besides the form itself.
type viewInput struct {
	lang       string
	values     map[string][]string
	respondent survey.Respondent
	errs       []survey.FieldError
	visible    map[string]bool   // nil: show every question
	calculated map[string]string // calculate questions' values, from the values sent
	token      string            // the invitation's token, for an edition by invitation
}

func buildForm(cf *survey.Compiled, in viewInput) ([]fieldView, []sectionView, []errorLink) {
	f := cf.Form
	lang, def := in.lang, f.DefaultLanguage
	errs := map[string]string{}
	for _, e := range in.errs {
		if errs[e.Field] != "" {
			errs[e.Field] += " "
		}
		errs[e.Field] += e.Message.In(lang)
	}
	checked := func(field, value string) bool {
		for _, v := range in.values[field] {
			if v == value {
				return true
			}
		}
		return false
	}
	first := func(field string) string {
		if v := in.values[field]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	options := func(id, field string, cs []survey.Choice) []optionView {
		out := make([]optionView, len(cs))
		for i, c := range cs {
			out[i] = optionView{ID: id + "-" + strconv.Itoa(i), Name: field, Type: "radio", Value: c.Key,
				Label: c.Label.In(lang, def), Checked: checked(field, c.Key), Invalid: errs[field] != ""}
		}
		return out
	}
	profile := buildProfile(f, in.respondent, lang, errs)
	// Every question's label, for the conditions that name them: an expression may refer to
	// a later question.
	labels := map[string]string{}
	for _, q := range f.Questions() {
		if label := q.Label.In(lang, def); label != "" {
			labels[q.Key] = label
		}
	}
	var sections []sectionView
	for _, s := range f.Sections {
		sv := sectionView{Key: s.Key, Legend: s.Label.In(lang, def), Hidden: in.visible != nil && s.Key != "" && !in.visible[s.Key]}
		sv.Cond = condition(cf.Relevant(s.Key), labels, lang)
		for _, q := range s.Questions {
			label := q.Label.In(lang, def)
			qv := questionView{lang: lang, Key: q.Key, ID: "q-" + q.Key, Label: label, Hint: q.Hint.In(lang, def),
				Cond: condition(cf.Relevant(q.Key), labels, lang), Required: q.Required, Error: errs[q.Key],
				Value: first(q.Key), Hidden: in.visible != nil && !in.visible[q.Key]}
			switch q.Type {
			case survey.SingleChoice:
				qv.Control, qv.Options = "radio", options(qv.ID, q.Key, q.Choices)
			case survey.YesNo:
				qv.Control = "inline"
				qv.Options = options(qv.ID, q.Key, []survey.Choice{{Key: "yes", Label: ui["yes"]}, {Key: "no", Label: ui["no"]}})
			case survey.Likert:
				qv.Control, qv.Options = "scale", options(qv.ID, q.Key, q.Choices)
			case survey.MultipleChoice:
				qv.Control, qv.Options = "check", options(qv.ID, q.Key, q.Choices)
			case survey.Matrix:
				qv.Control = "matrix"
				for _, it := range q.Items {
					field := q.Key + "." + it.Key
					id := "q-" + field
					qv.Rows = append(qv.Rows, rowView{ID: id, Field: field, Label: it.Label.In(lang, def), Error: errs[field],
						Options: options(id, field, q.Choices)})
				}
			case survey.Rating, survey.Number:
				numberView(&qv, &q, options)
			case survey.ShortText:
				qv.Control, qv.MaxLength = "text", q.TextLimit()
			case survey.LongText:
				qv.Control, qv.MaxLength = "textarea", q.TextLimit()
			case survey.Date:
				qv.Control = "date"
			case survey.Time:
				qv.Control = "time"
			case survey.DateTime:
				qv.Control = "datetime-local"
			case survey.Geopoint:
				qv.Control, qv.Geo = "text", true
				qv.Hint = strings.TrimSpace(qv.Hint + " " + tr(lang, "geopoint_format"))
			case survey.Acknowledge:
				qv.Control = "check"
				qv.Options = options(qv.ID, q.Key, []survey.Choice{{Key: survey.AcknowledgeValue, Label: ui["acknowledge"]}})
			case survey.Calculate:
				qv.Control, qv.Value = "calc", in.calculated[q.Key]
			default:
				qv.Control = "note"
			}
			if f := cf.ChoiceFilter(q.Key); f != nil {
				qv.Cond = strings.TrimSpace(qv.Cond + " " + filterNote(f, labels, lang))
			}
			if qv.Control == "check" {
				setOptions(qv.Options, func(o *optionView) { o.Type = "checkbox" })
			}
			if qv.Hidden || sv.Hidden {
				qv.Hidden = true
				setOptions(qv.Options, func(o *optionView) { o.Disabled = true })
				for _, r := range qv.Rows {
					setOptions(r.Options, func(o *optionView) { o.Disabled = true })
				}
			}
			sv.Questions = append(sv.Questions, qv)
		}
		sections = append(sections, sv)
	}
	return profile, sections, errorLinks(in.errs, profile, sections, lang)
}

func setOptions(opts []optionView, set func(*optionView)) {
	for i := range opts {
		set(&opts[i])
	}
}

// numberView shows a rating, or a number with few whole values, as a row of radio buttons,
// and any other number as a number input.
func numberView(qv *questionView, q *survey.Question, options func(id, field string, cs []survey.Choice) []optionView) {
	lo, hasLo, hi, hasHi := q.Bounds()
	whole := lo == float64(int(lo)) && hi == float64(int(hi))
	if q.Type == survey.Rating && hasLo && hasHi && whole && hi-lo <= 20 {
		var points []survey.Choice
		for n := int(lo); n <= int(hi); n++ {
			s := strconv.Itoa(n)
			points = append(points, survey.Choice{Key: s, Label: survey.Text{qv.lang: s}})
		}
		qv.Control, qv.Options = "rating", options(qv.ID, q.Key, points)
		return
	}
	qv.Control, qv.Step, qv.InputMode = "number", "any", "decimal"
	if q.Integer || q.Type == survey.Rating {
		qv.Step, qv.InputMode = "1", "numeric"
	}
	if hasLo {
		qv.Min = expr.FormatNumber(lo)
		if lo < 0 {
			qv.InputMode = "text" // phone keypads in numeric mode have no minus sign
		}
	}
	if hasHi {
		qv.Max = expr.FormatNumber(hi)
	}
	if q.Step != nil {
		qv.Step, qv.Min = expr.FormatNumber(*q.Step), expr.FormatNumber(q.StepBase())
		if *q.Step != math.Trunc(*q.Step) || q.StepBase() != math.Trunc(q.StepBase()) {
			qv.InputMode = "decimal"
		}
		if q.StepBase() < 0 {
			qv.InputMode = "text"
		}
	}
}

// condition describes, for a page read without script, which earlier answers decide
// whether a question applies.
func condition(e *expr.Expr, labels map[string]string, lang string) string {
	if e == nil {
		return ""
	}
	var names []string
	for _, ref := range e.Refs() {
		if l, ok := labels[ref]; ok {
			names = append(names, l)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return tr(lang, "depends", strings.Join(names, " ; "))
}

// filterNote explains, on a page read without script where every choice is listed, that
// a choice filter keeps only the choices that go with earlier answers.
func filterNote(e *expr.Expr, labels map[string]string, lang string) string {
	var names []string
	for _, ref := range e.Refs() {
		if l, ok := labels[ref]; ok {
			names = append(names, l)
		}
	}
	if len(names) == 0 {
		return tr(lang, "filtered_any")
	}
	return tr(lang, "filtered", strings.Join(names, " ; "))
}

func buildProfile(f *survey.Form, r survey.Respondent, lang string, errs map[string]string) []fieldView {
	def := f.DefaultLanguage
	sel := func(cs []survey.Choice, value string) []optionView {
		out := make([]optionView, len(cs))
		for i, c := range cs {
			out[i] = optionView{Value: c.Key, Label: c.Label.In(lang, def), Checked: c.Key == value}
		}
		return out
	}
	country := fieldView{lang: lang, Required: true, ID: "p-country", Name: "profile.country", Label: tr(lang, "country"), Value: r.Country,
		Error: errs["profile.country"], Autocomplete: "country", Options: sel(countryChoices(f.Profile.Countries, lang), r.Country)}
	org := fieldView{lang: lang, Required: true, ID: "p-organisation", Name: "profile.organisation", Label: tr(lang, "organisation"), Value: r.Organisation,
		Error: errs["profile.organisation"], Autocomplete: "organization", MaxLength: survey.MaxOrganisationLength}
	if len(f.Profile.Organisations) > 0 {
		org.Options, org.Autocomplete = sel(f.Profile.Organisations, r.Organisation), ""
	}
	roles := f.Profile.Roles
	if len(roles) == 0 {
		roles = survey.DefaultRoles
	}
	role := fieldView{lang: lang, Required: true, ID: "p-role", Name: "profile.role", Label: tr(lang, "role"), Value: r.Role,
		Error: errs["profile.role"], Options: sel(roles, r.Role)}
	return []fieldView{country, org, role}
}

// errorLinks lists the problems in the order of the page, each linking to its field.
func errorLinks(errs []survey.FieldError, profile []fieldView, sections []sectionView, lang string) []errorLink {
	labels := map[string]string{}
	for _, p := range profile {
		labels[p.Name] = p.Label
	}
	for _, s := range sections {
		for _, q := range s.Questions {
			labels[q.Key] = q.Label
			for _, r := range q.Rows {
				labels[r.Field] = q.Label + " — " + r.Label
			}
		}
	}
	var out []errorLink
	for _, e := range errs {
		l := errorLink{Message: e.Message.In(lang)}
		if label, ok := labels[e.Field]; ok {
			l.Href, l.Label = "#"+anchor(e.Field), label
		}
		out = append(out, l)
	}
	return out
}
