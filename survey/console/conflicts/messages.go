package conflicts

import (
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
)

func init() {
	console.AddMessages(map[string]survey.Text{
		"conflicts_title": {"fr": "Réponses en conflit", "en": "Conflicting responses", "es": "Respuestas en conflicto"},
		"conflicts_heading": {"fr": "Réponses en conflit · %s %d", "en": "Conflicting responses · %s %d",
			"es": "Respuestas en conflicto · %s %d"},
		"conflicts_back": {"fr": "← Retour à l'édition", "en": "← Back to the edition", "es": "← Volver a la edición"},
		"conflicts_intro": {
			"fr": "Deux serveurs palabre ont accepté, presque au même moment, des réponses différentes sous une même référence. La version reçue en premier est gardée (à la seconde près ; à égalité, celle dont l'empreinte des réponses est la plus petite). Les autres versions sont listées ici, entières, et ne sont comptées dans aucun résultat.",
			"en": "Two palabre servers accepted, almost at the same time, different answers under one reference. The version received first is kept (to the second; in a tie, the one whose digest of answers is smaller). The other versions are listed here, whole, and are counted in no result.",
			"es": "Dos servidores palabre aceptaron, casi al mismo tiempo, respuestas distintas con una misma referencia. Se conserva la versión recibida primero (al segundo; en caso de empate, la de menor huella de respuestas). Las demás versiones se listan aquí, completas, y no se cuentan en ningún resultado."},
		"conflicts_none":      {"fr": "Aucune réponse en conflit pour cette édition.", "en": "No conflicting response in this edition.", "es": "Ninguna respuesta en conflicto en esta edición."},
		"conflicts_limited":   {"fr": "Seules les %d plus récentes sont listées.", "en": "Only the latest %d are listed.", "es": "Solo se listan las %d más recientes."},
		"conflicts_reference": {"fr": "Référence", "en": "Reference", "es": "Referencia"},
		"conflicts_received":  {"fr": "Reçue (UTC)", "en": "Received (UTC)", "es": "Recibida (UTC)"},
		"conflicts_kept":      {"fr": "Version gardée reçue (UTC)", "en": "Kept version received (UTC)", "es": "Versión conservada recibida (UTC)"},
		"conflicts_by":        {"fr": "Acceptée par", "en": "Accepted by", "es": "Aceptada por"},
		"conflicts_recorded":  {"fr": "Constatée (UTC)", "en": "Found (UTC)", "es": "Constatada (UTC)"},
		"conflicts_profile":   {"fr": "Répondant", "en": "Respondent", "es": "Encuestado"},
		"conflicts_answers":   {"fr": "Réponses écartées (%d)", "en": "Answers left out (%d)", "es": "Respuestas descartadas (%d)"},
		"conflicts_unknown":   {"fr": "inconnu", "en": "unknown", "es": "desconocido"},
	})
}
