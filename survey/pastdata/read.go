package pastdata

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// Namespace is the UUID namespace of imported responses' ids (see ResponseID).
var Namespace = uuid.MustParse("dac25d0c-6539-46fc-b2ed-9518ab962e07")

// ResponseID is the id palabre gives the response an export identifies as exportID (its
// _uuid or instanceID) in a survey: a version 5 UUID of both, so that the same response
// imported again has the same id, and the same export id in two surveys two ids.
func ResponseID(surveyID, exportID string) survey.ResponseID {
	return survey.ResponseID(uuid.NewSHA1(Namespace, []byte(surveyID+"\n"+exportID)))
}

// Target is the edition an export is loaded into, with the form version it was answered in.
type Target struct {
	Survey  survey.Survey
	Edition survey.Edition
	Form    *survey.Compiled
}

// Prepare finds a survey's edition for year in the catalog, and its form version.
func Prepare(ctx context.Context, cat survey.Catalog, surveyID string, year int) (*Target, error) {
	list, err := cat.Surveys(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(s survey.Survey) bool { return s.ID == surveyID })
	if i < 0 {
		return nil, fmt.Errorf("no survey %q in the catalog: import its definition first", surveyID)
	}
	ed, ok := list[i].Edition(year)
	if !ok {
		return nil, fmt.Errorf("survey %s has no edition %d: add it to the definition's editions and import the definition first", surveyID, year)
	}
	f, err := cat.Form(ctx, surveyID, ed.FormVersion)
	if err != nil {
		return nil, err
	}
	cf, err := survey.Compile(f)
	if err != nil {
		return nil, err
	}
	return &Target{Survey: list[i], Edition: ed, Form: cf}, nil
}

// Problem is why one row, or a column (Row 1, the header), cannot be loaded.
type Problem struct {
	Row    int
	Column string
	Value  string
	Reason string
}

func (p Problem) String() string {
	s := fmt.Sprintf("row %d", p.Row)
	if p.Column != "" {
		s += fmt.Sprintf(", column %q", p.Column)
	}
	if p.Value != "" {
		s += fmt.Sprintf(", value %q", p.Value)
	}
	return s + ": " + p.Reason
}

// Refused is Read's error when rows cannot be loaded: nothing of the file is.
type Refused struct {
	Problems []Problem
	Rows     int // the rows of data the file holds
}

func (e *Refused) Error() string {
	n := len(e.Problems)
	s := fmt.Sprintf("%d problems in %d rows; nothing loaded", n, e.Rows)
	if n == 1 {
		s = fmt.Sprintf("1 problem in %d rows; nothing loaded", e.Rows)
	}
	if n > 0 {
		s += ": " + e.Problems[0].String()
	}
	return s
}

// Set is an export read and validated: the responses it holds for the target edition.
type Set struct {
	Responses []*survey.Response
	Answers   int // answers of all responses (a matrix row is one)
	Rows      int // rows of data read
}

type plan struct {
	form      *survey.Compiled
	target    *Target
	mapping   *Mapping
	names     *names
	choices   choiceIndex
	countries map[string]string                 // country codes by code and name, normalised
	joined    map[*survey.Question][]choiceName // splitChoices' names, longest first
	cols      []column
	id        int // the column of the response's id, -1 when none
	times     []int
}

