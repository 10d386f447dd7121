// Package analyticstest gives analytics tests a survey with two form versions that differ
// in every way that matters to comparisons, three editions, generated responses, and an
// in-memory analytics.Store.
package analyticstest

import (
	"time"

	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// SurveyID is the test survey's id.
const SurveyID = "partners-meeting"

// Forms returns the two versions of the test survey's form. Version 1 (2023, 2024):
//
//	attended      yes/no, required
//	sessions      multiple choice, 1 to 3 of plenary, workshops, field_visits, exchanges, other
//	sessions_other text, only when "other" is selected
//	organisation  Likert, 5 points
//	workshops     Likert, 4 points
//	topics        matrix of child_protection, family_support, advocacy on a 4-point scale
//	recommend     rating 0–10, required
//	format        single choice of in_person, online, hybrid
//	followup_intro note
//	followup      group, only when attended: families (whole number), first_action (date)
//	improve       long text
//	one_word      short text
//
// Version 2 (2025) changes: organisation is reworded (ChangedIn 2025), workshops moves to a
// 5-point scale, topics gains a row youth_participation, format gains a choice regional,
// and a new single choice, duration, is asked.
func Forms() []*survey.Form {
	return []*survey.Form{form(1), form(2)}
}

// Editions are 2023 and 2024 (version 1) and 2025 (version 2), with the number invited.
func Editions() []survey.Edition {
	ed := func(year, version, invited int, place string) survey.Edition {
		return survey.Edition{SurveyID: SurveyID, Year: year, FormVersion: version, Place: place, Invited: invited,
			Opens: time.Date(year, 10, 28, 0, 0, 0, 0, time.UTC), Closes: time.Date(year, 12, 1, 0, 0, 0, 0, time.UTC)}
	}
	return []survey.Edition{ed(2023, 1, 30, "Brazzaville"), ed(2024, 1, 28, "Dakar"), ed(2025, 2, 26, "Tanger")}
}

// Catalog holds Forms and Editions.
func Catalog() *surveytest.Catalog { return surveytest.NewCatalog(Forms(), Editions()...) }

// Compiled returns Forms compiled.
func Compiled() []*survey.Compiled {
	var out []*survey.Compiled
	for _, f := range Forms() {
		cf, err := survey.Compile(f)
		if err != nil {
			panic("analyticstest: " + err.Error())
		}
		out = append(out, cf)
	}
	return out
}

// Responses generates responses to the three editions: perEdition each with the given seed.
func Responses(seedValue uint64, perEdition int) []*survey.Response {
	var out []*survey.Response
	opts := seed.Options{Seed: seedValue, PerEdition: perEdition, Now: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)}
	err := seed.Generate(Compiled(), Editions(), opts, func(r *survey.Response) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		panic("analyticstest: " + err.Error())
	}
	return out
}

