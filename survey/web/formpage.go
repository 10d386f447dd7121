package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
)

// formPage shows an edition's form, empty, with a fresh response id.
func (f *Forms) formPage(c *gin.Context) {
	ed, err := f.resolve(c.Request.Context(), c.Param("survey"), c.Param("year"))
	if err != nil {
		f.errorPage(c, err, Language(c))
		return
	}
	lang := languageFor(c, ed.form.cf.Form)
	if why := acceptError(ed.Edition, f.now(), lang); why != nil {
		f.unavailablePage(c, ed, lang, why)
		return
	}
	token := c.Query(invite.TokenParam)
	if ed.ByInvitation() {
		if err := f.checkInvitation(c.Request.Context(), ed, token); err != nil {
			f.invitationPage(c, ed, lang, err)
			return
		}
	}
	v := f.formView(c, ed, viewInput{lang: lang, token: token}, survey.NewResponseID().String())
	f.render(c, http.StatusOK, "form", v)
}

// postPage takes a form posted without script (or by the script on the participant's
// behalf): on success it redirects to the thank-you page, so that reloading it sends
// nothing again; otherwise it shows the form again with every value typed and what to fix.
func (f *Forms) postPage(c *gin.Context) {
	ctx := c.Request.Context()
	ed, err := f.resolve(ctx, c.Param("survey"), c.Param("year"))
	if err != nil {
		f.errorPage(c, err, Language(c))
		return
	}
	form := ed.form.cf.Form
	lang := languageFor(c, form)
	if why := acceptError(ed.Edition, f.now(), lang); why != nil {
		f.unavailablePage(c, ed, lang, why)
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		f.errorPage(c, ReadError(err, survey.MsgMalformedForm), lang)
		return
	}
	sub := submissionFromForm(c.Request.PostForm, form)
	if slices.Contains(form.Languages, sub.Respondent.Language) {
		lang = sub.Respondent.Language
	}
	token := c.Query(invite.TokenParam)
	r, rc, err := f.accept(ctx, ed, sub, survey.ChannelWeb, token)
	if err == nil {
		target := f.editionPath(ed.SurveyID, ed.Year) + "/done?id=" + r.ID.String() + "&lang=" + url.QueryEscape(lang)
		if rc.Duplicate {
			target += "&dup=1"
		}
		c.Redirect(http.StatusSeeOther, target)
		return
	}
	if invitationError(err) || errors.Is(err, errNoInvitations) {
		f.invitationPage(c, ed, lang, err)
		return
	}
	e := survey.AsError(err)
	in := viewInput{lang: lang, values: sub.Values, respondent: sub.Respondent, token: token}
	id := sub.ID
	switch e.Code {
	case survey.CodeInvalid:
		live := ed.form.cf.Live(sub.Values)
		in.errs, in.visible, in.calculated = e.Fields, live.Visible, live.Calculated
	case survey.CodeMalformed: // a response id the page did not give: start with a new one
		id = survey.NewResponseID().String()
	case survey.CodeConflict, survey.CodeErased:
		f.conflictPage(c, ed, lang, e, sub.ID)
		return
	}
	_ = c.Error(err)
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	v := f.formView(c, ed, in, id)
	v.Rerender = true
	v.Problem = e.Message.In(lang)
	if e.Code != survey.CodeInvalid {
		v.Problem = tr(lang, "not_sent")
		v.Errors = []errorLink{{Message: e.Message.In(lang)}}
	}
	v.Title = tr(lang, "error_prefix") + v.Title
	f.render(c, Status(e.Code), "form", v)
}

// conflictPage says that this response id was already used for other answers (the first
// ones were kept) or belongs to an erased response, and the draft is forgotten.
func (f *Forms) conflictPage(c *gin.Context, ed *edition, lang string, e *survey.Error, id string) {
	_ = c.Error(e)
	form := ed.form.cf.Form
	heading := "already_sent"
	if e.Code == survey.CodeErased {
		heading = "erased"
	}
	v := &messageView{page: f.newPage(c, lang, tr(lang, heading), form.Languages),
		Heading: tr(lang, heading), Paragraphs: []string{e.Message.In(lang)},
		Links:      []link{{f.base + "/?lang=" + lang, tr(lang, "all_surveys")}},
		ClearDraft: &draftRef{Key: draftKey(ed), ID: id}}
	f.render(c, Status(e.Code), "message", v)
}

