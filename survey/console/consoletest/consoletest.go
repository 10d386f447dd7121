// Package consoletest runs the console over in-memory stores for the tests of its sections:
// a harness with users, a browser-like client that keeps cookies and sends the CSRF token,
// and a recorder that keeps the audit entries.
package consoletest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
)

// Cheap are password-hashing parameters for tests only.
var Cheap = accesstest.CheapParams

// Password is every test user's password.
const Password = "correct horse battery staple"

// Audit keeps recorded entries in memory.
type Audit struct {
	mu      sync.Mutex
	entries []audit.Entry
	Err     error // when set, Record fails with it
}

// Record keeps e.
func (a *Audit) Record(_ context.Context, e audit.Entry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.Err != nil {
		return a.Err
	}
	a.entries = append(a.entries, e)
	return nil
}

// Entries returns the entries recorded so far.
func (a *Audit) Entries() []audit.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]audit.Entry(nil), a.entries...)
}

// Harness is a console served by httptest over in-memory stores.
type Harness struct {
	Console *console.Console
	Access  *access.Service
	Store   *accesstest.Memory
	Catalog survey.Catalog
	Audit   *Audit
	Server  *httptest.Server
	Log     *strings.Builder
}

// New starts a console over catalog; mount adds sections before the routes are registered.
func New(t testing.TB, catalog survey.Catalog, mount ...func(*console.Console)) *Harness {
	t.Helper()
	gin.SetMode(gin.TestMode)
	h := &Harness{Store: accesstest.NewMemory(), Catalog: catalog, Audit: &Audit{}, Log: &strings.Builder{}}
	h.Access = access.New(h.Store, access.WithParams(Cheap))
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: h.Log}, nil))
	k, err := console.New(console.Config{Access: h.Access, Catalog: catalog, Audit: h.Audit, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mount {
		m(k)
	}
	h.Console = k
	engine := gin.New()
	engine.ContextWithFallback = true
	k.Register(engine)
	h.Server = httptest.NewServer(engine)
	t.Cleanup(h.Server.Close)
	return h
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// AddUser creates an account with Password set and returns it.
func (h *Harness) AddUser(t testing.TB, email string, role access.Role, surveys ...string) access.User {
	t.Helper()
	ctx := context.Background()
	_, token, err := h.Access.AddUser(ctx, access.NewUser{Email: email, Role: role, Surveys: surveys})
	if err != nil {
		t.Fatal(err)
	}
	u, err := h.Access.AcceptInvitation(ctx, token, Password)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Client is a browser: it keeps cookies, follows no redirects, and knows the CSRF token
// of the last page it read.
type Client struct {
	t    testing.TB
	base string
	HTTP *http.Client
	CSRF string
}

// NewClient returns a client with no cookies.
func (h *Harness) NewClient(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: h.Server.URL, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// SignIn returns a client signed in as a new user of that role.
func (h *Harness) SignIn(t testing.TB, email string, role access.Role, surveys ...string) *Client {
	t.Helper()
	h.AddUser(t, email, role, surveys...)
	c := h.NewClient(t)
	c.Login(email, Password, http.StatusSeeOther)
	c.Get("/console") // reads the CSRF token
	return c
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Response is a read response.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

func (c *Client) do(req *http.Request) Response {
	c.t.Helper()
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	r := Response{Status: res.StatusCode, Header: res.Header, Body: string(b), Location: res.Header.Get("Location")}
	if m := csrfField.FindStringSubmatch(r.Body); m != nil {
		c.CSRF = m[1]
	}
	return r
}

// Get reads path (relative to the server).
func (c *Client) Get(path string) Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// Post sends form to path with the client's CSRF token (unless form sets "csrf").
func (c *Client) Post(path string, form url.Values) Response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["csrf"]; !set && c.CSRF != "" {
		form.Set("csrf", c.CSRF)
	}
	return c.PostBody(path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// PostBody sends body to path as is.
func (c *Client) PostBody(path, contentType string, body io.Reader) Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.do(req)
}

// Login posts the login form and checks the status.
func (c *Client) Login(email, password string, want int) Response {
	c.t.Helper()
	c.Get("/console/login")
	r := c.Post("/console/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != want {
		c.t.Fatalf("login %s: status %d, want %d\n%s", email, r.Status, want, r.Body)
	}
	return r
}
