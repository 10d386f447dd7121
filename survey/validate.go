package survey

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/palabre/palabre/survey/expr"
)

// Submission is a response as the participant's browser or an API client sent it, before
// validation: every value is raw text.
type Submission struct {
	ID         string
	Respondent Respondent
	// Values maps a question key ("key.item" for a matrix row) to the values sent: one for
	// most questions, one per selected choice for multiple choice.
	Values map[string][]string
}

// MaxOrganisationLength bounds a typed organisation name.
const MaxOrganisationLength = 200

// MaxFieldErrors is the most problems one invalid submission lists; Error.More counts the
// others. A client that sends thousands of unknown fields gets a short answer.
const MaxFieldErrors = 100

// maxFieldName is the longest field name quoted back in a problem, in bytes.
const maxFieldName = 100

// Validate checks sub against the form and returns the Response it makes for edition, with
// ID, profile and answers set (times and channel are the caller's). Questions hidden by skip
// logic are neither required nor stored. On failure the error is an *Error with CodeInvalid
// listing every problem, or CodeMalformed for a bad response id.
func (cf *Compiled) Validate(sub Submission, edition int) (*Response, error) {
	id, err := ParseResponseID(strings.TrimSpace(sub.ID))
	if err != nil {
		return nil, &Error{Code: CodeMalformed, Message: Msg(MsgBadResponseID), Err: err}
	}
	f := cf.Form
	r := &Response{ID: id, SurveyID: f.SurveyID, Edition: edition, FormVersion: f.Version}
	v := &validation{cf: cf, values: sub.Values, env: answerEnv{}}
	r.Respondent = v.respondent(sub.Respondent)
	// Questions are worked out in the order of their dependencies (Compiled.Order), their
	// answers kept in form order.
	var answers [][][]Answer // by section and question, when the order is not form order
	if !cf.formOrder {
		answers = make([][][]Answer, len(f.Sections))
		for si := range f.Sections {
			answers[si] = make([][]Answer, len(f.Sections[si].Questions))
		}
	}
	shown := v.sections()
	for _, p := range cf.order {
		q := &f.Sections[p.Section].Questions[p.Question]
		if !shown(p.Section) || !v.holds(cf.relevant[q.Key]) {
			v.consume(q)
			continue
		}
		if as := v.question(q); cf.formOrder {
			r.Answers = append(r.Answers, as...)
		} else {
			answers[p.Section][p.Question] = as
		}
	}
	for _, s := range answers {
		for _, as := range s {
			r.Answers = append(r.Answers, as...)
		}
	}
	v.unknownValues()
	if len(v.errs) > 0 {
		return nil, &Error{Code: CodeInvalid, Message: Msg(MsgInvalid), Fields: v.errs, More: v.more}
	}
	return r, nil
}

// Visible reports, for the values sent so far, which questions and groups skip logic shows.
// Pages use it to render a form again without its hidden questions. Skip logic sees the
// values as sent, as the browser does, even those the form refuses (one choice too many, a
// number out of range, a constraint broken): a question they show stays shown, with what
// was typed in it, while the participant corrects them.
func (cf *Compiled) Visible(values map[string][]string) map[string]bool {
	return cf.Live(values).Visible
}

// Live is what the page's script shows for the values sent so far, as the server computes
// it to render a form again without script: the questions shown, the calculated values
// and the choices a choice filter rules out. Values are read as Visible reads them.
type Live struct {
	Visible map[string]bool // by question and group key
	// Calculated holds the value of each shown calculate question with a value, as text.
	Calculated map[string]string
	// Excluded holds, for each shown question with a choice filter, the keys of the
	// choices it rules out.
	Excluded map[string]map[string]bool
}

// Live computes what the page shows for values; see Live.
func (cf *Compiled) Live(values map[string][]string) Live {
	v := &validation{cf: cf, values: values, env: answerEnv{}, lenient: true}
	out := Live{Visible: map[string]bool{}, Calculated: map[string]string{}, Excluded: map[string]map[string]bool{}}
	shown := v.sections()
	for _, p := range cf.order {
		q := &cf.Form.Sections[p.Section].Questions[p.Question]
		out.Visible[q.Key] = shown(p.Section) && v.holds(cf.relevant[q.Key])
		if !out.Visible[q.Key] {
			continue
		}
		if cf.filter[q.Key] != nil {
			out.Excluded[q.Key] = map[string]bool{}
			for _, c := range q.Choices {
				if !v.offered(q, c) {
					out.Excluded[q.Key][c.Key] = true
				}
			}
		}
		if as := v.question(q); q.Type == Calculate && len(as) == 1 {
			out.Calculated[q.Key] = as[0].Text
		}
	}
	for si, s := range cf.Form.Sections {
		if s.Key != "" {
			out.Visible[s.Key] = shown(si)
		}
	}
	return out
}

