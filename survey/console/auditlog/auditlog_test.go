package auditlog_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/audit/audittest"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/auditlog"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/surveytest"
)

func setup(t *testing.T) (*consoletest.Harness, *audittest.Memory) {
	t.Helper()
	log := audittest.NewMemory()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 120 {
		action := "edition.save"
		if i%2 == 1 {
			action = "dashboard.publish"
		}
		log.Record(context.Background(), audit.Entry{At: t0.Add(time.Duration(i) * time.Hour), UserID: "u1", Email: "ana@example.org",
			Action: action, Survey: "feedback", Target: fmt.Sprint(i), Detail: "=HYPERLINK(\"x\")", Address: "192.0.2.1"})
	}
	cat := surveytest.NewCatalog([]*survey.Form{surveytest.FeedbackForm("feedback")})
	h := consoletest.New(t, cat, func(k *console.Console) {
		if err := auditlog.Mount(k, log); err != nil {
			t.Fatal(err)
		}
	})
	return h, log
}

func TestAdminsReadTheLogNewestFirst(t *testing.T) {
	h, _ := setup(t)
	c := h.SignIn(t, "root@example.org", access.Admin)
	r := c.Get("/console/audit")
	if r.Status != http.StatusOK || strings.Count(r.Body, "<tr><td>") != auditlog.PageSize {
		t.Fatalf("first page: %d, %d rows", r.Status, strings.Count(r.Body, "<tr><td>"))
	}
	if !strings.Contains(r.Body, "2026-03-05 23:00 UTC") || strings.Contains(r.Body, "2026-03-01 09:00 UTC") {
		t.Fatal("the first page does not start with the newest entries")
	}
	if !strings.Contains(r.Body, `href="/console/audit?page=2"`) || strings.Contains(r.Body, "Plus récentes") {
		t.Fatal("paging links")
	}
	r = c.Get("/console/audit?page=3")
	if strings.Count(r.Body, "<tr><td>") != 20 || !strings.Contains(r.Body, "2026-03-01 09:00 UTC") || strings.Contains(r.Body, "Plus anciennes") {
		t.Fatalf("last page: %d rows", strings.Count(r.Body, "<tr><td>"))
	}
	r = c.Get("/console/audit?action=dashboard.&from=2026-03-01&to=2026-03-01")
	if got := strings.Count(r.Body, "<tr><td>"); got != 7 || strings.Contains(r.Body, "edition.save</code>") {
		t.Fatalf("filtered to one day's publications: %d rows", got)
	}
	if r := c.Get("/console/audit?from=1/3/2026"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "AAAA-MM-JJ") {
		t.Fatalf("bad date: %d", r.Status)
	}
}

func TestTheExportIsACSVWithFormulasNeutralised(t *testing.T) {
	h, _ := setup(t)
	c := h.SignIn(t, "root@example.org", access.Admin)
	r := c.Get("/console/audit.csv?action=edition.save")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 61 || rows[0][0] != "time_utc" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if rows[1][6] != `'=HYPERLINK("x")` {
		t.Fatalf("formula not neutralised: %q", rows[1][6])
	}
}

func TestOnlyAdminsSeeTheLog(t *testing.T) {
	h, _ := setup(t)
	c := h.SignIn(t, "ana@example.org", access.Coordinator)
	for _, path := range []string{"/console/audit", "/console/audit.csv"} {
		if r := c.Get(path); r.Status != http.StatusForbidden || strings.Contains(r.Body, "HYPERLINK") {
			t.Fatalf("coordinator on %s: %d", path, r.Status)
		}
		if r := h.NewClient(t).Get(path); r.Status != http.StatusSeeOther {
			t.Fatalf("signed out on %s: %d", path, r.Status)
		}
	}
	if r := c.Get("/console"); strings.Contains(r.Body, `href="/console/audit"`) {
		t.Fatal("a coordinator's menu shows the audit log")
	}
}
