// Package reportsconsole is the console's reports section: a survey's Excel workbook with
// its options, and the funders' dashboards published from it (publish, list with their
// expiry and last view, refresh, revoke).
//
//	GET  /console/reports                                   the surveys, to pick one
//	GET  /console/surveys/:survey/reports                   the workbook's form and the dashboards
//	GET  /console/surveys/:survey/report.xlsx?…             the workbook (the API's options)
//	POST /console/surveys/:survey/dashboards                publish a dashboard
//	GET  /console/surveys/:survey/dashboards/:id/revoke     asks to confirm
//	POST /console/surveys/:survey/dashboards/:id/revoke     revoke
//	POST /console/surveys/:survey/dashboards/:id/refresh    compute its figures again now
package reportsconsole

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/publish"
	reportsweb "github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
)

// Config is what the section works with.
type Config struct {
	// Workbooks builds and caches workbooks: the handler of the API's route, so that both
	// routes share one cache and one build per workbook.
	Workbooks *reportsweb.Handler
	// Dashboards keeps the funders' dashboards: the store the /d/ pages read.
	Dashboards *publish.Store
	// BaseURL is the address funders open palabre at (e.g. https://palabre.example.org), to
	// write links; the request's scheme and host when empty.
	BaseURL string
}

// buildTimeout bounds the computing of a dashboard's figures (as the API's).
const buildTimeout = 10 * time.Minute

//go:embed templates/*.html
var templateFS embed.FS

type section struct {
	k     *console.Console
	cfg   Config
	pages *console.Templates
}

