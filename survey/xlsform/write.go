package xlsform

import (
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// Options change how Write lays a form out. The zero value writes a plain workbook.
type Options struct {
	// ListNames names choices lists after their content: the names of their choices joined
	// by spaces ("strongly_disagree disagree neutral agree strongly_agree") → the list's
	// name ("agreement"). Other lists are named after the first question that uses them.
	ListNames map[string]string
	// Metadata starts the survey sheet with ODK's start and end rows, which record when a
	// form was filled in, as KoboToolbox adds them; palabre skips them when it reads.
	Metadata bool
	// Modified is the workbook's creation and modification time in its properties; the
	// zero time writes 2000-01-01, so that the same form always gives the same bytes.
	Modified time.Time
}

// Write writes a form and its editions as an XLSForm workbook (.xlsx) that ODK and
// KoboToolbox tools accept and that Read reads back as the same form and editions: the
// sheets survey, choices, settings and editions.
//
// Standard XLSForm says most of a form: types, lists, labels, hints and constraint messages
// in every language ("label::French (fr)"), required, relevant, constraint (as their source
// text), a Likert question's appearance likert, a matrix as a table-list group with one row
// per item, limits as a constraint such as ". >= 0 and . <= 500". What it cannot say is in
// palabre's own columns and sheets, which ODK tools ignore: changed_in; the palabre column
// ("type=rating min=1 max=5") when a question's type or limits would otherwise read back
// differently, such as limits beside a constraint of the question's own; the settings
// translated_title (the title's other languages: form_title holds the default language's),
// description, countries, roles_list, organisations_list and languages (when their order is
// not the usual one); the editions sheet.
//
// ODK tools also need the names of a matrix's items to be XML names (a letter or "_", then
// letters, digits, "_", "-" or "."), since each is a question of its table-list group.
//
// Every edition must be of the form's survey and answered with a version up to the form's.
// An edition's dates are written as days: opens its first day, closes its last day open.
func Write(w io.Writer, f *survey.Form, editions []survey.Edition, opt Options) error {
	wb, err := layout(f, editions, opt)
	if err != nil {
		return err
	}
	return wb.save(w, opt.Modified)
}

// cellDate is a day written as a spreadsheet date.
type cellDate time.Time

// book is the rows of each sheet, header first, in the order the sheets are written.
type book struct {
	f        *survey.Form
	langs    []string // the language columns of texts
	names    map[string]string
	survey   [][]any
	choices  [][]any
	settings [][]any
	editions [][]any
	lists    map[string]string // list content → list name
	taken    map[string]bool   // list names
	// columns holds the choices' filter columns (Choice.Columns) by choices row, with
	// their names in order of appearance: written after the labels.
	columns     map[int]map[string]string
	columnNames []string
}

var surveyHeader = []string{"type", "name", "label", "hint", "required", "relevant", "constraint",
	"constraint_message", "calculation", "choice_filter", "appearance", "parameters", "changed_in", "palabre"}

// row is the cells of a survey row by column; texts are survey.Text.
type cells map[string]any

func layout(f *survey.Form, editions []survey.Edition, opt Options) (*book, error) {
	b := &book{f: f, names: opt.ListNames, lists: map[string]string{}, taken: map[string]bool{}}
	b.langs = textLanguages(f)
	b.choices = [][]any{append([]any{"list_name", "name"}, b.translated("label")...)}
	var rows []cells
	if opt.Metadata {
		rows = append(rows, cells{"type": "start", "name": "start"}, cells{"type": "end", "name": "end"})
	}
	for _, s := range f.Sections {
		if s.Key != "" {
			rows = append(rows, cells{"type": "begin_group", "name": s.Key, "label": s.Label, "relevant": s.Relevant})
		}
		for _, q := range s.Questions {
			qr, err := b.question(q)
			if err != nil {
				return nil, fmt.Errorf("write xlsform: question %s: %w", q.Key, err)
			}
			rows = append(rows, qr...)
		}
		if s.Key != "" {
			rows = append(rows, cells{"type": "end_group"})
		}
	}
	used := map[string]bool{}
	for _, r := range rows {
		for k, v := range r {
			if t, ok := v.(survey.Text); (ok && !t.Empty()) || (!ok && v != nil && v != "") {
				used[k] = true
			}
		}
	}
	b.survey = append(b.survey, b.header(used))
	for _, r := range rows {
		b.row(used, r)
	}
	for _, name := range b.columnNames {
		b.choices[0] = append(b.choices[0], name)
		for i := 1; i < len(b.choices); i++ {
			b.choices[i] = append(b.choices[i], b.columns[i][name])
		}
	}
	b.settingsSheet()
	if err := b.editionsSheet(editions); err != nil {
		return nil, err
	}
	return b, nil
}

// textLanguages returns the languages of the text columns: the form's, then any other a text
// is written in (which a form should not have, but which is kept).
func textLanguages(f *survey.Form) []string {
	out := slices.Clone(f.Languages)
	if !slices.Contains(out, f.DefaultLanguage) {
		out = append([]string{f.DefaultLanguage}, out...)
	}
	var extra []string
	add := func(t survey.Text) {
		for _, l := range t.Languages() {
			if !slices.Contains(out, l) && !slices.Contains(extra, l) {
				extra = append(extra, l)
			}
		}
	}
	add(f.Title)
	add(f.Description)
	for _, c := range slices.Concat(f.Profile.Roles, f.Profile.Organisations) {
		add(c.Label)
	}
	for _, s := range f.Sections {
		add(s.Label)
		for _, q := range s.Questions {
			add(q.Label)
			add(q.Hint)
			add(q.ConstraintMessage)
			for _, c := range slices.Concat(q.Choices, q.Items) {
				add(c.Label)
			}
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// languageName names a language as ODK documents it: "French (fr)"; the bare code when
// its English name is not known.
func languageName(lang string) string {
	tag, err := language.Parse(lang)
	if err != nil { // a tag of palabre's own, such as kreyol: written as it is
		return lang
	}
	name := display.English.Languages().Name(tag)
	if name == "" || strings.ContainsAny(name, "():") {
		return lang
	}
	return fmt.Sprintf("%s (%s)", name, lang)
}

// columnHeader writes a translated column's header: "label::French (fr)".
func columnHeader(base, lang string) string { return base + "::" + languageName(lang) }

func (b *book) translated(base string) []any {
	out := make([]any, len(b.langs))
	for i, l := range b.langs {
		out[i] = columnHeader(base, l)
	}
	return out
}

func (b *book) texts(t survey.Text) []any {
	out := make([]any, len(b.langs))
	for i, l := range b.langs {
		out[i] = t[l]
	}
	return out
}

// optional are the survey columns written only when a row fills them.
var optional = []string{"hint", "relevant", "constraint", "constraint_message", "calculation",
	"choice_filter", "appearance", "parameters", "changed_in", "palabre"}

func (b *book) header(used map[string]bool) []any {
	var out []any
	for _, h := range surveyHeader {
		if slices.Contains(optional, h) && !used[h] {
			continue
		}
		switch h {
		case "label", "hint", "constraint_message":
			out = append(out, b.translated(h)...)
		default:
			out = append(out, h)
		}
	}
	return out
}

func (b *book) row(used map[string]bool, c cells) {
	var out []any
	for _, h := range surveyHeader {
		if slices.Contains(optional, h) && !used[h] {
			continue
		}
		switch h {
		case "label", "hint", "constraint_message":
			t, _ := c[h].(survey.Text)
			out = append(out, b.texts(t)...)
		default:
			out = append(out, c[h])
		}
	}
	b.survey = append(b.survey, out)
}

// question returns the survey rows of a question: one, or a matrix's group and rows.
func (b *book) question(q survey.Question) ([]cells, error) {
	c := cells{"name": q.Key, "label": q.Label, "hint": q.Hint, "relevant": q.Relevant,
		"constraint": q.Constraint, "constraint_message": q.ConstraintMessage,
		"calculation": q.Calculation, "choice_filter": q.ChoiceFilter}
	if q.Required {
		c["required"] = "yes"
	}
	if q.ChangedIn != 0 {
		c["changed_in"] = q.ChangedIn
	}
	switch q.Type {
	case survey.Note:
		c["type"] = "note"
	case survey.ShortText:
		c["type"] = "text"
	case survey.LongText:
		c["type"], c["appearance"] = "text", "multiline"
	case survey.Date:
		c["type"] = "date"
	case survey.Time, survey.Geopoint, survey.Acknowledge:
		c["type"] = string(q.Type)
	case survey.DateTime:
		c["type"] = "dateTime"
	case survey.Number:
		c["type"] = "decimal"
		if q.Integer {
			c["type"] = "integer"
		}
		if q.Step != nil {
			stepped(q, c)
			return []cells{c}, nil
		}
	case survey.Rating:
		lo, _, hi, _ := q.Bounds()
		c["type"] = "range"
		c["parameters"] = fmt.Sprintf("start=%s end=%s step=1", expr.FormatNumber(lo), expr.FormatNumber(hi))
		if lo >= hi || lo != float64(int64(lo)) || hi != float64(int64(hi)) || max(-lo, hi) > 1e15 {
			// Not a range ODK can show: a whole number within the limits the palabre column gives.
			c["type"], c["parameters"] = "integer", nil
		}
	case survey.YesNo:
		c["type"] = "select_one " + b.list("yes_no", yesNoChoices(b.f.Languages))
	case survey.SingleChoice:
		c["type"] = "select_one " + b.list(q.Key, q.Choices)
	case survey.Likert:
		c["type"], c["appearance"] = "select_one "+b.list(q.Key, q.Choices), "likert"
	case survey.MultipleChoice:
		c["type"] = "select_multiple " + b.list(q.Key, q.Choices)
	case survey.Matrix:
		return b.matrix(q, c), nil
	case survey.Calculate:
		c["type"] = "calculate"
	default:
		return nil, fmt.Errorf("type %q has no XLSForm equivalent", q.Type)
	}
	limits(q, c)
	return []cells{c}, nil
}

// yesNoChoices are the yes and no choices of a yes/no question, whose labels palabre gives.
func yesNoChoices(langs []string) []survey.Choice {
	yes := survey.Text{survey.French: "Oui", survey.English: "Yes", survey.Spanish: "Sí"}
	no := survey.Text{survey.French: "Non", survey.English: "No", survey.Spanish: "No"}
	for _, t := range []survey.Text{yes, no} {
		for l := range t {
			if !slices.Contains(langs, l) {
				delete(t, l)
			}
		}
	}
	return []survey.Choice{{Key: "yes", Label: yes}, {Key: "no", Label: no}}
}

// limits writes a question's limits the standard way, as a constraint that the reader turns
// back into them, when that gives the same question back; else in the palabre column, with
// the question's own constraint left as it is. A type the reader would take for another is
// named in the palabre column too.
func limits(q survey.Question, c cells) {
	var bounds []string
	switch q.Type {
	case survey.Number:
		if q.Min != nil {
			bounds = append(bounds, ". >= "+expr.FormatNumber(*q.Min))
		}
		if q.Max != nil {
			bounds = append(bounds, ". <= "+expr.FormatNumber(*q.Max))
		}
	case survey.MultipleChoice:
		if q.MinSelected > 0 {
			bounds = append(bounds, fmt.Sprintf("count-selected(.) >= %d", q.MinSelected))
		}
		if q.MaxSelected > 0 {
			bounds = append(bounds, fmt.Sprintf("count-selected(.) <= %d", q.MaxSelected))
		}
	case survey.ShortText, survey.LongText:
		if q.MaxLength > 0 {
			bounds = append(bounds, fmt.Sprintf("string-length(.) <= %d", q.MaxLength))
		}
	}
	read := survey.Question{Type: q.Type, Integer: q.Integer, Constraint: q.Constraint,
		ConstraintMessage: q.ConstraintMessage}
	if len(bounds) > 0 && q.Constraint == "" && q.ConstraintMessage == nil {
		read.Constraint = strings.Join(bounds, " and ")
	}
	(&reader{}).bounds(&read)
	same := read.Constraint == q.Constraint && reflect.DeepEqual(read.Min, q.Min) &&
		reflect.DeepEqual(read.Max, q.Max) && read.MinSelected == q.MinSelected &&
		read.MaxSelected == q.MaxSelected && read.MaxLength == q.MaxLength
	ownType := (q.Type == survey.SingleChoice && isYesNo(&list{choices: q.Choices})) ||
		(q.Type == survey.Rating && (q.Min != nil || q.Max != nil))
	if same && !ownType {
		if len(bounds) > 0 && q.Constraint == "" && q.ConstraintMessage == nil {
			c["constraint"] = strings.Join(bounds, " and ")
		}
		return
	}
	c["palabre"] = palabreCell(q)
}

// stepped writes a number with a step as an XLSForm range when the reader gives it back
// equal from the range's parameters; else as a number whose palabre column gives its limits.
func stepped(q survey.Question, c cells) {
	if q.Min != nil && q.Max != nil && q.Constraint == "" && q.ConstraintMessage == nil {
		lo, hi, step := *q.Min, *q.Max, *q.Step
		steps := (hi - lo) / step
		whole := lo == math.Trunc(lo) && hi == math.Trunc(hi) && step == math.Trunc(step)
		if lo <= hi && whole == q.Integer && math.Abs(steps-math.Round(steps)) <= 1e-9 &&
			!(lo == 0 && hi == 10 && step == 1) && max(-lo, hi, step) <= 1e15 {
			c["type"] = "range"
			c["parameters"] = fmt.Sprintf("start=%s end=%s step=%s", expr.FormatNumber(lo), expr.FormatNumber(hi), expr.FormatNumber(step))
			return
		}
	}
	c["palabre"] = palabreCell(q)
}

// palabreCell writes the palabre column of a question: its type and limits.
func palabreCell(q survey.Question) string {
	parts := []string{"type=" + string(q.Type)}
	num := func(k string, f *float64) {
		if f != nil {
			parts = append(parts, k+"="+expr.FormatNumber(*f))
		}
	}
	whole := func(k string, n int) {
		if n != 0 {
			parts = append(parts, k+"="+strconv.Itoa(n))
		}
	}
	num("min", q.Min)
	num("max", q.Max)
	num("step", q.Step)
	whole("min_selected", q.MinSelected)
	whole("max_selected", q.MaxSelected)
	whole("max_length", q.MaxLength)
	return strings.Join(parts, " ")
}

// matrix writes a matrix the ODK way: a table-list group with one select_one row per item,
// all required when the matrix is.
func (b *book) matrix(q survey.Question, c cells) []cells {
	list := b.list(q.Key, q.Choices)
	c["type"], c["appearance"] = "begin_group", "table-list"
	delete(c, "required")
	out := []cells{c}
	for _, it := range q.Items {
		r := cells{"type": "select_one " + list, "name": it.Key, "label": it.Label, "appearance": "list-nolabel"}
		if q.Required {
			r["required"] = "yes"
		}
		out = append(out, r)
	}
	return append(out, cells{"type": "end_group"})
}

// list returns the name of a choices list with these choices, adding it when it is new.
func (b *book) list(name string, cs []survey.Choice) string {
	key := listKey(cs)
	if n, ok := b.lists[key]; ok {
		return n
	}
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.Key
	}
	if n, ok := b.names[strings.Join(keys, " ")]; ok && n != "" && !strings.ContainsAny(n, " \t\n") {
		name = n
	}
	for base, i := name, 2; b.taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	b.lists[key], b.taken[name] = name, true
	for _, ch := range cs {
		b.choices = append(b.choices, append([]any{name, ch.Key}, b.texts(ch.Label)...))
		if len(ch.Columns) > 0 {
			if b.columns == nil {
				b.columns = map[int]map[string]string{}
			}
			b.columns[len(b.choices)-1] = ch.Columns
			for _, k := range slices.Sorted(maps.Keys(ch.Columns)) {
				if !slices.Contains(b.columnNames, k) {
					b.columnNames = append(b.columnNames, k)
				}
			}
		}
	}
	return name
}

// listKey identifies a list's content: its choices' names and labels.
func listKey(cs []survey.Choice) string {
	var sb strings.Builder
	for _, c := range cs {
		sb.WriteString(strconv.Quote(c.Key))
		for _, l := range c.Label.Languages() {
			sb.WriteString(" " + l + "=" + strconv.Quote(c.Label[l]))
		}
		for _, k := range slices.Sorted(maps.Keys(c.Columns)) {
			sb.WriteString(" column:" + k + "=" + strconv.Quote(c.Columns[k]))
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func (b *book) settingsSheet() {
	f := b.f
	// ODK's title is one text, form_title, in the default language: pyxform refuses
	// form_title::fr. The other languages' are in palabre's translated_title columns.
	head := []any{"form_title", "form_id", "version", "default_language"}
	vals := []any{f.Title[f.DefaultLanguage], f.SurveyID, f.Version, languageName(f.DefaultLanguage)}
	for _, l := range b.langs {
		if l != f.DefaultLanguage {
			head, vals = append(head, columnHeader("translated_title", l)), append(vals, f.Title[l])
		}
	}
	if !f.Description.Empty() {
		head, vals = append(head, b.translated("description")...), append(vals, b.texts(f.Description)...)
	}
	if !slices.Equal(f.Languages, orderLanguages(f.DefaultLanguage, set(b.langs))) {
		head, vals = append(head, "languages"), append(vals, strings.Join(f.Languages, " "))
	}
	if !slices.Equal(f.Profile.Countries, survey.NetworkCountries) {
		head, vals = append(head, "countries"), append(vals, strings.Join(f.Profile.Countries, " "))
	}
	if !reflect.DeepEqual(f.Profile.Roles, survey.DefaultRoles) {
		head, vals = append(head, "roles_list"), append(vals, b.list("roles", f.Profile.Roles))
	}
	if len(f.Profile.Organisations) > 0 {
		head, vals = append(head, "organisations_list"), append(vals, b.list("organisations", f.Profile.Organisations))
	}
	b.settings = [][]any{head, vals}
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func (b *book) editionsSheet(es []survey.Edition) error {
	b.editions = [][]any{{"year", "place", "opens", "closes", "invited", "form_version"}}
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b survey.Edition) int { return a.Year - b.Year })
	for _, e := range es {
		switch {
		case e.SurveyID != b.f.SurveyID:
			return fmt.Errorf("write xlsform: edition %d is of survey %q, not %q", e.Year, e.SurveyID, b.f.SurveyID)
		case e.FormVersion > b.f.Version:
			return fmt.Errorf("write xlsform: edition %d is answered with version %d, above the form's %d", e.Year, e.FormVersion, b.f.Version)
		}
		row := []any{e.Year, e.Place, nil, nil, nil, nil}
		if !e.Opens.IsZero() {
			row[2] = cellDate(e.Opens)
		}
		if !e.Closes.IsZero() {
			row[3] = cellDate(e.Closes.Add(-time.Nanosecond)) // the sheet names the last day open
		}
		if e.Invited > 0 {
			row[4] = e.Invited
		}
		if e.FormVersion != b.f.Version {
			row[5] = e.FormVersion
		}
		b.editions = append(b.editions, row)
	}
	return nil
}

// epoch is the day spreadsheet dates count from.
var epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func (b *book) save(w io.Writer, modified time.Time) error {
	x := excelize.NewFile()
	defer x.Close()
	dayFormat := "yyyy-mm-dd"
	dateStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dayFormat})
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	sheets := []struct {
		name string
		rows [][]any
	}{{"survey", b.survey}, {"choices", b.choices}, {"settings", b.settings}, {"editions", b.editions}}
	for i, sh := range sheets {
		if i == 0 {
			err = x.SetSheetName("Sheet1", sh.name)
		} else {
			_, err = x.NewSheet(sh.name)
		}
		if err != nil {
			return err
		}
		for r, row := range sh.rows {
			for c, v := range row {
				if err := setCell(x, sh.name, c+1, r+1, v, dateStyle); err != nil {
					return fmt.Errorf("write xlsform: %s sheet: %w", sh.name, err)
				}
			}
		}
		last, err := excelize.CoordinatesToCellName(max(len(sh.rows[0]), 1), 1)
		if err != nil {
			return err
		}
		if err := x.SetCellStyle(sh.name, "A1", last, bold); err != nil {
			return err
		}
		// The sheet's dimension, which readers in read-only mode (openpyxl's, and so
		// pyxform's, KoboToolbox's and ODK Central's) trust to know how far to read.
		width := 1
		for _, row := range sh.rows {
			width = max(width, len(row))
		}
		corner, err := excelize.CoordinatesToCellName(width, max(len(sh.rows), 1))
		if err != nil {
			return err
		}
		if err := x.SetSheetDimension(sh.name, "A1:"+corner); err != nil {
			return err
		}
		if err := x.SetColWidth(sh.name, "A", "Z", 24); err != nil {
			return err
		}
		if err := x.SetPanes(sh.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	if modified.IsZero() {
		modified = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	stamp := modified.UTC().Format(time.RFC3339)
	if err := x.SetDocProps(&excelize.DocProperties{Creator: "palabre", Created: stamp, Modified: stamp}); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}

func setCell(x *excelize.File, sheet string, col, row int, v any, dateStyle int) error {
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if v == "" {
			return nil
		}
		return x.SetCellStr(sheet, cell, v)
	case cellDate:
		t := time.Time(v).UTC()
		days := int(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Sub(epoch).Hours() / 24)
		if err := x.SetCellInt(sheet, cell, int64(days)); err != nil {
			return err
		}
		return x.SetCellStyle(sheet, cell, cell, dateStyle)
	case int:
		return x.SetCellInt(sheet, cell, int64(v))
	}
	return fmt.Errorf("cell %s: unexpected %T", cell, v)
}
