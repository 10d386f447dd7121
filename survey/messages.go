package survey

import "fmt"

// MessageKey names a message of palabre's own interface, translated in messages.
type MessageKey string

// Message is a message to show a person: a key into the message table with its arguments, or a text
// from a survey definition (a constraint message) that overrides the key.
type Message struct {
	Key  MessageKey
	Args []any
	Text Text // when set, shown instead of the catalog's text
}

// Msg returns a Message for key with args.
func Msg(key MessageKey, args ...any) Message { return Message{Key: key, Args: args} }

// In returns the message in lang, falling back to French, then English.
func (m Message) In(lang string) string {
	if !m.Text.Empty() {
		return m.Text.In(lang, DefaultLanguage)
	}
	t, ok := messages[m.Key]
	if !ok {
		return string(m.Key)
	}
	format := t.In(lang, DefaultLanguage)
	if len(m.Args) == 0 {
		return format
	}
	return fmt.Sprintf(format, m.Args...)
}

// Messages of palabre's interface.
const (
	MsgInternal         MessageKey = "internal"
	MsgUnavailable      MessageKey = "unavailable"
	MsgJournalFull      MessageKey = "journal_full"
	MsgMalformedJSON    MessageKey = "malformed_json"
	MsgMalformedForm    MessageKey = "malformed_form"
	MsgEmptyBody        MessageKey = "empty_body"
	MsgUnknownField     MessageKey = "unknown_field"
	MsgBadAnswerShape   MessageKey = "bad_answer_shape"
	MsgTooLarge         MessageKey = "too_large"
	MsgUnknownSurvey    MessageKey = "unknown_survey"
	MsgUnknownEdition   MessageKey = "unknown_edition"
	MsgUnknownForm      MessageKey = "unknown_form"
	MsgNotFound         MessageKey = "not_found"
	MsgConflict         MessageKey = "conflict"
	MsgClosed           MessageKey = "closed"
	MsgNotYetOpen       MessageKey = "not_yet_open"
	MsgInvalid          MessageKey = "invalid"
	MsgBadResponseID    MessageKey = "bad_response_id"
	MsgRequired         MessageKey = "required"
	MsgNotAChoice       MessageKey = "not_a_choice"
	MsgOneChoice        MessageKey = "one_choice"
	MsgTooFewChoices    MessageKey = "too_few_choices"
	MsgTooManyChoices   MessageKey = "too_many_choices"
	MsgNotANumber       MessageKey = "not_a_number"
	MsgNotAnInteger     MessageKey = "not_an_integer"
	MsgBelowMin         MessageKey = "below_min"
	MsgAboveMax         MessageKey = "above_max"
	MsgTooLong          MessageKey = "too_long"
	MsgBadDate          MessageKey = "bad_date"
	MsgConstraint       MessageKey = "constraint"
	MsgChoiceFiltered   MessageKey = "choice_filtered"
	MsgUnknownQuestion  MessageKey = "unknown_question"
	MsgUnknownItem      MessageKey = "unknown_item"
	MsgNoAnswerExpected MessageKey = "no_answer_expected"
	MsgBadLanguage      MessageKey = "bad_language"
	MsgBadCountry       MessageKey = "bad_country"
	MsgBadRole          MessageKey = "bad_role"
	MsgBadOrganisation  MessageKey = "bad_organisation"
	MsgFormChanged      MessageKey = "form_changed"
	MsgInvalidEdition   MessageKey = "invalid_edition"
	MsgControlChars     MessageKey = "control_characters"
	MsgMethod           MessageKey = "method_not_allowed"
	MsgMediaType        MessageKey = "unsupported_media_type"
	MsgErased           MessageKey = "erased"
	MsgNoSuchResponse   MessageKey = "no_such_response"
	MsgEraseFailed      MessageKey = "erase_failed"
)