// sections returns whether each section (by index) is shown, its relevant worked out the
// first time it is asked: in dependency order, after every question it refers to.
func (v *validation) sections() func(si int) bool {
	shown := make([]int8, len(v.cf.Form.Sections)) // 0 not yet known, 1 shown, -1 hidden
	return func(si int) bool {
		if shown[si] == 0 {
			shown[si] = -1
			if v.holds(v.cf.relevant[v.cf.Form.Sections[si].Key]) {
				shown[si] = 1
			}
		}
		return shown[si] == 1
	}
}

type validation struct {
	cf     *Compiled
	values map[string][]string
	used   map[string]bool
	env    answerEnv
	errs   []FieldError
	more   int // problems past MaxFieldErrors, not listed
	// lenient keeps a value for expressions when only a limit refuses it (counts, bounds,
	// length, constraints): skip logic then sees what was sent (see Visible).
	lenient bool
}

func (v *validation) fail(field string, key MessageKey, args ...any) {
	v.add(FieldError{Field: field, Code: string(key), Message: Msg(key, args...)})
}

func (v *validation) add(e FieldError) {
	if len(v.errs) >= MaxFieldErrors {
		v.more++
		return
	}
	v.errs = append(v.errs, e)
}

func (v *validation) holds(e *expr.Expr) bool { return e == nil || e.True(v.env) }

