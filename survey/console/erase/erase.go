// Package erase is the console's page where a coordinator erases one response at its
// author's request (a GDPR request): the response's reference, the reason, a confirmation.
// The erasure itself (recorded in the audit log first, deleted from every table, its id
// refused afterwards) is survey/erasure's, shared with the command line and the API.
package erase

import (
	"embed"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/erasure"
	surveyweb "github.com/palabre/palabre/survey/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Mount adds GET and POST /console/surveys/:survey/erase.
func Mount(k *console.Console, eraser *erasure.Eraser) error {
	if eraser == nil {
		return errors.New("erase: an Eraser is required")
	}
	pages, err := console.ParseTemplates(templateFS, "templates/erase.html")
	if err != nil {
		return err
	}
	s := &section{k: k, eraser: eraser, pages: pages}
	k.Mount(func(g *gin.RouterGroup) {
		g.GET("/surveys/:survey/erase", s.form)
		g.POST("/surveys/:survey/erase", s.erase)
	})
	return nil
}

type section struct {
	k      *console.Console
	eraser *erasure.Eraser
	pages  *console.Templates
}

// body is the erasure form.
type body struct {
	Survey, Title    string
	Response, Reason string
	Problem          string
	Erased           string // the reference just erased
	MaxReason        int
}

func (s *section) survey(c *gin.Context) (survey.Survey, bool) {
	id := c.Param("survey")
	if !s.k.Authorize(c, id) {
		return survey.Survey{}, false
	}
	list, err := s.k.Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return survey.Survey{}, false
	}
	for _, sv := range list {
		if sv.ID == id {
			return sv, true
		}
	}
	s.k.NotFound(c)
	return survey.Survey{}, false
}

func (s *section) render(c *gin.Context, status int, sv survey.Survey, b body) {
	lang := console.Language(c)
	b.Survey, b.Title, b.MaxReason = sv.ID, sv.Title.In(lang, survey.DefaultLanguage), erasure.MaxReason
	s.k.Render(c, status, s.pages, "erase.html", s.k.NewPage(c, "erase_title", b))
}

func (s *section) form(c *gin.Context) {
	sv, ok := s.survey(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, sv, body{Erased: c.Query("erased")})
}

func (s *section) erase(c *gin.Context) {
	sv, ok := s.survey(c)
	if !ok {
		return
	}
	lang := console.Language(c)
	b := body{Response: strings.TrimSpace(c.PostForm("response")), Reason: strings.TrimSpace(c.PostForm("reason"))}
	id, err := survey.ParseResponseID(b.Response)
	switch {
	case err != nil:
		b.Problem = console.T(lang, "erase_bad_id")
	case b.Reason == "":
		b.Problem = console.T(lang, "erase_no_reason")
	case c.PostForm("confirm") != "yes":
		b.Problem = console.T(lang, "erase_not_confirmed")
	}
	if b.Problem != "" {
		s.render(c, http.StatusUnprocessableEntity, sv, b)
		return
	}
	err = s.eraser.Erase(c, erasure.Request{Survey: sv.ID, Response: id, Reason: b.Reason, By: s.k.Actor(c)})
	if err != nil {
		var se *survey.Error
		if !errors.As(err, &se) {
			s.k.Fail(c, err)
			return
		}
		_ = c.Error(err)
		b.Problem = se.Message.In(lang)
		s.render(c, surveyweb.Status(se.Code), sv, b)
		return
	}
	c.Redirect(http.StatusSeeOther, console.Base+"/surveys/"+sv.ID+"/erase?done=erase_done&erased="+id.String())
}
