package dashboard_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/dashboard"
	"github.com/palabre/palabre/survey/surveytest"
)

// hostile are labels and answers that would run as script if a page wrote them as markup.
var hostile = []string{
	`</script><script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`<!--<script>alert(1)//`,
	"\u2028'; alert(1); '\u2029</SCRIPT >",
}

// hostileFixture is the test survey whose title, a question, a choice, a matrix row,
// organisations and comments are hostile.
func hostileFixture(t *testing.T) (*fixture, map[string]string) {
	forms := analyticstest.Forms()
	for _, f := range forms {
		f.Title = surveytest.T(hostile[0], hostile[0], hostile[0])
		q, _, _ := f.Question("format")
		q.Label = surveytest.T(hostile[1], hostile[1], hostile[1])
		q.Choices = slices.Clone(q.Choices)
		q.Choices[0].Label = surveytest.T(hostile[0], hostile[0], hostile[0])
		m, _, _ := f.Question("topics")
		m.Items = slices.Clone(m.Items)
		m.Items[2].Label = surveytest.T(hostile[3], hostile[3], hostile[3])
	}
	responses := analyticstest.Responses(5, 60)
	n := 0
	for _, r := range responses {
		r.Organisation = hostile[1] + " Structure-7f3a"
		for i := range r.Answers {
			if r.Answers[i].Question == "improve" {
				r.Answers[i].Text = hostile[n%len(hostile)]
				n++
			}
		}
	}
	if n < len(hostile) {
		t.Fatalf("only %d answers to improve", n)
	}
	return newFixtureWith(surveytest.NewCatalog(forms, analyticstest.Editions()...), responses),
		map[string]string{"title": hostile[0], "question": hostile[1], "choice": hostile[0], "row": hostile[3]}
}

// fakeAssets stand for the page's assets where the test needs only their presence: an
// ECharts build and a script that hold "</script>" in a string, as minified code may.
var fakeAssets = fstest.MapFS{
	"echarts.min.js": {Data: []byte(`var echarts = {version: "test", tag: "</script>"};`)},
	"dashboard.js":   {Data: []byte(`document.documentElement.className += " js"; var tag = "</script><!--";`)},
	"dashboard.css":  {Data: []byte(`body { font-family: sans-serif; } .chart { height: 320px; }`)},
}

// checkScripts: the only scripts are the JSON options, each one a chart's, and the assets
// (by URL online, inlined offline); no element has an event handler or a style
// attribute, and there is no img, iframe or object.
func checkScripts(t *testing.T, doc *html.Node, offline bool) (jsonBlocks []*html.Node) {
	t.Helper()
	charts := all(doc, func(n *html.Node) bool { return strings.Contains(" "+attr(n, "class")+" ", " chart ") })
	inline, packed := 0, 0
	for _, s := range all(doc, isA(atom.Script)) {
		switch {
		case attr(s, "type") == "text/plain" && hasAttr(s, "data-palabre-gzip"):
			packed++
			if !offline || !regexp.MustCompile(`^[A-Za-z0-9+/]+=*$`).MatchString(text(s)) {
				t.Errorf("packed ECharts (offline %v): %.80q", offline, text(s))
			}
		case attr(s, "type") == "application/json":
			if !regexp.MustCompile(`^opt-[0-9]+$`).MatchString(attr(s, "id")) {
				t.Errorf("a JSON block with id %q", attr(s, "id"))
			}
			jsonBlocks = append(jsonBlocks, s)
		case hasAttr(s, "src"):
			if offline {
				t.Errorf("the offline page loads the script %q", attr(s, "src"))
			} else if src := attr(s, "src"); src != "/assets/dashboard/echarts.min.js" && src != "/assets/dashboard/dashboard.js" || !hasAttr(s, "defer") {
				t.Errorf("a script from %q", src)
			}
		default:
			inline++
			if !offline {
				t.Errorf("an inline script online: %.80q", text(s))
			}
		}
	}
	if len(jsonBlocks) != len(charts) || len(charts) < 10 {
		t.Errorf("%d JSON blocks for %d charts", len(jsonBlocks), len(charts))
	}
	if offline && (inline != 1 || packed != 1) {
		t.Errorf("%d inline scripts and %d packed offline, want dashboard.js and ECharts packed", inline, packed)
	}
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" {
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
		switch n.DataAtom {
		case atom.Img, atom.Iframe, atom.Object, atom.Embed, atom.Base, atom.Form:
			t.Errorf("a <%s> element", n.Data)
		case atom.Style:
			if !offline {
				t.Error("a <style> element online")
			}
		}
	}
	return jsonBlocks
}

