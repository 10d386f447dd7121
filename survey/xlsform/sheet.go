package xlsform

import (
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palabre/palabre/survey"
)

// sheet is one worksheet: its header row split into columns, and its data rows.
type sheet struct {
	name    string // as the workbook spells it
	columns []column
	rows    []row
}

// column is a header cell. A translated column such as "label::French (fr)" has base
// "label" and lang "fr"; an untranslated one has lang "".
type column struct {
	header string
	base   string
	lang   string
	index  int
}

// row is a data row; n is its number as spreadsheet programs show it (the header is row 1).
type row struct {
	n     int
	cells []string
}

// reader gathers a workbook's problems and warnings.
type reader struct {
	file     string
	problems []survey.Problem
	warnings []survey.Problem
	sources  map[string]string // Problem.Field → where it is defined
	warned   map[string]bool   // sheet and column already warned about
	lang     string            // the form's default language
	rows     map[string]int    // question or group name → the row it is first defined on
	files    fs.FS             // the files beside the workbook (CSV choices); nil when none
	opts     ReadOptions
	dropped  []Dropped
	external *sheet // the external_choices sheet, the lists of select_one_external
	tooLong  bool   // loops expand to more rows than a sheet may have
}

// drop leaves out the question on rw when the workbook is read with DropUnsupported, and
// reports it as a problem on col otherwise.
func (r *reader) drop(sh *sheet, rw row, col, format string, args ...any) {
	key := sh.cell(rw, "name")
	if !r.opts.DropUnsupported {
		r.problem(sh, rw.n, col, key, format, args...)
		return
	}
	r.dropped = append(r.dropped, Dropped{Sheet: sh.name, Row: rw.n, Name: key,
		Type: sh.cell(rw, "type"), Reason: fmt.Sprintf(format, args...)})
}

// where writes the place of a cell: `file, survey sheet, row 7, column "relevant"`. A row of
// 0 leaves the row out, an empty column the column.
func (r *reader) where(sh *sheet, n int, col string) string {
	s := fmt.Sprintf("%s, %s sheet", r.file, sh.name)
	if n > 0 {
		s += fmt.Sprintf(", row %d", n)
	}
	if col != "" {
		s += fmt.Sprintf(", column %q", col)
	}
	return s
}

func (r *reader) problem(sh *sheet, n int, col, field, format string, args ...any) {
	r.problems = append(r.problems, survey.Problem{Source: r.where(sh, n, col), Field: field,
		Reason: fmt.Sprintf(format, args...)})
}

func (r *reader) warn(sh *sheet, n int, col, field, format string, args ...any) {
	r.warnings = append(r.warnings, survey.Problem{Source: r.where(sh, n, col), Field: field,
		Reason: fmt.Sprintf(format, args...)})
}

// newSheet splits raw rows into a header and data rows, dropping rows with no text.
func (r *reader) newSheet(name string, raw [][]string) *sheet {
	sh := &sheet{name: name}
	if len(raw) == 0 {
		return sh
	}
	seen := map[string]bool{}
	for i, h := range raw[0] {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		c, ok := r.parseHeader(sh, h)
		if !ok {
			continue
		}
		c.index = i
		key := c.base + "::" + c.lang
		if seen[key] {
			r.problem(sh, 1, h, "", "the column is given twice")
			continue
		}
		seen[key] = true
		sh.columns = append(sh.columns, c)
	}
	for i, cells := range raw[1:] {
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		// A row with text only in columns without a header is empty, as pyxform reads it.
		if slices.ContainsFunc(sh.columns, func(c column) bool { return c.index < len(cells) && cells[c.index] != "" }) {
			sh.rows = append(sh.rows, row{n: i + 2, cells: cells})
		}
	}
	return sh
}

// translatable are the columns palabre reads in several languages.
var translatable = []string{"label", "hint", "constraint_message", "form_title", "description", "translated_title"}

// aliases are other spellings of columns, after normalise.
var aliases = map[string]string{
	"jr:constraintmsg": "constraint_message",
	"jr:requiredmsg":   "required_message",
	"list":             "list_name",
}

// settingsAliases are pyxform's other names of settings columns.
var settingsAliases = map[string]string{
	"set_form_id": "form_id", "id_string": "form_id",
	"set_form_title": "form_title", "title": "form_title",
}

