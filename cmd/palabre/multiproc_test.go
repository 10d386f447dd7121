package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// TestTwoProcessesShareOneDatabase runs two palabre serve processes, each with its own data
// directory, over one database, as behind a load balancer: responses are spread over both;
// each is recognised by the other once stored (200 duplicate, same receipt: the index keeps
// the submission time to the second, as for a resubmission to the same process), other answers
// under a stored id are refused by both (409); the same ids sent with different answers to
// both at once are stored once, by the rule (received first, then the smaller digest), the
// other version recorded; every accepted answer is counted once; and compaction, a
// scheduled job, runs in one process only (the smaller name holds its lease), until that
// process is killed and the other takes over. (That compaction merges what it finds is
// TestCompactFoldsCopies's and TestClusterCompact's to show.)
func TestTwoProcessesShareOneDatabase(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	ctx := context.Background()
	if err := run(ctx, []string{"import", "--demo"}, envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn}), io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	env := func(name string) map[string]string {
		return map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_PROCESS_NAME": name,
			"PALABRE_BATCH_INTERVAL": "100ms", "PALABRE_COMPACT_AFTER": "1s", "PALABRE_RATE_LIMIT": "10000", "PALABRE_RATE_BURST": "10000",
			"PALABRE_LOG_LEVEL": "debug"} // debug: each run of a scheduled job is logged
	}
	a := startProcess(t, env("node-a"))
	b := startProcess(t, env("node-b"))
	a.waitReady(time.Now())
	b.waitReady(time.Now())
	procs := []*process{a, b}
	began := time.Now()

	post := func(base, id, body string) (int, receipt) {
		t.Helper()
		res, err := http.Post(base+"/api/v1/surveys/partners-meeting/editions/2026/responses", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var rc receipt
		json.NewDecoder(res.Body).Decode(&rc)
		return res.StatusCode, rc
	}

	// 100 responses spread over both, four clients at once.
	const n = 100
	ids := make([]string, n)
	receipts := make([]receipt, n)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				ids[i] = survey.NewResponseID().String()
				code, rc := post(procs[i%2].base, ids[i], demoBody(ids[i], i%11))
				if code != http.StatusCreated {
					t.Errorf("response %d to %s: %d, want 201", i, procs[i%2].base, code)
				}
				receipts[i] = rc
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%v: %d responses accepted", time.Since(began), n)
	// Once stored, each process learns the other's responses.
	waitFor(t, "each process learns the responses the other stored", func() bool {
		return metric(t, a, "palabre_responses_learnt_total") >= n/2 && metric(t, b, "palabre_responses_learnt_total") >= n/2
	})
	for i, id := range ids {
		other := procs[(i+1)%2]
		code, rc := post(other.base, id, demoBody(id, i%11))
		if code != http.StatusOK || rc.Status != "duplicate" || !rc.SubmittedAt.Equal(receipts[i].SubmittedAt.Truncate(time.Second)) {
			t.Fatalf("response %d sent again to the other process: %d %+v, want 200 duplicate with the receipt %+v", i, code, rc, receipts[i])
		}
	}
	for i := range 4 {
		for _, p := range procs {
			if code, _ := post(p.base, ids[i], demoBody(ids[i], 10-i%11)); code != http.StatusConflict {
				t.Errorf("response %d with other answers to %s: %d, want 409", i, p.base, code)
			}
		}
	}

	t.Logf("%v: resubmissions recognised", time.Since(began))
	// The same ids with different answers sent to both at once, within the delivery window.
	const clashes = 6
	clash := make([]string, clashes)
	for i := range clash {
		clash[i] = survey.NewResponseID().String()
		var codes [2]int
		for j, p := range procs {
			wg.Go(func() { codes[j], _ = post(p.base, clash[i], demoBody(clash[i], j*5+i%5)) })
		}
		wg.Wait()
		if codes != [2]int{http.StatusCreated, http.StatusCreated} {
			t.Fatalf("clash %d: %v, want both accepted (neither knew the other's yet)", i, codes)
		}
	}
	// One version of each is kept by the rule and the other recorded.
	byID := map[string]bool{}
	waitFor(t, "every clash resolved and recorded", func() bool {
		cs, err := db.Conflicts(ctx, "partners-meeting", 2026, 100)
		if err != nil {
			return false
		}
		clear(byID)
		for _, c := range cs {
			byID[c.ID.String()] = true
		}
		for _, id := range clash {
			if !byID[id] {
				return false
			}
		}
		return true
	})
	t.Logf("%v: clashes recorded", time.Since(began))
	cs, err := db.Conflicts(ctx, "partners-meeting", 2026, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != clashes {
		t.Fatalf("%d conflicts recorded, want %d: %+v", len(cs), clashes, cs)
	}
	for _, c := range cs {
		if !(c.WinnerReceivedAt.Unix() < c.ReceivedAt.Unix() || c.WinnerReceivedAt.Unix() == c.ReceivedAt.Unix() && c.WinnerDigest < c.Digest) {
			t.Errorf("conflict %s: kept %x received %v over %x received %v, against the rule", c.ID, c.WinnerDigest,
				c.WinnerReceivedAt, c.Digest, c.ReceivedAt)
		}
		// The loser's rows go by a mutation, which ClickHouse applies in the background.
		var stored *survey.Response
		waitForWithin(t, "only the winner's answers stored for "+c.ID.String(), 30*time.Second, func() bool {
			stored, err = db.ReadResponse(ctx, c.ID)
			return err == nil && stored.Digest() == c.WinnerDigest
		})
		var loser survey.Response
		if err := json.Unmarshal([]byte(c.Body), &loser); err != nil || loser.Digest() != c.Digest || c.AcceptedBy == "" {
			t.Errorf("conflict %s: body %q (err %v), accepted by %q", c.ID, c.Body, err, c.AcceptedBy)
		}
	}
	// Both processes then answer the winner as a duplicate and the loser as a conflict.
	for i, id := range clash {
		rid, _ := survey.ParseResponseID(id)
		stored, err := db.ReadResponse(ctx, rid)
		if err != nil {
			t.Fatal(err)
		}
		kept := -1
		for _, a := range stored.Answers {
			if a.Question == "recommend" {
				kept = int(a.Num)
			}
		}
		winner, loser := demoBody(id, i%5), demoBody(id, 5+i%5)
		if kept == 5+i%5 {
			winner, loser = loser, winner
		} else if kept != i%5 {
			t.Fatalf("clash %d: stored recommendation %d, neither version's", i, kept)
		}
		for _, p := range procs {
			waitFor(t, fmt.Sprintf("clash %d: %s answers the kept version as a duplicate, the other as a conflict", i, p.base), func() bool {
				cw, _ := post(p.base, id, winner)
				cl, _ := post(p.base, id, loser)
				return cw == http.StatusOK && cl == http.StatusConflict
			})
		}
	}
	t.Logf("%v: both processes answer the clashes alike", time.Since(began))
	// Every accepted answer counted once: n + clashes responses, ten answers each.
	counted, err := db.CountResponses(ctx, "partners-meeting", 2026)
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.Integrity(ctx, "partners-meeting", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if counted != n+clashes || in.Responses != n+clashes || in.Answers != 10*(n+clashes) {
		t.Errorf("counted %d responses, stored %+v; want %d responses of 10 answers", counted, in, n+clashes)
	}
	waitFor(t, "palabre_response_conflicts to say 6 (it is read every 10 s at most)", func() bool {
		return metric(t, a, "palabre_response_conflicts") == clashes
	})

	t.Logf("%v: counted", time.Since(began))
	// Compaction is scheduled work, run by node-a only. Whether a run finds parts to merge
	// depends on ClickHouse's own background merges, which may have merged them first; each
	// run is logged at debug level either way.
	const compactionRuns = `msg="lease: running" job=compaction`
	waitFor(t, "node-a runs compaction", func() bool { return strings.Contains(a.out.String(), compactionRuns) })
	t.Logf("%v: compaction run by node-a", time.Since(began))
	time.Sleep(3 * time.Second) // two more slots, in which B could have run it
	if strings.Contains(b.out.String(), compactionRuns) || strings.Contains(b.out.String(), `msg="lease: running" job=conflicts`) ||
		strings.Contains(b.out.String(), "compacted an edition") {
		t.Errorf("node-b ran work that node-a holds the lease of:\n%s", logTail(b.out))
	}
	// node-a dies: from the slot after its last claim, node-b holds the lease and compacts
	// what arrives next.
	a.kill()
	for range 5 {
		id := survey.NewResponseID().String()
		if code, _ := post(b.base, id, demoBody(id, 7)); code != http.StatusCreated {
			t.Fatalf("a response to node-b after node-a died: %d", code)
		}
	}
	killed := time.Now()
	waitFor(t, "node-b runs compaction once node-a is dead", func() bool { return strings.Contains(b.out.String(), compactionRuns) })
	t.Logf("node-b took over compaction %v after node-a was killed", time.Since(killed).Round(100*time.Millisecond))
	b.stop()
	for _, p := range procs {
		if strings.Contains(p.out.String(), "level=ERROR") {
			t.Errorf("errors logged:\n%s", logTail(p.out))
		}
	}
}

type receipt struct {
	Status      string    `json:"status"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// metric reads one unlabelled metric from a process's /metrics.
func metric(t *testing.T, p *process, name string) float64 {
	t.Helper()
	res, err := http.Get(p.ops + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in /metrics", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}
