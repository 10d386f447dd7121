package analytics

import (
	"fmt"

	"github.com/palabre/palabre/survey"
)

// message is a message of this package in palabre's three languages.
type message = survey.Phrase

func phrase(key survey.MessageKey, fr, en, es string) message {
	return message{Key: key, FR: fr, EN: en, ES: es}
}

var (
	msgUnknownDimension = phrase("analytics_unknown_dimension",
		"Dimension inconnue « %s » : utilisez country, organisation, role, edition ou language.",
		"Unknown dimension “%s”: use country, organisation, role, edition or language.",
		"Dimensión desconocida «%s»: use country, organisation, role, edition o language.")
	msgRepeatedDimension = phrase("analytics_repeated_dimension",
		"La dimension « %s » est demandée deux fois.",
		"Dimension “%s” is requested twice.",
		"La dimensión «%s» se pide dos veces.")
	msgBadYear = phrase("analytics_bad_year",
		"« %s » n'est pas une année d'édition.",
		"“%s” is not an edition year.",
		"«%s» no es un año de edición.")
	msgTooManyValues = phrase("analytics_too_many_values",
		"Trop de valeurs pour %s (au plus %d).",
		"Too many values for %s (at most %d).",
		"Demasiados valores para %s (como máximo %d).")
	msgUnknownAudience = phrase("analytics_unknown_audience",
		"Public inconnu « %s » : funder ou coordinator.",
		"Unknown audience “%s”: funder or coordinator.",
		"Público desconocido «%s»: funder o coordinator.")
	msgBadPage = phrase("analytics_bad_page",
		"limit et offset doivent être des entiers positifs, limit au plus %d, offset au plus %d.",
		"limit and offset must be non-negative whole numbers, limit at most %d, offset at most %d.",
		"limit y offset deben ser enteros no negativos, limit como máximo %d, offset como máximo %d.")
	msgNote = phrase("analytics_note",
		"« %s » est un texte d'information : il n'a pas de réponses.",
		"“%s” is a note: it has no answers.",
		"«%s» es un texto informativo: no tiene respuestas.")
	msgNotPooled = phrase("analytics_not_pooled",
		"La question « %s » n'est pas comparable entre %d et %d (%s) : ventilez par édition (by=edition) ou filtrez une seule édition.",
		"Question “%s” is not comparable between %d and %d (%s): break it down by edition (by=edition) or filter one edition.",
		"La pregunta «%s» no es comparable entre %d y %d (%s): desglósela por edición (by=edition) o filtre una sola edición.")
	msgRawForCoordinators = phrase("analytics_raw_for_coordinators",
		"Les réponses individuelles sont réservées aux coordinateurs.",
		"Individual responses are for coordinators only.",
		"Las respuestas individuales están reservadas a los coordinadores.")
	msgNoEditions = phrase("analytics_no_editions",
		"L'enquête « %s » n'a encore aucune édition.",
		"Survey “%s” has no edition yet.",
		"La encuesta «%s» aún no tiene ediciones.")
)

// Why a question is not compared between two editions; the argument is a year.
var reasonMessages = map[Reason]message{
	NotAsked: phrase("analytics_not_asked",
		"question non posée en %d", "question not asked in %d", "pregunta no planteada en %d"),
	Reworded: phrase("analytics_reworded",
		"formulation ou sens modifiés en %d", "wording or meaning changed in %d", "redacción o sentido modificados en %d"),
	TypeChanged: phrase("analytics_type_changed",
		"type de question modifié en %d", "question type changed in %d", "tipo de pregunta modificado en %d"),
	ScaleChanged: phrase("analytics_scale_changed",
		"échelle modifiée en %d", "scale changed in %d", "escala modificada en %d"),
	ChoicesChanged: phrase("analytics_choices_changed",
		"choix proposés modifiés en %d", "choices changed in %d", "opciones modificadas en %d"),
	CalculationChanged: phrase("analytics_calculation_changed",
		"calcul modifié en %d", "calculation changed in %d", "cálculo modificado en %d"),
}

// yes/no questions have no choice labels of their own.
var yesNoLabels = map[string]survey.Text{
	"yes": {survey.French: "Oui", survey.English: "Yes", survey.Spanish: "Sí"},
	"no":  {survey.French: "Non", survey.English: "No", survey.Spanish: "No"},
}

// errorf returns a bad-request error (400) with m's text.
func errorf(m message, args ...any) *survey.Error {
	return &survey.Error{Code: survey.CodeMalformed,
		Message: m.Message(args...)}
}

// notPooled is the error for a question whose answers from two editions cannot be pooled.
func notPooled(key string, from, to int, reason Reason) *survey.Error {
	why := reasonMessages[reason].Text(to)
	t := survey.Text{}
	for lang, format := range map[string]string{survey.French: msgNotPooled.FR, survey.English: msgNotPooled.EN, survey.Spanish: msgNotPooled.ES} {
		t[lang] = fmt.Sprintf(format, key, from, to, why[lang])
	}
	return &survey.Error{Code: survey.CodeMalformed,
		Message: survey.Message{Key: msgNotPooled.Key, Args: []any{key, from, to, reason}, Text: t}}
}

// ReasonMessage is the sentence a NotCompared gives for reason and year, in lang.
func ReasonMessage(reason Reason, year int, lang string) string {
	m, ok := reasonMessages[reason]
	if !ok {
		return string(reason)
	}
	return m.Text(year).In(lang, survey.DefaultLanguage)
}

// acknowledgeLabel names the one answer to an acknowledge question, its box ticked.
var acknowledgeLabel = survey.Text{survey.French: "Confirmé", survey.English: "Confirmed", survey.Spanish: "Confirmado"}
