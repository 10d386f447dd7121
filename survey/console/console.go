package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// Config is what the console works with.
type Config struct {
	Access  *access.Service
	Catalog survey.Catalog
	// Audit records every change made through the console; required.
	Audit audit.Recorder
	Log   *slog.Logger
	// SecureCookies marks cookies Secure even when a request did not arrive over TLS (palabre
	// behind a proxy that ends TLS). Requests that did arrive over TLS always get Secure ones.
	SecureCookies bool
	// ClientAddress names where a request comes from, for login throttling and the audit log
	// (the admission limiter's key, which honours trusted proxies); the peer's IP when nil.
	ClientAddress func(*http.Request) string
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Console serves /console.
type Console struct {
	cfg    Config
	pages  *Templates
	mu     sync.Mutex
	nav    []NavLink
	mounts []func(*gin.RouterGroup)
}

// NavLink is an entry of the console's menu.
type NavLink struct {
	Path      string // under /console, e.g. "/surveys"
	Key       string // its text's key
	AdminOnly bool
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/console.css
var consoleCSS []byte

// Base is where the console lives.
const Base = "/console"

// New returns a console; add sections with Mount, then Register it.
func New(cfg Config) (*Console, error) {
	if cfg.Access == nil || cfg.Catalog == nil || cfg.Audit == nil {
		return nil, errors.New("console: Access, Catalog and Audit are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientAddress == nil {
		cfg.ClientAddress = peerAddress
	}
	pages, err := ParseTemplates(templateFS, "templates/login.html", "templates/password.html",
		"templates/home.html", "templates/message.html")
	if err != nil {
		return nil, err
	}
	return &Console{cfg: cfg, pages: pages}, nil
}

// Mount adds a section: routes registers its handlers on the signed-in group (paths relative
// to /console), and nav, when given, adds menu entries.
func (k *Console) Mount(routes func(*gin.RouterGroup), nav ...NavLink) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.mounts = append(k.mounts, routes)
	k.nav = append(k.nav, nav...)
}

// Register adds the console's routes to r:
//
//	GET  /console/login, POST /console/login      sign in (rate-limited per account and address)
//	POST /console/logout                          sign out (CSRF)
//	GET  /console/invite/:token, POST …           an invited user sets a password
//	GET  /console/static/console.css              the console's style sheet
//	GET  /console                                 home: the surveys the user may see
//	…                                             the mounted sections, signed in only
func (k *Console) Register(r gin.IRouter) {
	g := r.Group(Base, securityHeaders)
	g.GET("/static/console.css", serveCSS)
	g.GET("/login", k.loginPage)
	g.POST("/login", k.checkFormToken, k.login)
	g.GET("/invite/:token", k.invitePage)
	g.POST("/invite/:token", k.checkFormToken, k.acceptInvite)
	in := g.Group("", k.requireSession, k.checkCSRF)
	in.GET("", k.home)
	in.POST("/logout", k.logout)
	k.mu.Lock()
	mounts := slices.Clone(k.mounts)
	k.mu.Unlock()
	for _, m := range mounts {
		m(in)
	}
}

// contentSecurity allows nothing but this site's own style sheets, scripts and images.
const contentSecurity = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", contentSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	c.Next()
}

var cssVersion = func() string {
	sum := sha256.Sum256(consoleCSS)
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}()

func serveCSS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, "text/css; charset=utf-8", consoleCSS)
}

func peerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Viewer is the signed-in user of a request.
type Viewer struct {
	User access.User
	// CSRF is the token every state-changing form of this session carries (field "csrf" or
	// header X-CSRF-Token).
	CSRF    string
	session string
}

const viewerKey = "palabre.console.viewer"

// ViewerOf returns the signed-in user of a request under the console's signed-in group.
func ViewerOf(c *gin.Context) Viewer {
	v, _ := c.Get(viewerKey)
	viewer, _ := v.(Viewer)
	return viewer
}

