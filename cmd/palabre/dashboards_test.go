package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey/web/browsertest"
)

// dashboardServer is the real binary serving the seeded demo, with a coordinator token,
// and a helper to run palabre share on the same data directory.
type dashboardServer struct {
	*process
	data, dsn string
}

func startDashboardServer(t *testing.T) *dashboardServer {
	t.Helper()
	dsn, _ := demoDatabase(t)
	data := t.TempDir()
	p := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": data,
		"PALABRE_COORDINATOR_TOKEN": "s3cret", "PALABRE_LOG_LEVEL": "info"})
	p.waitReady(time.Now())
	return &dashboardServer{process: p, data: data, dsn: dsn}
}

// share runs `palabre share` (the built binary) on the server's data directory.
func (s *dashboardServer) share(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(palabreBinary(t), append([]string{"share", "--base-url", s.base}, args...)...)
	cmd.Env = []string{"PALABRE_CLICKHOUSE=" + s.dsn, "PALABRE_DATA=" + s.data, "HOME=/tmp"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("palabre share %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var linkRE = regexp.MustCompile(`(http://[^\s]+/d/([A-Za-z0-9_.-]+))`)

func httpGet(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestPublishedDashboards runs what a coordinator and a funder do with the real binary:
// `palabre share` publishes the demo and prints a link that `palabre serve` (already running,
// on the same data) opens, with its headers, workbook and offline copy; a tampered link is
// 404, a revoked one 410; the coordinators' API publishes too; no token reaches the log; and
// the analytics API, the way funders used to vary filters, answers 401 without the token.
func TestPublishedDashboards(t *testing.T) {
	s := startDashboardServer(t)
	out := s.share(t, "--survey", "partners-meeting", "--editions", "2024-2026", "--lang", "en", "--expires", "30d")
	m := linkRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no link in %q", out)
	}
	link, token := m[1], m[2]
	if again := s.share(t, "--survey", "partners-meeting", "--editions", "2024-2026", "--lang", "en", "--reuse"); !strings.Contains(again, link) {
		t.Errorf("share --reuse published another dashboard:\n%s", again)
	}

	resp, page := httpGet(t, link)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`<html lang="en"`)) {
		t.Fatalf("the link: %d %.300s", resp.StatusCode, page)
	}
	for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if resp, _ := httpGet(t, link+"?lang=es"); resp.StatusCode != http.StatusOK {
		t.Errorf("in Spanish: %d", resp.StatusCode)
	}
	if resp, b := httpGet(t, link+"/report.xlsx"); resp.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("PK")) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "partners-meeting") {
		t.Errorf("the funders' workbook: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	resp, offline := httpGet(t, link+"/dashboard.html")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the offline copy: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).Match(offline) {
		t.Error("the offline copy refers to another address")
	}

	checkInBrowser(t, link, s.base)

	// Tampered, unknown: 404, the same page for both.
	flipped := []byte(token)
	flipped[len(flipped)-5] ^= 1
	for _, bad := range []string{string(flipped), token[:len(token)-1], "nope"} {
		if resp, _ := httpGet(t, s.base+"/d/"+bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("/d/%s = %d, want 404", bad, resp.StatusCode)
		}
	}

	// The coordinators' API publishes too; only with the token.
	body := `{"editions":[2025,2026],"lang":"fr","expires":"7d"}`
	post := func(token string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/surveys/partners-meeting/dashboards", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	if resp, _ := post(""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("publishing without the token: %d", resp.StatusCode)
	}
	resp, b := post("s3cret")
	var created struct {
		ID, URL string
	}
	if err := json.Unmarshal(b, &created); resp.StatusCode != http.StatusCreated || err != nil || created.URL == "" {
		t.Fatalf("publishing with the token: %d %s", resp.StatusCode, b)
	}
	if resp, _ := httpGet(t, created.URL); resp.StatusCode != http.StatusOK {
		t.Errorf("the API's link: %d", resp.StatusCode)
	}

	// Revoked (by URL, from the command line, while serve runs): 410.
	s.share(t, "--revoke", link)
	if resp, page := httpGet(t, link); resp.StatusCode != http.StatusGone || !bytes.Contains(page, []byte("<html")) {
		t.Errorf("revoked: %d", resp.StatusCode)
	}
	if resp, _ := httpGet(t, link+"/report.xlsx"); resp.StatusCode != http.StatusGone {
		t.Errorf("revoked workbook: %d", resp.StatusCode)
	}
	if list := s.share(t, "--list"); !strings.Contains(list, "revoked") || !strings.Contains(list, created.ID) {
		t.Errorf("share --list:\n%s", list)
	}

	// The three-request differencing attack of a funder without credentials: refused.
	for _, q := range []string{"?question=improve&organisation=Grandir%20Dignement,Samusocial%20S%C3%A9n%C3%A9gal",
		"?question=improve&organisation=Samusocial%20S%C3%A9n%C3%A9gal", "?question=recommend&by=country&country=SN"} {
		if resp, _ := httpGet(t, s.base+"/api/v1/surveys/partners-meeting/analytics"+q); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("analytics %s without credentials: %d, want 401", q, resp.StatusCode)
		}
	}

	if log := s.out.String(); strings.Contains(log, token) || strings.Contains(log, string(flipped)) ||
		!strings.Contains(log, "path=/d/…") {
		t.Errorf("the log holds a token, or no dashboard request:\n%s", log)
	}
}

