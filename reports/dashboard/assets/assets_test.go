package assets

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey/web/browsertest"
)

// The charts of build/example.html, from the top of the page.
var exampleCharts = []string{"shares", "means", "heat", "years"}

func TestEmbedded(t *testing.T) {
	for _, name := range []string{ECharts, Script, Style, License} {
		b, err := fs.ReadFile(FS, name)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	js, _ := fs.ReadFile(FS, ECharts)
	if !bytes.HasPrefix(js, []byte("/*! Apache ECharts ")) || !bytes.Contains(js[:600], []byte("Apache License 2.0")) {
		t.Errorf("%s does not start with its licence header:\n%.300s", ECharts, js)
	}
	// A self-contained page inlines the script: it must not close its own element.
	for _, name := range []string{ECharts, Script} {
		b, _ := fs.ReadFile(FS, name)
		if bytes.Contains(bytes.ToLower(b), []byte("</script")) {
			t.Errorf("%s contains </script, which would end an inline <script> element", name)
		}
	}
	lic, _ := fs.ReadFile(FS, License)
	for _, want := range []string{"Apache License", "Version 2.0", "The Apache Software Foundation", "Baidu", "BSD"} {
		if !bytes.Contains(lic, []byte(want)) {
			t.Errorf("%s lacks %q", License, want)
		}
	}
	// PackedECharts gives the build back, byte for byte, through base64 and gzip.
	gz, err := base64.StdEncoding.DecodeString(PackedECharts())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if _, err := back.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), js) {
		t.Errorf("PackedECharts unpacks to %d bytes, not the %d of %s", back.Len(), len(js), ECharts)
	}
}

// TestWeight keeps the assets within the page weight the dashboards promise: a first
// load, all assets included, of at most 300 KB gzip-compressed, which leaves the HTML
// at least 50 KB.
func TestWeight(t *testing.T) {
	total := 0
	for _, name := range []string{ECharts, Script, Style} {
		b, _ := fs.ReadFile(FS, name)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		t.Logf("%s: %d bytes, %d gzip-compressed", name, len(b), buf.Len())
		total += buf.Len()
	}
	t.Logf("total: %d bytes gzip-compressed", total)
	if total > 250_000 {
		t.Errorf("the assets weigh %d bytes gzip-compressed; at most 250000 leave the HTML its share of 300 KB", total)
	}
}

// page records what a tab does that a dashboard must not: console errors and warnings,
// uncaught exceptions, and requests to any other host than 127.0.0.1.
type page struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

