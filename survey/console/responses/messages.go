package responses

import (
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
)

func init() { console.AddMessages(messages) }

// messages are the page's texts.
var messages = map[string]survey.Text{
	"responses_title":   {"fr": "Réponses en direct", "en": "Live responses", "es": "Respuestas en directo"},
	"responses_heading": {"fr": "Réponses en direct : %s %d", "en": "Live responses: %s %d", "es": "Respuestas en directo: %s %d"},
	"responses_updated": {"fr": "Mis à jour à %s. La page se met à jour toute seule, toutes les %d secondes au plus.",
		"en": "Updated at %s. The page updates itself, every %d seconds at most.",
		"es": "Actualizado a las %s. La página se actualiza sola, cada %d segundos como máximo."},
	"responses_back":  {"fr": "Retour à l'édition", "en": "Back to the edition", "es": "Volver a la edición"},
	"responses_total": {"fr": "Réponses enregistrées : %d", "en": "Responses stored: %d", "es": "Respuestas registradas: %d"},
	"responses_rate": {"fr": "Réponses : %d sur %d personnes invitées, taux de réponse %s.",
		"en": "Responses: %d of %d people invited, response rate %s.",
		"es": "Respuestas: %d de %d personas invitadas, tasa de respuesta %s."},
	"responses_rate_total_only": {"fr": "Le nombre d'invités n'est connu que pour l'édition entière : le taux est donné pour le total seulement, pas par pays ni par structure.",
		"en": "The number invited is known for the whole edition only: the rate is given for the total, not per country or organisation.",
		"es": "El número de invitados solo se conoce para toda la edición: la tasa se da para el total, no por país ni por organización."},
	"responses_invited_unknown": {"fr": "Le nombre de personnes invitées n'est pas renseigné pour cette édition : aucun taux de réponse ne peut être calculé. Indiquez-le sur la page de l'édition.",
		"en": "The number of people invited is not set for this edition, so no response rate can be given. Set it on the edition's page.",
		"es": "El número de personas invitadas no está indicado para esta edición: no se puede calcular la tasa de respuesta. Indíquelo en la página de la edición."},
	"responses_by_country":   {"fr": "Réponses par pays et par structure", "en": "Responses by country and organisation", "es": "Respuestas por país y organización"},
	"responses_country":      {"fr": "Pays", "en": "Country", "es": "País"},
	"responses_organisation": {"fr": "Structure", "en": "Organisation", "es": "Organización"},
	"responses_count":        {"fr": "Réponses", "en": "Responses", "es": "Respuestas"},
	"responses_subtotal":     {"fr": "Sous-total %s", "en": "Subtotal %s", "es": "Subtotal %s"},
	"responses_all":          {"fr": "Total", "en": "Total", "es": "Total"},
	"responses_none":         {"fr": "Aucune réponse enregistrée pour l'instant.", "en": "No response stored yet.", "es": "Todavía no hay respuestas registradas."},
	"responses_not_given":    {"fr": "(non renseigné)", "en": "(not given)", "es": "(no indicado)"},
	"responses_latest":       {"fr": "Dernières arrivées", "en": "Latest arrivals", "es": "Últimas llegadas"},
	"responses_latest_intro": {"fr": "Les dernières réponses enregistrées (%d au plus), la plus récente en premier. Seuls l'heure, le pays et la structure sont montrés, jamais les réponses.",
		"en": "The latest responses stored (%d at most), newest first. Only the time, country and organisation are shown, never the answers.",
		"es": "Las últimas respuestas registradas (%d como máximo), la más reciente primero. Solo se muestran la hora, el país y la organización, nunca las respuestas."},
	"responses_time":     {"fr": "Arrivée (UTC)", "en": "Arrived (UTC)", "es": "Llegada (UTC)"},
	"responses_delivery": {"fr": "En attente d'enregistrement", "en": "Waiting to be stored", "es": "En espera de registro"},
	"responses_waiting": {"fr": "%d réponses reçues attendent d'être écrites dans la base de données (toutes enquêtes confondues) ; la plus ancienne attend depuis %s. Elles ne sont pas encore comptées sur cette page.",
		"en": "%d responses received are waiting to be written to the database (all surveys together); the oldest has waited %s. They are not counted on this page yet.",
		"es": "%d respuestas recibidas esperan ser escritas en la base de datos (todas las encuestas juntas); la más antigua espera desde hace %s. Todavía no se cuentan en esta página."},
	"responses_waiting_one": {"fr": "Une réponse reçue attend d'être écrite dans la base de données (toutes enquêtes confondues), depuis %s. Elle n'est pas encore comptée sur cette page.",
		"en": "One response received is waiting to be written to the database (all surveys together), for %s. It is not counted on this page yet.",
		"es": "Una respuesta recibida espera ser escrita en la base de datos (todas las encuestas juntas), desde hace %s. Todavía no se cuenta en esta página."},
	"responses_none_waiting": {"fr": "Aucune réponse en attente : toutes les réponses reçues sont comptées sur cette page.",
		"en": "No response is waiting: every response received is counted on this page.",
		"es": "Ninguna respuesta en espera: todas las respuestas recibidas se cuentan en esta página."},
	"responses_unavailable": {"fr": "Les chiffres ne peuvent pas être lus en ce moment (base de données injoignable). Cette page réessaie toute seule ; aucune réponse n'est perdue.",
		"en": "The figures cannot be read right now (database unreachable). This page tries again by itself; no response is lost.",
		"es": "Las cifras no se pueden leer en este momento (base de datos inaccesible). Esta página lo vuelve a intentar sola; no se pierde ninguna respuesta."},
	"responses_failing": {"fr": "L'écriture dans la base de données échoue en ce moment. Les réponses reçues sont gardées en sécurité sur le disque et seront ajoutées automatiquement dès qu'elle répondra.",
		"en": "Writing to the database is failing at the moment. Responses received are kept safe on disk and will be added automatically once it answers.",
		"es": "La escritura en la base de datos está fallando en este momento. Las respuestas recibidas se guardan de forma segura en el disco y se añadirán automáticamente cuando responda."},
	"responses_refusing": {"fr": "palabre refuse les nouvelles réponses en ce moment (la place pour les réponses en attente est pleine ou le disque est en panne). Prévenez l'administrateur.",
		"en": "palabre is refusing new responses right now (the space for waiting responses is full or the disk is failing). Tell the administrator.",
		"es": "palabre está rechazando nuevas respuestas en este momento (el espacio para las respuestas en espera está lleno o el disco falla). Avise al administrador."},
	"responses_age_seconds": {"fr": "%d s", "en": "%d s", "es": "%d s"},
	"responses_age_minutes": {"fr": "%d min", "en": "%d min", "es": "%d min"},
	"responses_age_hours":   {"fr": "%d h %02d min", "en": "%d h %02d min", "es": "%d h %02d min"},
}
