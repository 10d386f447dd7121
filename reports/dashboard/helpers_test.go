package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/dashboard"
	"github.com/palabre/palabre/survey"
)

// fixture is the test survey's responses behind an in-memory analytics store, a part of
// them stored twice (a batch delivered again).
type fixture struct {
	responses []*survey.Response
	svc       *analytics.Service
	builder   *reports.Builder
}

func newFixture(responses []*survey.Response) *fixture {
	return newFixtureWith(analyticstest.Catalog(), responses)
}

func newFixtureWith(cat survey.Catalog, responses []*survey.Response) *fixture {
	store := analyticstest.NewStore(responses...)
	store.Add(responses[:len(responses)/3]...)
	svc := analytics.NewService(cat, store, 5)
	b := reports.NewBuilder(cat, svc, "v-test")
	b.Now = func() time.Time { return time.Date(2026, 1, 20, 9, 30, 0, 0, time.UTC) }
	return &fixture{responses: responses, svc: svc, builder: b}
}

// report builds a funder report.
func (fx *fixture) report(t testing.TB, req reports.Request) *reports.Report {
	t.Helper()
	req.Survey, req.Audience = analyticstest.SurveyID, analytics.Funder
	r, err := fx.builder.Build(context.Background(), req)
	if err != nil {
		t.Fatalf("Build(%+v): %v", req, err)
	}
	return r
}

// render renders a page and returns its HTML.
func render(t testing.TB, p dashboard.Page) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := dashboard.Render(&buf, p); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return buf.Bytes()
}

// parse parses a page as a browser does.
func parse(t testing.TB, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	return doc
}

// all returns the elements under n (n included) for which match is true, in document
// order.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func isA(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// text is the text of n, as a screen reader reads it.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// isComment is true of a comment's text: the paragraph of an item of the list in a
// div.comments.
func isComment(n *html.Node) bool {
	li := n.Parent
	return n.DataAtom == atom.P && li != nil && li.DataAtom == atom.Li && li.Parent != nil && li.Parent.DataAtom == atom.Ul &&
		li.Parent.Parent != nil && attr(li.Parent.Parent, "class") == "comments"
}

// byID finds the element with an id.
func byID(doc *html.Node, id string) *html.Node {
	found := all(doc, func(n *html.Node) bool { return attr(n, "id") == id })
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

// readTable is an HTML table read back.
type readTable struct {
	caption, class string
	head           []string
	rows           []readRow
}

type readRow struct {
	class, head string
	// group is the header of the row's group (<th scope="rowgroup"> heading its <tbody>),
	// when it has one.
	group string
	cells []readCell
}

type readCell struct {
	text, class string
	span        int
}

// tables reads every table under n, checking that each is accessible: a caption, column
// headers with scope=col, a row header with scope=row; a body whose rows are a group
// starts with a row alone, its header with scope=rowgroup across every column.
func tables(t testing.TB, n *html.Node) []readTable {
	t.Helper()
	var out []readTable
	for _, tb := range all(n, isA(atom.Table)) {
		rt := readTable{class: attr(tb, "class")}
		group := map[*html.Node]string{} // group headers by body
		if caps := all(tb, isA(atom.Caption)); len(caps) == 1 {
			rt.caption = text(caps[0])
		} else {
			t.Errorf("a table has %d captions", len(caps))
		}
		for _, tr := range all(tb, isA(atom.Tr)) {
			if tr.Parent.DataAtom == atom.Thead {
				for _, th := range all(tr, isA(atom.Th)) {
					if attr(th, "scope") != "col" {
						t.Errorf("table %q: column header %q without scope=col", rt.caption, text(th))
					}
					rt.head = append(rt.head, text(th))
				}
				continue
			}
			if ths := all(tr, isA(atom.Th)); len(ths) == 1 && attr(ths[0], "scope") == "rowgroup" {
				if tr.Parent.FirstChild != tr && !(tr.Parent.FirstChild.Type == html.TextNode && tr.Parent.FirstChild.NextSibling == tr) {
					t.Errorf("table %q: the group header %q does not start its body", rt.caption, text(ths[0]))
				}
				if len(all(tr, isA(atom.Td))) != 0 || attr(ths[0], "colspan") != strconv.Itoa(len(rt.head)) {
					t.Errorf("table %q: the group header %q is not a row alone across the table", rt.caption, text(ths[0]))
				}
				group[tr.Parent] = text(ths[0])
				continue
			}
			rr := readRow{class: attr(tr, "class"), group: group[tr.Parent]}
			if rr.group == "" && len(group) > 0 {
				t.Errorf("table %q: a row out of the groups", rt.caption)
			}
			for c := tr.FirstChild; c != nil; c = c.NextSibling {
				switch c.DataAtom {
				case atom.Th:
					if attr(c, "scope") != "row" {
						t.Errorf("table %q: row header %q without scope=row", rt.caption, text(c))
					}
					rr.head = text(c)
				case atom.Td:
					span := 1
					if s := attr(c, "colspan"); s != "" {
						span, _ = strconv.Atoi(s)
					}
					rr.cells = append(rr.cells, readCell{text: text(c), class: attr(c, "class"), span: span})
				}
			}
			rt.rows = append(rt.rows, rr)
		}
		out = append(out, rt)
	}
	return out
}

// options reads the chart options under n, in order, checking the contract with the
// page's script: a div.chart whose data-option names the JSON block that follows it, and
// a PNG button.
func options(t testing.TB, doc, n *html.Node) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, div := range all(n, func(n *html.Node) bool { return strings.Contains(" "+attr(n, "class")+" ", " chart ") }) {
		id := attr(div, "id")
		optID := attr(div, "data-option")
		if attr(div, "role") != "img" || attr(div, "aria-label") == "" || optID == "" {
			t.Errorf("chart %s: role %q aria-label %q data-option %q", id, attr(div, "role"), attr(div, "aria-label"), optID)
		}
		script := byID(doc, optID)
		if script == nil || script.DataAtom != atom.Script || attr(script, "type") != "application/json" {
			t.Fatalf("chart %s: no JSON block %q", id, optID)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(text(script)), &m); err != nil {
			t.Fatalf("chart %s: its option is not JSON: %v", id, err)
		}
		buttons := all(doc, func(b *html.Node) bool { return b.DataAtom == atom.Button && attr(b, "data-png") == id })
		if len(buttons) != 1 || !strings.HasSuffix(attr(buttons[0], "data-filename"), ".png") || attr(buttons[0], "type") != "button" {
			t.Errorf("chart %s: %d PNG buttons", id, len(buttons))
		}
		out = append(out, m)
	}
	return out
}