func watch(t *testing.T, ctx context.Context) *page {
	t.Helper()
	p := &page{}
	err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					var str string
					switch {
					case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &str) == nil:
						args = append(args, str)
					case a.Description != "":
						args = append(args, a.Description)
					default:
						args = append(args, string(a.Value))
					}
				}
				p.problems = append(p.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			p.problems = append(p.problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, text))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				p.problems = append(p.problems, fmt.Sprintf("browser log: %s (%s)", e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			p.requests = append(p.requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// check fails the test for each problem, for each request that leaves this machine's
// 127.0.0.1 (or, for a file, that is not a file or data URL), and when a file of want
// was never requested.
func (p *page) check(t *testing.T, want ...string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.problems {
		t.Errorf("%s", m)
	}
	seen := map[string]bool{}
	for _, raw := range p.requests {
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			t.Errorf("request to %q: %v", raw, err)
		case u.Scheme == "data" || u.Scheme == "file":
		case (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() == "127.0.0.1":
		default:
			t.Errorf("request to another host: %s", raw)
		}
		if u != nil {
			seen[filepath.Base(u.Path)] = true
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("%s was not requested; requests: %v", w, p.requests)
		}
	}
}

// server serves build/example.html at /build/example.html, its <html lang> set from
// ?lang=, with an extra chart whose option is broken at the top when ?broken=1, and the
// embedded assets at the root, as a dashboard's page finds them.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	example, err := os.ReadFile(filepath.Join("build", "example.html"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServerFS(FS))
	mux.HandleFunc("/build/example.html", func(w http.ResponseWriter, r *http.Request) {
		html := string(example)
		if lang := r.URL.Query().Get("lang"); lang != "" {
			html = strings.Replace(html, `<html lang="fr">`, `<html lang="`+lang+`">`, 1)
		}
		if r.URL.Query().Get("broken") != "" {
			html = strings.Replace(html, "<main>", `<main>
<div class="chart" id="broken" data-option="broken-option"></div>
<script type="application/json" id="broken-option">{"series":[{"type":"bar","data":[1,2</script>`, 1)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:")
		fmt.Fprint(w, html)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if u, _ := url.Parse(srv.URL); u.Hostname() != "127.0.0.1" {
		t.Fatalf("the test server listens on %s, not 127.0.0.1", srv.URL)
	}
	return srv
}

// pixels describes the canvas of a chart: how many pixels are painted (not white nor
// transparent) and how many are near black (the error bars of the example).
type pixels struct {
	Width, Height, Painted, Dark int
	Sum                          float64 // a checksum of every layer's pixels
}

func canvasPixels(t *testing.T, ctx context.Context, id string) pixels {
	t.Helper()
	px, err := chromedp.Run(ctx, chromedp.Evaluate[pixels](`(function () {
	// ECharts may draw on several layers (one canvas each, the same size): a pixel counts
	// when one layer paints it.
	var cs = document.querySelectorAll('#`+id+` canvas');
	if (!cs.length) return {Width: 0, Height: 0, Painted: 0, Dark: 0};
	var w = cs[0].width, h = cs[0].height, paint = new Uint8Array(w * h), black = new Uint8Array(w * h), sum = 0;
	Array.prototype.forEach.call(cs, function (c) {
		if (c.width !== w || c.height !== h) return;
		var d = c.getContext('2d').getImageData(0, 0, w, h).data;
		for (var i = 0; i < d.length; i += 4) {
			sum = (sum * 31 + d[i] + 3 * d[i+1] + 7 * d[i+2] + 11 * d[i+3]) % 4294967291;
			if (d[i+3] > 0 && (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240)) paint[i/4] = 1;
			if (d[i+3] > 200 && d[i] < 40 && d[i+1] < 40 && d[i+2] < 40) black[i/4] = 1;
		}
	});
	var painted = 0, dark = 0;
	for (var j = 0; j < paint.length; j++) { painted += paint[j]; dark += black[j]; }
	return {Width: w, Height: h, Painted: painted, Dark: dark, Sum: sum};
})()`))
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return px
}

// drawAll scrolls to each chart in turn and waits until it has drawn.
func drawAll(t *testing.T, ctx context.Context, ids []string) {
	t.Helper()
	// The placeholders show once ECharts is there (after unpacking, in a self-contained page).
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.documentElement.classList.contains('js')`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the charts were never shown: %v", err)
	}
	for _, id := range ids {
		if err := chromedp.Do(ctx,
			chromedp.ScrollIntoView(chromedp.CSS("#"+id)),
			chromedp.Poll[chromedp.Void](`window.palabreDashboard && palabreDashboard.charts['`+id+`'] && palabreDashboard.charts['`+id+`'].palabreReady`,
				chromedp.WithPollingTimeout(20*time.Second)),
		); err != nil {
			t.Fatalf("chart %s was not drawn: %v", id, err)
		}
	}
}

func checkDrawn(t *testing.T, ctx context.Context, ids []string) {
	t.Helper()
	for _, id := range ids {
		px := canvasPixels(t, ctx, id)
		if px.Width == 0 || px.Painted*100 < px.Width*px.Height {
			t.Errorf("chart %s: %d painted pixels of %dx%d", id, px.Painted, px.Width, px.Height)
		}
		switch id {
		case "means":
			if px.Dark < 20 {
				t.Errorf("chart means: %d near-black pixels; its error bars are not drawn", px.Dark)
			}
		case "shares":
			if px.Dark != 0 {
				t.Errorf("chart shares: %d near-black pixels, where nothing is black", px.Dark)
			}
		}
	}
}

func TestDashboardCharts(t *testing.T) {
	srv := server(t)
	cases := []struct {
		width, height int
		lang          string
		percent       []string // as ICU versions write it
		aria          string
	}{
		{360, 740, "fr", []string{"42,5\u202f%", "42,5\u00a0%"}, "C'est une carte"},
		{1280, 800, "fr", []string{"42,5\u202f%", "42,5\u00a0%"}, "C'est une carte"},
		{360, 740, "es", []string{"42,5\u00a0%"}, "Este es un gráfico"},
		{1280, 800, "en", []string{"42.5%"}, "This is a chart"},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%dx%d-%s", tc.width, tc.height, tc.lang)
		t.Run(name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{Width: tc.width, Height: tc.height})
			p := watch(t, ctx)
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/build/example.html?lang="+tc.lang)); err != nil {
				t.Fatal(err)
			}
			drawAll(t, ctx, exampleCharts[:1])
			// Charts far below the fold wait until they are scrolled to.
			if lazy, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!palabreDashboard.charts.years && document.querySelector('#years canvas') === null`)); !lazy {
				t.Errorf("the last chart was drawn before it came near the viewport")
			}
			drawAll(t, ctx, exampleCharts)
			checkDrawn(t, ctx, exampleCharts)

			got, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Percent, Axis, Heat, Range, Rate, RateAxis, Count, Aria, Locale string }](`({
	Percent: palabreDashboard.percent(42.5),
	Range: palabreDashboard.charts.heat.getOption().visualMap[0].formatter(50, 70),
	Rate: palabreDashboard.charts.years.getOption().series[1].tooltip.valueFormatter(42.5),
	RateAxis: palabreDashboard.charts.years.getOption().yAxis[1].axisLabel.formatter(42.5),
	Count: String((palabreDashboard.charts.years.getOption().series[0].tooltip || {}).valueFormatter) + ' ' + String((palabreDashboard.charts.years.getOption().yAxis[0].axisLabel || {}).formatter),
	Axis: palabreDashboard.charts.shares.getOption().yAxis[0].axisLabel.formatter(42.5),
	Heat: palabreDashboard.charts.heat.getOption().series[0].tooltip.valueFormatter(42.5),
	Aria: document.getElementById('shares').getAttribute('aria-label') || '',
	Locale: palabreDashboard.locale
})`))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(tc.percent, got.Percent) || got.Axis != got.Percent || got.Heat != got.Percent {
				t.Errorf("42.5 percent: %q, axis label %q, heatmap tooltip %q; want %q", got.Percent, got.Axis, got.Heat, tc.percent)
			}
			// "percent" on one axis: the series on it, and its labels, and nothing else.
			if got.Rate != got.Percent || got.RateAxis != got.Percent || got.Count != "undefined undefined" {
				t.Errorf("response rate's tooltip %q and axis %q, want %q; responses' tooltip and axis formatters %q, want none", got.Rate, got.RateAxis, got.Percent, got.Count)
			}
			if want := strings.Replace(got.Percent, got.Percent[:4], "50–70", 1); got.Range != want {
				t.Errorf("heatmap piece from 50 to 70 percent: %q; want %q", got.Range, want)
			}
			if got.Locale != strings.ToUpper(tc.lang) || !strings.HasPrefix(got.Aria, tc.aria) {
				t.Errorf("locale %s, aria-label %q; want %s and a label starting %q", got.Locale, got.Aria, strings.ToUpper(tc.lang), tc.aria)
			}
			if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
				t.Errorf("the page scrolls sideways at %dx%d", tc.width, tc.height)
			}

			// An error bar series named as its bar series comes and goes with it in the legend.
			if err := chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](`(function (c) {
	c.palabreReady = false;
	c.dispatchAction({type: 'legendUnSelect', name: '2025'});
	c.dispatchAction({type: 'legendUnSelect', name: '2026'});
})(palabreDashboard.charts.means)`),
				chromedp.Poll[chromedp.Void](`palabreDashboard.charts.means.palabreReady`, chromedp.WithPollingTimeout(10*time.Second)),
			); err != nil {
				t.Fatal(err)
			}
			if px := canvasPixels(t, ctx, "means"); px.Dark != 0 {
				t.Errorf("chart means with both years hidden from its legend: %d near-black pixels; the error bars stayed", px.Dark)
			}
			if err := chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](`(function (c) {
	c.palabreReady = false;
	c.dispatchAction({type: 'legendAllSelect'});
})(palabreDashboard.charts.means)`),
				chromedp.Poll[chromedp.Void](`palabreDashboard.charts.means.palabreReady`, chromedp.WithPollingTimeout(10*time.Second)),
			); err != nil {
				t.Fatal(err)
			}

			// The PNG button downloads the chart at twice its size on white.
			if err := chromedp.Do(ctx,
				chromedp.Evaluate[chromedp.Void](`window.__png = null; HTMLAnchorElement.prototype.click = function () { window.__png = {Href: this.href, Name: this.download}; };`),
				chromedp.Click(chromedp.CSS(`button[data-png="means"]`)),
			); err != nil {
				t.Fatal(err)
			}
			dl, err := chromedp.Run(ctx, chromedp.Poll[struct{ Href, Name string }](`window.__png`, chromedp.WithPollingTimeout(10*time.Second)))
			if err != nil {
				t.Fatalf("the PNG button downloaded nothing: %v", err)
			}
			const prefix = "data:image/png;base64,"
			if !strings.HasPrefix(dl.Href, prefix) || dl.Name != "note-moyenne.png" {
				t.Fatalf("PNG download %q as %q", dl.Href[:min(len(dl.Href), 40)], dl.Name)
			}
			png, err := base64.StdEncoding.DecodeString(dl.Href[len(prefix):])
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(png))
			width, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`palabreDashboard.charts.means.getWidth()`))
			if err != nil || width == 0 || cfg.Width != 2*width {
				t.Errorf("PNG %dx%d (%v) for a chart %d pixels wide; want twice as wide", cfg.Width, cfg.Height, err, width)
			}

			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
				t.Fatal(err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "dashboard-assets-"+name)

			// The charts follow the window's width.
			if tc.width > 600 {
				if err := chromedp.Do(ctx,
					chromedp.EmulateViewport(int64(tc.width/2), int64(tc.height)),
					chromedp.Poll[chromedp.Void](fmt.Sprintf(`palabreDashboard.charts.shares.getWidth() < %d`, tc.width/2),
						chromedp.WithPollingTimeout(10*time.Second)),
				); err != nil {
					t.Errorf("the charts kept their width when the window narrowed to %d: %v", tc.width/2, err)
				}
			}
			p.check(t, "example.html", ECharts, Script, Style)
		})
	}
}