// Read maps every row of t to a response of the target edition, validating each with the
// form version's own validation. When any row or column cannot be read, it returns a
// *Refused listing every problem and no response. now is the responses' ReceivedAt.
func Read(t *Table, target *Target, m *Mapping, now time.Time) (*Set, error) {
	if m == nil {
		m = &Mapping{}
	}
	p := &plan{form: target.Form, target: target, mapping: m, names: indexForm(target.Form.Form), id: -1,
		choices: choiceIndex{}, joined: map[*survey.Question][]choiceName{}}
	var problems []Problem
	seen := map[string]int{}
	for i, h := range t.Header {
		c, err := p.resolve(h)
		if errors.Is(err, errUnknownColumn) && emptyColumn(t, i) {
			c.kind, err = colIgnore, nil
		}
		if err != nil {
			problems = append(problems, Problem{Row: 1, Column: h, Reason: "the column " + err.Error()})
		}
		if tg := c.target(); tg != "" && c.kind != colChoice && (c.kind != colQuestion || c.q.Type != survey.MultipleChoice) {
			if j, dup := seen[tg]; dup {
				problems = append(problems, Problem{Row: 1, Column: h, Reason: fmt.Sprintf("the column answers %s, as column %q does", tg, t.Header[j])})
			}
			seen[tg] = i
		}
		switch c.kind {
		case colID:
			if p.id < 0 || c.rank < p.cols[p.id].rank {
				p.id = i
			}
		case colTime:
			p.times = append(p.times, i)
		}
		p.cols = append(p.cols, c)
	}
	slices.SortStableFunc(p.times, func(a, b int) int { return cmp.Compare(p.cols[a].rank, p.cols[b].rank) })
	if p.id < 0 {
		problems = append(problems, Problem{Row: 1, Reason: "no column holds the responses' ids (_uuid, meta/instanceID or KEY): without them a response loaded twice would count twice"})
	}
	if len(problems) > 0 {
		return nil, &Refused{Problems: problems, Rows: len(t.Rows)}
	}
	set := &Set{Rows: len(t.Rows), Responses: make([]*survey.Response, 0, len(t.Rows))}
	ids := map[survey.ResponseID]int{}
	for _, row := range t.Rows {
		r, id, rp := p.row(row, now)
		if id != (survey.ResponseID{}) {
			if first, dup := ids[id]; dup {
				rp = append(rp, Problem{Row: row.N, Column: t.Header[p.id], Value: strings.TrimSpace(row.Cell(p.id)),
					Reason: fmt.Sprintf("the same response id as row %d", first)})
			} else {
				ids[id] = row.N
			}
		}
		problems = append(problems, rp...)
		if len(rp) == 0 {
			set.Responses = append(set.Responses, r)
			set.Answers += len(r.Answers)
		}
	}
	if len(problems) > 0 {
		return nil, &Refused{Problems: problems, Rows: len(t.Rows)}
	}
	return set, nil
}

func emptyColumn(t *Table, i int) bool {
	for _, r := range t.Rows {
		if strings.TrimSpace(r.Cell(i)) != "" {
			return false
		}
	}
	return true
}