var numberRE = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?`)

// numbers reads the numbers of a cell as the page's language writes them: "9,20 [8,16 ;
// 10,24]" in French, "9.20 [8.16; 10.24]" in English.
func numbers(s, lang string) []float64 {
	s = strings.ReplaceAll(s, "−", "-")
	s = strings.ReplaceAll(s, "\u202f", "")
	if lang == "en" {
		s = strings.ReplaceAll(s, ",", "")
	} else {
		s = strings.ReplaceAll(s, ",", ".")
	}
	var out []float64
	for _, m := range numberRE.FindAllString(s, -1) {
		v, _ := strconv.ParseFloat(m, 64)
		out = append(out, v)
	}
	return out
}

// near reports whether a figure shown with d decimals is v rounded.
func near(got, v float64, d int) bool {
	return math.Abs(got-v) <= 0.5*math.Pow(10, -float64(d))+1e-9
}

// plotted reports whether a chart's value (a JSON number) is v to 6 significant digits,
// as the page writes the figures it plots.
func plotted(got any, v float64) bool {
	g, ok := got.(float64)
	return ok && math.Abs(g-v) <= 5e-6*math.Max(1, math.Abs(v))
}

// category finds a chart's category axis and the index of a label on it.
func category(opt map[string]any, label string) (axis string, idx int) {
	for _, name := range []string{"xAxis", "yAxis"} {
		axes, _ := opt[name].([]any)
		if len(axes) == 0 {
			continue
		}
		a, _ := axes[0].(map[string]any)
		if a["type"] != "category" {
			continue
		}
		data, _ := a["data"].([]any)
		for i, d := range data {
			if d == label {
				return name, i
			}
		}
		return name, -1
	}
	return "", -1
}

// barPoint returns the value of the bar series named series at index i: nil for a gap
// (null); present is false when there is no such series.
func barPoint(opt map[string]any, series string, i int) (v any, present bool) {
	for _, s := range opt["series"].([]any) {
		sm := s.(map[string]any)
		if sm["type"] != "bar" || sm["name"] != series {
			continue
		}
		data := sm["data"].([]any)
		if i >= len(data) {
			return nil, true
		}
		switch d := data[i].(type) {
		case map[string]any:
			return d["value"], true
		default:
			return d, true
		}
	}
	return nil, false
}

// errorBar returns the error bar of series at category i, if any.
func errorBar(opt map[string]any, series string, i int) []any {
	for _, s := range opt["series"].([]any) {
		sm := s.(map[string]any)
		if sm["type"] != "custom" || sm["palabre"] != "errorbar" || sm["name"] != series {
			continue
		}
		for _, d := range sm["data"].([]any) {
			p := d.([]any)
			if int(p[0].(float64)) == i {
				return p
			}
		}
	}
	return nil
}
