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

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/console/users"
	"github.com/palabre/palabre/survey/surveytest"
)

func catalog() *surveytest.Catalog {
	return surveytest.NewCatalog([]*survey.Form{surveytest.FeedbackForm("feedback"), surveytest.FeedbackForm("other")},
		survey.Edition{SurveyID: "feedback", Year: 2026, FormVersion: 1, Place: "Dakar"},
		survey.Edition{SurveyID: "other", Year: 2026, FormVersion: 1})
}

func harness(t *testing.T, publicURL string) *consoletest.Harness {
	t.Helper()
	return consoletest.New(t, catalog(), func(k *console.Console) {
		if err := users.Mount(k, publicURL); err != nil {
			t.Fatal(err)
		}
	})
}

var (
	linkField  = regexp.MustCompile(`<textarea id="secret"[^>]*>([^<]*/console/invite/[^<]+)</textarea>`)
	tokenField = regexp.MustCompile(`<textarea id="secret"[^>]*>(plb_[^<]+)</textarea>`)
)

func user(t *testing.T, h *consoletest.Harness, email string) access.User {
	t.Helper()
	u, err := h.Access.User(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// actions lists the audit entries' actions.
func actions(h *consoletest.Harness) []string {
	var out []string
	for _, e := range h.Audit.Entries() {
		out = append(out, e.Action)
	}
	return out
}

// noSecret fails when a secret appears in the console's log or in an audit entry.
func noSecret(t *testing.T, h *consoletest.Harness, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret")
		}
		if strings.Contains(h.Log.String(), s) {
			t.Errorf("the log holds a secret:\n%s", h.Log.String())
		}
		for _, e := range h.Audit.Entries() {
			if strings.Contains(e.Target+e.Detail+e.Email+e.Survey+e.Request, s) {
				t.Errorf("audit entry %+v holds a secret", e)
			}
		}
	}
}

// addPerson posts the add form and returns the invitation link shown.
func addPerson(t *testing.T, admin *consoletest.Client, form url.Values) string {
	t.Helper()
	r := admin.Post("/console/users", form)
	m := linkField.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("add %v: %d\n%s", form, r.Status, r.Body)
	}
	return html.UnescapeString(m[1])
}

