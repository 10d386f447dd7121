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
// space ("begin group", "select one"); list names are kept as written. Every spelling
// pyxform accepts is read as its canonical type: "select one from LIST", "select all that
// apply from LIST", "select1", "string", "int", "gps", "get device id"…; "or_other", "or
// other" and "or specify other" after a list ask for an "other" choice.
func parseType(s string) typeSpec {
	f := strings.Fields(s)
	if len(f) == 0 {
		return typeSpec{}
	}
	lower := make([]string, len(f))
	for i, w := range f {
		lower[i] = strings.ToLower(w)
	}
	if base, ok := typeAliases[strings.Join(lower, " ")]; ok {
		return typeSpec{base: base}
	}
	base, rest := lower[0], f[1:]
	for _, p := range typePrefixes {
		if n := len(p.words); n <= len(lower) && slices.Equal(lower[:n], p.words) {
			base, rest = p.base, f[n:]
			break
		}
	}
	if a, ok := typeAliases[base]; ok {
		base = a
	}
	t := typeSpec{base: base}
	if base == "begin_loop" && len(rest) > 0 && strings.EqualFold(rest[0], "over") {
		rest = rest[1:] // begin_loop over LIST
	}
	if (base == "begin_repeat" || base == "begin_loop") && len(rest) > 0 {
		t.list, rest = rest[0], rest[1:] // begin loop over LIST
		t.extra = rest
		return t
	}
	if strings.HasPrefix(base, "select_") {
		if len(rest) > 0 {
			t.list, rest = rest[0], rest[1:]
		}
		for _, other := range [][]string{{"or_other"}, {"or", "specify", "other"}, {"or", "other"}} {
			if len(rest) == len(other) && slices.EqualFunc(rest, other, strings.EqualFold) {
				t.orOther, rest = true, nil
				break
			}
		}
	}
	t.extra = rest
	return t
}

// typePrefix is a type spelt in several words, followed by a list name or nothing.
type typePrefix struct {
	words []string
	base  string
}

// typePrefixes are the spellings of types in several words, longest first so that
// "select one from file" is not read as "select one from" a list called "file".
var typePrefixes = func() []typePrefix {
	m := map[string]string{
		"begin group": "begin_group", "end group": "end_group",
		"begin repeat": "begin_repeat", "end repeat": "end_repeat",
		"begin loop over": "begin_loop", "begin loop": "begin_loop", "end loop": "end_loop",
		"begin lgroup": "begin_repeat", "end lgroup": "end_repeat",
		"begin looped group": "begin_repeat", "end looped group": "end_repeat",
		"select one from file": "select_one_from_file", "select multiple from file": "select_multiple_from_file",
		"select_one from file": "select_one_from_file", "select_multiple from file": "select_multiple_from_file",
		"select one external": "select_one_external",
		"select one from":     "select_one", "select one using": "select_one", "select one": "select_one",
		"add select one prompt using": "select_one", "q select1": "select_one",
		"select all that apply from": "select_multiple", "select all that apply": "select_multiple",
		"select multiple from": "select_multiple", "select multiple using": "select_multiple",
		"select multiple": "select_multiple", "add select multiple prompt using": "select_multiple",
		"q select": "select_multiple",
	}
	var out []typePrefix
	for k, v := range m {
		out = append(out, typePrefix{words: strings.Fields(k), base: v})
	}
	slices.SortFunc(out, func(a, b typePrefix) int {
		if d := len(b.words) - len(a.words); d != 0 {
			return d
		}
		return strings.Compare(strings.Join(a.words, " "), strings.Join(b.words, " "))
	})
	return out
}()

