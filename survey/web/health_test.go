package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey/web"
)

// codedError names its own readiness code without importing web.
type codedError struct{ error }

func (codedError) ReadinessCode() string { return "disk_full" }

// TestReadinessCodesAndDetails checks that public callers see each check's code only, that
// the detailed answer and the log carry the internal text, and that the log says it once.
func TestReadinessCodesAndDetails(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.7:9000: connect: connection refused")
	failing := true
	var logs bytes.Buffer
	r := &web.Readiness{Log: slog.New(slog.NewTextHandler(&logs, nil)), Checks: map[string]web.ReadinessCheck{
		"clickhouse": func(context.Context) error {
			if failing {
				return web.NotReady("unreachable", secret)
			}
			return nil
		},
		"journal": func(context.Context) error {
			return fmt.Errorf("append: %w", codedError{errors.New("no space left on device")})
		},
		"plain":    func(context.Context) error { return errors.New("/var/lib/palabre: boom") },
		"delivery": func(context.Context) error { return nil },
	}}
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.GET("/readyz", r.Public)
	public := func() (int, string) {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	code, body := public()
	want := `{"checks":{"clickhouse":"unreachable","delivery":"ok","journal":"disk_full","plain":"unavailable"},"status":"unavailable"}`
	if code != http.StatusServiceUnavailable || strings.TrimSpace(body) != want {
		t.Errorf("public /readyz = %d %s, want 503 %s", code, body, want)
	}
	public() // a second failure with the same code is not logged again

	rec := httptest.NewRecorder()
	r.Detailed(rec, httptest.NewRequest("GET", "/readyz", nil))
	for _, w := range []string{`"clickhouse":"unreachable: dial tcp 10.0.0.7:9000`, `"journal":"append: no space left on device"`, `"plain":"/var/lib/palabre: boom"`} {
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), w) {
			t.Errorf("detailed /readyz = %d %s, want %s", rec.Code, rec.Body.String(), w)
		}
	}
	if n := strings.Count(logs.String(), `check=clickhouse code=unreachable error="unreachable: dial tcp 10.0.0.7:9000`); n != 1 {
		t.Errorf("the ClickHouse failure is logged %d times, want once:\n%s", n, logs.String())
	}

	failing = false
	r.Checks["journal"] = func(context.Context) error { return nil }
	r.Checks["plain"] = func(context.Context) error { return nil }
	if code, body := public(); code != http.StatusOK || !strings.Contains(body, `"status":"ready"`) {
		t.Errorf("all checks pass: %d %s", code, body)
	}
	if !strings.Contains(logs.String(), `msg="ready again" check=clickhouse`) {
		t.Errorf("the recovery is not logged:\n%s", logs.String())
	}
}

// TestReadinessDegradedStillReady: while answers are taken, a database that is away or a
// delivery that is behind leaves palabre ready (200) but says "degraded" and why; a failed
// check of Checks makes it unavailable (503) whatever the others say.
func TestReadinessDegradedStillReady(t *testing.T) {
	taking, database := error(nil), error(nil)
	r := &web.Readiness{
		Checks:   map[string]web.ReadinessCheck{"answers": func(context.Context) error { return taking }},
		Degraded: map[string]web.ReadinessCheck{"clickhouse": func(context.Context) error { return database }},
	}
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.GET("/readyz", r.Public)
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	for _, tt := range []struct {
		taking, database error
		code             int
		body             string
	}{
		{nil, nil, 200, `{"checks":{"answers":"ok","clickhouse":"ok"},"status":"ready"}`},
		{nil, web.NotReady("unreachable", errors.New("refused")), 200, `{"checks":{"answers":"ok","clickhouse":"unreachable"},"status":"degraded"}`},
		{web.NotReady("disk_full", nil), nil, 503, `{"checks":{"answers":"disk_full","clickhouse":"ok"},"status":"unavailable"}`},
		{web.NotReady("disk_full", nil), web.NotReady("unreachable", nil), 503, `{"checks":{"answers":"disk_full","clickhouse":"unreachable"},"status":"unavailable"}`},
	} {
		taking, database = tt.taking, tt.database
		if code, body := get(); code != tt.code || body != tt.body {
			t.Errorf("answers %v, database %v: /readyz = %d %s, want %d %s", tt.taking, tt.database, code, body, tt.code, tt.body)
		}
	}
}
