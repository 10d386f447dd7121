package xlsform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// typeSpec is a type cell read: "select_one agreement or_other" has base "select_one",
// list "agreement" and orOther.
type typeSpec struct {
	base    string
	list    string
	orOther bool
	extra   []string // words palabre does not understand after the type
}

// parseType reads a type cell. Type words are case-insensitive and may be written with a
// space ("begin group", "select one"); list names are kept as written.
func parseType(s string) typeSpec {
	f := strings.Fields(s)
	if len(f) == 0 {
		return typeSpec{}
	}
	base, rest := strings.ToLower(f[0]), f[1:]
	if (base == "begin" || base == "end") && len(rest) > 0 {
		base, rest = base+"_"+strings.ToLower(rest[0]), rest[1:]
	}
	if base == "select" && len(rest) > 0 {
		if w := strings.ToLower(rest[0]); w == "one" || w == "multiple" {
			base, rest = base+"_"+w, rest[1:]
		}
	}
	if (base == "select_one" || base == "select_multiple") && len(rest) >= 2 &&
		strings.EqualFold(rest[0], "from") && strings.EqualFold(rest[1], "file") {
		base, rest = base+"_from_file", rest[2:]
	}
	t := typeSpec{base: base}
	if base == "select_one" || base == "select_multiple" {
		if len(rest) > 0 {
			t.list, rest = rest[0], rest[1:]
		}
		if len(rest) > 0 && strings.EqualFold(rest[0], "or_other") {
			t.orOther, rest = true, rest[1:]
		}
	}
	t.extra = rest
	return t
}

// metadataTypes are the XLSForm types that record facts about the filling-in rather than
// ask a question; palabre keeps its own (submission time, language) and skips them.
var metadataTypes = []string{"start", "end", "today", "deviceid", "username", "simserial",
	"subscriberid", "phonenumber", "email", "audit", "start-geopoint", "background-audio", "imei"}

// unsupported explains the XLSForm types palabre does not collect.
var unsupported = map[string]string{
	"geopoint":                  "locations are not collected",
	"geotrace":                  "locations are not collected",
	"geoshape":                  "locations are not collected",
	"image":                     "files and media are not collected",
	"audio":                     "files and media are not collected",
	"video":                     "files and media are not collected",
	"file":                      "files and media are not collected",
	"background-video":          "files and media are not collected",
	"barcode":                   "barcodes are not collected",
	"time":                      "times are not collected: use date",
	"datetime":                  "times are not collected: use date",
	"acknowledge":               "acknowledge is not supported: use a required select_one with a single yes choice",
	"hidden":                    "hidden fields are not supported",
	"rank":                      "ranking is not supported",
	"trigger":                   "trigger is not supported",
	"xml-external":              "external data is not supported",
	"csv-external":              "external data is not supported",
	"select_one_from_file":      "choices from a file are not supported: put them in the choices sheet",
	"select_multiple_from_file": "choices from a file are not supported: put them in the choices sheet",
	"select_one_external":       "external choices are not supported: put them in the choices sheet",
}

// supportedTypes are the types palabre reads, for suggestions.
var supportedTypes = []string{"text", "integer", "decimal", "date", "note", "range", "calculate", "select_one",
	"select_multiple", "begin_group", "end_group"}