func TestAdminAddsAPersonWhoSetsTheirPassword(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	page := admin.Get("/console/users/new?lang=en")
	for _, want := range []string{`name="survey" value="feedback"`, `name="survey" value="other"`, `name="email"`, `value="coordinator" checked`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("add form lacks %s", want)
		}
	}
	link := addPerson(t, admin, url.Values{"email": {" Awa@Example.org"}, "name": {"Awa Ndiaye"}, "role": {"coordinator"},
		"scope": {"some"}, "survey": {"feedback"}})
	// The link is written from the address the admin's browser used.
	if !strings.HasPrefix(link, h.Server.URL+"/console/invite/") {
		t.Fatalf("link %q, want it under %s", link, h.Server.URL)
	}
	token := strings.TrimPrefix(link, h.Server.URL+"/console/invite/")
	awa := user(t, h, "awa@example.org")
	if awa.Name != "Awa Ndiaye" || awa.Role != access.Coordinator || !slices.Equal(awa.Surveys, []string{"feedback"}) || awa.PasswordHash != "" {
		t.Fatalf("added %+v", awa)
	}
	list := admin.Get("/console/users?lang=en")
	if !strings.Contains(list.Body, "awa@example.org") || !strings.Contains(list.Body, "no (invitation pending)") || strings.Contains(list.Body, token) {
		t.Errorf("list after adding:\n%s", list.Body)
	}
	if r := admin.Get("/console/users/" + awa.ID); r.Status != http.StatusOK || strings.Contains(r.Body, token) {
		t.Errorf("account page: %d, or it shows the link again", r.Status)
	}

	// Awa opens the link, sets a password, and is signed in with her rights.
	c := h.NewClient(t)
	if r := c.Get("/console/invite/" + token); r.Status != http.StatusOK || !strings.Contains(r.Body, "Awa Ndiaye") {
		t.Fatalf("invitation page: %d", r.Status)
	}
	r := c.Post("/console/invite/"+token, url.Values{"password": {"Awa's own long password"}, "password_again": {"Awa's own long password"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console" {
		t.Fatalf("setting the password: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	if home := c.Get("/console"); !strings.Contains(home.Body, "/console/surveys/feedback") || strings.Contains(home.Body, "/console/surveys/other") {
		t.Errorf("Awa's home:\n%s", home.Body)
	}
	if r := c.Get("/console/users"); r.Status != http.StatusForbidden {
		t.Errorf("a coordinator on the users page: %d", r.Status)
	}
	again := h.NewClient(t)
	again.Login("awa@example.org", "Awa's own long password", http.StatusSeeOther)
	if list := admin.Get("/console/users?lang=en"); !strings.Contains(list.Body, ">yes<") {
		t.Errorf("the list does not say the password is set:\n%s", list.Body)
	}
	if strings.Contains(list.Body, "argon2") {
		t.Error("the list shows a password hash")
	}

	entries := h.Audit.Entries()
	if len(entries) < 1 || entries[0].Action != "user.add" || entries[0].Target != "awa@example.org" || entries[0].Email != "root@example.org" ||
		entries[0].Detail != "added as coordinator of feedback" {
		t.Errorf("audit %+v", entries)
	}
	noSecret(t, h, token, "Awa's own long password")
}

func TestInvitationLinksUseThePublicURL(t *testing.T) {
	h := harness(t, "https://surveys.example.org/")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	link := addPerson(t, admin, url.Values{"email": {"jo@example.org"}, "role": {"admin"}})
	if !strings.HasPrefix(link, "https://surveys.example.org/console/invite/") {
		t.Errorf("link %q", link)
	}
	if u := user(t, h, "jo@example.org"); u.Role != access.Admin || u.Surveys != nil {
		t.Errorf("added %+v", u)
	}
	for _, bad := range []string{"surveys.example.org", "ftp://surveys.example.org", "https://", "https://x.org/?a=1", "https://u:p@x.org"} {
		k, err := console.New(console.Config{Access: h.Access, Catalog: h.Catalog, Audit: h.Audit})
		if err != nil {
			t.Fatal(err)
		}
		if err := users.Mount(k, bad); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
}

func TestAddRefusesWhatItCannotUse(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	for name, tc := range map[string]struct {
		form url.Values
		want string
	}{
		"not an address":  {url.Values{"email": {"awa"}, "role": {"coordinator"}}, "Give one valid e-mail address"},
		"named address":   {url.Values{"email": {"Awa <awa@example.org>"}, "role": {"coordinator"}}, "Give one valid e-mail address"},
		"taken":           {url.Values{"email": {"ROOT@example.org"}, "role": {"coordinator"}}, "already has an account"},
		"no role":         {url.Values{"email": {"awa@example.org"}}, "Choose a role"},
		"no survey":       {url.Values{"email": {"awa@example.org"}, "role": {"coordinator"}, "scope": {"some"}}, "Tick at least one survey"},
		"unknown survey":  {url.Values{"email": {"awa@example.org"}, "role": {"coordinator"}, "scope": {"some"}, "survey": {"nope"}}, "Unknown survey: nope"},
		"name too long":   {url.Values{"email": {"awa@example.org"}, "role": {"coordinator"}, "name": {strings.Repeat("é", 201)}}, "too long"},
		"forged role":     {url.Values{"email": {"awa@example.org"}, "role": {"owner"}}, "Choose a role"},
		"several reasons": {url.Values{"email": {"x"}, "role": {"coordinator"}, "scope": {"some"}}, "Tick at least one survey"},
	} {
		t.Run(name, func(t *testing.T) {
			r := admin.Post("/console/users?lang=en", tc.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.Body), tc.want) {
				t.Errorf("%d, want 422 saying %q\n%s", r.Status, tc.want, r.Body)
			}
			if linkField.MatchString(r.Body) {
				t.Error("a refused form shows a link")
			}
		})
	}
	if all, _ := h.Access.Users(context.Background()); len(all) != 1 {
		t.Errorf("users after refusals: %+v", all)
	}
	if got := actions(h); len(got) != 0 {
		t.Errorf("refusals audited: %v", got)
	}
}

// TestTheAddFormComesBackFilled: a refused form keeps what was typed and ticked.
func TestTheAddFormComesBackFilled(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	r := admin.Post("/console/users?lang=en", url.Values{"email": {"not an address"}, "name": {"Awa"}, "role": {"coordinator"}, "scope": {"some"}, "survey": {"other"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("%d", r.Status)
	}
	for _, want := range []string{`value="not an address"`, `value="Awa"`, `value="other" checked`, `value="some" checked`, `value="coordinator" checked`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the form shown again lacks %s", want)
		}
	}
	if strings.Contains(r.Body, `value="feedback" checked`) {
		t.Error("an unticked survey comes back ticked")
	}
}

// adminRoutes are the users pages' routes, with a user's id in place of :id.
func adminRoutes(id string) (gets, posts []string) {
	u := "/console/users/" + id
	return []string{"/console/users", "/console/users/new", u},
		[]string{"/console/users", u, u + "/disable", u + "/enable", u + "/reset", u + "/sessions/revoke"}
}

func TestCoordinatorsGetForbiddenOnEveryUsersRoute(t *testing.T) {
	h := harness(t, "")
	ana := h.AddUser(t, "ana@example.org", access.Coordinator)
	for _, who := range []struct {
		email   string
		surveys []string
	}{{"limited@example.org", []string{"other"}}, {"everything@example.org", nil}} {
		c := h.SignIn(t, who.email, access.Coordinator, who.surveys...)
		gets, posts := adminRoutes(ana.ID)
		for _, p := range gets {
			if r := c.Get(p); r.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", who.email, p, r.Status)
			}
		}
		for _, p := range posts {
			r := c.Post(p, url.Values{"email": {"x@example.org"}, "role": {"admin"}})
			if r.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", who.email, p, r.Status)
			}
		}
		if home := c.Get("/console"); strings.Contains(home.Body, `href="/console/users"`) || !strings.Contains(home.Body, `href="/console/account"`) {
			t.Errorf("a coordinator's menu:\n%s", home.Body)
		}
	}
	if got := user(t, h, "ana@example.org"); got.Disabled || got.Role != access.Coordinator || len(got.Surveys) != 0 {
		t.Errorf("ana after a coordinator's attempts: %+v", got)
	}
	if all, _ := h.Access.Users(context.Background()); len(all) != 3 {
		t.Errorf("%d users", len(all))
	}
	if got := actions(h); len(got) != 0 {
		t.Errorf("audited: %v", got)
	}
}

// TestEveryPostNeedsCSRFAndASession: without the session's CSRF token 403, without a session
// a redirection to the login page, and nothing changes.
func TestEveryPostNeedsCSRFAndASession(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	ana := h.AddUser(t, "ana@example.org", access.Coordinator)
	_, tok, err := h.Access.CreateToken(context.Background(), user(t, h, "root@example.org"), "script")
	if err != nil {
		t.Fatal(err)
	}
	_, posts := adminRoutes(ana.ID)
	posts = append(posts, "/console/account/tokens", "/console/account/tokens/"+tok.ID+"/revoke", "/console/account/sessions/revoke")
	stranger := h.NewClient(t)
	for _, p := range posts {
		form := url.Values{"email": {"x@example.org"}, "role": {"admin"}, "name": {"t"}}
		for _, csrf := range []string{"", "forged", admin.CSRF + "x"} {
			form.Set("csrf", csrf)
			if r := admin.Post(p, form); r.Status != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %d, want 403", p, csrf, r.Status)
			}
		}
		form.Set("csrf", admin.CSRF)
		if r := stranger.Post(p, form); r.Status != http.StatusSeeOther || r.Location != "/console/login" {
			t.Errorf("POST %s without a session: %d to %q", p, r.Status, r.Location)
		}
	}
	if got := actions(h); len(got) != 0 {
		t.Errorf("audited: %v", got)
	}
	if r := admin.Get("/console/users"); r.Status != http.StatusOK {
		t.Errorf("the admin's session after the refusals: %d", r.Status)
	}
	if got := user(t, h, "ana@example.org"); got.Disabled {
		t.Error("ana disabled")
	}
	if toks, _ := h.Access.Tokens(context.Background(), user(t, h, "root@example.org").ID); len(toks) != 1 || toks[0].Revoked {
		t.Errorf("tokens %+v", toks)
	}
}

