package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports/dashboard"
	"github.com/palabre/palabre/reports/dashboard/assets"
	"github.com/palabre/palabre/reports/excel"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access/gate"
	"github.com/palabre/palabre/survey/audit"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// Dashboards serves published dashboards to whoever holds their link, and the coordinators'
// API that publishes, lists, refreshes and revokes them.
type Dashboards struct {
	store     *publish.Store
	gate      *gate.Gate
	audit     audit.Recorder
	now       func() time.Time
	assetBase string
	assets    map[string]preparedFile

	mu    sync.Mutex
	pages map[string]preparedFile // by publication, snapshot time, language and kind
}

type preparedFile struct {
	body, gz []byte
}

// DashboardsConfig is what the dashboards need.
type DashboardsConfig struct {
	// Store keeps the publications.
	Store *publish.Store
	// Gate identifies the API's requests: a user publishes, refreshes and revokes the
	// dashboards of the surveys they may work on, and lists only those. When nil, the API
	// refuses every request (401). The funders' pages need no credential but their link.
	Gate *gate.Gate
	// Audit, when set, records every publication, refresh and revocation made through the
	// API. An action whose entry cannot be recorded is refused (503); a publication whose
	// entry fails after it was made is revoked at once.
	Audit audit.Recorder
	// Now dates audit entries; time.Now when nil.
	Now func() time.Time
}

// NewDashboards serves the publications of cfg.Store.
func NewDashboards(cfg DashboardsConfig) (*Dashboards, error) {
	h := sha256.New()
	files := map[string]preparedFile{}
	for _, name := range []string{assets.ECharts, assets.Script, assets.Style} {
		b, err := fs.ReadFile(assets.FS, name)
		if err != nil {
			return nil, err
		}
		h.Write(b)
		files[name] = preparedFile{body: b, gz: surveyweb.Gzip(b)}
	}
	// The assets' URL changes with their content, so browsers may keep them for a year.
	base := "/assets/dashboard/" + hex.EncodeToString(h.Sum(nil))[:12]
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dashboards{store: cfg.Store, gate: cfg.Gate, audit: cfg.Audit, now: cfg.Now, assetBase: base, assets: files,
		pages: map[string]preparedFile{}}, nil
}

// RegisterPages adds the funders' routes, which serve snapshots:
//
//	GET    /d/:token                          the dashboard (?lang=fr|en|es)
//	GET    /d/:token/report.xlsx               its figures as a funder's workbook
//	GET    /d/:token/dashboard.html            the dashboard as one self-contained HTML file
//	GET    /assets/dashboard/:version/:name    the dashboards' scripts and style
func (d *Dashboards) RegisterPages(r gin.IRouter) {
	r.GET("/d/:token", d.page)
	r.GET("/d/:token/report.xlsx", d.workbook)
	r.GET("/d/:token/dashboard.html", d.offline)
	r.GET("/assets/dashboard/:version/:name", d.asset)
}

// RegisterAPI adds the coordinators' routes, which compute figures:
//
//	POST   /api/v1/surveys/:survey/dashboards  publish
//	GET    /api/v1/dashboards                  list (the surveys the user may work on)
//	POST   /api/v1/dashboards/:id/refresh      compute again
//	DELETE /api/v1/dashboards/:id              revoke
//
// Each answers 401 without credentials and 403 on another survey's dashboard. The POST and
// DELETE routes take a bearer token only, never the console's cookie (see gate).
func (d *Dashboards) RegisterAPI(r gin.IRouter) {
	r.POST("/api/v1/surveys/:survey/dashboards", d.publish)
	r.GET("/api/v1/dashboards", d.list)
	r.POST("/api/v1/dashboards/:id/refresh", d.refresh)
	r.DELETE("/api/v1/dashboards/:id", d.revoke)
}

// AssetBase is the URL prefix of the dashboards' assets.
func (d *Dashboards) AssetBase() string { return d.assetBase }

// linkHeaders keep a link's token where it is: never sent on as a Referer, never indexed.
func linkHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
}

