package gate_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
	"github.com/palabre/palabre/survey/access/gate"
	surveyweb "github.com/palabre/palabre/survey/web"
)

var cheap = accesstest.CheapParams

const shared = "s3cret-shared"

// world is a Gate over an in-memory store with: ana, a coordinator of survey "a" only, with a
// token and a session; bob, an admin, with a token that was revoked; carl, disabled after
// his token was made.
type world struct {
	svc                            *access.Service
	store                          *accesstest.Memory
	ana                            access.User
	anaToken, anaTokenID, anaSess  string
	bobRevoked, carlToken, bobSess string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{store: accesstest.NewMemory()}
	w.svc = access.New(w.store, access.WithParams(cheap))
	add := func(email string, role access.Role, surveys ...string) access.User {
		u, _, err := w.svc.AddUser(ctx, access.NewUser{Email: email, Role: role, Surveys: surveys})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	token := func(u access.User) (string, access.Token) {
		raw, tk, err := w.svc.CreateToken(ctx, u, "test")
		if err != nil {
			t.Fatal(err)
		}
		return raw, tk
	}
	session := func(u access.User) string {
		id, _, err := w.svc.StartSession(ctx, u, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.ana = add("ana@example.org", access.Coordinator, "a")
	var tk access.Token
	w.anaToken, tk = token(w.ana)
	w.anaTokenID, w.anaSess = tk.ID, session(w.ana)
	bob := add("bob@example.org", access.Admin)
	w.bobRevoked, tk = token(bob)
	if err := w.svc.RevokeToken(ctx, bob.ID, tk.ID); err != nil {
		t.Fatal(err)
	}
	w.bobSess = session(bob)
	if err := w.svc.EndSession(ctx, w.bobSess); err != nil {
		t.Fatal(err)
	}
	carl := add("carl@example.org", access.Coordinator)
	w.carlToken, _ = token(carl)
	if _, err := w.svc.SetDisabled(ctx, "carl@example.org", true); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) gate(t *testing.T, cfg gate.Config) *gate.Gate {
	t.Helper()
	if cfg.Access == nil {
		cfg.Access = w.svc
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	g, err := gate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func request(method, auth, cookie string) *http.Request {
	r := httptest.NewRequest(method, "/api/v1/surveys/a/analytics", nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: cookie})
	}
	return r
}

// TestIdentify covers each way a request identifies itself, and each way a credential fails.
func TestIdentify(t *testing.T) {
	w := newWorld(t)
	g := w.gate(t, gate.Config{SharedToken: shared})
	tests := []struct {
		name, method, auth, cookie string
		want                       gate.Method
		email                      string
		ignored                    bool
		refused                    bool
	}{
		{name: "nothing", method: "GET"},
		{name: "personal token", method: "POST", auth: "Bearer " + w.anaToken, want: gate.Token, email: "ana@example.org"},
		{name: "scheme in lower case", method: "GET", auth: "bearer " + w.anaToken, want: gate.Token, email: "ana@example.org"},
		{name: "revoked token", method: "GET", auth: "Bearer " + w.bobRevoked, refused: true},
		{name: "token of a disabled user", method: "GET", auth: "Bearer " + w.carlToken, refused: true},
		{name: "unknown token", method: "GET", auth: "Bearer plb_" + strings.Repeat("x", 43), refused: true},
		{name: "token cut short", method: "GET", auth: "Bearer " + w.anaToken[:len(w.anaToken)-1], refused: true},
		{name: "token and more", method: "GET", auth: "Bearer " + w.anaToken + "x", refused: true},
		{name: "empty bearer", method: "GET", auth: "Bearer ", refused: true},
		{name: "another scheme", method: "GET", auth: "Basic YW5hOnB3", refused: true},
		{name: "token without scheme", method: "GET", auth: w.anaToken, refused: true},
		{name: "shared token", method: "DELETE", auth: "Bearer " + shared, want: gate.SharedToken},
		{name: "shared token's prefix", method: "GET", auth: "Bearer " + shared[:len(shared)-1], refused: true},
		{name: "shared token and more", method: "GET", auth: "Bearer " + shared + "x", refused: true},
		{name: "shared token in upper case", method: "GET", auth: "Bearer " + strings.ToUpper(shared), refused: true},
		{name: "session on GET", method: "GET", cookie: w.anaSess, want: gate.Session, email: "ana@example.org"},
		{name: "session on HEAD", method: "HEAD", cookie: w.anaSess, want: gate.Session, email: "ana@example.org"},
		{name: "session on POST", method: "POST", cookie: w.anaSess, ignored: true},
		{name: "session on DELETE", method: "DELETE", cookie: w.anaSess, ignored: true},
		{name: "session on PUT", method: "PUT", cookie: w.anaSess, ignored: true},
		{name: "revoked session", method: "GET", cookie: w.bobSess, refused: true},
		{name: "unknown session", method: "GET", cookie: strings.Repeat("y", 43), refused: true},
		{name: "garbage session", method: "GET", cookie: "nope", refused: true},
		{name: "a token wins over a session", method: "GET", auth: "Bearer " + w.bobRevoked, cookie: w.anaSess, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := g.Identify(request(tt.method, tt.auth, tt.cookie))
			if tt.refused {
				if !errors.Is(err, access.ErrUnauthorized) || !id.Anonymous() {
					t.Fatalf("identity %+v, %v; want ErrUnauthorized", id, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.Method != tt.want || id.User.Email != tt.email || id.SessionIgnored != tt.ignored || id.User.PasswordHash != "" {
				t.Errorf("identity %+v; want method %q, user %q, session ignored %v", id, tt.want, tt.email, tt.ignored)
			}
		})
	}
	id, _ := g.Identify(request("GET", "Bearer "+w.anaToken, ""))
	if id.TokenID != w.anaTokenID || !id.May("a") || id.May("b") {
		t.Errorf("ana's token: %+v, may a %v, may b %v; want her token's id, a only", id, id.May("a"), id.May("b"))
	}
	id, _ = g.Identify(request("GET", "Bearer "+shared, ""))
	if id.User.Role != access.Coordinator || id.User.ID != "" || !id.May("a") || !id.May("b") {
		t.Errorf("the shared token: %+v; want a coordinator of every survey without an account", id)
	}
	if id, _ := g.Identify(request("GET", "", "")); id.May("a") {
		t.Error("an anonymous request may work on a survey")
	}

	// Without a shared token configured, nothing opens with one.
	noShared := w.gate(t, gate.Config{})
	for _, auth := range []string{"Bearer " + shared, "Bearer ", "Bearer x"} {
		if _, err := noShared.Identify(request("GET", auth, "")); !errors.Is(err, access.ErrUnauthorized) {
			t.Errorf("%q without a shared token: %v", auth, err)
		}
	}
}

func serve(g *gate.Gate, survey string, seen func(gate.Identity, gate.Identity)) http.Handler {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	handler := func(c *gin.Context) {
		id, ok := g.Require(c, survey, msgAnonymous)
		if !ok {
			return
		}
		fromCtx, _ := gate.FromContext(c.Request.Context())
		seen(id, fromCtx)
		c.String(http.StatusOK, id.User.Email)
	}
	r.GET("/x", handler)
	r.POST("/x", handler)
	r.DELETE("/x", handler)
	return r
}

var msgAnonymous = surveyPhrase()

func do(h http.Handler, method, auth, cookie, lang string) (*httptest.ResponseRecorder, surveyweb.ErrorBody) {
	r := httptest.NewRequest(method, "/x", nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: cookie})
	}
	r.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body surveyweb.ErrorBody
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w, body
}

// TestRequire answers as the API routes do: 401 (with WWW-Authenticate) without a working
// credential, 403 in the reader's language on a survey the user may not see, and the identity
// in both contexts otherwise.
func TestRequire(t *testing.T) {
	w := newWorld(t)
	g := w.gate(t, gate.Config{SharedToken: shared})
	var got, fromCtx gate.Identity
	seen := func(a, b gate.Identity) { got, fromCtx = a, b }
	onA, onB := serve(g, "a", seen), serve(g, "b", seen)

	rec, _ := do(onA, "GET", "Bearer "+w.anaToken, "", "en")
	if rec.Code != 200 || rec.Body.String() != "ana@example.org" || got.User.ID != w.ana.ID || fromCtx.User.ID != w.ana.ID {
		t.Errorf("ana on a: %d %s, identity %+v, in the request's context %+v", rec.Code, rec.Body, got, fromCtx)
	}
	for lang, want := range map[string]string{
		"fr": "Votre compte n'a pas accès à l'enquête « b ». Demandez-le à un administrateur.",
		"en": "Your account has no access to survey “b”. Ask an administrator for it.",
		"es": "Su cuenta no tiene acceso a la encuesta «b». Pídalo a un administrador.",
	} {
		rec, body := do(onB, "GET", "Bearer "+w.anaToken, "", lang)
		if rec.Code != http.StatusForbidden || body.Error.Code != "forbidden" || body.Error.Message != want {
			t.Errorf("ana on b in %s: %d %s", lang, rec.Code, rec.Body)
		}
	}
	if rec, _ := do(onB, "GET", "", w.anaSess, "en"); rec.Code != http.StatusForbidden {
		t.Errorf("ana's session on b: %d", rec.Code)
	}
	if rec, _ := do(onA, "GET", "", w.anaSess, "en"); rec.Code != 200 || got.Method != gate.Session {
		t.Errorf("ana's session on a: %d, %+v", rec.Code, got)
	}
	if rec, _ := do(onB, "DELETE", "Bearer "+shared, "", "en"); rec.Code != 200 || got.Method != gate.SharedToken {
		t.Errorf("the shared token on b: %d, %+v", rec.Code, got)
	}

	for _, tt := range []struct {
		name, method, auth, cookie, message string
	}{
		{"nothing", "GET", "", "", "For coordinators only."},
		{"revoked token", "GET", "Bearer " + w.bobRevoked, "", "Credentials refused: the API token is unknown or revoked, the session has ended, or the account is disabled. Create a new token or sign in again."},
		{"disabled user", "DELETE", "Bearer " + w.carlToken, "", "Credentials refused: the API token is unknown or revoked, the session has ended, or the account is disabled. Create a new token or sign in again."},
		{"revoked session", "GET", "", w.bobSess, "Credentials refused: the API token is unknown or revoked, the session has ended, or the account is disabled. Create a new token or sign in again."},
		{"session on POST", "POST", "", w.anaSess, "Changes through the API need a personal API token (Authorization: Bearer plb_…); the console's session only allows reading."},
		{"session on DELETE", "DELETE", "", w.anaSess, "Changes through the API need a personal API token (Authorization: Bearer plb_…); the console's session only allows reading."},
	} {
		rec, body := do(onA, tt.method, tt.auth, tt.cookie, "en")
		if rec.Code != http.StatusUnauthorized || body.Error.Code != "unauthorized" || body.Error.Message != tt.message {
			t.Errorf("%s: %d %s", tt.name, rec.Code, rec.Body)
		}
		if h := rec.Header().Get("WWW-Authenticate"); h != `Bearer realm="palabre"` {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, h)
		}
	}

	// Require with no survey asks for someone, anyone.
	anySurvey := serve(g, "", seen)
	if rec, _ := do(anySurvey, "GET", "Bearer "+w.anaToken, "", "en"); rec.Code != 200 {
		t.Errorf("ana, no survey: %d", rec.Code)
	}
	if rec, _ := do(anySurvey, "GET", "", "", "en"); rec.Code != 401 {
		t.Errorf("nobody, no survey: %d", rec.Code)
	}

	// A nil Gate lets nobody in.
	var none *gate.Gate
	closed := serve(none, "a", seen)
	for _, auth := range []string{"", "Bearer " + w.anaToken, "Bearer " + shared} {
		if rec, _ := do(closed, "GET", auth, "", "en"); rec.Code != http.StatusUnauthorized {
			t.Errorf("nil gate, %q: %d", auth, rec.Code)
		}
	}
}

// TestResolveOnce: Resolve as middleware identifies once; Require after it looks nothing up
// again; a bad credential stops the request before the handler.
func TestResolveOnce(t *testing.T) {
	w := newWorld(t)
	counting := &countingTokens{Memory: w.store}
	g := w.gate(t, gate.Config{Access: access.New(counting, access.WithParams(cheap))})
	gin.SetMode(gin.TestMode)
	r := gin.New()
	reached := false
	r.GET("/x", g.Resolve, func(c *gin.Context) {
		reached = true
		id, _ := gate.Current(c)
		if _, ok := g.Require(c, "a", msgAnonymous); ok {
			c.String(200, id.User.Email)
		}
	})
	rec, _ := do(r, "GET", "Bearer "+w.anaToken, "", "en")
	if rec.Code != 200 || rec.Body.String() != "ana@example.org" || counting.lookups() != 1 {
		t.Errorf("%d %s after %d lookups; want 200 after 1", rec.Code, rec.Body, counting.lookups())
	}
	reached = false
	if rec, _ := do(r, "GET", "Bearer "+w.bobRevoked, "", "en"); rec.Code != 401 || reached {
		t.Errorf("revoked token through Resolve: %d, handler reached %v", rec.Code, reached)
	}
	if rec, _ := do(r, "GET", "", "", "en"); rec.Code != 401 || !reached {
		t.Errorf("anonymous through Resolve: %d, handler reached %v (Resolve lets it on, Require stops it)", rec.Code, reached)
	}
}

type countingTokens struct {
	*accesstest.Memory
	mu sync.Mutex
	n  int
}

func (c *countingTokens) TokenByHash(ctx context.Context, hash string) (access.Token, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Memory.TokenByHash(ctx, hash)
}

func (c *countingTokens) lookups() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// failingStore is a database that does not answer.
type failingStore struct{ *accesstest.Memory }

func (failingStore) TokenByHash(context.Context, string) (access.Token, error) {
	return access.Token{}, errors.New("connection refused")
}

// TestStoreDown: a credential that cannot be checked is 503, not 401 and not anonymous; the
// shared token, which needs no database, still works.
func TestStoreDown(t *testing.T) {
	w := newWorld(t)
	g := w.gate(t, gate.Config{Access: access.New(failingStore{w.store}, access.WithParams(cheap)), SharedToken: shared})
	h := serve(g, "a", func(gate.Identity, gate.Identity) {})
	rec, body := do(h, "GET", "Bearer "+w.anaToken, "", "en")
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "refused") ||
		body.Error.Message != "Accounts cannot be checked at the moment. Please try again shortly." || rec.Header().Get("Retry-After") == "" {
		t.Errorf("store down: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := do(h, "GET", "Bearer "+shared, "", "en"); rec.Code != 200 {
		t.Errorf("the shared token, store down: %d", rec.Code)
	}
}

// TestSharedTokenDeprecation: a warning at start, then at most one an hour while the token is
// used; every use counted.
func TestSharedTokenDeprecation(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	log := slog.New(handlerFunc(func(r slog.Record) {
		mu.Lock()
		logged = append(logged, r.Level.String()+" "+r.Message)
		mu.Unlock()
	}))
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	w := newWorld(t)
	g := w.gate(t, gate.Config{SharedToken: shared, Log: log, Metrics: reg, Now: func() time.Time { return now }})
	warnings := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, l := range logged {
			if strings.HasPrefix(l, "WARN") && strings.Contains(l, "coordinator-token") {
				n++
			}
		}
		return n
	}
	if warnings() != 1 || !strings.Contains(logged[0], "deprecated") {
		t.Fatalf("at start: %q", logged)
	}
	use := func() {
		if _, err := g.Identify(request("GET", "Bearer "+shared, "")); err != nil {
			t.Fatal(err)
		}
	}
	use()
	if warnings() != 2 {
		t.Errorf("first use: %d warnings, want 2", warnings())
	}
	for range 10 {
		now = now.Add(5 * time.Minute)
		use()
	}
	if warnings() != 2 {
		t.Errorf("50 minutes of uses: %d warnings, want still 2", warnings())
	}
	now = now.Add(10 * time.Minute)
	use()
	if warnings() != 3 {
		t.Errorf("an hour after the first use: %d warnings, want 3", warnings())
	}
	g.Identify(request("GET", "Bearer "+w.anaToken, ""))
	g.Identify(request("GET", "Bearer wrong", ""))
	g.Identify(request("GET", "", w.bobSess))
	if n := counter(t, reg, "palabre_coordinator_token_uses_total"); n != 12 {
		t.Errorf("counted %v uses of the shared token, want 12", n)
	}
	if n := counter(t, reg, "palabre_api_credentials_refused_total"); n != 2 {
		t.Errorf("counted %v refused credentials, want 2", n)
	}
	for _, l := range logged {
		if strings.Contains(l, shared) {
			t.Errorf("the shared token was logged: %q", l)
		}
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error { h(r); return nil }
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h handlerFunc) WithGroup(string) slog.Handler                 { return h }

func surveyPhrase() survey.Phrase {
	return survey.Phrase{Key: "test_coordinators_only", FR: "Réservé aux coordinateurs.", EN: "For coordinators only.", ES: "Reservado a los coordinadores."}
}
