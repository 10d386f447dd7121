package xlsform

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/palabre/palabre/survey"
)

// palabreTypes are the palabre types the palabre column may give a question of each
// XLSForm type.
var palabreTypes = map[string][]survey.QuestionType{
	"select_one":      {survey.SingleChoice, survey.Likert, survey.YesNo},
	"select_multiple": {survey.MultipleChoice},
	"range":           {survey.Rating, survey.Number},
	"integer":         {survey.Number, survey.Rating},
	"decimal":         {survey.Number},
	"text":            {survey.ShortText, survey.LongText},
	"date":            {survey.Date},
	"time":            {survey.Time},
	"datetime":        {survey.DateTime},
	"geopoint":        {survey.Geopoint},
	"acknowledge":     {survey.Acknowledge},
	"note":            {survey.Note},
}

// palabreColumn reads the palabre column, where palabre writes what standard XLSForm cannot
// say: "type=rating min=1 max=5". When it is given, the question's type is the one it names
// (the XLSForm type otherwise) and its limits exactly those it lists: the constraint is the
// question's own, and a range's start and end only what ODK shows. ok is false when the
// cell has problems; given is false when it is empty.
func (r *reader) palabreColumn(sh *sheet, rw row, t typeSpec, l *list, q *survey.Question) (given, ok bool) {
	src := sh.cell(rw, "palabre")
	if src == "" {
		return false, true
	}
	col := sh.header("palabre")
	q.Min, q.Max, q.Step, q.MinSelected, q.MaxSelected, q.MaxLength = nil, nil, nil, 0, 0, 0
	ok = true
	src = aroundEqualsRE.ReplaceAllString(src, "=")
	for _, kv := range strings.Fields(src) {
		k, v, _ := strings.Cut(kv, "=")
		k = strings.ToLower(k)
		switch k {
		case "type":
			typ := survey.QuestionType(v)
			if !slices.Contains(palabreTypes[t.base], typ) {
				r.problem(sh, rw.n, col, q.Key, "type=%s does not fit a %s question", v, t.base)
				ok = false
				continue
			}
			if typ == survey.YesNo && (l == nil || !isYesNo(l)) {
				r.problem(sh, rw.n, col, q.Key, "type=yes_no needs a list whose names are yes and no")
				ok = false
				continue
			}
			q.Type = typ
			switch {
			case typ == survey.YesNo:
				q.Choices = nil
			case l != nil:
				q.Choices = cloneChoices(l.choices)
			}
			if typ != survey.Number {
				q.Integer = false
			} else if t.base != "range" {
				q.Integer = t.base == "integer"
			}
		case "min", "max", "step":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				r.problem(sh, rw.n, col, q.Key, "%s=%q is not a number", k, v)
				ok = false
				continue
			}
			switch k {
			case "min":
				q.Min = &f
			case "max":
				q.Max = &f
			default:
				q.Step = &f
			}
		case "min_selected", "max_selected", "max_length":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1_000_000 {
				r.problem(sh, rw.n, col, q.Key, "%s=%q is not a whole number between 0 and 1000000", k, v)
				ok = false
				continue
			}
			switch k {
			case "min_selected":
				q.MinSelected = n
			case "max_selected":
				q.MaxSelected = n
			default:
				q.MaxLength = n
			}
		default:
			r.problem(sh, rw.n, col, q.Key, "unknown setting %q in the palabre column: it takes type, min, max, step, min_selected, max_selected and max_length", k)
			ok = false
		}
	}
	return true, ok
}

// listedLanguages reads the palabre setting languages, the languages participants may
// choose in their order ("fr en es"), when it is given.
func (r *reader) listedLanguages(sh *sheet, st settingsRow) []string {
	if st.languages == "" {
		return nil
	}
	var out []string
	for _, s := range strings.FieldsFunc(st.languages, func(c rune) bool { return c == ',' || c == ';' || c == ' ' }) {
		lang, ok := languageCode(s)
		if !ok || lang == "" {
			r.problem(sh, st.row, sh.header("languages"), "languages", "cannot tell the language of %q: write it as a code such as fr", s)
			continue
		}
		out = append(out, lang)
	}
	return out
}
