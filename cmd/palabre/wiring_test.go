package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// TestServeWiring holds the real binary to what its flags promise: the coordinator token
// opens coordinators' figures to its bearer only; --min-cell reaches the analytics; /metrics
// is served on the metrics address only, with the write path's and the runtime's metrics;
// readiness says when delivery falls behind (--max-delivery-lag) and when it caught up.
func TestServeWiring(t *testing.T) {
	dsn, _ := demoDatabase(t)
	u, _ := url.Parse(dsn)
	ch := newProxy(t, u.Host)
	p := startProcess(t, map[string]string{
		"PALABRE_CLICKHOUSE": "clickhouse://" + ch.addr + u.Path, "PALABRE_DATA": t.TempDir(),
		"PALABRE_COORDINATOR_TOKEN": "s3cret", "PALABRE_MIN_CELL": "7", "PALABRE_MAX_DELIVERY_LAG": "1s",
		"PALABRE_BATCH_INTERVAL": "50ms", "PALABRE_LOG_LEVEL": "warn",
	})
	p.waitReady(time.Now())

	get := func(base, path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// What funders would be shown rests on at least --min-cell respondents.
	const counts = "/api/v1/surveys/partners-meeting/analytics?by=country,edition"
	code, body := get(p.base, counts, "s3cret")
	var res struct {
		Audience  string
		Threshold int
		Responses []struct {
			N          *int
			Suppressed string
		}
	}
	if err := json.Unmarshal([]byte(body), &res); code != 200 || err != nil {
		t.Fatalf("funders' counts = %d %s (%v)", code, body, err)
	}
	if res.Threshold != 7 || res.Audience != "funder" {
		t.Errorf("threshold %d, audience %q: want 7 (--min-cell) and funder", res.Threshold, res.Audience)
	}
	small := 0
	for _, c := range res.Responses {
		if c.N != nil && *c.N < 7 {
			t.Errorf("a funder sees a cell of %d respondents, under --min-cell 7", *c.N)
		}
		if c.Suppressed == "small_cell" {
			small++
		}
	}
	if small == 0 {
		t.Error("no cell suppressed by country and edition: the seeded data cannot show the threshold at work")
	}

	// Analytics, funders' or coordinators' figures: the token's bearer only.
	const coordinator = counts + "&audience=coordinator"
	for _, token := range []string{"", "wrong", "s3cre", "s3cretx", "S3CRET"} {
		for _, path := range []string{counts, coordinator, "/api/v1/surveys/partners-meeting/analytics/dashboard"} {
			if code, body := get(p.base, path, token); code != http.StatusUnauthorized {
				t.Errorf("%s with token %q = %d %s, want 401", path, token, code, body)
			}
		}
	}
	if code, body := get(p.base, coordinator, "s3cret"); code != 200 || !strings.Contains(body, `"audience":"coordinator"`) ||
		strings.Contains(body, "small_cell") {
		t.Errorf("coordinators' figures with the token = %d %s, want every figure", code, body)
	}

	// The coordinators' workbook: the token's bearer only, named for the survey.
	const workbook = "/api/v1/surveys/partners-meeting/report.xlsx?edition=2024,2025&lang=en"
	for _, token := range []string{"", "wrong"} {
		if code, _ := get(p.base, workbook, token); code != http.StatusUnauthorized {
			t.Errorf("the workbook with token %q = %d, want 401", token, code)
		}
	}
	req, _ := http.NewRequest("GET", p.base+workbook, nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	xlsx, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(xlsx), "PK") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "partners-meeting") {
		t.Errorf("the workbook with the token = %d %q (%d bytes, starting %q)", resp.StatusCode,
			resp.Header.Get("Content-Disposition"), len(xlsx), xlsx[:min(len(xlsx), 4)])
	}

	// Metrics: not on the public address; on the metrics address, counting what happens.
	if code, _ := get(p.base, "/metrics", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the public address = %d, want 404", code)
	}
	accepted := func() float64 {
		t.Helper()
		code, body := get(p.ops, "/metrics", "")
		if code != 200 {
			t.Fatalf("/metrics = %d", code)
		}
		for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "palabre_journal_pending_responses"} {
			if !strings.Contains(body, "\n"+name+" ") {
				t.Errorf("/metrics lacks %s", name)
			}
		}
		m := regexp.MustCompile(`\npalabre_responses_accepted_total (\S+)`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("/metrics lacks palabre_responses_accepted_total:\n%s", body)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	before := accepted()
	sub := newSubmitter(t)

	// Delivery behind: ClickHouse away for longer than --max-delivery-lag.
	ch.down()
	id := survey.NewResponseID().String()
	sub.mustPost(p.base, id, demoBody(id, 9), http.StatusCreated)
	if after := accepted(); after != before+1 {
		t.Errorf("palabre_responses_accepted_total went from %v to %v after one response, want +1", before, after)
	}
	readyz := func() (int, map[string]any) {
		t.Helper()
		code, body := get(p.base, "/readyz", "")
		var r map[string]any
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("/readyz = %d %s", code, body)
		}
		return code, r
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, r := readyz()
		checks, _ := r["checks"].(map[string]any)
		if code == 200 && r["status"] == "degraded" && checks["delivery"] == "behind" && checks["answers"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz with delivery behind = %d %v, want 200 degraded with delivery behind", code, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ch.up()
	deadline = time.Now().Add(30 * time.Second)
	for {
		code, r := readyz()
		if code == 200 && r["status"] == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after ClickHouse came back = %d %v, want ready", code, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
}