// TestDashboardBrokenChart checks that a chart whose option cannot be read is reported
// once, as an error, and stops no other chart.
func TestDashboardBrokenChart(t *testing.T) {
	srv := server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{Width: 1280, Height: 800})
	p := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/build/example.html?broken=1")); err != nil {
		t.Fatal(err)
	}
	drawAll(t, ctx, exampleCharts)
	checkDrawn(t, ctx, exampleCharts)
	p.mu.Lock()
	problems := p.problems
	p.problems = nil
	p.mu.Unlock()
	if len(problems) != 1 || !strings.Contains(problems[0], "console.error: palabre: chart broken:") {
		t.Errorf("problems reported for one broken chart: %q; want one console error naming it", problems)
	}
	p.check(t, ECharts, Script)
}

// TestDashboardNoJavaScript checks the page without JavaScript: no chart placeholder,
// every table shown, suppressed cells marked.
func TestDashboardNoJavaScript(t *testing.T) {
	srv := server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: true})
	p := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/build/example.html")); err != nil {
		t.Fatal(err)
	}
	type state struct {
		JS                              bool
		Charts, ShownCharts, Tables     int
		ShownTables, Suppressed, Italic int
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[state](`(function () {
	var shown = function (sel) { return Array.prototype.filter.call(document.querySelectorAll(sel), function (e) { return e.offsetHeight > 0; }).length; };
	var sup = document.querySelectorAll('.suppressed');
	return {
		JS: document.documentElement.classList.contains('js'),
		Charts: document.querySelectorAll('.chart').length, ShownCharts: shown('.chart'),
		Tables: document.querySelectorAll('.table-wrap table').length, ShownTables: shown('.table-wrap table'),
		Suppressed: sup.length,
		Italic: Array.prototype.filter.call(sup, function (e) { return getComputedStyle(e).fontStyle === 'italic'; }).length
	};
})()`))
	if err != nil {
		t.Fatal(err)
	}
	if got.JS || got.Charts != 4 || got.ShownCharts != 0 || got.Tables != 4 || got.ShownTables != 4 || got.Suppressed == 0 || got.Italic != got.Suppressed {
		t.Errorf("without JavaScript: %+v; want no js class, 4 hidden charts, 4 shown tables, suppressed cells in italics", got)
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "dashboard-assets-no-javascript")
	p.check(t, Style)
}

