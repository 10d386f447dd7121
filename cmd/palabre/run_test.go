package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// syncBuffer is a bytes.Buffer safe for a server writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn) // creates the database and drops it at the end
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	var first, second bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, env, &first); err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if !strings.Contains(first.String(), "applied migration 0002_responses") {
		t.Errorf("first migrate output lacks the applied migrations:\n%s", first.String())
	}
	if err := run(context.Background(), []string{"migrate"}, env, &second); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if got := second.String(); !strings.Contains(got, "nothing to do") || strings.Contains(got, "applied") {
		t.Errorf("second migrate output = %q, want only that nothing was to do", got)
	}
}

func TestBadConfigurationFailsFast(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	readOnly := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(readOnly, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on: bind one and release it.
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := free.Addr().String()
	free.Close()

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"port in use", []string{"serve", "--addr", busy.Addr().String()}, nil, "cannot listen on " + busy.Addr().String()},
		{"metrics port in use", []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", busy.Addr().String()}, nil, "cannot listen on metrics address " + busy.Addr().String()},
		{"unreachable clickhouse", []string{"serve", "--addr", "127.0.0.1:0", "--clickhouse", "clickhouse://" + deadAddr + "/palabre"}, nil, "clickhouse: cannot reach " + deadAddr},
		{"malformed dsn", []string{"migrate", "--clickhouse", "postgres://x"}, nil, "is not of the form clickhouse://"},
		{"unwritable data dir", []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(readOnly, "sub")}, nil, "data dir"},
		{"bad duration in env", []string{"serve"}, map[string]string{"PALABRE_READ_TIMEOUT": "soon"}, `PALABRE_READ_TIMEOUT="soon"`},
		{"negative compaction delay", []string{"serve", "--compact-after", "-1m"}, nil, "compact-after must not be negative"},
		{"process name with a space", []string{"serve"}, map[string]string{"PALABRE_PROCESS_NAME": "web 1"}, "process-name may hold"},
		{"unknown command", []string{"fly"}, nil, `unknown command "fly"`},
		{"stray argument", []string{"migrate", "extra"}, nil, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"PALABRE_DATA": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			start := time.Now()
			err := run(context.Background(), tt.args, envFrom(env), io.Discard)
			if err == nil {
				t.Fatalf("run(%v) succeeded, want an error containing %q", tt.args, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v to fail, want fast", d)
			}
		})
	}
}

var servingRE = regexp.MustCompile(`serving on (http://\S+)`)

// startServe runs `palabre serve` on a free port and returns its base URL and a function that
// stops it and returns its error.
func startServe(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	errc := make(chan error, 1)
	flags := []string{"serve", "--addr", "127.0.0.1:0"}
	if !slices.Contains(args, "--metrics-addr") && !slices.Contains(args, "--debug-addr") {
		flags = append(flags, "--metrics-addr", "127.0.0.1:0") // never the shared default port
	}
	go func() {
		errc <- run(ctx, append(flags, args...), envFrom(env), out)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(out.String()); m != nil {
			stop := func() error {
				cancel()
				select {
				case err := <-errc:
					return err
				case <-time.After(30 * time.Second):
					t.Fatal("serve did not stop within 30s")
					return nil
				}
			}
			t.Cleanup(func() { cancel() })
			return m[1], out, stop
		}
		select {
		case err := <-errc:
			cancel()
			t.Fatalf("serve exited at start: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start within 30s:\n%s", out.String())
		}
	}
}

func TestServeHealthReadinessAndShutdown(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir()}
	base, out, stop := startServe(t, env)

	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, resp.StatusCode, body)
		}
		if resp.Header.Get("X-Request-ID") == "" {
			t.Errorf("GET %s: no X-Request-ID header", path)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, base+"/api/v1/surveys", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" || !strings.Contains(string(body), `"code":"method_not_allowed"`) {
		t.Errorf("DELETE /api/v1/surveys = %d Allow %q %s, want a JSON 405", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after shutdown", err)
	}
	if !strings.Contains(out.String(), "msg=stopped") {
		t.Errorf("log lacks the clean stop:\n%s", out.String())
	}
}

func TestUnmigratedDatabaseFailsFast(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn) // an empty database: nothing migrated
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir()}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--migrate=false"}, envFrom(env), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "run `palabre migrate`") {
		t.Errorf("serve on an unmigrated database: %v, want a pointer to palabre migrate", err)
	}
}

