// Package assets holds the client side of palabre's dashboards, embedded in the binary:
// a custom ECharts build (only the charts and components the dashboards use), the
// script that draws every chart of a page from its JSON option, and the style sheet.
//
// The ECharts build is made from npm by build/build.sh and committed, so building or
// testing palabre needs no Node.js. See build/example.html for the markup dashboard.js
// expects.
//
// Markup (no inline script, so the page works under Content-Security-Policy
// script-src 'self'):
//
//	<div class="chart" id="c1" data-option="c1-option"></div>
//	<script type="application/json" id="c1-option">{…ECharts option…}</script>
//	<button type="button" data-png="c1" data-filename="chart.png">PNG</button>
//
// Conventions on top of ECharts options, for what JSON cannot express:
//
//   - A series {"type":"custom","palabre":"errorbar","data":[[category, low, high], …]}
//     draws an interval bar (a line and two caps) at each category index; a null low or
//     high draws nothing. "palabreOffset" (optional) moves the bar sideways by that
//     fraction of the category's width, to sit on one of several bars: with n bar series,
//     "barGap":"0%" and "barCategoryGap" g (a fraction), bar i (from 0) is centred at
//     (1-g)*((i+0.5)/n-0.5). Name the error bar series as its bar series: the legend
//     then shows one entry and hides both together. Its colour is "itemStyle.color".
//   - "palabre":"percent" on an axis formats its labels, and the tooltip values of the
//     series on it, as percentages in the page's language; on the whole option, it does
//     so for every value axis, the tooltip, the visualMap (a piece from 50 to 70 reads
//     "50–70 %") and shown series labels. Values are percentage points: 42.5 is shown
//     "42,5 %" in French.
//
// The ECharts locale follows <html lang> (fr, es, else en), aria is on unless the option
// sets it, and charts are drawn when they come near the viewport (all of them before
// printing). Tooltips are drawn on the canvas ("renderMode":"richText", confined to the
// chart) unless the option sets renderMode: ECharts' HTML tooltips carry inline style
// attributes, which a Content-Security-Policy without style-src 'unsafe-inline' blocks.
// Resizing the window resizes the charts. The class "js" is set on <html> once ECharts
// is there; without it dashboard.css hides the chart placeholders and the tables under
// them carry the figures.
//
// A self-contained page (one HTML file that opens offline) inlines dashboard.css and
// dashboard.js, and carries ECharts as <script type="text/plain" data-palabre-gzip>
// followed by [PackedECharts] instead of loading [ECharts]: dashboard.js decompresses
// it (DecompressionStream) and runs it before drawing. This keeps the file far smaller
// than inlining the build uncompressed.
package assets

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/base64"
	"sync"
)

// Names of the files in FS.
const (
	// ECharts is the custom ECharts build; it sets window.echarts.
	ECharts = "echarts.min.js"
	// Script draws the charts of a page; load it after ECharts (both with defer).
	Script = "dashboard.js"
	// Style is the dashboards' style sheet.
	Style = "dashboard.css"
	// License is the licence notice of ECharts and what its build bundles (Apache-2.0,
	// ZRender's BSD-3-Clause, tslib's 0BSD); serve it next to ECharts.
	License = "ECHARTS-LICENSE"
)

// FS holds ECharts, Script, Style and License at its root.
//
//go:embed echarts.min.js dashboard.js dashboard.css ECHARTS-LICENSE
var FS embed.FS

// PackedECharts returns the ECharts build gzip-compressed and base64-encoded, for a
// self-contained page (see the package documentation). The text has only base64
// characters, so it can be written into a <script type="text/plain"> element as it is.
func PackedECharts() string { return packed() }

var packed = sync.OnceValue(func() string {
	src, err := FS.ReadFile(ECharts)
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(src)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
})
