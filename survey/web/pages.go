package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
)

// The pages run only palabre's own script and style sheet, and post only to palabre.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// page is what every page template shows around its content.
type page struct {
	Lang    string
	Title   string
	Home    string
	CSS, JS string
	Langs   []langLink
}

type langLink struct {
	Code, Name, Href string
	Current          bool
}

type link struct{ Href, Text string }

// T returns the interface text key in the page's language.
func (p page) T(key string, args ...any) string { return tr(p.Lang, key, args...) }

// newPage starts a page in lang, with links to the same page in each of langs.
func (f *Forms) newPage(c *gin.Context, lang, title string, langs []string) page {
	p := page{Lang: lang, Title: title, Home: f.base + "/?lang=" + url.QueryEscape(lang),
		CSS: f.assetURL("form.css"), JS: f.assetURL("form.js")}
	if len(langs) > 1 {
		path, q := f.base+"/", url.Values{}
		if route := c.FullPath(); route != "" {
			path, q = routePath(c, route), c.Request.URL.Query()
		}
		for _, l := range langs {
			q.Set("lang", l)
			p.Langs = append(p.Langs, langLink{Code: l, Name: languageName(l), Href: path + "?" + q.Encode(), Current: l == lang})
		}
	}
	return p
}

// routePath is the path of the request rebuilt from the route it matched, each parameter
// escaped, so a link to it stays on this site whatever the client sent (a request that
// matched no route has no path to link to: its language links go home).
func routePath(c *gin.Context, route string) string {
	parts := strings.Split(route, "/")
	for i, part := range parts {
		if len(part) > 1 && (part[0] == ':' || part[0] == '*') {
			parts[i] = url.PathEscape(strings.TrimPrefix(c.Param(part[1:]), "/"))
		}
	}
	return strings.Join(parts, "/")
}