// row reads one row into a response, or says why it cannot.
func (p *plan) row(row Row, now time.Time) (*survey.Response, survey.ResponseID, []Problem) {
	var problems []Problem
	fail := func(col int, reason string) {
		c := ""
		if col >= 0 {
			c = p.cols[col].header
		}
		problems = append(problems, Problem{Row: row.N, Column: c, Value: strings.TrimSpace(row.Cell(col)), Reason: reason})
	}
	exportID := strings.ToLower(strings.TrimSpace(row.Cell(p.id)))
	exportID = strings.TrimPrefix(exportID, "uuid:")
	var id survey.ResponseID
	if exportID == "" {
		fail(p.id, "no response id")
	} else {
		id = ResponseID(p.target.Survey.ID, exportID)
	}
	sub := survey.Submission{Values: map[string][]string{}}
	where := map[string]int{} // the column each field of sub came from
	prof := map[string]string{}
	for i, c := range p.cols {
		raw := strings.TrimSpace(row.Cell(i))
		tg := c.target()
		if v, ok := p.mapping.Values[tg][raw]; ok && tg != "" {
			raw = v
		}
		if raw == "" {
			continue
		}
		switch c.kind {
		case colQuestion:
			vals, reason := p.value(c.q, raw)
			if reason != "" {
				fail(i, reason)
				continue
			}
			sub.Values[tg] = append(sub.Values[tg], vals...)
		case colChoice:
			on, ok := p.selected(raw, c.q, c.choice)
			if !ok {
				fail(i, "expected 1 or 0 (selected or not)")
				continue
			}
			if on {
				sub.Values[tg] = append(sub.Values[tg], c.choice)
			}
		case colItem:
			if key, ok := p.choices.key(c.q.Choices, raw); ok {
				raw = key
			}
			sub.Values[tg] = append(sub.Values[tg], raw)
		case colProfile:
			prof[c.field] = p.profileValue(c.field, raw)
		default:
			continue
		}
		if _, ok := where[tg]; !ok {
			where[tg] = i
		}
	}
	for f, v := range p.mapping.Constants {
		if prof[f] == "" {
			prof[f] = p.profileValue(f, v)
		}
	}
	sub.Respondent = survey.Respondent{Country: prof["country"], Organisation: prof["organisation"], Role: prof["role"], Language: prof["language"]}
	for f, vals := range sub.Values {
		if q, _, ok := p.form.Form.Question(f); ok && q.Type == survey.MultipleChoice {
			sub.Values[f] = dedupe(vals)
		}
	}
	submitted, col, err := p.submittedAt(row)
	if err != nil {
		fail(col, err.Error())
	}
	if exportID == "" || len(problems) > 0 {
		return nil, id, problems
	}
	sub.ID = id.String()
	r, err := p.form.Validate(sub, p.target.Edition.Year)
	if err != nil {
		var e *survey.Error
		if !errors.As(err, &e) {
			fail(-1, err.Error())
			return nil, id, problems
		}
		for _, fe := range e.Fields {
			col, ok := where[fe.Field]
			if !ok {
				col = p.fieldColumn(fe.Field)
			}
			reason := fe.Message.In(survey.English)
			if col < 0 && strings.HasPrefix(fe.Field, "profile.") {
				reason = fmt.Sprintf("%s: %s (no column gives it: add one, or a constant in the mapping file)", fe.Field, reason)
			} else if col < 0 {
				reason = fe.Field + ": " + reason
			}
			fail(col, reason)
		}
		if e.More > 0 {
			fail(-1, fmt.Sprintf("and %d more problems", e.More))
		}
		return nil, id, problems
	}
	r.SubmittedAt, r.ReceivedAt, r.Channel = submitted, now.UTC().Truncate(time.Second), survey.ChannelImport
	return r, id, nil
}

// fieldColumn finds the column of a field no value came from (a required question left
// empty): the first column that answers it, -1 when none.
func (p *plan) fieldColumn(field string) int {
	for i, c := range p.cols {
		if c.target() == field {
			return i
		}
	}
	return -1
}