// csrfToken derives a session's CSRF token from its id.
func csrfToken(sessionID string) string {
	sum := sha256.Sum256([]byte("palabre console csrf\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// requireSession lets signed-in users through; others are sent to the login page, which
// brings them back (GET) or to the console's home.
func (k *Console) requireSession(c *gin.Context) {
	id, _ := c.Cookie(access.SessionCookie)
	if id != "" {
		u, _, err := k.cfg.Access.Session(c, id)
		switch {
		case err == nil:
			c.Set(viewerKey, Viewer{User: u, CSRF: csrfToken(id), session: id})
			c.Next()
			return
		case !errors.Is(err, access.ErrUnauthorized):
			k.Fail(c, err)
			return
		}
		k.clearCookie(c, access.SessionCookie)
	}
	to := Base + "/login"
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		next := c.Request.URL.Path
		if q := c.Request.URL.RawQuery; q != "" {
			next += "?" + q
		}
		if next != Base {
			to += "?next=" + url.QueryEscape(next)
		}
		if id != "" {
			to += sep(to) + "ended=1"
		}
	}
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF refuses a state-changing request of a session without its token (403).
func (k *Console) checkCSRF(c *gin.Context) {
	if safeMethod(c.Request.Method) {
		c.Next()
		return
	}
	v := ViewerOf(c)
	got := c.GetHeader("X-CSRF-Token")
	if got == "" {
		got = formValue(c, "csrf")
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.CSRF)) != 1 {
		k.Message(c, http.StatusForbidden, "forbidden_head", "csrf")
		c.Abort()
		return
	}
	c.Next()
}

// formValue reads a field of a urlencoded or multipart body (multipart bodies are parsed in
// memory up to 32 MiB; the body's size is bounded before by the server's limit).
func formValue(c *gin.Context, name string) string {
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		if err := c.Request.ParseMultipartForm(32 << 20); err != nil {
			return ""
		}
		if c.Request.MultipartForm != nil {
			if vs := c.Request.MultipartForm.Value[name]; len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
	return c.PostForm(name)
}

const formCookie = "palabre_form"

// formToken returns the pre-session forms' token, setting its cookie when there is none.
func (k *Console) formToken(c *gin.Context) string {
	if t, err := c.Cookie(formCookie); err == nil && len(t) == 43 {
		return t
	}
	var b [32]byte
	rand.Read(b[:])
	t := base64.RawURLEncoding.EncodeToString(b[:])
	k.setCookie(c, formCookie, t, 0, http.SameSiteStrictMode)
	return t
}

// checkFormToken refuses a login or password form whose token is not its cookie's (a form
// posted from another site).
func (k *Console) checkFormToken(c *gin.Context) {
	cookie, _ := c.Cookie(formCookie)
	got := c.PostForm("csrf")
	if cookie == "" || subtle.ConstantTimeCompare([]byte(got), []byte(cookie)) != 1 {
		k.Message(c, http.StatusForbidden, "forbidden_head", "csrf")
		c.Abort()
		return
	}
	c.Next()
}

func (k *Console) secure(c *gin.Context) bool { return k.cfg.SecureCookies || c.Request.TLS != nil }

// setCookie sets a console cookie: HttpOnly, Path=/, Secure under TLS; maxAge 0 makes it
// end with the browser.
func (k *Console) setCookie(c *gin.Context, name, value string, maxAge int, site http.SameSite) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: k.secure(c), SameSite: site})
}

func (k *Console) clearCookie(c *gin.Context, name string) {
	k.setCookie(c, name, "", -1, http.SameSiteLaxMode)
}

// Audit records a change made by the request's user; the caller refuses the change when
// it fails. When, who, from where and the request id are filled in.
func (k *Console) Audit(c *gin.Context, e audit.Entry) error {
	v := ViewerOf(c)
	if e.At.IsZero() {
		e.At = k.cfg.Now().UTC()
	}
	if e.UserID == "" {
		e.UserID, e.Email = v.User.ID, v.User.Email
	}
	e.Address = k.cfg.ClientAddress(c.Request)
	e.Request = surveyweb.RequestID(c)
	return k.cfg.Audit.Record(c, e)
}

// Authorize reports whether the viewer may work on surveyID, answering 403 when not.
func (k *Console) Authorize(c *gin.Context, surveyID string) bool {
	if access.Authorize(ViewerOf(c).User, surveyID) {
		return true
	}
	k.Message(c, http.StatusForbidden, "forbidden_head", "forbidden")
	c.Abort()
	return false
}

// RequireAdmin is a handler that lets only admins through (403 for others).
func (k *Console) RequireAdmin(c *gin.Context) {
	if u := ViewerOf(c).User; u.Role != access.Admin || u.Disabled {
		k.Message(c, http.StatusForbidden, "forbidden_head", "forbidden")
		c.Abort()
		return
	}
	c.Next()
}

// Surveys lists the surveys the viewer may see.
func (k *Console) Surveys(c *gin.Context) ([]survey.Survey, error) {
	all, err := k.cfg.Catalog.Surveys(c)
	if err != nil {
		return nil, err
	}
	u := ViewerOf(c).User
	return slices.DeleteFunc(all, func(s survey.Survey) bool { return !access.Authorize(u, s.ID) }), nil
}

// Catalog is the catalog the console works on.
func (k *Console) Catalog() survey.Catalog { return k.cfg.Catalog }

// Access is the access service the console works with.
func (k *Console) Access() *access.Service { return k.cfg.Access }

// Now is the console's clock.
func (k *Console) Now() time.Time { return k.cfg.Now() }

// Log is the console's logger.
func (k *Console) Log() *slog.Logger { return k.cfg.Log }

// Fail answers an unexpected error: 503 when the database is unreachable or a deadline
// passed, else 500; the error goes to the access log, not to the page.
func (k *Console) Fail(c *gin.Context, err error) {
	_ = c.Error(err)
	status := http.StatusInternalServerError
	if errors.Is(err, context.DeadlineExceeded) || unreachable(err) {
		status = http.StatusServiceUnavailable
	}
	key := "error_head"
	body := "unavailable"
	if status == http.StatusInternalServerError {
		body = "unavailable"
	}
	k.Message(c, status, key, body)
	c.Abort()
}

func unreachable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection refused")
}