// raw returns the non-empty values sent for field, trimmed, and marks the field as read.
func (v *validation) raw(field string) []string {
	if v.used == nil {
		v.used = map[string]bool{}
	}
	v.used[field] = true
	var out []string
	for _, s := range v.values[field] {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// consume marks a hidden question's values as read, so they are dropped, not reported.
func (v *validation) consume(q *Question) {
	v.raw(q.Key)
	for _, it := range q.Items {
		v.raw(q.Key + "." + it.Key)
	}
}

// unknownValues reports the fields no question reads, in order, each name cut to
// maxFieldName bytes.
func (v *validation) unknownValues() {
	var unknown []string
	for field, vals := range v.values {
		if !v.used[field] && len(vals) > 0 {
			unknown = append(unknown, field)
		}
	}
	slices.Sort(unknown)
	for _, field := range unknown {
		if len(field) > maxFieldName {
			field = strings.ToValidUTF8(field[:maxFieldName], "") + "…"
		}
		v.fail(field, MsgUnknownQuestion, field)
	}
}

func (v *validation) respondent(in Respondent) Respondent {
	cf := v.cf
	out := Respondent{
		Country:      strings.ToUpper(strings.TrimSpace(in.Country)),
		Organisation: strings.Join(strings.Fields(in.Organisation), " "),
		Role:         strings.TrimSpace(in.Role),
		Language:     strings.TrimSpace(in.Language),
	}
	if out.Language == "" {
		out.Language = cf.Form.DefaultLanguage
	}
	if !cf.languages[out.Language] {
		v.fail("profile.language", MsgBadLanguage, out.Language)
	}
	if !cf.countries[out.Country] {
		v.fail("profile.country", MsgBadCountry)
	}
	if !cf.roles[out.Role] {
		v.fail("profile.role", MsgBadRole)
	}
	switch {
	case len(cf.orgs) > 0 && !cf.orgs[out.Organisation]:
		v.fail("profile.organisation", MsgBadOrganisation, MaxOrganisationLength)
	case out.Organisation == "" || utf8.RuneCountInString(out.Organisation) > MaxOrganisationLength:
		v.fail("profile.organisation", MsgBadOrganisation, MaxOrganisationLength)
	case strings.ContainsFunc(out.Organisation, func(r rune) bool { return unicode.IsControl(r) || bidiControl(r) }):
		v.fail("profile.organisation", MsgControlChars)
	}
	return out
}

// question validates one shown question and returns its answers (none when unanswered).
func (v *validation) question(q *Question) []Answer {
	switch q.Type {
	case Matrix:
		return v.matrix(q)
	case Calculate:
		v.raw(q.Key) // a value sent for it is ignored: the server computes its own
		a, val, ok := Calculated(q.Key, v.cf.calc[q.Key].Eval(v.env))
		if !ok {
			return nil
		}
		v.env[q.Key] = val
		return []Answer{a}
	}
	vals := v.raw(q.Key)
	if !q.TakesAnswer() {
		return nil
	}
	if len(vals) == 0 {
		if q.Required {
			v.fail(q.Key, MsgRequired)
		}
		return nil
	}
	if q.Type != MultipleChoice && len(vals) > 1 {
		v.fail(q.Key, MsgOneChoice)
		return nil
	}
	a, val, ok := v.parse(q, vals)
	if !ok {
		return nil
	}
	if c := v.cf.constraint[q.Key]; c != nil && !v.lenient && !c.True(selfEnv{v.env, q.Key, val}) {
		m := Msg(MsgConstraint)
		m.Text = q.ConstraintMessage
		v.add(FieldError{Field: q.Key, Code: string(MsgConstraint), Message: m})
		return nil
	}
	v.env[q.Key] = val
	return []Answer{a}
}

// parse turns a question's raw values into its answer and its value for expressions.
func (v *validation) parse(q *Question, vals []string) (Answer, expr.Value, bool) {
	a := Answer{Question: q.Key}
	s := vals[0]
	if a, val, ok, handled := v.parseNew(q, s); handled {
		return a, val, ok
	}
	switch q.Type {
	case SingleChoice:
		c, ok := q.Choice(s)
		if !ok {
			v.fail(q.Key, MsgNotAChoice, s)
			return a, expr.Value{}, false
		}
		if !v.lenient && !v.offered(q, c) {
			v.fail(q.Key, MsgChoiceFiltered, s)
			return a, expr.Value{}, false
		}
		a.Text = s
		return a, expr.Str(s), true
	case Likert:
		pos := scalePosition(q.Choices, s)
		if pos == 0 {
			v.fail(q.Key, MsgNotAChoice, s)
			return a, expr.Value{}, false
		}
		a.Text, a.Num, a.HasNum = s, float64(pos), true
		return a, expr.Str(s), true
	case YesNo:
		if s != "yes" && s != "no" {
			v.fail(q.Key, MsgNotAChoice, s)
			return a, expr.Value{}, false
		}
		a.Text, a.HasNum = s, true
		if s == "yes" {
			a.Num = 1
		}
		return a, expr.Str(s), true
	case MultipleChoice:
		return v.multiple(q, vals)
	case Rating, Number:
		n, ok := v.number(q, s)
		if !ok {
			return a, expr.Value{}, false
		}
		a.Num, a.HasNum = n, true
		return a, expr.Num(n), true
	case ShortText, LongText:
		s = normaliseText(vals[0], q.Type == LongText)
		if limit := q.TextLimit(); utf8.RuneCountInString(s) > limit && !v.lenient {
			v.fail(q.Key, MsgTooLong, limit)
			return a, expr.Value{}, false
		}
		if !v.lenient && strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
			v.fail(q.Key, MsgControlChars)
			return a, expr.Value{}, false
		}
		a.Text = s
		return a, expr.Str(s), true
	case Date:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			v.fail(q.Key, MsgBadDate)
			return a, expr.Value{}, false
		}
		a.Text = s
		return a, expr.Str(s), true
	}
	return a, expr.Value{}, false
}

func (v *validation) multiple(q *Question, vals []string) (Answer, expr.Value, bool) {
	a := Answer{Question: q.Key}
	seen := map[string]bool{}
	ok := true
	for _, s := range vals {
		c, known := q.Choice(s)
		if !known {
			v.fail(q.Key, MsgNotAChoice, s)
			ok = false
			continue
		}
		if !v.lenient && !v.offered(q, c) {
			v.fail(q.Key, MsgChoiceFiltered, s)
			ok = false
			continue
		}
		if !seen[s] {
			seen[s] = true
			a.Choices = append(a.Choices, s)
		}
	}
	switch {
	case v.lenient:
	case !ok:
		return a, expr.Value{}, false
	case len(a.Choices) < q.MinSelected:
		v.fail(q.Key, MsgTooFewChoices, q.MinSelected)
		return a, expr.Value{}, false
	case q.MaxSelected > 0 && len(a.Choices) > q.MaxSelected:
		v.fail(q.Key, MsgTooManyChoices, q.MaxSelected)
		return a, expr.Value{}, false
	}
	return a, expr.List(a.Choices...), true
}

