package surveys_test

import (
	"bytes"
	"context"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/console/surveys"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// maxUpload is the tests' limit on definition files.
const maxUpload = 64 << 10

// fixture is a console with the surveys section over a catalog holding "meeting" (last
// year's edition closed, this year's open, next year's not open yet) and "other".
type fixture struct {
	h       *consoletest.Harness
	catalog *surveytest.Catalog
	year    int // this year: its edition of "meeting" is open
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Now()
	catalog := surveytest.Seed("meeting", now)
	ctx := context.Background()
	if err := catalog.SaveForm(ctx, surveytest.FeedbackForm("other")); err != nil {
		t.Fatal(err)
	}
	if err := catalog.SaveEdition(ctx, survey.Edition{SurveyID: "other", Year: now.Year(), FormVersion: 1}); err != nil {
		t.Fatal(err)
	}
	forms, err := web.NewForms(web.FormsConfig{Catalog: catalog, Sink: &surveytest.Sink{}})
	if err != nil {
		t.Fatal(err)
	}
	h := consoletest.New(t, catalog, func(k *console.Console) {
		if err := surveys.Mount(k, surveys.Config{Forms: forms, MaxUpload: maxUpload}); err != nil {
			t.Fatal(err)
		}
	})
	return &fixture{h: h, catalog: catalog, year: now.Year()}
}

func (fx *fixture) edition(t *testing.T, id string, year int) survey.Edition {
	t.Helper()
	all, err := fx.catalog.Surveys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.ID == id {
			if e, ok := s.Edition(year); ok {
				return e
			}
		}
	}
	t.Fatalf("no edition %s %d", id, year)
	return survey.Edition{}
}

func (fx *fixture) hasEdition(id string, year int) bool {
	all, _ := fx.catalog.Surveys(context.Background())
	for _, s := range all {
		if s.ID == id {
			_, ok := s.Edition(year)
			return ok
		}
	}
	return false
}

func contains(t *testing.T, r consoletest.Response, status int, want ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func lacks(t *testing.T, r consoletest.Response, not ...string) {
	t.Helper()
	for _, n := range not {
		if strings.Contains(r.Body, n) {
			t.Errorf("page has %q", n)
		}
	}
}

func TestPages(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, "meeting")
	y := strconv.Itoa(fx.year)
	next := strconv.Itoa(fx.year + 1)

	r := c.Get("/console/surveys?lang=en")
	contains(t, r, http.StatusOK, "<h1>Surveys</h1>", `href="/console/surveys/meeting">Partners&#39; meeting</a>`,
		"<code>meeting</code>", `href="/console/surveys/meeting/editions/`+y+`">`+y+`</a> · Tanger — <span class="status_open">open</span>`,
		`<span class="status_not_yet">not open yet</span>`, `<span class="status_closed">closed</span>`,
		`action="/console/surveys/upload" enctype="multipart/form-data"`, `aria-current="page">Surveys`)
	lacks(t, r, "/console/surveys/other")

	r = c.Get("/console/surveys?lang=es")
	contains(t, r, http.StatusOK, "Encuentro de socios", "Cargar una definición", "abierta")

	r = c.Get("/console/surveys/meeting?lang=en")
	contains(t, r, http.StatusOK, "<h1>Partners&#39; meeting</h1>",
		`href="/console/surveys/meeting/editions/`+y+`"`, `<a href="/s/meeting/`+y+`">/s/meeting/`+y+`</a>`,
		`Version 1 — editions: `+strconv.Itoa(fx.year-1)+", "+y+", "+next,
		`href="/console/surveys/meeting/preview?version=1">Preview version 1</a>`,
		`action="/console/surveys/meeting/editions"`, `name="year" type="number" min="2000" max="2100" step="1" required value="`+strconv.Itoa(fx.year+2)+`"`,
		`<option value="1" selected>1</option>`, "Last open day", `<td class="num">`)

	r = c.Get("/console/surveys/meeting/editions/" + next + "?lang=fr")
	contains(t, r, http.StatusOK, "Édition "+next+" · Lima", "pas encore ouverte", "Ouvre le ",
		`action="/console/surveys/meeting/editions/`+next+`/open"`, "Ouvrir maintenant", `name="place" type="text" maxlength="200" value="Lima"`,
		`href="/console/surveys/meeting/preview?version=1"`, `href="/s/meeting/`+next+`"`)
	lacks(t, r, "/close\"")

	r = c.Get("/console/surveys/meeting/editions/" + y + "?lang=en")
	contains(t, r, http.StatusOK, "Open since", "Close now", `action="/console/surveys/meeting/editions/`+y+`/close"`)
	lacks(t, r, "/open\"")

	r = c.Get("/console/surveys/meeting/preview?lang=en")
	contains(t, r, http.StatusOK, "Preview: Partners&#39; meeting", "it cannot be sent from here",
		`href="/console/surveys/meeting">Leave the preview`, `<button type="submit" disabled>`, "Which sessions were most useful to you?")
	lacks(t, r, `method="post"`)
	contains(t, c.Get("/console/surveys/meeting/preview?version=1"), http.StatusOK, "Aperçu")

	for _, path := range []string{"/console/surveys/meeting/editions/1990", "/console/surveys/meeting/editions/x",
		"/console/surveys/meeting/preview?version=9", "/console/surveys/meeting/preview?version=x"} {
		if r := c.Get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, r.Status)
		}
	}
	admin := fx.h.SignIn(t, "root@example.org", access.Admin)
	if r := admin.Get("/console/surveys/nope"); r.Status != http.StatusNotFound {
		t.Errorf("unknown survey: status %d", r.Status)
	}
	contains(t, admin.Get("/console/surveys"), http.StatusOK, "/console/surveys/other", "/console/surveys/meeting")
}

