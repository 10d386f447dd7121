package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// TestRestartBenchReport measures how long the real binary takes to be ready again over a
// journal of PALABRE_BENCH_RECORDS acknowledged answers (100,000 by default), in the states
// a restart meets: all undelivered (killed while ClickHouse was down, and restarted while
// it is still down), then all delivered (stopped cleanly once ClickHouse came back).
//
//	make bench-restart
//	PALABRE_BENCH=1 go test -run TestRestartBenchReport -v -timeout 30m ./cmd/palabre
func TestRestartBenchReport(t *testing.T) {
	if os.Getenv("PALABRE_BENCH") == "" {
		t.Skip("a benchmark: set PALABRE_BENCH=1 (make bench-restart)")
	}
	records := 100_000
	if s := os.Getenv("PALABRE_BENCH_RECORDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("PALABRE_BENCH_RECORDS=%q: want a positive number", s)
		}
		records = n
	}
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	if err := run(context.Background(), []string{"import", "--demo"}, envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn}), io.Discard); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dsn)
	ch := newProxy(t, u.Host)
	env := map[string]string{
		"PALABRE_CLICKHOUSE": "clickhouse://" + ch.addr + u.Path, "PALABRE_DATA": t.TempDir(),
		"PALABRE_LOG_LEVEL": "warn", "PALABRE_COMPACT_AFTER": "0", "PALABRE_RATE_LIMIT": "0", // one client address sends everything
	}
	p := startProcess(t, env)
	p.waitReady(time.Now()) // writes the catalog copy
	ch.down()

	fill := time.Now()
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(records) {
				id := survey.NewResponseID().String()
				resp, err := client.Post(p.base+"/api/v1/surveys/partners-meeting/editions/2026/responses",
					"application/json", strings.NewReader(demoBody(id, 7)))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d submissions not acknowledged while filling the journal", failed.Load(), records)
	}
	t.Logf("journal filled with %d acknowledged answers in %v (ClickHouse down)", records, time.Since(fill).Round(time.Millisecond))

	var report []string
	measure := func(what string) {
		var times []time.Duration
		for range 3 {
			start := time.Now()
			p = startProcess(t, env)
			times = append(times, p.waitReady(start))
			p.kill()
		}
		report = append(report, fmt.Sprintf("%-62s %v %v %v", what, times[0].Round(time.Millisecond),
			times[1].Round(time.Millisecond), times[2].Round(time.Millisecond)))
	}
	p.kill()
	measure(fmt.Sprintf("%d undelivered, ClickHouse down, after SIGKILL", records))

	ch.up()
	p = startProcess(t, env)
	p.waitReady(time.Now())
	deadline := time.Now().Add(10 * time.Minute)
	for {
		n, err := db.CountResponses(context.Background(), "partners-meeting", 2026)
		if err == nil && int(n) >= records {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d delivered after 10 minutes", n, records)
		}
		time.Sleep(500 * time.Millisecond)
	}
	p.stop()
	measure(fmt.Sprintf("%d delivered, ClickHouse up, after a clean stop", records))
	ch.down()
	measure(fmt.Sprintf("%d delivered, ClickHouse down", records))

	t.Logf("time from exec to /readyz 200, three runs each:\n  %s", strings.Join(report, "\n  "))
}
