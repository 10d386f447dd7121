package web

import "github.com/palabre/palabre/survey"

// message is a message of the analytics API in palabre's three languages.
type message = survey.Phrase

func phrase(key survey.MessageKey, fr, en, es string) message {
	return message{Key: key, FR: fr, EN: en, ES: es}
}

var (
	msgUnknownParameter = phrase("analytics_unknown_parameter",
		"Paramètre inconnu « %s » : utilisez question, by, compare, audience, lang, limit, offset, ou une dimension (country, organisation, role, edition, language) pour filtrer.",
		"Unknown parameter “%s”: use question, by, compare, audience, lang, limit, offset, or a dimension (country, organisation, role, edition, language) to filter.",
		"Parámetro desconocido «%s»: use question, by, compare, audience, lang, limit, offset, o una dimensión (country, organisation, role, edition, language) para filtrar.")
	msgBadCompare = phrase("analytics_bad_compare",
		"Comparaison inconnue « %s » : seule compare=edition est possible.",
		"Unknown comparison “%s”: only compare=edition is possible.",
		"Comparación desconocida «%s»: solo es posible compare=edition.")
	msgBadNumber = phrase("analytics_bad_number",
		"%s doit être un nombre entier positif.",
		"%s must be a non-negative whole number.",
		"%s debe ser un número entero no negativo.")
	msgFailed = phrase("analytics_failed",
		"Les résultats n'ont pas pu être calculés. Réessayez dans quelques instants ; si cela dure, signalez-le avec l'identifiant de la requête.",
		"The results could not be computed. Please try again shortly; if it persists, report it with the request id.",
		"No se pudieron calcular los resultados. Vuelva a intentarlo en unos instantes; si persiste, infórmelo con el identificador de la solicitud.")
	msgCoordinatorOnly = phrase("analytics_coordinator_only",
		"Les résultats d'analyse sont réservés aux coordinateurs authentifiés. Les financeurs consultent les tableaux de bord publiés, depuis leur lien.",
		"Analytics results are for authenticated coordinators only. Funders read the published dashboards, from their link.",
		"Los resultados de análisis están reservados a los coordinadores autenticados. Los financiadores consultan los tableros publicados, desde su enlace.")
	msgAdminOnly = phrase("audit_admin_only",
		"Le journal d'audit est réservé aux administrateurs authentifiés.",
		"The audit log is for authenticated admins only.",
		"El registro de auditoría está reservado a los administradores autenticados.")
	msgAuditParameter = phrase("audit_unknown_parameter",
		"Paramètre inconnu « %s » : utilisez from, to, user, email, action, survey, limit, offset.",
		"Unknown parameter “%s”: use from, to, user, email, action, survey, limit, offset.",
		"Parámetro desconocido «%s»: use from, to, user, email, action, survey, limit, offset.")
	msgAuditTime = phrase("audit_bad_time",
		"%s doit être une date (2026-03-02) ou une heure RFC 3339 (2026-03-02T09:00:00Z).",
		"%s must be a date (2026-03-02) or an RFC 3339 time (2026-03-02T09:00:00Z).",
		"%s debe ser una fecha (2026-03-02) o una hora RFC 3339 (2026-03-02T09:00:00Z).")
	msgCoordinatorOnlyErase = phrase("erase_coordinator_only",
		"Seul un coordinateur authentifié peut effacer une réponse.",
		"Only an authenticated coordinator may erase a response.",
		"Solo un coordinador autenticado puede borrar una respuesta.")
)

// badRequest is a 400 with m's text.
func badRequest(m message, args ...any) *survey.Error {
	return &survey.Error{Code: survey.CodeMalformed, Message: m.Message(args...)}
}