// offline writes build/example.html as one self-contained file, as a dashboard's
// offline copy is made: the style sheet and dashboard.js inlined, ECharts packed.
func offline(t *testing.T) (string, int) {
	t.Helper()
	example, err := os.ReadFile(filepath.Join("build", "example.html"))
	if err != nil {
		t.Fatal(err)
	}
	css, _ := fs.ReadFile(FS, Style)
	js, _ := fs.ReadFile(FS, Script)
	html := string(example)
	for old, new := range map[string]string{
		`<link rel="stylesheet" href="../dashboard.css">`: "<style>" + string(css) + "</style>",
		`<script src="../echarts.min.js" defer></script>`: `<script type="text/plain" data-palabre-gzip>` + PackedECharts() + "</script>",
		`<script src="../dashboard.js" defer></script>`:   "<script>" + string(js) + "</script>",
	} {
		if !strings.Contains(html, old) {
			t.Fatalf("example.html lacks %s", old)
		}
		html = strings.Replace(html, old, new, 1)
	}
	p := filepath.Join(t.TempDir(), "dashboard.html")
	if err := os.WriteFile(p, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, len(html)
}

// TestDashboardOffline opens the self-contained copy of the example from a file: every
// chart is drawn without a single request, and the file stays within 600 KB.
func TestDashboardOffline(t *testing.T) {
	path, size := offline(t)
	t.Logf("self-contained example page: %d bytes", size)
	if size > 600_000 {
		t.Errorf("the self-contained page weighs %d bytes; at most 600000", size)
	}
	ctx := browsertest.NewContext(t, browsertest.Options{})
	p := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	drawAll(t, ctx, exampleCharts)
	checkDrawn(t, ctx, exampleCharts)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "dashboard-assets-offline")
	p.mu.Lock()
	for _, r := range p.requests {
		if !strings.HasPrefix(r, "file://") && !strings.HasPrefix(r, "data:") {
			t.Errorf("the offline page requested %s", r)
		}
	}
	p.mu.Unlock()
	p.check(t)
}

