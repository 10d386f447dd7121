package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
)

// loginBody is the login form.
type loginBody struct {
	FormToken, Next, Email, Problem string
}

func (k *Console) loginPage(c *gin.Context) {
	if id, _ := c.Cookie(access.SessionCookie); id != "" {
		if _, _, err := k.cfg.Access.Session(c, id); err == nil {
			c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
			return
		}
	}
	p := k.NewPage(c, "login", loginBody{FormToken: k.formToken(c), Next: safeNext(c.Query("next"))})
	switch {
	case c.Query("out") != "":
		p.Notice = p.T("signed_out")
	case c.Query("ended") != "":
		p.Notice = p.T("session_over")
	}
	k.Render(c, http.StatusOK, k.pages, "login.html", p)
}

// safeNext keeps a redirection after login inside the console.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") ||
		(u.Path != Base && !strings.HasPrefix(u.Path, Base+"/")) || strings.HasPrefix(u.Path, Base+"/login") {
		return Base
	}
	return u.RequestURI()
}

func (k *Console) login(c *gin.Context) {
	email, password := c.PostForm("email"), c.PostForm("password")
	next := safeNext(c.PostForm("next"))
	addr := k.cfg.ClientAddress(c)
	u, err := k.cfg.Access.Login(c, email, password, addr)
	if err != nil {
		status, problem := http.StatusUnauthorized, "bad_credentials"
		switch {
		case errors.Is(err, access.ErrLocked):
			status, problem = http.StatusTooManyRequests, "locked"
			c.Header("Retry-After", "900")
		case errors.Is(err, access.ErrBadCredentials):
		default:
			k.Fail(c, err)
			return
		}
		k.cfg.Log.Info("console login refused", "email", strings.ToLower(strings.TrimSpace(email)), "address", addr, "reason", problem)
		p := k.NewPage(c, "login", loginBody{FormToken: k.formToken(c), Next: next, Email: email, Problem: T(Language(c), problem)})
		k.Render(c, status, k.pages, "login.html", p)
		return
	}
	if err := k.startSession(c, u, addr); err != nil {
		k.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (k *Console) startSession(c *gin.Context, u access.User, addr string) error {
	id, _, err := k.cfg.Access.StartSession(c, u, addr)
	if err != nil {
		return err
	}
	// The cookie lives as long as the session may; the session's own idle and absolute
	// limits are enforced on the server.
	k.setCookie(c, access.SessionCookie, id, int(access.DefaultLimits.SessionAbsolute/time.Second), http.SameSiteLaxMode)
	k.clearCookie(c, formCookie)
	return nil
}

func (k *Console) logout(c *gin.Context) {
	v := ViewerOf(c)
	if err := k.cfg.Access.EndSession(c, v.session); err != nil {
		k.Fail(c, err)
		return
	}
	k.clearCookie(c, access.SessionCookie)
	c.Redirect(http.StatusSeeOther, Base+"/login?out=1")
}

// passwordBody is the form by which an invited user sets a password.
type passwordBody struct {
	FormToken, Name, Email, Problem string
	MinLength                       int
}

func (k *Console) invitePage(c *gin.Context) {
	u, err := k.cfg.Access.CheckInvitation(c, c.Param("token"))
	if err != nil {
		k.invitationFailed(c, err)
		return
	}
	p := k.NewPage(c, "set_password", passwordBody{FormToken: k.formToken(c), Name: displayName(u), Email: u.Email,
		MinLength: access.MinPasswordLen})
	k.Render(c, http.StatusOK, k.pages, "password.html", p)
}

func (k *Console) invitationFailed(c *gin.Context, err error) {
	if errors.Is(err, access.ErrNotFound) || errors.Is(err, access.ErrUsed) || errors.Is(err, access.ErrExpired) ||
		errors.Is(err, access.ErrDisabled) || errors.Is(err, access.ErrUnauthorized) {
		k.Message(c, http.StatusGone, "set_password", "invitation_invalid")
		return
	}
	k.Fail(c, err)
}

func displayName(u access.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

func (k *Console) acceptInvite(c *gin.Context) {
	token := c.Param("token")
	pw, again := c.PostForm("password"), c.PostForm("password_again")
	lang := Language(c)
	u, err := k.cfg.Access.CheckInvitation(c, token)
	if err != nil {
		k.invitationFailed(c, err)
		return
	}
	problem := ""
	switch {
	case pw != again:
		problem = T(lang, "passwords_differ")
	case access.CheckPassword(pw) != nil:
		problem = T(lang, "weak_password", access.MinPasswordLen, access.MaxPasswordLen)
	}
	if problem == "" {
		u, err = k.cfg.Access.AcceptInvitation(c, token, pw)
		if errors.Is(err, access.ErrWeakPassword) {
			problem = T(lang, "weak_password", access.MinPasswordLen, access.MaxPasswordLen)
		} else if err != nil {
			k.invitationFailed(c, err)
			return
		}
	}
	if problem != "" {
		p := k.NewPage(c, "set_password", passwordBody{FormToken: k.formToken(c), Name: displayName(u), Email: u.Email,
			MinLength: access.MinPasswordLen, Problem: problem})
		k.Render(c, http.StatusUnprocessableEntity, k.pages, "password.html", p)
		return
	}
	addr := k.cfg.ClientAddress(c)
	if err := k.cfg.Audit.Record(c, audit.Entry{At: k.cfg.Now().UTC(), UserID: u.ID, Email: u.Email, Action: "user.set_password",
		Target: u.Email, Detail: "password set through an invitation link", Address: addr}); err != nil {
		k.cfg.Log.Warn("audit", "error", err)
	}
	if err := k.startSession(c, u, addr); err != nil {
		k.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, Base)
}

// homeBody lists the viewer's surveys.
type homeBody struct {
	Surveys []survey.Survey
	Now     time.Time
}

func (k *Console) home(c *gin.Context) {
	list, err := k.Surveys(c)
	if err != nil {
		k.Fail(c, err)
		return
	}
	k.Render(c, http.StatusOK, k.pages, "home.html", k.NewPage(c, "console", homeBody{Surveys: list, Now: k.cfg.Now()}))
}