// TestLabelsStayText renders a dashboard whose survey title, question, choice, matrix row,
// organisations and comments hold markup and script: each shows as the text it is, in the
// page and in the chart options (which parse back to the original strings), online and
// offline; no script runs but the options and the assets; funders never see an
// organisation.
func TestLabelsStayText(t *testing.T) {
	fx, labels := hostileFixture(t)
	for _, lang := range []string{"fr", "en", "es"} {
		r := fx.report(t, reports.Request{Language: lang})
		if r.Title != labels["title"] {
			t.Fatalf("the report's title is %q", r.Title)
		}
		for _, offline := range []bool{false, true} {
			page := render(t, dashboard.Page{Report: r, AssetBase: "/assets/dashboard", Offline: offline, Assets: fakeAssets,
				Links: dashboard.Links{Workbook: "report.xlsx", Languages: map[string]string{"fr": "?lang=fr", "en": "?lang=en"}}})
			doc := parse(t, page)
			blocks := checkScripts(t, doc, offline)
			if h1 := all(doc, isA(atom.H1)); len(h1) != 1 || text(h1[0]) != labels["title"] {
				t.Errorf("the title reads %q", text(h1[0]))
			}
			if title := all(doc, isA(atom.Title)); !strings.HasPrefix(text(title[0]), labels["title"]) {
				t.Errorf("the document title reads %q", text(title[0]))
			}
			if h2 := all(byID(doc, "q-format"), isA(atom.H2)); text(h2[0]) != labels["question"] {
				t.Errorf("the question reads %q", text(h2[0]))
			}
			head := tables(t, byID(doc, "q-format"))[0].head
			if !slices.ContainsFunc(head, func(h string) bool { return strings.HasPrefix(h, labels["choice"]) }) {
				t.Errorf("no column for the choice %q: %q", labels["choice"], head)
			}
			var comments []string
			for _, p := range all(byID(doc, "q-improve"), isComment) {
				comments = append(comments, text(p))
			}
			for _, h := range hostile {
				if !slices.Contains(comments, strings.TrimSpace(h)) { // text() trims, U+2028 included
					t.Errorf("the comment %q is not shown as text", h)
				}
			}
			// The options parse back to the labels; their raw text holds no markup.
			names := map[string]bool{}
			for _, b := range blocks {
				raw := text(b)
				if strings.ContainsAny(raw, "<>\u2028\u2029") {
					t.Errorf("an option holds markup or a line separator: %.120s", raw)
				}
				var opt map[string]any
				if err := json.Unmarshal([]byte(raw), &opt); err != nil {
					t.Fatal(err)
				}
				for _, s := range opt["series"].([]any) {
					if n, ok := s.(map[string]any)["name"].(string); ok {
						names[n] = true
					}
				}
				for _, axis := range []string{"xAxis", "yAxis"} {
					for _, a := range list(opt[axis]) {
						for _, d := range list(a.(map[string]any)["data"]) {
							if s, ok := d.(string); ok {
								names[s] = true
							}
						}
					}
				}
			}
			if !names[labels["choice"]] {
				t.Errorf("no series is named %q", labels["choice"])
			}
			if !slices.ContainsFunc(keys(names), func(s string) bool { return strings.HasPrefix(s, labels["row"]+" · ") }) {
				t.Errorf("no category is the matrix row %q", labels["row"])
			}
			if bytes.Contains(page, []byte("Structure-7f3a")) {
				t.Error("the page shows an organisation")
			}
		}
	}
}

