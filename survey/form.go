package survey

import "github.com/palabre/palabre/survey/expr"

// QuestionType is the kind of a question, which decides its input and its validation.
type QuestionType string

// The question types a feedback survey needs.
const (
	SingleChoice   QuestionType = "single_choice"   // one of Choices
	MultipleChoice QuestionType = "multiple_choice" // several of Choices, MinSelected..MaxSelected
	YesNo          QuestionType = "yes_no"          // "yes" or "no"
	Likert         QuestionType = "likert"          // one point of a labelled scale (Choices, 5 points by default)
	Matrix         QuestionType = "matrix"          // each of Items on the same Likert scale (Choices)
	Rating         QuestionType = "rating"          // an integer 0..10 (NPS-style unless Min/Max say otherwise)
	Number         QuestionType = "number"          // a number, integer when Integer, within Min..Max
	ShortText      QuestionType = "text"            // one line, at most MaxLength characters
	LongText       QuestionType = "long_text"       // several lines, at most MaxLength characters
	Date           QuestionType = "date"            // YYYY-MM-DD
	Note           QuestionType = "note"            // text shown to the participant; takes no answer
	// Calculate is not asked: its answer is the value of Calculation over earlier answers,
	// computed by the server when the response is submitted (and shown live by the page).
	Calculate QuestionType = "calculate"
)

// QuestionTypes lists every type, in the order documentation presents them.
var QuestionTypes = []QuestionType{SingleChoice, MultipleChoice, YesNo, Likert, Matrix, Rating,
	Number, ShortText, LongText, Date, Time, DateTime, Geopoint, Acknowledge, Note, Calculate}

// Default limits, applied when a definition does not set its own.
const (
	DefaultShortTextMax = 200
	DefaultLongTextMax  = 5000
)

// Form is one immutable version of a survey's questionnaire. Editions refer to it by Version.
// A changed questionnaire is a new version; question keys that keep their meaning keep their
// key, which is what makes answers comparable across years.
type Form struct {
	SurveyID string `json:"survey_id"`
	Version  int    `json:"version"`
	Title    Text   `json:"title"`
	// Description introduces the survey to participants.
	Description Text `json:"description,omitempty"`
	// DefaultLanguage and Languages as in Survey; a form carries them so it stands alone.
	DefaultLanguage string   `json:"default_language"`
	Languages       []string `json:"languages"`
	Profile         Profile  `json:"profile"`
	// Sections hold the questions in order. A section with an empty Key is a plain run of
	// questions; a section with a Key is a group shown in a fieldset, with its own Relevant.
	Sections []Section `json:"sections"`
}

// Section is a group of questions shown together, optionally only when Relevant holds.
type Section struct {
	Key       string     `json:"key,omitempty"`
	Label     Text       `json:"label,omitempty"`
	Relevant  string     `json:"relevant,omitempty"`
	Questions []Question `json:"questions"`
}

// Question is one question of a form.
type Question struct {
	Key   string       `json:"key"` // stable across editions; [a-z][a-z0-9_]*
	Type  QuestionType `json:"type"`
	Label Text         `json:"label"`
	Hint  Text         `json:"hint,omitempty"`

	Required bool `json:"required,omitempty"`
	// Relevant is a skip-logic expression over earlier answers (XLSForm syntax, see
	// survey/expr); the question is shown, required and stored only when it holds.
	Relevant string `json:"relevant,omitempty"`
	// Constraint is an expression over the question's own value ".", checked when answered.
	Constraint        string `json:"constraint,omitempty"`
	ConstraintMessage Text   `json:"constraint_message,omitempty"`

	// Calculation is the expression a calculate question's answer is computed from.
	Calculation string `json:"calculation,omitempty"`
	// ChoiceFilter, on a single or multiple choice question, is an expression checked for
	// each choice (survey/expr ParseFilter): bare names are the choice's Columns ("name" its
	// key), ${x} earlier answers. Only the choices it holds for are offered and accepted.
	ChoiceFilter string `json:"choice_filter,omitempty"`

	// Choices: the options of a choice question, or the points of a Likert or matrix scale.
	Choices []Choice `json:"choices,omitempty"`
	// Items: the rows of a matrix.
	Items []Choice `json:"items,omitempty"`

	MinSelected int      `json:"min_selected,omitempty"` // multiple choice
	MaxSelected int      `json:"max_selected,omitempty"` // multiple choice, 0 = no limit
	Min         *float64 `json:"min,omitempty"`          // number, rating
	Max         *float64 `json:"max,omitempty"`          // number, rating
	Integer     bool     `json:"integer,omitempty"`      // number
	// Step: a number's answers are Min (or 0) plus a whole number of Steps, as an XLSForm
	// range's; nil for any number.
	Step      *float64 `json:"step,omitempty"`
	MaxLength int      `json:"max_length,omitempty"` // text, long text

	// ChangedIn is the edition year from which this question's wording or meaning changed
	// in a way that makes earlier years' answers not comparable with later ones (0 = never).
	// A change of type or scale is detected without it; see Comparable.
	ChangedIn int `json:"changed_in,omitempty"`
}

