package dashboard_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/dashboard"
	"github.com/palabre/palabre/reports/dashboard/assets"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// assetsEnv names a directory of other assets (echarts.min.js, dashboard.js,
// dashboard.css) for the browser test, to try a new build; palabre's embedded assets when
// it is not set.
const assetsEnv = "PALABRE_DASHBOARD_ASSETS"

// testAssets returns the assets the browser test serves.
func testAssets(t testing.TB) fs.FS {
	t.Helper()
	dir := os.Getenv(assetsEnv)
	if dir == "" {
		return assets.FS
	}
	other := os.DirFS(dir)
	for _, name := range []string{dashboard.AssetECharts, dashboard.AssetScript, dashboard.AssetStylesheet} {
		if _, err := fs.Stat(other, name); err != nil {
			t.Fatalf("%s: %v", assetsEnv, err)
		}
	}
	return other
}

// demoServer serves a dashboard as palabre does: the page with its CSP at /d/demo, its
// offline export, and the assets.
func demoServer(t *testing.T, assets fs.FS) (*httptest.Server, *reports.Report, []byte) {
	t.Helper()
	fx := newFixture(shifted(analyticstest.Responses(11, 60)))
	r := fx.report(t, reports.Request{Language: "fr"})
	langs := map[string]string{"fr": "/d/demo?lang=fr", "en": "/d/demo?lang=en", "es": "/d/demo?lang=es"}
	pages := map[string][]byte{}
	for _, lang := range []string{"fr", "en", "es"} {
		pages[lang] = render(t, dashboard.Page{Report: r, Language: lang, AssetBase: "/assets/dashboard",
			Links:   dashboard.Links{Offline: "/d/demo/export.html", Languages: langs},
			Expires: time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)})
	}
	export := render(t, dashboard.Page{Report: r, Offline: true, Assets: assets})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /d/demo", func(w http.ResponseWriter, req *http.Request) {
		lang := req.URL.Query().Get("lang")
		if pages[lang] == nil {
			lang = "fr"
		}
		w.Header().Set("Content-Security-Policy", dashboard.CSP())
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[lang])
	})
	mux.HandleFunc("GET /d/demo/export.html", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(export)
	})
	mux.Handle("GET /assets/dashboard/", http.StripPrefix("/assets/dashboard/", http.FileServerFS(assets)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the test server is at %s", srv.URL)
	}
	return srv, r, export
}

// drawnJS counts the charts whose canvas has pixels drawn (not all transparent or
// white), and the charts.
const drawnJS = `(function () {
	var charts = document.querySelectorAll('.chart'), drawn = 0;
	charts.forEach(function (el) {
		var c = el.querySelector('canvas');
		if (!c || !c.width || !c.height) return;
		// Read a copy, so that polling never reads the chart's own canvas back twice.
		var copy = document.createElement('canvas');
		copy.width = c.width; copy.height = c.height;
		var ctx = copy.getContext('2d', {willReadFrequently: true});
		ctx.drawImage(c, 0, 0);
		var d = ctx.getImageData(0, 0, c.width, c.height).data;
		for (var i = 0; i < d.length; i += 4) {
			if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) { drawn++; return; }
		}
	});
	return [drawn, charts.length];
})()`

// scrollJS brings the first chart without a canvas into view (the page's script draws a
// chart when it comes near the viewport), and reports whether every chart has one.
const scrollJS = `(function () {
	var missing = Array.prototype.filter.call(document.querySelectorAll('.chart'), function (c) { return !c.querySelector('canvas'); });
	if (missing.length) { missing[0].scrollIntoView(); return false; }
	return true;
})()`