// render executes a page template and sends it. Pages are never cached: a form page holds
// a response id meant for one person.
func (f *Forms) render(c *gin.Context, status int, name string, data any) {
	var buf bytes.Buffer
	if err := f.pages.ExecuteTemplate(&buf, name, data); err != nil {
		_ = c.Error(err)
		c.String(http.StatusInternalServerError, survey.Msg(survey.MsgInternal).In(survey.DefaultLanguage))
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	send(c, status, "text/html; charset=utf-8", buf.Bytes())
}

// messageView is a page that says one thing: thanks, closed, not found…
type messageView struct {
	page
	Heading    string
	Paragraphs []string
	Links      []link
	ClearDraft *draftRef // on pages after a response was stored: the draft to forget
}

type draftRef struct{ Key, ID string }

// errorPage shows err as a page in lang, with the status its code maps to.
func (f *Forms) errorPage(c *gin.Context, err error, lang string) {
	e := survey.AsError(err)
	_ = c.Error(err)
	heading := map[survey.Code]string{survey.CodeNotFound: "not_found", survey.CodeClosed: "closed",
		survey.CodeConflict: "already_sent", survey.CodeErased: "erased", survey.CodeTooLarge: "not_sent", survey.CodeMalformed: "not_sent",
		survey.CodeUnavailable: "not_sent", survey.CodeTooMany: "not_sent"}[e.Code]
	if heading == "" {
		heading = "failed"
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	v := &messageView{page: f.newPage(c, lang, tr(lang, heading), uiLanguages), Heading: tr(lang, heading),
		Paragraphs: []string{e.Message.In(lang)}, Links: []link{{f.base + "/?lang=" + lang, tr(lang, "all_surveys")}}}
	f.render(c, Status(e.Code), "message", v)
}

// NotFound answers a request that no route matches, in the language of the request: a
// JSON error under /api/, a page otherwise. Give it to the engine's NoRoute.
func (f *Forms) NotFound(c *gin.Context) {
	err := survey.Errorf(survey.CodeNotFound, survey.MsgNotFound)
	if strings.HasPrefix(c.Request.URL.Path, f.base+"/api/") {
		AbortJSON(c, err, Language(c))
		return
	}
	f.errorPage(c, err, Language(c))
}

// NoMethod answers 405 for a route that exists with other methods (Gin has set the Allow
// header): a JSON error on the API, a page elsewhere.
func (f *Forms) NoMethod(c *gin.Context) {
	allowed := c.Writer.Header().Get("Allow")
	err := survey.Errorf(survey.CodeMethod, survey.MsgMethod, c.Request.Method, allowed)
	if strings.HasPrefix(c.Request.URL.Path, f.base+"/api/") {
		AbortJSON(c, err, Language(c))
		return
	}
	f.errorPage(c, err, Language(c))
}

// index lists the open editions of every survey.
func (f *Forms) index(c *gin.Context) {
	lang := Language(c)
	all, err := f.catalog.Surveys(c.Request.Context())
	if err != nil {
		f.errorPage(c, err, lang)
		return
	}
	type item struct{ Href, Title, Detail string }
	v := struct {
		page
		Surveys []item
	}{page: f.newPage(c, lang, tr(lang, "open_surveys"), uiLanguages)}
	now := f.now()
	for _, s := range all {
		for _, e := range openEditions(s, now) {
			if e.ByInvitation() {
				continue // reached through each participant's own link
			}
			v.Surveys = append(v.Surveys, item{Href: f.editionPath(s.ID, e.Year) + "?lang=" + lang,
				Title: s.Title.In(lang, s.DefaultLanguage) + " " + strconv.Itoa(e.Year), Detail: editionDetail(e, lang)})
		}
	}
	f.render(c, http.StatusOK, "index", v)
}

// latest redirects to the survey's latest open edition, else to its next one, else to its
// last one (which says it is closed).
func (f *Forms) latest(c *gin.Context) {
	s, err := f.survey(c.Request.Context(), c.Param("survey"))
	if err != nil {
		f.errorPage(c, err, Language(c))
		return
	}
	now := f.now()
	year := 0
	if open := openEditions(s, now); len(open) > 0 {
		year = open[0].Year
	} else {
		for _, e := range s.Editions {
			if e.StatusAt(now) == survey.StatusNotYetOpen {
				year = e.Year
				break
			}
			year = e.Year
		}
	}
	if year == 0 {
		f.errorPage(c, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, s.ID), Language(c))
		return
	}
	target := f.editionPath(s.ID, year)
	if q := c.Request.URL.RawQuery; q != "" {
		target += "?" + q
	}
	c.Redirect(http.StatusFound, target)
}

// EditionPath is the path of an edition's form for participants, where the Forms are
// registered.
func (f *Forms) EditionPath(surveyID string, year int) string { return f.editionPath(surveyID, year) }

func (f *Forms) editionPath(surveyID string, year int) string {
	return f.base + "/s/" + url.PathEscape(surveyID) + "/" + strconv.Itoa(year)
}

// editionDetail is the place of an edition and until when it is open.
func editionDetail(e survey.Edition, lang string) string {
	var parts []string
	if e.Place != "" {
		parts = append(parts, e.Place)
	}
	if !e.Closes.IsZero() {
		// Closes is the first moment closed: the last day open is the one before it.
		parts = append(parts, tr(lang, "open_until", formatDate(e.Closes.Add(-time.Nanosecond), lang)))
	}
	return strings.Join(parts, " · ")
}

// unavailablePage shows why an edition takes no responses, with links to its open editions.
func (f *Forms) unavailablePage(c *gin.Context, ed *edition, lang string, why *survey.Error) {
	heading := "closed"
	status := Status(why.Code)
	if ed.StatusAt(f.now()) == survey.StatusNotYetOpen {
		heading = "not_yet_open"
		if c.Request.Method == http.MethodGet {
			status = http.StatusOK
		}
	}
	form := ed.form.cf.Form
	v := &messageView{page: f.newPage(c, lang, form.Title.In(lang, form.DefaultLanguage), form.Languages),
		Heading: tr(lang, heading), Paragraphs: []string{why.Message.In(lang)}}
	for _, e := range openEditions(ed.survey, f.now()) {
		if e.ByInvitation() {
			continue
		}
		v.Links = append(v.Links, link{f.editionPath(ed.survey.ID, e.Year) + "?lang=" + lang, tr(lang, "answer_edition", e.Year)})
	}
	v.Links = append(v.Links, link{f.base + "/?lang=" + lang, tr(lang, "all_surveys")})
	_ = c.Error(why)
	f.render(c, status, "message", v)
}
