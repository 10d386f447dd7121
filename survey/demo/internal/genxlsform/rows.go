package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/expr"
)

// languageNames are the headers coordinators give translated columns.
var languageNames = map[string]string{"fr": "French (fr)", "en": "English (en)", "es": "Spanish (es)"}

// workbook is the rows of each sheet, header first, in the order the sheets are written.
type workbook struct {
	langs    []string
	survey   [][]any
	choices  [][]any
	settings [][]any
	editions [][]any
	lists    map[string]string // list content → list name
	scales   map[string]string // the keys of a named scale of the definition → its name
}

// translated returns the headers of a text column in every language.
func (w *workbook) translated(base string) []any {
	out := make([]any, len(w.langs))
	for i, l := range w.langs {
		name, ok := languageNames[l]
		if !ok {
			name = l
		}
		out[i] = base + "::" + name
	}
	return out
}

func (w *workbook) texts(t survey.Text) []any {
	out := make([]any, len(w.langs))
	for i, l := range w.langs {
		out[i] = t[l]
	}
	return out
}

var surveyHeader = []string{"type", "name", "label", "hint", "required", "relevant", "constraint",
	"constraint_message", "appearance", "parameters", "changed_in"}

// cells of a survey row, by column; texts are survey.Text.
type cells map[string]any

func (w *workbook) header() []any {
	var out []any
	for _, h := range surveyHeader {
		switch h {
		case "label", "hint", "constraint_message":
			out = append(out, w.translated(h)...)
		default:
			out = append(out, h)
		}
	}
	return out
}

func (w *workbook) row(c cells) {
	var out []any
	for _, h := range surveyHeader {
		switch h {
		case "label", "hint", "constraint_message":
			t, _ := c[h].(survey.Text)
			out = append(out, w.texts(t)...)
		default:
			out = append(out, c[h])
		}
	}
	w.survey = append(w.survey, out)
}

// build writes a definition as an XLSForm workbook, the way a coordinator writes one: Kobo's
// metadata rows first, groups, lists in the choices sheet, bounds as constraints.
func build(d *definition.Definition, scales map[string]string) (*workbook, error) {
	f := d.Form
	w := &workbook{langs: f.Languages, lists: map[string]string{}, scales: scales}
	w.survey = append(w.survey, w.header())
	w.choices = append(w.choices, append([]any{"list_name", "name"}, w.translated("label")...))
	w.row(cells{"type": "start", "name": "start"})
	w.row(cells{"type": "end", "name": "end"})
	for _, s := range f.Sections {
		if s.Key != "" {
			w.row(cells{"type": "begin_group", "name": s.Key, "label": s.Label, "relevant": s.Relevant})
		}
		for _, q := range s.Questions {
			if err := w.question(q); err != nil {
				return nil, fmt.Errorf("question %s: %w", q.Key, err)
			}
		}
		if s.Key != "" {
			w.row(cells{"type": "end_group"})
		}
	}
	if err := w.settingsSheet(f, d.Form.Description); err != nil {
		return nil, err
	}
	w.editionsSheet(d.Editions, f.Version)
	return w, nil
}

func (w *workbook) question(q survey.Question) error {
	c := cells{"name": q.Key, "label": q.Label, "hint": q.Hint, "relevant": q.Relevant,
		"constraint": q.Constraint, "constraint_message": q.ConstraintMessage}
	if q.Required {
		c["required"] = "yes"
	}
	if q.ChangedIn != 0 {
		c["changed_in"] = q.ChangedIn
	}
	bound := func(parts ...string) error {
		var b []string
		for _, p := range parts {
			if p != "" {
				b = append(b, p)
			}
		}
		if len(b) == 0 {
			return nil
		}
		if q.Constraint != "" || q.ConstraintMessage != nil {
			return fmt.Errorf("bounds and a constraint of its own cannot both be written in XLSForm")
		}
		c["constraint"] = strings.Join(b, " and ")
		return nil
	}
	var err error
	switch q.Type {
	case survey.Note:
		c["type"] = "note"
	case survey.ShortText, survey.LongText:
		c["type"] = "text"
		if q.Type == survey.LongText {
			c["appearance"] = "multiline"
		}
		if q.MaxLength > 0 {
			err = bound(fmt.Sprintf("string-length(.) <= %d", q.MaxLength))
		}
	case survey.Date:
		c["type"] = "date"
	case survey.Number:
		c["type"] = "decimal"
		if q.Integer {
			c["type"] = "integer"
		}
		err = bound(compare(">=", q.Min), compare("<=", q.Max))
	case survey.Rating:
		lo, _, hi, _ := q.Bounds()
		c["type"] = "range"
		c["parameters"] = fmt.Sprintf("start=%s end=%s step=1", expr.FormatNumber(lo), expr.FormatNumber(hi))
		if q.Min != nil || q.Max != nil {
			return fmt.Errorf("a rating with bounds of its own reads back as a number")
		}
	case survey.YesNo:
		c["type"] = "select_one " + w.list("yes_no", []survey.Choice{
			{Key: "yes", Label: survey.Text{"fr": "Oui", "en": "Yes", "es": "Sí"}},
			{Key: "no", Label: survey.Text{"fr": "Non", "en": "No", "es": "No"}}})
	case survey.SingleChoice, survey.Likert:
		c["type"] = "select_one " + w.list(q.Key, q.Choices)
		if q.Type == survey.Likert {
			c["appearance"] = "likert"
		}
	case survey.MultipleChoice:
		c["type"] = "select_multiple " + w.list(q.Key, q.Choices)
		var lo, hi string
		if q.MinSelected > 0 {
			lo = fmt.Sprintf("count-selected(.) >= %d", q.MinSelected)
		}
		if q.MaxSelected > 0 {
			hi = fmt.Sprintf("count-selected(.) <= %d", q.MaxSelected)
		}
		err = bound(lo, hi)
	case survey.Matrix:
		return w.matrix(q, c)
	default:
		return fmt.Errorf("type %s has no XLSForm equivalent", q.Type)
	}
	if err != nil {
		return err
	}
	w.row(c)
	return nil
}

