package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	analyticsweb "github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// postResponse sends a JSON response to the demo survey in lang and returns the status and
// the error code and message of the body, if any.
func postResponse(t *testing.T, base, body, lang string) (int, survey.Code, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+demoResponses, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e surveyweb.ErrorBody
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error.Code, e.Error.Message
}

// storedRows counts a response's rows in the tables that hold responses.
func storedRows(t *testing.T, db *clickhouse.DB, surveyID, id string) uint64 {
	t.Helper()
	n, err := db.ResponseRows(context.Background(), surveyID, survey.ResponseID(uuid.MustParse(id)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEraseAResponse erases a response with palabre erase while palabre serve runs: its rows
// leave every table, the counts drop by one, the erasure is in the audit log, and its id is
// refused with 410 by the running server, after a restart, and after a first start on a new
// data directory.
func TestEraseAResponse(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	data := t.TempDir()
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": data, "PALABRE_BATCH_INTERVAL": "50ms"}
	ctx := context.Background()
	if err := run(ctx, []string{"import", "--demo"}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	base, _, stop := startServe(t, env)
	erased, kept := survey.NewResponseID().String(), survey.NewResponseID().String()
	for _, id := range []string{erased, kept} {
		if code, _, msg := postResponse(t, base, demoBody(id, 9), "fr"); code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", id, code, msg)
		}
	}
	waitFor(t, "both responses stored", func() bool {
		n, err := db.CountResponses(ctx, "partners-meeting", 2026)
		return err == nil && n == 2
	})
	before := storedRows(t, db, "partners-meeting", erased)
	if before == 0 {
		t.Fatal("no rows before erasure")
	}
	// A published dashboard, computed again by the erasure; a workbook's data version.
	var shared strings.Builder
	if err := run(ctx, []string{"share", "--survey", "partners-meeting", "--min-cell", "1"}, envFrom(env), &shared); err != nil {
		t.Fatalf("share: %v\n%s", err, shared.String())
	}
	builder := reports.NewBuilder(db, analytics.NewService(db, db, 1), "test")
	plain := reports.NewBuilder(db, analytics.NewService(db, db, 1), "test")
	builder.Erasures = db.ErasedCount
	version := func(b *reports.Builder) string {
		t.Helper()
		v, err := b.DataVersion(ctx, "partners-meeting")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0, plain0 := version(builder), version(plain)
	if v0 != plain0 {
		t.Error("without erasures, the data version changed")
	}
	snapshot := func() time.Time {
		t.Helper()
		list, err := db.Publications().List()
		if err != nil || len(list) != 1 {
			t.Fatalf("publications: %v %v", list, err)
		}
		return list[0].Published
	}
	published := snapshot()
	time.Sleep(1100 * time.Millisecond) // publication times are kept to the second

	var out strings.Builder
	err := run(ctx, []string{"erase", "--survey", "partners-meeting", "--response", erased, "--reason", "courriel du 3 mars"}, envFrom(env), &out)
	if err != nil || !strings.Contains(out.String(), "erased response "+erased) ||
		!strings.Contains(out.String(), "1 published dashboards of the survey computed again") {
		t.Fatalf("palabre erase: %v\n%s", err, out.String())
	}
	if !snapshot().After(published) {
		t.Error("the published dashboard was not computed again")
	}
	if n := storedRows(t, db, "partners-meeting", erased); n != 0 {
		t.Errorf("%d rows of the erased response left (were %d)", n, before)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2026); err != nil || n != 1 {
		t.Errorf("count after erasure: %d, %v; want 1", n, err)
	}
	if storedRows(t, db, "partners-meeting", kept) == 0 {
		t.Error("the other response was erased too")
	}

	entries, err := db.Audit().Entries(ctx, audit.Filter{Action: audit.ActionEraseResponse})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit entries %+v, %v", entries, err)
	}
	e := entries[0]
	if e.Address != "cli" || e.Survey != "partners-meeting" || e.Target != erased || e.Detail != "courriel du 3 mars" ||
		time.Since(e.At) > time.Minute || e.At.After(time.Now().Add(time.Second)) {
		t.Errorf("audit entry %+v", e)
	}

	// The running server refuses the id, with its answers or others, in the sender's language.
	refused := func(when string) {
		t.Helper()
		for _, c := range []struct{ body, lang, words string }{
			{demoBody(erased, 9), "es", "fue borrada a petición de su autor"},
			{demoBody(erased, 3), "en", "erased at the request of its author"},
		} {
			code, errCode, msg := postResponse(t, base, c.body, c.lang)
			if code != http.StatusGone || errCode != survey.CodeErased || !strings.Contains(msg, c.words) {
				t.Errorf("%s: resubmission = %d %s %q, want 410 erased", when, code, errCode, msg)
			}
		}
		if code, _, _ := postResponse(t, base, demoBody(kept, 9), "fr"); code != http.StatusOK {
			t.Errorf("%s: the other response again = %d, want 200 (a duplicate)", when, code)
		}
	}
	refused("running")

	// A new response brings the count back: the workbook's data version still differs, so a
	// workbook cached before the erasure is not served.
	if code, _, msg := postResponse(t, base, demoBody(survey.NewResponseID().String(), 7), "fr"); code != http.StatusCreated {
		t.Fatalf("a new response: %d %s", code, msg)
	}
	waitFor(t, "the new response stored", func() bool {
		n, err := db.CountResponses(ctx, "partners-meeting", 2026)
		return err == nil && n == 2
	})
	if v := version(builder); v == v0 {
		t.Error("the data version after an erasure and a new response is the one of before")
	}
	if version(plain) != plain0 {
		t.Log("note: counts alone changed too")
	}

	// Unknown, or erased already: nothing is recorded.
	err = run(ctx, []string{"erase", "--survey", "partners-meeting", "--response", survey.NewResponseID().String()}, envFrom(env), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "has no stored response") {
		t.Errorf("erasing an unknown id: %v", err)
	}
	err = run(ctx, []string{"erase", "--survey", "partners-meeting", "--response", erased}, envFrom(env), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "was erased") {
		t.Errorf("erasing twice: %v", err)
	}
	if err := run(ctx, []string{"erase", "--survey", "partners-meeting"}, envFrom(env), io.Discard); exitCode(err) != 2 {
		t.Errorf("erase without --response: %v, want a usage error", err)
	}
	if all, _ := db.Audit().Entries(ctx, audit.Filter{}); len(all) != 1 {
		t.Errorf("%d audit entries, want the one erasure", len(all))
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	base, _, stop = startServe(t, env) // a restart from the local index, which knew the id
	refused("after a restart")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	env["PALABRE_DATA"] = t.TempDir() // a first start: the index comes from the database
	base, _, stop = startServe(t, env)
	refused("after a first start")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2026); err != nil || n != 2 || storedRows(t, db, "partners-meeting", erased) != 0 {
		t.Errorf("after the restarts: count %d (%v), rows of the erased %d", n, err, storedRows(t, db, "partners-meeting", erased))
	}
}

// TestEraseRoute drives DELETE /api/v1/surveys/:survey/responses/:id on the real database:
// credentials are checked first, an erasure is recorded with the client's address and the
// request id, and the route answers 404, 410 and 400 as documented.
func TestEraseRoute(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	r := &survey.Response{ID: survey.NewResponseID(), SurveyID: "families", Edition: 2026, FormVersion: 1,
		Respondent:  survey.Respondent{Country: "CD", Organisation: "REEJER", Role: "social_worker", Language: "fr"},
		SubmittedAt: time.Now().UTC().Truncate(time.Second), ReceivedAt: time.Now().UTC(), Channel: survey.ChannelAPI,
		Answers: []survey.Answer{{Question: "comment", Text: "mon nom est dans ce texte"}}}
	if err := db.WriteResponses(ctx, []*survey.Response{r}); err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	engine := gin.New()
	engine.Use(surveyweb.RequestIDs())
	engine.ForwardedByClientIP = false
	keys, err := links.OpenKeyring(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	publications, err := publish.Open(t.TempDir(), keys, reports.NewBuilder(db, analytics.NewService(db, db, 1), "test"))
	if err != nil {
		t.Fatal(err)
	}
	analyticsweb.RegisterErasure(engine, analyticsweb.ErasureConfig{Eraser: newEraser(db, publications, slog.New(slog.DiscardHandler)),
		Authorize: func(req *http.Request, surveyID string) (audit.Entry, error) {
			switch {
			case req.Header.Get("Authorization") != "Bearer ana":
				return audit.Entry{}, survey.Errorf(survey.CodeUnauthorized, survey.MsgNotFound)
			case surveyID != "families":
				return audit.Entry{}, survey.Errorf(survey.CodeForbidden, survey.MsgNotFound)
			}
			return audit.Entry{UserID: "u-ana", Email: "ana@example.org"}, nil
		}})
	del := func(path, token string) (int, survey.Code) {
		req := httptest.NewRequest(http.MethodDelete, path, nil)
		req.RemoteAddr = "192.0.2.9:4242"
		req.Header.Set("X-Request-ID", "erase-test-1")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		var body surveyweb.ErrorBody
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		return w.Code, body.Error.Code
	}
	path := "/api/v1/surveys/families/responses/" + r.ID.String()
	for _, c := range []struct {
		name, path, token string
		want              int
	}{
		{"no credential", path, "", http.StatusUnauthorized},
		{"wrong credential", path, "bob", http.StatusUnauthorized},
		{"another survey", "/api/v1/surveys/street/responses/" + r.ID.String(), "ana", http.StatusForbidden},
		{"not an id", "/api/v1/surveys/families/responses/nope", "ana", http.StatusBadRequest},
		{"unknown id", "/api/v1/surveys/families/responses/" + survey.NewResponseID().String(), "ana", http.StatusNotFound},
	} {
		if code, _ := del(c.path, c.token); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	if all, _ := db.Audit().Entries(ctx, audit.Filter{}); len(all) != 0 {
		t.Fatalf("refused requests were recorded: %+v", all)
	}
	if code, _ := del(path+"?reason=demande%20par%20courriel", "ana"); code != http.StatusOK {
		t.Fatalf("erase: %d", code)
	}
	if code, errCode := del(path, "ana"); code != http.StatusGone || errCode != survey.CodeErased {
		t.Errorf("erase again: %d %s, want 410 erased", code, errCode)
	}
	if rows := storedRows(t, db, "families", r.ID.String()); rows != 0 {
		t.Errorf("%d rows left", rows)
	}
	all, err := db.Audit().Entries(ctx, audit.Filter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("audit entries %+v, %v", all, err)
	}
	e := all[0]
	if e.UserID != "u-ana" || e.Email != "ana@example.org" || e.Address != "192.0.2.9" || e.Request != "erase-test-1" ||
		e.Action != audit.ActionEraseResponse || e.Survey != "families" || e.Target != r.ID.String() || e.Detail != "demande par courriel" {
		t.Errorf("audit entry %+v", e)
	}
}