// isIcon is the page's empty icon, a data: URL that spares the browser asking for
// /favicon.ico.
func isIcon(n *html.Node) bool {
	return n.DataAtom == atom.Link && attr(n, "rel") == "icon" && attr(n, "href") == "data:,"
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestOnlinePageKeepsToCSP: the online page loads its style sheet and two deferred
// scripts from the asset base, runs no inline script and has no inline style, links only
// within palabre (relative URLs), and CSP() allows nothing inline.
func TestOnlinePageKeepsToCSP(t *testing.T) {
	fx := newFixture(analyticstest.Responses(3, 40))
	r := fx.report(t, reports.Request{Language: "fr"})
	page := render(t, dashboard.Page{Report: r, AssetBase: "/assets/dashboard/", Links: dashboard.Links{
		Workbook: "report.xlsx", Offline: "dashboard.html", Languages: map[string]string{"fr": "?lang=fr", "en": "?lang=en", "es": "?lang=es"}}})
	doc := parse(t, page)
	checkScripts(t, doc, false)
	sheets := all(doc, func(n *html.Node) bool { return n.DataAtom == atom.Link && attr(n, "rel") != "icon" })
	if len(sheets) != 1 || attr(sheets[0], "rel") != "stylesheet" || attr(sheets[0], "href") != "/assets/dashboard/dashboard.css" {
		t.Errorf("style sheets %v", sheets)
	}
	hrefs := map[string]bool{}
	for _, n := range all(doc, func(n *html.Node) bool { return hasAttr(n, "href") || hasAttr(n, "src") }) {
		u := attr(n, "href") + attr(n, "src")
		hrefs[u] = true
		if isIcon(n) {
			continue
		}
		if strings.Contains(u, "//") || strings.Contains(u, ":") {
			t.Errorf("<%s> links to %q", n.Data, u)
		}
	}
	for _, want := range []string{"report.xlsx", "dashboard.html", "?lang=en", "?lang=es", "#q-recommend"} {
		if !hrefs[want] {
			t.Errorf("no link to %q", want)
		}
	}
	if hrefs["?lang=fr"] {
		t.Error("the page links to itself as another language")
	}
	csp := dashboard.CSP()
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q", csp)
	}
}

// TestOfflineExportIsSelfContained: the export inlines the style sheet and both scripts
// (a "</script>" inside them cannot end their element), keeps no link to the workbook or
// to other languages, and holds no URL: no src or href but fragments, no http:// or
// https:// anywhere.
func TestOfflineExportIsSelfContained(t *testing.T) {
	fx := newFixture(analyticstest.Responses(3, 40))
	r := fx.report(t, reports.Request{Language: "es"})
	page := render(t, dashboard.Page{Report: r, Offline: true, Assets: fakeAssets, AssetBase: "https://cdn.example.org",
		Expires: time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC),
		Links:   dashboard.Links{Workbook: "https://example.org/x.xlsx", Offline: "x.html", Languages: map[string]string{"fr": "/d/x?lang=fr"}}})
	doc := parse(t, page)
	checkScripts(t, doc, true)
	for _, n := range all(doc, func(n *html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && !strings.HasPrefix(a.Val, "#") && !isIcon(n) {
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
		if n.DataAtom == atom.Link && !isIcon(n) {
			t.Errorf("a <link> offline")
		}
	}
	for _, bad := range []string{"http://", "https://", "x.html", "x.xlsx", "lang=fr"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the export holds %q", bad)
		}
	}
	var scripts, packed []string
	for _, s := range all(doc, isA(atom.Script)) {
		switch attr(s, "type") {
		case "":
			scripts = append(scripts, text(s))
		case "text/plain":
			packed = append(packed, text(s))
		}
	}
	if len(scripts) != 1 || scripts[0] != `document.documentElement.className += " js"; var tag = "<\/script>\x3C!--";` {
		t.Errorf("inline scripts %q", scripts)
	}
	// ECharts, packed as dashboard.js unpacks it: base64 of gzip.
	if len(packed) != 1 {
		t.Fatalf("%d packed scripts", len(packed))
	}
	raw, err := base64.StdEncoding.DecodeString(packed[0])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if src, err := io.ReadAll(zr); err != nil || !bytes.Equal(src, fakeAssets["echarts.min.js"].Data) {
		t.Errorf("the packed ECharts unpacks to %q (%v)", src, err)
	}
	if scripts := all(doc, isA(atom.Script)); attr(scripts[len(scripts)-1], "type") != "" || attr(scripts[len(scripts)-2], "type") != "text/plain" {
		t.Error("dashboard.js does not follow the packed ECharts at the end of the page")
	}
	if st := all(doc, isA(atom.Style)); len(st) != 1 || text(st[0]) != string(fakeAssets["dashboard.css"].Data) {
		t.Errorf("inline style %v", st)
	}
	if !bytes.Contains(page, []byte("20 de abril de 2026")) {
		t.Error("the export does not say when its link expires")
	}
	// Without its assets, no export.
	var buf bytes.Buffer
	missing := fstest.MapFS{"dashboard.css": fakeAssets["dashboard.css"], "dashboard.js": fakeAssets["dashboard.js"]}
	if err := dashboard.Render(&buf, dashboard.Page{Report: r, Offline: true, Assets: missing}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an export without ECharts: %v", err)
	}
	if err := dashboard.Render(&buf, dashboard.Page{Report: r, Offline: true}); err == nil {
		t.Error("an export without assets renders")
	}
}