// checkDrawn scrolls through the page until every chart is drawn: a canvas with pixels
// on it.
func checkDrawn(t *testing.T, ctx context.Context, w *browsertest.Watch) int {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](scrollJS, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		_, problems := w.Seen()
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.querySelectorAll('.chart canvas').length, document.querySelectorAll('.chart').length]`))
		t.Fatalf("the charts were not drawn (%v canvases for charts): %v; console: %q", n, err, problems)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function () { var c = `+drawnJS+`; return c[0] === c[1]; })()`,
		chromedp.WithPollingTimeout(30*time.Second)))
	counts, _ := chromedp.Run(ctx, chromedp.Evaluate[[]int](drawnJS))
	if err != nil || len(counts) != 2 || counts[1] < 10 || counts[0] != counts[1] {
		t.Errorf("%v charts drawn of all (%v)", counts, err)
		return 0
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`)); err != nil {
		t.Fatal(err)
	}
	return counts[1]
}

// TestBrowserDashboard loads the dashboard in headless Chromium at 360×740 and
// 1280×800, with its CSP: every chart is drawn on its canvas, the console shows no
// error or warning, and no request leaves the test server on 127.0.0.1. The offline
// export, opened from disk, draws every chart and asks for nothing but itself. Without
// JavaScript every table is shown. Screenshots go to browsertest.Dir.
func TestBrowserDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test takes a minute: not with -short")
	}
	assets := testAssets(t)
	dir := browsertest.Dir(t)
	srv, _, export := demoServer(t, assets)
	for _, size := range [][2]int{{360, 740}, {1280, 800}} {
		name := fmt.Sprintf("%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{Width: size[0], Height: size[1]})
			w := browsertest.NewWatch(t, ctx)
			for _, lang := range []string{"fr", "es"} {
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/d/demo?lang="+lang)); err != nil {
					t.Fatal(err)
				}
				n := checkDrawn(t, ctx, w)
				// A horizontal scroll bar on a phone means something is too wide.
				wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
				if err != nil || wide {
					t.Errorf("%s: the page is wider than the screen (%v)", lang, err)
				}
				browsertest.Screenshot(ctx, t, dir, "dashboard-"+lang+"-"+name)
				t.Logf("%s: %d charts drawn", lang, n)
			}
			requests, problems := w.Seen()
			for _, p := range problems {
				t.Errorf("console: %s", p)
			}
			for _, u := range requests {
				if !strings.HasPrefix(u, srv.URL+"/") {
					t.Errorf("a request off the test server: %s", u)
				}
			}
			if len(requests) < 8 {
				t.Errorf("only %d requests seen: %v", len(requests), requests)
			}
		})
	}
	t.Run("offline", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "dashboard.html")
		if err := os.WriteFile(path, export, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := browsertest.NewContext(t, browsertest.Options{Width: 360, Height: 740})
		w := browsertest.NewWatch(t, ctx)
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
			t.Fatal(err)
		}
		checkDrawn(t, ctx, w)
		browsertest.Screenshot(ctx, t, dir, "dashboard-offline-360x740")
		requests, problems := w.Seen()
		for _, p := range problems {
			t.Errorf("console: %s", p)
		}
		for _, u := range requests {
			if u != "file://"+path {
				t.Errorf("the export asked for %s", u)
			}
		}
	})
	t.Run("no-javascript", func(t *testing.T) {
		ctx := browsertest.NewContext(t, browsertest.Options{Width: 360, Height: 740, NoJavaScript: true})
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/d/demo?lang=fr")); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(function () {
			var tables = document.querySelectorAll('table'), shown = 0;
			tables.forEach(function (t) { if (t.getBoundingClientRect().height > 0 && getComputedStyle(t).visibility !== 'hidden') shown++; });
			var note = document.querySelector('noscript') ? 1 : 0;
			return [shown, tables.length, document.querySelectorAll('.chart canvas').length, note];
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != got[1] || got[1] < 20 || got[2] != 0 {
			t.Errorf("without JavaScript: %d of %d tables shown, %d canvases", got[0], got[1], got[2])
		}
		browsertest.Screenshot(ctx, t, dir, "dashboard-nojs-360x740")
	})
}

// TestPageWeight measures the demo dashboard as `make run` publishes it (demoReport):
// the page's HTML alone and gzipped, the first load with its assets gzipped (≤ 300 KB),
// and the offline export (≤ 600 KB).
func TestPageWeight(t *testing.T) {
	r := demoReport(t, "fr")
	page := render(t, dashboard.Page{Report: r, AssetBase: "/assets/dashboard",
		Links: dashboard.Links{Workbook: "/d/demo/report.xlsx", Offline: "/d/demo/dashboard.html",
			Languages: map[string]string{"fr": "/d/demo?lang=fr", "en": "/d/demo?lang=en", "es": "/d/demo?lang=es"}}})
	a := testAssets(t)
	first := gzipSize(page)
	for _, name := range []string{dashboard.AssetECharts, dashboard.AssetScript, dashboard.AssetStylesheet} {
		b, err := fs.ReadFile(a, name)
		if err != nil {
			t.Fatal(err)
		}
		first += gzipSize(b)
	}
	export := render(t, dashboard.Page{Report: r, Offline: true, Assets: a})
	keepPage(t, "demo.html", page)
	keepPage(t, "demo-offline.html", export)
	t.Logf("demo page: %d bytes, %d gzipped; first load with the assets: %d bytes gzipped; offline export: %d bytes (%d gzipped)",
		len(page), gzipSize(page), first, len(export), gzipSize(export))
	if first > 300<<10 {
		t.Errorf("the first load is %d bytes gzipped, over 300 KB", first)
	}
	if len(export) > 600<<10 {
		t.Errorf("the offline export is %d bytes, over 600 KB", len(export))
	}
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	z, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	z.Write(b)
	z.Close()
	return buf.Len()
}

// BenchmarkRender renders the demo dashboard's page (online) and its offline export from
// a built report: the cost of a view when the page is not kept rendered.
func BenchmarkRender(b *testing.B) {
	fx := newFixture(shifted(analyticstest.Responses(11, 60)))
	r := fx.report(b, reports.Request{Language: "fr"})
	for _, offline := range []bool{false, true} {
		name := "online"
		if offline {
			name = "offline"
		}
		b.Run(name, func(b *testing.B) {
			p := dashboard.Page{Report: r, AssetBase: "/assets/dashboard", Offline: offline, Assets: fakeAssets}
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := dashboard.Render(&buf, p); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