// A coordinator limited to another survey sees none of this one's pages and changes nothing.
func TestOtherSurveyForbidden(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "bob@example.org", access.Coordinator, "other")
	y := strconv.Itoa(fx.year)
	for _, path := range []string{"/console/surveys/meeting", "/console/surveys/meeting/preview",
		"/console/surveys/meeting/editions/" + y, "/console/surveys/meeting/editions/1990"} {
		r := c.Get(path + "?lang=en")
		contains(t, r, http.StatusForbidden, "Access denied")
	}
	before := fx.edition(t, "meeting", fx.year)
	for path, form := range postRoutes(fx.year) {
		r := c.Post(path, form)
		if r.Status != http.StatusForbidden {
			t.Errorf("POST %s: status %d, want 403", path, r.Status)
		}
	}
	if fx.edition(t, "meeting", fx.year) != before || fx.hasEdition("meeting", 2090) {
		t.Fatal("a forbidden request changed the catalog")
	}
	r := upload(t, c, "meeting.yaml", []byte(strings.ReplaceAll(smallYAML, "small", "meeting")))
	contains(t, r, http.StatusForbidden)
	if n := len(fx.h.Audit.Entries()); n != 0 {
		t.Fatalf("%d audit entries", n)
	}
	contains(t, c.Get("/console/surveys"), http.StatusOK, "/console/surveys/other")
	lacks(t, c.Get("/console/surveys"), "/console/surveys/meeting")
}

// postRoutes are the section's state-changing routes on "meeting", each with a form that
// would change something.
func postRoutes(year int) map[string]url.Values {
	y := strconv.Itoa(year)
	return map[string]url.Values{
		"/console/surveys/meeting/editions": {"year": {"2090"}, "form_version": {"1"}, "invited": {"3"}},
		"/console/surveys/meeting/editions/" + y: {"form_version": {"1"}, "place": {"Rabat"}, "invited": {"30"},
			"opens": {""}, "closes": {""}},
		"/console/surveys/meeting/editions/" + strconv.Itoa(year+1) + "/open": nil,
		"/console/surveys/meeting/editions/" + y + "/close":                   nil,
	}
}

