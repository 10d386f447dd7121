package main

import (
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/reports/publish"
)

// TestDashboardLinkWhileDatabaseDown: a funder who opens a good link while ClickHouse is
// unreachable is told to try again later (503, Retry-After, in their language), not that the
// link leads nowhere (404), which would make them ask for a new link or give up. A link
// palabre did not sign still answers 404 then. It holds for a process that read the keys
// before the outage (cached for publish.RevocationDelay, then 503) and for one started
// during it, which has never read them; both open the link again once ClickHouse is back.
func TestDashboardLinkWhileDatabaseDown(t *testing.T) {
	dsn, _ := demoDatabase(t)
	u, _ := url.Parse(dsn)
	ch := newProxy(t, u.Host)
	data := t.TempDir()
	env := map[string]string{"PALABRE_CLICKHOUSE": "clickhouse://" + ch.addr + u.Path, "PALABRE_DATA": data,
		"PALABRE_LOG_LEVEL": "warn"}
	p := startProcess(t, env)
	p.waitReady(time.Now())

	cmd := exec.Command(palabreBinary(t), "share", "--base-url", p.base, "--survey", "partners-meeting", "--editions", "2025-2026")
	cmd.Env = []string{"PALABRE_CLICKHOUSE=" + dsn, "PALABRE_DATA=" + data, "HOME=/tmp"}
	out, err := cmd.CombinedOutput()
	m := linkRE.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("palabre share: %v\n%s", err, out)
	}
	token := m[2]
	forged := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(token, "AA")]
	open := func(p *process, token string) (int, string, string) {
		t.Helper()
		resp, body := httpGet(t, p.base+"/d/"+token, "Accept-Language", "es")
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
	}
	if code, _, _ := open(p, token); code != http.StatusOK {
		t.Fatalf("the link with ClickHouse up: %d", code)
	}

	ch.down()
	cut := time.Now()
	// Within the revocation delay the page may come from the process's memory; after it,
	// the publication cannot be checked and the page says so.
	for {
		code, retry, body := open(p, token)
		if code == http.StatusOK && time.Since(cut) <= publish.RevocationDelay {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if code != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "Panel no disponible por el momento") {
			t.Fatalf("the link %s after ClickHouse went down: %d, Retry-After %q\n%.400s", time.Since(cut).Round(time.Millisecond), code, retry, body)
		}
		break
	}
	if code, _, _ := open(p, forged); code != http.StatusNotFound {
		t.Errorf("a link palabre did not sign, with ClickHouse down: %d, want 404", code)
	}

	// A process started during the outage has never read the keys.
	p.stop()
	p = startProcess(t, env)
	p.waitReady(time.Now())
	if code, retry, body := open(p, token); code != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "Panel no disponible") {
		t.Fatalf("the link on a process started while ClickHouse is down: %d, Retry-After %q\n%.400s", code, retry, body)
	}

	ch.up()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, _ := open(p, token)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("the link once ClickHouse is back: %d", code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, _, _ := open(p, forged); code != http.StatusNotFound {
		t.Errorf("a link palabre did not sign, with ClickHouse back: %d, want 404", code)
	}
	p.stop()
}
