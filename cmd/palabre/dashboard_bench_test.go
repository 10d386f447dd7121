package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// The dashboard benchmark (make bench-dashboard): `palabre share` publishes the dashboard of
// the workbook benchmark's survey (30 questions, 4 editions, 10 million answers, seeded by
// `make bench-report`), five times, timing the command; then `palabre serve` serves the
// link to 4 clients at once, 2,000 views, gzip accepted as browsers do, and the latencies'
// median and 95th percentile are reported. Targets: publication ≤ 5 s, view p95 ≤ 50 ms.
//
//	PALABRE_BENCH=1 go test -run '^TestDashboardBenchReport$' -v -timeout 30m ./cmd/palabre
func TestDashboardBenchReport(t *testing.T) {
	if os.Getenv("PALABRE_BENCH") == "" {
		t.Skip("set PALABRE_BENCH=1 (make bench-dashboard)")
	}
	dsn := os.Getenv("PALABRE_BENCH_DASHBOARD_DSN")
	if dsn == "" {
		dsn = clickhousetest.ServerDSN() + "/palabre_report_bench_v1_10000000"
	}
	data := t.TempDir()
	var publish []time.Duration
	var link string
	for range 5 {
		cmd := exec.Command(palabreBinary(t), "share", "--clickhouse", dsn, "--data", data, "--survey", "report-bench",
			"--base-url", "http://x")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		publish = append(publish, time.Since(start))
		if err != nil {
			t.Fatalf("palabre share: %v\n%s", err, out)
		}
		m := linkRE.FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("no link in %s", out)
		}
		link = "/d/" + m[2]
	}
	p := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": data, "PALABRE_LOG_LEVEL": "warn"})
	p.waitReady(time.Now())
	view := func() (time.Duration, int) {
		req, _ := http.NewRequest(http.MethodGet, p.base+link, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		start := time.Now()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("view: %d", resp.StatusCode)
		}
		return time.Since(start), int(n)
	}
	first, size := view()
	const clients, views = 4, 2000
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range views / clients {
				d, _ := view()
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	slices.Sort(publish)
	q := func(f float64) time.Duration { return lat[int(f*float64(len(lat)-1))] }
	report := fmt.Sprintf("dashboard over %s: publish median %.2f s of 5 (runs %v), target ≤ 5 s; first view %.1f ms (renders the page), "+
		"then %d views by %d clients: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, target p95 ≤ 50 ms; page %d bytes gzipped",
		dsn, publish[2].Seconds(), publish, ms(first), views, clients, ms(q(0.5)), ms(q(0.95)), ms(q(0.99)), size)
	t.Log(report)
	if publish[2] > 5*time.Second || q(0.95) > 50*time.Millisecond {
		t.Errorf("target missed: %s", report)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
