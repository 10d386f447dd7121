package web

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/palabre/palabre/survey"
)

// ui holds the words of the participant's pages in French, English and Spanish. A page in
// another language a form offers shows them in French, palabre's default.
var ui = map[string]survey.Text{
	"surveys":       {"fr": "Enquêtes", "en": "Surveys", "es": "Encuestas"},
	"language":      {"fr": "Langue", "en": "Language", "es": "Idioma"},
	"about_you":     {"fr": "Vous", "en": "About you", "es": "Sobre usted"},
	"country":       {"fr": "Pays", "en": "Country", "es": "País"},
	"organisation":  {"fr": "Organisation", "en": "Organisation", "es": "Organización"},
	"role":          {"fr": "Fonction", "en": "Role", "es": "Función"},
	"choose":        {"fr": "Choisir…", "en": "Choose…", "es": "Elegir…"},
	"required":      {"fr": "obligatoire", "en": "required", "es": "obligatoria"},
	"required_note": {"fr": "Les questions marquées d'un * sont obligatoires.", "en": "Questions marked * are required.", "es": "Las preguntas marcadas con * son obligatorias."},
	"yes":           {"fr": "Oui", "en": "Yes", "es": "Sí"},
	"no":            {"fr": "Non", "en": "No", "es": "No"},
	"acknowledge":   {"fr": "Je confirme", "en": "I confirm", "es": "Lo confirmo"},
	"geopoint_format": {"fr": "Latitude et longitude en degrés décimaux, séparées par une espace (par exemple 14.6937 -17.4441) ; l'altitude et la précision en mètres peuvent suivre.",
		"en": "Latitude and longitude in decimal degrees, separated by a space (for example 14.6937 -17.4441); altitude and accuracy in metres may follow.",
		"es": "Latitud y longitud en grados decimales, separadas por un espacio (por ejemplo 14.6937 -17.4441); pueden seguir la altitud y la precisión en metros."},
	"geo_button":   {"fr": "Utiliser ma position", "en": "Use my position", "es": "Usar mi posición"},
	"geo_error":    {"fr": "Position indisponible : saisissez-la.", "en": "Position unavailable: please type it.", "es": "Posición no disponible: escríbala."},
	"submit":       {"fr": "Envoyer mes réponses", "en": "Send my answers", "es": "Enviar mis respuestas"},
	"sending":      {"fr": "Envoi en cours…", "en": "Sending…", "es": "Enviando…"},
	"error_prefix": {"fr": "Erreur\u00a0: ", "en": "Error: ", "es": "Error: "},
	"not_sent":     {"fr": "Vos réponses n'ont pas été envoyées", "en": "Your answers were not sent", "es": "Sus respuestas no se enviaron"},
	"draft_note": {"fr": "Vos réponses sont gardées sur cet appareil jusqu'à leur envoi.",
		"en": "Your answers are kept on this device until you send them.",
		"es": "Sus respuestas se guardan en este dispositivo hasta que las envíe."},
	"offline": {"fr": "Pas de connexion\u00a0: rien n'est perdu, vos réponses sont gardées sur cet appareil. Réessayez d'envoyer quand la connexion revient.",
		"en": "No connection: nothing is lost, your answers are kept on this device. Try sending again when the connection is back.",
		"es": "Sin conexión: no se ha perdido nada, sus respuestas se guardan en este dispositivo. Vuelva a enviarlas cuando vuelva la conexión."},
	"depends": {"fr": "Seulement si cela vous concerne, d'après votre réponse à\u00a0: %s",
		"en": "Only if it applies to you, given your answer to: %s",
		"es": "Solo si le corresponde, según su respuesta a: %s"},
	"filtered": {"fr": "Seuls les choix qui correspondent à votre réponse à\u00a0: %s s'appliquent.",
		"en": "Only the choices that go with your answer to: %s apply.",
		"es": "Solo se aplican las opciones que corresponden a su respuesta a: %s."},
	"filtered_any": {"fr": "Seuls les choix qui correspondent à vos réponses précédentes s'appliquent.",
		"en": "Only the choices that go with your earlier answers apply.",
		"es": "Solo se aplican las opciones que corresponden a sus respuestas anteriores."},
	"calc_later": {"fr": "Calculé à partir de vos réponses quand vous envoyez le questionnaire.",
		"en": "Calculated from your answers when you send the form.",
		"es": "Calculado a partir de sus respuestas cuando envíe el cuestionario."},
	"thanks":      {"fr": "Merci\u00a0!", "en": "Thank you!", "es": "¡Gracias!"},
	"thanks_body": {"fr": "Vos réponses ont bien été enregistrées.", "en": "Your answers have been recorded.", "es": "Sus respuestas han sido registradas."},
	"thanks_dup": {"fr": "Ces réponses avaient déjà été reçues\u00a0: elles ne comptent qu'une fois.",
		"en": "These answers had already been received: they count only once.",
		"es": "Estas respuestas ya se habían recibido: cuentan una sola vez."},
	"reference":      {"fr": "Référence de votre réponse\u00a0: %s", "en": "Reference of your response: %s", "es": "Referencia de su respuesta: %s"},
	"open_surveys":   {"fr": "Enquêtes ouvertes", "en": "Open surveys", "es": "Encuestas abiertas"},
	"none_open":      {"fr": "Aucune enquête n'est ouverte en ce moment.", "en": "No survey is open at the moment.", "es": "No hay ninguna encuesta abierta en este momento."},
	"open_until":     {"fr": "Ouverte jusqu'au %s", "en": "Open until %s", "es": "Abierta hasta el %s"},
	"answer_edition": {"fr": "Répondre à l'édition %d", "en": "Answer the %d edition", "es": "Responder a la edición %d"},
	"closed":         {"fr": "Enquête close", "en": "Survey closed", "es": "Encuesta cerrada"},
	"not_yet_open":   {"fr": "Pas encore ouverte", "en": "Not open yet", "es": "Aún no abierta"},
	"not_found":      {"fr": "Introuvable", "en": "Not found", "es": "No encontrado"},
	"failed":         {"fr": "Une erreur est survenue", "en": "Something went wrong", "es": "Se produjo un error"},
	"already_sent":   {"fr": "Réponse déjà envoyée", "en": "Response already sent", "es": "Respuesta ya enviada"},
	"erased":         {"fr": "Réponse effacée", "en": "Response erased", "es": "Respuesta borrada"},
	"back_to_form":   {"fr": "Revenir au questionnaire", "en": "Back to the form", "es": "Volver al cuestionario"},
	"all_surveys":    {"fr": "Toutes les enquêtes", "en": "All surveys", "es": "Todas las encuestas"},
	"preview":        {"fr": "Aperçu.", "en": "Preview.", "es": "Vista previa."},
	"preview_note": {"fr": "Le questionnaire tel que les participants le voient ; il ne peut pas être envoyé d'ici.",
		"en": "The form as participants see it; it cannot be sent from here.",
		"es": "El cuestionario tal como lo ven los participantes; no se puede enviar desde aquí."},
	"preview_title":   {"fr": "Aperçu : %s", "en": "Preview: %s", "es": "Vista previa: %s"},
	"preview_back":    {"fr": "Quitter l'aperçu", "en": "Leave the preview", "es": "Salir de la vista previa"},
	"preview_version": {"fr": "Version %d du questionnaire", "en": "Form version %d", "es": "Versión %d del cuestionario"},
}

