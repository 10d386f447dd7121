package users_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
)

// createToken creates a token through the account page and returns its value.
func createToken(t *testing.T, c *consoletest.Client, name string) string {
	t.Helper()
	r := c.Post("/console/account/tokens?lang=en", url.Values{"name": {name}})
	m := tokenField.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("create token %q: %d\n%s", name, r.Status, r.Body)
	}
	return html.UnescapeString(m[1])
}

func TestEveryoneManagesTheirOwnTokens(t *testing.T) {
	h := harness(t, "")
	ctx := context.Background()
	ana := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	page := ana.Get("/console/account?lang=en")
	for _, want := range []string{"ana@example.org", "coordinator", "No token yet.", `action="/console/account/tokens"`} {
		if page.Status != http.StatusOK || !strings.Contains(page.Body, want) {
			t.Errorf("account page lacks %q (%d)", want, page.Status)
		}
	}
	for _, name := range []string{"", "   ", strings.Repeat("x", 101)} {
		if r := ana.Post("/console/account/tokens?lang=en", url.Values{"name": {name}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "Give the token a name") || tokenField.MatchString(r.Body) {
			t.Errorf("token named %q: %d", name, r.Status)
		}
	}
	r := ana.Post("/console/account/tokens?lang=en", url.Values{"name": {"  Excel sheet "}})
	m := tokenField.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	raw := m[1]
	if !strings.HasPrefix(raw, access.TokenPrefix) || !strings.Contains(r.Body, "Authorization: Bearer "+raw) ||
		!strings.Contains(r.Body, h.Server.URL+"/api/v1/") || !strings.Contains(r.Body, "shown only once") {
		t.Errorf("the token's page:\n%s", r.Body)
	}
	u, tok, err := h.Access.TokenUser(ctx, raw)
	if err != nil || u.Email != "ana@example.org" || tok.Name != "Excel sheet" {
		t.Fatalf("the token resolves to %+v %+v, %v", u, tok, err)
	}
	page = ana.Get("/console/account?lang=en")
	if !strings.Contains(page.Body, "Excel sheet") || strings.Contains(page.Body, raw) || strings.Contains(page.Body, "never") ||
		!strings.Contains(page.Body, "/console/account/tokens/"+tok.ID+"/revoke") {
		t.Errorf("the account page after use:\n%s", page.Body)
	}

	// Another user cannot revoke it, even with their own valid session and token.
	ben := h.SignIn(t, "ben@example.org", access.Admin)
	if r := ben.Post("/console/account/tokens/"+tok.ID+"/revoke", nil); r.Status != http.StatusNotFound {
		t.Errorf("someone else's token: %d", r.Status)
	}
	if _, _, err := h.Access.TokenUser(ctx, raw); err != nil {
		t.Fatalf("after someone else's attempt: %v", err)
	}
	if r := ana.Post("/console/account/tokens/"+tok.ID+"/revoke", nil); r.Status != http.StatusSeeOther ||
		r.Location != "/console/account?done=users_done_token_revoked" {
		t.Fatalf("revoke: %d to %q", r.Status, r.Location)
	}
	if _, _, err := h.Access.TokenUser(ctx, raw); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("after revoking: %v", err)
	}
	page = ana.Get("/console/account?lang=en&done=users_done_token_revoked")
	if !strings.Contains(page.Body, "Token revoked.") || !strings.Contains(page.Body, "revoked</td>") || strings.Contains(page.Body, tok.ID+"/revoke") {
		t.Errorf("the account page after revoking:\n%s", page.Body)
	}
	// Revoking again changes and records nothing.
	if r := ana.Post("/console/account/tokens/"+tok.ID+"/revoke", nil); r.Status != http.StatusSeeOther {
		t.Errorf("revoking again: %d", r.Status)
	}
	got := h.Audit.Entries()
	if len(got) != 2 || got[0].Action != "token.create" || got[1].Action != "token.revoke" {
		t.Fatalf("audited %+v", got)
	}
	for _, e := range got {
		if e.Target != tok.ID || e.Email != "ana@example.org" || !strings.Contains(e.Detail, "Excel sheet") {
			t.Errorf("entry %+v", e)
		}
	}
	noSecret(t, h, raw, raw[len(access.TokenPrefix):])
}