// Mount adds the reports section to the console, with a "Reports" menu entry.
func Mount(k *console.Console, cfg Config) error {
	if cfg.Workbooks == nil || cfg.Dashboards == nil {
		return errors.New("reportsconsole: Workbooks and Dashboards are required")
	}
	pages, err := console.ParseTemplates(templateFS, "templates/reports_index.html", "templates/reports.html",
		"templates/reports_revoke.html")
	if err != nil {
		return err
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &section{k: k, cfg: cfg, pages: pages}
	k.Mount(func(g *gin.RouterGroup) {
		g.GET("/reports", s.index)
		g.GET("/surveys/:survey/reports", s.page)
		g.GET("/surveys/:survey/report.xlsx", s.download)
		g.POST("/surveys/:survey/dashboards", s.publish)
		g.GET("/surveys/:survey/dashboards/:id/revoke", s.confirmRevoke)
		g.POST("/surveys/:survey/dashboards/:id/revoke", s.revoke)
		g.POST("/surveys/:survey/dashboards/:id/refresh", s.refresh)
	}, console.NavLink{Path: "/reports", Key: "reports_nav"})
	return nil
}

func (s *section) index(c *gin.Context) {
	list, err := s.k.Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	s.k.Render(c, http.StatusOK, s.pages, "reports_index.html", s.k.NewPage(c, "reports_title", struct{ Surveys []survey.Survey }{list}))
}

// surveyOf authorises the viewer on the request's survey and returns it; it answers the
// request (403, 404) and returns nil when it cannot.
func (s *section) surveyOf(c *gin.Context) *survey.Survey {
	id := c.Param("survey")
	if !s.k.Authorize(c, id) {
		return nil
	}
	list, err := s.k.Catalog().Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return nil
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	s.k.NotFound(c)
	return nil
}

// choices are the values the survey's forms offer, for the forms' options.
type choices struct {
	Editions      []survey.Edition
	Countries     []option
	Roles         []option
	Organisations []option // empty when participants type their organisation
	Languages     []option
	Questions     []option
}

// option is one choice of a form field.
type option struct {
	Value, Label string
	Checked      bool
}

// choicesOf gathers the choices of every form the survey's editions use, the latest first.
func (s *section) choicesOf(ctx context.Context, sv *survey.Survey, lang string) (choices, error) {
	ch := choices{Editions: sv.Editions}
	var versions []int
	for _, e := range sv.Editions {
		if !slices.Contains(versions, e.FormVersion) {
			versions = append(versions, e.FormVersion)
		}
	}
	slices.Sort(versions)
	slices.Reverse(versions)
	seen := map[string]bool{}
	add := func(list *[]option, kind, value, label string) {
		if value == "" || seen[kind+"\x00"+value] {
			return
		}
		seen[kind+"\x00"+value] = true
		*list = append(*list, option{Value: value, Label: label})
	}
	fb := sv.DefaultLanguage
	for _, v := range versions {
		f, err := s.k.Catalog().Form(ctx, sv.ID, v)
		if err != nil {
			return ch, err
		}
		countries := f.Profile.Countries
		if len(countries) == 0 {
			countries = survey.NetworkCountries
		}
		for _, code := range countries {
			add(&ch.Countries, "country", code, reports.CountryName(code, lang))
		}
		roles := f.Profile.Roles
		if len(roles) == 0 {
			roles = survey.DefaultRoles
		}
		for _, r := range roles {
			add(&ch.Roles, "role", r.Key, r.Label.In(lang, fb))
		}
		for _, o := range f.Profile.Organisations {
			add(&ch.Organisations, "organisation", o.Key, o.Label.In(lang, fb))
		}
		for _, l := range f.Languages {
			add(&ch.Languages, "language", l, languageName(lang, l))
		}
		for _, q := range f.Questions() {
			if q.Type != survey.Note {
				add(&ch.Questions, "question", q.Key, q.Label.In(lang, fb))
			}
		}
	}
	slices.SortStableFunc(ch.Countries, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return ch, nil
}

func languageName(lang, code string) string {
	if k := "reports_lang_" + code; console.HasMessage(k) {
		return console.T(lang, k)
	}
	return code
}

// checked returns opts with those in values checked.
func checked(opts []option, values []string) []option {
	out := slices.Clone(opts)
	for i := range out {
		out[i].Checked = slices.Contains(values, out[i].Value)
	}
	return out
}

// breakdowns offered: a workbook's; a dashboard's are those funders may get.
var (
	workbookBreakdowns = []string{"country,edition", "edition", "country", "organisation,edition", "role,edition",
		"language,edition", "country,role"}
	dashboardBreakdowns = []string{"country,edition", "edition", "country", "role,edition", "language,edition"}
	expiries            = []string{"30d", "90d", "180d", "365d", "never"}
	refreshes           = []string{"", "24h", "7d"}
)

func breakdownOptions(lang string, list []string, picked string) []option {
	out := make([]option, len(list))
	for i, b := range list {
		var names []string
		for _, d := range strings.Split(b, ",") {
			names = append(names, console.T(lang, "reports_dim_"+d))
		}
		out[i] = option{Value: b, Label: strings.Join(names, " × "), Checked: b == picked}
	}
	return out
}

// workbookForm is the download form as shown: its choices and what is picked.
type workbookForm struct {
	Langs         []option
	Audiences     []option
	Editions      []option
	By            []option
	Countries     []option
	Roles         []option
	Organisations []option
	Organisation  string // typed names, when the form has no list
	Languages     []option
	Problem       string
}

func (s *section) workbookForm(lang string, ch choices, q url.Values) workbookForm {
	wlang := q.Get("lang")
	if wlang == "" {
		wlang = lang
	}
	aud := q.Get("audience")
	if aud == "" {
		aud = string(analytics.Coordinator)
	}
	by := q.Get("by")
	if by == "" {
		by = workbookBreakdowns[0]
	}
	f := workbookForm{
		Langs:         langOptions(lang, wlang),
		Audiences:     []option{{Value: "coordinator", Label: console.T(lang, "reports_aud_coord")}, {Value: "funder", Label: console.T(lang, "reports_aud_funder")}},
		Editions:      editionOptions(ch.Editions, values(q, "edition")),
		By:            breakdownOptions(lang, workbookBreakdowns, by),
		Countries:     checked(ch.Countries, values(q, "country")),
		Roles:         checked(ch.Roles, values(q, "role")),
		Organisations: checked(ch.Organisations, values(q, "organisation")),
		Languages:     checked(ch.Languages, values(q, "language")),
	}
	if len(ch.Organisations) == 0 {
		f.Organisation = strings.Join(values(q, "organisation"), ", ")
	}
	for i := range f.Audiences {
		f.Audiences[i].Checked = f.Audiences[i].Value == aud
	}
	return f
}

func langOptions(lang, picked string) []option {
	out := make([]option, len(reports.Languages))
	for i, l := range reports.Languages {
		out[i] = option{Value: l, Label: languageName(lang, l), Checked: l == picked}
	}
	return out
}

func editionOptions(eds []survey.Edition, picked []string) []option {
	out := make([]option, len(eds))
	for i, e := range eds {
		label := strconv.Itoa(e.Year)
		if e.Place != "" {
			label += " · " + e.Place
		}
		out[i] = option{Value: strconv.Itoa(e.Year), Label: label, Checked: slices.Contains(picked, strconv.Itoa(e.Year))}
	}
	return out
}

// values are a field's non-blank values, repeated or comma-separated.
func values(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// publishForm is the publication form as shown.
type publishForm struct {
	Langs     []option
	Editions  []option
	By        []option
	Countries []option
	Roles     []option
	Languages []option
	Questions []option
	Expiries  []option
	Refreshes []option
	Problem   string
}

func (s *section) publishForm(lang string, ch choices, f url.Values) publishForm {
	plang := f.Get("lang")
	if plang == "" {
		plang = lang
	}
	by := f.Get("by")
	if by == "" {
		by = dashboardBreakdowns[0]
	}
	exp := f.Get("expires")
	if exp == "" {
		exp = "90d"
	}
	p := publishForm{
		Langs:     langOptions(lang, plang),
		Editions:  editionOptions(ch.Editions, values(f, "edition")),
		By:        breakdownOptions(lang, dashboardBreakdowns, by),
		Countries: checked(ch.Countries, values(f, "country")),
		Roles:     checked(ch.Roles, values(f, "role")),
		Languages: checked(ch.Languages, values(f, "language")),
		Questions: checked(ch.Questions, values(f, "question")),
	}
	for _, e := range expiries {
		p.Expiries = append(p.Expiries, option{Value: e, Label: expiryLabel(lang, e), Checked: e == exp})
	}
	for _, r := range refreshes {
		p.Refreshes = append(p.Refreshes, option{Value: r, Label: refreshLabel(lang, r), Checked: r == f.Get("refresh")})
	}
	return p
}

func expiryLabel(lang, e string) string {
	if e == "never" {
		return console.T(lang, "reports_expires_never")
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(e, "d"))
	return console.T(lang, "reports_days", n)
}

func refreshLabel(lang, r string) string {
	d, _ := publish.ParseDuration(r)
	return periodLabel(lang, d)
}

func periodLabel(lang string, d time.Duration) string {
	switch {
	case d <= 0:
		return console.T(lang, "reports_never")
	case d == 24*time.Hour:
		return console.T(lang, "reports_every_day")
	case d == 7*24*time.Hour:
		return console.T(lang, "reports_every_week")
	case d%(24*time.Hour) == 0:
		return console.T(lang, "reports_every_days", int(d/(24*time.Hour)))
	}
	return console.T(lang, "reports_every_hours", int((d+time.Hour-1)/time.Hour))
}

// dashboardRow is a publication as the list shows it.
type dashboardRow struct {
	ID        string
	Scope     string
	Created   time.Time
	Published time.Time
	Expires   time.Time
	Refresh   string
	State     string
	Live      bool
	Viewed    time.Time
	Link      string
}

func (s *section) row(c *gin.Context, lang string, p publish.Publication) dashboardRow {
	now := s.k.Now()
	r := dashboardRow{ID: p.ID, Scope: scopeSummary(lang, p.Scope), Created: p.Created, Published: p.Published,
		Expires: p.Expires, Refresh: periodLabel(lang, time.Duration(p.Refresh)), Viewed: p.Viewed, Link: s.link(c, p)}
	switch {
	case !p.Revoked.IsZero():
		r.State = console.T(lang, "reports_state_revoked", p.Revoked.UTC().Format(time.DateOnly))
	case !p.Expires.IsZero() && !now.Before(p.Expires):
		r.State = console.T(lang, "reports_state_expired")
	default:
		r.State, r.Live = console.T(lang, "reports_state_live"), true
	}
	return r
}

// link is a publication's address for funders.
func (s *section) link(c *gin.Context, p publish.Publication) string {
	base := s.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	return base + "/d/" + p.Token
}

// scopeSummary says in a line what a dashboard shows.
func scopeSummary(lang string, sc publish.Scope) string {
	var parts []string
	if len(sc.Editions) == 0 {
		parts = append(parts, console.T(lang, "reports_scope_all_editions"))
	} else {
		ys := make([]string, len(sc.Editions))
		for i, y := range sc.Editions {
			ys[i] = strconv.Itoa(y)
		}
		parts = append(parts, console.T(lang, "reports_scope_editions", strings.Join(ys, ", ")))
	}
	var by []string
	for _, d := range sc.By {
		by = append(by, console.T(lang, "reports_dim_"+string(d)))
	}
	parts = append(parts, console.T(lang, "reports_scope_by", strings.Join(by, " × ")))
	for _, d := range sc.Filter.Dimensions() {
		parts = append(parts, console.T(lang, "reports_scope_filter", console.T(lang, "reports_dim_"+string(d)), strings.Join(sc.Filter[d], ", ")))
	}
	if len(sc.Questions) == 0 {
		parts = append(parts, console.T(lang, "reports_scope_all_questions"))
	} else {
		parts = append(parts, console.T(lang, "reports_scope_questions", len(sc.Questions)))
	}
	parts = append(parts, console.T(lang, "reports_scope_lang", languageName(lang, sc.Language)))
	return strings.Join(parts, " · ")
}

// pageBody is the reports page of a survey.
type pageBody struct {
	Survey     *survey.Survey
	Title      string
	Workbook   workbookForm
	Publish    publishForm
	Dashboards []dashboardRow
	Shown      *dashboardRow // the link just published
}

// render shows a survey's reports page: the workbook form filled from wq, the publication
// form from pf, either's problem.
func (s *section) render(c *gin.Context, status int, sv *survey.Survey, wq, pf url.Values, wProblem, pProblem string) {
	lang := console.Language(c)
	ch, err := s.choicesOf(c, sv, lang)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	list, err := s.cfg.Dashboards.List()
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	body := pageBody{Survey: sv, Title: sv.Title.In(lang, sv.DefaultLanguage),
		Workbook: s.workbookForm(lang, ch, wq), Publish: s.publishForm(lang, ch, pf)}
	body.Workbook.Problem, body.Publish.Problem = wProblem, pProblem
	shown := c.Query("shown")
	for _, p := range list {
		if p.Scope.Survey != sv.ID {
			continue
		}
		r := s.row(c, lang, p)
		body.Dashboards = append(body.Dashboards, r)
		if p.ID == shown && r.Live {
			body.Shown = &r
		}
	}
	page := s.k.NewPage(c, "reports_nav", body)
	page.Title = console.T(lang, "reports_of", body.Title)
	s.k.Render(c, status, s.pages, "reports.html", page)
}

func (s *section) page(c *gin.Context) {
	sv := s.surveyOf(c)
	if sv == nil {
		return
	}
	s.render(c, http.StatusOK, sv, url.Values{}, url.Values{}, "", "")
}

// download streams the workbook the query asks for, as the API's route does. The query's
// lang is the workbook's language, not the console's: an error page is shown in the
// console's.
func (s *section) download(c *gin.Context) {
	sv := s.surveyOf(c)
	if sv == nil {
		return
	}
	q := c.Request.URL.Query()
	for name := range q { // a form sends its empty fields: they filter nothing
		if len(values(q, name)) == 0 {
			delete(q, name)
		}
	}
	wlang := q.Get("lang")
	if wlang == "" {
		wlang = survey.DefaultLanguage
	}
	req, err := reportsweb.ParseRequest(sv.ID, q, wlang)
	if err == nil {
		req, err = req.Normalise()
	}
	if err == nil {
		err = s.cfg.Workbooks.Send(c, req, func() error {
			return s.k.Audit(c, audit.Entry{Action: "report.download", Survey: sv.ID, Target: string(req.Audience),
				Detail: requestDetail(req)})
		})
	}
	if err == nil {
		return
	}
	// The page that says why is the reports page, in the console's language (not the
	// workbook's): its language links lead there, not to another download.
	c.Request.URL.Path, c.Request.URL.RawQuery = reportsPath(sv.ID), ""
	switch survey.ErrorCode(err) {
	case survey.CodeMalformed:
		s.render(c, http.StatusBadRequest, sv, q, url.Values{}, survey.AsError(err).Message.In(console.Language(c)), "")
	case survey.CodeNotFound:
		s.k.NotFound(c)
	default:
		s.k.Fail(c, err)
	}
}

// requestDetail is a workbook request in a line, for the audit log.
func requestDetail(req reports.Request) string {
	var by []string
	for _, d := range req.By {
		by = append(by, string(d))
	}
	parts := []string{"audience=" + string(req.Audience), "lang=" + req.Language, "by=" + strings.Join(by, ",")}
	for _, d := range req.Filter.Dimensions() {
		vals := slices.Clone(req.Filter[d])
		slices.Sort(vals)
		parts = append(parts, string(d)+"="+strings.Join(vals, ","))
	}
	return strings.Join(parts, " ")
}

// reportsPath is a survey's reports page.
func reportsPath(surveyID string) string {
	return console.Base + "/surveys/" + url.PathEscape(surveyID) + "/reports"
}

func (s *section) publish(c *gin.Context) {
	sv := s.surveyOf(c)
	if sv == nil {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		s.k.Message(c, http.StatusBadRequest, "error_head", "reports_problem", err.Error())
		return
	}
	form := c.Request.PostForm
	lang := console.Language(c)
	scope, opts, bad := readScope(sv.ID, form)
	if bad != "" {
		s.render(c, http.StatusBadRequest, sv, url.Values{}, form, "", console.T(lang, "reports_bad_choice", bad))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), buildTimeout)
	defer cancel()
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(buildTimeout))
	p, err := s.cfg.Dashboards.Publish(ctx, scope, opts)
	if err != nil {
		switch survey.ErrorCode(err) {
		case survey.CodeMalformed, survey.CodeNotFound:
			s.render(c, http.StatusBadRequest, sv, url.Values{}, form, "", survey.AsError(err).Message.In(lang))
		default:
			s.k.Fail(c, err)
		}
		return
	}
	// The id exists once published: recorded right after, and withdrawn if it cannot be.
	if err := s.k.Audit(c, audit.Entry{Action: "dashboard.publish", Survey: sv.ID, Target: p.ID,
		Detail: p.Scope.String() + " expires=" + expiresDetail(p.Expires) + " refresh=" + time.Duration(p.Refresh).String()}); err != nil {
		if _, rerr := s.cfg.Dashboards.Revoke(p.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		s.k.Fail(c, fmt.Errorf("dashboard %s published, then revoked: not recorded: %w", p.ID, err))
		return
	}
	c.Redirect(http.StatusSeeOther, reportsPath(sv.ID)+"?done=reports_published&shown="+p.ID+"#shown")
}

func expiresDetail(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// readScope reads the publication form; bad names a value it does not know.
func readScope(surveyID string, f url.Values) (publish.Scope, publish.Options, string) {
	sc := publish.Scope{Survey: surveyID, Filter: analytics.Filter{}, Language: f.Get("lang")}
	for _, v := range values(f, "edition") {
		y, err := strconv.Atoi(v)
		if err != nil {
			return sc, publish.Options{}, v
		}
		sc.Editions = append(sc.Editions, y)
	}
	for _, d := range values(f, "by") {
		if !analytics.Dimension(d).Valid() {
			return sc, publish.Options{}, d
		}
		sc.By = append(sc.By, analytics.Dimension(d))
	}
	for _, d := range []analytics.Dimension{analytics.Country, analytics.Role, analytics.Language} {
		if vs := values(f, string(d)); len(vs) > 0 {
			sc.Filter[d] = vs
		}
	}
	sc.Questions = values(f, "question")
	var opts publish.Options
	var err error
	if opts.Expires, err = publish.ParseDuration(f.Get("expires")); err != nil {
		return sc, opts, f.Get("expires")
	}
	if opts.Refresh, err = publish.ParseDuration(f.Get("refresh")); err != nil || opts.Refresh < 0 {
		return sc, opts, f.Get("refresh")
	}
	return sc, opts, ""
}

// dashboardOf authorises the viewer on the request's survey and returns the publication
// named in the path, when it is one of that survey's; it answers the request and returns
// nil when not.
func (s *section) dashboardOf(c *gin.Context) (*survey.Survey, *publish.Publication) {
	sv := s.surveyOf(c)
	if sv == nil {
		return nil, nil
	}
	p, err := s.cfg.Dashboards.Get(c.Param("id"))
	switch {
	case errors.Is(err, publish.ErrNotFound):
		s.k.NotFound(c)
		return nil, nil
	case err != nil:
		s.k.Fail(c, err)
		return nil, nil
	case p.Scope.Survey != sv.ID:
		s.k.NotFound(c)
		return nil, nil
	}
	return sv, p
}

type revokeBody struct {
	Survey  *survey.Survey
	Title   string
	Row     dashboardRow
	Action  string
	Back    string
	Revoked bool
}

func (s *section) confirmRevoke(c *gin.Context) {
	sv, p := s.dashboardOf(c)
	if p == nil {
		return
	}
	lang := console.Language(c)
	body := revokeBody{Survey: sv, Title: sv.Title.In(lang, sv.DefaultLanguage), Row: s.row(c, lang, *p),
		Action: c.Request.URL.Path, Back: reportsPath(sv.ID) + "#dashboards", Revoked: !p.Revoked.IsZero()}
	s.k.Render(c, http.StatusOK, s.pages, "reports_revoke.html", s.k.NewPage(c, "reports_revoke_head", body))
}

func (s *section) revoke(c *gin.Context) {
	sv, p := s.dashboardOf(c)
	if p == nil {
		return
	}
	if p.Revoked.IsZero() {
		if err := s.k.Audit(c, audit.Entry{Action: "dashboard.revoke", Survey: sv.ID, Target: p.ID, Detail: p.Scope.String()}); err != nil {
			s.k.Fail(c, err)
			return
		}
		if _, err := s.cfg.Dashboards.Revoke(p.ID); err != nil {
			s.k.Fail(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, reportsPath(sv.ID)+"?done=reports_revoked#dashboards")
}

func (s *section) refresh(c *gin.Context) {
	sv, p := s.dashboardOf(c)
	if p == nil {
		return
	}
	if !p.Revoked.IsZero() || !p.Expires.IsZero() && !s.k.Now().Before(p.Expires) {
		s.k.Message(c, http.StatusConflict, "reports_not_live_head", "reports_not_live")
		return
	}
	if err := s.k.Audit(c, audit.Entry{Action: "dashboard.refresh", Survey: sv.ID, Target: p.ID, Detail: p.Scope.String()}); err != nil {
		s.k.Fail(c, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), buildTimeout)
	defer cancel()
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(buildTimeout))
	if _, err := s.cfg.Dashboards.Refresh(ctx, p.ID); err != nil {
		switch survey.ErrorCode(err) {
		case survey.CodeMalformed, survey.CodeNotFound:
			s.render(c, http.StatusBadRequest, sv, url.Values{}, url.Values{}, "", survey.AsError(err).Message.In(console.Language(c)))
		default:
			s.k.Fail(c, err)
		}
		return
	}
	c.Redirect(http.StatusSeeOther, reportsPath(sv.ID)+"?done=reports_refreshed#dashboards")
}
