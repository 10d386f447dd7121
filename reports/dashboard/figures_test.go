package dashboard_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/dashboard"
	"github.com/palabre/palabre/survey"
)

// suppressedWords are the label of a small cell in each language, as funders read it.
var suppressedWords = map[string]string{
	"fr": "supprimé (moins de 5)",
	"en": "suppressed (fewer than 5)",
	"es": "suprimido (menos de 5)",
}

// complementaryWords are the label of a cell withheld to protect another.
var complementaryWords = map[string]string{
	"fr": "supprimé (protège une cellule voisine)",
	"en": "suppressed (protects a neighbouring cell)",
	"es": "suprimido (protege una celda vecina)",
}

func suppressedLabel(lang string, s analytics.Suppression) string {
	if s == analytics.Complementary {
		return complementaryWords[lang]
	}
	return suppressedWords[lang]
}

// checker reads one rendered page back and holds it to its report.
type checker struct {
	t       *testing.T
	r       *reports.Report
	lang    string
	doc     *html.Node
	figures int // figures compared
	gaps    int // suppressed cells seen as gaps in charts
	sig     int // significant changes seen marked
	notes   int // comments compared
	arrows  int // significant changes seen marked on a chart
	merged  int // suppressed cells that share a row with the one before
}

// groupLabel is how the page names a group without its edition, independently of the
// package: the country's name, the role's label, joined by " · ".
func (c *checker) groupLabel(g analytics.Group) string {
	var parts []string
	for _, d := range c.r.Request.By {
		switch d {
		case analytics.Edition:
		case analytics.Country:
			parts = append(parts, reports.CountryName(g.Country, c.r.Request.Language))
		case analytics.Role:
			parts = append(parts, c.r.RoleName(g.Role))
		default:
			parts = append(parts, g.Value(d))
		}
	}
	if len(parts) == 0 {
		return map[string]string{"fr": "Ensemble", "en": "All", "es": "Todos"}[c.lang]
	}
	return strings.Join(parts, " · ")
}

func (c *checker) cellLabel(g analytics.Group, item string) string {
	l := c.groupLabel(g)
	if item != "" {
		l = item + " · " + l
	}
	if g.Edition != 0 {
		l += " · " + strconv.Itoa(g.Edition)
	}
	return l
}

// expect compares a table cell with figures: each want is shown with its decimals.
func (c *checker) expect(where, cell string, want []float64, decimals []int) {
	c.t.Helper()
	got := numbers(cell, c.lang)
	if len(got) != len(want) {
		c.t.Errorf("%s: %q reads %v, want %v", where, cell, got, want)
		return
	}
	for i := range want {
		if !near(got[i], want[i], decimals[i]) {
			c.t.Errorf("%s: %q, figure %d is %v, want %v", where, cell, i, got[i], want[i])
		}
		c.figures++
	}
}

// editionRuns is the header of a row that stands for several editions: "2018–2021",
// "2018–2019, 2021", each run of editions that follow each other written as its first and
// last.
var (
	editionRuns = regexp.MustCompile(`^[0-9]{4}(–[0-9]{4})?(, [0-9]{4}(–[0-9]{4})?)*$`)
	editionRun  = regexp.MustCompile(`([0-9]{4})(?:–([0-9]{4}))?`)
)

