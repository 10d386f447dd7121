package dashboard

import (
	"encoding/json"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// chartView is one chart of the page: an empty element the page's script draws into,
// from its option, a JSON document in a script element of type application/json.
type chartView struct {
	N        int
	Title    string
	Option   template.JS // JSON from encoding/json: <, > and & are \u003c, \u003e, \u0026
	Filename string
	Size     string // chart-s, chart-m, chart-l or chart-xl: how tall the chart needs to be
}

// jsonChart is a go-echarts chart whose option can be taken as a value.
type jsonChart interface {
	Validate()
	JSON() map[string]any
}

// option is a chart's option as plain JSON values, to add what go-echarts cannot express.
type option map[string]any

// optionOf takes a go-echarts chart's option: validated, then turned into plain values
// (maps, slices, numbers, strings, nil) with its empty parts dropped. A data item that is
// an empty object, a point go-echarts was given no value for, becomes null: a gap, never
// 0.
func optionOf(c jsonChart) option {
	c.Validate()
	raw, err := json.Marshal(c.JSON())
	if err != nil {
		panic("dashboard: a chart option does not marshal: " + err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("dashboard: " + err.Error())
	}
	for _, k := range []string{"toolbox", "color"} {
		delete(m, k) // no toolbox in the page's ECharts build; its default palette
	}
	clean(m)
	if t, ok := m["tooltip"].(map[string]any); ok {
		t["confine"] = true // inside the chart, on a phone too
	}
	for _, s := range list(m["series"]) {
		sm, ok := s.(map[string]any)
		if !ok {
			continue
		}
		data := list(sm["data"])
		for i, d := range data {
			if dm, ok := d.(map[string]any); ok && dm["value"] == nil {
				data[i] = nil
			}
		}
	}
	return option(m)
}

// clean removes null members and empty objects from maps, recursively (never the
// elements of arrays, where a null is a gap).
func clean(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			clean(e)
			if e == nil {
				delete(x, k)
			} else if em, ok := e.(map[string]any); ok && len(em) == 0 && k != "legend" && k != "tooltip" {
				delete(x, k)
			}
		}
	case []any:
		for _, e := range x {
			clean(e)
		}
	}
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// axis returns the i-th x or y axis of an option as a map, creating what is missing.
func (o option) axis(name string, i int) map[string]any {
	axes := list(o[name])
	for len(axes) <= i {
		axes = append(axes, map[string]any{})
	}
	o[name] = axes
	m, ok := axes[i].(map[string]any)
	if !ok {
		m = map[string]any{}
		axes[i] = m
	}
	return m
}

// series returns the option's series.
func (o option) series() []any { return list(o["series"]) }

// addSeries appends a series that go-echarts has no type for.
func (o option) addSeries(s map[string]any) { o["series"] = append(o.series(), s) }

// set sets m[path…] = v, creating the maps on the way.
func set(m map[string]any, v any, path ...string) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// marshal writes the option as JSON with encoding/json, which escapes <, >, & and the
// line and paragraph separators: a label such as </script> cannot end the script element
// the option sits in.
func (o option) marshal() template.JS {
	o.compact()
	raw, err := json.Marshal(map[string]any(o))
	if err != nil {
		panic("dashboard: " + err.Error())
	}
	if strings.Contains(strings.ToLower(string(raw)), "</") || strings.Contains(string(raw), "<!--") {
		panic("dashboard: unescaped markup in a chart option") // cannot happen with encoding/json
	}
	return template.JS(raw)
}

// compact makes the option shorter without changing what it draws: a data item that is
// a value alone ({"value": 3}) becomes the value; a bar or line series ends at its last
// point (a category past the end of its data is a gap, as a null is); numbers in the data
// keep 6 significant digits (the page shows one decimal); barGap and barCategoryGap,
// which the bars of a chart share, are left on its last bar series only, where ECharts
// reads them.
func (o option) compact() {
	lastBar := -1
	for i, s := range o.series() {
		sm, ok := s.(map[string]any)
		if !ok {
			continue
		}
		data := list(sm["data"])
		for i, d := range data {
			if dm, ok := d.(map[string]any); ok && len(dm) == 1 && dm["value"] != nil {
				d = dm["value"]
			}
			data[i] = shortNumbers(d)
		}
		if t := sm["type"]; t == "bar" || t == "line" {
			for len(data) > 0 && data[len(data)-1] == nil {
				data = data[:len(data)-1]
			}
		}
		if sm["data"] != nil {
			sm["data"] = data
		}
		if sm["type"] == "bar" {
			lastBar = i
		}
	}
	for i, s := range o.series() {
		if sm, ok := s.(map[string]any); ok && sm["type"] == "bar" && i != lastBar {
			delete(sm, "barGap")
			delete(sm, "barCategoryGap")
		}
	}
}

// shortNumbers rounds the numbers of a data item to 6 significant digits (more for a
// number of 1000 or more, so that its units stay exact), in place.
func shortNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
			return x
		}
		d := 6
		if a := math.Abs(x); a >= 1000 {
			d = int(math.Log10(a)) + 4
		}
		r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', d, 64), 64)
		if err != nil {
			return x
		}
		return r
	case []any:
		for i := range x {
			x[i] = shortNumbers(x[i])
		}
	case map[string]any:
		if val, ok := x["value"]; ok {
			x["value"] = shortNumbers(val)
		}
	}
	return v
}