// Choice is an option of a choice question, a point of a scale or a row of a matrix.
type Choice struct {
	Key   string `json:"key"`
	Label Text   `json:"label"`
	// Columns are values a choice filter reads by name (such as the country of a city).
	Columns map[string]string `json:"columns,omitempty"`
}

// Profile configures the questions about the respondent that every response carries:
// country, organisation and role (language is the one the form was answered in).
type Profile struct {
	// Countries the participant picks from (ISO 3166-1 alpha-2); NetworkCountries by default.
	Countries []string `json:"countries"`
	// Organisations to pick from; empty means the participant types the organisation's name.
	Organisations []Choice `json:"organisations,omitempty"`
	// Roles to pick from; DefaultRoles when empty.
	Roles []Choice `json:"roles"`
}

// NetworkCountries are the ten countries of the partners' network (ISO 3166-1 alpha-2):
// Burkina Faso, Cameroon, Congo, DR Congo, France, Madagascar, Mali, Morocco, Peru, Senegal.
var NetworkCountries = []string{"BF", "CM", "CG", "CD", "FR", "MG", "ML", "MA", "PE", "SN"}

// DefaultRoles are the roles of the network's participants.
var DefaultRoles = []Choice{
	{Key: "social_worker", Label: Text{French: "Travailleur·se social·e", English: "Social worker", Spanish: "Trabajador·a social"}},
	{Key: "head_of_service", Label: Text{French: "Chef·fe de service", English: "Head of service", Spanish: "Jefe·a de servicio"}},
	{Key: "psychologist", Label: Text{French: "Psychologue", English: "Psychologist", Spanish: "Psicólogo·a"}},
	{Key: "lawyer", Label: Text{French: "Juriste", English: "Lawyer", Spanish: "Jurista"}},
	{Key: "unit_head", Label: Text{French: "Responsable d'unité ou de structure", English: "Head of unit or organisation", Spanish: "Responsable de unidad o de estructura"}},
	{Key: "other", Label: Text{French: "Autre", English: "Other", Spanish: "Otro"}},
}

// Questions returns every question of the form in order, across sections.
func (f *Form) Questions() []*Question {
	var out []*Question
	for i := range f.Sections {
		for j := range f.Sections[i].Questions {
			out = append(out, &f.Sections[i].Questions[j])
		}
	}
	return out
}

// Question returns the question with key, and the section it is in.
func (f *Form) Question(key string) (*Question, *Section, bool) {
	for i := range f.Sections {
		s := &f.Sections[i]
		for j := range s.Questions {
			if s.Questions[j].Key == key {
				return &s.Questions[j], s, true
			}
		}
	}
	return nil, nil, false
}

// Choice returns the choice with key.
func (q *Question) Choice(key string) (Choice, bool) {
	for _, c := range q.Choices {
		if c.Key == key {
			return c, true
		}
	}
	return Choice{}, false
}

// Item returns the matrix row with key.
func (q *Question) Item(key string) (Choice, bool) {
	for _, c := range q.Items {
		if c.Key == key {
			return c, true
		}
	}
	return Choice{}, false
}

// CalculatesNumber reports whether q is a calculate question whose calculation always gives
// a number (see expr.Expr.Numeric): analytics then treats its answers as numbers, and
// those of any other calculation as text.
func (q *Question) CalculatesNumber() bool {
	if q.Type != Calculate {
		return false
	}
	e, err := expr.Parse(q.Calculation)
	return err == nil && e.Numeric()
}

// TakesAnswer reports whether the question collects an answer (every type but Note).
func (q *Question) TakesAnswer() bool { return q.Type != Note }

// Bounds returns the numeric range of a number or rating question; ok is false for a side
// with no bound.
func (q *Question) Bounds() (lo float64, hasLo bool, hi float64, hasHi bool) {
	if q.Type == Rating {
		lo, hi, hasLo, hasHi = 0, 10, true, true
	}
	if q.Min != nil {
		lo, hasLo = *q.Min, true
	}
	if q.Max != nil {
		hi, hasHi = *q.Max, true
	}
	return lo, hasLo, hi, hasHi
}

// TextLimit returns the maximum length in characters of a text answer.
func (q *Question) TextLimit() int {
	switch {
	case q.MaxLength > 0:
		return q.MaxLength
	case q.Type == LongText:
		return DefaultLongTextMax
	default:
		return DefaultShortTextMax
	}
}