// TestATokenThatCannotBeRecordedIsNotGiven: when the audit log is down, the token made is
// revoked and not shown.
func TestATokenThatCannotBeRecordedIsNotGiven(t *testing.T) {
	h := harness(t, "")
	ana := h.SignIn(t, "ana@example.org", access.Coordinator)
	h.Audit.Err = errors.New("audit table unreachable")
	r := ana.Post("/console/account/tokens", url.Values{"name": {"script"}})
	if r.Status < 500 || tokenField.MatchString(r.Body) {
		t.Fatalf("create with the audit down: %d\n%s", r.Status, r.Body)
	}
	toks, err := h.Access.Tokens(context.Background(), user(t, h, "ana@example.org").ID)
	if err != nil || slices.ContainsFunc(toks, func(t access.Token) bool { return !t.Revoked }) {
		t.Errorf("tokens %+v, %v", toks, err)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	h := harness(t, "")
	ana := h.SignIn(t, "ana@example.org", access.Coordinator)
	phone := h.NewClient(t)
	phone.Login("ana@example.org", consoletest.Password, http.StatusSeeOther)
	ben := h.SignIn(t, "ben@example.org", access.Coordinator)
	raw := createToken(t, ana, "script")
	r := ana.Post("/console/account/sessions/revoke", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/console/login?out=1" {
		t.Fatalf("sign out everywhere: %d to %q", r.Status, r.Location)
	}
	for name, c := range map[string]*consoletest.Client{"this browser": ana, "the phone": phone} {
		if r := c.Get("/console"); r.Status != http.StatusSeeOther {
			t.Errorf("%s after signing out everywhere: %d", name, r.Status)
		}
	}
	if r := ben.Get("/console"); r.Status != http.StatusOK {
		t.Errorf("someone else's session: %d", r.Status)
	}
	if _, _, err := h.Access.TokenUser(context.Background(), raw); err != nil {
		t.Errorf("the API token after signing out everywhere: %v", err)
	}
	got := h.Audit.Entries()
	if len(got) != 2 || got[1].Action != "user.sessions_revoke" || got[1].Target != "ana@example.org" || got[1].Email != "ana@example.org" {
		t.Errorf("audited %+v", got)
	}
}

// TestPagesSpeakEveryLanguage: no page shows a text key instead of its text.
func TestPagesSpeakEveryLanguage(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	ana := h.AddUser(t, "ana@example.org", access.Coordinator, "feedback", "retired")
	key := regexp.MustCompile(`\b(users|role)_[a-z_]+`)
	for _, lang := range console.Languages {
		q := "?lang=" + lang
		pages := map[string]consoletest.Response{
			"list":    admin.Get("/console/users" + q),
			"new":     admin.Get("/console/users/new" + q),
			"account": admin.Get("/console/users/" + ana.ID + q + "&done=users_done_updated"),
			"refused": admin.Post("/console/users"+q, url.Values{"email": {"x"}, "scope": {"some"}, "survey": {"nope"}}),
			"link":    admin.Post("/console/users/"+ana.ID+"/reset"+q, nil),
			"own":     admin.Get("/console/account" + q),
			"token":   admin.Post("/console/account/tokens"+q, url.Values{"name": {"x"}}),
			"self":    admin.Post("/console/users/"+user(t, h, "root@example.org").ID+"/disable"+q, nil),
		}
		for name, r := range pages {
			if m := key.FindString(r.Body); m != "" || r.Status >= 500 {
				t.Errorf("%s page in %s (%d) shows the key %q", name, lang, r.Status, m)
			}
			if !strings.Contains(r.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s page is not in %s", name, lang)
			}
		}
	}
}