// messages holds the text of every MessageKey in French, English and Spanish. Arguments are
// formatted with fmt verbs.
var messages = map[MessageKey]Text{
	MsgInternal: {French: "Une erreur interne est survenue. Vos réponses n'ont pas été perdues si vous avez reçu une confirmation ; sinon, réessayez.",
		English: "An internal error occurred. Your answers are safe if you received a confirmation; otherwise, please try again.",
		Spanish: "Se produjo un error interno. Sus respuestas están a salvo si recibió una confirmación; si no, vuelva a intentarlo."},
	MsgUnavailable: {French: "Le service est momentanément indisponible. Réessayez dans quelques instants : vos réponses sont conservées dans ce navigateur.",
		English: "The service is unavailable for a moment. Please try again shortly: your answers are kept in this browser.",
		Spanish: "El servicio no está disponible por un momento. Vuelva a intentarlo en unos instantes: sus respuestas se guardan en este navegador."},
	MsgJournalFull: {French: "Le serveur reçoit trop de réponses en ce moment. Réessayez dans %d secondes : vos réponses sont conservées dans ce navigateur.",
		English: "The server is receiving too many responses right now. Please try again in %d seconds: your answers are kept in this browser.",
		Spanish: "El servidor está recibiendo demasiadas respuestas ahora. Vuelva a intentarlo en %d segundos: sus respuestas se guardan en este navegador."},
	MsgMalformedJSON: {French: "La requête n'est pas un JSON valide, ou pas de la forme {\"id\": …, \"respondent\": {…}, \"answers\": {…}}.",
		English: "The request is not valid JSON, or not of the form {\"id\": …, \"respondent\": {…}, \"answers\": {…}}.",
		Spanish: "La solicitud no es un JSON válido, o no tiene la forma {\"id\": …, \"respondent\": {…}, \"answers\": {…}}."},
	MsgEmptyBody: {French: "Le corps de la requête est vide.",
		English: "The request body is empty.",
		Spanish: "El cuerpo de la solicitud está vacío."},
	MsgUnknownField: {French: "Champ inconnu « %s » : une réponse a les champs id, respondent et answers.",
		English: "Unknown field “%s”: a response has the fields id, respondent and answers.",
		Spanish: "Campo desconocido «%s»: una respuesta tiene los campos id, respondent y answers."},
	MsgBadAnswerShape: {French: "La réponse « %s » doit être un texte, un nombre, une liste de textes ou de nombres, ou un objet qui en donne un par ligne.",
		English: "Answer “%s” must be a string, a number, a list of them, or an object of them by row.",
		Spanish: "La respuesta «%s» debe ser un texto, un número, una lista de ellos o un objeto con uno por fila."},
	MsgMalformedForm: {French: "Le formulaire envoyé est illisible.",
		English: "The submitted form could not be read.",
		Spanish: "El formulario enviado no se pudo leer."},
	MsgTooLarge: {French: "La requête est trop volumineuse (au plus %d octets).",
		English: "The request is too large (at most %d bytes).",
		Spanish: "La solicitud es demasiado grande (como máximo %d bytes)."},
	MsgUnknownSurvey: {French: "Aucune enquête « %s ».",
		English: "There is no survey “%s”.",
		Spanish: "No existe la encuesta «%s»."},
	MsgUnknownEdition: {French: "L'enquête « %s » n'a pas d'édition %d.",
		English: "Survey “%s” has no %d edition.",
		Spanish: "La encuesta «%s» no tiene edición %d."},
	MsgUnknownForm: {French: "L'enquête « %s » n'a pas de version %d de son questionnaire.",
		English: "Survey “%s” has no version %d of its form.",
		Spanish: "La encuesta «%s» no tiene la versión %d de su cuestionario."},
	MsgNotFound: {French: "Page introuvable.", English: "Page not found.", Spanish: "Página no encontrada."},
	MsgConflict: {French: "Une réponse portant cet identifiant a déjà été envoyée avec d'autres réponses.",
		English: "A response with this id was already submitted with different answers.",
		Spanish: "Ya se envió una respuesta con este identificador y otras respuestas."},
	MsgClosed: {French: "Cette édition est close depuis le %s : elle n'accepte plus de réponses.",
		English: "This edition has been closed since %s: it no longer accepts responses.",
		Spanish: "Esta edición está cerrada desde el %s: ya no acepta respuestas."},
	MsgNotYetOpen: {French: "Cette édition ouvre le %s.",
		English: "This edition opens on %s.",
		Spanish: "Esta edición abre el %s."},
	MsgInvalid: {French: "Certaines réponses sont à corriger.",
		English: "Some answers need correcting.",
		Spanish: "Algunas respuestas deben corregirse."},
	MsgBadResponseID: {French: "L'identifiant de la réponse est invalide.",
		English: "The response id is not valid.",
		Spanish: "El identificador de la respuesta no es válido."},
	MsgRequired: {French: "Cette question est obligatoire.",
		English: "This question is required.",
		Spanish: "Esta pregunta es obligatoria."},
	MsgNotAChoice: {French: "« %s » ne fait pas partie des choix proposés.",
		English: "“%s” is not one of the choices.",
		Spanish: "«%s» no es una de las opciones."},
	MsgOneChoice: {French: "Choisissez une seule réponse.",
		English: "Choose only one answer.",
		Spanish: "Elija una sola respuesta."},
	MsgTooFewChoices: {French: "Choisissez au moins %d réponses.",
		English: "Choose at least %d answers.",
		Spanish: "Elija al menos %d respuestas."},
	MsgTooManyChoices: {French: "Choisissez au plus %d réponses.",
		English: "Choose at most %d answers.",
		Spanish: "Elija como máximo %d respuestas."},
	MsgNotANumber: {French: "Saisissez un nombre.",
		English: "Enter a number.",
		Spanish: "Introduzca un número."},
	MsgNotAnInteger: {French: "Saisissez un nombre entier.",
		English: "Enter a whole number.",
		Spanish: "Introduzca un número entero."},
	MsgBelowMin: {French: "La valeur doit être au moins %v.",
		English: "The value must be at least %v.",
		Spanish: "El valor debe ser al menos %v."},
	MsgAboveMax: {French: "La valeur doit être au plus %v.",
		English: "The value must be at most %v.",
		Spanish: "El valor debe ser como máximo %v."},
	MsgTooLong: {French: "Le texte dépasse %d caractères.",
		English: "The text is longer than %d characters.",
		Spanish: "El texto supera los %d caracteres."},
	MsgBadDate: {French: "Saisissez une date (AAAA-MM-JJ).",
		English: "Enter a date (YYYY-MM-DD).",
		Spanish: "Introduzca una fecha (AAAA-MM-DD)."},
	MsgConstraint: {French: "Cette réponse n'est pas acceptée.",
		English: "This answer is not accepted.",
		Spanish: "Esta respuesta no es aceptada."},
	MsgChoiceFiltered: {French: "Le choix « %s » ne correspond pas à vos réponses précédentes : choisissez parmi ceux qui s'y rapportent.",
		English: "The choice “%s” does not match your earlier answers: choose one of those that go with them.",
		Spanish: "La opción «%s» no corresponde a sus respuestas anteriores: elija una de las que les corresponden."},
	MsgUnknownQuestion: {French: "Le questionnaire n'a pas de question « %s ».",
		English: "The form has no question “%s”.",
		Spanish: "El cuestionario no tiene la pregunta «%s»."},
	MsgUnknownItem: {French: "La question n'a pas de ligne « %s ».",
		English: "The question has no row “%s”.",
		Spanish: "La pregunta no tiene la fila «%s»."},
	MsgNoAnswerExpected: {French: "Cette question n'attend pas de réponse.",
		English: "This question takes no answer.",
		Spanish: "Esta pregunta no admite respuesta."},
	MsgBadLanguage: {French: "Langue non proposée : « %s ».",
		English: "Language not offered: “%s”.",
		Spanish: "Idioma no disponible: «%s»."},
	MsgBadCountry: {French: "Choisissez un pays de la liste.",
		English: "Choose a country from the list.",
		Spanish: "Elija un país de la lista."},
	MsgBadRole: {French: "Choisissez une fonction de la liste.",
		English: "Choose a role from the list.",
		Spanish: "Elija una función de la lista."},
	MsgBadOrganisation: {French: "Indiquez votre organisation (au plus %d caractères).",
		English: "Enter your organisation (at most %d characters).",
		Spanish: "Indique su organización (como máximo %d caracteres)."},
	MsgFormChanged: {French: "La version %[2]d du questionnaire « %[1]s » existe déjà avec un autre contenu : une version publiée ne change plus, donnez un nouveau numéro de version.",
		English: "Version %[2]d of survey “%[1]s” already exists with other content: a published version never changes, give it a new version number.",
		Spanish: "La versión %[2]d de la encuesta «%[1]s» ya existe con otro contenido: una versión publicada no cambia, asígnele un nuevo número de versión."},
	MsgControlChars: {French: "Le texte contient des caractères invisibles non acceptés (caractères de contrôle ou de sens d'écriture) : retirez-les.",
		English: "The text contains invisible characters that are not accepted (control or text direction characters): please remove them.",
		Spanish: "El texto contiene caracteres invisibles no aceptados (caracteres de control o de dirección del texto): elimínelos."},
	MsgMethod: {French: "La méthode %s n'est pas acceptée ici (acceptées : %s).",
		English: "Method %s is not allowed here (allowed: %s).",
		Spanish: "El método %s no está permitido aquí (permitidos: %s)."},
	MsgErased: {French: "Cette réponse a été effacée à la demande de son auteur ; elle ne peut pas être envoyée de nouveau.",
		English: "This response was erased at the request of its author; it cannot be sent again.",
		Spanish: "Esta respuesta fue borrada a petición de su autor; no se puede enviar de nuevo."},
	MsgNoSuchResponse: {French: "L'enquête « %[2]s » n'a aucune réponse %[1]s enregistrée. Une réponse tout juste envoyée est enregistrée en quelques secondes : réessayez alors.",
		English: "Survey “%[2]s” has no stored response %[1]s. A response just sent is stored within seconds: try again then.",
		Spanish: "La encuesta «%[2]s» no tiene ninguna respuesta %[1]s registrada. Una respuesta recién enviada se registra en unos segundos: vuelva a intentarlo entonces."},
	MsgEraseFailed: {French: "La réponse n'a pas pu être effacée pour l'instant (base de données ou journal d'audit indisponible). Réessayez dans un moment : effacer de nouveau termine ce qui a été commencé.",
		English: "The response could not be erased for now (the database or the audit log is unavailable). Try again in a moment: erasing again finishes what was begun.",
		Spanish: "La respuesta no se pudo borrar por ahora (la base de datos o el registro de auditoría no está disponible). Vuelva a intentarlo en un momento: borrar de nuevo termina lo que se empezó."},
	MsgMediaType: {French: "Le corps de la requête doit être du JSON, envoyé avec « Content-Type: application/json ».",
		English: "The request body must be JSON, sent with “Content-Type: application/json”.",
		Spanish: "El cuerpo de la solicitud debe ser JSON, enviado con «Content-Type: application/json»."},
	MsgInvalidEdition: {French: "Édition invalide : %s.",
		English: "Invalid edition: %s.",
		Spanish: "Edición no válida: %s."},
}

// Phrase is a message a package keeps of its own, beside the interface's table: its key and
// its text in French, English and Spanish, with fmt verbs for the arguments.
type Phrase struct {
	Key        MessageKey
	FR, EN, ES string
}

// Text formats the phrase with args in every language.
func (p Phrase) Text(args ...any) Text {
	return Text{French: fmt.Sprintf(p.FR, args...), English: fmt.Sprintf(p.EN, args...), Spanish: fmt.Sprintf(p.ES, args...)}
}

// Message returns the phrase with args as a Message.
func (p Phrase) Message(args ...any) Message {
	return Message{Key: p.Key, Args: args, Text: p.Text(args...)}
}
