package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
)

// accept validates sub against ed's form and makes the response durable; an edition by
// invitation spends token (see submitInvited). The error is a *survey.Error, possibly
// wrapped, whose code decides the status.
func (f *Forms) accept(ctx context.Context, ed *edition, sub survey.Submission, ch survey.Channel, token string) (*survey.Response, survey.Receipt, error) {
	r, err := ed.form.cf.Validate(sub, ed.Year)
	if err != nil {
		return nil, survey.Receipt{}, err
	}
	now := f.now().UTC()
	r.SubmittedAt, r.ReceivedAt, r.Channel = now, now, ch
	var rc survey.Receipt
	if ed.ByInvitation() {
		rc, err = f.submitInvited(ctx, ed, r, token)
	} else if rc, err = f.sink.Submit(ctx, r); err != nil {
		err = fmt.Errorf("submit response %s: %w", r.ID, err)
	}
	if err != nil {
		return r, rc, err
	}
	if rc.SubmittedAt.IsZero() {
		rc.SubmittedAt = now
	}
	return r, rc, nil
}

// receiptBody answers an accepted response.
type receiptBody struct {
	ID          survey.ResponseID `json:"id"`
	Status      string            `json:"status"` // accepted, or duplicate for a resubmission
	SubmittedAt time.Time         `json:"submitted_at"`
}

// submitJSON takes one response as JSON: 201 when stored, 200 when the same response was
// already stored.
func (f *Forms) submitJSON(c *gin.Context) {
	lang := Language(c)
	ctx := c.Request.Context()
	ed, err := f.resolve(ctx, c.Param("survey"), c.Param("year"))
	if err != nil {
		AbortJSON(c, err, lang)
		return
	}
	if why := acceptError(ed.Edition, f.now(), lang); why != nil {
		AbortJSON(c, why, lang)
		return
	}
	sub, err := decodeSubmission(c.Request.Body)
	if err != nil {
		AbortJSON(c, err, lang)
		return
	}
	r, rc, err := f.accept(ctx, ed, sub, survey.ChannelAPI, c.GetHeader(invite.TokenHeader))
	if err != nil {
		AbortJSON(c, err, lang)
		return
	}
	body := receiptBody{ID: r.ID, Status: "accepted", SubmittedAt: rc.SubmittedAt.UTC()}
	status := http.StatusCreated
	if rc.Duplicate {
		body.Status, status = "duplicate", http.StatusOK
	}
	c.JSON(status, body)
}

// text is a survey text written in one language as a string, or, when lang is empty, as an
// object holding every language.
type text struct {
	t         survey.Text
	lang, def string
}

func (x text) MarshalJSON() ([]byte, error) {
	if x.lang == "" {
		if x.t == nil {
			return []byte("{}"), nil
		}
		return json.Marshal(map[string]string(x.t))
	}
	return json.Marshal(x.t.In(x.lang, x.def))
}

// IsZero lets omitzero leave out texts with no words.
func (x text) IsZero() bool { return x.t.Empty() }

type surveysBody struct {
	Surveys []surveyBody `json:"surveys"`
}

type surveyBody struct {
	ID              string        `json:"id"`
	Title           text          `json:"title"`
	Description     text          `json:"description,omitzero"`
	Language        string        `json:"language"` // of the texts, or "all"
	DefaultLanguage string        `json:"default_language"`
	Languages       []string      `json:"languages"`
	Editions        []editionBody `json:"editions"`
}

type editionBody struct {
	Year        int           `json:"year"`
	Place       string        `json:"place,omitempty"`
	FormVersion int           `json:"form_version"`
	Status      survey.Status `json:"status"`
	Opens       time.Time     `json:"opens,omitzero"`
	Closes      time.Time     `json:"closes,omitzero"`
	Invited     int           `json:"invited,omitempty"`
	// Access is "invitation" for an edition that takes responses only with an invitation's
	// token (sent in the X-Palabre-Invitation header); open editions leave it out.
	Access    survey.Access `json:"access,omitempty"`
	Form      string        `json:"form"`      // URL of the form as JSON
	Responses string        `json:"responses"` // URL to post responses to
	Page      string        `json:"page"`      // URL of the participant's page
}

// textLanguage is the language a JSON text is written in: "" (every language) for
// ?lang=all, else the best the survey offers for ?lang= and Accept-Language.
func textLanguage(c *gin.Context, offered []string, def string) (lang, label string) {
	if c.Query("lang") == "all" {
		return "", "all"
	}
	lang = Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"), offered, def)
	return lang, lang
}

// listJSON lists every survey with its editions and their status now.
func (f *Forms) listJSON(c *gin.Context) {
	all, err := f.catalog.Surveys(c.Request.Context())
	if err != nil {
		AbortJSON(c, err, Language(c))
		return
	}
	now := f.now()
	out := surveysBody{Surveys: []surveyBody{}}
	for _, s := range all {
		lang, label := textLanguage(c, s.Languages, s.DefaultLanguage)
		sb := surveyBody{ID: s.ID, Title: text{s.Title, lang, s.DefaultLanguage}, Language: label,
			Description: text{s.Description, lang, s.DefaultLanguage}, DefaultLanguage: s.DefaultLanguage,
			Languages: s.Languages, Editions: []editionBody{}}
		for _, e := range s.Editions {
			sb.Editions = append(sb.Editions, f.editionBody(e, now))
		}
		out.Surveys = append(out.Surveys, sb)
	}
	c.JSON(http.StatusOK, out)
}

func (f *Forms) editionBody(e survey.Edition, now time.Time) editionBody {
	api := fmt.Sprintf("%s/api/v1/surveys/%s/editions/%d", f.base, e.SurveyID, e.Year)
	return editionBody{Year: e.Year, Place: e.Place, FormVersion: e.FormVersion, Status: e.StatusAt(now),
		Opens: e.Opens.UTC(), Closes: e.Closes.UTC(), Invited: e.Invited, Access: e.Access,
		Form: api + "/form", Responses: api + "/responses", Page: f.editionPath(e.SurveyID, e.Year)}
}

// formJSON describes an edition's form: see formBody.
func (f *Forms) formJSON(c *gin.Context) {
	ed, err := f.resolve(c.Request.Context(), c.Param("survey"), c.Param("year"))
	if err != nil {
		AbortJSON(c, err, Language(c))
		return
	}
	form := ed.form.cf.Form
	lang, label := textLanguage(c, form.Languages, form.DefaultLanguage)
	body, err := json.Marshal(newFormBody(ed, f.editionBody(ed.Edition, f.now()), lang, label))
	if err != nil {
		AbortJSON(c, err, Language(c))
		return
	}
	if lang != "" {
		c.Header("Content-Language", lang)
	}
	c.Header("Cache-Control", "no-cache")
	send(c, http.StatusOK, "application/json; charset=utf-8", body)
}
