package erase

import (
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
)

func init() {
	console.AddMessages(map[string]survey.Text{
		"erase_title": {"fr": "Effacer une réponse", "en": "Erase a response", "es": "Borrar una respuesta"},
		"erase_intro": {"fr": "À la demande de la personne qui a répondu (RGPD), effacez sa réponse de toutes les tables. L'effacement est inscrit au journal d'audit, définitif, et la référence reste refusée : la réponse ne peut pas être renvoyée.",
			"en": "At the request of the person who answered (GDPR), erase their response from every table. The erasure is written to the audit log, is final, and the reference stays refused: the response cannot be sent again.",
			"es": "A petición de la persona que respondió (RGPD), borre su respuesta de todas las tablas. El borrado queda en el registro de auditoría, es definitivo y la referencia queda rechazada: la respuesta no puede volver a enviarse."},
		"erase_reference": {"fr": "Référence de la réponse", "en": "Reference of the response", "es": "Referencia de la respuesta"},
		"erase_reference_hint": {"fr": "La référence que la page de remerciement a montrée à la personne (36 caractères).",
			"en": "The reference the thank-you page showed the person (36 characters).", "es": "La referencia que la página de agradecimiento mostró a la persona (36 caracteres)."},
		"erase_reason": {"fr": "Motif", "en": "Reason", "es": "Motivo"},
		"erase_reason_hint": {"fr": "Ce qu'était la demande (date, moyen), jamais le nom de la personne.", "en": "What the request was (date, how), never the person's name.",
			"es": "Qué fue la solicitud (fecha, medio), nunca el nombre de la persona."},
		"erase_confirm": {"fr": "Je comprends que l'effacement est définitif.", "en": "I understand that the erasure is final.", "es": "Entiendo que el borrado es definitivo."},
		"erase_button":  {"fr": "Effacer la réponse", "en": "Erase the response", "es": "Borrar la respuesta"},
		"erase_done":    {"fr": "La réponse a été effacée de toutes les tables.", "en": "The response was erased from every table.", "es": "La respuesta se borró de todas las tablas."},
		"erase_erased":  {"fr": "Référence effacée : %s", "en": "Reference erased: %s", "es": "Referencia borrada: %s"},
		"erase_bad_id": {"fr": "Ce n'est pas une référence de réponse : elle compte 36 caractères, comme 0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01.",
			"en": "This is not a response reference: it has 36 characters, like 0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01.",
			"es": "No es una referencia de respuesta: tiene 36 caracteres, como 0b0e3a44-9d4f-4b6b-8d53-1d8e4b6b9a01."},
		"erase_no_reason":     {"fr": "Indiquez le motif de l'effacement.", "en": "Give the reason for the erasure.", "es": "Indique el motivo del borrado."},
		"erase_not_confirmed": {"fr": "Cochez la case pour confirmer l'effacement.", "en": "Tick the box to confirm the erasure.", "es": "Marque la casilla para confirmar el borrado."},
		"erase_back":          {"fr": "Revenir à l'enquête", "en": "Back to the survey", "es": "Volver a la encuesta"},
	})
}
