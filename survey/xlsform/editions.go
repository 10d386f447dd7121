package xlsform

import (
	"sort"
	"time"

	"github.com/palabre/palabre/survey"
)

var editionColumns = []string{"year", "place", "opens", "closes", "invited", "form_version", "access"}

// editions reads the editions sheet, a palabre extension: one row per year with its place,
// the first and last days responses are accepted, how many were invited and the form version
// (the settings' version when empty).
func (r *reader) editions(sh *sheet, f *survey.Form) []survey.Edition {
	if sh == nil {
		return nil
	}
	var out []survey.Edition
	years := map[int]int{}
	for _, rw := range sh.rows {
		r.unusedColumns(sh, rw, editionColumns, nil)
		e := survey.Edition{SurveyID: f.SurveyID, Place: sh.cell(rw, "place"), FormVersion: f.Version}
		ok := true
		number := func(col string, dst *int, min, max int64) {
			s := sh.cell(rw, col)
			if s == "" {
				return
			}
			n, good := whole(s)
			if !good || n < min || n > max {
				r.problem(sh, rw.n, sh.header(col), "editions", "%q is not a whole number between %d and %d", s, min, max)
				ok = false
				return
			}
			*dst = int(n)
		}
		if sh.cell(rw, "year") == "" {
			r.problem(sh, rw.n, sh.header("year"), "editions", "an edition needs a year")
			continue
		}
		number("year", &e.Year, survey.MinYear, survey.MaxYear)
		number("invited", &e.Invited, 0, 1_000_000)
		number("form_version", &e.FormVersion, 1, int64(f.Version))
		day := func(col string) time.Time {
			s := sh.cell(rw, col)
			if s == "" {
				return time.Time{}
			}
			t, good := date(s)
			if !good {
				r.problem(sh, rw.n, sh.header(col), "editions", "%q is not a date (write it YYYY-MM-DD)", s)
				ok = false
			}
			return t
		}
		e.Opens, e.Closes = day("opens"), day("closes")
		if a, err := survey.ParseAccess(sh.cell(rw, "access")); err != nil {
			r.problem(sh, rw.n, sh.header("access"), "editions", "%q is neither open nor invitation", sh.cell(rw, "access"))
			ok = false
		} else {
			e.Access = a
		}
		if !ok {
			continue
		}
		if !e.Opens.IsZero() && !e.Closes.IsZero() && e.Closes.Before(e.Opens) {
			r.problem(sh, rw.n, sh.header("closes"), "editions", "edition %d closes (%s) before it opens (%s)",
				e.Year, e.Closes.Format(time.DateOnly), e.Opens.Format(time.DateOnly))
			continue
		}
		if !e.Closes.IsZero() {
			e.Closes = e.Closes.AddDate(0, 0, 1) // the closing day is the last one open
		}
		if first, dup := years[e.Year]; dup {
			r.problem(sh, rw.n, sh.header("year"), "editions", "edition %d is listed twice (first on row %d)", e.Year, first)
			continue
		}
		years[e.Year] = rw.n
		if err := survey.CheckEdition(e); err != nil {
			r.problem(sh, rw.n, "", "editions", "%v", err)
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out
}