// TestDashboardTooltips points at and clicks the second figure of each chart under the page's strict
// Content-Security-Policy (no inline style): the tooltip is drawn, and nothing is blocked.
func TestDashboardTooltips(t *testing.T) {
	srv := server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	p := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/build/example.html")); err != nil {
		t.Fatal(err)
	}
	drawAll(t, ctx, exampleCharts)
	for _, id := range exampleCharts {
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#"+id))); err != nil {
			t.Fatal(err)
		}
		before := canvasPixels(t, ctx, id)
		at, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(function (el) {
	var c = palabreDashboard.charts[el.id], s = c.getOption().series[0], d = s.data[1];
	var pt = c.convertToPixel({seriesIndex: 0}, s.type === 'heatmap' ? [d[0], d[1]] : [1, s.type === 'line' ? d : d / 2]);
	var r = el.getBoundingClientRect();
	return [r.left + pt[0], r.top + pt[1]];
})(document.getElementById('`+id+`'))`))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx,
			chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at[0], at[1]),
			chromedp.MouseClickXY(at[0], at[1]),
			chromedp.Sleep(600*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		after := canvasPixels(t, ctx, id)
		if after.Sum == before.Sum {
			t.Errorf("chart %s: pointing at its second figure at %v changed no pixel; no tooltip", id, at)
		}
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "dashboard-assets-tooltip")
	p.check(t, ECharts, Script, Style)
}
