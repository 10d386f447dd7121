package publish

import "github.com/palabre/palabre/survey"

func phrase(key survey.MessageKey, fr, en, es string) survey.Phrase {
	return survey.Phrase{Key: key, FR: fr, EN: en, ES: es}
}

// errorf is a request a coordinator can fix (400).
func errorf(m survey.Phrase, args ...any) *survey.Error {
	return &survey.Error{Code: survey.CodeMalformed, Message: m.Message(args...)}
}

var (
	msgEditionFilter = phrase("publish_edition_filter",
		"Choisissez les éditions avec editions, pas avec un filtre.",
		"Choose the editions with editions, not with a filter.",
		"Elija las ediciones con editions, no con un filtro.")
	msgScopeTooLong = phrase("publish_scope_too_long",
		"Ce tableau de bord décrit trop de choses pour un lien (plus de %d caractères) : retirez des filtres ou des questions.",
		"This dashboard's scope is too long for a link (over %d characters): remove some filters or questions.",
		"El alcance de este tablero es demasiado largo para un enlace (más de %d caracteres): quite filtros o preguntas.")
	msgRefreshTooShort = phrase("publish_refresh_too_short",
		"Un tableau de bord se recalcule au plus une fois par heure.",
		"A dashboard is computed again at most once an hour.",
		"Un tablero se recalcula como máximo una vez por hora.")
	msgSmallBreakdown = phrase("publish_small_breakdown",
		"La ventilation par %s a des cellules de moins de %d réponses : elle ne peut pas être publiée pour les bailleurs.",
		"The breakdown by %s has cells of fewer than %d responses: it cannot be published for funders.",
		"El desglose por %s tiene celdas de menos de %d respuestas: no puede publicarse para los financiadores.")
)
