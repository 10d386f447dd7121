package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
	reportsweb "github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// palabreCLI runs a palabre command (the built binary) against env and returns its output.
func palabreCLI(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	cmd := exec.Command(palabreBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("palabre %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// submitAndWait clicks sel and waits for the page that answers (the old body is marked
// first, so that the new one is told apart).
func submitAndWait(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		body, err := chromedp.Nodes(chromedp.CSS("body"))(ctx, t)
		if err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, dom.SetAttributeValue, dom.SetAttributeValueParams{NodeID: body[0].NodeID, Name: "data-left", Value: "1"}); err != nil {
			return err
		}
		if _, err := chromedp.Click(chromedp.CSS(sel))(ctx, t); err != nil {
			return err
		}
		_, err = chromedp.WaitReady(chromedp.CSS(`body:not([data-left])`))(ctx, t)
		return err
	})
}

// TestCoordinatorWalkthrough is a coordinator's year in the console, on the real binary and
// headless Chromium at phone width, from an empty database: set a password through the
// invitation `palabre user add` printed, sign out and in, upload the demo XLSForm, open an
// edition by invitation, generate 5 single-use links, a participant answers through one
// (its second use refused), the response appears in the live counts, download a workbook,
// publish a dashboard, revoke it, sign out. Screenshots of each step go to browsertest.Dir.
func TestCoordinatorWalkthrough(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	p := startProcess(t, env)
	p.waitReady(time.Now())
	base := p.base
	out := palabreCLI(t, env, "user", "add", "--email", "awa@example.org", "--name", "Awa", "--role", "coordinator", "--base-url", base)
	invitation := regexp.MustCompile(`http://\S+/console/invite/\S+`).FindString(out)
	if invitation == "" {
		t.Fatalf("no invitation link in:\n%s", out)
	}

	dir := browsertest.Dir(t)
	downloads := t.TempDir()
	ctx := browsertest.NewContext(t, browsertest.Options{})
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		browsertest.Screenshot(ctx, t, dir, "walkthrough-"+name)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		return loc
	}
	const password = "une phrase facile à retenir"

	// The invitation: choose a password; the console opens, signed in. Then out, and in.
	step("01-set-password", chromedp.Navigate(invitation+"?lang=fr"),
		browsertest.Fill(browsertest.F("password", password), browsertest.F("password_again", password)),
		submitAndWait(`form [type=submit]`))
	if loc := location(); loc != base+"/console" {
		t.Fatalf("after setting the password: %s", loc)
	}
	step("02-signed-out", submitAndWait(`form[action="/console/logout"] [type=submit]`))
	step("03-login", chromedp.Navigate(base+"/console/login"),
		browsertest.Fill(browsertest.F("email", "awa@example.org"), browsertest.F("password", password)),
		submitAndWait(`form[action="/console/login"] [type=submit]`))
	if !strings.Contains(text(".who"), "awa@example.org") {
		t.Fatalf("not signed in: %s", location())
	}

	// Upload the demo XLSForm.
	workbook, err := filepath.Abs("../../survey/demo/partners-meeting.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	step("04-upload", chromedp.Navigate(base+"/console/surveys"),
		chromedp.SetUploadFiles(chromedp.CSS(`#definition`), []string{workbook}),
		submitAndWait(`form[action="/console/surveys/upload"] [type=submit]`))
	if loc := location(); !strings.HasPrefix(loc, base+"/console/surveys/partners-meeting?") {
		t.Fatalf("after the upload: %s\n%s", loc, text("main"))
	}

	// A new edition by invitation, opened now.
	year := time.Now().UTC().Year() + 1
	for strings.Contains(text("main"), fmt.Sprintf("/editions/%d", year)) {
		year++
	}
	step("05-new-edition", chromedp.SetValue(chromedp.CSS(`#year`), fmt.Sprint(year)),
		chromedp.SetValue(chromedp.CSS(`#place`), "Antananarivo"),
		chromedp.SetValue(chromedp.CSS(`#invited`), "40"),
		chromedp.Click(chromedp.CSS(`input[name=access][value=invitation]`)),
		submitAndWait(`form[action$="/editions"] [type=submit]`))
	edition := fmt.Sprintf("%s/console/surveys/partners-meeting/editions/%d", base, year)
	if loc := location(); !strings.HasPrefix(loc, edition) {
		t.Fatalf("after creating the edition: %s\n%s", loc, text("main"))
	}
	if closed, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('form[action$="/open"]')`)); closed {
		step("06-opened", submitAndWait(`form[action$="/open"] [type=submit]`))
	}
	if state := text("main"); !strings.Contains(state, "ouverte") {
		t.Fatalf("the edition is not open:\n%s", state)
	}

	// Five single-use links, as a printable page of QR codes.
	step("07-invitations", chromedp.SetValue(chromedp.CSS(`#count`), "5"),
		submitAndWait(`form[action$="/invitations"] [type=submit]`))
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.card .u')).map(e => e.textContent.trim())`))
	if err != nil || len(links) != 5 {
		t.Fatalf("the printable page shows %d links (%v)", len(links), err)
	}
	if qr, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.card svg').length`)); qr != 5 {
		t.Fatalf("%d QR codes", qr)
	}

	// A participant answers through one link, on their own phone; the link then refuses.
	participant := browsertest.NewContext(t, browsertest.Options{})
	if _, err := browsertest.FillAndSubmit(participant, links[2], partnersAnswers...); err != nil {
		t.Fatal(err)
	}
	done, _ := chromedp.Run(participant, chromedp.Location())
	if !strings.Contains(done, "/done?id=") {
		t.Fatalf("the participant ended on %s", done)
	}
	browsertest.Screenshot(participant, t, dir, "walkthrough-08-participant-thanks")
	if err := chromedp.Do(participant, chromedp.Navigate(links[2])); err != nil {
		t.Fatal(err)
	}
	if used, _ := chromedp.Run(participant, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(used, "already been used") {
		t.Fatalf("second use of the link: %q", used)
	}
	browsertest.Screenshot(participant, t, dir, "walkthrough-09-link-used")
	if res, _ := httpGet(t, links[2]); res.StatusCode != http.StatusGone {
		t.Fatalf("second use of the link: %d", res.StatusCode)
	}

	// The response appears in the live counts.
	deadline := time.Now().Add(30 * time.Second)
	for {
		step("10-live-responses", chromedp.Navigate(edition+"/responses"))
		if strings.Contains(text("main"), "Grandir Dignement") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the response never reached the live counts:\n%s", text("main"))
		}
		time.Sleep(time.Second)
	}

	// Download the workbook, as the browser does.
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	step("11-reports", chromedp.Navigate(base+"/console/surveys/partners-meeting/reports"),
		chromedp.Click(chromedp.CSS(`form[action$="/report.xlsx"] [type=submit]`)))
	var file string
	waitFor(t, "the downloaded workbook", func() bool {
		m, _ := filepath.Glob(filepath.Join(downloads, "*.xlsx"))
		if len(m) == 1 {
			file = m[0]
		}
		return file != ""
	})
	time.Sleep(200 * time.Millisecond) // the file is renamed into place once complete
	wb, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatalf("the downloaded workbook: %v", err)
	}
	if len(wb.GetSheetList()) < 3 {
		t.Fatalf("the workbook has sheets %v", wb.GetSheetList())
	}
	wb.Close()

	// Publish a dashboard; its link opens; revoke it; the link is gone.
	step("12-published", chromedp.Navigate(base+"/console/surveys/partners-meeting/reports"),
		submitAndWait(`form[action$="/dashboards"] [type=submit]`))
	link, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#new-link`)))
	if err != nil || !strings.Contains(link, "/d/") {
		t.Fatalf("no dashboard link after publishing (%v):\n%s", err, text("main"))
	}
	if res, _ := httpGet(t, link); res.StatusCode != http.StatusOK {
		t.Fatalf("the new dashboard: %d", res.StatusCode)
	}
	step("13-revoke", chromedp.Navigate(base+"/console/surveys/partners-meeting/reports"),
		submitAndWait(`a.button.danger[href$="/revoke"]`))
	step("14-revoked", submitAndWait(`form[action$="/revoke"] [type=submit]`))
	if res, _ := httpGet(t, link); res.StatusCode != http.StatusGone {
		t.Fatalf("the revoked dashboard: %d", res.StatusCode)
	}

	// Sign out: the console asks to sign in again.
	step("15-signed-out", submitAndWait(`form[action="/console/logout"] [type=submit]`))
	step("16-after-logout", chromedp.Navigate(base+"/console/surveys"))
	if loc := location(); !strings.HasPrefix(loc, base+"/console/login") {
		t.Fatalf("after signing out, the console is at %s", loc)
	}
	if strings.Contains(p.out.String(), password) || strings.Contains(p.out.String(), strings.TrimPrefix(invitation, base+"/console/invite/")) {
		t.Fatal("a password or an invitation token reached the log")
	}
}