// TestLanguages: the page's own words in French, English and Spanish, whatever the
// report's language, and links to the other languages.
func TestLanguages(t *testing.T) {
	fx := newFixture(analyticstest.Responses(3, 40))
	r := fx.report(t, reports.Request{Language: "fr"})
	want := map[string][]string{
		"fr": {"Télécharger (PNG)", "Les cellules de moins de 5 réponses ne sont pas montrées", "Chiffres calculés le 20 janvier 2026 à 09:30 (UTC).", "Ce lien expire le 1 mars 2026 à 00:00 (UTC).", "Sommaire"},
		"en": {"Download (PNG)", "Cells of fewer than 5 responses are not shown", "Figures computed on 20 January 2026 at 09:30 (UTC).", "This link expires on 1 March 2026 at 00:00 (UTC).", "Contents"},
		"es": {"Descargar (PNG)", "Las celdas de menos de 5 respuestas no se muestran", "Cifras calculadas el 20 de enero de 2026 a las 09:30 (UTC).", "Este enlace caduca el 1 de marzo de 2026 a las 00:00 (UTC).", "Índice"},
	}
	for lang, phrases := range want {
		page := render(t, dashboard.Page{Report: r, Language: lang, AssetBase: "/a", Expires: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Links: dashboard.Links{Languages: map[string]string{"fr": "?lang=fr", "en": "?lang=en", "es": "?lang=es"}}})
		doc := parse(t, page)
		if h := all(doc, isA(atom.Html)); attr(h[0], "lang") != lang {
			t.Errorf("%s: <html lang=%q>", lang, attr(h[0], "lang"))
		}
		body := text(doc)
		for _, p := range phrases {
			if !strings.Contains(body, p) {
				t.Errorf("%s: the page does not say %q", lang, p)
			}
		}
		for _, b := range all(doc, isA(atom.Button)) {
			if text(b) != phrases[0] {
				t.Errorf("%s: a button reads %q", lang, text(b))
			}
		}
		nav := all(doc, func(n *html.Node) bool { return n.DataAtom == atom.Nav && attr(n, "class") == "languages" })
		if len(nav) != 1 {
			t.Fatalf("%s: no language links", lang)
		}
		links := all(nav[0], isA(atom.A))
		current := all(nav[0], func(n *html.Node) bool { return attr(n, "aria-current") == "page" })
		if len(links) != 2 || len(current) != 1 || attr(current[0], "lang") != lang {
			t.Errorf("%s: %d language links, current %v", lang, len(links), current)
		}
		// The report's labels stay in the report's language.
		if h2 := all(byID(doc, "q-recommend"), isA(atom.H2)); text(h2[0]) != "Recommanderiez-vous la rencontre à un·e collègue ?" {
			t.Errorf("%s: the question reads %q", lang, text(h2[0]))
		}
	}
}