func TestDisablingEndsSessionsAndTokensAtOnce(t *testing.T) {
	h := harness(t, "")
	ctx := context.Background()
	admin := h.SignIn(t, "root@example.org", access.Admin)
	anaBrowser := h.SignIn(t, "ana@example.org", access.Coordinator)
	raw := createToken(t, anaBrowser, "sheet")
	if _, _, err := h.Access.TokenUser(ctx, raw); err != nil {
		t.Fatal(err)
	}
	ana := user(t, h, "ana@example.org")
	if r := admin.Post("/console/users/"+ana.ID+"/disable", nil); r.Status != http.StatusSeeOther ||
		r.Location != "/console/users/"+ana.ID+"?done=users_done_disabled" {
		t.Fatalf("disable: %d to %q", r.Status, r.Location)
	}
	// Disabling a disabled account changes and records nothing.
	if r := admin.Post("/console/users/"+ana.ID+"/disable", nil); r.Status != http.StatusSeeOther {
		t.Errorf("disabling again: %d", r.Status)
	}
	if r := anaBrowser.Get("/console/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/login") {
		t.Errorf("ana's session after disabling: %d to %q", r.Status, r.Location)
	}
	if _, _, err := h.Access.TokenUser(ctx, raw); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("ana's token after disabling: %v", err)
	}
	h.NewClient(t).Login("ana@example.org", consoletest.Password, http.StatusUnauthorized)
	if page := admin.Get("/console/users/" + ana.ID + "?lang=en&done=users_done_disabled"); !strings.Contains(page.Body, "Account disabled") ||
		!strings.Contains(page.Body, "/enable") || strings.Contains(page.Body, "/disable\"") || strings.Contains(page.Body, "/reset") {
		t.Errorf("the page of a disabled account:\n%s", page.Body)
	}
	// A new link would be refused by the invitation page, so none is made.
	if r := admin.Post("/console/users/"+ana.ID+"/reset", nil); r.Status != http.StatusConflict {
		t.Errorf("reset of a disabled account: %d", r.Status)
	}

	if r := admin.Post("/console/users/"+ana.ID+"/enable", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", r.Status)
	}
	h.NewClient(t).Login("ana@example.org", consoletest.Password, http.StatusSeeOther)
	if _, _, err := h.Access.TokenUser(ctx, raw); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("ana's token after enabling again: %v", err)
	}
	if r := anaBrowser.Get("/console"); r.Status != http.StatusSeeOther {
		t.Errorf("ana's old session after enabling again: %d", r.Status)
	}
	if got := actions(h); !slices.Equal(got, []string{"token.create", "user.disable", "user.enable"}) {
		t.Errorf("audited %v", got)
	}
	for _, e := range h.Audit.Entries()[1:] {
		if e.Target != "ana@example.org" || e.Email != "root@example.org" || e.Address == "" {
			t.Errorf("entry %+v", e)
		}
	}
	noSecret(t, h, raw)
}

