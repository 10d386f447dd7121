package surveytest

import (
	"encoding/json"
	"time"

	"github.com/palabre/palabre/survey"
)

// T returns a text in French, English and Spanish; an empty argument leaves that language
// out, so that the default language shows instead.
func T(fr, en, es string) survey.Text {
	t := survey.Text{}
	for lang, s := range map[string]string{survey.French: fr, survey.English: en, survey.Spanish: es} {
		if s != "" {
			t[lang] = s
		}
	}
	return t
}

// Builder assembles a form question by question. Its methods return the builder so that
// calls chain; Build checks the result.
type Builder struct {
	f     *survey.Form
	group bool // the last section is an open group
}

// NewForm starts version 1 of a form for surveyID in French (the default), English and
// Spanish, with the network's countries and roles and a typed organisation.
func NewForm(surveyID string, title survey.Text) *Builder {
	return &Builder{f: &survey.Form{
		SurveyID: surveyID, Version: 1, Title: title,
		DefaultLanguage: survey.French, Languages: []string{survey.French, survey.English, survey.Spanish},
		Profile: survey.Profile{
			Countries: append([]string(nil), survey.NetworkCountries...),
			Roles:     append([]survey.Choice(nil), survey.DefaultRoles...),
		},
	}}
}

// Version sets the form's version.
func (b *Builder) Version(v int) *Builder { b.f.Version = v; return b }

// Organisations makes the participant pick an organisation from a list instead of typing it.
func (b *Builder) Organisations(orgs ...survey.Choice) *Builder {
	b.f.Profile.Organisations = orgs
	return b
}

// Question appends q to the open group, or to the run of questions outside groups.
func (b *Builder) Question(q survey.Question) *Builder {
	n := len(b.f.Sections)
	if n == 0 || (b.f.Sections[n-1].Key != "" && !b.group) {
		b.f.Sections = append(b.f.Sections, survey.Section{})
		n++
	}
	b.f.Sections[n-1].Questions = append(b.f.Sections[n-1].Questions, q)
	return b
}

// Group opens a group: the questions that follow, until EndGroup, are shown in one fieldset,
// only when relevant holds (always when it is empty).
func (b *Builder) Group(key string, label survey.Text, relevant string) *Builder {
	b.f.Sections = append(b.f.Sections, survey.Section{Key: key, Label: label, Relevant: relevant})
	b.group = true
	return b
}

// EndGroup closes the open group.
func (b *Builder) EndGroup() *Builder { b.group = false; return b }

// Build returns the form after checking it compiles; it panics otherwise, as a test fixture
// with a mistake is a bug in the test.
func (b *Builder) Build() *survey.Form {
	f := Clone(b.f)
	if _, err := survey.Compile(f); err != nil {
		panic("surveytest: " + err.Error())
	}
	return f
}

// Clone returns a deep copy of f.
func Clone(f *survey.Form) *survey.Form {
	b, err := json.Marshal(f)
	if err != nil {
		panic("surveytest: form does not encode: " + err.Error())
	}
	out := new(survey.Form)
	if err := json.Unmarshal(b, out); err != nil {
		panic("surveytest: form does not decode: " + err.Error())
	}
	return out
}

// Edition builds an edition of surveyID answered with form version 1, open from opens
// until closes (a zero time leaves that side open).
func Edition(surveyID string, year int, place string, opens, closes time.Time) survey.Edition {
	return survey.Edition{SurveyID: surveyID, Year: year, Place: place, FormVersion: 1, Opens: opens, Closes: closes}
}

// Seed returns a catalog holding FeedbackForm(surveyID) and three editions around now: the
// previous year's, closed 300 days ago; this year's, open until 60 days from now; and next
// year's, opening in 300 days.
func Seed(surveyID string, now time.Time) *Catalog {
	day := 24 * time.Hour
	y := now.Year()
	return NewCatalog([]*survey.Form{FeedbackForm(surveyID)},
		Edition(surveyID, y-1, "Dakar", now.Add(-400*day), now.Add(-300*day)),
		Edition(surveyID, y, "Tanger", now.Add(-30*day), now.Add(60*day)),
		Edition(surveyID, y+1, "Lima", now.Add(300*day), time.Time{}),
	)
}