// partnersAnswers answer the demo's partners-meeting form.
var partnersAnswers = []browsertest.Field{
	browsertest.F("profile.country", "MG"),
	browsertest.F("profile.organisation", "Grandir Dignement"),
	browsertest.F("profile.role", "psychologist"),
	browsertest.F("first_meeting", "no"),
	browsertest.F("overall_satisfaction", "satisfied"),
	browsertest.F("sessions.sharing_experiences", "very_useful"),
	browsertest.F("sessions.questioning_practices", "useful"),
	browsertest.F("sessions.pooling_tools", "useful"),
	browsertest.F("sessions.building_tools", "useful"),
	browsertest.F("sessions.partner_visit", "very_useful"),
	browsertest.F("sessions.guide_handover", "useful"),
	browsertest.F("take_back", "tools"),
	browsertest.F("recommend", "9"),
}

// TestTwoProcessesShareSessions runs two palabre serve processes over one database: a login
// on one is valid on the other, and a logout on one ends the session on the other within
// 5 seconds (sessions live in ClickHouse, not in a process).
func TestTwoProcessesShareSessions(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn)
	a := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir()})
	b := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_MIGRATE": "false"})
	a.waitReady(time.Now())
	b.waitReady(time.Now())
	out := palabreCLI(t, map[string]string{"PALABRE_CLICKHOUSE": dsn}, "user", "add", "--email", "awa@example.org",
		"--role", "admin", "--base-url", a.base)
	invitation := regexp.MustCompile(`http://\S+/console/invite/\S+`).FindString(out)

	jar, _ := cookiejar.New(nil) // cookies are per host, not per port: one browser for both
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	get := func(u string) (int, string) {
		t.Helper()
		res, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	post := func(u string, form url.Values) int {
		t.Helper()
		res, err := client.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	_, page := get(invitation)
	if code := post(invitation, url.Values{"csrf": {csrf.FindStringSubmatch(page)[1]}, "password": {"a long enough password"},
		"password_again": {"a long enough password"}}); code != http.StatusSeeOther {
		t.Fatalf("setting the password on A: %d", code)
	}
	code, home := get(b.base + "/console")
	if code != http.StatusOK || !strings.Contains(home, "awa@example.org") {
		t.Fatalf("the session of A on B: %d", code)
	}
	// The logout clears the browser's cookie; a copy of it (another tab, a stolen cookie) must
	// stop working on B too.
	var session string
	u, _ := url.Parse(a.base)
	for _, c := range jar.Cookies(u) {
		if c.Name == access.SessionCookie {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	if code := post(a.base+"/console/logout", url.Values{"csrf": {csrf.FindStringSubmatch(home)[1]}}); code != http.StatusSeeOther {
		t.Fatalf("logout on A: %d", code)
	}
	start := time.Now()
	for {
		req, _ := http.NewRequest(http.MethodGet, b.base+"/console", nil)
		req.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: session})
		res, err := (&http.Client{CheckRedirect: client.CheckRedirect}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusSeeOther {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the session ended on A still works on B after %v", time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("a logout on A took effect on B after %v", time.Since(start).Round(time.Millisecond))
}

// TestEveryConsoleChangeNeedsASessionAndItsToken lists every state-changing route of the
// console as palabre serve mounts it, and sends each one a request without a session (it
// must lead to the login page) and one with a session but without the CSRF token (403).
// A route added later is covered without anyone writing its test.
func TestEveryConsoleChangeNeedsASessionAndItsToken(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	pipeline, err := ingest.Open(ctx, ingest.Config{Dir: filepath.Join(data, "journal"), Log: log}, db, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pipeline.Close(context.Background()) })
	invites := invite.NewService(db.Invitations())
	forms, err := web.NewForms(web.FormsConfig{Catalog: db, Sink: pipeline, Log: log, Invitations: invites})
	if err != nil {
		t.Fatal(err)
	}
	accounts := access.New(db.Access(), access.WithParams(accesstest.CheapParams))
	builder := reports.NewBuilder(db, analytics.NewService(db, db, 5), "test")
	workbooks, err := reportsweb.New(reportsweb.Config{Builder: builder, CacheDir: filepath.Join(data, "reports")})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := links.OpenKeyring(filepath.Join(data, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	publications, err := publish.Open(filepath.Join(data, "publications"), keys, builder)
	if err != nil {
		t.Fatal(err)
	}
	engine := newEngine(log, 1<<20)
	if err := mountConsole(engine, consoleDeps{cfg: serveConfig{maxBody: 1 << 20}, log: log, accounts: accounts, catalog: db, db: db,
		forms: forms, workbooks: workbooks, publications: publications, eraser: newEraser(db, publications, log),
		invites: invites, pipeline: pipeline}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)

	_, token, err := accounts.AddUser(ctx, access.NewUser{Email: "root@example.org", Role: access.Admin})
	if err != nil {
		t.Fatal(err)
	}
	u, err := accounts.AcceptInvitation(ctx, token, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	session, _, err := accounts.StartSession(ctx, u, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	param := strings.NewReplacer(":survey", "partners-meeting", ":year", "2026", ":id", "x", ":token", "x")
	var changes int
	for _, r := range engine.Routes() {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || !strings.HasPrefix(r.Path, "/console") {
			continue
		}
		path := param.Replace(r.Path)
		send := func(withSession bool, form url.Values) *http.Response {
			req, _ := http.NewRequest(r.Method, srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if withSession {
				req.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: session})
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		if path == "/console/login" || strings.HasPrefix(path, "/console/invite/") {
			// Before there is a session: the form's own token (its cookie) is required.
			if res := send(false, url.Values{"email": {"root@example.org"}, "password": {"a long enough password"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s without the form's token: %d, want 403", r.Method, path, res.StatusCode)
			}
			continue
		}
		changes++
		if res := send(false, url.Values{}); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
			t.Errorf("%s %s without a session: %d to %q, want 303 to the login page", r.Method, path, res.StatusCode, res.Header.Get("Location"))
		}
		for _, form := range []url.Values{{}, {"csrf": {"forged"}}} {
			if res := send(true, form); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s with a session, csrf %q: %d, want 403", r.Method, path, form.Get("csrf"), res.StatusCode)
			}
		}
	}
	if changes < 20 {
		t.Fatalf("only %d state-changing console routes found", changes)
	}
	t.Logf("%d state-changing console routes refuse a request without a session or without its CSRF token", changes)
}