func TestAnAdminCannotDisableThemself(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	h.AddUser(t, "other.admin@example.org", access.Admin)
	root := user(t, h, "root@example.org")
	if page := admin.Get("/console/users/" + root.ID + "?lang=en"); strings.Contains(page.Body, "/disable") || !strings.Contains(page.Body, "you cannot disable it yourself") {
		t.Errorf("one's own page offers to disable it:\n%s", page.Body)
	}
	if r := admin.Post("/console/users/"+root.ID+"/disable?lang=en", nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "ask another admin") {
		t.Errorf("self-disable: %d\n%s", r.Status, r.Body)
	}
	if user(t, h, "root@example.org").Disabled {
		t.Error("the admin disabled themself")
	}
	if r := admin.Get("/console/users"); r.Status != http.StatusOK {
		t.Errorf("after refusing: %d", r.Status)
	}
	if got := actions(h); len(got) != 0 {
		t.Errorf("audited %v", got)
	}
}

func TestTheLastEnabledAdminStaysAdmin(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	root := user(t, h, "root@example.org")
	demote := url.Values{"role": {"coordinator"}, "scope": {"all"}}
	if r := admin.Post("/console/users/"+root.ID+"?lang=en", demote); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "At least one enabled admin must remain") {
		t.Errorf("the only admin steps down: %d\n%s", r.Status, r.Body)
	}
	// A disabled admin does not count.
	other := h.AddUser(t, "other.admin@example.org", access.Admin)
	if _, err := h.Access.SetDisabled(context.Background(), other.Email, true); err != nil {
		t.Fatal(err)
	}
	if r := admin.Post("/console/users/"+root.ID, demote); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the only enabled admin steps down: %d", r.Status)
	}
	if u := user(t, h, "root@example.org"); u.Role != access.Admin {
		t.Fatalf("root became %s", u.Role)
	}
	if got := actions(h); len(got) != 0 {
		t.Errorf("refusals audited: %v", got)
	}
	// With another enabled admin, root may step down, and loses the users pages at once.
	if r := admin.Post("/console/users/"+other.ID+"/enable", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", r.Status)
	}
	if r := admin.Post("/console/users/"+root.ID, demote); r.Status != http.StatusSeeOther || r.Location != "/console/account?done=users_done_updated" {
		t.Fatalf("one of two admins steps down: %d to %q", r.Status, r.Location)
	}
	if r := admin.Get("/console/users"); r.Status != http.StatusForbidden {
		t.Errorf("a former admin on the users page: %d", r.Status)
	}
	if got := actions(h); !slices.Equal(got, []string{"user.enable", "user.update"}) {
		t.Errorf("audited %v", got)
	}
}