// tr returns the interface text key in lang, formatted with args.
func tr(lang, key string, args ...any) string {
	t, ok := ui[key]
	if !ok {
		return key
	}
	s := t.In(lang, survey.DefaultLanguage)
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// languageNames are the languages' own names, for the language picker.
var languageNames = map[string]string{"fr": "Français", "en": "English", "es": "Español",
	"pt": "Português", "ar": "العربية", "mg": "Malagasy", "wo": "Wolof"}

// languageName is a language's own name: from languageNames, else from CLDR for a code, else
// its tag written as a name ("kreyol-ayisyen" → "Kreyol ayisyen") for a tag of palabre's own.
func languageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	if tag, err := language.Parse(code); err == nil {
		if n := display.Self.Name(tag); n != "" {
			return n
		}
	}
	name := strings.ReplaceAll(code, "-", " ")
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// countryName names an ISO 3166-1 alpha-2 country in lang; unknown codes stay codes.
func countryName(code, lang string) string { return survey.CountryName(code, lang) }

// countryChoices lists codes with their names in lang, in the order of the names.
func countryChoices(codes []string, lang string) []survey.Choice {
	out := make([]survey.Choice, len(codes))
	for i, c := range codes {
		out[i] = survey.Choice{Key: c, Label: survey.Text{lang: countryName(c, lang)}}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return sortKey(out[i].Label[lang]) < sortKey(out[j].Label[lang])
	})
	return out
}

// sortKey folds the accents of the names above so that "Pérou" sorts before "Sénégal".
var sortKey = strings.NewReplacer("É", "E", "é", "e", "è", "e", "ú", "u", "í", "i", "ó", "o", "á", "a").Replace

var months = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// formatDate writes t's day as people write it in lang ("1er mai 2026", "1 May 2026",
// "1 de mayo de 2026"); ISO 8601 in other languages.
func formatDate(t time.Time, lang string) string {
	t = t.UTC()
	m, ok := months[lang]
	if !ok {
		return t.Format(time.DateOnly)
	}
	month := m[t.Month()-1]
	switch lang {
	case "fr":
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %d", day, month, t.Year())
	case "es":
		return fmt.Sprintf("%d de %s de %d", t.Day(), month, t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), month, t.Year())
}