// open checks the link of a request; when it does not work it answers the request itself
// (404, 410 or 503 page) and returns nil.
func (d *Dashboards) open(c *gin.Context) *publish.View {
	linkHeaders(c)
	lang := pageLanguage(c, "")
	v, err := d.store.Open(c.Param("token"))
	var buf bytes.Buffer
	switch {
	case err == nil:
		return v
	case errors.Is(err, publish.ErrExpired):
		_ = dashboard.RenderGone(&buf, pageLanguage(c, v.Publication.Scope.Language), v.Publication.Expires)
		c.Data(http.StatusGone, "text/html; charset=utf-8", buf.Bytes())
	case errors.Is(err, publish.ErrRevoked):
		_ = dashboard.RenderGone(&buf, pageLanguage(c, v.Publication.Scope.Language), time.Time{})
		c.Data(http.StatusGone, "text/html; charset=utf-8", buf.Bytes())
	case errors.Is(err, publish.ErrUnavailable):
		_ = c.Error(err) // the access log names the cause
		_ = dashboard.RenderUnavailable(&buf, lang)
		c.Header("Retry-After", "30")
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", buf.Bytes())
	default:
		_ = dashboard.RenderNotFound(&buf, lang)
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", buf.Bytes())
	}
	c.Abort()
	return nil
}

// pageLanguage is the ?lang= of a page, else def, else the client's.
func pageLanguage(c *gin.Context, def string) string {
	switch l := c.Query("lang"); l {
	case survey.French, survey.English, survey.Spanish:
		return l
	}
	if def != "" {
		return def
	}
	return surveyweb.Language(c)
}

// prepared renders a file of a view once per snapshot and language.
func (d *Dashboards) prepared(v *publish.View, lang, kind string, render func(*bytes.Buffer) error) (preparedFile, error) {
	key := v.Publication.ID + "/" + v.Publication.Published.Format(time.RFC3339) + "/" + lang + "/" + kind
	d.mu.Lock()
	f, ok := d.pages[key]
	d.mu.Unlock()
	if ok {
		return f, nil
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return preparedFile{}, err
	}
	f = preparedFile{body: buf.Bytes(), gz: surveyweb.Gzip(buf.Bytes())}
	d.mu.Lock()
	for k := range d.pages { // older snapshots of the same publication are not shown again
		if strings.HasPrefix(k, v.Publication.ID+"/") && !strings.HasPrefix(k, v.Publication.ID+"/"+v.Publication.Published.Format(time.RFC3339)+"/") {
			delete(d.pages, k)
		}
	}
	d.pages[key] = f
	d.mu.Unlock()
	return f, nil
}

func (d *Dashboards) page(c *gin.Context) {
	v := d.open(c)
	if v == nil {
		return
	}
	lang := pageLanguage(c, v.Publication.Scope.Language)
	f, err := d.prepared(v, lang, "page", func(buf *bytes.Buffer) error {
		links := dashboard.Links{Workbook: "report.xlsx?lang=" + lang, Offline: "dashboard.html?lang=" + lang,
			Languages: map[string]string{}}
		token := c.Param("token")
		for _, l := range []string{survey.French, survey.English, survey.Spanish} {
			links.Languages[l] = token + "?lang=" + l
		}
		links.Workbook, links.Offline = token+"/"+links.Workbook, token+"/"+links.Offline
		return dashboard.Render(buf, dashboard.Page{Report: v.Report.In(lang), Language: lang, AssetBase: d.assetBase,
			Links: links, Expires: v.Publication.Expires})
	})
	if err != nil {
		abortInternal(c, err)
		return
	}
	c.Header("Content-Security-Policy", dashboard.CSP())
	surveyweb.SendPrepared(c, http.StatusOK, "text/html; charset=utf-8", f.body, f.gz)
}

func (d *Dashboards) offline(c *gin.Context) {
	v := d.open(c)
	if v == nil {
		return
	}
	lang := pageLanguage(c, v.Publication.Scope.Language)
	f, err := d.prepared(v, lang, "offline", func(buf *bytes.Buffer) error {
		return dashboard.Render(buf, dashboard.Page{Report: v.Report.In(lang), Language: lang, Offline: true,
			Assets: assets.FS, Expires: v.Publication.Expires})
	})
	if err != nil {
		abortInternal(c, err)
		return
	}
	name := v.Publication.Scope.Survey + "_" + v.Publication.Published.Format("2006-01-02") + "_" + lang + ".html"
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	surveyweb.SendPrepared(c, http.StatusOK, "text/html; charset=utf-8", f.body, f.gz)
}

func (d *Dashboards) workbook(c *gin.Context) {
	v := d.open(c)
	if v == nil {
		return
	}
	lang := pageLanguage(c, v.Publication.Scope.Language)
	f, err := d.prepared(v, lang, "xlsx", func(buf *bytes.Buffer) error {
		_, err := excel.Write(c.Request.Context(), buf, v.Report.In(lang), excel.Options{})
		return err
	})
	if err != nil {
		abortInternal(c, err)
		return
	}
	name := v.Publication.Scope.Survey + "_" + v.Publication.Published.Format("2006-01-02") + "_" + lang + ".xlsx"
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f.body)
}

