// Package dashboard renders a published funders' dashboard: one HTML page from a funder
// report (figures already suppressed by analytics), with a chart per comparison and, under
// each, the same figures as an accessible table, so that the page reads whole without
// JavaScript and by screen readers. A table of figures by group and edition gives each
// group (a country, a matrix row and a country) its own <tbody>, headed by a row with a
// <th scope="rowgroup">, and each edition a row headed by its year; the consecutive
// editions of a group withheld for the same reason share one row ("2018–2021, 2023:
// supprimé (moins de 5)"), so that the demo's offline copy keeps under 600 KB.
//
// Chart options are built with go-echarts and written by encoding/json into
// <script type="application/json" id="opt-N"> elements, so that labels typed by users
// stay text; the page's script (dashboard.js, served with echarts.min.js and
// dashboard.css from the assets) draws each <div class="chart" data-option="opt-N">. The
// page holds no inline script or style: it keeps to CSP(). Render with Offline inlines
// the assets instead, for one self-contained file with no URL in it: the style sheet and
// dashboard.js as they are, ECharts gzip-compressed and base64-encoded in a
// <script type="text/plain" data-palabre-gzip> element that dashboard.js unpacks.
package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/survey"
)

// The assets a page needs, by name in Page.Assets and under Page.AssetBase.
const (
	AssetECharts    = "echarts.min.js"
	AssetScript     = "dashboard.js"
	AssetStylesheet = "dashboard.css"
)

// Page is one dashboard to render.
type Page struct {
	// Report is a funder report; its labels are in Report.Request.Language.
	Report *reports.Report
	// Language is the language of the page's own words (fr, en, es); the report's when
	// empty.
	Language string
	// AssetBase is the URL prefix of the assets ("/assets/dashboard/v1"), without a
	// trailing slash; unused when Offline.
	AssetBase string
	// Links are the page's links to its downloads and other languages; none when Offline.
	Links Links
	// Expires, when set, is shown in the footer.
	Expires time.Time
	// Offline renders the self-contained export: the assets read from Assets and inlined,
	// no URL to anything.
	Offline bool
	// Assets holds echarts.min.js, dashboard.js and dashboard.css, for Offline.
	Assets fs.FS
}

// Links are relative URLs the page links to; an empty one is left out.
type Links struct {
	Workbook string // the funder's workbook of the same figures
	Offline  string // this dashboard as one self-contained HTML file
	// Languages maps fr, en, es to the URL of the page in that language.
	Languages map[string]string
}

// CSP is the Content-Security-Policy of an online dashboard page: its scripts, style and
// images come from palabre only, and nothing inline runs.
func CSP() string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// view is what the page template reads.
type view struct {
	Lang      string
	Words     map[string]string
	Title     string
	Editions  string
	Generated string
	Threshold string
	Expires   string
	Offline   bool
	AssetBase string
	Workbook  string
	Export    string
	Languages []langLink
	Sections  []section
	Style     template.CSS
	Packed    template.HTML // ECharts, gzip and base64: only base64 characters
	Scripts   []template.JS
}

type langLink struct {
	Code, Name, URL string
	Current         bool
}

// Render writes the dashboard page of p.
func Render(out io.Writer, p Page) error {
	if p.Report == nil {
		return errors.New("dashboard: no report")
	}
	lang := p.Language
	if lang == "" {
		lang = p.Report.Request.Language
	}
	lang = normLang(lang)
	b := newBuilder(p.Report, lang)
	r := p.Report
	v := view{Lang: lang, Title: r.Title, Offline: p.Offline, AssetBase: strings.TrimSuffix(p.AssetBase, "/"),
		Words: map[string]string{}}
	for _, k := range []string{"png", "nojs", "contents", "languages", "dashboard", "offline_note", "workbook", "offline"} {
		v.Words[k] = w(lang, k)
	}
	if len(r.Editions) == 1 {
		v.Editions = w(lang, "edition_one", fmt.Sprint(r.Editions[0]))
	} else if len(r.Editions) > 1 {
		var ys []string
		for _, y := range r.Editions {
			ys = append(ys, fmt.Sprint(y))
		}
		v.Editions = w(lang, "editions", strings.Join(ys, ", "))
	}
	v.Generated = w(lang, "generated", dateTime(r.GeneratedAt, lang))
	v.Threshold = w(lang, "threshold", r.Threshold)
	if !p.Expires.IsZero() {
		v.Expires = w(lang, "expires", dateTime(p.Expires, lang))
	}
	if p.Offline {
		if p.Assets == nil {
			return errors.New("dashboard: an offline page needs its assets")
		}
		css, err := fs.ReadFile(p.Assets, AssetStylesheet)
		if err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		if bytes.Contains(bytes.ToLower(css), []byte("</style")) {
			return errors.New("dashboard: the style sheet cannot be inlined")
		}
		v.Style = template.CSS(css)
		echarts, err := fs.ReadFile(p.Assets, AssetECharts)
		if err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		v.Packed = template.HTML(pack(echarts))
		js, err := fs.ReadFile(p.Assets, AssetScript)
		if err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		v.Scripts = append(v.Scripts, template.JS(inlineScript(js)))
	} else {
		v.Workbook, v.Export = p.Links.Workbook, p.Links.Offline
		for _, code := range reports.Languages {
			u, ok := p.Links.Languages[code]
			if !ok && code != lang {
				continue
			}
			v.Languages = append(v.Languages, langLink{Code: code, Name: words["lang_name"][langIndex(code)], URL: u, Current: code == lang})
		}
		if len(v.Languages) < 2 {
			v.Languages = nil
		}
	}
	v.Sections = append(v.Sections, b.responses())
	if s, ok := b.heatmap(); ok {
		v.Sections = append(v.Sections, s)
	}
	for _, res := range r.Questions {
		if res.Question == nil {
			continue
		}
		v.Sections = append(v.Sections, b.question(res))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		return err
	}
	_, err := out.Write(buf.Bytes())
	return err
}