// typeAliases are pyxform's other names of types (pyxform/question_type_dictionary.py and
// aliases.py), written in lower case with single spaces.
var typeAliases = map[string]string{
	"select1": "select_one", "select_all_that_apply": "select_multiple",
	"string": "text", "q string": "text", "add text prompt": "text",
	"int": "integer", "q int": "integer", "add integer prompt": "integer",
	"q decimal": "decimal", "add decimal prompt": "decimal",
	"q date": "date", "add date prompt": "date",
	"q note": "note", "add note prompt": "note",
	"date time": "datetime", "q date time": "datetime", "q datetime": "datetime",
	"add datetime prompt": "datetime", "add date time prompt": "datetime",
	"q time": "time", "add time prompt": "time",
	"gps": "geopoint", "location": "geopoint", "q location": "geopoint", "q geopoint": "geopoint",
	"add location prompt": "geopoint", "q geoshape": "geoshape", "q geotrace": "geotrace",
	"photo": "image", "q picture": "image", "q image": "image", "add image prompt": "image",
	"add photo prompt": "image", "q audio": "audio", "add audio prompt": "audio",
	"q video": "video", "add video prompt": "video", "add file prompt": "file",
	"q barcode": "barcode", "add barcode prompt": "barcode",
	"q acknowledge": "acknowledge", "add acknowledge prompt": "acknowledge",
	"q calculate": "calculate", "add calculate prompt": "calculate",
	"q range":        "range",
	"get start time": "start", "start time": "start", "get end time": "end", "end time": "end",
	"get today": "today", "get device id": "deviceid", "device id": "deviceid",
	"uri:deviceid": "deviceid", "imei": "deviceid", "phone number": "phonenumber",
	"get phone number": "phonenumber", "uri:phonenumber": "phonenumber",
	"sim id": "simserial", "get sim id": "simserial", "uri:simserial": "simserial",
	"subscriber id": "subscriberid", "get subscriber id": "subscriberid",
	"uri:subscriberid": "subscriberid", "uri:username": "username", "uri:email": "email",
	"number of days in last month": "calculate", "number of days in last six months": "calculate",
	"number of days in last year": "calculate", "percentage": "calculate",
}

// metadataTypes are the XLSForm types that record facts about the filling-in rather than
// ask a question; palabre keeps its own (submission time, language) and skips them.
var metadataTypes = []string{"start", "end", "today", "deviceid", "username", "simserial",
	"subscriberid", "phonenumber", "email", "audit", "start-geopoint", "background-audio", "imei"}

// unsupported explains the XLSForm types palabre does not collect.
var unsupported = map[string]string{
	"geotrace":         "locations are not collected",
	"geoshape":         "locations are not collected",
	"image":            "files and media are not collected",
	"audio":            "files and media are not collected",
	"video":            "files and media are not collected",
	"file":             "files and media are not collected",
	"background-video": "files and media are not collected",
	"osm":              "OpenStreetMap questions are not supported",
	"rank":             "ranking is not supported",
	"xml-external":     "external data is not supported",
	"csv-external":     "external data is not supported",
}

// supportedTypes are the types palabre reads, for suggestions.
var supportedTypes = []string{"text", "integer", "decimal", "date", "note", "range", "select_one",
	"select_multiple", "begin_group", "end_group", "calculate", "time", "datetime", "geopoint", "acknowledge",
	"select_one_from_file", "select_multiple_from_file", "select_one_external", "hidden", "barcode", "trigger",
	"begin_loop", "end_loop", "include"}