func TestReadyzSaysWhyNotReady(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir()}
	base, out, stop := startServe(t, env)
	defer stop()
	waitFor(t, "ready", func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK })
	// The schema disappears under a running palabre: readiness must say so. Answers are still
	// taken (into the journal), so palabre stays ready, degraded.
	if err := db.DropDatabase(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, base+"/readyz")
	var public struct {
		Status  string
		Checks  map[string]string
		Details map[string]string
	}
	if err := json.Unmarshal([]byte(body), &public); err != nil {
		t.Fatalf("GET /readyz: %v in %s", err, body)
	}
	if code != http.StatusOK || public.Status != "degraded" || public.Checks["answers"] != "ok" ||
		!slices.Contains([]string{"unreachable", "error", "schema_outdated"}, public.Checks["clickhouse"]) || public.Checks["delivery"] != "ok" {
		t.Errorf("GET /readyz = %d %s, want 200 degraded with the ClickHouse reason code", code, body)
	}
	// Public callers get codes, never the database's own words.
	if public.Details != nil || strings.Contains(body, "DB::") || strings.Contains(body, "migrat") || strings.Contains(body, db.Database()) {
		t.Errorf("public /readyz shows internal detail: %s", body)
	}
	// Operators get the detail on the metrics address, and in the log.
	code, body = get(t, opsURL(t, out)+"/readyz")
	if code != http.StatusOK || !strings.Contains(body, `"details":{"clickhouse":"`) {
		t.Errorf("GET /readyz on the metrics address = %d %s, want 200 with the detail", code, body)
	}
	if !strings.Contains(out.String(), "msg=\"not ready\" check=clickhouse") {
		t.Errorf("log lacks the readiness failure:\n%s", out.String())
	}
}

// get returns the status and body of GET url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var opsRE = regexp.MustCompile(`metrics[:=]\s*(http://\S+)/metrics`)

// opsURL is the base URL of the metrics address serve printed.
func opsURL(t *testing.T, out *syncBuffer) string {
	t.Helper()
	m := opsRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("serve did not print its metrics address:\n%s", out.String())
	}
	return m[1]
}

// TestMetricsAndProfilesOnTheirOwnAddress checks that /metrics and pprof are served on the
// metrics address only, with the write path's and Go's metrics, and that --debug-addr still
// works, with a warning.
func TestMetricsAndProfilesOnTheirOwnAddress(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir()}
	base, out, stop := startServe(t, env)
	ops := opsURL(t, out)
	if ops == base {
		t.Fatalf("metrics served on the public address %s", base)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if code, _ := get(t, base+path); code != http.StatusNotFound {
			t.Errorf("public GET %s = %d, want 404", path, code)
		}
		if code, _ := get(t, ops+path); code != http.StatusOK {
			t.Errorf("metrics address GET %s = %d, want 200", path, code)
		}
	}
	_, text := get(t, ops+"/metrics")
	for _, want := range []string{"palabre_responses_accepted_total 0", "palabre_journal_pending_responses 0",
		"# TYPE go_goroutines gauge", "# TYPE process_resident_memory_bytes gauge"} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, body := get(t, ops+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"status":"ready"`) {
		t.Errorf("GET /readyz on the metrics address = %d %s", code, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	_, out, stop = startServe(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir()}, "--debug-addr", "127.0.0.1:0")
	defer stop()
	if code, _ := get(t, opsURL(t, out)+"/debug/pprof/"); code != http.StatusOK {
		t.Errorf("--debug-addr: profiles = %d, want 200", code)
	}
	if !strings.Contains(out.String(), "deprecated") {
		t.Errorf("--debug-addr gave no deprecation warning:\n%s", out.String())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, what, 20*time.Second, cond)
}

// waitForWithin is waitFor with its own limit, for work that runs in the background.
func waitForWithin(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImportAndSeedAreIdempotent(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"import", "--demo"}, env, &out); err != nil {
			t.Fatalf("import: %v", err)
		}
		if err := run(context.Background(), []string{"seed"}, env, &out); err != nil {
			t.Fatalf("seed: %v", err)
		}
		// 26 per edition, as at the real meeting, but never more than an edition invited.
		if !strings.Contains(out.String(), "seeded partners-meeting: 213 responses over 9 editions") {
			t.Errorf("output:\n%s", out.String())
		}
	}
	n, err := db.CountResponses(context.Background(), "partners-meeting", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if n != 26 {
		t.Errorf("%d responses for 2025 after seeding twice, want 26", n)
	}
	ids := 0
	if err := db.ResponseDigests(context.Background(), func(survey.ResponseID, uint64, time.Time) { ids++ }); err != nil {
		t.Fatal(err)
	}
	if ids != 57+213 {
		t.Errorf("%d distinct response ids across the demo surveys, want %d: generated ids collide", ids, 57+213)
	}
	list, err := db.Surveys(context.Background())
	if err != nil || len(list) != 2 || len(list[1].Editions) != 9 {
		t.Errorf("catalog after importing twice: %v %v", list, err)
	}
}

// TestSeedVolumeKeepsRatesTrue checks that seeding more responses than an edition invited
// raises its number invited, so no response rate passes 100 %.
func TestSeedVolumeKeepsRatesTrue(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "--demo"}, env, &out); err != nil {
		t.Fatalf("import: %v", err)
	}
	if err := run(context.Background(), []string{"seed", "--survey", "family-support", "--responses", "120"}, env, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	list, err := db.Surveys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		for _, e := range s.Editions {
			n, err := db.CountResponses(context.Background(), s.ID, e.Year)
			if err != nil {
				t.Fatal(err)
			}
			if s.ID == "family-support" && (n == 0 || n > uint64(e.Invited)) {
				t.Errorf("%s %d: %d responses for %d invited", s.ID, e.Year, n, e.Invited)
			}
		}
	}
}
