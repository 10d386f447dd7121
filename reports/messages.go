package reports

import "github.com/palabre/palabre/survey"

func phrase(key survey.MessageKey, fr, en, es string) survey.Phrase {
	return survey.Phrase{Key: key, FR: fr, EN: en, ES: es}
}

var (
	msgBadLanguage = phrase("report_bad_language",
		"Langue inconnue « %s » : fr, en ou es.",
		"Unknown language “%s”: fr, en or es.",
		"Idioma desconocido «%s»: fr, en o es.")
	msgBadAudience = phrase("report_bad_audience",
		"Public inconnu « %s » : funder ou coordinator.",
		"Unknown audience “%s”: funder or coordinator.",
		"Público desconocido «%s»: funder o coordinator.")
	msgFunderOrganisation = phrase("report_funder_organisation",
		"Un classeur pour les bailleurs ne descend pas au niveau des structures : retirez organisation de la ventilation et des filtres.",
		"A funders' workbook does not go down to organisations: remove organisation from the breakdown and the filters.",
		"Un libro para financiadores no baja al nivel de las organizaciones: quite organisation del desglose y de los filtros.")

	msgColResponse     = phrase("report_col_response", "Identifiant de la réponse", "Response id", "Identificador de la respuesta")
	msgColEdition      = phrase("report_col_edition", "Édition", "Edition", "Edición")
	msgColFormVersion  = phrase("report_col_form_version", "Version du formulaire", "Form version", "Versión del formulario")
	msgColSubmitted    = phrase("report_col_submitted", "Envoyée le (UTC)", "Submitted at (UTC)", "Enviada el (UTC)")
	msgColCountry      = phrase("report_col_country", "Pays (code)", "Country (code)", "País (código)")
	msgColCountryName  = phrase("report_col_country_name", "Pays", "Country", "País")
	msgColOrganisation = phrase("report_col_organisation", "Structure", "Organisation", "Organización")
	msgColRole         = phrase("report_col_role", "Fonction (code)", "Role (code)", "Función (código)")
	msgColRoleName     = phrase("report_col_role_name", "Fonction", "Role", "Función")
	msgColLanguage     = phrase("report_col_language", "Langue de réponse", "Language answered in", "Idioma de respuesta")
)

// RoleName names a role code in the report's language, as the forms in scope do.
func (r *Report) RoleName(code string) string {
	if t, ok := r.roles[code]; ok {
		return t.In(r.Request.Language, r.Survey.DefaultLanguage)
	}
	for _, c := range survey.DefaultRoles {
		if c.Key == code {
			return c.Label.In(r.Request.Language, survey.DefaultLanguage)
		}
	}
	return code
}