// rowsByHead indexes a table's rows by their header, each header once: a row in a group
// by "group · header"; a row of several editions ("2018–2021, 2023", which only
// suppressed cells may share) once for each edition of the report in each run, from its
// first to its last, and only when there are two at least.
func (c *checker) rowsByHead(tb readTable) map[string]readRow {
	c.t.Helper()
	m := map[string]readRow{}
	add := func(head string, r readRow) {
		if r.group != "" {
			head = r.group + " · " + head
		}
		if _, dup := m[head]; dup {
			c.t.Errorf("table %q: two rows %q", tb.caption, head)
		}
		m[head] = r
	}
	for _, r := range tb.rows {
		if !editionRuns.MatchString(r.head) || !strings.ContainsAny(r.head, "–,") {
			add(r.head, r)
			continue
		}
		n := 0
		for _, run := range editionRun.FindAllStringSubmatch(r.head, -1) {
			from, _ := strconv.Atoi(run[1])
			to := from
			if run[2] != "" {
				to, _ = strconv.Atoi(run[2])
				if to <= from {
					c.t.Errorf("table %q: the row %q has a run %q", tb.caption, r.head, run[0])
				}
			}
			for _, y := range c.r.Editions {
				if y >= from && y <= to {
					add(strconv.Itoa(y), r)
					n++
				}
			}
		}
		if n < 2 || len(r.cells) != 1 || r.cells[0].class != "suppressed" {
			c.t.Errorf("table %q: the row %q stands for %d editions: %v", tb.caption, r.head, n, r.cells)
		}
		c.merged += n - 1
	}
	return m
}

// expectSuppressed checks a row that withholds its figures.
func (c *checker) expectSuppressed(where string, r readRow, s analytics.Suppression) {
	c.t.Helper()
	if len(r.cells) == 0 {
		c.t.Errorf("%s: an empty row", where)
		return
	}
	last := r.cells[len(r.cells)-1]
	if last.text != suppressedLabel(c.lang, s) || last.class != "suppressed" {
		c.t.Errorf("%s: %q (class %q), want %q", where, last.text, last.class, suppressedLabel(c.lang, s))
	}
	for _, x := range r.cells {
		if len(numbers(x.text, c.lang)) > 0 && x.class == "suppressed" && !strings.Contains(x.text, "5") {
			c.t.Errorf("%s: a suppressed cell shows a figure %q", where, x.text)
		}
	}
}

func ptr(n *int) float64 { return float64(*n) }

// edition is how the page names an edition: its year, or "All" when the breakdown has no
// edition.
func (c *checker) edition(y int) string {
	if y == 0 {
		return map[string]string{"fr": "Ensemble", "en": "All", "es": "Todos"}[c.lang]
	}
	return strconv.Itoa(y)
}

// interval is an interval's bounds, or none.
func interval(i *analytics.Interval, scale float64) []float64 {
	if i == nil {
		return nil
	}
	return []float64{i.Low * scale, i.High * scale}
}