// donePage thanks the participant and lets the script forget the draft of the response
// whose id it shows.
func (f *Forms) donePage(c *gin.Context) {
	ed, err := f.resolve(c.Request.Context(), c.Param("survey"), c.Param("year"))
	if err != nil {
		f.errorPage(c, err, Language(c))
		return
	}
	form := ed.form.cf.Form
	lang := languageFor(c, form)
	v := &messageView{page: f.newPage(c, lang, tr(lang, "thanks"), form.Languages), Heading: tr(lang, "thanks"),
		Paragraphs: []string{tr(lang, "thanks_body")},
		Links:      []link{{f.base + "/?lang=" + lang, tr(lang, "all_surveys")}}}
	if c.Query("dup") == "1" {
		v.Paragraphs = append(v.Paragraphs, tr(lang, "thanks_dup"))
	}
	if id, err := survey.ParseResponseID(c.Query("id")); err == nil {
		v.Paragraphs = append(v.Paragraphs, tr(lang, "reference", id.String()))
		v.ClearDraft = &draftRef{Key: draftKey(ed), ID: id.String()}
	}
	f.render(c, http.StatusOK, "message", v)
}

func draftKey(ed *edition) string { return ed.SurveyID + "/" + strconv.Itoa(ed.Year) }

// formView prepares the form of ed in the language and with the values of in.
func (f *Forms) formView(c *gin.Context, ed *edition, in viewInput, id string) *formView {
	form := ed.form.cf.Form
	lang := in.lang
	title := form.Title.In(lang, form.DefaultLanguage)
	v := &formView{page: f.newPage(c, lang, title+" "+strconv.Itoa(ed.Year), form.Languages),
		Heading: title, Description: ed.survey.Description.In(lang, ed.survey.DefaultLanguage),
		Action: f.formAction(ed, in.token), DraftKey: draftKey(ed), ID: id, Logic: ed.form.logic}
	sub := []string{strconv.Itoa(ed.Year)}
	if d := editionDetail(ed.Edition, lang); d != "" {
		sub = append(sub, d)
	}
	v.Sub = strings.Join(sub, " · ")
	v.Profile, v.Sections, v.Errors = buildForm(ed.form.cf, in)
	return v
}

// ResponseIDField is the participants' page's hidden field that carries the response id. It
// is one of survey.ReservedKeys, so that no question can take its name.
const ResponseIDField = "_response_id"

// earlierIDField is the name pages served by earlier versions gave that field. A page
// loaded before an upgrade and sent after it still says "id": it is read as the response
// id unless the form has a question of that name, whose answer it then is.
const earlierIDField = "id"

// submissionFromForm reads a posted form of f: the response id, the profile fields
// (profile.*) and the answers (every other field, keyed by question or matrix row).
func submissionFromForm(values url.Values, f *survey.Form) survey.Submission {
	idField := ResponseIDField
	if _, ok := values[ResponseIDField]; !ok {
		if _, _, asked := f.Question(earlierIDField); !asked {
			idField = earlierIDField
		}
	}
	sub := survey.Submission{ID: values.Get(idField), Values: map[string][]string{}}
	for k, vals := range values {
		v := ""
		if len(vals) > 0 {
			v = vals[0]
		}
		switch k {
		case idField, ResponseIDField:
		case "profile.country":
			sub.Respondent.Country = v
		case "profile.organisation":
			sub.Respondent.Organisation = v
		case "profile.role":
			sub.Respondent.Role = v
		case "profile.language":
			sub.Respondent.Language = v
		default:
			sub.Values[k] = vals
		}
	}
	return sub
}
