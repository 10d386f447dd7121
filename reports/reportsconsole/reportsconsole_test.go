package reportsconsole_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/reports/reportsconsole"
	reportsweb "github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/surveytest"
)

const (
	surveyID = analyticstest.SurveyID
	base     = "https://palabre.example.org"
)

// fixture is the console with the reports section over the analytics test survey (three
// editions, 40 responses each, in memory), a second survey "other", real workbooks and
// real publications, and the funders' /d/ pages over the same publications.
type fixture struct {
	h     *consoletest.Harness
	store *publish.Store
	data  *analyticstest.Store
	pages *gin.Engine
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	cat := analyticstest.Catalog()
	if err := cat.SaveForm(ctx, surveytest.FeedbackForm("other")); err != nil {
		t.Fatal(err)
	}
	if err := cat.SaveEdition(ctx, survey.Edition{SurveyID: "other", Year: 2026, FormVersion: 1}); err != nil {
		t.Fatal(err)
	}
	data := analyticstest.NewStore(analyticstest.Responses(3, 40)...)
	b := reports.NewBuilder(cat, analytics.NewService(cat, data, 5), "test")
	dir := t.TempDir()
	workbooks, err := reportsweb.New(reportsweb.Config{Builder: b, CacheDir: filepath.Join(dir, "reports"), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := links.OpenKeyring(filepath.Join(dir, "keys", "links.json"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := publish.Open(filepath.Join(dir, "publications"), keys, b)
	if err != nil {
		t.Fatal(err)
	}
	h := consoletest.New(t, cat, func(k *console.Console) {
		if err := reportsconsole.Mount(k, reportsconsole.Config{Workbooks: workbooks, Dashboards: store, BaseURL: base + "/"}); err != nil {
			t.Fatal(err)
		}
	})
	d, err := reportsweb.NewDashboards(store, nil)
	if err != nil {
		t.Fatal(err)
	}
	pages := gin.New()
	d.RegisterPages(pages)
	return &fixture{h: h, store: store, data: data, pages: pages}
}

// open asks the funders' page of a link.
func (fx *fixture) open(link string) int {
	w := httptest.NewRecorder()
	fx.pages.ServeHTTP(w, httptest.NewRequest(http.MethodGet, strings.TrimPrefix(link, base), nil))
	return w.Code
}

func (fx *fixture) entries(action string) []audit.Entry {
	var out []audit.Entry
	for _, e := range fx.h.Audit.Entries() {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func sheets(t *testing.T, body string) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("the body is not a workbook: %v", err)
	}
	defer f.Close()
	return f.GetSheetList()
}

func TestTheReportsPageOffersTheWorkbooksOptions(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	r := c.Get("/console/reports?lang=en")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/console/surveys/partners-meeting/reports"`) || strings.Contains(r.Body, "/console/surveys/other/reports") {
		t.Fatalf("the surveys to pick from: %d\n%s", r.Status, r.Body)
	}
	r = c.Get("/console/surveys/" + surveyID + "/reports")
	if r.Status != http.StatusOK {
		t.Fatalf("reports page: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{
		`action="/console/surveys/partners-meeting/report.xlsx"`, `method="get"`,
		`name="lang"`, `<option value="es">Spanish</option>`,
		`name="audience" value="coordinator" checked`, `name="audience" value="funder"`,
		`name="edition" value="2023"`, `2024 · Dakar`, `name="edition" value="2025"`,
		`name="by"`, `<option value="country,edition" selected>country × edition</option>`,
		`name="country" value="SN"`, `Senegal`, `name="role" value="social_worker"`, `name="organisation"`, `name="language"`,
		// publishing
		`action="/console/surveys/partners-meeting/dashboards"`, `name="expires"`, `<option value="90d" selected>90 days</option>`,
		`name="refresh"`, `name="question" value="recommend"`, "No dashboard published for this survey.",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(r.Body, `value="followup_intro"`) {
		t.Error("a note is offered as a question to show")
	}
	if r := c.Get("/console/surveys/nope/reports"); r.Status != http.StatusForbidden {
		t.Errorf("a survey the coordinator was not given: %d", r.Status)
	}
	admin := fx.h.SignIn(t, "root@example.org", access.Admin)
	if r := admin.Get("/console/surveys/nope/reports"); r.Status != http.StatusNotFound {
		t.Errorf("an unknown survey: %d", r.Status)
	}
}

// TestDownloadTheWorkbookFromTheConsole: the form's query, empty fields included, gives the
// API's workbook in the language asked, without changing the console's language; each
// download is recorded; a bad choice shows the form again with the problem.
func TestDownloadTheWorkbookFromTheConsole(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	q := url.Values{"lang": {"es"}, "audience": {"coordinator"}, "by": {"country,edition"}, "edition": {"2024", "2025"},
		"country": {"SN", "PE", "MA"}, "organisation": {""}}
	r := c.Get("/console/surveys/" + surveyID + "/report.xlsx?" + q.Encode())
	if r.Status != http.StatusOK {
		t.Fatalf("download: %d\n%s", r.Status, r.Body)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="partners-meeting_2024-2025_es_`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("Content-Type %q", ct)
	}
	if got := sheets(t, r.Body); got[0] != "Resumen" || !slices.Contains(got, "Datos") {
		t.Errorf("sheets %v", got)
	}
	for _, ck := range c.HTTP.Jar.Cookies(mustURL(t, fx.h.Server.URL+"/console")) {
		if ck.Name == "palabre_lang" {
			t.Errorf("the workbook's language became the console's: %s", ck.Value)
		}
	}
	// Funders' version, in English: no raw data.
	r = c.Get("/console/surveys/" + surveyID + "/report.xlsx?lang=en&audience=funder&by=edition")
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "_en_funder_") {
		t.Fatalf("funders' workbook: %d %q", r.Status, r.Header.Get("Content-Disposition"))
	}
	if got := sheets(t, r.Body); got[0] != "Overview" || slices.Contains(got, "Data") {
		t.Errorf("funders' sheets %v", got)
	}
	downloads := fx.entries("report.download")
	if len(downloads) != 2 || downloads[0].Survey != surveyID || downloads[0].Email != "ana@example.org" ||
		downloads[0].Target != "coordinator" || !strings.Contains(downloads[0].Detail, "country=MA,PE,SN") ||
		!strings.Contains(downloads[0].Detail, "lang=es") || downloads[1].Target != "funder" {
		t.Errorf("downloads recorded: %+v", downloads)
	}
	// Refused: shown again, in the console's language, with the choices kept.
	r = c.Get("/console/surveys/" + surveyID + "/report.xlsx?lang=es&audience=funder&by=organisation,edition&edition=2024")
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `class="problem"`) ||
		!strings.Contains(r.Body, `lang="fr"`) || !strings.Contains(r.Body, `name="edition" value="2024" checked`) ||
		!strings.Contains(r.Body, `<option value="es" selected>`) ||
		!strings.Contains(r.Body, `href="/console/surveys/partners-meeting/reports?lang=en"`) {
		t.Errorf("a funders' workbook by organisation: %d\n%s", r.Status, r.Body)
	}
	if r := c.Get("/console/surveys/" + surveyID + "/report.xlsx?countries=SN"); r.Status != http.StatusBadRequest {
		t.Errorf("an unknown parameter: %d", r.Status)
	}
	if r := c.Get("/console/surveys/" + surveyID + "/report.xlsx?edition=2019"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "2019") {
		t.Errorf("an unknown edition: %d", r.Status)
	}
	if n := len(fx.entries("report.download")); n != 2 {
		t.Errorf("%d downloads recorded after refused ones, want 2", n)
	}
	// No session: to the login page, back here after.
	if r := fx.h.NewClient(t).Get("/console/surveys/" + surveyID + "/report.xlsx?lang=en"); r.Status != http.StatusSeeOther ||
		!strings.HasPrefix(r.Location, "/console/login?next=") {
		t.Errorf("without a session: %d %q", r.Status, r.Location)
	}
}

// TestADownloadNotRecordedIsNotServed: when the audit log cannot take the entry, the
// workbook is not sent.
func TestADownloadNotRecordedIsNotServed(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	fx.h.Audit.Err = errors.New("audit table unreachable")
	r := c.Get("/console/surveys/" + surveyID + "/report.xlsx?lang=en")
	if r.Status < 500 || strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("unrecorded download: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
}

var newLink = regexp.MustCompile(`id="new-link" readonly value="([^"]+)"`)

// TestPublishListRefreshRevoke walks a dashboard's life: published from the form, its link
// shown, listed, opened by a funder (last view), refreshed, revoked after confirming (the
// link answers 410), every change recorded.
func TestPublishListRefreshRevoke(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	page := "/console/surveys/" + surveyID + "/reports"
	c.Get(page)
	r := c.Post("/console/surveys/"+surveyID+"/dashboards", url.Values{"by": {"country,edition"}, "lang": {"en"},
		"edition": {"2024", "2025"}, "question": {"recommend", "improve"}, "expires": {"30d"}, "refresh": {"24h"}, "country": {""}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, page+"?done=reports_published&shown=") {
		t.Fatalf("publish: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	list, err := fx.store.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("published: %v %v", list, err)
	}
	p := list[0]
	if p.Scope.Survey != surveyID || !slices.Equal(p.Scope.Editions, []int{2024, 2025}) || len(p.Scope.Questions) != 2 ||
		p.Scope.Language != "en" || len(p.Scope.Filter) != 0 || time.Duration(p.Refresh) != 24*time.Hour ||
		p.Expires.Sub(p.Created) != 30*24*time.Hour {
		t.Errorf("publication %+v", p)
	}
	if !strings.HasSuffix(r.Location, "#shown") {
		t.Errorf("publish leads to %q, not to the new link", r.Location)
	}
	shown := c.Get(strings.TrimSuffix(r.Location, "#shown") + "&lang=en")
	m := newLink.FindStringSubmatch(shown.Body)
	if shown.Status != http.StatusOK || m == nil || m[1] != base+"/d/"+p.Token || !strings.Contains(shown.Body, "The dashboard is published.") {
		t.Fatalf("the new link is not shown: %d\n%s", shown.Status, shown.Body)
	}
	link := m[1]
	for _, want := range []string{"editions 2024, 2025 · by country × edition · 2 questions · page in English", "live", "daily",
		"not opened yet", `/dashboards/` + p.ID + `/revoke`, `/dashboards/` + p.ID + `/refresh`} {
		if !strings.Contains(shown.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if e := fx.entries("dashboard.publish"); len(e) != 1 || e[0].Target != p.ID || e[0].Survey != surveyID || !strings.Contains(e[0].Detail, "refresh=24h") {
		t.Errorf("publication recorded: %+v", e)
	}
	if plain := c.Get(page); newLink.MatchString(plain.Body) {
		t.Error("the new link's box shows without having just published")
	}

	// A funder opens it: the list says when.
	if code := fx.open(link); code != http.StatusOK {
		t.Fatalf("the link: %d", code)
	}
	viewed := c.Get(page + "?lang=en")
	if strings.Contains(viewed.Body, "not opened yet") || !strings.Contains(viewed.Body, time.Now().UTC().Format("2006-01-02")) {
		t.Errorf("the last view is not listed:\n%s", viewed.Body)
	}

	// Refresh now.
	fx.data.Add(analyticstest.Responses(4, 50)[40:]...)
	r = c.Post("/console/surveys/"+surveyID+"/dashboards/"+p.ID+"/refresh", nil)
	if r.Status != http.StatusSeeOther || r.Location != page+"?done=reports_refreshed#dashboards" {
		t.Fatalf("refresh: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if after, _ := fx.store.Get(p.ID); after.DataVersion == p.DataVersion || after.Token != p.Token {
		t.Errorf("refreshed: data version %s (was %s)", after.DataVersion, p.DataVersion)
	}
	if e := fx.entries("dashboard.refresh"); len(e) != 1 || e[0].Target != p.ID {
		t.Errorf("refresh recorded: %+v", e)
	}

	// Revoke: a confirmation page first, which changes nothing.
	confirm := c.Get("/console/surveys/" + surveyID + "/dashboards/" + p.ID + "/revoke?lang=en")
	if confirm.Status != http.StatusOK || !strings.Contains(confirm.Body, `method="post" action="/console/surveys/partners-meeting/dashboards/`+p.ID+`/revoke"`) ||
		!strings.Contains(confirm.Body, "Yes, revoke") {
		t.Fatalf("confirmation: %d\n%s", confirm.Status, confirm.Body)
	}
	if code := fx.open(link); code != http.StatusOK {
		t.Fatalf("the confirmation page revoked the link: %d", code)
	}
	r = c.Post("/console/surveys/"+surveyID+"/dashboards/"+p.ID+"/revoke", nil)
	if r.Status != http.StatusSeeOther || r.Location != page+"?done=reports_revoked#dashboards" {
		t.Fatalf("revoke: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if code := fx.open(link); code != http.StatusGone {
		t.Errorf("the revoked link answers %d, want 410", code)
	}
	if e := fx.entries("dashboard.revoke"); len(e) != 1 || e[0].Target != p.ID || e[0].Email != "ana@example.org" {
		t.Errorf("revocation recorded: %+v", e)
	}
	gone := c.Get(page + "?lang=en")
	if !strings.Contains(gone.Body, "revoked on") || strings.Contains(gone.Body, base+"/d/") || strings.Contains(gone.Body, "/dashboards/"+p.ID+"/refresh") {
		t.Errorf("the list after revoking:\n%s", gone.Body)
	}
	// A revoked dashboard is not refreshed again.
	if r := c.Post("/console/surveys/"+surveyID+"/dashboards/"+p.ID+"/refresh", nil); r.Status != http.StatusConflict {
		t.Errorf("refresh of a revoked dashboard: %d", r.Status)
	}
	if n := len(fx.entries("dashboard.refresh")); n != 1 {
		t.Errorf("%d refreshes recorded, want 1", n)
	}
}

// TestPublishRefusalsShowTheFormAgain: what Publish refuses is said on the page, with the
// choices kept, and nothing is published or recorded.
func TestPublishRefusalsShowTheFormAgain(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	c.Get("/console/surveys/" + surveyID + "/reports")
	for name, form := range map[string]url.Values{
		"small role cells": {"by": {"role,edition"}, "edition": {"2024"}, "expires": {"90d"}},
		"too often":        {"by": {"country,edition"}, "expires": {"90d"}, "refresh": {"1m"}},
		"unknown expiry":   {"by": {"country,edition"}, "expires": {"soon"}},
		"unknown edition":  {"by": {"country,edition"}, "edition": {"twenty"}},
	} {
		r := c.Post("/console/surveys/"+surveyID+"/dashboards", form)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `class="problem"`) {
			t.Errorf("%s: %d\n%s", name, r.Status, r.Body)
		}
	}
	if list, _ := fx.store.List(); len(list) != 0 {
		t.Errorf("%d publications after refusals", len(list))
	}
	if n := len(fx.entries("dashboard.publish")); n != 0 {
		t.Errorf("%d refused publications recorded", n)
	}
}

// TestAPublicationNotRecordedIsWithdrawn: when the audit log cannot take the entry, the
// dashboard just published is revoked at once and the coordinator told.
func TestAPublicationNotRecordedIsWithdrawn(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	c.Get("/console/surveys/" + surveyID + "/reports")
	fx.h.Audit.Err = errors.New("audit table unreachable")
	r := c.Post("/console/surveys/"+surveyID+"/dashboards", url.Values{"by": {"country,edition"}, "expires": {"90d"}})
	if r.Status < 500 {
		t.Errorf("unrecorded publication: %d", r.Status)
	}
	list, _ := fx.store.List()
	for _, p := range list {
		if p.Revoked.IsZero() {
			t.Errorf("an unrecorded publication is live: %s", p.ID)
		}
	}
	// Nor are revocations and refreshes made unrecorded.
	fx.h.Audit.Err = nil
	p, err := fx.store.Publish(context.Background(), publish.Scope{Survey: surveyID}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fx.h.Audit.Err = errors.New("audit table unreachable")
	if r := c.Post("/console/surveys/"+surveyID+"/dashboards/"+p.ID+"/revoke", nil); r.Status < 500 {
		t.Errorf("unrecorded revocation: %d", r.Status)
	}
	if after, _ := fx.store.Get(p.ID); !after.Revoked.IsZero() {
		t.Error("revoked without a record")
	}
	if r := c.Post("/console/surveys/"+surveyID+"/dashboards/"+p.ID+"/refresh", nil); r.Status < 500 {
		t.Errorf("unrecorded refresh: %d", r.Status)
	}
	if after, _ := fx.store.Get(p.ID); !after.Published.Equal(p.Published) || after.DataVersion != p.DataVersion {
		t.Error("refreshed without a record")
	}
}

// TestRefusals: every POST refuses a request without its CSRF token (403) or without a
// session (to the login page), and a coordinator given another survey gets 403 on this
// one's pages, downloads and changes, and 404 for a dashboard of another survey.
func TestRefusals(t *testing.T) {
	fx := newFixture(t)
	p, err := fx.store.Publish(context.Background(), publish.Scope{Survey: surveyID}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	posts := map[string]url.Values{
		"/console/surveys/" + surveyID + "/dashboards":                      {"by": {"country,edition"}, "expires": {"90d"}},
		"/console/surveys/" + surveyID + "/dashboards/" + p.ID + "/revoke":  nil,
		"/console/surveys/" + surveyID + "/dashboards/" + p.ID + "/refresh": nil,
	}
	ana := fx.h.SignIn(t, "ana@example.org", access.Coordinator, surveyID)
	ana.Get("/console/surveys/" + surveyID + "/reports")
	bob := fx.h.SignIn(t, "bob@example.org", access.Coordinator, "other")
	anon := fx.h.NewClient(t)
	for path, form := range posts {
		with := func(csrf string) url.Values {
			f := url.Values{"csrf": {csrf}}
			for k, v := range form {
				f[k] = v
			}
			return f
		}
		if r := ana.Post(path, with("")); r.Status != http.StatusForbidden {
			t.Errorf("%s without CSRF token: %d", path, r.Status)
		}
		if r := ana.Post(path, with("forged")); r.Status != http.StatusForbidden {
			t.Errorf("%s with a wrong CSRF token: %d", path, r.Status)
		}
		if r := anon.Post(path, with("anything")); r.Status != http.StatusSeeOther || r.Location != "/console/login" {
			t.Errorf("%s without a session: %d %q", path, r.Status, r.Location)
		}
		if r := bob.Post(path, form); r.Status != http.StatusForbidden {
			t.Errorf("%s by a coordinator of another survey: %d", path, r.Status)
		}
	}
	for _, path := range []string{"/console/surveys/" + surveyID + "/reports", "/console/surveys/" + surveyID + "/report.xlsx?lang=en",
		"/console/surveys/" + surveyID + "/dashboards/" + p.ID + "/revoke"} {
		if r := bob.Get(path); r.Status != http.StatusForbidden || strings.Contains(r.Body, p.Token) {
			t.Errorf("GET %s by a coordinator of another survey: %d", path, r.Status)
		}
	}
	// A dashboard of this survey through another survey's path: bob may see "other", not it.
	for _, path := range []string{"/console/surveys/other/dashboards/" + p.ID + "/revoke", "/console/surveys/other/dashboards/" + p.ID + "/refresh"} {
		bob.Get("/console/surveys/other/reports")
		if r := bob.Post(path, nil); r.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, r.Status)
		}
	}
	if r := bob.Get("/console/surveys/other/reports"); strings.Contains(r.Body, p.ID) {
		t.Error("another survey's page lists this survey's dashboard")
	}
	if after, _ := fx.store.Get(p.ID); !after.Revoked.IsZero() || !after.Published.Equal(p.Published) {
		t.Errorf("a refused request changed the dashboard: %+v", after)
	}
	if n := len(fx.h.Audit.Entries()); n != 0 {
		t.Errorf("refused requests recorded %d entries", n)
	}
	if list, _ := fx.store.List(); len(list) != 1 {
		t.Errorf("refused publications published: %d", len(list))
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