func TestAdminChangesRoleAndSurveys(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	ana := h.AddUser(t, "ana@example.org", access.Coordinator)
	gone := h.AddUser(t, "gone@example.org", access.Coordinator, "retired")
	path := "/console/users/" + ana.ID

	if r := admin.Post(path, url.Values{"role": {"coordinator"}, "scope": {"some"}, "survey": {"feedback"}}); r.Status != http.StatusSeeOther ||
		r.Location != path+"?done=users_done_updated" {
		t.Fatalf("limit to feedback: %d to %q", r.Status, r.Location)
	}
	if u := user(t, h, ana.Email); !slices.Equal(u.Surveys, []string{"feedback"}) || u.Role != access.Coordinator {
		t.Errorf("after limiting: %+v", u)
	}
	if page := admin.Get(path + "?lang=en&done=users_done_updated"); !strings.Contains(page.Body, "Changes saved.") ||
		!strings.Contains(page.Body, `value="feedback" checked`) || strings.Contains(page.Body, `value="other" checked`) {
		t.Errorf("the page after saving:\n%s", page.Body)
	}
	// Saving what is already there records nothing.
	if r := admin.Post(path, url.Values{"role": {"coordinator"}, "scope": {"some"}, "survey": {"feedback"}}); r.Status != http.StatusSeeOther {
		t.Errorf("saving unchanged: %d", r.Status)
	}
	// An admin has no survey list, whatever was ticked.
	if r := admin.Post(path, url.Values{"role": {"admin"}, "scope": {"some"}, "survey": {"other"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("make admin: %d", r.Status)
	}
	if u := user(t, h, ana.Email); u.Role != access.Admin || u.Surveys != nil {
		t.Errorf("after making admin: %+v", u)
	}
	// A forged survey id is refused; an id the account already has, gone from the catalog, is kept.
	if r := admin.Post(path, url.Values{"role": {"coordinator"}, "scope": {"some"}, "survey": {"bogus"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("forged survey: %d", r.Status)
	}
	gonePath := "/console/users/" + gone.ID
	if page := admin.Get(gonePath + "?lang=en"); !strings.Contains(page.Body, `value="retired" checked`) || !strings.Contains(page.Body, "not in the catalogue") {
		t.Errorf("a survey gone from the catalog is not shown:\n%s", page.Body)
	}
	if r := admin.Post(gonePath, url.Values{"role": {"coordinator"}, "scope": {"some"}, "survey": {"retired", "other"}}); r.Status != http.StatusSeeOther {
		t.Errorf("keeping a retired survey: %d", r.Status)
	}
	if u := user(t, h, gone.Email); !slices.Equal(u.Surveys, []string{"other", "retired"}) {
		t.Errorf("after keeping: %+v", u.Surveys)
	}
	if r := admin.Post("/console/users/no-such-id", url.Values{"role": {"admin"}}); r.Status != http.StatusNotFound {
		t.Errorf("unknown account: %d", r.Status)
	}
	var details []string
	for _, e := range h.Audit.Entries() {
		if e.Action != "user.update" {
			t.Errorf("entry %+v", e)
		}
		details = append(details, e.Target+": "+e.Detail)
	}
	want := []string{"ana@example.org: coordinator of every survey → coordinator of feedback",
		"ana@example.org: coordinator of feedback → admin",
		"gone@example.org: coordinator of retired → coordinator of other, retired"}
	if !slices.Equal(details, want) {
		t.Errorf("audited\n%q\nwant\n%q", details, want)
	}
}

func TestResetGivesANewLinkAndKeepsThePasswordUntilItIsUsed(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	anaBrowser := h.SignIn(t, "ana@example.org", access.Coordinator)
	ana := user(t, h, "ana@example.org")
	r := admin.Post("/console/users/"+ana.ID+"/reset?lang=en", nil)
	m := linkField.FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil || !strings.Contains(r.Body, "current password keeps working") {
		t.Fatalf("reset: %d\n%s", r.Status, r.Body)
	}
	token := strings.TrimPrefix(html.UnescapeString(m[1]), h.Server.URL+"/console/invite/")
	// Until the link is used, the old password and the open session still work.
	h.NewClient(t).Login("ana@example.org", consoletest.Password, http.StatusSeeOther)
	if r := anaBrowser.Get("/console"); r.Status != http.StatusOK {
		t.Errorf("ana's session after the reset: %d", r.Status)
	}
	c := h.NewClient(t)
	c.Get("/console/invite/" + token)
	if r := c.Post("/console/invite/"+token, url.Values{"password": {"a brand new password"}, "password_again": {"a brand new password"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("using the link: %d", r.Status)
	}
	h.NewClient(t).Login("ana@example.org", consoletest.Password, http.StatusUnauthorized)
	h.NewClient(t).Login("ana@example.org", "a brand new password", http.StatusSeeOther)
	if r := anaBrowser.Get("/console"); r.Status != http.StatusSeeOther {
		t.Errorf("ana's old session after the new password: %d", r.Status)
	}
	// A second reset replaces the first link.
	r1 := admin.Post("/console/users/"+ana.ID+"/reset", nil)
	r2 := admin.Post("/console/users/"+ana.ID+"/reset", nil)
	first := strings.TrimPrefix(html.UnescapeString(linkField.FindStringSubmatch(r1.Body)[1]), h.Server.URL)
	if r := h.NewClient(t).Get(first); r.Status != http.StatusGone {
		t.Errorf("a replaced link: %d", r.Status)
	}
	second := strings.TrimPrefix(html.UnescapeString(linkField.FindStringSubmatch(r2.Body)[1]), h.Server.URL)
	if r := h.NewClient(t).Get(second); r.Status != http.StatusOK {
		t.Errorf("the newest link: %d", r.Status)
	}
	if got := actions(h); !slices.Equal(got, []string{"user.reset", "user.set_password", "user.reset", "user.reset"}) {
		t.Errorf("audited %v", got)
	}
	noSecret(t, h, token, first[len("/console/invite/"):], second[len("/console/invite/"):], "a brand new password")
}

func TestAdminEndsAPersonsSessions(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	anaBrowser := h.SignIn(t, "ana@example.org", access.Coordinator)
	ana := user(t, h, "ana@example.org")
	if r := admin.Post("/console/users/"+ana.ID+"/sessions/revoke", nil); r.Status != http.StatusSeeOther ||
		r.Location != "/console/users/"+ana.ID+"?done=users_done_sessions" {
		t.Fatalf("revoke: %d to %q", r.Status, r.Location)
	}
	if r := anaBrowser.Get("/console"); r.Status != http.StatusSeeOther {
		t.Errorf("ana's session: %d", r.Status)
	}
	if r := admin.Get("/console/users"); r.Status != http.StatusOK {
		t.Errorf("the admin's own session: %d", r.Status)
	}
	h.NewClient(t).Login("ana@example.org", consoletest.Password, http.StatusSeeOther)
	// On one's own account, it signs one out.
	root := user(t, h, "root@example.org")
	if r := admin.Post("/console/users/"+root.ID+"/sessions/revoke", nil); r.Status != http.StatusSeeOther || r.Location != "/console/login?out=1" {
		t.Errorf("revoking one's own sessions: %d to %q", r.Status, r.Location)
	}
	if r := admin.Get("/console/users"); r.Status != http.StatusSeeOther {
		t.Errorf("the admin's session after revoking their own: %d", r.Status)
	}
	want := []audit.Entry{{Action: "user.sessions_revoke", Target: "ana@example.org"}, {Action: "user.sessions_revoke", Target: "root@example.org"}}
	got := h.Audit.Entries()
	if len(got) != 2 {
		t.Fatalf("audited %+v", got)
	}
	for i := range want {
		if got[i].Action != want[i].Action || got[i].Target != want[i].Target || got[i].Email != "root@example.org" {
			t.Errorf("entry %d: %+v", i, got[i])
		}
	}
}

// TestNothingChangesUnrecorded: when the audit log cannot be written, the change is refused.
func TestNothingChangesUnrecorded(t *testing.T) {
	h := harness(t, "")
	admin := h.SignIn(t, "root@example.org", access.Admin)
	ana := h.AddUser(t, "ana@example.org", access.Coordinator)
	h.Audit.Err = errors.New("audit table unreachable")
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/console/users", url.Values{"email": {"new@example.org"}, "role": {"admin"}}},
		{"/console/users/" + ana.ID, url.Values{"role": {"admin"}}},
		{"/console/users/" + ana.ID + "/disable", nil},
		{"/console/users/" + ana.ID + "/reset", nil},
		{"/console/users/" + ana.ID + "/sessions/revoke", nil},
	} {
		r := admin.Post(p.path, p.form)
		if r.Status < 500 || linkField.MatchString(r.Body) {
			t.Errorf("POST %s with the audit down: %d", p.path, r.Status)
		}
	}
	if _, err := h.Access.User(context.Background(), "new@example.org"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("added unrecorded: %v", err)
	}
	if u := user(t, h, ana.Email); u.Role != access.Coordinator || u.Disabled {
		t.Errorf("changed unrecorded: %+v", u)
	}
}