// question reads a question row. ok is false when the row is skipped or has problems.
func (r *reader) question(sh *sheet, rw row, t typeSpec, lists map[string]*list, lang string) (member, bool) {
	key := sh.cell(rw, "name")
	typeCol := sh.header("type")
	if slices.Contains(metadataTypes, t.base) {
		r.warn(sh, rw.n, typeCol, key, "%s is metadata palabre does not record: skipped", t.base)
		return member{}, false
	}
	if why, ok := unsupported[t.base]; ok {
		r.drop(sh, rw, typeCol, "type %s: %s", t.base, why)
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
	if key == "" && t.base == "note" {
		key = fmt.Sprintf("note_%d", rw.n)
		r.warn(sh, rw.n, sh.header("name"), key, "the note has no name: it is called %s", key)
	} else if key == "" {
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
	switch {
	case filter == "" || t.base == "select_one" || t.base == "select_multiple":
	case strings.HasPrefix(t.base, "select_"): // choices from a file: their other columns
	default:
		r.problem(sh, rw.n, sh.header("choice_filter"), key, "only a select_one or select_multiple question can have a choice_filter")
		ok = false
	}
	if c := sh.cell(rw, "calculation"); c != "" && t.base != "calculate" && t.base != "note" && t.base != "hidden" {
		r.problem(sh, rw.n, sh.header("calculation"), key, "only a calculate, hidden or note question has a calculation")
		ok = false
	}
	if sh.cell(rw, "default") != "" && t.base != "hidden" {
		r.warnColumn(sh, rw, "default", "palabre reads the default of a hidden question only: it ignores the others")
	}
	m := member{row: rw, appearance: sh.cell(rw, "appearance")}
	appearance := strings.Fields(m.appearance)
	used := map[string]bool{}
	if slices.ContainsFunc(appearance, func(a string) bool { return strings.HasPrefix(a, "search(") }) {
		if r.opts.DropUnsupported && ok {
			r.drop(sh, rw, sh.header("appearance"), "search() appearances read external data, which is not supported")
			return m, false
		}
		r.problem(sh, rw.n, sh.header("appearance"), key, "search() appearances read external data, which is not supported")
		ok = false
	}
	if q.Label == nil && key != "" && t.base != "calculate" && t.base != "hidden" { // a calculation is not asked: it needs no label
		q.Label = survey.Text{lang: key}
		r.warn(sh, rw.n, sh.header("label"), key, "the question has no label: its name %s is shown instead", key)
	}
	if sh.cell(rw, "parameters") != "" && t.base != "range" {
		r.warn(sh, rw.n, sh.header("parameters"), key, "palabre ignores the parameters of a %s question", t.base)
	}
	switch t.base {
	case "text", "barcode":
		q.Type = survey.ShortText
		if t.base == "barcode" {
			r.warn(sh, rw.n, typeCol, key, "barcode is asked as a text: the participant types the code, which is stored as ODK stores a scanned one (a browser has no scanner)")
		}
		if slices.Contains(appearance, "multiline") {
			q.Type, used["multiline"] = survey.LongText, true
		}
	case "integer", "decimal":
		q.Type, q.Integer = survey.Number, t.base == "integer"
	case "date":
		q.Type = survey.Date
	case "note":
		q.Type = survey.Note
		if c := sh.cell(rw, "calculation"); c != "" {
			// A note with a calculation shows its value and has one, as in ODK: a calculate
			// question with the note's label, which the page shows with its value.
			q.Type, q.Calculation = survey.Calculate, c
			break
		}
	case "calculate":
		q.Type, q.Calculation = survey.Calculate, sh.cell(rw, "calculation")
		if q.Calculation == "" {
			r.problem(sh, rw.n, sh.header("calculation"), key, "a calculate question needs a calculation")
			ok = false
		}
	case "hidden":
		q.Type, q.Calculation = survey.Calculate, r.hiddenValue(sh, rw)
		if q.Calculation == "" {
			ok = false
		}
	case "time", "datetime", "geopoint", "acknowledge", "trigger":
		// A trigger is ODK's acknowledge without a type: its value is OK once ticked.
		q.Type = map[string]survey.QuestionType{"time": survey.Time, "datetime": survey.DateTime,
			"geopoint": survey.Geopoint, "acknowledge": survey.Acknowledge, "trigger": survey.Acknowledge}[t.base]
	case "select_one_from_file", "select_multiple_from_file", "select_one_external":
		l, good := r.fileList(sh, rw, t, lang)
		if !good {
			return m, false
		}
		q.Type, q.Choices = survey.SingleChoice, cloneChoices(l.choices)
		if t.base == "select_multiple_from_file" {
			q.Type = survey.MultipleChoice
		}
		if filter != "" && l.repeats != "" {
			why := fmt.Sprintf("the choice %s is listed twice with different columns: palabre keeps one row per choice, so the choice_filter could not tell which holds", l.repeats)
			if r.opts.DropUnsupported && ok {
				r.drop(sh, rw, sh.header("choice_filter"), "%s", why)
				return m, false
			}
			r.problem(sh, rw.n, sh.header("choice_filter"), key, "%s", why)
			return m, false
		}
		m.list, q.ChoiceFilter = l, filter
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
		}
		m.list = l
		q.Type, q.Choices = survey.MultipleChoice, cloneChoices(l.choices)
		if t.orOther {
			q.Choices = r.withOther(q.Choices)
			m.other = r.otherQuestion(key)
		}
		if t.base == "select_one" {
			m.selectOne = !t.orOther
			switch {
			case slices.Contains(appearance, "likert") && !t.orOther:
				q.Type, used["likert"] = survey.Likert, true
			case isYesNo(l) && !t.orOther:
				q.Type, q.Choices = survey.YesNo, nil
			default:
				q.Type = survey.SingleChoice
			}
		}
		if q.Type != survey.YesNo && q.Type != survey.Likert {
			q.Choices = r.questionChoices(l, q.Choices)
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
	for _, e := range []struct {
		col string
		e   *string
	}{{"relevant", &q.Relevant}, {"constraint", &q.Constraint}, {"calculation", &q.Calculation}, {"choice_filter", &q.ChoiceFilter}} {
		col := e.col
		if t.base == "hidden" && col == "calculation" && sh.cell(rw, "calculation") == "" {
			col = "default"
		}
		expanded, why := r.pulldata(*e.e)
		switch {
		case why != "" && r.opts.DropUnsupported && ok:
			r.drop(sh, rw, sh.header(col), "%s", why)
			return m, false
		case why != "":
			r.problem(sh, rw.n, sh.header(col), key, "%s", why)
			ok = false
		}
		*e.e = expanded
	}
	if r.opts.DropUnsupported && ok {
		if col, why := r.unusable(sh, &q, m.list); why != "" {
			r.drop(sh, rw, col, "%s", why)
			return m, false
		}
	}
	m.q = q
	return m, ok
}

// unusable says why palabre cannot use a question's calculation or choice filter, which
// pyxform takes as written: an expression palabre does not read (a function it does not
// have), a filter that reads a column the choices sheet does not have, or a filtered list
// that repeats choice names.
// It returns the column at fault, or "" when both can be used.
func (r *reader) unusable(sh *sheet, q *survey.Question, l *list) (col, why string) {
	if q.Type == survey.Calculate {
		// A reference to a note is read as empty, as ODK reads it (survey.Compile warns).
		if _, err := expr.Parse(q.Calculation); err != nil {
			return sh.header("calculation"), fmt.Sprintf("palabre cannot evaluate the calculation %q: %v", q.Calculation, err)
		}
	}
	if q.ChoiceFilter == "" || l == nil {
		return "", ""
	}
	e, err := expr.ParseFilter(q.ChoiceFilter)
	if err != nil {
		return sh.header("choice_filter"), fmt.Sprintf("palabre cannot evaluate the choice_filter %q: %v", q.ChoiceFilter, err)
	}
	for _, c := range e.Columns() {
		has := c == "name"
		for _, cols := range l.columns {
			_, ok := filterColumn(cols, c)
			has = has || ok
		}
		if !has {
			return sh.header("choice_filter"), fmt.Sprintf("the choice_filter reads the column %q, which the choices sheet does not have", c)
		}
	}
	seen := map[string]bool{}
	for _, c := range l.choices {
		if seen[c.Key] {
			return sh.header("choice_filter"), fmt.Sprintf("the list %s repeats the choice name %s, which palabre does not support", l.name, c.Key)
		}
		seen[c.Key] = true
	}
	return "", ""
}

// otherChoice is the choice or_other adds to a list, as pyxform names it.
var otherChoice = survey.Choice{Key: "other", Label: survey.Text{survey.French: "Autre", survey.English: "Other", survey.Spanish: "Otro"}}

// withOther adds the "other" choice to a select's choices, unless the list has it.
func (r *reader) withOther(cs []survey.Choice) []survey.Choice {
	for _, c := range cs {
		if c.Key == otherChoice.Key {
			return cs
		}
	}
	c := cloneChoices([]survey.Choice{otherChoice})[0]
	if c.Label[r.lang] == "" {
		c.Label[r.lang] = otherChoice.Label[survey.English]
	}
	return append(cs, c)
}

// otherQuestion is the text question or_other adds after a select: KEY_other, asked when
// "other" is chosen (so only when the select itself is asked), as pyxform writes it.
func (r *reader) otherQuestion(key string) *survey.Question {
	label := survey.Text{survey.French: "Précisez", survey.English: "Specify other", survey.Spanish: "Especifique"}
	if label[r.lang] == "" {
		label[r.lang] = label[survey.English]
	}
	return &survey.Question{Key: key + "_other", Type: survey.ShortText, Label: label,
		Relevant: fmt.Sprintf("selected(${%s}, 'other')", key)}
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
	if err != nil {
		return
	}
	for i := range min(len(q.Choices), len(l.columns)) { // or_other adds "other" last
		for _, col := range e.Columns() {
			if v, ok := filterColumn(l.columns[i], col); ok {
				if q.Choices[i].Columns == nil {
					q.Choices[i].Columns = map[string]string{}
				}
				q.Choices[i].Columns[col] = v
			}
		}
	}
}

// hiddenValue is the calculation that gives a hidden question its value, as ODK does: its
// calculation, else its default (a constant text), else the empty text. "" when the default
// cannot be written as a constant, with a problem.
func (r *reader) hiddenValue(sh *sheet, rw row) string {
	if c := sh.cell(rw, "calculation"); c != "" {
		return c
	}
	d := sh.cell(rw, "default")
	col, key := sh.header("default"), sh.cell(rw, "name")
	switch {
	case strings.Contains(d, "${") || strings.Contains(d, "("):
		r.problem(sh, rw.n, col, key, "the default %q is an expression: palabre reads a constant default only; write the expression in the calculation column", d)
		return ""
	case !strings.Contains(d, "'"):
		return "'" + d + "'"
	case !strings.Contains(d, `"`):
		return `"` + d + `"`
	}
	r.problem(sh, rw.n, col, key, "the default %q holds both kinds of quotes, which an expression cannot write", d)
	return ""
}

// filterColumn is the value of a choice's column a filter reads by name: the column of that name,
// else, as pyxform reads headers whatever their case, the one it names once normalised.
func filterColumn(cols map[string]string, name string) (string, bool) {
	if v, ok := cols[name]; ok {
		return v, true
	}
	v, ok := cols[normalise(name)]
	return v, ok
}
