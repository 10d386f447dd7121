package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
	"github.com/palabre/palabre/survey/access/gate"
	"github.com/palabre/palabre/survey/audit"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// testAccounts are the users the tests' requests identify as, in an in-memory store.
type testAccounts struct {
	gate *gate.Gate
	// all: a coordinator of every survey; mine: of partners-meeting only (the survey of the
	// test catalog); other: of family-support only; revoked: a token revoked; disabled: a
	// token of a user disabled since.
	all, mine, other, revoked, disabled string
	// mineID is the id of mine's account; session is mine's session id (the console's cookie).
	mineID, session string
}

const sharedToken = "s3cret-shared"

var accounts = sync.OnceValue(func() testAccounts {
	ctx := context.Background()
	svc := accesstest.NewService()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	token := func(email string, surveys ...string) (access.User, string, string) {
		return accesstest.Coordinator(svc, email, surveys...)
	}
	var a testAccounts
	_, a.all, _ = token("all@example.org")
	mine, raw, _ := token("mine@example.org", "partners-meeting")
	a.mine, a.mineID = raw, mine.ID
	sess, _, err := svc.StartSession(ctx, mine, "")
	must(err)
	a.session = sess
	_, a.other, _ = token("other@example.org", "family-support")
	rev, revoked, id := token("revoked@example.org")
	a.revoked = revoked
	must(svc.RevokeToken(ctx, rev.ID, id))
	_, a.disabled, _ = token("disabled@example.org")
	_, err = svc.SetDisabled(ctx, "disabled@example.org", true)
	must(err)
	a.gate, err = gate.New(gate.Config{Access: svc, SharedToken: sharedToken, Log: slog.New(slog.DiscardHandler)})
	must(err)
	return a
})

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// TestWorkbookPerSurvey: the workbook of a survey goes to who may work on it; another
// survey's coordinator gets 403, and a credential that does not work 401.
func TestWorkbookPerSurvey(t *testing.T) {
	r, _ := server(t)
	a := accounts()
	for _, tt := range []struct {
		name   string
		header []string
		status int
	}{
		{"its coordinator", bearer(a.mine), 200},
		{"every survey's coordinator", bearer(a.all), 200},
		{"its coordinator's session", []string{"Cookie", a.session}, 200},
		{"the shared token", bearer(sharedToken), 200},
		{"another survey's coordinator", bearer(a.other), 403},
		{"revoked token", bearer(a.revoked), 401},
		{"disabled user", bearer(a.disabled), 401},
		{"no credential", nil, 401},
	} {
		w := get(r, base+"?lang=en", append(tt.header, "Accept-Language", "fr")...)
		if w.Code != tt.status {
			t.Errorf("%s: %d %.200s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.status == http.StatusForbidden && !strings.Contains(w.Body.String(), "Your account has no access to survey “partners-meeting”.") {
			t.Errorf("%s: %s", tt.name, w.Body)
		}
	}
}

// recorder is an audit log in memory that can be made to fail.
type recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
	fail    bool
}

func (r *recorder) Record(_ context.Context, e audit.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("audit log unreachable")
	}
	r.entries = append(r.entries, e)
	return nil
}

func (r *recorder) actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.entries {
		out = append(out, e.Action+" "+e.Email)
	}
	return out
}

