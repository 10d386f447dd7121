// Package users is the console's accounts section. Admins manage accounts at /console/users:
// they add a person (who gets an invitation link to set a password), change a person's role
// and surveys, disable and enable an account, issue a new link to set a password, and end a
// person's sessions. Every signed-in user manages their own account at /console/account:
// personal API tokens and signing out everywhere.
//
// palabre sends no e-mail: an invitation link, like an API token, is shown once on the page
// that made it, for the admin (or the token's owner) to pass on. Neither is logged nor written
// to the audit log, and only its SHA-256 is stored.
package users

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
)

//go:embed templates/*.html
var templateFS embed.FS

// Name lengths, in characters.
const (
	MaxNameLen      = 200
	MaxTokenNameLen = 100
)

type section struct {
	k      *console.Console
	public string // the configured public URL, without a trailing slash; "" when unset
	pages  *console.Templates
}

// Mount adds the section to k:
//
//	GET  /console/users                       admins: every account
//	GET  /console/users/new, POST /console/users   admins: add a person; shows the invitation link once
//	GET  /console/users/:id, POST …           admins: one account; change its role and surveys
//	POST /console/users/:id/disable | enable  admins: disable (ends sessions and API tokens) or enable
//	POST /console/users/:id/reset             admins: a new link to set a password, shown once
//	POST /console/users/:id/sessions/revoke   admins: end every session of that person
//	GET  /console/account                     everyone: their account and API tokens
//	POST /console/account/tokens              everyone: create an API token, shown once
//	POST /console/account/tokens/:id/revoke   everyone: revoke one of their tokens
//	POST /console/account/sessions/revoke     everyone: sign out everywhere
//
// publicURL is the address people open palabre at (e.g. https://surveys.example.org), from
// which invitation links and API examples are written. When it is empty they are written from
// the address the admin's browser used (https under TLS, else http, and the request's Host),
// which is wrong behind a proxy that ends TLS or rewrites the host: set it there.
func Mount(k *console.Console, publicURL string) error {
	public, err := checkPublicURL(publicURL)
	if err != nil {
		return err
	}
	pages, err := console.ParseTemplates(templateFS, "templates/users.html", "templates/user.html", "templates/shown.html", "templates/account.html")
	if err != nil {
		return err
	}
	s := &section{k: k, public: public, pages: pages}
	k.Mount(func(g *gin.RouterGroup) {
		a := g.Group("/users", k.RequireAdmin)
		a.GET("", s.list)
		a.GET("/new", s.newPage)
		a.POST("", s.add)
		a.GET("/:id", s.userPage)
		a.POST("/:id", s.update)
		a.POST("/:id/disable", s.setDisabled(true))
		a.POST("/:id/enable", s.setDisabled(false))
		a.POST("/:id/reset", s.reset)
		a.POST("/:id/sessions/revoke", s.revokeSessions)
		g.GET("/account", s.account)
		g.POST("/account/tokens", s.createToken)
		g.POST("/account/tokens/:id/revoke", s.revokeToken)
		g.POST("/account/sessions/revoke", s.signOutEverywhere)
	}, console.NavLink{Path: "/users", Key: "users_nav", AdminOnly: true}, console.NavLink{Path: "/account", Key: "users_account_nav"})
	return nil
}

func checkPublicURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("users: public URL %q: want http(s)://host[:port][/path]", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// base is where people open palabre, as links given out should say it.
func (s *section) base(c *gin.Context) string {
	if s.public != "" {
		return s.public
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func (s *section) inviteLink(c *gin.Context, token string) string {
	return s.base(c) + console.Base + "/invite/" + token
}

// surveyRef names a survey in the viewer's language.
type surveyRef struct {
	ID, Title string
	Known     bool // in the catalog
}

// surveyOption is a survey's checkbox on a form.
type surveyOption struct {
	surveyRef
	Checked bool
}

// titles maps the catalog's survey ids to their titles in lang.
func titles(list []survey.Survey, lang string) map[string]string {
	m := make(map[string]string, len(list))
	for _, sv := range list {
		m[sv.ID] = sv.Title.In(lang, sv.DefaultLanguage)
	}
	return m
}

func refs(ids []string, names map[string]string) []surveyRef {
	out := make([]surveyRef, 0, len(ids))
	for _, id := range ids {
		t, ok := names[id]
		if !ok {
			t = id
		}
		out = append(out, surveyRef{ID: id, Title: t, Known: ok})
	}
	return out
}

// row is an account as the list shows it.
type row struct {
	ID, Email, Name string
	Role            access.Role
	Surveys         []surveyRef // empty: every survey
	Disabled        bool
	HasPassword     bool
	Created         time.Time
	Self            bool
}

func toRow(u access.User, names map[string]string, self string) row {
	r := row{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled,
		HasPassword: u.PasswordHash != "", Created: u.Created, Self: u.ID == self}
	if u.Role == access.Coordinator {
		r.Surveys = refs(u.Surveys, names)
	}
	return r
}

type listBody struct{ Users []row }

func (s *section) list(c *gin.Context) {
	ctx := c.Request.Context()
	all, err := s.k.Access().Users(ctx)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	catalog, err := s.k.Catalog().Surveys(ctx)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	names := titles(catalog, console.Language(c))
	body := listBody{}
	self := console.ViewerOf(c).User.ID
	for _, u := range all {
		body.Users = append(body.Users, toRow(u, names, self))
	}
	s.k.Render(c, http.StatusOK, s.pages, "users.html", s.k.NewPage(c, "users_title", body))
}

// rights is the role-and-surveys part of the add and edit forms.
type rights struct {
	Role    access.Role
	All     bool // a coordinator on every survey
	Surveys []surveyOption
}

// formBody is the add form, or the edit form of a user's page.
type formBody struct {
	Email, Name string
	rights
	Problems []string
}

// userBody is the page that adds a person (User nil) or shows one account.
type userBody struct {
	User *row
	Form formBody
}

// options lists the catalog's surveys, then the ids the user has that the catalog lacks, each
// checked when in chosen.
func options(catalog []survey.Survey, lang string, have, chosen []string) []surveyOption {
	names := titles(catalog, lang)
	var out []surveyOption
	for _, sv := range catalog {
		out = append(out, surveyOption{surveyRef: surveyRef{ID: sv.ID, Title: names[sv.ID], Known: true}, Checked: slices.Contains(chosen, sv.ID)})
	}
	for _, id := range have {
		if _, ok := names[id]; !ok {
			out = append(out, surveyOption{surveyRef: surveyRef{ID: id, Title: id}, Checked: slices.Contains(chosen, id)})
		}
	}
	return out
}

func (s *section) newPage(c *gin.Context) {
	catalog, err := s.k.Catalog().Surveys(c.Request.Context())
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	body := userBody{Form: formBody{rights: rights{Role: access.Coordinator, All: true, Surveys: options(catalog, console.Language(c), nil, nil)}}}
	s.k.Render(c, http.StatusOK, s.pages, "user.html", s.k.NewPage(c, "users_add", body))
}

// readRights reads role, scope and surveys from a form. Surveys must be in the catalog or
// already on the account (have); an admin's list and an all-surveys coordinator's are empty.
// It returns the rights to show the form again with, and the problems in the reader's language.
func readRights(c *gin.Context, catalog []survey.Survey, lang string, have []string) (access.Role, []string, rights, []string) {
	var problems []string
	role, err := access.ParseRole(c.PostForm("role"))
	if err != nil {
		problems = append(problems, console.T(lang, "users_bad_role"))
	}
	all := c.PostForm("scope") != "some"
	chosen := c.PostFormArray("survey")
	shown := rights{Role: role, All: all, Surveys: options(catalog, lang, have, chosen)}
	var surveys []string
	if role == access.Coordinator && !all {
		for _, id := range chosen {
			known := slices.ContainsFunc(catalog, func(sv survey.Survey) bool { return sv.ID == id }) || slices.Contains(have, id)
			if !known {
				problems = append(problems, console.T(lang, "users_unknown_survey", id))
				continue
			}
			surveys = append(surveys, id)
		}
		if len(chosen) == 0 {
			problems = append(problems, console.T(lang, "users_pick_survey"))
		}
		slices.Sort(surveys)
		surveys = slices.Compact(surveys) // as the account stores them
	}
	return role, surveys, shown, problems
}

func (s *section) add(c *gin.Context) {
	ctx := c.Request.Context()
	lang := console.Language(c)
	catalog, err := s.k.Catalog().Surveys(ctx)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	body := formBody{Email: strings.TrimSpace(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name"))}
	role, surveys, shown, problems := readRights(c, catalog, lang, nil)
	body.rights = shown
	email, err := access.NormaliseEmail(body.Email)
	if err != nil {
		problems = append([]string{console.T(lang, "users_bad_email")}, problems...)
	} else if _, err := s.k.Access().User(ctx, email); err == nil {
		problems = append([]string{console.T(lang, "users_email_taken")}, problems...)
	} else if !errors.Is(err, access.ErrNotFound) {
		s.k.Fail(c, err)
		return
	}
	if utf8.RuneCountInString(body.Name) > MaxNameLen {
		problems = append(problems, console.T(lang, "users_name_too_long", MaxNameLen))
	}
	if len(problems) > 0 {
		body.Problems = problems
		s.k.Render(c, http.StatusUnprocessableEntity, s.pages, "user.html", s.k.NewPage(c, "users_add", userBody{Form: body}))
		return
	}
	n := access.NewUser{Email: email, Name: body.Name, Role: role, Surveys: surveys}
	if !s.audit(c, audit.Entry{Action: "user.add", Target: email, Detail: "added as " + describe(role, surveys)}) {
		return
	}
	u, token, err := s.k.Access().AddUser(ctx, n)
	if errors.Is(err, access.ErrEmailTaken) { // added by someone else meanwhile
		s.k.Message(c, http.StatusConflict, "users_refused", "users_email_taken")
		return
	}
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	s.showInvitation(c, u, token, false)
}

// describe writes rights for the audit log.
func describe(role access.Role, surveys []string) string {
	if role == access.Coordinator && len(surveys) > 0 {
		return "coordinator of " + strings.Join(surveys, ", ")
	}
	if role == access.Coordinator {
		return "coordinator of every survey"
	}
	return string(role)
}

// audit records e, answering 503 and returning false when it cannot: nothing changes unrecorded.
func (s *section) audit(c *gin.Context, e audit.Entry) bool {
	if err := s.k.Audit(c, e); err != nil {
		s.k.Fail(c, fmt.Errorf("audit %s: %w", e.Action, err))
		return false
	}
	return true
}

// shownBody is a secret shown once: an invitation link or an API token.
type shownBody struct {
	Invitation bool
	Secret     string
	// Invitation
	UserID, Who string
	Days        int
	Reset       bool
	// Token
	TokenName, Base string
}

func (s *section) showInvitation(c *gin.Context, u access.User, token string, reset bool) {
	who := u.Email
	if u.Name != "" {
		who = u.Name + " (" + u.Email + ")"
	}
	body := shownBody{Invitation: true, Secret: s.inviteLink(c, token), UserID: u.ID, Who: who, Reset: reset,
		Days: int(access.DefaultLimits.InvitationTTL / (24 * time.Hour))}
	s.k.Render(c, http.StatusOK, s.pages, "shown.html", s.k.NewPage(c, "users_invite_title", body))
}

// target finds the account of the :id in the path, answering 404 when there is none.
func (s *section) target(c *gin.Context) (access.User, bool) {
	u, err := s.k.Access().UserByID(c.Request.Context(), c.Param("id"))
	if errors.Is(err, access.ErrNotFound) {
		s.k.NotFound(c)
		return u, false
	}
	if err != nil {
		s.k.Fail(c, err)
		return u, false
	}
	return u, true
}

func (s *section) userPage(c *gin.Context) {
	u, ok := s.target(c)
	if !ok {
		return
	}
	catalog, err := s.k.Catalog().Surveys(c.Request.Context())
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	s.renderUser(c, http.StatusOK, u, catalog, rights{Role: u.Role, All: len(u.Surveys) == 0,
		Surveys: options(catalog, console.Language(c), u.Surveys, u.Surveys)}, nil)
}

func (s *section) renderUser(c *gin.Context, status int, u access.User, catalog []survey.Survey, r rights, problems []string) {
	lang := console.Language(c)
	r0 := toRow(u, titles(catalog, lang), console.ViewerOf(c).User.ID)
	body := userBody{User: &r0, Form: formBody{Email: u.Email, Name: u.Name, rights: r, Problems: problems}}
	s.k.Render(c, status, s.pages, "user.html", s.k.NewPage(c, "users_user_title", body))
}

func (s *section) userURL(u access.User, done string) string {
	return console.Base + "/users/" + url.PathEscape(u.ID) + "?done=" + done
}

func (s *section) update(c *gin.Context) {
	u, ok := s.target(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	catalog, err := s.k.Catalog().Surveys(ctx)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	lang := console.Language(c)
	role, surveys, shown, problems := readRights(c, catalog, lang, u.Surveys)
	if len(problems) == 0 && u.Role == access.Admin && role != access.Admin && !u.Disabled {
		if last, err := s.lastAdmin(ctx, u); err != nil {
			s.k.Fail(c, err)
			return
		} else if last {
			problems = append(problems, console.T(lang, "users_last_admin"))
		}
	}
	if len(problems) > 0 {
		s.renderUser(c, http.StatusUnprocessableEntity, u, catalog, shown, problems)
		return
	}
	before, after := describe(u.Role, u.Surveys), describe(role, surveys)
	if before == after {
		c.Redirect(http.StatusSeeOther, s.userURL(u, "users_done_unchanged"))
		return
	}
	if !s.audit(c, audit.Entry{Action: "user.update", Target: u.Email, Detail: before + " → " + after}) {
		return
	}
	if _, err := s.k.Access().UpdateUser(ctx, u.Email, role, surveys); errors.Is(err, access.ErrLastAdmin) {
		// another admin stepped down meanwhile
		s.renderUser(c, http.StatusConflict, u, catalog, shown, []string{console.T(lang, "users_last_admin")})
		return
	} else if err != nil {
		s.k.Fail(c, err)
		return
	}
	if u.ID == console.ViewerOf(c).User.ID && role != access.Admin {
		// an admin who stepped down no longer sees the users pages
		c.Redirect(http.StatusSeeOther, console.Base+"/account?done=users_done_updated")
		return
	}
	c.Redirect(http.StatusSeeOther, s.userURL(u, "users_done_updated"))
}

// lastAdmin reports whether u is the only enabled admin.
func (s *section) lastAdmin(ctx context.Context, u access.User) (bool, error) {
	all, err := s.k.Access().Users(ctx)
	if err != nil {
		return false, err
	}
	return !slices.ContainsFunc(all, func(o access.User) bool { return o.ID != u.ID && o.Role == access.Admin && !o.Disabled }), nil
}

func (s *section) setDisabled(disabled bool) gin.HandlerFunc {
	action, detail, done := "user.enable", "account enabled; its earlier sessions and API tokens stay revoked", "users_done_enabled"
	if disabled {
		action, detail, done = "user.disable", "account disabled; its sessions and API tokens revoked", "users_done_disabled"
	}
	return func(c *gin.Context) {
		u, ok := s.target(c)
		if !ok {
			return
		}
		if disabled && u.ID == console.ViewerOf(c).User.ID {
			s.k.Message(c, http.StatusConflict, "users_refused", "users_cannot_disable_self")
			return
		}
		if u.Disabled == disabled {
			c.Redirect(http.StatusSeeOther, s.userURL(u, done))
			return
		}
		if !s.audit(c, audit.Entry{Action: action, Target: u.Email, Detail: detail}) {
			return
		}
		if _, err := s.k.Access().SetDisabled(c.Request.Context(), u.Email, disabled); err != nil {
			s.k.Fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, s.userURL(u, done))
	}
}

func (s *section) reset(c *gin.Context) {
	u, ok := s.target(c)
	if !ok {
		return
	}
	if u.Disabled {
		s.k.Message(c, http.StatusConflict, "users_refused", "users_reset_disabled")
		return
	}
	detail := "new invitation link; earlier links no longer work, the current password works until the link is used"
	if u.PasswordHash == "" {
		detail = "new invitation link; earlier links no longer work"
	}
	if !s.audit(c, audit.Entry{Action: "user.reset", Target: u.Email, Detail: detail}) {
		return
	}
	token, err := s.k.Access().Invite(c.Request.Context(), u.Email)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	s.showInvitation(c, u, token, u.PasswordHash != "")
}

func (s *section) revokeSessions(c *gin.Context) {
	u, ok := s.target(c)
	if !ok {
		return
	}
	if !s.audit(c, audit.Entry{Action: "user.sessions_revoke", Target: u.Email, Detail: "every session ended"}) {
		return
	}
	if err := s.k.Access().RevokeSessions(c.Request.Context(), u.ID); err != nil {
		s.k.Fail(c, err)
		return
	}
	if u.ID == console.ViewerOf(c).User.ID {
		signedOut(c)
		return
	}
	c.Redirect(http.StatusSeeOther, s.userURL(u, "users_done_sessions"))
}

// signedOut sends a browser whose session was just revoked to the login page.
func signedOut(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: access.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.Request.TLS != nil, SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusSeeOther, console.Base+"/login?out=1")
}