// chartsJS scrolls to the first chart not drawn yet (charts are drawn as they come near the
// viewport) and returns how many charts have a canvas with pixels drawn, and how many there
// are.
const chartsJS = `(function () {
	var charts = document.querySelectorAll('.chart'), drawn = 0, next = null;
	charts.forEach(function (el) {
		var c = el.querySelector('canvas');
		if (!c || !c.width) { next = next || el; return; }
		var copy = document.createElement('canvas');
		copy.width = c.width; copy.height = c.height;
		var g = copy.getContext('2d');
		g.drawImage(c, 0, 0);
		var d = g.getImageData(0, 0, c.width, c.height).data;
		for (var i = 0; i < d.length; i += 4) {
			if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) { drawn++; return; }
		}
		next = next || el;
	});
	if (next) next.scrollIntoView();
	return [drawn, charts.length];
})()`

// checkInBrowser opens a published dashboard in headless Chromium at a phone's and a
// laptop's size: every chart is drawn, the console shows no error or warning, no request
// leaves palabre's address, and without JavaScript the tables show the figures.
// Screenshots go to browsertest.Dir.
func checkInBrowser(t *testing.T, link, base string) {
	t.Helper()
	dir := browsertest.Dir(t)
	for _, size := range [][2]int{{360, 740}, {1280, 800}} {
		name := fmt.Sprintf("published-dashboard-%dx%d", size[0], size[1])
		ctx := browsertest.NewContext(t, browsertest.Options{Width: size[0], Height: size[1]})
		w := browsertest.NewWatch(t, ctx)
		if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
			t.Fatal(err)
		}
		var got []int
		deadline := time.Now().Add(60 * time.Second)
		for {
			var err error
			if got, err = chromedp.Run(ctx, chromedp.Evaluate[[]int](chartsJS)); err != nil {
				t.Fatal(err)
			}
			if got[0] == got[1] || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got[1] < 10 || got[0] != got[1] {
			t.Errorf("%s: %d of %d charts drawn", name, got[0], got[1])
		}
		browsertest.Screenshot(ctx, t, dir, name)
		requests, problems := w.Seen()
		for _, p := range problems {
			t.Errorf("%s: %s", name, p)
		}
		for _, u := range requests {
			if !strings.HasPrefix(u, base+"/") {
				t.Errorf("%s: a request off palabre: %s", name, u)
			}
		}
	}
	ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: true})
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[Array.prototype.filter.call(document.querySelectorAll('table'),
		function (t) { return t.getBoundingClientRect().height > 0; }).length, document.querySelectorAll('table').length]`))
	if err != nil || shown[1] < 10 || shown[0] != shown[1] {
		t.Errorf("without JavaScript: %v tables shown of all (%v)", shown, err)
	}
	browsertest.Screenshot(ctx, t, dir, "published-dashboard-nojs-360x740")
}
