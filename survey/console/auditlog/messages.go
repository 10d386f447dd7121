package auditlog

import (
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
)

func init() {
	console.AddMessages(map[string]survey.Text{
		"audit_nav":   {"fr": "Journal d'audit", "en": "Audit log", "es": "Registro de auditoría"},
		"audit_title": {"fr": "Journal d'audit", "en": "Audit log", "es": "Registro de auditoría"},
		"audit_intro": {"fr": "Chaque action qui change quelque chose, dans la console, l'API ou en ligne de commande : qui, quoi, quand, d'où. Le journal ne s'efface pas.",
			"en": "Every action that changes something, in the console, the API or on the command line: who, what, when, from where. The log is never erased.",
			"es": "Cada acción que cambia algo, en la consola, la API o la línea de comandos: quién, qué, cuándo, desde dónde. El registro nunca se borra."},
		"audit_from":     {"fr": "Du (jour, UTC)", "en": "From (day, UTC)", "es": "Desde (día, UTC)"},
		"audit_to":       {"fr": "Au (inclus)", "en": "To (included)", "es": "Hasta (incluido)"},
		"audit_email":    {"fr": "Compte (e-mail)", "en": "Account (e-mail)", "es": "Cuenta (correo)"},
		"audit_action":   {"fr": "Action (ou préfixe finissant par un point : « edition. »)", "en": "Action (or a prefix ending with a dot: \"edition.\")", "es": "Acción (o un prefijo que termina en punto: «edition.»)"},
		"audit_survey":   {"fr": "Enquête", "en": "Survey", "es": "Encuesta"},
		"audit_filter":   {"fr": "Filtrer", "en": "Filter", "es": "Filtrar"},
		"audit_csv":      {"fr": "Exporter ces entrées (CSV)", "en": "Export these entries (CSV)", "es": "Exportar estas entradas (CSV)"},
		"audit_none":     {"fr": "Aucune entrée.", "en": "No entry.", "es": "Ninguna entrada."},
		"audit_when":     {"fr": "Quand (UTC)", "en": "When (UTC)", "es": "Cuándo (UTC)"},
		"audit_who":      {"fr": "Qui", "en": "Who", "es": "Quién"},
		"audit_what":     {"fr": "Quoi", "en": "What", "es": "Qué"},
		"audit_target":   {"fr": "Objet", "en": "On", "es": "Objeto"},
		"audit_detail":   {"fr": "Détail", "en": "Detail", "es": "Detalle"},
		"audit_where":    {"fr": "D'où", "en": "From", "es": "Desde"},
		"audit_cli":      {"fr": "ligne de commande ou jeton partagé", "en": "command line or shared token", "es": "línea de comandos o token compartido"},
		"audit_prev":     {"fr": "← Plus récentes", "en": "← Newer", "es": "← Más recientes"},
		"audit_next":     {"fr": "Plus anciennes →", "en": "Older →", "es": "Más antiguas →"},
		"audit_bad_date": {"fr": "Une date s'écrit AAAA-MM-JJ, par exemple 2026-03-01.", "en": "A date is written YYYY-MM-DD, e.g. 2026-03-01.", "es": "Una fecha se escribe AAAA-MM-DD, por ejemplo 2026-03-01."},
	})
}