// inlineScript makes a script safe inside a <script> element: "</script" and "<!--" in it
// (in a string, a regular expression or a comment) become "<\/script" and "\x3C!--",
// which mean the same there and cannot end or hide the element.
func inlineScript(js []byte) string {
	s := string(js)
	for _, pat := range []string{"</script", "</SCRIPT", "</Script"} {
		s = strings.ReplaceAll(s, pat, `<\/`+pat[2:])
	}
	return strings.ReplaceAll(s, "<!--", `\x3C!--`)
}

// packed holds ECharts builds gzip-compressed and base64-encoded, by their SHA-256: a
// build is packed once per process.
var packed sync.Map

// pack returns a script gzip-compressed (best compression) and base64-encoded, the form
// dashboard.js unpacks from <script type="text/plain" data-palabre-gzip>.
func pack(src []byte) string {
	sum := sha256.Sum256(src)
	if s, ok := packed.Load(sum); ok {
		return s.(string)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(src)
	_ = zw.Close()
	s := base64.StdEncoding.EncodeToString(buf.Bytes())
	packed.Store(sum, s)
	return s
}

var monthNames = map[string][12]string{
	survey.French:  {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	survey.English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	survey.Spanish: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// dateTime writes a time in UTC as each language does: "20 janvier 2026 à 09:30".
func dateTime(t time.Time, lang string) string {
	t = t.UTC()
	m := monthNames[normLang(lang)][t.Month()-1]
	switch normLang(lang) {
	case survey.English:
		return fmt.Sprintf("%d %s %d at %02d:%02d", t.Day(), m, t.Year(), t.Hour(), t.Minute())
	case survey.Spanish:
		return fmt.Sprintf("%d de %s de %d a las %02d:%02d", t.Day(), m, t.Year(), t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%d %s %d à %02d:%02d", t.Day(), m, t.Year(), t.Hour(), t.Minute())
}

// RenderGone writes the page of a dashboard whose link expired (expired set) or was
// revoked (zero time), for a 410.
func RenderGone(out io.Writer, lang string, expired time.Time) error {
	lang = normLang(lang)
	text := w(lang, "gone_revoked")
	if !expired.IsZero() {
		text = w(lang, "gone_expired", dateTime(expired, lang))
	}
	return messageTemplate.Execute(out, map[string]any{"Lang": lang, "Title": w(lang, "gone_title"),
		"Text": []string{text, w(lang, "gone_ask")}})
}

// RenderUnavailable writes the page of a link that cannot be checked or whose figures cannot
// be read for now (the database is unreachable), for a 503: the link itself may be good.
func RenderUnavailable(out io.Writer, lang string) error {
	lang = normLang(lang)
	return messageTemplate.Execute(out, map[string]any{"Lang": lang, "Title": w(lang, "unavailable_title"),
		"Text": []string{w(lang, "unavailable_text")}})
}

// RenderNotFound writes the page of a link that leads to no dashboard, for a 404.
func RenderNotFound(out io.Writer, lang string) error {
	lang = normLang(lang)
	return messageTemplate.Execute(out, map[string]any{"Lang": lang, "Title": w(lang, "notfound_title"),
		"Text": []string{w(lang, "notfound_text")}})
}