// TestGoneAndNotFoundPages: the 410 page of an expired link says when it expired, of a
// revoked one that it was withdrawn; the 404 page; each in its language, with nothing to
// load or run.
func TestGoneAndNotFoundPages(t *testing.T) {
	expired := time.Date(2026, 2, 3, 14, 5, 0, 0, time.UTC)
	cases := []struct {
		name string
		run  func(*bytes.Buffer) error
		lang string
		want []string
	}{
		{"expired-fr", func(b *bytes.Buffer) error { return dashboard.RenderGone(b, "fr", expired) }, "fr",
			[]string{"Ce tableau de bord n'est plus disponible", "Son lien a expiré le 3 février 2026 à 14:05 (UTC)."}},
		{"expired-en", func(b *bytes.Buffer) error { return dashboard.RenderGone(b, "en", expired) }, "en",
			[]string{"This dashboard is no longer available", "Its link expired on 3 February 2026 at 14:05 (UTC)."}},
		{"revoked-es", func(b *bytes.Buffer) error { return dashboard.RenderGone(b, "es", time.Time{}) }, "es",
			[]string{"Este panel ya no está disponible", "Su enlace caducó o fue retirado."}},
		{"revoked-unknown-language", func(b *bytes.Buffer) error { return dashboard.RenderGone(b, "de", time.Time{}) }, "fr",
			[]string{"Son lien a expiré ou a été retiré."}},
		{"not-found-fr", func(b *bytes.Buffer) error { return dashboard.RenderNotFound(b, "fr") }, "fr",
			[]string{"Tableau de bord introuvable", "Ce lien ne mène à aucun tableau de bord."}},
		{"not-found-en", func(b *bytes.Buffer) error { return dashboard.RenderNotFound(b, "en") }, "en", []string{"Dashboard not found"}},
		{"not-found-es", func(b *bytes.Buffer) error { return dashboard.RenderNotFound(b, "es") }, "es", []string{"Panel no encontrado"}},
		{"unavailable-fr", func(b *bytes.Buffer) error { return dashboard.RenderUnavailable(b, "fr") }, "fr",
			[]string{"Tableau de bord momentanément indisponible", "Réessayez dans quelques minutes."}},
		{"unavailable-en", func(b *bytes.Buffer) error { return dashboard.RenderUnavailable(b, "en") }, "en",
			[]string{"Dashboard temporarily unavailable"}},
		{"unavailable-es", func(b *bytes.Buffer) error { return dashboard.RenderUnavailable(b, "es") }, "es",
			[]string{"Panel no disponible por el momento"}},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		if err := tc.run(&buf); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		doc := parse(t, buf.Bytes())
		if h := all(doc, isA(atom.Html)); attr(h[0], "lang") != tc.lang {
			t.Errorf("%s: lang %q", tc.name, attr(h[0], "lang"))
		}
		body := text(doc)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: %q does not say %q", tc.name, body, w)
			}
		}
		if n := all(doc, func(n *html.Node) bool {
			return n.DataAtom == atom.Script || n.DataAtom == atom.Link || n.DataAtom == atom.Style || hasAttr(n, "style")
		}); len(n) > 0 {
			t.Errorf("%s: %d scripts or styles", tc.name, len(n))
		}
	}
}

// TestLatestComments: a report that keeps the latest comments of each question shows them
// and says how many there are in all.
func TestLatestComments(t *testing.T) {
	fx := newFixture(analyticstest.Responses(3, 40))
	every := fx.report(t, reports.Request{Language: "en"})
	latest := fx.report(t, reports.Request{Language: "en", MaxComments: 4})
	total := 0
	for _, c := range every.Comments {
		if c.Question == "improve" {
			total++
		}
	}
	if total <= 4 {
		t.Fatalf("only %d comments on improve", total)
	}
	doc := parse(t, render(t, dashboard.Page{Report: latest, AssetBase: "/a"}))
	sec := byID(doc, "q-improve")
	shown := all(sec, isComment)
	note := all(sec, func(n *html.Node) bool { return attr(n, "class") == "note" })
	want := fmt.Sprintf("The latest 4 of %d; the workbook gives them all.", total)
	if len(shown) != 4 || len(note) != 1 || text(note[0]) != want {
		t.Errorf("%d comments shown, note %v, want 4 and %q", len(shown), note, want)
	}
	doc = parse(t, render(t, dashboard.Page{Report: every, AssetBase: "/a"}))
	if note := all(byID(doc, "q-improve"), func(n *html.Node) bool { return attr(n, "class") == "note" }); len(note) != 0 {
		t.Errorf("every comment shown, and a note %q", text(note[0]))
	}
}