// parseHeader reads a header cell. "label::French (fr)" is the label in French; a header
// whose last "::" part is not a language, such as "media::image", is a column of its own.
func (r *reader) parseHeader(sh *sheet, h string) (column, bool) {
	c := column{header: h}
	parts := strings.Split(h, "::")
	if base, lang, found := strings.Cut(h, ":"); found && len(parts) == 1 && !strings.Contains(lang, ":") &&
		slices.Contains(translatable, normalise(base)) {
		parts = []string{base, lang} // pyxform's older "label:English"
	}
	c.base = normalise(parts[0])
	if a, ok := aliases[c.base]; ok {
		c.base = a
	}
	if kind, _ := sheetKind(sh.name); kind == "settings" {
		if a, ok := settingsAliases[c.base]; ok {
			c.base = a
		}
	}
	if len(parts) == 1 {
		return c, true
	}
	last := parts[len(parts)-1]
	lang, ambiguous, ok := languageOf(last)
	if len(parts) == 2 && slices.Contains(translatable, c.base) {
		if !ok {
			// A language palabre does not know ("label::Kreyol") is kept as its own tag.
			if lang, ok = ownTag(last); !ok {
				r.problem(sh, 1, h, "", "cannot tell the language of %q: write it with its code, such as %q",
					strings.TrimSpace(last), "Wolof (wo)")
				return c, false
			}
			if name, code := nearLanguage(last); name != "" {
				r.warn(sh, 1, h, "", "%q is no language palabre knows: read as a language of its own, %s; if you meant %s, write it with its code, such as %q",
					strings.TrimSpace(last), lang, name, name+" ("+code+")")
			}
		}
		if ambiguous {
			r.warn(sh, 1, h, "", "%q names several languages: read as %s; write it with its code, such as %q, to choose",
				strings.TrimSpace(last), lang, "Wolof (wo)")
		}
		c.lang = lang
		return c, true
	}
	if ok {
		c.lang = lang
		c.base = normalise(strings.Join(parts[:len(parts)-1], "::"))
		return c, true
	}
	c.base = normalise(h)
	return c, true
}

// normalise writes a column name the canonical way: lower case, "_" for spaces.
func normalise(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "_")
}

var (
	codeInParensRE = regexp.MustCompile(`\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$`)
	bareCodeRE     = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// languageCode reads a language named in the settings: "French (fr)", "fr", "Français",
// "chinese" (any language's name in English, French, Spanish or itself), or a name palabre
// does not know, kept as its own tag (ownTag). "default" is the default language, "".
func languageCode(s string) (string, bool) {
	code, _, ok := languageOf(s)
	if !ok {
		code, ok = ownTag(s)
	}
	return code, ok
}

// languageOf is languageCode, telling also whether a name fits several languages.
func languageOf(s string) (code string, ambiguous, ok bool) {
	s = strings.TrimSpace(s)
	if m := codeInParensRE.FindStringSubmatch(s); m != nil {
		return strings.ToLower(m[1]), false, true
	}
	l := strings.ToLower(s)
	if bareCodeRE.MatchString(l) {
		return l, false, true
	}
	if l == "default" {
		return "", false, true
	}
	return nameLanguage(l)
}

// cell returns the text of row's cell in the column with base name and no language.
func (sh *sheet) cell(rw row, base string) string {
	for _, c := range sh.columns {
		if c.base == base && c.lang == "" && c.index < len(rw.cells) {
			return rw.cells[c.index]
		}
	}
	return ""
}

// header returns the header of the column with base name and no language, or base.
func (sh *sheet) header(base string) string {
	for _, c := range sh.columns {
		if c.base == base && c.lang == "" {
			return c.header
		}
	}
	return base
}

// text returns a translated text: every "base::lang" column, and the untranslated "base"
// column as the default language where that language's own column is empty. nil when empty.
func (sh *sheet) text(rw row, base, defaultLang string) survey.Text {
	t := survey.Text{}
	for _, c := range sh.columns {
		if c.base != base || c.index >= len(rw.cells) || rw.cells[c.index] == "" {
			continue
		}
		lang := c.lang
		if lang == "" {
			lang = defaultLang
			if _, set := t[lang]; set {
				continue
			}
		}
		t[lang] = rw.cells[c.index]
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

// languages returns the languages of the translated columns of the text kinds.
func (sh *sheet) languages(into map[string]bool, bases ...string) {
	for _, c := range sh.columns {
		for _, b := range bases {
			if c.base == b && c.lang != "" {
				into[c.lang] = true
			}
		}
	}
}

// yes reads a yes/no cell: yes, true, 1, true() (any case) and no, false, 0, false(), "".
func yes(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "true()", "y", "oui", "sí", "si":
		return true, true
	case "", "no", "false", "0", "false()", "n", "non":
		return false, true
	}
	return false, false
}

// whole reads a whole number, written as text or stored as a number ("2024101501", "3.0").
func whole(s string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// date reads a date written YYYY-MM-DD, or stored as a spreadsheet date (days since
// 1899-12-30, as Excel and LibreOffice store them).
func date(s string) (time.Time, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > 200000 || f != math.Trunc(f) {
		return time.Time{}, false
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)), true
}
