package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/audit/audittest"
	surveyweb "github.com/palabre/palabre/survey/web"
)

func auditServer(t *testing.T) (*gin.Engine, *audittest.Memory) {
	t.Helper()
	log := audittest.NewMemory()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, e := range []audit.Entry{
		{Action: "edition.save", Survey: "families", Target: "2026", UserID: "u-ana", Email: "ana@example.org", Address: "192.0.2.1"},
		{Action: "response.erase", Survey: "families", Target: "id-1", Detail: "=cmd|' /C calc'!A0", Address: "cli"},
		{Action: "user.add", Target: "bob@example.org", UserID: "u-root", Address: "192.0.2.2"},
	} {
		e.At = t0.Add(time.Duration(i) * 24 * time.Hour)
		if err := log.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	web.RegisterAudit(r, web.AuditConfig{Store: log, Now: func() time.Time { return t0 },
		Authorize: func(req *http.Request) error {
			switch req.Header.Get("Authorization") {
			case "Bearer admin":
				return nil
			case "Bearer coordinator":
				return survey.Errorf(survey.CodeForbidden, survey.MsgNotFound)
			}
			return survey.Errorf(survey.CodeUnauthorized, survey.MsgNotFound)
		}})
	return r, log
}

func auditGet(r *gin.Engine, url, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func TestAuditRoutes(t *testing.T) {
	r, _ := auditServer(t)
	for _, c := range []struct {
		url, token string
		want       int
	}{
		{"/api/v1/audit", "", http.StatusUnauthorized},
		{"/api/v1/audit.csv", "", http.StatusUnauthorized},
		{"/api/v1/audit", "coordinator", http.StatusForbidden},
		{"/api/v1/audit.csv", "coordinator", http.StatusForbidden},
		{"/api/v1/audit?who=me", "admin", http.StatusBadRequest},
		{"/api/v1/audit?from=yesterday", "admin", http.StatusBadRequest},
		{"/api/v1/audit?limit=-1", "admin", http.StatusBadRequest},
	} {
		if w := auditGet(r, c.url, c.token); w.Code != c.want {
			t.Errorf("%s as %q: %d, want %d (%s)", c.url, c.token, w.Code, c.want, w.Body)
		}
	}
	list := func(url string) []web.AuditEntry {
		t.Helper()
		w := auditGet(r, url, "admin")
		var body struct{ Entries []web.AuditEntry }
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &body) != nil {
			t.Fatalf("%s: %d %s", url, w.Code, w.Body)
		}
		return body.Entries
	}
	all := list("/api/v1/audit")
	if len(all) != 3 || all[0].Action != "user.add" || all[2].Action != "edition.save" {
		t.Errorf("entries, newest first: %+v", all)
	}
	if got := list("/api/v1/audit?survey=families&action=response.&from=2026-03-03&to=2026-03-04T00:00:00Z"); len(got) != 1 || got[0].Target != "id-1" {
		t.Errorf("filtered: %+v", got)
	}
	if got := list("/api/v1/audit?limit=1&offset=1"); len(got) != 1 || got[0].Action != "response.erase" {
		t.Errorf("paged: %+v", got)
	}
	if got := list("/api/v1/audit?user=u-ana"); len(got) != 1 || got[0].Email != "ana@example.org" {
		t.Errorf("by user: %+v", got)
	}

	w := auditGet(r, "/api/v1/audit.csv?survey=families", "admin")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "palabre-audit-2026-03-02.csv") {
		t.Fatalf("export: %d %v", w.Code, w.Header())
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(w.Body.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][3] != "response.erase" || rows[1][6] != "'=cmd|' /C calc'!A0" || rows[2][3] != "edition.save" {
		t.Errorf("export rows %q", rows)
	}
}

func TestAuditRoutesWithoutAuthorize(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	web.RegisterAudit(r, web.AuditConfig{Store: audittest.NewMemory()}) // no Authorize: every request refused
	for _, url := range []string{"/api/v1/audit", "/api/v1/audit.csv"} {
		if w := auditGet(r, url, "admin"); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without Authorize: %d, want 401", url, w.Code)
		}
	}
}
