package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/surveytest"
)

func catalog() *surveytest.Catalog {
	return surveytest.NewCatalog([]*survey.Form{surveytest.FeedbackForm("feedback"), surveytest.FeedbackForm("other")},
		survey.Edition{SurveyID: "feedback", Year: 2026, FormVersion: 1, Place: "Dakar"},
		survey.Edition{SurveyID: "other", Year: 2026, FormVersion: 1})
}

func TestSignedOutVisitorsGoToTheLoginPage(t *testing.T) {
	h := consoletest.New(t, catalog())
	c := h.NewClient(t)
	r := c.Get("/console?lang=en")
	if r.Status != http.StatusSeeOther || r.Location != "/console/login?next="+url.QueryEscape("/console?lang=en") {
		t.Fatalf("GET without session: %d to %q", r.Status, r.Location)
	}
	if r := c.Post("/console/logout", nil); r.Status != http.StatusSeeOther || r.Location != "/console/login" {
		t.Fatalf("POST without session: %d to %q", r.Status, r.Location)
	}
	if r := c.Get("/console/login"); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="password"`) {
		t.Fatalf("login page: %d", r.Status)
	}
}

func TestLoginSetsAStrictCookieAndLeadsBack(t *testing.T) {
	h := consoletest.New(t, catalog())
	h.AddUser(t, "ana@example.org", access.Coordinator)
	c := h.NewClient(t)
	c.Get("/console/login")
	r := c.Post("/console/login", url.Values{"email": {"Ana@Example.org "}, "password": {consoletest.Password},
		"next": {"/console/surveys/feedback"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/surveys/feedback" {
		t.Fatalf("login: %d to %q", r.Status, r.Location)
	}
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == access.SessionCookie && ck.Value != "" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure {
		t.Errorf("cookie flags over plain HTTP: %+v", session)
	}
	home := c.Get("/console")
	if home.Status != http.StatusOK || !strings.Contains(home.Body, "ana@example.org") || !strings.Contains(home.Body, "/console/surveys/feedback") {
		t.Fatalf("home: %d\n%s", home.Status, home.Body)
	}
}

func TestCookiesAreSecureUnderTLS(t *testing.T) {
	gin.SetMode(gin.TestMode)
	h := consoletest.New(t, catalog())
	h.AddUser(t, "ana@example.org", access.Coordinator)
	srv := httptest.NewTLSServer(h.Server.Config.Handler)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Get(srv.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var form *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "palabre_form" {
			form = ck
		}
	}
	if form == nil || !form.Secure || !form.HttpOnly || form.SameSite != http.SameSiteStrictMode {
		t.Fatalf("form cookie under TLS: %+v", form)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/login", strings.NewReader(url.Values{
		"csrf": {form.Value}, "email": {"ana@example.org"}, "password": {consoletest.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(form)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == access.SessionCookie {
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie under TLS: %+v", ck)
			}
			return
		}
	}
	t.Fatalf("no session cookie under TLS (status %d)", res.StatusCode)
}

func TestLoginFormNeedsItsToken(t *testing.T) {
	h := consoletest.New(t, catalog())
	h.AddUser(t, "ana@example.org", access.Coordinator)
	c := h.NewClient(t)
	c.Get("/console/login")
	for _, token := range []string{"", "forged"} {
		r := c.Post("/console/login", url.Values{"csrf": {token}, "email": {"ana@example.org"}, "password": {consoletest.Password}})
		if r.Status != http.StatusForbidden {
			t.Errorf("login with token %q: %d, want 403", token, r.Status)
		}
	}
}

func TestWrongPasswordsLockOneAccountOnly(t *testing.T) {
	h := consoletest.New(t, catalog())
	h.AddUser(t, "ana@example.org", access.Coordinator)
	h.AddUser(t, "ben@example.org", access.Coordinator)
	c := h.NewClient(t)
	for i := range access.DefaultLimits.AccountFailures {
		r := c.Login("ana@example.org", "wrong password "+string(rune('a'+i)), http.StatusUnauthorized)
		if !strings.Contains(r.Body, "Adresse e-mail ou mot de passe incorrect.") {
			t.Fatalf("attempt %d: no message", i+1)
		}
	}
	r := c.Login("ana@example.org", consoletest.Password, http.StatusTooManyRequests)
	if !strings.Contains(r.Body, "Trop de tentatives") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("locked account: %s", r.Body)
	}
	c.Login("ben@example.org", consoletest.Password, http.StatusSeeOther)
	if strings.Contains(h.Log.String(), "wrong password") || strings.Contains(h.Log.String(), consoletest.Password) {
		t.Fatal("a password reached the log")
	}
	if !strings.Contains(h.Log.String(), "console login refused") {
		t.Fatal("refused logins are not logged")
	}
}

func TestLogoutNeedsTheCSRFTokenAndEndsTheSession(t *testing.T) {
	h := consoletest.New(t, catalog())
	c := h.SignIn(t, "ana@example.org", access.Coordinator)
	for _, token := range []string{"", "forged", strings.Repeat("A", 43)} {
		if r := c.Post("/console/logout", url.Values{"csrf": {token}}); r.Status != http.StatusForbidden ||
			!strings.Contains(r.Body, "Ce formulaire a expiré ou ne vient pas de cette page") {
			t.Fatalf("logout with token %q: %d", token, r.Status)
		}
	}
	if r := c.Get("/console"); r.Status != http.StatusOK {
		t.Fatalf("still signed in after refused logouts: %d", r.Status)
	}
	if r := c.Post("/console/logout", nil); r.Status != http.StatusSeeOther || r.Location != "/console/login?out=1" {
		t.Fatalf("logout: %d to %q", r.Status, r.Location)
	}
	if r := c.Get("/console"); r.Status != http.StatusSeeOther {
		t.Fatalf("after logout: %d", r.Status)
	}
}

func TestTheCSRFTokenBelongsToItsSession(t *testing.T) {
	h := consoletest.New(t, catalog())
	ana := h.SignIn(t, "ana@example.org", access.Coordinator)
	ben := h.SignIn(t, "ben@example.org", access.Coordinator)
	if ana.CSRF == "" || ana.CSRF == ben.CSRF {
		t.Fatalf("tokens: %q %q", ana.CSRF, ben.CSRF)
	}
	if r := ana.Post("/console/logout", url.Values{"csrf": {ben.CSRF}}); r.Status != http.StatusForbidden {
		t.Fatalf("another session's token: %d", r.Status)
	}
}

func TestInvitationSetsAPasswordOnce(t *testing.T) {
	h := consoletest.New(t, catalog())
	_, token, err := h.Access.AddUser(context.Background(), access.NewUser{Email: "new@example.org", Name: "Fatou", Role: access.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	c := h.NewClient(t)
	path := "/console/invite/" + token
	if r := c.Get(path + "?lang=en"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Welcome, Fatou.") {
		t.Fatalf("invitation page: %d", r.Status)
	}
	if r := c.Post(path, url.Values{"password": {"long enough one"}, "password_again": {"long enough two"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "The two passwords are not the same.") {
		t.Fatalf("different passwords: %d", r.Status)
	}
	if r := c.Post(path, url.Values{"password": {"short"}, "password_again": {"short"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", r.Status)
	}
	if r := c.Post(path, url.Values{"password": {"a long enough password"}, "password_again": {"a long enough password"}}); r.Status != http.StatusSeeOther || r.Location != "/console" {
		t.Fatalf("set password: %d to %q", r.Status, r.Location)
	}
	if r := c.Get("/console"); r.Status != http.StatusOK {
		t.Fatalf("signed in after setting the password: %d", r.Status)
	}
	if r := h.NewClient(t).Get(path); r.Status != http.StatusGone || !strings.Contains(r.Body, "plus valable") {
		t.Fatalf("used invitation: %d", r.Status)
	}
	if got := h.Audit.Entries(); len(got) != 1 || got[0].Action != "user.set_password" || got[0].Email != "new@example.org" {
		t.Fatalf("audit: %+v", got)
	}
	if strings.Contains(h.Log.String(), "a long enough password") {
		t.Fatal("a password reached the log")
	}
}

func TestHomeListsOnlyTheSurveysOfTheAccount(t *testing.T) {
	h := consoletest.New(t, catalog())
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "other")
	r := c.Get("/console")
	if strings.Contains(r.Body, "/console/surveys/feedback") || !strings.Contains(r.Body, "/console/surveys/other") {
		t.Fatalf("a coordinator of other sees:\n%s", r.Body)
	}
}

func TestRedirectAfterLoginStaysInTheConsole(t *testing.T) {
	h := consoletest.New(t, catalog())
	h.AddUser(t, "ana@example.org", access.Coordinator)
	for next, want := range map[string]string{
		"/console/x?y=1":    "/console/x?y=1",
		"https://evil.test": "/console",
		"//evil.test/x":     "/console",
		"/d/abc":            "/console",
		"/console/login":    "/console",
		"/console\\@evil":   "/console",
		"":                  "/console",
	} {
		c := h.NewClient(t)
		c.Get("/console/login")
		r := c.Post("/console/login", url.Values{"email": {"ana@example.org"}, "password": {consoletest.Password}, "next": {next}})
		if r.Location != want {
			t.Errorf("next %q: to %q, want %q", next, r.Location, want)
		}
	}
}

func TestMountedSectionsAreSignedInAndCSRFChecked(t *testing.T) {
	var ran int
	h := consoletest.New(t, catalog(), func(k *console.Console) {
		k.Mount(func(g *gin.RouterGroup) {
			g.POST("/things", func(c *gin.Context) {
				if !k.Authorize(c, c.PostForm("survey")) {
					return
				}
				ran++
				c.Status(http.StatusNoContent)
			})
			g.GET("/admin-only", k.RequireAdmin, func(c *gin.Context) { c.Status(http.StatusNoContent) })
		}, console.NavLink{Path: "/things", Key: "editions"})
	})
	anon := h.NewClient(t)
	if r := anon.Post("/console/things", url.Values{"survey": {"feedback"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("no session: %d", r.Status)
	}
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "other")
	if r := c.Post("/console/things", url.Values{"survey": {"other"}, "csrf": {""}}); r.Status != http.StatusForbidden {
		t.Fatalf("no token: %d", r.Status)
	}
	if r := c.Post("/console/things", url.Values{"survey": {"feedback"}}); r.Status != http.StatusForbidden {
		t.Fatalf("another survey: %d", r.Status)
	}
	if r := c.Post("/console/things", url.Values{"survey": {"other"}}); r.Status != http.StatusNoContent || ran != 1 {
		t.Fatalf("allowed: %d, ran %d", r.Status, ran)
	}
	if r := c.Get("/console/admin-only"); r.Status != http.StatusForbidden {
		t.Fatalf("coordinator on an admin page: %d", r.Status)
	}
	admin := h.SignIn(t, "root@example.org", access.Admin)
	if r := admin.Get("/console/admin-only"); r.Status != http.StatusNoContent {
		t.Fatalf("admin: %d", r.Status)
	}
	if r := admin.Get("/console"); !strings.Contains(r.Body, `href="/console/things"`) {
		t.Fatal("the section's menu entry is missing")
	}
}
