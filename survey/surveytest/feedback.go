package surveytest

import "github.com/palabre/palabre/survey"

// FeedbackForm returns the feedback form of a yearly partners' meeting, with every question
// type, skip logic on a question and on a group, and a constraint with its own message:
//
//	attended        yes/no, required
//	sessions        multiple choice, 1 to 3 of plenary, workshops, field_visits, exchanges, other
//	sessions_other  text, required, only when selected(${sessions}, 'other')
//	organisation    Likert (5 points, agree…disagree), required
//	topics          matrix: child_protection, family_support, advocacy on a 4-point scale
//	recommend       rating 0–10, required
//	format          single choice: in_person, online, hybrid
//	followup        group, only when ${attended} = 'yes':
//	  followup_intro  note
//	  families      whole number 0–100000
//	  first_action  date, constraint ". <= today()" with a message in fr, en and es
//	improve         long text, at most 1000 characters (hint in French only)
//	one_word        text, at most 40 characters
func FeedbackForm(surveyID string) *survey.Form {
	zero, max := 0.0, 100000.0
	agree, useful := Agreement(), Usefulness()
	return NewForm(surveyID, T("Rencontre des partenaires", "Partners' meeting", "Encuentro de socios")).
		Question(survey.Question{Key: "attended", Type: survey.YesNo, Required: true,
			Label: T("Avez-vous participé à la rencontre sur place ?", "Did you attend the meeting in person?", "¿Asistió al encuentro en persona?")}).
		Question(survey.Question{Key: "sessions", Type: survey.MultipleChoice, Required: true, MinSelected: 1, MaxSelected: 3,
			Label:   T("Quels temps vous ont été les plus utiles ?", "Which sessions were most useful to you?", "¿Qué sesiones le resultaron más útiles?"),
			Hint:    T("Trois au plus.", "Three at most.", "Tres como máximo."),
			Choices: Sessions()}).
		Question(survey.Question{Key: "sessions_other", Type: survey.ShortText, Required: true,
			Relevant: "selected(${sessions}, 'other')",
			Label:    T("Quel autre temps ?", "Which other session?", "¿Qué otra sesión?")}).
		Question(survey.Question{Key: "organisation", Type: survey.Likert, Required: true, Choices: agree,
			Label: T("La rencontre était bien organisée.", "The meeting was well organised.", "El encuentro estuvo bien organizado.")}).
		Question(survey.Question{Key: "topics", Type: survey.Matrix, Choices: useful,
			Label: T("Quelle a été l'utilité de chaque thème ?", "How useful was each topic?", "¿Qué utilidad tuvo cada tema?"),
			Items: []survey.Choice{
				{Key: "child_protection", Label: T("Protection de l'enfance", "Child protection", "Protección de la infancia")},
				{Key: "family_support", Label: T("Soutien aux familles", "Family support", "Apoyo a las familias")},
				{Key: "advocacy", Label: T("Plaidoyer", "Advocacy", "Incidencia")},
			}}).
		Question(survey.Question{Key: "recommend", Type: survey.Rating, Required: true,
			Label: T("Recommanderiez-vous la rencontre à un·e collègue ?", "Would you recommend the meeting to a colleague?", "¿Recomendaría el encuentro a un·a colega?"),
			Hint:  T("0 : pas du tout, 10 : certainement.", "0: not at all, 10: certainly.", "0: en absoluto, 10: seguro.")}).
		Question(survey.Question{Key: "format", Type: survey.SingleChoice,
			Label: T("Quel format préférez-vous pour l'an prochain ?", "Which format do you prefer for next year?", "¿Qué formato prefiere para el próximo año?"),
			Choices: []survey.Choice{
				{Key: "in_person", Label: T("Sur place", "In person", "Presencial")},
				{Key: "online", Label: T("En ligne", "Online", "En línea")},
				{Key: "hybrid", Label: T("Hybride", "Hybrid", "Híbrido")},
			}}).
		Group("followup", T("Après la rencontre", "After the meeting", "Después del encuentro"), "${attended} = 'yes'").
		Question(survey.Question{Key: "followup_intro", Type: survey.Note,
			Label: T("Les questions suivantes portent sur ce que vous avez fait après la rencontre.",
				"The next questions are about what you did after the meeting.",
				"Las siguientes preguntas tratan de lo que hizo después del encuentro.")}).
		Question(survey.Question{Key: "families", Type: survey.Number, Integer: true, Min: &zero, Max: &max,
			Label: T("Combien de familles votre structure a-t-elle accompagnées depuis ?", "How many families has your organisation supported since?", "¿Cuántas familias ha acompañado su organización desde entonces?")}).
		Question(survey.Question{Key: "first_action", Type: survey.Date, Constraint: ". <= today()",
			ConstraintMessage: T("La date ne peut pas être dans le futur.", "The date cannot be in the future.", "La fecha no puede estar en el futuro."),
			Label:             T("Date de la première action menée ensemble", "Date of the first joint action", "Fecha de la primera acción conjunta")}).
		EndGroup().
		Question(survey.Question{Key: "improve", Type: survey.LongText, MaxLength: 1000,
			Label: T("Que faudrait-il améliorer ?", "What should be improved?", "¿Qué habría que mejorar?"),
			Hint:  T("Quelques phrases suffisent.", "", "")}).
		Question(survey.Question{Key: "one_word", Type: survey.ShortText, MaxLength: 40,
			Label: T("La rencontre en un mot", "The meeting in one word", "El encuentro en una palabra")}).
		Build()
}

