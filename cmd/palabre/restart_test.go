package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// TestRestartsKeepEveryAcknowledgedAnswer runs the real binary through the restarts people
// and machines cause: a clean stop and start; SIGKILL in the middle of a load; and SIGKILL
// while ClickHouse is down, after which palabre must come back ready and take answers from
// its local state alone. When ClickHouse is back, every acknowledged answer is in it, and
// counted once.
func TestRestartsKeepEveryAcknowledgedAnswer(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	if err := run(context.Background(), []string{"import", "--demo"}, envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn}), io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ch := newProxy(t, u.Host)
	env := map[string]string{
		"PALABRE_CLICKHOUSE":     "clickhouse://" + ch.addr + u.Path,
		"PALABRE_DATA":           t.TempDir(),
		"PALABRE_BATCH_INTERVAL": "100ms",
		"PALABRE_COMPACT_AFTER":  "0",
		"PALABRE_LOG_LEVEL":      "warn",
	}
	sub := newSubmitter(t)

	// A first start, twenty answers, Ctrl-C, and a second start on what the first left.
	start := time.Now()
	p := startProcess(t, env)
	t.Logf("first start: ready in %v", p.waitReady(start))
	first := survey.NewResponseID().String()
	sub.mustPost(p.base, first, demoBody(first, 9), http.StatusCreated)
	for range 19 {
		id := survey.NewResponseID().String()
		sub.mustPost(p.base, id, demoBody(id, 7), http.StatusCreated)
	}
	p.stop()
	start = time.Now()
	p = startProcess(t, env)
	t.Logf("after a clean stop: ready in %v", p.waitReady(start))
	sub.mustPost(p.base, first, demoBody(first, 9), http.StatusOK)
	sub.mustPost(p.base, first, demoBody(first, 3), http.StatusConflict)

	// SIGKILL while four clients submit.
	var stopLoad atomic.Bool
	var wg sync.WaitGroup
	var acked atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopLoad.Load() {
				id := survey.NewResponseID().String()
				if s := sub.post(p.base, id, demoBody(id, 8)); s == http.StatusCreated {
					acked.Add(1)
				} else if s == 0 {
					return
				}
			}
		}()
	}
	waitFor(t, "100 answers acknowledged under load", func() bool { return acked.Load() >= 100 })
	p.kill()
	stopLoad.Store(true)
	wg.Wait()
	start = time.Now()
	p = startProcess(t, env)
	t.Logf("after SIGKILL under load: ready in %v", p.waitReady(start))
	sub.mustPost(p.base, first, demoBody(first, 9), http.StatusOK)

	// ClickHouse goes down; answers are still taken; palabre is killed and comes back
	// without it, from its local state.
	ch.down()
	var during []string
	for range 20 {
		id := survey.NewResponseID().String()
		sub.mustPost(p.base, id, demoBody(id, 6), http.StatusCreated)
		during = append(during, id)
	}
	p.kill()
	start = time.Now()
	p = startProcess(t, env)
	took := p.waitReady(start)
	t.Logf("after SIGKILL with ClickHouse down: ready in %v", took)
	if took > 5*time.Second {
		t.Errorf("ready %v after a restart with ClickHouse down, want within 5s", took)
	}
	resp, err := http.Get(p.base + "/s/partners-meeting/2026")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the form with ClickHouse down = %d, want 200 (from the local catalog copy)", resp.StatusCode)
	}
	for range 10 {
		id := survey.NewResponseID().String()
		sub.mustPost(p.base, id, demoBody(id, 10), http.StatusCreated)
	}
	sub.mustPost(p.base, first, demoBody(first, 9), http.StatusOK)
	sub.mustPost(p.base, during[0], demoBody(during[0], 6), http.StatusOK)
	sub.mustPost(p.base, during[1], demoBody(during[1], 1), http.StatusConflict)

	// ClickHouse is back: everything acknowledged arrives, once.
	ch.up()
	want := sub.ids()
	stored := map[string]bool{}
	deadline := time.Now().Add(60 * time.Second)
	for {
		clear(stored)
		err := db.ResponseDigests(context.Background(), func(id survey.ResponseID, _ uint64, _ time.Time) {
			stored[id.String()] = true
		})
		missing := 0
		for _, id := range want {
			if !stored[id] {
				missing++
			}
		}
		if err == nil && missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged answers not in ClickHouse 60s after it came back (err %v)\n%s",
				missing, len(want), err, logTail(p.out))
		}
		time.Sleep(200 * time.Millisecond)
	}
	counted, err := db.CountResponses(context.Background(), "partners-meeting", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if int(counted) != len(stored) {
		t.Errorf("palabre counts %d responses, ClickHouse holds %d distinct ids: some counted twice", counted, len(stored))
	}
	t.Logf("%d answers acknowledged, %d stored (requests cut by SIGKILL may add some), %d counted", len(want), len(stored), counted)
	p.stop()
	if strings.Contains(p.out.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", logTail(p.out))
	}
}