func dashboardsServer(t *testing.T, rec audit.Recorder) (*gin.Engine, *publish.Store) {
	t.Helper()
	dir := t.TempDir()
	keys, err := links.OpenKeyring(filepath.Join(dir, "keys", "links.json"))
	if err != nil {
		t.Fatal(err)
	}
	data := analyticstest.NewStore(analyticstest.Responses(3, 40)...)
	b := reports.NewBuilder(analyticstest.Catalog(), analytics.NewService(analyticstest.Catalog(), data, 5), "test")
	store, err := publish.Open(filepath.Join(dir, "publications"), keys, b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := web.NewDashboards(web.DashboardsConfig{Store: store, Gate: accounts().gate, Audit: rec,
		Now: func() time.Time { return time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	d.RegisterAPI(r)
	d.RegisterPages(r)
	return r, store
}

func send(r http.Handler, method, url, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.RemoteAddr = "198.51.100.4:5000"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Cookie" {
			req.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: header[i+1]})
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

const publishURL = "/api/v1/surveys/partners-meeting/dashboards"

type listed struct {
	Dashboards []struct {
		ID      string    `json:"id"`
		Revoked time.Time `json:"revoked"`
	} `json:"dashboards"`
}

func list(t *testing.T, r http.Handler, header ...string) listed {
	t.Helper()
	w := send(r, "GET", "/api/v1/dashboards", "", header...)
	var l listed
	if err := json.Unmarshal(w.Body.Bytes(), &l); w.Code != 200 || err != nil {
		t.Fatalf("list: %d %s (%v)", w.Code, w.Body, err)
	}
	return l
}

// TestDashboardsAPIPerSurvey: a survey's coordinator publishes, lists, refreshes and revokes
// its dashboards with a token; another survey's coordinator sees none and may touch none; the
// console's session lists but changes nothing; every change is recorded, with who and from
// where.
func TestDashboardsAPIPerSurvey(t *testing.T) {
	rec := &recorder{}
	r, _ := dashboardsServer(t, rec)
	a := accounts()

	// Nobody, and the console's session, cannot publish: 401.
	for name, header := range map[string][]string{"no credential": nil, "session": {"Cookie", a.session},
		"revoked token": bearer(a.revoked), "disabled user": bearer(a.disabled)} {
		if w := send(r, "POST", publishURL, `{"lang":"en"}`, header...); w.Code != http.StatusUnauthorized ||
			w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("publishing, %s: %d %s", name, w.Code, w.Body)
		}
	}
	if w := send(r, "POST", publishURL, `{"lang":"en"}`, bearer(a.other)...); w.Code != http.StatusForbidden {
		t.Errorf("publishing, another survey's coordinator: %d %s", w.Code, w.Body)
	}
	w := send(r, "POST", publishURL, `{"lang":"en","expires":"30d"}`, bearer(a.mine)...)
	var created struct{ ID, URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &created); w.Code != http.StatusCreated || err != nil || created.ID == "" {
		t.Fatalf("publishing, its coordinator: %d %s", w.Code, w.Body)
	}
	if w := send(r, "POST", publishURL, `{"lang":"fr"}`, bearer(sharedToken)...); w.Code != http.StatusCreated {
		t.Errorf("publishing, the shared token: %d %s", w.Code, w.Body)
	}

	// Listing: the surveys one may work on only.
	if l := list(t, r, bearer(a.mine)...); len(l.Dashboards) != 2 {
		t.Errorf("its coordinator lists %d dashboards, want 2", len(l.Dashboards))
	}
	if l := list(t, r, "Cookie", a.session); len(l.Dashboards) != 2 {
		t.Errorf("its coordinator's session lists %d dashboards, want 2", len(l.Dashboards))
	}
	if l := list(t, r, bearer(a.other)...); len(l.Dashboards) != 0 {
		t.Errorf("another survey's coordinator lists %d dashboards, want none", len(l.Dashboards))
	}
	if w := send(r, "GET", "/api/v1/dashboards", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("listing without credentials: %d", w.Code)
	}

	// Refreshing and revoking: its coordinator with a token only.
	for _, m := range []struct{ method, url string }{{"POST", "/api/v1/dashboards/" + created.ID + "/refresh"}, {"DELETE", "/api/v1/dashboards/" + created.ID}} {
		if w := send(r, m.method, m.url, "", bearer(a.other)...); w.Code != http.StatusForbidden ||
			!strings.Contains(w.Body.String(), "partners-meeting") {
			t.Errorf("%s %s, another survey's coordinator: %d %s", m.method, m.url, w.Code, w.Body)
		}
		if w := send(r, m.method, m.url, "", "Cookie", a.session); w.Code != http.StatusUnauthorized {
			t.Errorf("%s %s, the session: %d %s", m.method, m.url, w.Code, w.Body)
		}
		if w := send(r, m.method, m.url, ""); w.Code != http.StatusUnauthorized {
			t.Errorf("%s %s, nobody: %d %s", m.method, m.url, w.Code, w.Body)
		}
	}
	if w := send(r, "DELETE", "/api/v1/dashboards/nope", "", bearer(a.mine)...); w.Code != http.StatusNotFound {
		t.Errorf("revoking an unknown dashboard: %d", w.Code)
	}
	if l := list(t, r, bearer(a.mine)...); slices.ContainsFunc(l.Dashboards, func(d struct {
		ID      string    `json:"id"`
		Revoked time.Time `json:"revoked"`
	}) bool {
		return !d.Revoked.IsZero()
	}) {
		t.Fatal("a refused revocation revoked")
	}
	if w := send(r, "POST", "/api/v1/dashboards/"+created.ID+"/refresh", "", bearer(a.mine)...); w.Code != http.StatusOK {
		t.Errorf("refreshing, its coordinator: %d %s", w.Code, w.Body)
	}
	if w := send(r, "DELETE", "/api/v1/dashboards/"+created.ID, "", bearer(a.mine)...); w.Code != http.StatusNoContent {
		t.Errorf("revoking, its coordinator: %d %s", w.Code, w.Body)
	}
	if w := send(r, "GET", strings.TrimPrefix(created.URL, "http://example.com"), ""); w.Code != http.StatusGone {
		t.Errorf("the revoked link: %d", w.Code)
	}

	want := []string{"dashboard.publish mine@example.org", "dashboard.publish ", "dashboard.refresh mine@example.org",
		"dashboard.revoke mine@example.org"}
	if got := rec.actions(); !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
	e := rec.entries[0]
	if e.UserID != a.mineID || e.Survey != "partners-meeting" || e.Target != created.ID || e.Address != "198.51.100.4" ||
		e.Request == "" || !e.At.Equal(time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)) || strings.Contains(e.Detail, "/d/") {
		t.Errorf("publication's entry %+v", e)
	}
	if e := rec.entries[1]; e.UserID != "" || !strings.Contains(e.Detail, "shared coordinator token") {
		t.Errorf("the shared token's entry %+v", e)
	}
}

// TestDashboardsAPIUnrecorded: with the audit log away, nothing changes: a publication made
// is revoked at once, and a revocation is refused.
func TestDashboardsAPIUnrecorded(t *testing.T) {
	rec := &recorder{}
	r, _ := dashboardsServer(t, rec)
	a := accounts()
	w := send(r, "POST", publishURL, `{"lang":"en"}`, bearer(a.mine)...)
	var created struct{ ID string }
	if err := json.Unmarshal(w.Body.Bytes(), &created); w.Code != http.StatusCreated || err != nil {
		t.Fatalf("publishing: %d %s", w.Code, w.Body)
	}
	rec.fail = true
	if w := send(r, "POST", publishURL, `{"lang":"es"}`, append(bearer(a.mine), "Accept-Language", "en")...); w.Code != http.StatusServiceUnavailable ||
		!strings.Contains(w.Body.String(), "could not be written to the audit log") {
		t.Errorf("publishing unrecorded: %d %s", w.Code, w.Body)
	}
	if w := send(r, "DELETE", "/api/v1/dashboards/"+created.ID, "", bearer(a.mine)...); w.Code != http.StatusServiceUnavailable {
		t.Errorf("revoking unrecorded: %d %s", w.Code, w.Body)
	}
	if w := send(r, "POST", "/api/v1/dashboards/"+created.ID+"/refresh", "", bearer(a.mine)...); w.Code != http.StatusServiceUnavailable {
		t.Errorf("refreshing unrecorded: %d %s", w.Code, w.Body)
	}
	l := list(t, r, bearer(a.mine)...)
	live := 0
	for _, d := range l.Dashboards {
		if d.Revoked.IsZero() {
			live++
			if d.ID != created.ID {
				t.Errorf("the unrecorded publication %s is live", d.ID)
			}
		}
	}
	if len(l.Dashboards) != 2 || live != 1 {
		t.Errorf("%d dashboards, %d live; want the recorded one live and the unrecorded one revoked", len(l.Dashboards), live)
	}
}
