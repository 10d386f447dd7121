package main

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
)

// TestDashboardsServedByEveryProcess runs two palabre serve processes over one database. A's
// data directory holds a dashboard published before dashboards moved to the database (the
// file store, its key in keys/links.json): after the upgrade its link answers 200 on A and
// on B. A dashboard published with `palabre share` on A's data directory opens on B;
// revoked there, B answers 410 within publish.RevocationDelay; the old link revoked through
// A's API, the same on B. A key retired with palabre share: its links answer 404 on B
// within the same delay.
func TestDashboardsServedByEveryProcess(t *testing.T) {
	dsn, db := demoDatabase(t)
	ctx := context.Background()
	// Yesterday's data directory: a dashboard and its key in files.
	dataA := t.TempDir()
	fileKeys, err := links.OpenKeyring(filepath.Join(dataA, "keys", "links.json"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := publish.Open(filepath.Join(dataA, "publications"), fileKeys,
		reports.NewBuilder(db, analytics.NewService(db, db, analytics.DefaultThreshold), "test"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := files.Publish(ctx, publish.Scope{Survey: "partners-meeting", Language: "en"}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := func(name, data string) map[string]string {
		return map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": data, "PALABRE_PROCESS_NAME": name,
			"PALABRE_COORDINATOR_TOKEN": "s3cret"}
	}
	a := startProcess(t, env("node-a", dataA))
	b := startProcess(t, env("node-b", t.TempDir()))
	a.waitReady(time.Now())
	b.waitReady(time.Now())
	status := func(p *process, token string) int {
		t.Helper()
		resp, _ := httpGet(t, p.base+"/d/"+token)
		return resp.StatusCode
	}
	for _, p := range []*process{a, b} {
		if code := status(p, old.Token); code != http.StatusOK {
			t.Fatalf("the link published before the upgrade on %s: %d, want 200", p.base, code)
		}
	}
	// Published with palabre share on A's data directory: opens on B.
	share := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(palabreBinary(t), append([]string{"share", "--base-url", a.base}, args...)...)
		cmd.Env = []string{"PALABRE_CLICKHOUSE=" + dsn, "PALABRE_DATA=" + dataA, "HOME=/tmp"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("palabre share %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	m := linkRE.FindStringSubmatch(share("--survey", "partners-meeting", "--editions", "2025-2026"))
	if m == nil {
		t.Fatal("palabre share printed no link")
	}
	token := m[2]
	for _, p := range []*process{b, a} {
		if code := status(p, token); code != http.StatusOK {
			t.Fatalf("a link published by palabre share, on %s: %d, want 200", p.base, code)
		}
	}
	// Revoked with palabre share: B refuses it within the delay.
	share("--revoke", token)
	revoked := time.Now()
	refusedWithin(t, revoked, http.StatusGone, func() int { return status(b, token) })
	refusedWithin(t, revoked, http.StatusGone, func() int { return status(a, token) })
	// The old link revoked through A's API: B refuses it within the delay.
	req, _ := http.NewRequest(http.MethodDelete, a.base+"/api/v1/dashboards/"+old.ID, nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE on A: %d", resp.StatusCode)
	}
	refusedWithin(t, time.Now(), http.StatusGone, func() int { return status(b, old.Token) })
	// Keys: rotated with palabre share, the key of a live link retired: B answers 404 within
	// the delay; a link signed since opens on B.
	m = linkRE.FindStringSubmatch(share("--survey", "partners-meeting", "--editions", "2026"))
	if m == nil {
		t.Fatal("palabre share printed no link")
	}
	live := m[2]
	if code := status(b, live); code != http.StatusOK {
		t.Fatalf("a new link on B: %d", code)
	}
	share("--rotate-key")
	share("--retire-key", strings.Split(live, ".")[1])
	refusedWithin(t, time.Now(), http.StatusNotFound, func() int { return status(b, live) })
	m = linkRE.FindStringSubmatch(share("--survey", "partners-meeting", "--editions", "2026"))
	if m == nil || status(b, m[2]) != http.StatusOK {
		t.Fatalf("a link signed with the new key does not open on B: %v", m)
	}
}

// refusedWithin waits for a link to answer want (410 or 404), failing after
// publish.RevocationDelay.
func refusedWithin(t *testing.T, since time.Time, want int, status func() int) {
	t.Helper()
	for {
		code := status()
		if code == want {
			t.Logf("%d after %s", want, time.Since(since).Round(time.Millisecond))
			return
		}
		if code != http.StatusOK {
			t.Fatalf("a revoked link answers %d", code)
		}
		if time.Since(since) > publish.RevocationDelay {
			t.Fatalf("still 200 %s after the revocation", publish.RevocationDelay)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
