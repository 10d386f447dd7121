package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
)

// Preview answers c with form's page as participants see it, in the language the request
// asks for among the form's, under a banner saying it is a preview, with back as the
// banner's link (none when empty). The page cannot send anything: its form has no action,
// its button is disabled and its script keeps no draft; skip logic works as on the real
// page. A form that does not compile is returned as an error and nothing is written.
//
// The page links to the participant pages' style sheet and script: the Forms must be
// registered on the same server.
func (f *Forms) Preview(c *gin.Context, form *survey.Form, back string) error {
	cf, err := survey.Compile(form)
	if err != nil {
		return fmt.Errorf("preview %s v%d: %w", form.SurveyID, form.Version, err)
	}
	lang := languageFor(c, form)
	title := form.Title.In(lang, form.DefaultLanguage)
	v := &formView{page: f.newPage(c, lang, tr(lang, "preview_title", title), form.Languages),
		Heading: title, Sub: tr(lang, "preview_version", form.Version),
		Description: form.Description.In(lang, form.DefaultLanguage),
		DraftKey:    "preview/" + form.SurveyID, Logic: newLogic(cf), Preview: true, Back: back}
	v.Profile, v.Sections, v.Errors = buildForm(cf, viewInput{lang: lang})
	f.render(c, http.StatusOK, "form", v)
	return nil
}