func (v *validation) number(q *Question, s string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || n != n || n > 1e15 || n < -1e15 {
		v.fail(q.Key, MsgNotANumber)
		return 0, false
	}
	if v.lenient {
		return n, true
	}
	if (q.Integer || q.Type == Rating) && n != float64(int64(n)) {
		v.fail(q.Key, MsgNotAnInteger)
		return 0, false
	}
	lo, hasLo, hi, hasHi := q.Bounds()
	if hasLo && n < lo {
		v.fail(q.Key, MsgBelowMin, expr.FormatNumber(lo))
		return 0, false
	}
	if hasHi && n > hi {
		v.fail(q.Key, MsgAboveMax, expr.FormatNumber(hi))
		return 0, false
	}
	if !q.OnStep(n) {
		v.fail(q.Key, MsgOffStep, expr.FormatNumber(q.StepBase()), expr.FormatNumber(*q.Step))
		return 0, false
	}
	return n, true
}

func (v *validation) matrix(q *Question) []Answer {
	var out []Answer
	for _, it := range q.Items {
		field := q.Key + "." + it.Key
		vals := v.raw(field)
		switch {
		case len(vals) == 0:
			if q.Required {
				v.fail(field, MsgRequired)
			}
		case len(vals) > 1:
			v.fail(field, MsgOneChoice)
		case scalePosition(q.Choices, vals[0]) == 0:
			v.fail(field, MsgNotAChoice, vals[0])
		default:
			out = append(out, Answer{Question: q.Key, Item: it.Key, Text: vals[0],
				Num: float64(scalePosition(q.Choices, vals[0])), HasNum: true})
		}
	}
	return out
}

// scalePosition is the 1-based position of key on a scale, 0 when it is not on it.
func scalePosition(scale []Choice, key string) int {
	for i, c := range scale {
		if c.Key == key {
			return i + 1
		}
	}
	return 0
}

// bidiControl reports the characters that change the direction of the text after them
// (embeddings, overrides, isolates): in a name shown in lists and reports they can make it
// read as something else. The marks LRM and RLM, which Arabic text may need, are not among them.
func bidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// normaliseText trims a text answer and unifies its line endings; a short text is one line.
func normaliseText(s string, multiline bool) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	if !multiline {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// offered reports whether q's choice filter, if any, holds for c given the answers so far.
func (v *validation) offered(q *Question, c Choice) bool {
	f := v.cf.filter[q.Key]
	return f == nil || f.True(choiceEnv{v.env, c})
}

// Calculated turns the value of a calculation into the answer stored for the calculate
// question key, and the value later expressions see. A value whose string form is empty,
// and a number that is NaN or infinite, make no answer (ok false). The answer's Text is
// the value's string form; its Num is set too when that form reads as a number, so that
// analytics can treat a numeric calculation as a number.
func Calculated(key string, x expr.Value) (a Answer, val expr.Value, ok bool) {
	a = Answer{Question: key}
	if x.Kind == expr.KindNumber && (math.IsNaN(x.Num) || math.IsInf(x.Num, 0)) {
		return a, expr.Value{}, false
	}
	a.Text = x.AsString()
	if a.Text == "" {
		return a, expr.Value{}, false
	}
	if n, isNum := expr.ParseNumber(a.Text); isNum && !math.IsInf(n, 0) {
		a.Num, a.HasNum = n, true
	}
	return a, x, true
}

// choiceEnv gives a choice filter the answers so far and the columns of one choice.
type choiceEnv struct {
	answerEnv
	c Choice
}

func (e choiceEnv) Column(name string) expr.Value {
	if name == "name" {
		return expr.Str(e.c.Key)
	}
	if s, ok := e.c.Columns[name]; ok {
		return expr.Str(s)
	}
	return expr.Value{}
}

// answerEnv gives expressions the values of the questions answered so far.
type answerEnv map[string]expr.Value

func (e answerEnv) Lookup(name string) expr.Value { return e[name] }
func (e answerEnv) Self() expr.Value              { return expr.Value{} }
func (e answerEnv) Today() string                 { return time.Now().UTC().Format(time.DateOnly) }

// selfEnv adds the value of the question whose constraint is checked, as "." and as
// ${key}.
type selfEnv struct {
	answerEnv
	key  string
	self expr.Value
}

func (e selfEnv) Self() expr.Value { return e.self }

func (e selfEnv) Lookup(name string) expr.Value {
	if name == e.key {
		return e.self
	}
	return e.answerEnv.Lookup(name)
}