func dedupe(vals []string) []string {
	out := vals[:0:0]
	for _, v := range vals {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

var (
	yesWords = []string{"yes", "oui", "sí", "si", "true", "vrai", "verdadero", "1"}
	noWords  = []string{"no", "non", "false", "faux", "falso", "0"}
)

// value turns a cell into the values a Submission carries for q: choice names for labels,
// the date of a date and time. What stays unrecognised is passed on as it is, for the
// form's validation to refuse with its own reason.
func (p *plan) value(q *survey.Question, raw string) ([]string, string) {
	switch q.Type {
	case survey.SingleChoice, survey.Likert:
		if key, ok := p.choices.key(q.Choices, raw); ok {
			return []string{key}, ""
		}
	case survey.YesNo:
		l := norm(raw)
		switch {
		case slices.Contains(yesWords, l):
			return []string{"yes"}, ""
		case slices.Contains(noWords, l):
			return []string{"no"}, ""
		}
	case survey.MultipleChoice:
		if keys, ok := p.splitChoices(q, raw); ok {
			return keys, ""
		}
		return strings.Fields(raw), ""
	case survey.Date:
		if d, ok := parseDate(raw); ok {
			return []string{d}, ""
		}
	}
	return []string{raw}, ""
}

// splitChoices reads a multiple choice joined in one cell: names separated by spaces, or
// labels (which may hold spaces) separated by spaces, commas or semicolons.
func (p *plan) splitChoices(q *survey.Question, raw string) ([]string, bool) {
	all, ok := p.joined[q]
	if !ok {
		for _, c := range q.Choices {
			all = append(all, choiceName{norm(c.Key), c.Key})
			for _, l := range c.Label {
				if l = norm(l); l != "" {
					all = append(all, choiceName{l, c.Key})
				}
			}
		}
		// The longest names first, so that a label is not read as a shorter one it begins with.
		slices.SortStableFunc(all, func(a, b choiceName) int { return cmp.Compare(len(b.text), len(a.text)) })
		p.joined[q] = all
	}
	s := norm(raw)
	isSep := func(b byte) bool { return b == ' ' || b == ',' || b == ';' }
	// fail[i]: s[i:] cannot be read, memoised so the search stays linear in practice.
	fail := map[int]bool{}
	var walk func(i int) ([]string, bool)
	walk = func(i int) ([]string, bool) {
		for i < len(s) && isSep(s[i]) {
			i++
		}
		if i == len(s) {
			return nil, true
		}
		if fail[i] {
			return nil, false
		}
		for _, n := range all {
			end := i + len(n.text)
			if strings.HasPrefix(s[i:], n.text) && (end == len(s) || isSep(s[end])) {
				if rest, ok := walk(end); ok {
					return append([]string{n.key}, rest...), true
				}
			}
		}
		fail[i] = true
		return nil, false
	}
	return walk(0)
}

// choiceName is a choice's name or one of its labels, normalised.
type choiceName struct{ text, key string }

// selected reads a split multiple choice's cell.
func (p *plan) selected(raw string, q *survey.Question, choice string) (on, ok bool) {
	l := norm(raw)
	switch {
	case slices.Contains(yesWords, l) || l == "x":
		return true, true
	case slices.Contains(noWords, l):
		return false, true
	}
	if n, err := strconv.ParseFloat(l, 64); err == nil && (n == 0 || n == 1) {
		return n == 1, true
	}
	if key, found := p.choices.key(q.Choices, raw); found && key == choice {
		return true, true
	}
	return false, false
}

// profileValue reads a profile field: a country's name as its code, a role's or an
// organisation's label as its name.
func (p *plan) profileValue(field, raw string) string {
	f := p.form.Form
	switch field {
	case "country":
		if p.countries == nil {
			p.countries = map[string]string{}
			for _, code := range f.Profile.Countries {
				if t, ok := survey.CountryText(code); ok {
					for _, name := range t {
						p.countries[norm(name)] = code
					}
				}
			}
			for _, code := range f.Profile.Countries {
				p.countries[norm(code)] = code
			}
		}
		if code, ok := p.countries[norm(raw)]; ok {
			return code
		}
	case "role":
		if key, ok := p.choices.key(f.Profile.Roles, raw); ok {
			return key
		}
	case "organisation":
		if key, ok := p.choices.key(f.Profile.Organisations, raw); ok {
			return key
		}
	case "language":
		for _, l := range f.Languages {
			if strings.EqualFold(l, raw) {
				return l
			}
		}
	}
	return raw
}

// submittedAt reads when a row was submitted, from the best time column that is filled.
func (p *plan) submittedAt(row Row) (time.Time, int, error) {
	for _, i := range p.times {
		raw := strings.TrimSpace(row.Cell(i))
		if raw == "" {
			continue
		}
		t, ok := parseTime(raw)
		if !ok {
			return time.Time{}, i, errors.New("not a date and time (expected e.g. 2025-11-20T10:11:12)")
		}
		return t, i, nil
	}
	// No time: the edition's first day, so the response falls within the edition.
	if e := p.target.Edition; !e.Opens.IsZero() {
		return e.Opens.UTC(), -1, nil
	}
	return time.Date(p.target.Edition.Year, 1, 1, 0, 0, 0, 0, time.UTC), -1, nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly}

// parseTime reads the times exports write: ISO 8601 with or without a zone (UTC when
// none), or a spreadsheet's serial number.
func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Second), true
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 1 && n < 2958466 {
		// Days since 1899-12-30, the spreadsheet epoch.
		sec := math.Round(n * 86400)
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second), true
	}
	return time.Time{}, false
}

// parseDate reads a date written as a date, a date and time, or a spreadsheet's serial
// number, as YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s, true
	}
	if t, ok := parseTime(s); ok {
		return t.Format(time.DateOnly), true
	}
	return "", false
}
