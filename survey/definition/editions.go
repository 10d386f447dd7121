package definition

import (
	"sort"
	"strings"
	"time"

	"github.com/palabre/palabre/survey"
)

// editions builds the survey's editions, sorted by year.
func (b *builder) editions(docs []editionDoc, surveyID string, version int) []survey.Edition {
	if len(docs) == 0 {
		return nil
	}
	out := make([]survey.Edition, 0, len(docs))
	years := map[int]int{} // year → line
	for i, d := range docs {
		path := []any{"editions", i}
		line := b.tree.line(path...)
		e := survey.Edition{
			SurveyID:    surveyID,
			Year:        d.Year,
			Place:       strings.TrimSpace(d.Place),
			FormVersion: d.FormVersion,
			Invited:     d.Invited,
		}
		if b.tree.node(append(path, "year")...) == nil {
			b.add(line, "editions", "an edition needs a year")
			continue
		}
		if e.FormVersion == 0 {
			e.FormVersion = version
		} else if e.FormVersion > version {
			b.add(b.tree.keyLine("form_version", path...), "editions",
				"edition %d: form_version %d is later than this form's version %d", e.Year, e.FormVersion, version)
		}
		var ok bool
		if e.Opens, ok = b.date(d.Opens, b.tree.keyLine("opens", path...), e.Year, "opens"); !ok {
			continue
		}
		if e.Closes, ok = b.date(d.Closes, b.tree.keyLine("closes", path...), e.Year, "closes"); !ok {
			continue
		}
		if !e.Opens.IsZero() && !e.Closes.IsZero() && e.Closes.Before(e.Opens) {
			b.add(b.tree.keyLine("closes", path...), "editions", "edition %d: closes (%s) is before opens (%s)",
				e.Year, e.Closes.Format(time.DateOnly), e.Opens.Format(time.DateOnly))
			continue
		}
		if !e.Closes.IsZero() {
			e.Closes = e.Closes.AddDate(0, 0, 1) // the closing day is the last one open
		}
		access, err := survey.ParseAccess(d.Access)
		if err != nil {
			b.add(b.tree.keyLine("access", path...), "editions", "edition %d: %v", e.Year, err)
			continue
		}
		e.Access = access
		if first, dup := years[e.Year]; dup {
			b.add(line, "editions", "edition %d is listed twice (first on line %d)", e.Year, first)
			continue
		}
		years[e.Year] = line
		if !survey.ValidSlug(surveyID) {
			continue // survey.Compile reports the id once
		}
		if err := survey.CheckEdition(e); err != nil {
			b.add(line, "editions", "%v", err)
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out
}

// date parses a YYYY-MM-DD date as midnight UTC; empty is the zero time.
func (b *builder) date(s string, line, year int, field string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		b.add(line, "editions", "edition %d: %s %q is not a date written YYYY-MM-DD", year, field, s)
		return time.Time{}, false
	}
	return t, true
}