func (d *Dashboards) asset(c *gin.Context) {
	f, ok := d.assets[c.Param("name")]
	if !ok || "/assets/dashboard/"+c.Param("version") != d.assetBase {
		c.Status(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Header("X-Content-Type-Options", "nosniff")
	ctype := "text/css; charset=utf-8"
	if path.Ext(c.Param("name")) == ".js" {
		ctype = "text/javascript; charset=utf-8"
	}
	surveyweb.SendPrepared(c, http.StatusOK, ctype, f.body, f.gz)
}

func abortInternal(c *gin.Context, err error) {
	_ = c.Error(err)
	c.AbortWithStatus(http.StatusInternalServerError)
}

// publishRequest is the body of POST /api/v1/surveys/:survey/dashboards.
type publishRequest struct {
	Editions  []int                 `json:"editions"`
	By        []analytics.Dimension `json:"by"`
	Filter    analytics.Filter      `json:"filter"`
	Questions []string              `json:"questions"`
	Language  string                `json:"lang"`
	Expires   string                `json:"expires"` // a duration: "90d", "720h"; "never"
	Refresh   string                `json:"refresh"` // a duration; none when empty
}

// dashboardJSON is a publication as the API shows it.
type dashboardJSON struct {
	publish.Publication
	URL string `json:"url"`
}

func linkOf(c *gin.Context, p publish.Publication) dashboardJSON {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return dashboardJSON{Publication: p, URL: scheme + "://" + c.Request.Host + "/d/" + p.Token}
}

func (d *Dashboards) publish(c *gin.Context) {
	lang := surveyweb.Language(c)
	who, ok := d.gate.Require(c, c.Param("survey"), msgDashboardsCoordinatorOnly)
	if !ok {
		return
	}
	var body publishRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeMalformed, Message: msgBadPublish.Message(err.Error())}, lang)
		return
	}
	var opts publish.Options
	var err error
	if opts.Expires, err = publish.ParseDuration(body.Expires); err != nil {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeMalformed, Message: msgBadPublish.Message(err.Error())}, lang)
		return
	}
	if body.Refresh != "" {
		if opts.Refresh, err = publish.ParseDuration(body.Refresh); err != nil || opts.Refresh < 0 {
			surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeMalformed, Message: msgBadPublish.Message("refresh")}, lang)
			return
		}
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), buildTimeout)
	defer cancel()
	p, err := d.store.Publish(ctx, publish.Scope{Survey: c.Param("survey"), Editions: body.Editions, By: body.By,
		Filter: body.Filter, Questions: body.Questions, Language: body.Language}, opts)
	if err != nil {
		surveyweb.AbortJSON(c, err, lang)
		return
	}
	// The publication's id is known only now: its entry follows it, and a publication that
	// cannot be recorded does not stay published.
	if err := d.record(c, who, "dashboard.publish", *p); err != nil {
		if _, rerr := d.store.Revoke(p.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnavailable, Message: msgNotRecorded.Message(), Err: err}, lang)
		return
	}
	c.JSON(http.StatusCreated, linkOf(c, *p))
}

func (d *Dashboards) list(c *gin.Context) {
	who, ok := d.gate.Require(c, "", msgDashboardsCoordinatorOnly)
	if !ok {
		return
	}
	list, err := d.store.List()
	if err != nil {
		surveyweb.AbortJSON(c, err, surveyweb.Language(c))
		return
	}
	out := []dashboardJSON{}
	for _, p := range list {
		if who.May(p.Scope.Survey) {
			out = append(out, linkOf(c, p))
		}
	}
	c.JSON(http.StatusOK, gin.H{"dashboards": out})
}