func repeat(d, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// checkResponses holds the responses section to ByEdition and Responses.
func (c *checker) checkResponses() {
	t := c.t
	sec := byID(c.doc, "responses")
	if sec == nil {
		t.Fatal("no responses section")
	}
	tbs := tables(t, sec)
	opts := options(t, c.doc, sec)
	if len(tbs) < 1 || len(opts) != len(tbs) {
		t.Fatalf("responses: %d tables, %d charts", len(tbs), len(opts))
	}
	rows := c.rowsByHead(tbs[0])
	for _, rc := range c.r.ByEdition.Responses {
		y := strconv.Itoa(rc.Group.Edition)
		r, ok := rows[y]
		if !ok {
			t.Errorf("responses by edition: no row %s", y)
			continue
		}
		_, idx := category(opts[0], y)
		if rc.N == nil {
			c.expectSuppressed("responses "+y, r, rc.Suppressed)
			continue
		}
		c.expect("responses "+y, r.cells[0].text, []float64{ptr(rc.N)}, []int{0})
		if v, _ := barPoint(opts[0], dashboardWords[c.lang]["responses"], idx); v != float64(*rc.N) {
			t.Errorf("responses chart %s: %v, want %d", y, v, *rc.N)
		}
		if rc.Invited > 0 {
			c.expect("invited "+y, r.cells[1].text, []float64{float64(rc.Invited)}, []int{0})
		}
		if rc.Rate != nil {
			c.expect("rate "+y, r.cells[2].text, []float64{*rc.Rate * 100}, []int{1})
		}
	}
	if len(tbs) < 2 {
		return
	}
	rows = c.rowsByHead(tbs[1])
	col := map[string]int{}
	for i, h := range tbs[1].head {
		col[h] = i - 1
	}
	for _, rc := range c.r.Responses.Responses {
		g := c.groupLabel(rc.Group)
		y := c.edition(rc.Group.Edition)
		r, ok := rows[g]
		j, okc := col[y]
		if !ok || !okc {
			t.Errorf("responses by group: no cell %s %s", g, y)
			continue
		}
		_, idx := category(opts[1], g)
		v, present := barPoint(opts[1], y, idx)
		if rc.N == nil {
			if r.cells[j].text != suppressedLabel(c.lang, rc.Suppressed) {
				t.Errorf("responses %s %s: %q, want the suppressed label", g, y, r.cells[j].text)
			}
			if v != nil || !present {
				t.Errorf("responses chart %s %s: %v, want a gap (null)", g, y, v)
			}
			c.gaps++
			continue
		}
		c.expect("responses "+g+" "+y, r.cells[j].text, []float64{ptr(rc.N)}, []int{0})
		if v != float64(*rc.N) {
			t.Errorf("responses chart %s %s: %v, want %d", g, y, v, *rc.N)
		}
	}
}

// dashboardWords are a few words of the page the checks look for.
var dashboardWords = map[string]map[string]string{
	"fr": {"responses": "Réponses", "up": "▲ hausse significative", "down": "▼ baisse significative"},
	"en": {"responses": "Responses", "up": "▲ significant rise", "down": "▼ significant fall"},
	"es": {"responses": "Respuestas", "up": "▲ aumento significativo", "down": "▼ descenso significativo"},
}

// checkQuestion holds one question's section to its result: the table of figures, the
// charts (a suppressed cell is a gap, never 0), the changes and the comments.
func (c *checker) checkQuestion(res *analytics.Result) {
	t := c.t
	q := res.Question
	sec := byID(c.doc, "q-"+q.Key)
	if sec == nil {
		t.Errorf("no section for %s", q.Key)
		return
	}
	tbs := tables(t, sec)
	opts := options(t, c.doc, sec)
	items := map[string]string{}
	for _, it := range q.Items {
		items[it.Key] = it.Label
	}
	if q.Type == survey.ShortText || q.Type == survey.LongText {
		c.checkComments(sec, q.Key)
		return
	}
	if len(res.Cells) == 0 {
		return
	}
	if len(tbs) == 0 {
		t.Fatalf("%s: no table", q.Key)
	}
	rows := c.rowsByHead(tbs[0])
	if len(rows) != len(res.Cells) {
		t.Errorf("%s: %d rows for %d cells", q.Key, len(rows), len(res.Cells))
	}
	for i := range res.Cells {
		cell := &res.Cells[i]
		label := c.cellLabel(cell.Group, items[cell.Item])
		r, ok := rows[label]
		if !ok {
			t.Errorf("%s: no row %q", q.Key, label)
			continue
		}
		where := q.Key + " " + label
		if cell.N == nil {
			c.expectSuppressed(where, r, cell.Suppressed)
			c.checkGap(q, opts, cell, items)
			continue
		}
		c.expect(where+" n", r.cells[0].text, []float64{ptr(cell.N)}, []int{0})
		switch q.Type {
		case survey.SingleChoice, survey.YesNo, survey.MultipleChoice:
			for j, ch := range q.Choices {
				k := slices.IndexFunc(cell.Choices, func(s analytics.ChoiceStat) bool { return s.Key == ch.Key })
				if k < 0 {
					continue
				}
				st := cell.Choices[k]
				want := append([]float64{st.Share * 100}, interval(st.CI, 100)...)
				c.expect(where+" "+ch.Key, r.cells[1+j].text, want, repeat(1, len(want)))
				_, idx := category(opts[0], label)
				if v, _ := barPoint(opts[0], ch.Label, idx); !plotted(v, st.Share*100) { // percentage points
					t.Errorf("%s %s: chart %v, want %v", where, ch.Key, v, st.Share*100)
				}
			}
		case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
			s := cell.Scale
			c.expect(where+" mean", r.cells[1].text, append([]float64{s.Mean}, interval(s.MeanCI, 1)...), []int{2, 2, 2})
			c.expect(where+" median", r.cells[2].text, []float64{s.Median}, []int{2})
			c.expect(where+" quartiles", r.cells[3].text, []float64{s.Q1, s.Q3}, []int{2, 2})
			c.expect(where+" sd", r.cells[4].text, []float64{s.SD}, []int{2})
			c.expect(where+" range", r.cells[5].text, []float64{s.Min, s.Max}, []int{2, 2})
			next := 6
			group := c.groupLabel(cell.Group)
			if cell.Item != "" {
				group = items[cell.Item] + " · " + group
			}
			ed := c.edition(cell.Group.Edition)
			chart := opts[0]
			if q.Type == survey.Likert || q.Type == survey.Matrix {
				c.expect(where+" top2", r.cells[next].text, append([]float64{s.Top2.Share * 100}, interval(s.Top2.CI, 100)...), []int{1, 1, 1})
				next++
				_, idx := category(opts[1], group)
				if v, _ := barPoint(opts[1], ed, idx); !plotted(v, s.Top2.Share*100) {
					t.Errorf("%s: top-two chart %v, want %v", where, v, s.Top2.Share*100)
				}
				if eb := errorBar(opts[1], ed, idx); s.Top2.CI != nil && (eb == nil || !plotted(eb[1], s.Top2.CI.Low*100) || !plotted(eb[2], s.Top2.CI.High*100)) {
					t.Errorf("%s: top-two error bar %v, want %v", where, eb, s.Top2.CI)
				}
			}
			want := s.Mean
			if q.NPS {
				c.expect(where+" nps", r.cells[next].text, append([]float64{cell.NPS.Score}, interval(cell.NPS.CI, 1)...), []int{1, 1, 1})
				want = cell.NPS.Score
			}
			_, idx := category(chart, group)
			if v, _ := barPoint(chart, ed, idx); !plotted(v, want) {
				t.Errorf("%s: chart %v, want %v (category %q at %d)", where, v, want, group, idx)
			}
			if q.NPS && cell.NPS.CI != nil || !q.NPS && s.MeanCI != nil {
				ci := s.MeanCI
				if q.NPS {
					ci = cell.NPS.CI
				}
				if eb := errorBar(chart, ed, idx); eb == nil || !plotted(eb[1], ci.Low) || !plotted(eb[2], ci.High) {
					t.Errorf("%s: error bar %v, want %v", where, eb, ci)
				}
			}
		case survey.Date:
			d := cell.Dates
			if r.cells[1].text != d.First || r.cells[2].text != d.Median || r.cells[3].text != d.Last {
				t.Errorf("%s: dates %v, want %+v", where, r.cells, d)
			}
			c.figures += 3
		}
	}
	c.checkChanges(sec, res, items, opts)
}

// checkGap: a suppressed cell is no point of any chart of its question, and never a 0.
func (c *checker) checkGap(q *analytics.QuestionInfo, opts []map[string]any, cell *analytics.Cell, items map[string]string) {
	t := c.t
	ed := c.edition(cell.Group.Edition)
	switch q.Type {
	case survey.SingleChoice, survey.YesNo, survey.MultipleChoice:
		label := c.cellLabel(cell.Group, "")
		_, idx := category(opts[0], label)
		if idx < 0 {
			t.Errorf("%s: the chart has no row for the suppressed %q", q.Key, label)
			return
		}
		for _, ch := range q.Choices {
			if v, present := barPoint(opts[0], ch.Label, idx); !present || v != nil {
				t.Errorf("%s %s: the suppressed %q is %v in the chart, want null", q.Key, ch.Key, label, v)
			}
		}
		c.gaps++
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		group := c.groupLabel(cell.Group)
		if cell.Item != "" {
			group = items[cell.Item] + " · " + group
		}
		for _, o := range opts {
			_, idx := category(o, group)
			if idx < 0 {
				continue // a group whose every cell is suppressed is still a category
			}
			if v, present := barPoint(o, ed, idx); present && v != nil {
				t.Errorf("%s: the suppressed %s %s is %v in a chart, want null", q.Key, group, ed, v)
			}
			if eb := errorBar(o, ed, idx); eb != nil {
				t.Errorf("%s: the suppressed %s %s has an error bar %v", q.Key, group, ed, eb)
			}
		}
		c.gaps++
	case survey.Date:
		label := c.cellLabel(cell.Group, "")
		for _, o := range opts {
			for _, s := range o["series"].([]any) {
				if s.(map[string]any)["name"] == label {
					t.Errorf("%s: the suppressed %q is a series", q.Key, label)
				}
			}
		}
		c.gaps++
	}
}

// checkChanges holds the table of changes to the result's changes, in order, and checks
// that a significant change is marked in words, not by colour alone.
func (c *checker) checkChanges(sec *html.Node, res *analytics.Result, items map[string]string, opts []map[string]any) {
	t := c.t
	if len(res.Changes) == 0 {
		return
	}
	var tb *readTable
	for _, x := range tables(t, sec) {
		if x.class == "changes" {
			tb = &x
		}
	}
	// A change one of whose cells is suppressed has no row: the rows are the others, in
	// order.
	var shown []analytics.Change
	for _, ch := range res.Changes {
		if ch.Delta != nil {
			shown = append(shown, ch)
		} else {
			c.gaps++
		}
	}
	if tb == nil {
		if len(shown) > 0 {
			t.Errorf("%s: no table of changes", res.Question.Key)
		}
		return
	}
	if len(tb.rows) != len(shown) {
		t.Fatalf("%s: %d changes shown, want %d", res.Question.Key, len(tb.rows), len(shown))
	}
	for i, ch := range shown {
		r := tb.rows[i]
		head := c.groupLabel(ch.Group)
		if ch.Item != "" {
			head = items[ch.Item] + " · " + head
		}
		where := res.Question.Key + " change " + strconv.Itoa(i) + " " + head
		if r.head != head || r.cells[1].text != strconv.Itoa(ch.From.Edition)+" → "+strconv.Itoa(ch.To.Edition) {
			t.Errorf("%s: row %q %q", where, r.head, r.cells[1].text)
		}
		if len(numbers(strings.Join([]string{r.cells[2].text, r.cells[3].text}, " "), c.lang)) != 2 {
			t.Errorf("%s: values %q %q", where, r.cells[2].text, r.cells[3].text)
		}
		scale, d := 1.0, 2
		switch ch.Measure {
		case analytics.MeasureShare, analytics.MeasureTop2:
			scale, d = 100, 1
		case analytics.MeasureNPS:
			d = 1
		}
		c.expect(where+" from", r.cells[2].text, []float64{*ch.From.Value * scale}, []int{d})
		c.expect(where+" to", r.cells[3].text, []float64{*ch.To.Value * scale}, []int{d})
		c.expect(where+" delta", r.cells[4].text, append([]float64{*ch.Delta * scale}, interval(ch.CI, scale)...), []int{d, d, d})
		flag, flagClass := r.cells[5].text, r.cells[5].class
		if ch.Significant {
			c.sig++
			c.arrowOnChart(res, ch, head, opts)
		}
		switch {
		case ch.Significant && *ch.Delta > 0:
			if r.class != "significant-row" || flagClass != "significant up" || flag != dashboardWords[c.lang]["up"] {
				t.Errorf("%s: significant rise shown %q (classes %q %q)", where, flag, r.class, flagClass)
			}
		case ch.Significant:
			if r.class != "significant-row" || flagClass != "significant down" || flag != dashboardWords[c.lang]["down"] {
				t.Errorf("%s: significant fall shown %q (classes %q %q)", where, flag, r.class, flagClass)
			}
		default:
			if r.class != "" || flagClass != "" || strings.ContainsAny(flag, "▲▼") {
				t.Errorf("%s: a change that is not significant is marked %q", where, flag)
			}
		}
	}
}

// arrowOnChart: the bar of the later edition of a significant change of a mean, NPS or
// top two carries an arrow.
func (c *checker) arrowOnChart(res *analytics.Result, ch analytics.Change, group string, opts []map[string]any) {
	var chart map[string]any
	switch {
	case ch.Measure == analytics.MeasureTop2 && len(opts) > 1:
		chart = opts[1]
	case ch.Measure == analytics.MeasureMean && !res.Question.NPS, ch.Measure == analytics.MeasureNPS:
		chart = opts[0]
	default:
		return
	}
	_, idx := category(chart, group)
	want := "▲"
	if *ch.Delta < 0 {
		want = "▼"
	}
	for _, s := range chart["series"].([]any) {
		sm := s.(map[string]any)
		if sm["type"] != "bar" || sm["name"] != c.edition(ch.To.Edition) || idx < 0 {
			continue
		}
		d, _ := sm["data"].([]any)[idx].(map[string]any)
		label, _ := d["label"].(map[string]any)
		if label["formatter"] != want || label["show"] != true {
			c.t.Errorf("%s %s %s: the bar of %d has the label %v, want %s", res.Question.Key, ch.Measure, group, ch.To.Edition, label, want)
		}
		c.arrows++
		return
	}
	c.t.Errorf("%s %s %s: no bar of %d", res.Question.Key, ch.Measure, group, ch.To.Edition)
}

// checkComments: the comments of a text question, in the report's order, with their
// country and edition when the report gives them.
func (c *checker) checkComments(sec *html.Node, key string) {
	var want []string
	for _, cm := range c.r.Comments {
		if cm.Question == key {
			want = append(want, cm.Text)
		}
	}
	var got []string
	for _, p := range all(sec, isComment) {
		got = append(got, text(p))
	}
	c.notes += len(got)
	if !slices.Equal(got, want) {
		c.t.Errorf("comments on %s: %d shown, want %d", key, len(got), len(want))
	}
}

// checkHeatmap holds the heatmap's table and chart to the top two points of the latest
// edition's Likert and matrix cells.
func (c *checker) checkHeatmap() {
	t := c.t
	sec := byID(c.doc, "heatmap")
	if sec == nil {
		t.Fatal("no heatmap")
	}
	tbs := tables(t, sec)
	opts := options(t, c.doc, sec)
	if len(tbs) != 1 || len(opts) != 1 {
		t.Fatalf("heatmap: %d tables, %d charts", len(tbs), len(opts))
	}
	tb, o := tbs[0], opts[0]
	rowIdx := map[string]int{}
	for i, r := range tb.rows {
		rowIdx[r.head] = i
	}
	col := map[string]int{}
	for i, h := range tb.head[1:] {
		col[h] = i
	}
	latest := 0
	for _, res := range c.r.Questions {
		if res.Question.Type == survey.Likert || res.Question.Type == survey.Matrix {
			for _, cell := range res.Cells {
				latest = max(latest, cell.Group.Edition)
			}
		}
	}
	points := map[[2]int]float64{}
	for _, d := range o["series"].([]any)[0].(map[string]any)["data"].([]any) {
		v, ok := d.([]any) // [x, y, value]
		if !ok {
			v = d.(map[string]any)["value"].([]any)
		}
		points[[2]int{int(v[0].(float64)), int(v[1].(float64))}] = v[2].(float64)
	}
	seen := 0
	for _, res := range c.r.Questions {
		q := res.Question
		if q.Type != survey.Likert && q.Type != survey.Matrix {
			continue
		}
		items := map[string]string{}
		for _, it := range q.Items {
			items[it.Key] = it.Label
		}
		for _, cell := range res.Cells {
			if cell.Group.Edition != latest {
				continue
			}
			label := q.Label
			if cell.Item != "" {
				label = items[cell.Item] + " — " + q.Label
			}
			y, ok := rowIdx[label]
			x, okc := col[c.groupLabel(cell.Group)]
			if !ok || !okc {
				t.Errorf("heatmap: no cell %q %q", label, c.groupLabel(cell.Group))
				continue
			}
			seen++
			got := tb.rows[y].cells[x]
			v, drawn := points[[2]int{x, y}]
			if cell.N == nil {
				if got.text != suppressedLabel(c.lang, cell.Suppressed) || drawn {
					t.Errorf("heatmap %q %q: %q, drawn %v %v; want suppressed and no square", label, c.groupLabel(cell.Group), got.text, drawn, v)
				}
				c.gaps++
				continue
			}
			c.expect("heatmap "+label, got.text, []float64{cell.Scale.Top2.Share * 100}, []int{1})
			if !drawn || !plotted(v, cell.Scale.Top2.Share*100) {
				t.Errorf("heatmap %q %q: square %v %v, want %v", label, c.groupLabel(cell.Group), drawn, v, cell.Scale.Top2.Share*100)
			}
		}
	}
	if seen == 0 {
		t.Error("the heatmap shows no cell")
	}
}

// TestTablesMatchReport renders funders' dashboards in French, English and Spanish, with
// the default breakdown and by role, reads every table and chart option back from the
// HTML, and holds each figure to the report: counts, rates, shares, means, quartiles,
// intervals, top two, NPS, dates, changes and comments; a suppressed cell shows the
// suppressed label in its table and is a gap (null, or no point) in every chart.
func TestTablesMatchReport(t *testing.T) {
	fx := newFixture(shifted(analyticstest.Responses(11, 60)))
	for _, tc := range []struct {
		lang string
		by   []analytics.Dimension
	}{
		{"fr", nil}, {"en", nil}, {"es", nil},
		{"en", []analytics.Dimension{analytics.Role, analytics.Edition}},
		{"fr", []analytics.Dimension{analytics.Country}},
	} {
		t.Run(tc.lang+"-"+dimsName(tc.by), func(t *testing.T) {
			filter := analytics.Filter{}
			if len(tc.by) == 1 {
				filter[analytics.Edition] = []string{"2025"}
			}
			r := fx.report(t, reports.Request{Language: tc.lang, By: tc.by, Filter: filter})
			page := render(t, dashboard.Page{Report: r, AssetBase: "/assets"})
			c := &checker{t: t, r: r, lang: tc.lang, doc: parse(t, page)}
			if h := all(c.doc, isA(atom.Html)); len(h) != 1 || attr(h[0], "lang") != tc.lang {
				t.Errorf("the page's language is not %s", tc.lang)
			}
			c.checkResponses()
			c.checkHeatmap()
			for _, res := range r.Questions {
				c.checkQuestion(res)
			}
			if c.figures < 500 || c.gaps < 20 {
				t.Errorf("only %d figures and %d suppressed cells checked", c.figures, c.gaps)
			}
			if len(tc.by) != 1 && c.merged == 0 {
				t.Error("no suppressed editions share a row")
			}
			if tc.by == nil && (c.sig == 0 || c.notes == 0 || c.arrows == 0) {
				t.Errorf("%d significant changes (%d on charts), %d comments checked", c.sig, c.arrows, c.notes)
			}
			t.Logf("%d figures, %d suppressed cells (%d sharing a row), %d significant changes (%d on charts), %d comments checked", c.figures, c.gaps, c.merged, c.sig, c.arrows, c.notes)
		})
	}
}

// TestDemoTablesMatchReport holds the demo dashboard (demoReport, as `make run` publishes
// it) to its report as TestTablesMatchReport does: every figure and every suppressed cell,
// read back from the tables and charts of the page.
func TestDemoTablesMatchReport(t *testing.T) {
	r := demoReport(t, "fr")
	c := &checker{t: t, r: r, lang: "fr", doc: parse(t, render(t, dashboard.Page{Report: r, AssetBase: "/assets"}))}
	c.checkResponses()
	c.checkHeatmap()
	for _, res := range r.Questions {
		c.checkQuestion(res)
	}
	if c.figures < 1000 || c.gaps < 200 || c.merged < 100 || c.notes == 0 {
		t.Errorf("only %d figures, %d suppressed cells (%d sharing a row) and %d comments checked", c.figures, c.gaps, c.merged, c.notes)
	}
	t.Logf("%d figures, %d suppressed cells (%d sharing a row), %d significant changes (%d on charts), %d comments checked", c.figures, c.gaps, c.merged, c.sig, c.arrows, c.notes)
}

// shifted moves the answers of some editions so that some changes are significant: every
// recommendation of 2024 is a 10 (a rise from 2023, a fall to 2025), and everyone attended
// in 2025.
func shifted(responses []*survey.Response) []*survey.Response {
	for _, r := range responses {
		for i := range r.Answers {
			a := &r.Answers[i]
			switch {
			case r.Edition == 2024 && a.Question == "recommend":
				a.Num = 10
			case r.Edition == 2025 && a.Question == "attended":
				a.Text = "yes"
			}
		}
	}
	return responses
}

func dimsName(by []analytics.Dimension) string {
	if len(by) == 0 {
		return "default"
	}
	var s []string
	for _, d := range by {
		s = append(s, string(d))
	}
	return strings.Join(s, ",")
}

// TestSuppressedEditionsShareARow: in the demo, a group whose first three editions are
// suppressed shows them in one row ("2018–2020…"); with the middle edition's cell taken
// out of the report, the row reads "2018, 2020…": a row of several editions never stands
// for one the group has no cell for.
func TestSuppressedEditionsShareARow(t *testing.T) {
	r := demoReport(t, "fr")
	if len(r.Editions) < 3 {
		t.Fatalf("the demo has %d editions", len(r.Editions))
	}
	e := r.Editions
	for _, res := range r.Questions {
		q := res.Question
		if q == nil || (q.Type != survey.Likert && q.Type != survey.Matrix && q.Type != survey.SingleChoice) {
			continue
		}
		type key struct{ item, country string }
		cells := map[key]map[int]int{} // cell index by edition
		var keys []key
		for i, c := range res.Cells {
			k := key{c.Item, c.Group.Country}
			if cells[k] == nil {
				cells[k] = map[int]int{}
				keys = append(keys, k)
			}
			cells[k][c.Group.Edition] = i
		}
		for _, k := range keys {
			first, ok0 := cells[k][e[0]]
			middle, ok1 := cells[k][e[1]]
			third, ok2 := cells[k][e[2]]
			if !ok0 || !ok1 || !ok2 {
				continue
			}
			s := res.Cells[first].Suppressed
			if res.Cells[first].N != nil || res.Cells[middle].N != nil || res.Cells[third].N != nil ||
				res.Cells[middle].Suppressed != s || res.Cells[third].Suppressed != s {
				continue
			}
			group := reports.CountryName(k.country, "fr")
			for _, it := range q.Items {
				if it.Key == k.item {
					group = it.Label + " · " + group
				}
			}
			heads := func() []string {
				doc := parse(t, render(t, dashboard.Page{Report: r, AssetBase: "/a"}))
				var out []string
				for _, row := range tables(t, byID(doc, "q-"+q.Key))[0].rows {
					if row.group == group {
						out = append(out, row.head)
					}
				}
				return out
			}
			before := heads()
			if len(before) == 0 || !strings.HasPrefix(before[0], strconv.Itoa(e[0])+"–") || before[0] == strconv.Itoa(e[0])+"–"+strconv.Itoa(e[1]) {
				t.Fatalf("%s %q: rows %q, want the first three editions in one", q.Key, group, before)
			}
			res.Cells = slices.Delete(res.Cells, middle, middle+1)
			after := heads()
			if len(after) == 0 || !strings.HasPrefix(after[0], strconv.Itoa(e[0])+", "+strconv.Itoa(e[2])) {
				t.Errorf("%s %q without its %d cell: rows %q, want the first row to be %d, then from %d", q.Key, group, e[1], after, e[0], e[2])
			}
			return
		}
	}
	t.Fatal("the demo has no group whose first three editions are suppressed")
}
