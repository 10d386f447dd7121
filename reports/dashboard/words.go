package dashboard

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/palabre/palabre/survey"
)

// words are every word a dashboard shows, in French, English and Spanish.
var words = map[string][3]string{
	"lang_name":       {"Français", "English", "Español"},
	"dashboard":       {"Tableau de bord", "Dashboard", "Panel"},
	"editions":        {"Éditions %s", "Editions %s", "Ediciones %s"},
	"edition_one":     {"Édition %s", "Edition %s", "Edición %s"},
	"generated":       {"Chiffres calculés le %s (UTC).", "Figures computed on %s (UTC).", "Cifras calculadas el %s (UTC)."},
	"threshold":       {"Les cellules de moins de %d réponses ne sont pas montrées ; d'autres peuvent l'être aussi pour qu'on ne puisse pas les retrouver par soustraction. Les intervalles sont à 95 %%.", "Cells of fewer than %d responses are not shown; others may be withheld too so that they cannot be recovered by subtraction. Intervals are 95%%.", "Las celdas de menos de %d respuestas no se muestran; otras pueden ocultarse también para que no se puedan deducir por resta. Los intervalos son al 95 %%."},
	"expires":         {"Ce lien expire le %s (UTC).", "This link expires on %s (UTC).", "Este enlace caduca el %s (UTC)."},
	"workbook":        {"Télécharger les chiffres (classeur Excel)", "Download the figures (Excel workbook)", "Descargar las cifras (libro Excel)"},
	"offline":         {"Télécharger ce tableau de bord (une page HTML, lisible hors ligne)", "Download this dashboard (one HTML page, readable offline)", "Descargar este panel (una página HTML, legible sin conexión)"},
	"languages":       {"Langue", "Language", "Idioma"},
	"contents":        {"Sommaire", "Contents", "Índice"},
	"png":             {"Télécharger (PNG)", "Download (PNG)", "Descargar (PNG)"},
	"nojs":            {"Les graphiques demandent JavaScript ; les tableaux sous chacun donnent les mêmes chiffres.", "The charts need JavaScript; the table under each gives the same figures.", "Los gráficos necesitan JavaScript; la tabla debajo de cada uno da las mismas cifras."},
	"offline_note":    {"Copie hors ligne du tableau de bord.", "Offline copy of the dashboard.", "Copia sin conexión del panel."},
	"responses_title": {"Réponses et taux de réponse", "Responses and response rates", "Respuestas y tasas de respuesta"},
	"by_edition":      {"Réponses et taux de réponse par édition", "Responses and response rates by edition", "Respuestas y tasas de respuesta por edición"},
	"by_group":        {"Réponses par %s et par édition", "Responses by %s and edition", "Respuestas por %s y edición"},
	"responses":       {"Réponses", "Responses", "Respuestas"},
	"invited":         {"Invités", "Invited", "Invitados"},
	"rate":            {"Taux de réponse", "Response rate", "Tasa de respuesta"},
	"all":             {"Ensemble", "All", "Todos"},
	"edition":         {"Édition", "Edition", "Edición"},
	"group":           {"Groupe", "Group", "Grupo"},
	"n":               {"n (répondants)", "n (respondents)", "n (encuestados)"},
	"small_cell":      {"supprimé (moins de %d)", "suppressed (fewer than %d)", "suprimido (menos de %d)"},
	"complementary":   {"supprimé (protège une cellule voisine)", "suppressed (protects a neighbouring cell)", "suprimido (protege una celda vecina)"},
	"unknown":         {"inconnu", "unknown", "desconocido"},
	"share_ci":        {"%s : part (IC 95 %%)", "%s: share (95%% CI)", "%s: proporción (IC 95 %%)"},
	"mean_ci":         {"Moyenne (IC 95 %)", "Mean (95% CI)", "Media (IC 95 %)"},
	"median":          {"Médiane", "Median", "Mediana"},
	"quartiles":       {"1er – 3e quartile", "1st – 3rd quartile", "1er – 3er cuartil"},
	"sd":              {"Écart type", "Standard deviation", "Desviación típica"},
	"range":           {"Minimum – maximum", "Minimum – maximum", "Mínimo – máximo"},
	"top2_ci":         {"Deux meilleurs niveaux (IC 95 %)", "Top two points (95% CI)", "Dos niveles superiores (IC 95 %)"},
	"nps_ci":          {"NPS (IC 95 %)", "NPS (95% CI)", "NPS (IC 95 %)"},
	"first":           {"Première date", "First date", "Primera fecha"},
	"last":            {"Dernière date", "Last date", "Última fecha"},
	"month":           {"Mois", "Month", "Mes"},
	"c_shares":        {"%s — parts par %s", "%s — shares by %s", "%s — proporciones por %s"},
	"c_means":         {"%s — moyennes et intervalles à 95 %%", "%s — means with 95%% intervals", "%s — medias con intervalos al 95 %%"},
	"c_top2":          {"%s — deux meilleurs niveaux (part) et intervalles à 95 %%", "%s — top two points (share) with 95%% intervals", "%s — dos niveles superiores (proporción) con intervalos al 95 %%"},
	"c_nps":           {"%s — NPS et intervalles à 95 %%", "%s — NPS with 95%% intervals", "%s — NPS con intervalos al 95 %%"},
	"c_months":        {"%s — réponses par mois", "%s — answers by month", "%s — respuestas por mes"},
	"t_figures":       {"%s — chiffres par %s", "%s — figures by %s", "%s — cifras por %s"},
	"t_months":        {"%s — réponses par mois et par %s", "%s — answers by month and %s", "%s — respuestas por mes y %s"},
	"heatmap":         {"Deux meilleurs niveaux des questions d'échelle, par %s (%d)", "Top two points of the scale questions, by %s (%d)", "Dos niveles superiores de las preguntas de escala, por %s (%d)"},
	"heatmap_intro":   {"Part des répondants qui ont choisi l'un des deux niveaux les plus hauts de chaque échelle.", "Share of respondents who chose one of the two highest points of each scale.", "Proporción de encuestados que eligieron uno de los dos niveles más altos de cada escala."},
	"question":        {"Question", "Question", "Pregunta"},
	"type":            {"Type : %s", "Type: %s", "Tipo: %s"},
	"not_compared":    {"Non comparable %d → %d%s : %s", "Not comparable %d → %d%s: %s", "No comparable %d → %d%s: %s"},
	"no_answers":      {"Aucune réponse dans ce périmètre.", "No answers in this scope.", "Ninguna respuesta en este ámbito."},
	"comments":        {"Commentaires (%d)", "Comments (%d)", "Comentarios (%d)"},
	"comments_none":   {"Aucun commentaire à montrer.", "No comments to show.", "Ningún comentario que mostrar."},
	"comments_latest": {"Les %d plus récents sur %d ; le classeur les donne tous.", "The latest %d of %d; the workbook gives them all.", "Los %d más recientes de %d; el libro los da todos."},
	"comments_hidden": {"Commentaires non montrés : moins de %d répondants.", "Comments not shown: fewer than %d respondents.", "Comentarios no mostrados: menos de %d encuestados."},
	"changes":         {"%s — évolution d'une édition à l'autre (intervalle à 95 %%)", "%s — change from one edition to the next (95%% interval)", "%s — evolución de una edición a otra (intervalo al 95 %%)"},
	"changes_sig":     {"%d évolution(s) significative(s) : l'intervalle exclut 0.", "%d significant change(s): the interval excludes 0.", "%d evolución(es) significativa(s): el intervalo excluye 0."},
	"changes_hidden":  {"%d autre(s) non montrée(s) : l'une des deux cellules a moins de %d répondants ou est supprimée.", "%d other(s) not shown: one of the two cells has fewer than %d respondents or is suppressed.", "%d otra(s) no mostrada(s): una de las dos celdas tiene menos de %d encuestados o está suprimida."},
	"measure":         {"Mesure", "Measure", "Medida"},
	"editions_col":    {"Éditions", "Editions", "Ediciones"},
	"value_from":      {"Valeur (avant)", "Value (before)", "Valor (antes)"},
	"value_to":        {"Valeur (après)", "Value (after)", "Valor (después)"},
	"delta_ci":        {"Évolution (IC 95 %)", "Change (95% CI)", "Evolución (IC 95 %)"},
	"significant":     {"Significatif", "Significant", "Significativo"},
	"sig_up":          {"▲ hausse significative", "▲ significant rise", "▲ aumento significativo"},
	"sig_down":        {"▼ baisse significative", "▼ significant fall", "▼ descenso significativo"},
	"not_sig":         {"non", "no", "no"},
	"m_share":         {"Part : %s", "Share: %s", "Proporción: %s"},
	"m_mean":          {"Moyenne", "Mean", "Media"},
	"m_top2":          {"Deux meilleurs niveaux", "Top two points", "Dos niveles superiores"},
	"m_nps":           {"NPS", "NPS", "NPS"},

	"country":      {"pays", "country", "país"},
	"organisation": {"structure", "organisation", "organización"},
	"role":         {"fonction", "role", "función"},
	"language":     {"langue", "language", "idioma"},

	"gone_title":        {"Ce tableau de bord n'est plus disponible", "This dashboard is no longer available", "Este panel ya no está disponible"},
	"gone_expired":      {"Son lien a expiré le %s (UTC).", "Its link expired on %s (UTC).", "Su enlace caducó el %s (UTC)."},
	"gone_revoked":      {"Son lien a expiré ou a été retiré.", "Its link has expired or was withdrawn.", "Su enlace caducó o fue retirado."},
	"gone_ask":          {"Demandez un nouveau lien à la personne qui vous l'a envoyé.", "Ask the person who sent it to you for a new link.", "Pida un nuevo enlace a la persona que se lo envió."},
	"unavailable_title": {"Tableau de bord momentanément indisponible", "Dashboard temporarily unavailable", "Panel no disponible por el momento"},
	"unavailable_text":  {"Ce lien ne peut pas être ouvert en ce moment. Réessayez dans quelques minutes.", "This link cannot be opened right now. Try again in a few minutes.", "Este enlace no se puede abrir en este momento. Vuelva a intentarlo en unos minutos."},
	"notfound_title":    {"Tableau de bord introuvable", "Dashboard not found", "Panel no encontrado"},
	"notfound_text":     {"Ce lien ne mène à aucun tableau de bord. Vérifiez qu'il a été copié en entier.", "This link leads to no dashboard. Check that it was copied whole.", "Este enlace no lleva a ningún panel. Compruebe que se copió entero."},

	"q_yes_no":          {"oui / non", "yes / no", "sí / no"},
	"q_single_choice":   {"choix unique", "single choice", "opción única"},
	"q_multiple_choice": {"choix multiple (les parts peuvent dépasser 100 % au total)", "multiple choice (shares may add up to more than 100%)", "opción múltiple (las proporciones pueden sumar más de 100 %)"},
	"q_likert":          {"échelle (niveaux 1 à %d)", "scale (points 1 to %d)", "escala (niveles 1 a %d)"},
	"q_matrix":          {"tableau d'échelles (niveaux 1 à %d)", "grid of scales (points 1 to %d)", "cuadrícula de escalas (niveles 1 a %d)"},
	"q_rating":          {"note", "rating", "puntuación"},
	"q_rating_nps":      {"note de 0 à 10, avec NPS (promoteurs 9–10 moins détracteurs 0–6)", "0–10 rating, with NPS (promoters 9–10 minus detractors 0–6)", "puntuación de 0 a 10, con NPS (promotores 9–10 menos detractores 0–6)"},
	"q_number":          {"nombre", "number", "número"},
	"q_date":            {"date", "date", "fecha"},
	"q_time":            {"heure", "time of day", "hora"},
	"q_datetime":        {"date et heure", "date and time", "fecha y hora"},
	"q_geopoint":        {"position", "position", "posición"},
	"q_acknowledge":     {"case à cocher", "tick box", "casilla"},
	"q_text":            {"texte libre", "free text", "texto libre"},
}

