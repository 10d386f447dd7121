package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/gate"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/erasure"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// ErasureConfig is what the erasure route needs.
type ErasureConfig struct {
	Eraser *erasure.Eraser // the one the console uses too
	// Authorize says who sends the request and whether they may erase the survey's
	// responses. It returns who acts (UserID and Email; empty for the shared coordinator
	// token), or a *survey.Error with CodeUnauthorized (no valid credential) or
	// CodeForbidden (a coordinator of other surveys). When nil, every request is refused
	// with 401.
	Authorize func(r *http.Request, surveyID string) (by audit.Entry, err error)
}

// RegisterErasure adds the route that erases one response at its author's request:
//
//	DELETE /api/v1/surveys/:survey/responses/:id   200 {"survey", "response", "erased": true}
//
// 404 when the survey holds no such response, 410 when it was erased already, 503 when the
// audit log or the database cannot do it now (nothing is erased without being recorded).
// The erasure is recorded with who asked, the client's address and the request id; the
// optional query parameter reason (at most erasure.MaxReason characters) is recorded with it.
func RegisterErasure(r gin.IRouter, cfg ErasureConfig) {
	r.DELETE("/api/v1/surveys/:survey/responses/:id", func(c *gin.Context) {
		lang := surveyweb.Language(c)
		surveyID := c.Param("survey")
		if cfg.Authorize == nil {
			surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnauthorized, Message: msgCoordinatorOnlyErase.Message()}, lang)
			return
		}
		by, err := cfg.Authorize(c.Request, surveyID)
		if err != nil {
			surveyweb.AbortJSON(c, err, lang)
			return
		}
		id, err := survey.ParseResponseID(c.Param("id"))
		if err != nil {
			surveyweb.AbortJSON(c, survey.Errorf(survey.CodeMalformed, survey.MsgBadResponseID), lang)
			return
		}
		by.Address, by.Request = c.ClientIP(), surveyweb.RequestID(c)
		err = cfg.Eraser.Erase(c.Request.Context(), erasure.Request{Survey: surveyID, Response: id, Reason: c.Query("reason"), By: by})
		if err != nil {
			surveyweb.AbortJSON(c, err, lang)
			return
		}
		c.JSON(http.StatusOK, gin.H{"survey": surveyID, "response": id.String(), "erased": true})
	})
}

// GateAuthorize adapts the API's gate to ErasureConfig.Authorize: the request must carry a
// bearer credential (a personal token, or the deprecated shared token, which acts as no
// particular user) of someone who may work on the survey. A session cookie does not erase:
// DELETE is not a safe method, so the gate does not look at cookies.
func GateAuthorize(g *gate.Gate) func(*http.Request, string) (audit.Entry, error) {
	return func(r *http.Request, surveyID string) (audit.Entry, error) {
		id, err := g.Identify(r)
		switch {
		case errors.Is(err, access.ErrUnauthorized):
			return audit.Entry{}, &survey.Error{Code: survey.CodeUnauthorized, Message: msgCoordinatorOnlyErase.Message()}
		case err != nil:
			return audit.Entry{}, survey.Errorf(survey.CodeUnavailable, survey.MsgUnavailable)
		case id.Anonymous():
			return audit.Entry{}, &survey.Error{Code: survey.CodeUnauthorized, Message: msgCoordinatorOnlyErase.Message()}
		case !id.May(surveyID):
			return audit.Entry{}, gate.Forbidden(surveyID)
		}
		return audit.Entry{UserID: id.User.ID, Email: id.User.Email}, nil
	}
}

// GateAdmin adapts the API's gate to AuditConfig.Authorize: only an admin's personal token
// or console session (reading) reads the audit log.
func GateAdmin(g *gate.Gate) func(*http.Request) error {
	return func(r *http.Request) error {
		id, err := g.Identify(r)
		switch {
		case errors.Is(err, access.ErrUnauthorized) || (err == nil && id.Anonymous()):
			return &survey.Error{Code: survey.CodeUnauthorized, Message: msgAdminOnly.Message()}
		case err != nil:
			return survey.Errorf(survey.CodeUnavailable, survey.MsgUnavailable)
		case id.User.Role != access.Admin || id.User.ID == "":
			return &survey.Error{Code: survey.CodeForbidden, Message: msgAdminOnly.Message()}
		}
		return nil
	}
}
