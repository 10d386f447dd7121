package console

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// Languages are the console's languages, French first.
var Languages = []string{survey.French, survey.English, survey.Spanish}

const langCookie = "palabre_lang"

// Language picks the language of a console page: ?lang= when palabre speaks it (remembered
// in a cookie), else the remembered one, else the browser's preference, else French.
func Language(c *gin.Context) string {
	if q := c.Query("lang"); q != "" {
		l := surveyweb.Negotiate(q, "", Languages, "")
		if l != "" {
			http.SetCookie(c.Writer, &http.Cookie{Name: langCookie, Value: l, Path: Base, MaxAge: 365 * 24 * 3600,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil})
			return l
		}
	}
	remembered, _ := c.Cookie(langCookie)
	return surveyweb.Negotiate(remembered, c.GetHeader("Accept-Language"), Languages, survey.DefaultLanguage)
}

// Page is what every console template receives: the frame's data and the section's Body.
type Page struct {
	Lang   string
	Title  string
	User   *access.User // nil before signing in
	CSRF   string
	Nav    []NavItem
	Langs  []LangLink
	CSS    string
	Notice string // a confirmation shown above the content
	Body   any
}

// NavItem is a menu entry as shown.
type NavItem struct {
	Href, Text string
	Current    bool
}

// LangLink switches the page's language.
type LangLink struct {
	Code, Name, Href string
	Current          bool
}

// T returns the console text key in the page's language.
func (p Page) T(key string, args ...any) string { return T(p.Lang, key, args...) }

// IsAdmin reports whether the page's user is an admin.
func (p Page) IsAdmin() bool { return p.User != nil && p.User.Role == access.Admin }

// Field is a form field's name and its options, as the template function field makes it.
type Field struct {
	Name    string
	Options any
}

// Templates are a section's pages, each parsed with the console's layout.
type Templates struct {
	pages map[string]*template.Template
}

//go:embed templates/layout.html
var layoutHTML string

// Funcs are the functions console templates may call.
var Funcs = template.FuncMap{
	"date":     func(t time.Time, lang string) string { return formatDate(t, lang) },
	"datetime": func(t time.Time) string { return formatDateTime(t) },
	"path":     url.PathEscape,
	"query":    url.QueryEscape,
	"add":      func(a, b int) int { return a + b },
	"status":   StatusKey,
	"text":     func(t survey.Text, lang string) string { return t.In(lang, survey.DefaultLanguage) },
	// field pairs a form field's name with its options, for a template that writes them.
	"field": func(name string, options any) Field { return Field{Name: name, Options: options} },
}

// ParseTemplates parses each named file of fsys as a page: a file defines "content" (and
// may define "head"), shown inside the layout. A page is named by its file's base name.
func ParseTemplates(fsys fs.FS, files ...string) (*Templates, error) {
	return ParseTemplatesWith(fsys, nil, files...)
}

// ParseTemplatesWith is ParseTemplates with files of templates that every page may use
// (pieces of forms shared by several pages).
func ParseTemplatesWith(fsys fs.FS, shared []string, files ...string) (*Templates, error) {
	layout, err := template.New("layout").Funcs(Funcs).Parse(layoutHTML)
	if err != nil {
		return nil, fmt.Errorf("console layout: %w", err)
	}
	if len(shared) > 0 {
		if _, err := layout.ParseFS(fsys, shared...); err != nil {
			return nil, fmt.Errorf("console templates %v: %w", shared, err)
		}
	}
	t := &Templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		page, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := page.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("console page %s: %w", f, err)
		}
		t.pages[path.Base(f)] = page
	}
	return t, nil
}

// NewPage starts a page titled by the text key title for the request's viewer.
func (k *Console) NewPage(c *gin.Context, title string, body any) Page {
	lang := Language(c)
	p := Page{Lang: lang, Title: T(lang, title), CSS: Base + "/static/console.css?v=" + cssVersion, Body: body}
	if v, ok := c.Get(viewerKey); ok {
		viewer := v.(Viewer)
		p.User, p.CSRF = &viewer.User, viewer.CSRF
		k.mu.Lock()
		nav := append([]NavLink{{Path: "", Key: "home"}}, k.nav...)
		k.mu.Unlock()
		here := strings.TrimSuffix(c.Request.URL.Path, "/")
		for _, n := range nav {
			if n.AdminOnly && !p.IsAdmin() {
				continue
			}
			href := Base + n.Path
			current := here == href || (n.Path != "" && strings.HasPrefix(here, href+"/"))
			p.Nav = append(p.Nav, NavItem{Href: href, Text: T(lang, n.Key), Current: current})
		}
	}
	if key := c.Query("done"); key != "" && HasMessage(key) {
		p.Notice = T(lang, key)
	}
	q := c.Request.URL.Query()
	q.Del("done")
	for _, l := range Languages {
		q.Set("lang", l)
		p.Langs = append(p.Langs, LangLink{Code: l, Name: languageNames[l], Href: c.Request.URL.Path + "?" + q.Encode(), Current: l == lang})
	}
	return p
}

var languageNames = map[string]string{"fr": "Français", "en": "English", "es": "Español"}

// Render sends page name of t with p.
func (k *Console) Render(c *gin.Context, status int, t *Templates, name string, p Page) {
	page, ok := t.pages[name]
	if !ok {
		k.Fail(c, fmt.Errorf("console: no page %q", name))
		return
	}
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "layout", p); err != nil {
		_ = c.Error(err)
		c.String(http.StatusInternalServerError, T(p.Lang, "error_head"))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// messageBody is a page that says one thing.
type messageBody struct {
	Heading, Text string
	Home          bool
}

// Message answers with a page saying one thing: heading and text are text keys.
func (k *Console) Message(c *gin.Context, status int, heading, text string, args ...any) {
	lang := Language(c)
	_, signedIn := c.Get(viewerKey)
	p := k.NewPage(c, heading, messageBody{Heading: T(lang, heading), Text: T(lang, text, args...), Home: signedIn})
	k.Render(c, status, k.pages, "message.html", p)
}

// NotFound answers 404 with the console's page.
func (k *Console) NotFound(c *gin.Context) {
	k.Message(c, http.StatusNotFound, "not_found", "not_found_body")
	c.Abort()
}

// StatusKey is the text key of an edition's status at now (status_open, status_closed,
// status_not_yet).
func StatusKey(e survey.Edition, now time.Time) string {
	switch e.StatusAt(now) {
	case survey.StatusOpen:
		return "status_open"
	case survey.StatusClosed:
		return "status_closed"
	}
	return "status_not_yet"
}

var monthNames = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// formatDate writes a day as people of lang write it ("3 mars 2026", "March 3, 2026").
func formatDate(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	m, ok := monthNames[lang]
	if !ok {
		return t.Format(time.DateOnly)
	}
	switch lang {
	case "en":
		return fmt.Sprintf("%s %d, %d", m[t.Month()-1], t.Day(), t.Year())
	case "es":
		return fmt.Sprintf("%d de %s de %d", t.Day(), m[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), m[t.Month()-1], t.Year())
}

// formatDateTime writes a moment in UTC, to the minute.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