// publication finds the publication a route's :id names (its id or its token) and checks
// that the user may work on its survey. It answers the request itself (401, 403, 404) and
// returns false otherwise.
func (d *Dashboards) publication(c *gin.Context) (gate.Identity, publish.Publication, bool) {
	lang := surveyweb.Language(c)
	who, ok := d.gate.Require(c, "", msgDashboardsCoordinatorOnly)
	if !ok {
		return who, publish.Publication{}, false
	}
	ref := c.Param("id")
	list, err := d.store.List()
	if err != nil {
		surveyweb.AbortJSON(c, err, lang)
		return who, publish.Publication{}, false
	}
	i := slices.IndexFunc(list, func(p publish.Publication) bool { return p.ID == ref || p.Token == ref })
	if i < 0 {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeNotFound, Message: msgUnknownDashboard.Message(ref)}, lang)
		return who, publish.Publication{}, false
	}
	if p := list[i]; !who.May(p.Scope.Survey) {
		surveyweb.AbortJSON(c, gate.Forbidden(p.Scope.Survey), lang)
		return who, p, false
	}
	return who, list[i], true
}

func (d *Dashboards) refresh(c *gin.Context) {
	lang := surveyweb.Language(c)
	who, p, ok := d.publication(c)
	if !ok {
		return
	}
	if err := d.record(c, who, "dashboard.refresh", p); err != nil {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnavailable, Message: msgNotRecorded.Message(), Err: err}, lang)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), buildTimeout)
	defer cancel()
	refreshed, err := d.store.Refresh(ctx, p.ID)
	if errors.Is(err, publish.ErrNotFound) {
		err = &survey.Error{Code: survey.CodeNotFound, Message: msgUnknownDashboard.Message(c.Param("id"))}
	}
	if err != nil {
		surveyweb.AbortJSON(c, err, lang)
		return
	}
	c.JSON(http.StatusOK, linkOf(c, *refreshed))
}

func (d *Dashboards) revoke(c *gin.Context) {
	lang := surveyweb.Language(c)
	who, p, ok := d.publication(c)
	if !ok {
		return
	}
	if err := d.record(c, who, "dashboard.revoke", p); err != nil {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnavailable, Message: msgNotRecorded.Message(), Err: err}, lang)
		return
	}
	if _, err := d.store.Revoke(p.ID); err != nil {
		if errors.Is(err, publish.ErrNotFound) {
			err = &survey.Error{Code: survey.CodeNotFound, Message: msgUnknownDashboard.Message(c.Param("id"))}
		}
		surveyweb.AbortJSON(c, err, lang)
		return
	}
	c.Status(http.StatusNoContent)
}

// record writes the audit entry of an action of the API on a publication, when palabre keeps
// an audit log. Entries never hold a link's token.
func (d *Dashboards) record(c *gin.Context, who gate.Identity, action string, p publish.Publication) error {
	if d.audit == nil {
		return nil
	}
	detail := "scope " + p.Scope.String()
	if !p.Expires.IsZero() {
		detail += ", expires " + p.Expires.UTC().Format(time.RFC3339)
	}
	if p.Refresh > 0 {
		detail += ", refreshed every " + time.Duration(p.Refresh).String()
	}
	if who.Method == gate.SharedToken {
		detail += ", by the shared coordinator token"
	}
	return d.audit.Record(c.Request.Context(), audit.Entry{At: d.now().UTC(), UserID: who.User.ID, Email: who.User.Email,
		Action: action, Survey: p.Scope.Survey, Target: p.ID, Detail: detail, Address: c.ClientIP(), Request: surveyweb.RequestID(c)})
}

var (
	msgDashboardsCoordinatorOnly = phrase("dashboards_coordinator_only",
		"La publication des tableaux de bord est réservée aux coordinateurs authentifiés.",
		"Publishing dashboards is for authenticated coordinators only.",
		"La publicación de tableros está reservada a los coordinadores autenticados.")
	msgBadPublish = phrase("dashboards_bad_request",
		"Demande de publication illisible : %s. Envoyez un objet JSON avec editions, by, filter, questions, lang, expires, refresh.",
		"Unreadable publication request: %s. Send a JSON object with editions, by, filter, questions, lang, expires, refresh.",
		"Solicitud de publicación ilegible: %s. Envíe un objeto JSON con editions, by, filter, questions, lang, expires, refresh.")
	msgNotRecorded = phrase("dashboards_not_recorded",
		"L'action n'a pas pu être inscrite au journal d'audit ; elle n'a donc pas été faite. Réessayez dans quelques instants.",
		"The action could not be written to the audit log, so it was not done. Please try again shortly.",
		"La acción no se pudo anotar en el registro de auditoría, así que no se hizo. Vuelva a intentarlo en unos instantes.")
	msgUnknownDashboard = phrase("dashboards_unknown",
		"Aucun tableau de bord « %s ».",
		"There is no dashboard “%s”.",
		"No hay ningún tablero «%s».")
)