// matrix writes a matrix the ODK way: a table-list group with one select_one row per item.
func (w *workbook) matrix(q survey.Question, c cells) error {
	if q.Constraint != "" || q.ConstraintMessage != nil {
		return fmt.Errorf("a matrix has no constraint in XLSForm")
	}
	list := w.list(q.Key, q.Choices)
	c["type"], c["appearance"] = "begin_group", "table-list"
	delete(c, "required")
	w.row(c)
	for _, it := range q.Items {
		r := cells{"type": "select_one " + list, "name": it.Key, "label": it.Label, "appearance": "list-nolabel"}
		if q.Required {
			r["required"] = "yes"
		}
		w.row(r)
	}
	w.row(cells{"type": "end_group"})
	return nil
}

func compare(op string, f *float64) string {
	if f == nil {
		return ""
	}
	return ". " + op + " " + expr.FormatNumber(*f)
}

// list returns the name of a choices list with these choices, adding it when it is new. A
// scale is called as in the definition; other lists after their first question.
func (w *workbook) list(name string, cs []survey.Choice) string {
	key := fmt.Sprint(cs)
	if n, ok := w.lists[key]; ok {
		return n
	}
	if n, ok := w.scales[keysOf(cs)]; ok {
		name = n
	} else if reflect.DeepEqual(cs, definition.DefaultScale()) {
		name = definition.DefaultScaleName
	}
	for taken, base, i := true, name, 2; taken; i++ {
		taken = false
		for _, n := range w.lists {
			if n == name {
				taken, name = true, fmt.Sprintf("%s_%d", base, i)
				break
			}
		}
	}
	w.lists[key] = name
	for _, ch := range cs {
		w.choices = append(w.choices, append([]any{name, ch.Key}, w.texts(ch.Label)...))
	}
	return name
}

func (w *workbook) settingsSheet(f *survey.Form, description survey.Text) error {
	head := append(w.translated("form_title"), "form_id", "version", "default_language")
	head = append(head, w.translated("description")...)
	name, ok := languageNames[f.DefaultLanguage]
	if !ok {
		name = f.DefaultLanguage
	}
	vals := append(w.texts(f.Title), f.SurveyID, f.Version, name)
	vals = append(vals, w.texts(description)...)
	if !slices.Equal(f.Profile.Countries, survey.NetworkCountries) {
		head, vals = append(head, "countries"), append(vals, strings.Join(f.Profile.Countries, " "))
	}
	if !reflect.DeepEqual(f.Profile.Roles, survey.DefaultRoles) {
		head, vals = append(head, "roles_list"), append(vals, w.list("roles", f.Profile.Roles))
	}
	if len(f.Profile.Organisations) > 0 {
		head, vals = append(head, "organisations_list"), append(vals, w.list("organisations", f.Profile.Organisations))
	}
	w.settings = [][]any{head, vals}
	return nil
}

func (w *workbook) editionsSheet(es []survey.Edition, version int) {
	w.editions = [][]any{{"year", "place", "opens", "closes", "invited", "form_version"}}
	for _, e := range es {
		row := []any{e.Year, e.Place, day(e.Opens), nil, nil, nil}
		if !e.Closes.IsZero() {
			row[3] = day(e.Closes.AddDate(0, 0, -1)) // the sheet names the last day open
		}
		if e.Invited > 0 {
			row[4] = e.Invited
		}
		if e.FormVersion != version {
			row[5] = e.FormVersion
		}
		w.editions = append(w.editions, row)
	}
}

// date is a day written in a cell as a spreadsheet date.
type date time.Time

func day(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return date(t)
}

// keysOf writes the keys of choices, to recognise a named scale.
func keysOf(cs []survey.Choice) string {
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.Key
	}
	return strings.Join(keys, " ")
}