// question reads a question row. ok is false when the row is skipped or has problems.
func (r *reader) question(sh *sheet, rw row, t typeSpec, lists map[string]*list, lang string) (member, bool) {
	key := sh.cell(rw, "name")
	typeCol := sh.header("type")
	if slices.Contains(metadataTypes, t.base) {
		r.warn(sh, rw.n, typeCol, key, "%s is metadata palabre does not record: skipped", t.base)
		return member{}, false
	}
	if why, ok := unsupported[t.base]; ok {
		r.problem(sh, rw.n, typeCol, key, "type %s: %s", t.base, why)
		return member{}, false
	}
	if !slices.Contains(supportedTypes, t.base) {
		msg := fmt.Sprintf("unknown type %q", sh.cell(rw, "type"))
		if s := survey.Nearest(t.base, supportedTypes); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		r.problem(sh, rw.n, typeCol, key, "%s", msg)
		return member{}, false
	}
	ok := true
	if len(t.extra) > 0 {
		r.problem(sh, rw.n, typeCol, key, "unexpected %q after the type", strings.Join(t.extra, " "))
		ok = false
	}
	if key == "" {
		r.problem(sh, rw.n, sh.header("name"), "", "the question has no name")
		ok = false
	}
	q := survey.Question{
		Key:               key,
		Label:             sh.text(rw, "label", lang),
		Hint:              sh.text(rw, "hint", lang),
		Relevant:          sh.cell(rw, "relevant"),
		Constraint:        sh.cell(rw, "constraint"),
		ConstraintMessage: sh.text(rw, "constraint_message", lang),
	}
	req, good := yes(sh.cell(rw, "required"))
	if !good {
		r.problem(sh, rw.n, sh.header("required"), key, "%q: palabre supports required yes or no, not a condition", sh.cell(rw, "required"))
		ok = false
	}
	q.Required = req
	if n, good := r.changedIn(sh, rw); good {
		q.ChangedIn = n
	} else {
		ok = false
	}
	filter := sh.cell(rw, "choice_filter")
	if filter != "" && t.base != "select_one" && t.base != "select_multiple" {
		r.problem(sh, rw.n, sh.header("choice_filter"), key, "only a select_one or select_multiple question can have a choice_filter")
		ok = false
	}
	if c := sh.cell(rw, "calculation"); c != "" && t.base != "calculate" {
		r.problem(sh, rw.n, sh.header("calculation"), key, "only a calculate question has a calculation")
		ok = false
	}
	m := member{row: rw, appearance: sh.cell(rw, "appearance")}
	appearance := strings.Fields(m.appearance)
	used := map[string]bool{}
	if slices.ContainsFunc(appearance, func(a string) bool { return strings.HasPrefix(a, "search(") }) {
		r.problem(sh, rw.n, sh.header("appearance"), key, "search() appearances read external data, which is not supported")
		ok = false
	}
	if sh.cell(rw, "parameters") != "" && t.base != "range" {
		r.warn(sh, rw.n, sh.header("parameters"), key, "palabre ignores the parameters of a %s question", t.base)
	}
	switch t.base {
	case "text":
		q.Type = survey.ShortText
		if slices.Contains(appearance, "multiline") {
			q.Type, used["multiline"] = survey.LongText, true
		}
	case "integer", "decimal":
		q.Type, q.Integer = survey.Number, t.base == "integer"
	case "date":
		q.Type = survey.Date
	case "note":
		q.Type = survey.Note
	case "calculate":
		q.Type, q.Calculation = survey.Calculate, sh.cell(rw, "calculation")
		if q.Calculation == "" {
			r.problem(sh, rw.n, sh.header("calculation"), key, "a calculate question needs a calculation")
			ok = false
		}
	case "range":
		ok = r.rangeQuestion(sh, rw, &q) && ok
	case "select_one", "select_multiple":
		l, found := lists[t.list]
		switch {
		case t.list == "":
			r.problem(sh, rw.n, typeCol, key, "%s needs the name of a choices list", t.base)
			return m, false
		case !found:
			r.problem(sh, rw.n, typeCol, key, "there is no choices list %q in the choices sheet", t.list)
			return m, false
		case t.orOther:
			r.problem(sh, rw.n, typeCol, key, "or_other is not supported: add an \"other\" choice, and a text question relevant when it is selected")
			ok = false
		}
		m.list = l
		q.Type, q.Choices = survey.MultipleChoice, cloneChoices(l.choices)
		if t.base == "select_one" {
			m.selectOne = true
			switch {
			case slices.Contains(appearance, "likert"):
				q.Type, used["likert"] = survey.Likert, true
			case isYesNo(l):
				q.Type, q.Choices = survey.YesNo, nil
			default:
				q.Type = survey.SingleChoice
			}
		}
		used["label"], used["list-nolabel"] = true, true // the rows of a table-list matrix
		q.ChoiceFilter = filter
	}
	for _, a := range appearance {
		if !used[a] && !strings.HasPrefix(a, "search(") {
			r.warn(sh, rw.n, sh.header("appearance"), key, "appearance %q only changes the layout in ODK: palabre ignores it", a)
		}
	}
	if given, good := r.palabreColumn(sh, rw, t, m.list, &q); !given {
		r.bounds(&q)
	} else if !good {
		ok = false
	}
	if q.ChoiceFilter != "" && m.list != nil {
		filterColumns(&q, m.list)
	}
	m.q = q
	return m, ok
}

// isYesNo reports whether a list's names are exactly yes and no: such a select_one is a
// palabre yes/no question, whose labels palabre provides in every language.
func isYesNo(l *list) bool {
	if len(l.choices) != 2 {
		return false
	}
	a, b := l.choices[0].Key, l.choices[1].Key
	return (a == "yes" && b == "no") || (a == "no" && b == "yes")
}

// changedIn reads the palabre column changed_in: the edition year from which the question's
// answers are not comparable with earlier years'.
func (r *reader) changedIn(sh *sheet, rw row) (int, bool) {
	s := sh.cell(rw, "changed_in")
	if s == "" {
		return 0, true
	}
	n, ok := whole(s)
	if !ok || n < survey.MinYear || n > survey.MaxYear {
		r.problem(sh, rw.n, sh.header("changed_in"), sh.cell(rw, "name"), "%q is not a year between %d and %d", s, survey.MinYear, survey.MaxYear)
		return 0, false
	}
	return int(n), true
}

// filterColumns gives q's choices the columns of their list that its choice filter reads;
// the filter's own problems are reported when the form is checked.
func filterColumns(q *survey.Question, l *list) {
	e, err := expr.ParseFilter(q.ChoiceFilter)
	if err != nil || len(q.Choices) != len(l.columns) {
		return
	}
	for i := range q.Choices {
		for _, col := range e.Columns() {
			if v, ok := l.columns[i][col]; ok {
				if q.Choices[i].Columns == nil {
					q.Choices[i].Columns = map[string]string{}
				}
				q.Choices[i].Columns[col] = v
			}
		}
	}
}
