package xlsform

import (
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
)

// textColumns are the columns that hold translatable text.
var textColumns = []string{"label", "hint", "constraint_message", "form_title", "description", "translated_title"}

// workbook reads the sheets into a Result.
func (r *reader) workbook(sheets map[string]*sheet) *Result {
	f := &survey.Form{}
	res := &Result{Form: f}
	st := r.settings(sheets["settings"], sheets["survey"], f)
	f.Description = st.description
	r.lang = f.DefaultLanguage
	lists := r.lists(sheets["choices"], f.DefaultLanguage)
	r.external = sheets["external_choices"]
	f.Sections = r.survey(sheets["survey"], lists, f.DefaultLanguage)
	f.Profile = r.profile(sheets["settings"], st, lists)
	langs := map[string]bool{}
	for _, sh := range sheets {
		sh.languages(langs, textColumns...)
	}
	f.Languages = orderLanguages(f.DefaultLanguage, langs)
	if listed := r.listedLanguages(sheets["settings"], st); listed != nil {
		f.Languages = listed
	} else {
		r.sources["languages"] = r.where(sheets["survey"], 1, "")
	}
	res.Editions = r.editions(sheets["editions"], f)
	return res
}

// orderLanguages puts the default language first, then fr, en and es, then the others
// alphabetically.
func orderLanguages(def string, langs map[string]bool) []string {
	out := []string{def}
	for _, l := range []string{survey.French, survey.English, survey.Spanish} {
		if langs[l] && l != def {
			out = append(out, l)
		}
	}
	var rest []string
	for l := range langs {
		if !slices.Contains(out, l) {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// settingsRow holds the palabre settings read from the settings sheet that the form's
// profile and the Result need.
type settingsRow struct {
	description survey.Text
	countries   string
	roles, orgs string // names of choices lists
	languages   string // the languages participants choose from, in order
	row         int
}

var ignoredSettings = []string{"instance_name", "public_key", "submission_url", "style",
	"allow_choice_duplicates", "namespaces", "clean_text_values", "name", "auto_send", "auto_delete"}

var usedSettings = []string{"form_title", "form_id", "version", "default_language", "description",
	"countries", "roles_list", "organisations_list", "languages", "translated_title"}

func (r *reader) settings(sh, surveySheet *sheet, f *survey.Form) settingsRow {
	var st settingsRow
	f.Version = 1
	f.DefaultLanguage = defaultLanguage(surveySheet)
	if sh == nil || len(sh.rows) == 0 {
		r.formIDFromFile(f, sh)
		return st
	}
	rw := sh.rows[0]
	st.row = rw.n
	for _, extra := range sh.rows[1:] {
		r.warn(sh, extra.n, "", "", "only the first row of settings is read")
	}
	r.unusedColumns(sh, rw, usedSettings, ignoredSettings)
	if s := sh.cell(rw, "default_language"); s != "" {
		lang, ok := languageCode(s)
		if !ok || lang == "" {
			r.problem(sh, rw.n, sh.header("default_language"), "default_language",
				"cannot tell the language of %q: write it as a code such as fr, or as \"French (fr)\"", s)
		} else {
			f.DefaultLanguage = lang
		}
	}
	r.sources["default_language"] = r.where(sh, rw.n, sh.header("default_language"))
	f.Title = sh.text(rw, "form_title", f.DefaultLanguage)
	for l, s := range sh.text(rw, "translated_title", f.DefaultLanguage) {
		if f.Title[l] == "" {
			if f.Title == nil {
				f.Title = survey.Text{}
			}
			f.Title[l] = s
		}
	}
	r.sources["title"] = r.where(sh, rw.n, sh.header("form_title"))
	st.description = sh.text(rw, "description", f.DefaultLanguage)
	if s := sh.cell(rw, "version"); s != "" {
		n, ok := whole(s)
		if !ok || n < 1 || n > math.MaxInt32 {
			r.problem(sh, rw.n, sh.header("version"), "version",
				"%q is not a whole number between 1 and %d (a date-like version such as 2024101501 is fine)", s, math.MaxInt32)
		} else {
			f.Version = int(n)
		}
	}
	r.sources["version"] = r.where(sh, rw.n, sh.header("version"))
	f.SurveyID = sh.cell(rw, "form_id")
	switch {
	case f.SurveyID == "":
		r.formIDFromFile(f, sh)
	case !survey.ValidSlug(f.SurveyID):
		if id := slug(f.SurveyID); id != "" {
			r.warn(sh, rw.n, sh.header("form_id"), "survey",
				"form_id %q is not lower-case letters, digits, '-' or '_': the survey is called %s", f.SurveyID, id)
			f.SurveyID = id
			r.sources["survey"] = r.where(sh, rw.n, sh.header("form_id"))
			break
		}
		r.problem(sh, rw.n, sh.header("form_id"), "survey",
			"form_id %q must be lower-case letters, digits, '-' or '_' (at most 64)", f.SurveyID)
	default:
		r.sources["survey"] = r.where(sh, rw.n, sh.header("form_id"))
	}
	r.titleFromID(f, sh, rw.n)
	st.countries = sh.cell(rw, "countries")
	st.roles = sh.cell(rw, "roles_list")
	st.orgs = sh.cell(rw, "organisations_list")
	st.languages = sh.cell(rw, "languages")
	if st.languages != "" {
		r.sources["languages"] = r.where(sh, rw.n, sh.header("languages"))
	}
	return st
}

// formIDFromFile names a form without form_id after its file, as ODK tools do.
func (r *reader) formIDFromFile(f *survey.Form, sh *sheet) {
	defer r.titleFromID(f, sh, 0)
	stem := strings.TrimSuffix(filepath.Base(r.file), filepath.Ext(r.file))
	stem = strings.TrimSuffix(stem, ".xls") // NAME.xls.xlsx, a converted .xls
	where := r.file
	if sh != nil {
		where = r.where(sh, 0, "form_id")
	}
	r.sources["survey"] = where
	if id := slug(stem); id != "" {
		f.SurveyID = id
		r.warnings = append(r.warnings, survey.Problem{Source: where, Field: "survey",
			Reason: "no form_id in the settings sheet: the survey is called " + id + " after the file"})
		return
	}
	r.problems = append(r.problems, survey.Problem{Source: where, Field: "survey",
		Reason: "the settings sheet needs a form_id: the survey's stable name, such as partners-meeting"})
}

// titleFromID titles a form without form_title after its id, as ODK tools do.
func (r *reader) titleFromID(f *survey.Form, sh *sheet, n int) {
	if f.SurveyID == "" || f.Title[f.DefaultLanguage] != "" {
		return
	}
	if f.Title == nil {
		f.Title = survey.Text{}
	}
	f.Title[f.DefaultLanguage] = f.SurveyID
	where := r.file
	if sh != nil {
		where = r.where(sh, n, "form_title")
	}
	r.sources["title"] = where
	r.warnings = append(r.warnings, survey.Problem{Source: where, Field: "title",
		Reason: "no form_title: the survey's title is its id, " + f.SurveyID})
}

// slug writes a name as a survey id: lower case, accents removed, '-' for what is not a
// letter, digit, '-' or '_'; "" when nothing is left.
func slug(s string) string {
	s, _, _ = transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-")
	}
	if !survey.ValidSlug(out) {
		return ""
	}
	return out
}

// defaultLanguage picks the default language when settings name none: French when the
// labels have an untranslated column or a French one, else the first translated label.
func defaultLanguage(sh *sheet) string {
	if sh == nil {
		return survey.DefaultLanguage
	}
	first := ""
	for _, c := range sh.columns {
		if c.base != "label" {
			continue
		}
		if c.lang == "" || c.lang == survey.French {
			return survey.DefaultLanguage
		}
		if first == "" {
			first = c.lang
		}
	}
	if first == "" {
		return survey.DefaultLanguage
	}
	return first
}

// unusedColumns warns, once per column, about columns of sh that palabre does not read.
func (r *reader) unusedColumns(sh *sheet, rw row, used, known []string) {
	for _, c := range sh.columns {
		if slices.Contains(used, c.base) || c.index >= len(rw.cells) || rw.cells[c.index] == "" {
			continue
		}
		if r.warned[sh.name+"\x00"+c.header] {
			continue
		}
		if r.warned == nil {
			r.warned = map[string]bool{}
		}
		r.warned[sh.name+"\x00"+c.header] = true
		reason := "palabre does not use this column"
		if slices.Contains(known, c.base) {
			reason = "palabre does not use this setting"
		}
		r.warn(sh, rw.n, c.header, "", "%s", reason)
	}
}

// warnColumn warns about a cell of rw, once per column of the sheet.
func (r *reader) warnColumn(sh *sheet, rw row, base, format string, args ...any) {
	h := sh.header(base)
	if r.warned[sh.name+"\x00"+h] {
		return
	}
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	r.warned[sh.name+"\x00"+h] = true
	r.warn(sh, rw.n, h, "", format, args...)
}

// list is a choices list.
type list struct {
	name    string
	row     int
	choices []survey.Choice
	rows    []int // the row of each choice
	sheet   *sheet
	labeled bool // choices without a label have been given their name
	// columns holds, for each choice, its cells in the choices sheet's other columns
	// (such as country), which a choice_filter reads by name.
	columns []map[string]string
	// repeats is set when a list read from a file gives a choice twice with different
	// columns: a choice_filter could not tell which row holds.
	repeats string
}

// choiceColumns are the choices sheet columns that are not values a choice filter reads.
var choiceColumns = []string{"list_name", "name", "label", "image", "audio", "video", "big-image", "media"}

// extraColumns returns the cells of rw in the choices sheet's columns that a choice filter
// may read: untranslated columns with a name an expression can write, other than
// choiceColumns.
func extraColumns(sh *sheet, rw row) map[string]string {
	var out map[string]string
	for _, c := range sh.columns {
		if c.lang != "" || slices.Contains(choiceColumns, c.base) || !expr.ValidName(c.base) || c.index >= len(rw.cells) || rw.cells[c.index] == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[c.base] = rw.cells[c.index]
	}
	return out
}

// questionChoices are a list's choices as a question shows them: a choice without a label
// is shown with its name, as ODK does, with a warning the first time.
func (r *reader) questionChoices(l *list, cs []survey.Choice) []survey.Choice {
	for i := range cs {
		if cs[i].Label != nil {
			continue
		}
		cs[i].Label = survey.Text{r.lang: cs[i].Key}
		if !l.labeled && l.sheet != nil && i < len(l.rows) {
			r.warn(l.sheet, l.rows[i], l.sheet.header("label"), l.name, "the choice %s has no label: its name is shown instead", cs[i].Key)
		}
	}
	l.labeled = true
	return cs
}

func (r *reader) lists(sh *sheet, lang string) map[string]*list {
	out := map[string]*list{}
	if sh == nil {
		return out
	}
	for _, rw := range sh.rows {
		extra := extraColumns(sh, rw)
		r.unusedColumns(sh, rw, append([]string{"list_name", "name", "label"}, slices.Collect(maps.Keys(extra))...), nil)
		name, key := sh.cell(rw, "list_name"), sh.cell(rw, "name")
		switch {
		case name == "":
			r.problem(sh, rw.n, sh.header("list_name"), "", "the choice has no list_name")
			continue
		case key == "":
			r.problem(sh, rw.n, sh.header("name"), name, "the choice has no name")
			continue
		}
		l := out[name]
		if l == nil {
			l = &list{name: name, row: rw.n, sheet: sh}
			out[name] = l
		}
		l.choices = append(l.choices, survey.Choice{Key: key, Label: sh.text(rw, "label", lang)})
		l.columns = append(l.columns, extra)
		l.rows = append(l.rows, rw.n)
	}
	return out
}

func (r *reader) profile(sh *sheet, st settingsRow, lists map[string]*list) survey.Profile {
	p := survey.Profile{Countries: slices.Clone(survey.NetworkCountries), Roles: cloneChoices(survey.DefaultRoles)}
	if sh == nil {
		return p
	}
	if st.countries != "" {
		p.Countries = strings.FieldsFunc(st.countries, func(c rune) bool { return c == ',' || c == ';' || c == ' ' })
		r.sources["profile.countries"] = r.where(sh, st.row, sh.header("countries"))
	}
	pick := func(name, column, field string) []survey.Choice {
		l, ok := lists[name]
		if !ok {
			r.problem(sh, st.row, column, field, "there is no choices list %q", name)
			return nil
		}
		r.sources[field] = r.where(sh, st.row, column)
		return cloneChoices(l.choices)
	}
	if st.roles != "" {
		p.Roles = pick(st.roles, sh.header("roles_list"), "profile.roles")
	}
	if st.orgs != "" {
		p.Organisations = pick(st.orgs, sh.header("organisations_list"), "profile.organisations")
	}
	return p
}

func cloneChoices(cs []survey.Choice) []survey.Choice {
	if cs == nil {
		return nil
	}
	out := make([]survey.Choice, len(cs))
	for i, c := range cs {
		var t survey.Text // a choice without a label keeps none, as definitions write it
		if c.Label != nil {
			t = make(survey.Text, len(c.Label))
			for k, v := range c.Label {
				t[k] = v
			}
		}
		out[i] = survey.Choice{Key: c.Key, Label: t}
	}
	return out
}