func TestCSRFAndSession(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, "meeting")
	before := fx.edition(t, "meeting", fx.year)
	for path, form := range postRoutes(fx.year) {
		f := url.Values{"csrf": {"forged"}}
		for k, v := range form {
			f[k] = v
		}
		if r := c.Post(path, f); r.Status != http.StatusForbidden {
			t.Errorf("POST %s without the CSRF token: status %d, want 403", path, r.Status)
		}
		anon := fx.h.NewClient(t)
		if r := anon.Post(path, form); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/login") {
			t.Errorf("POST %s without a session: %d to %q, want 303 to the login page", path, r.Status, r.Location)
		}
	}
	// The upload, multipart, without the token and without a session.
	body, ctype := multipartBody(t, "forged", "small.yaml", []byte(smallYAML))
	if r := c.PostBody("/console/surveys/upload", ctype, body); r.Status != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: status %d", r.Status)
	}
	body, ctype = multipartBody(t, "", "small.yaml", []byte(smallYAML))
	if r := fx.h.NewClient(t).PostBody("/console/surveys/upload", ctype, body); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/login") {
		t.Errorf("upload without a session: %d to %q", r.Status, r.Location)
	}
	if fx.edition(t, "meeting", fx.year) != before || fx.hasEdition("meeting", 2090) || fx.hasEdition("small", 2025) {
		t.Fatal("a refused request changed the catalog")
	}
	if n := len(fx.h.Audit.Entries()); n != 0 {
		t.Fatalf("%d audit entries", n)
	}
}

const smallYAML = `survey: small
version: 1
title: {fr: Petit, en: Small, es: Pequeño}
editions:
  - {year: 2025, place: Tanger, opens: 2025-11-01, closes: 2025-11-30, invited: 26}
questions:
  - {key: q, type: yes_no, label: "Oui ?"}
`