// ValidValues returns a complete submission's values for FeedbackForm (the respondent aside):
// someone who attended, chose "other" among the sessions and answered everything.
func ValidValues() map[string][]string {
	return map[string][]string{
		"attended":                {"yes"},
		"sessions":                {"workshops", "other"},
		"sessions_other":          {"Théâtre forum"},
		"organisation":            {"agree"},
		"topics.child_protection": {"very_useful"},
		"topics.family_support":   {"useful"},
		"topics.advocacy":         {"somewhat"},
		"recommend":               {"9"},
		"format":                  {"hybrid"},
		"families":                {"42"},
		"first_action":            {"2020-03-02"},
		"improve":                 {"Plus de temps pour les ateliers."},
		"one_word":                {"Solidarité"},
	}
}

// ValidRespondent is a respondent FeedbackForm accepts.
func ValidRespondent() survey.Respondent {
	return survey.Respondent{Country: "SN", Organisation: "Village Pilote", Role: "social_worker", Language: survey.French}
}

// Sessions are the parts of the meeting a participant may have found useful, in French,
// English and Spanish.
func Sessions() []survey.Choice {
	return []survey.Choice{
		{Key: "plenary", Label: T("Plénières", "Plenary sessions", "Plenarias")},
		{Key: "workshops", Label: T("Ateliers", "Workshops", "Talleres")},
		{Key: "field_visits", Label: T("Visites de terrain", "Field visits", "Visitas de terreno")},
		{Key: "exchanges", Label: T("Échanges entre pays", "Exchanges between countries", "Intercambios entre países")},
		{Key: "other", Label: T("Autre", "Other", "Otro")},
	}
}

// Agreement is a 5-point agreement scale in French, English and Spanish.
func Agreement() []survey.Choice {
	return []survey.Choice{
		{Key: "strongly_disagree", Label: T("Pas du tout d'accord", "Strongly disagree", "Muy en desacuerdo")},
		{Key: "disagree", Label: T("Plutôt pas d'accord", "Disagree", "En desacuerdo")},
		{Key: "neutral", Label: T("Ni l'un ni l'autre", "Neither", "Ni lo uno ni lo otro")},
		{Key: "agree", Label: T("Plutôt d'accord", "Agree", "De acuerdo")},
		{Key: "strongly_agree", Label: T("Tout à fait d'accord", "Strongly agree", "Muy de acuerdo")},
	}
}

// Usefulness is a 4-point usefulness scale in French, English and Spanish.
func Usefulness() []survey.Choice {
	return []survey.Choice{
		{Key: "not_useful", Label: T("Pas utile", "Not useful", "Nada útil")},
		{Key: "somewhat", Label: T("Un peu utile", "Somewhat useful", "Algo útil")},
		{Key: "useful", Label: T("Utile", "Useful", "Útil")},
		{Key: "very_useful", Label: T("Très utile", "Very useful", "Muy útil")},
	}
}
