package survey

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/palabre/palabre/survey/expr"
)

// DefinitionError lists everything wrong with a form definition. Loaders fill Source with
// where each problem is (file, sheet, row, column) when they know it.
type DefinitionError struct {
	Problems []Problem
}

// Problem is one mistake in a definition.
type Problem struct {
	Source string // e.g. `survey sheet, row 7, column "relevant"`; empty when unknown
	Field  string // the question, choice or setting concerned
	Reason string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Source != "" {
		b.WriteString(p.Source)
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

func (e *DefinitionError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if len(lines) == 1 {
		return "definition: " + lines[0]
	}
	return fmt.Sprintf("definition has %d problems:\n  %s", len(lines), strings.Join(lines, "\n  "))
}

var (
	questionKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)
	choiceKeyRE   = regexp.MustCompile(`^[^\s]{1,64}$`)
	countryRE     = regexp.MustCompile(`^[A-Z]{2}$`)
	languageRE    = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)*$`)
)

// MaxLanguageLength bounds a language tag.
const MaxLanguageLength = 32

// ValidLanguage reports whether tag may name a language of a form: an ISO 639 code such as
// fr or wol, or a tag of palabre's own for a language without one that an XLSForm names
// ("kreyol", "kreyol-ayisyen"): lower-case letters first, then lower-case words of letters
// and digits joined by '-', at most MaxLanguageLength characters.
func ValidLanguage(tag string) bool {
	return len(tag) <= MaxLanguageLength && languageRE.MatchString(tag)
}

// ValidQuestionKey reports whether key may name a question or group: a letter or '_', then
// letters, digits, '_' or '-', at most 64 characters (an XML name, as XLSForm's, without
// '.'), and not one of the ReservedKeys.
func ValidQuestionKey(key string) bool { return questionKeyRE.MatchString(key) && !ReservedKey(key) }

// ReservedKeys are the names no question or group may take, in any case: the metadata
// columns of the data palabre exports (the report workbook's data sheet: reports) and those
// of the KoboToolbox and ODK Central exports that import-responses reads or skips
// (survey/pastdata). A question called so would be mistaken for them.
var ReservedKeys = []string{
	// palabre's exports
	"_response_id", "_edition", "_form_version", "_submitted_at", "_country", "_country_label",
	"_organisation", "_role", "_role_label", "_language",
	// KoboToolbox and ODK Central exports
	"_id", "_uuid", "_submission_time", "_index", "_validation_status", "_status", "_submitted_by",
	"_tags", "_notes", "_attachments", "__version__", "_version_", "_version", "_xform_id_string",
	"_geolocation", "_parent_index", "_parent_table_name", "_submission__id", "_submission__uuid",
	"__system", "_duration", "_media_all_received", "_xform_id", "_media_count", "_total_media",
}

// ReservedKey reports whether key is one of the ReservedKeys, whatever its case.
func ReservedKey(key string) bool {
	if !strings.HasPrefix(key, "_") {
		return false
	}
	for _, r := range ReservedKeys {
		if strings.EqualFold(key, r) {
			return true
		}
	}
	return false
}

// keyProblem says why key cannot name a question or group (what names: "question" or
// "group"), or "" when it can.
func keyProblem(what, key string) string {
	switch {
	case ReservedKey(key):
		return fmt.Sprintf("%s name %q is a metadata column of data exports and imports (palabre, KoboToolbox, ODK): choose another name", what, key)
	case !questionKeyRE.MatchString(key):
		return fmt.Sprintf("%s name %q must start with a letter or '_' and hold only letters, digits, '_' or '-' (at most 64)", what, key)
	}
	return ""
}

// checker gathers a definition's problems, and its warnings: what is accepted but likely
// not meant.
type checker struct{ problems, warnings []Problem }

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(field, format string, args ...any) {
	c.warnings = append(c.warnings, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &DefinitionError{Problems: c.problems}
}

func (c *checker) form(f *Form) {
	if !ValidSlug(f.SurveyID) {
		c.add("survey", "id %q must be lower-case letters, digits, '-' or '_' (at most 64)", f.SurveyID)
	}
	if f.Version < 1 {
		c.add("version", "must be a whole number of at least 1, not %d", f.Version)
	}
	if !ValidLanguage(f.DefaultLanguage) {
		c.add("default_language", "%q is not a language code such as fr, en or es, nor a tag of lower-case letters, digits and '-' such as kreyol (at most %d)", f.DefaultLanguage, MaxLanguageLength)
	}
	hasDefault := false
	for _, l := range f.Languages {
		if !ValidLanguage(l) {
			c.add("languages", "%q is not a language code such as fr, en or es, nor a tag of lower-case letters, digits and '-' such as kreyol (at most %d)", l, MaxLanguageLength)
		}
		hasDefault = hasDefault || l == f.DefaultLanguage
	}
	if !hasDefault {
		c.add("languages", "must include the default language %q", f.DefaultLanguage)
	}
	if f.Title[f.DefaultLanguage] == "" {
		c.add("title", "the survey needs a title in its default language %q", f.DefaultLanguage)
	}
	c.profile(&f.Profile)
	if len(f.Questions()) == 0 {
		c.add("questions", "the form has no questions")
	}
}

func (c *checker) profile(p *Profile) {
	if len(p.Countries) == 0 {
		c.add("profile.countries", "no countries to choose from")
	}
	seen := map[string]bool{}
	for _, cc := range p.Countries {
		if !countryRE.MatchString(cc) {
			c.add("profile.countries", "%q is not an ISO 3166-1 alpha-2 code such as SN or PE", cc)
		}
		if seen[cc] {
			c.add("profile.countries", "%s is listed twice", cc)
		}
		seen[cc] = true
	}
	c.choices("profile.organisations", p.Organisations, false)
	if len(p.Roles) == 0 {
		c.add("profile.roles", "no roles to choose from")
	}
	c.choices("profile.roles", p.Roles, true)
}

func (c *checker) choices(field string, cs []Choice, needLabel bool) {
	seen := map[string]bool{}
	for _, ch := range cs {
		if !choiceKeyRE.MatchString(ch.Key) {
			c.add(field, "choice name %q must be 1 to 64 characters without spaces", ch.Key)
		}
		if seen[ch.Key] {
			c.add(field, "choice %q is listed twice", ch.Key)
		}
		seen[ch.Key] = true
		if needLabel && ch.Label.Empty() {
			c.add(field, "choice %q has no label", ch.Key)
		}
	}
}

// question checks one question's own settings (not its expressions).
func (c *checker) question(q *Question) {
	k := q.Key
	if q.Label.Empty() && q.Type != Calculate {
		c.add(k, "has no label")
	}
	switch q.Type {
	case SingleChoice:
		// One choice is a question pyxform and ODK accept (a list of one, offered or
		// ticked); it is worth a warning, as it asks little.
		switch len(q.Choices) {
		case 0:
			c.add(k, "a %s question needs at least 1 choice, it has none", q.Type)
		case 1:
			c.warn(k, "a %s question with 1 choice (%s) leaves nothing to choose: the participant can only pick it or leave it", q.Type, q.Choices[0].Key)
		}
	case MultipleChoice:
		if len(q.Choices) < 2 {
			c.add(k, "a %s question needs at least 2 choices, it has %d", q.Type, len(q.Choices))
		}
	case Likert, Matrix:
		if len(q.Choices) < 2 {
			c.add(k, "a %s question needs a scale of at least 2 points, it has %d", q.Type, len(q.Choices))
		}
		if q.Type == Matrix && len(q.Items) == 0 {
			c.add(k, "a matrix needs at least one item (row)")
		}
	case Calculate:
		if strings.TrimSpace(q.Calculation) == "" {
			c.add(k, "a calculate question needs a calculation")
		}
		if q.Required || q.Constraint != "" {
			c.add(k, "a calculate question is not asked: it cannot be required or constrained")
		}
	case YesNo, Rating, Number, ShortText, LongText, Date, Note, Time, DateTime, Geopoint, Acknowledge:
	default:
		c.add(k, "unknown type %q", q.Type)
		return
	}
	switch q.Type {
	case SingleChoice, MultipleChoice, Likert, Matrix:
	default:
		if len(q.Choices) > 0 {
			c.add(k, "a %s question has no choices", q.Type)
		}
	}
	if q.Calculation != "" && q.Type != Calculate {
		c.add(k, "only a calculate question has a calculation")
	}
	if q.ChoiceFilter != "" && q.Type != SingleChoice && q.Type != MultipleChoice {
		c.add(k, "only a single or multiple choice question has a choice filter")
	}
	for _, ch := range q.Choices {
		for col := range ch.Columns {
			if col == "name" || col == "label" || !expr.ValidName(col) {
				c.add(k, "choice %q: %q cannot name a choice column (a letter, then letters, digits, '_', '-' or '.'; not name or label)", ch.Key, col)
			}
		}
	}
	if q.Type == Matrix && q.Constraint != "" {
		c.add(k, "a matrix cannot have a constraint; constrain its rows by their scale")
	}
	c.choices(k, q.Choices, true)
	c.choices(k+" items", q.Items, true)
	if q.Type != Matrix && len(q.Items) > 0 {
		c.add(k, "only a matrix has items")
	}
	if q.MinSelected < 0 || q.MaxSelected < 0 {
		c.add(k, "min and max selections must not be negative")
	}
	if q.MaxSelected > 0 && q.MinSelected > q.MaxSelected {
		c.add(k, "min selections (%d) is above max selections (%d)", q.MinSelected, q.MaxSelected)
	}
	if q.Type == MultipleChoice && q.MinSelected > len(q.Choices) {
		c.add(k, "min selections (%d) is above the number of choices (%d)", q.MinSelected, len(q.Choices))
	}
	if (q.MinSelected > 0 || q.MaxSelected > 0) && q.Type != MultipleChoice {
		c.add(k, "only a multiple-choice question has min or max selections")
	}
	if (q.Min != nil || q.Max != nil) && q.Type != Number && q.Type != Rating {
		c.add(k, "only a number or rating question has min or max")
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		c.add(k, "min (%v) is above max (%v)", *q.Min, *q.Max)
	}
	if q.Step != nil && (q.Type != Number || !(*q.Step > 0) || *q.Step > 1e15) {
		c.add(k, "only a number question has a step, and it must be above 0")
	}
	if q.Integer && q.Type != Number {
		c.add(k, "only a number question can be limited to whole numbers")
	}
	if q.MaxLength < 0 || q.MaxLength > 100000 {
		c.add(k, "max length must be between 1 and 100000")
	}
	if q.Type == Note && (q.Required || q.Constraint != "") {
		c.add(k, "a note takes no answer: it cannot be required or constrained")
	}
	if q.ChangedIn != 0 && (q.ChangedIn < MinYear || q.ChangedIn > MaxYear) {
		c.add(k, "changed_in %d is not a year between %d and %d", q.ChangedIn, MinYear, MaxYear)
	}
}

// choiceFilter parses the choice filter of q, checking its references as expression does
// and that every column it reads is "name" or a column of one of q's choices.
func (c *checker) choiceFilter(q *Question, all map[string]QuestionType) *expr.Expr {
	if strings.TrimSpace(q.ChoiceFilter) == "" {
		return nil
	}
	e, err := expr.ParseFilter(q.ChoiceFilter)
	if err != nil {
		c.add(q.Key, "choice_filter %q: %v", q.ChoiceFilter, err)
		return nil
	}
	c.refs(q.Key, "choice_filter", e, all, false)
	for _, col := range e.Columns() {
		has := col == "name"
		for _, ch := range q.Choices {
			_, ok := ch.Columns[col]
			has = has || ok
		}
		if !has {
			// pastel=yes: a bare word is a column; the text yes is written 'yes'. ODK reads
			// such a filter the same way, and then offers no choice.
			if isValue(q.Choices, col) {
				c.add(q.Key, "choice_filter reads the column %q, which no choice of this question has; to compare with the text %s, quote it: '%s'", col, col, col)
			} else {
				c.add(q.Key, "choice_filter reads the column %q, which no choice of this question has", col)
			}
		}
	}
	return e
}

// isValue reports whether s is the name of one of choices, or the value of one of their
// columns.
func isValue(choices []Choice, s string) bool {
	for _, ch := range choices {
		if ch.Key == s {
			return true
		}
		for _, v := range ch.Columns {
			if v == s {
				return true
			}
		}
	}
	return false
}

// expression parses src, checking that it refers only to questions of the form.
func (c *checker) expression(field, column, src string, all map[string]QuestionType, self bool) *expr.Expr {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	e, err := expr.Parse(src)
	if err != nil {
		c.add(field, "%s %q: %v", column, src, err)
		return nil
	}
	c.refs(field, column, e, all, self)
	return e
}

// refs checks that e refers only to questions of the form (all, by key) that have a value,
// and uses "." only where self allows it. Cycles are found once every expression is read
// (dependencies).
func (c *checker) refs(field, column string, e *expr.Expr, all map[string]QuestionType, self bool) {
	for _, ref := range e.Refs() {
		switch t, ok := all[ref]; {
		case !ok:
			keys := make([]string, 0, len(all))
			for k := range all {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if near := Nearest(ref, keys); near != "" {
				c.add(field, "%s refers to ${%s}, which is no question of this form (did you mean ${%s}?)", column, ref, near)
			} else {
				c.add(field, "%s refers to ${%s}, which is no question of this form", column, ref)
			}
		case t == Note:
			// ODK reads a note as an empty text; so does palabre (a note takes no answer).
			c.warn(field, "%s refers to ${%s}, a note, which takes no answer: it reads as empty", column, ref)
		case t == Matrix:
			c.add(field, "%s refers to ${%s}, a %s, which has no single value", column, ref, t)
		}
	}
	if e.UsesSelf() && !self {
		c.add(field, "%s uses \".\", which only a constraint can", column)
	}
}

// Nearest returns the name in names closest to s, if it is within two edits, to suggest in
// "did you mean" messages; "" when none is that close.
func Nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes (64 for longer words).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 64
	}
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