func multipartBody(t *testing.T, csrf, name string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf != "" {
		if err := w.WriteField("csrf", csrf); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		fw, err := w.CreateFormFile("definition", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

func upload(t *testing.T, c *consoletest.Client, name string, data []byte) consoletest.Response {
	t.Helper()
	body, ctype := multipartBody(t, c.CSRF, name, data)
	return c.PostBody("/console/surveys/upload?lang=en", ctype, body)
}

func demoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(demo.FS(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUploadYAML(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator)
	r := upload(t, c, "partners-meeting.yaml", demoFile(t, "partners-meeting.yaml"))
	if r.Status != http.StatusSeeOther || r.Location != "/console/surveys/partners-meeting?done=surveys_uploaded" {
		t.Fatalf("upload: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	if _, err := fx.catalog.Form(context.Background(), "partners-meeting", 1); err != nil {
		t.Fatalf("form not saved: %v", err)
	}
	want, err := demo.Open("partners-meeting.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range want.Editions {
		if got := fx.edition(t, "partners-meeting", e.Year); got != e {
			t.Errorf("edition %d: %+v, want %+v", e.Year, got, e)
		}
	}
	entries := fx.h.Audit.Entries()
	if len(entries) != 1 || entries[0].Action != "survey.upload" || entries[0].Survey != "partners-meeting" ||
		entries[0].Target != "version 1" || !strings.Contains(entries[0].Detail, "partners-meeting.yaml: version 1 (new)") ||
		entries[0].Email != "ana@example.org" {
		t.Fatalf("audit %+v", entries)
	}
	r = c.Get(r.Location + "&lang=en")
	contains(t, r, http.StatusOK, "Definition checked and saved.", "Version 1")

	// The same survey as a workbook is the same form: saved again, unchanged.
	r = upload(t, c, "partners-meeting.xlsx", demoFile(t, "partners-meeting.xlsx"))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("workbook after YAML: %d\n%s", r.Status, r.Body)
	}
	if e := fx.h.Audit.Entries(); len(e) != 2 || !strings.Contains(e[1].Detail, "partners-meeting.xlsx: version 1 (unchanged)") {
		t.Fatalf("audit %+v", e)
	}

	// Version 1 with other content is refused.
	changed := strings.Replace(string(demoFile(t, "partners-meeting.yaml")), "votre avis", "votre opinion", 1)
	r = upload(t, c, "partners-meeting.yaml", []byte(changed))
	contains(t, r, http.StatusConflict, "Version 1 of survey “partners-meeting” already exists with other content", "(2)")
	if n := len(fx.h.Audit.Entries()); n != 2 {
		t.Fatalf("a refused upload was audited (%d entries)", n)
	}
}

func TestUploadXLSForm(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, "partners-meeting")
	r := upload(t, c, "partners-meeting.xlsx", demoFile(t, "partners-meeting.xlsx"))
	if r.Status != http.StatusSeeOther || r.Location != "/console/surveys/partners-meeting?done=surveys_uploaded" {
		t.Fatalf("upload: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	form, err := fx.catalog.Form(context.Background(), "partners-meeting", 1)
	if err != nil {
		t.Fatalf("form not saved: %v", err)
	}
	if len(form.Questions()) < 5 {
		t.Fatalf("form has %d questions", len(form.Questions()))
	}
	if e := fx.h.Audit.Entries(); len(e) != 1 || e[0].Action != "survey.upload" || e[0].Survey != "partners-meeting" {
		t.Fatalf("audit %+v", e)
	}
	contains(t, c.Get("/console/surveys/partners-meeting/preview?lang=en"), http.StatusOK, "Preview: Annual meeting of international partners")
}

// badYAML has three mistakes, on lines 5, 8 and 9.
const badYAML = `survey: small
version: 1
title: Petit
editions:
  - {year: 2025, opens: 2025-11-30, closes: 2025-11-01}
questions:
  - {key: q, type: yes_no, label: Oui}
  - {key: q2, type: nonsense, label: Non}
  - {key: q3, type: single_choice, label: Choix, relevant: "${nowhere} = 'x'", choices: [a, b]}
`

func TestUploadBadYAML(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator)
	r := upload(t, c, "bad.yaml", []byte(badYAML))
	contains(t, r, http.StatusUnprocessableEntity, "Nothing was saved: bad.yaml has 3 problem(s) to fix.",
		"<td>bad.yaml:5</td>", "closes (2025-11-01) is before opens (2025-11-30)",
		"<td>bad.yaml:8</td>", "nonsense", "<td>bad.yaml:9</td>", "nowhere",
		`action="/console/surveys/upload"`)
	if fx.hasEdition("small", 2025) || len(fx.h.Audit.Entries()) != 0 {
		t.Fatal("a bad definition was saved or audited")
	}
	r = c.PostBody("/console/surveys/upload?lang=fr", "", nil)
	if r.Status != http.StatusForbidden { // no body: no token
		t.Fatalf("empty post: %d", r.Status)
	}
	contains(t, upload(t, c, "notes.txt", []byte("hello")), http.StatusUnprocessableEntity, "must end in .yaml, .yml, .json or .xlsx")
	body, ctype := multipartBody(t, c.CSRF, "", nil)
	contains(t, c.PostBody("/console/surveys/upload?lang=es", ctype, body), http.StatusUnprocessableEntity, "Elija un archivo para cargar.")
	contains(t, upload(t, c, "empty.yaml", nil), http.StatusUnprocessableEntity, "Choose a file to upload.")
	contains(t, upload(t, c, "garbage.json", []byte("{")), http.StatusUnprocessableEntity, "garbage.json:")
	big := append([]byte(smallYAML), bytes.Repeat([]byte("# padding\n"), maxUpload/10)...)
	contains(t, upload(t, c, "big.yaml", big), http.StatusRequestEntityTooLarge, "The file is over 64\u00a0KiB.")
	contains(t, c.Get("/console/surveys?lang=fr"), http.StatusOK, "d&#39;au plus 64\u00a0Kio")
	if fx.hasEdition("small", 2025) || len(fx.h.Audit.Entries()) != 0 {
		t.Fatal("a refused upload was saved or audited")
	}
}

func TestUploadBadXLSForm(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator)
	wb, err := excelize.OpenReader(bytes.NewReader(demoFile(t, "partners-meeting.xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows("survey")
	if err != nil {
		t.Fatal(err)
	}
	typeCol := -1
	for i, h := range rows[0] {
		if h == "type" {
			typeCol = i
		}
	}
	if typeCol < 0 {
		t.Fatal("no type column")
	}
	cell, _ := excelize.CoordinatesToCellName(typeCol+1, 3)
	if err := wb.SetCellValue("survey", cell, "bogus_type"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r := upload(t, c, "bad.xlsx", buf.Bytes())
	contains(t, r, http.StatusUnprocessableEntity, "Nothing was saved: bad.xlsx has", "bad.xlsx, survey sheet, row 3", "bogus_type")
	if len(fx.h.Audit.Entries()) != 0 {
		t.Fatal("a bad workbook was audited")
	}
	if _, err := fx.catalog.Form(context.Background(), "partners-meeting", 1); err == nil {
		t.Fatal("a bad workbook was saved")
	}
	contains(t, upload(t, c, "broken.xlsx", []byte("not a zip")), http.StatusUnprocessableEntity, "not an .xlsx workbook")
}

// A coordinator limited to some surveys uploads only those; a new survey needs an unlimited
// coordinator or an admin.
func TestUploadAccess(t *testing.T) {
	fx := newFixture(t)
	limited := fx.h.SignIn(t, "lim@example.org", access.Coordinator, "meeting")
	contains(t, upload(t, limited, "small.yaml", []byte(smallYAML)), http.StatusForbidden, "Access denied")
	if fx.hasEdition("small", 2025) {
		t.Fatal("saved")
	}
	mine := strings.ReplaceAll(smallYAML, "survey: small", "survey: meeting\nversion: 2")
	mine = strings.Replace(mine, "version: 1\n", "", 1)
	if r := upload(t, limited, "meeting.yaml", []byte(mine)); r.Status != http.StatusSeeOther {
		t.Fatalf("own survey: %d\n%s", r.Status, r.Body)
	}
	if _, err := fx.catalog.Form(context.Background(), "meeting", 2); err != nil {
		t.Fatal("own survey's version 2 not saved")
	}
	for _, who := range []struct {
		email string
		role  access.Role
	}{{"all@example.org", access.Coordinator}, {"root@example.org", access.Admin}} {
		c := fx.h.SignIn(t, who.email, who.role)
		if r := upload(t, c, "small.yaml", []byte(smallYAML)); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", who.email, r.Status, r.Body)
		}
	}
	if !fx.hasEdition("small", 2025) {
		t.Fatal("new survey not saved")
	}
}

func TestEditionCreate(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, "meeting")
	c.Get("/console/surveys/meeting")
	r := c.Post("/console/surveys/meeting/editions", url.Values{"year": {"2090"}, "form_version": {"1"}, "place": {" Quito "},
		"opens": {"2090-03-01"}, "closes": {"2090-03-31"}, "invited": {"40"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/surveys/meeting/editions/2090?done=surveys_created" {
		t.Fatalf("create: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	want := survey.Edition{SurveyID: "meeting", Year: 2090, FormVersion: 1, Place: "Quito", Invited: 40,
		Opens: time.Date(2090, 3, 1, 0, 0, 0, 0, time.UTC), Closes: time.Date(2090, 4, 1, 0, 0, 0, 0, time.UTC)}
	if got := fx.edition(t, "meeting", 2090); got != want {
		t.Fatalf("edition %+v, want %+v", got, want)
	}
	e := fx.h.Audit.Entries()
	if len(e) != 1 || e[0].Action != "edition.create" || e[0].Survey != "meeting" || e[0].Target != "2090" ||
		e[0].Detail != `form version 1; place "Quito"; opens 2090-03-01; closes 2090-04-01; invited 40` {
		t.Fatalf("audit %+v", e)
	}
	contains(t, c.Get(r.Location+"&lang=en"), http.StatusOK, "Edition created.", `value="2090-03-31"`, "Opens on March 1, 2090. Last day: March 31, 2090.")

	// The same year again, and each mistake, are shown with 422 and change nothing.
	cases := []struct {
		form url.Values
		want string
	}{
		{url.Values{"year": {"2090"}, "form_version": {"1"}}, "The 2090 edition already exists"},
		{url.Values{"year": {"1999"}, "form_version": {"1"}}, "The year must be a whole number from 2000 to 2100."},
		{url.Values{"year": {"twenty"}, "form_version": {"1"}}, "The year must be a whole number from 2000 to 2100."},
		{url.Values{"year": {"2091"}, "form_version": {"1"}, "opens": {"2091-05-02"}, "closes": {"2091-05-01"}},
			"The last open day (2091-05-01) is before the opening (2091-05-02)."},
		{url.Values{"year": {"2091"}, "form_version": {"1"}, "opens": {"1 May"}}, "Opens: “1 May” is not a date written YYYY-MM-DD."},
		{url.Values{"year": {"2091"}, "form_version": {"1"}, "invited": {"-1"}}, "The number invited must be a whole number from 0 to 1000000."},
		{url.Values{"year": {"2091"}, "form_version": {"1"}, "invited": {"99999999999"}}, "The number invited must be a whole number from 0 to 1000000."},
		{url.Values{"year": {"2091"}, "form_version": {"7"}}, "The form has no version “7”."},
		{url.Values{"year": {"2091"}, "form_version": {"1"}, "place": {strings.Repeat("é", 201)}}, "The place must be at most 200 characters long."},
	}
	for _, tc := range cases {
		r := c.Post("/console/surveys/meeting/editions?lang=en", tc.form)
		contains(t, r, http.StatusUnprocessableEntity, tc.want, "To fix", `value="`+tc.form.Get("year")+`"`)
	}
	r = c.Post("/console/surveys/meeting/editions?lang=fr", url.Values{"year": {"1999"}, "form_version": {"1"}})
	contains(t, r, http.StatusUnprocessableEntity, "L&#39;année doit être un nombre entier de 2000 à 2100.")
	if fx.hasEdition("meeting", 2091) || fx.hasEdition("meeting", 1999) || len(fx.h.Audit.Entries()) != 1 {
		t.Fatal("a refused edition was saved or audited")
	}
}

func TestEditionSave(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, "meeting")
	year := fx.year + 1
	path := "/console/surveys/meeting/editions/" + strconv.Itoa(year)
	c.Get(path)
	old := fx.edition(t, "meeting", year)
	r := c.Post(path, url.Values{"form_version": {"1"}, "place": {"Rabat"}, "invited": {"30"},
		"opens": {dayOf(old.Opens)}, "closes": {"2100-12-31"}})
	if r.Status != http.StatusSeeOther || r.Location != path+"?done=surveys_saved" {
		t.Fatalf("save: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	got := fx.edition(t, "meeting", year)
	want := old
	want.Place, want.Invited, want.Closes = "Rabat", 30, time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC)
	if got != want {
		t.Fatalf("edition %+v, want %+v", got, want)
	}
	e := fx.h.Audit.Entries()
	if len(e) != 1 || e[0].Action != "edition.save" || e[0].Target != strconv.Itoa(year) ||
		e[0].Detail != `place: "Lima" → "Rabat"; closes: — → 2101-01-01; invited: 0 → 30` {
		t.Fatalf("audit %+v", e)
	}
	// Saved as shown: nothing changes, nothing is audited (the opening kept to the second).
	r = c.Post(path, url.Values{"form_version": {"1"}, "place": {"Rabat"}, "invited": {"30"},
		"opens": {dayOf(old.Opens)}, "closes": {"2100-12-31"}})
	if r.Location != path+"?done=surveys_unchanged" || len(fx.h.Audit.Entries()) != 1 || fx.edition(t, "meeting", year) != want {
		t.Fatalf("unchanged save: %q, %d entries", r.Location, len(fx.h.Audit.Entries()))
	}
	// A mistake is shown on the edition's page, which keeps what was typed.
	r = c.Post(path+"?lang=en", url.Values{"form_version": {"1"}, "place": {"Fès"}, "invited": {"-4"}})
	contains(t, r, http.StatusUnprocessableEntity, "The number invited must be a whole number from 0", `value="Fès"`, `value="-4"`)
	if fx.edition(t, "meeting", year) != want {
		t.Fatal("a refused change was saved")
	}
	// The audit log refusing the entry refuses the change.
	fx.h.Audit.Err = errAudit
	r = c.Post(path, url.Values{"form_version": {"1"}, "place": {"Fès"}})
	if r.Status < 500 || fx.edition(t, "meeting", year) != want {
		t.Fatalf("change made without its audit entry: %d", r.Status)
	}
}

var errAudit = auditError("audit log unavailable")

type auditError string

func (e auditError) Error() string { return string(e) }

func dayOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func TestEditionOpenClose(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator, "meeting")
	next := fx.year + 1
	path := "/console/surveys/meeting/editions/" + strconv.Itoa(next)
	c.Get(path)
	before := time.Now().Add(-time.Second)

	r := c.Post(path+"/open", nil)
	if r.Status != http.StatusSeeOther || r.Location != path+"?done=surveys_opened" {
		t.Fatalf("open: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	e := fx.edition(t, "meeting", next)
	if e.StatusAt(time.Now()) != survey.StatusOpen || e.Opens.Before(before) || e.Opens.After(time.Now()) {
		t.Fatalf("opened edition %+v", e)
	}
	entries := fx.h.Audit.Entries()
	if len(entries) != 1 || entries[0].Action != "edition.open" || !strings.HasPrefix(entries[0].Detail, "opens: ") ||
		!strings.Contains(entries[0].Detail, " → "+e.Opens.Format("2006-01-02 15:04:05 UTC")) {
		t.Fatalf("audit %+v", entries)
	}
	contains(t, c.Get(r.Location+"&lang=en"), http.StatusOK, "The edition is open.", "Close now")
	// Opening it again changes nothing.
	if r := c.Post(path+"/open", nil); r.Location != path+"?done=surveys_already_open" || len(fx.h.Audit.Entries()) != 1 {
		t.Fatalf("open twice: %q", r.Location)
	}

	r = c.Post(path+"/close", nil)
	if r.Status != http.StatusSeeOther || r.Location != path+"?done=surveys_closed" {
		t.Fatalf("close: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	closed := fx.edition(t, "meeting", next)
	// (closed in the second it opened, it opened a second earlier: times are kept to the second)
	if closed.StatusAt(time.Now()) != survey.StatusClosed || (closed.Opens != e.Opens && closed.Opens != e.Opens.Add(-time.Second)) {
		t.Fatalf("closed edition %+v", closed)
	}
	entries = fx.h.Audit.Entries()
	if len(entries) != 2 || entries[1].Action != "edition.close" || !strings.Contains(entries[1].Detail, "closes: — → ") {
		t.Fatalf("audit %+v", entries)
	}
	// Closing it again changes nothing; saving its page as shown keeps the moment it closed.
	if r := c.Post(path+"/close", nil); r.Location != path+"?done=surveys_not_open" || len(fx.h.Audit.Entries()) != 2 {
		t.Fatalf("close twice: %q", r.Location)
	}
	page := c.Get(path + "?lang=en")
	contains(t, page, http.StatusOK, "Closed since", "Open now")
	r = c.Post(path, url.Values{"form_version": {"1"}, "place": {"Lima"}, "invited": {"0"},
		"opens": {dayOf(closed.Opens)}, "closes": {dayOf(closed.Closes)}})
	if r.Location != path+"?done=surveys_unchanged" || fx.edition(t, "meeting", next) != closed {
		t.Fatalf("saving as shown changed the edition: %q %+v", r.Location, fx.edition(t, "meeting", next))
	}

	// Reopening a closed edition keeps its opening and clears its past end.
	r = c.Post(path+"/open", nil)
	reopened := fx.edition(t, "meeting", next)
	if r.Location != path+"?done=surveys_opened" || reopened.Opens != closed.Opens || !reopened.Closes.IsZero() {
		t.Fatalf("reopened %+v (%q)", reopened, r.Location)
	}
	if entries := fx.h.Audit.Entries(); len(entries) != 3 || entries[2].Action != "edition.open" ||
		!strings.HasPrefix(entries[2].Detail, "closes: ") || !strings.HasSuffix(entries[2].Detail, " → —") {
		t.Fatalf("audit %+v", entries)
	}
}

// A workbook with questions palabre cannot collect is refused, unless the coordinator ticks
// the box that loads it without them; what was left out goes to the audit log.
func TestUploadDropUnsupported(t *testing.T) {
	fx := newFixture(t)
	c := fx.h.SignIn(t, "ana@example.org", access.Coordinator)
	data, err := os.ReadFile("../../xlsform/testdata/pyxform/widgets.xls.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if r := upload(t, c, "widgets.xlsx", data); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("without the box: %d", r.Status)
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("csrf", c.CSRF)
	w.WriteField("drop_unsupported", "yes")
	fw, _ := w.CreateFormFile("definition", "widgets.xlsx")
	fw.Write(data)
	w.Close()
	r := c.PostBody("/console/surveys/upload?lang=en", w.FormDataContentType(), &b)
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "?done=surveys_uploaded_dropped") {
		t.Fatalf("with the box: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	e := fx.h.Audit.Entries()
	if len(e) != 1 || !strings.Contains(e[0].Detail, "left out") || !strings.Contains(e[0].Detail, "image") {
		t.Fatalf("audit: %+v", e)
	}
}