// commonOptions are what every chart of the page has: ECharts' aria (a description of
// the chart for screen readers), a tooltip and a legend that scroll, no animation, and a
// small grid margin: ECharts 6 shrinks the grid so that the axis labels stay inside the
// chart (grid.outerBoundsMode "auto"; the older containLabel is deprecated).
func commonOptions(trigger string, grid opts.Grid) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithGridOpts(grid),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "0"}),
		charts.WithAnimation(false),
	}
}

// defaultGrid leaves room for the legend above the chart.
var defaultGrid = opts.Grid{Left: "8", Right: "16", Top: "36", Bottom: "8"}

// sizeFor says how tall a chart of n categories (bars or rows) should be.
func sizeFor(n int) string {
	switch {
	case n <= 6:
		return "chart-s"
	case n <= 14:
		return "chart-m"
	case n <= 30:
		return "chart-l"
	}
	return "chart-xl"
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_-]+`)

// filename is a PNG's name: the survey, the question and the kind of chart, in ASCII.
func filename(parts ...string) string {
	s := strings.ToLower(strings.Join(parts, "-"))
	s = strings.Trim(unsafeName.ReplaceAllString(s, "-"), "-")
	if s == "" {
		s = "chart"
	}
	return s + ".png"
}

// barSeries is one series of bars: a value per category (nil: suppressed or missing, a
// gap), with its interval and, for the bar whose change from the previous edition is
// significant, +1 (a rise) or -1 (a fall).
type barSeries struct {
	name      string
	values    []*float64
	low, high []*float64
	sig       []int
}

// groupOffset is where the i-th of n grouped bars sits in its category, as a share of the
// category's width from its middle: bars fill 70% of the category (barCategoryGap 30%)
// side by side (barGap 0).
func groupOffset(i, n int) float64 {
	if n <= 1 {
		return 0
	}
	return -0.35 + (float64(i)+0.5)*0.7/float64(n)
}

// groupedBars draws vertical bars grouped by category, one colour per series, with 95%
// interval error bars (a custom series the page's script draws: "palabre": "errorbar",
// data [category, low, high], "palabreOffset" the bar's place in its group), and an
// arrow over a bar whose change is significant. min and max bound the value axis (nil:
// automatic); percent formats it as percentages (values in percentage points).
func groupedBars(cats []string, series []barSeries, min, max *float64, percent bool) option {
	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOptions("axis", defaultGrid)...)
	y := opts.YAxis{Type: "value"}
	if min != nil {
		y.Min = *min
	}
	if max != nil {
		y.Max = *max
	}
	bar.SetGlobalOptions(charts.WithYAxisOpts(y), charts.WithXAxisOpts(opts.XAxis{Type: "category"}))
	bar.SetXAxis(cats)
	for _, s := range series {
		data := make([]opts.BarData, len(s.values))
		for i, v := range s.values {
			if v == nil {
				continue
			}
			data[i] = opts.BarData{Value: *v}
			if s.sig != nil && s.sig[i] != 0 {
				mark := "▲"
				if s.sig[i] < 0 {
					mark = "▼"
				}
				data[i].Label = &opts.Label{Show: opts.Bool(true), Position: "top", Formatter: mark}
			}
		}
		bar.AddSeries(s.name, data, charts.WithBarChartOpts(opts.BarChart{BarGap: "0%", BarCategoryGap: "30%"}))
	}
	o := optionOf(bar)
	categoryLabels(o.axis("xAxis", 0), len(cats))
	if percent {
		o.axis("yAxis", 0)["palabre"] = "percent"
	}
	for i, s := range series {
		var pts []any
		for j := range s.values {
			if s.values[j] == nil || s.low[j] == nil || s.high[j] == nil {
				continue
			}
			pts = append(pts, []any{j, *s.low[j], *s.high[j]})
		}
		if len(pts) == 0 {
			continue
		}
		o.addSeries(map[string]any{"type": "custom", "palabre": "errorbar", "name": s.name,
			"palabreOffset": groupOffset(i, len(series)), "data": pts, "z": 10, "tooltip": map[string]any{"show": false}})
	}
	return o
}

// shareBars draws horizontal bars of the shares of each choice (in percentage points), one
// row per cell: stacked (a single choice adds up to 100%) or side by side (several
// choices may be chosen).
func shareBars(cats []string, series []barSeries, stacked bool) option {
	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOptions("axis", defaultGrid)...)
	bar.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}))
	bar.SetXAxis(cats).XYReversal()
	for _, s := range series {
		data := make([]opts.BarData, len(s.values))
		for i, v := range s.values {
			if v != nil {
				data[i] = opts.BarData{Value: *v}
			}
		}
		bo := opts.BarChart{BarCategoryGap: "30%"}
		if stacked {
			bo.Stack = "shares"
		}
		bar.AddSeries(s.name, data, charts.WithBarChartOpts(bo))
	}
	o := optionOf(bar)
	o.axis("xAxis", 0)["palabre"] = "percent"
	o.axis("xAxis", 0)["min"] = 0 // go-echarts drops a zero
	return o
}

// heatmap draws percentages (0 to 100) by column (x) and row (y); a missing value is an
// empty square.
func heatmap(xs, ys []string, values [][]*float64) option {
	h := charts.NewHeatMap()
	h.SetGlobalOptions(commonOptions("item", opts.Grid{Left: "8", Right: "16", Top: "48", Bottom: "8"})...)
	h.SetGlobalOptions(
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xs, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: ys, Inverse: opts.Bool(true), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Type: "continuous", Min: 0, Max: 100, Calculable: opts.Bool(true),
			Orient: "horizontal", Left: "center", Top: "0"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	var data []opts.HeatMapData
	for yi := range ys {
		for xi := range xs {
			if v := values[yi][xi]; v != nil {
				data = append(data, opts.HeatMapData{Value: []any{xi, yi, *v}})
			}
		}
	}
	h.AddSeries("top2", data)
	o := optionOf(h)
	categoryLabels(o.axis("xAxis", 0), len(xs))
	set(o.axis("yAxis", 0), 120, "axisLabel", "width")
	set(o.axis("yAxis", 0), "truncate", "axisLabel", "overflow")
	if vm := list(o["visualMap"]); len(vm) > 0 {
		if m, ok := vm[0].(map[string]any); ok {
			m["min"] = 0
			m["palabre"] = "percent"
			// Viridis, from dark purple (0%) to yellow (100%), readable in grey too and
			// never white: a suppressed cell has no square, so it never looks like a value.
			set(m, []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}, "inRange", "color")
		}
	}
	return o
}

// responseChart draws responses (bars) and response rates (a line on a second, percent
// axis, in percentage points) by edition.
func responseChart(cats []string, n []*float64, rate []*float64, nName, rateName string) option {
	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOptions("axis", defaultGrid)...)
	bar.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{Type: "category"}), charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: nName}))
	bar.ExtendYAxis(opts.YAxis{Type: "value", Name: rateName}) // no maximum: a rate over 100% (more responses than invited) shows as such
	bar.SetXAxis(cats)
	data := make([]opts.BarData, len(n))
	for i, v := range n {
		if v != nil {
			data[i] = opts.BarData{Value: *v}
		}
	}
	bar.AddSeries(nName, data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "30%"}))
	hasRate := false
	line := charts.NewLine()
	ld := make([]opts.LineData, len(rate))
	for i, v := range rate {
		if v != nil {
			ld[i] = opts.LineData{Value: *v}
			hasRate = true
		}
	}
	if hasRate {
		line.AddSeries(rateName, ld, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, ShowSymbol: opts.Bool(true)}))
		bar.Overlap(line)
	}
	o := optionOf(bar)
	y1 := o.axis("yAxis", 1)
	y1["palabre"] = "percent"
	y1["min"] = 0
	if !hasRate {
		y1["show"] = false
	}
	return o
}

// countBars draws counts as vertical bars by category, one series each (nil: a gap),
// stacked when asked.
func countBars(cats []string, series []barSeries, stacked bool) option {
	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOptions("axis", defaultGrid)...)
	bar.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{Type: "category"}), charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1}))
	bar.SetXAxis(cats)
	for _, s := range series {
		data := make([]opts.BarData, len(s.values))
		for i, v := range s.values {
			if v != nil {
				data[i] = opts.BarData{Value: *v}
			}
		}
		bo := opts.BarChart{BarCategoryGap: "30%"}
		if stacked {
			bo.Stack = "counts"
		}
		bar.AddSeries(s.name, data, charts.WithBarChartOpts(bo))
	}
	o := optionOf(bar)
	categoryLabels(o.axis("xAxis", 0), len(cats))
	return o
}

// categoryLabels shows every label of a category axis, slanted and cut short when there
// are many, and hides only those that would overlap.
func categoryLabels(axis map[string]any, n int) {
	set(axis, true, "axisLabel", "hideOverlap")
	if n > 4 {
		set(axis, 0, "axisLabel", "interval")
		set(axis, 35, "axisLabel", "rotate")
		set(axis, 96, "axisLabel", "width")
		set(axis, "truncate", "axisLabel", "overflow")
	}
}

func f64(v float64) *float64 { return &v }