func form(version int) *survey.Form {
	T := surveytest.T
	agree, useful := surveytest.Agreement(), surveytest.Usefulness()
	workshops := useful
	organisation := survey.Question{Key: "organisation", Type: survey.Likert, Required: true, Choices: agree,
		Label: T("La rencontre était bien organisée.", "The meeting was well organised.", "El encuentro estuvo bien organizado.")}
	items := []survey.Choice{
		{Key: "child_protection", Label: T("Protection de l'enfance", "Child protection", "Protección de la infancia")},
		{Key: "family_support", Label: T("Soutien aux familles", "Family support", "Apoyo a las familias")},
		{Key: "advocacy", Label: T("Plaidoyer", "Advocacy", "Incidencia")},
	}
	formats := []survey.Choice{
		{Key: "in_person", Label: T("Sur place", "In person", "Presencial")},
		{Key: "online", Label: T("En ligne", "Online", "En línea")},
		{Key: "hybrid", Label: T("Hybride", "Hybrid", "Híbrido")},
	}
	if version >= 2 {
		workshops = agree
		organisation.ChangedIn = 2025
		organisation.Label = T("L'organisation pratique (accueil, transport) était satisfaisante.",
			"The practical arrangements (welcome, transport) were satisfactory.",
			"La organización práctica (acogida, transporte) fue satisfactoria.")
		items = append(items, survey.Choice{Key: "youth_participation", Label: T("Participation des jeunes", "Youth participation", "Participación de los jóvenes")})
		formats = append(formats, survey.Choice{Key: "regional", Label: T("Rencontres régionales", "Regional meetings", "Encuentros regionales")})
	}
	zero, most := 0.0, 100000.0
	b := surveytest.NewForm(SurveyID, T("Rencontre des partenaires", "Partners' meeting", "Encuentro de socios")).Version(version).
		Question(survey.Question{Key: "attended", Type: survey.YesNo, Required: true,
			Label: T("Avez-vous participé à la rencontre sur place ?", "Did you attend the meeting in person?", "¿Asistió al encuentro en persona?")}).
		Question(survey.Question{Key: "sessions", Type: survey.MultipleChoice, Required: true, MinSelected: 1, MaxSelected: 3,
			Label:   T("Quels temps vous ont été les plus utiles ?", "Which sessions were most useful to you?", "¿Qué sesiones le resultaron más útiles?"),
			Choices: surveytest.Sessions()}).
		Question(survey.Question{Key: "sessions_other", Type: survey.ShortText, Required: true, MaxLength: 80,
			Relevant: "selected(${sessions}, 'other')",
			Label:    T("Quel autre temps ?", "Which other session?", "¿Qué otra sesión?")}).
		Question(organisation).
		Question(survey.Question{Key: "workshops", Type: survey.Likert, Required: true, Choices: workshops,
			Label: T("Les ateliers vous ont-ils été utiles ?", "Were the workshops useful to you?", "¿Le fueron útiles los talleres?")}).
		Question(survey.Question{Key: "topics", Type: survey.Matrix, Choices: useful, Items: items,
			Label: T("Quelle a été l'utilité de chaque thème ?", "How useful was each topic?", "¿Qué utilidad tuvo cada tema?")}).
		Question(survey.Question{Key: "recommend", Type: survey.Rating, Required: true,
			Label: T("Recommanderiez-vous la rencontre à un·e collègue ?", "Would you recommend the meeting to a colleague?", "¿Recomendaría el encuentro a un·a colega?")}).
		Question(survey.Question{Key: "format", Type: survey.SingleChoice, Choices: formats,
			Label: T("Quel format préférez-vous pour l'an prochain ?", "Which format do you prefer for next year?", "¿Qué formato prefiere para el próximo año?")})
	if version >= 2 {
		b = b.Question(survey.Question{Key: "duration", Type: survey.SingleChoice,
			Label: T("La durée de la rencontre était…", "The length of the meeting was…", "La duración del encuentro fue…"),
			Choices: []survey.Choice{
				{Key: "too_short", Label: T("Trop courte", "Too short", "Demasiado corta")},
				{Key: "right", Label: T("Adaptée", "About right", "Adecuada")},
				{Key: "too_long", Label: T("Trop longue", "Too long", "Demasiado larga")},
			}})
	}
	return b.Question(survey.Question{Key: "followup_intro", Type: survey.Note,
		Label: T("Quelques questions sur la suite.", "A few questions on what followed.", "Algunas preguntas sobre lo que siguió.")}).
		Group("followup", T("Après la rencontre", "After the meeting", "Después del encuentro"), "${attended} = 'yes'").
		Question(survey.Question{Key: "families", Type: survey.Number, Integer: true, Min: &zero, Max: &most,
			Label: T("Combien de familles votre structure a-t-elle accompagnées depuis ?", "How many families has your organisation supported since?", "¿Cuántas familias ha acompañado su organización desde entonces?")}).
		Question(survey.Question{Key: "first_action", Type: survey.Date, Constraint: ". <= today()",
			Label: T("Date de la première action menée ensemble", "Date of the first joint action", "Fecha de la primera acción conjunta")}).
		EndGroup().
		Question(survey.Question{Key: "improve", Type: survey.LongText, MaxLength: 1000,
			Label: T("Que faudrait-il améliorer ?", "What should be improved?", "¿Qué habría que mejorar?")}).
		Question(survey.Question{Key: "one_word", Type: survey.ShortText, MaxLength: 40,
			Label: T("La rencontre en un mot", "The meeting in one word", "El encuentro en una palabra")}).
		Build()
}