// langIndex is a language's column in words; French for anything else.
func langIndex(lang string) int {
	switch lang {
	case survey.English:
		return 1
	case survey.Spanish:
		return 2
	}
	return 0
}

// normLang is lang when palabre speaks it, else French.
func normLang(lang string) string {
	switch lang {
	case survey.English, survey.Spanish:
		return lang
	}
	return survey.French
}

// w returns a word in lang, formatted with args when there are any.
func w(lang, key string, args ...any) string {
	t, ok := words[key]
	if !ok {
		panic("dashboard: no word " + key)
	}
	s := t[langIndex(lang)]
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// numbers formats figures the way each language writes them.
type numbers struct{ lang string }

// decimal writes v with d decimals, a decimal comma in French and Spanish, and a true
// minus sign.
func (nf numbers) decimal(v float64, d int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	if strings.TrimLeft(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-") // no "-0.0"
	}
	if nf.lang != survey.English {
		s = strings.Replace(s, ".", ",", 1)
	}
	return strings.Replace(s, "-", "−", 1)
}

// count writes a whole number with a thousands separator.
func (nf numbers) count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if nf.lang != survey.English {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// percent writes a share (0 to 1) as a percentage with one decimal.
func (nf numbers) percent(share float64) string {
	s := nf.decimal(share*100, 1)
	if nf.lang == survey.English {
		return s + "%"
	}
	return s + "\u202f%"
}

// interval writes "low – high" with f.
func interval(low, high string) string { return "[" + low + " ; " + high + "]" }
