package dashboard

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/survey"
)

// section is one part of the page: the responses, a question, the heatmap.
type section struct {
	ID    string
	Title string
	Meta  string
	Notes []string
	Parts []part
}

// part is a chart with the table of its figures, a table alone, or comments.
type part struct {
	Chart    *chartView
	Table    *table
	Note     string
	Comments *commentList
}

// table is an accessible HTML table: a caption, column headers, a header cell per row;
// its rows in one body (Rows), or in groups (Groups), each a body whose first row heads
// it (<th scope="rowgroup">), so that a long label is written once for its rows.
type table struct {
	Caption string
	Class   string
	Head    []string // Head[0] heads the column of row headers
	Rows    []row
	Groups  []rowGroup
}

type rowGroup struct {
	Head string
	Rows []row
}

// cellRow is the row of one cell of a result in a table of figures: its group (the
// matrix row and the group without the edition), its edition (0 without one), and
// either its figures or the reason they are withheld.
type cellRow struct {
	group      string
	edition    int
	suppressed string
	cells      []td
}

// layRows sets a table of figures' rows, one per cell, in the cells' order. With an
// edition in the breakdown, the editions of one group are a group of rows under its
// label, each headed by its year, and the consecutive rows of a group that are withheld
// for the same reason are one row headed by their editions, runs of editions that follow
// each other in the report written as their first and last: "2018–2020, 2023" (a group
// without a cell in 2021 and 2022). Every shown figure keeps its own row. span is the
// number of columns of figures.
func (b *builder) layRows(t *table, cells []cellRow, span int) {
	for i := 0; i < len(cells); i++ {
		c := cells[i]
		if !b.byEdition {
			t.Rows = append(t.Rows, c.row(c.group, span))
			continue
		}
		if len(t.Groups) == 0 || t.Groups[len(t.Groups)-1].Head != c.group || i > 0 && cells[i-1].group != c.group {
			t.Groups = append(t.Groups, rowGroup{Head: c.group})
		}
		head := b.editionName(c.edition)
		if c.suppressed != "" {
			var runs []string
			start := i
			for j := i; j < len(cells) && cells[j].group == c.group && cells[j].suppressed == c.suppressed; j++ {
				i = j
				if j+1 < len(cells) && cells[j+1].group == c.group && cells[j+1].suppressed == c.suppressed && b.follows(cells[j+1].edition, cells[j].edition) {
					continue
				}
				run := b.editionName(cells[start].edition)
				if j > start {
					run += "–" + b.editionName(cells[j].edition)
				}
				runs = append(runs, run)
				start = j + 1
			}
			head = strings.Join(runs, ", ")
		}
		g := &t.Groups[len(t.Groups)-1]
		g.Rows = append(g.Rows, c.row(head, span))
	}
}

// follows reports whether edition y comes right after edition prev in the report: a
// row "2018–2021" stands for every edition of the report from 2018 to 2021.
func (b *builder) follows(y, prev int) bool {
	i := slices.Index(b.r.Editions, prev)
	return i >= 0 && i+1 < len(b.r.Editions) && b.r.Editions[i+1] == y
}

func (c cellRow) row(head string, span int) row {
	if c.suppressed != "" {
		return row{Head: head, Cells: []td{{Text: c.suppressed, Class: "suppressed", Span: span}}}
	}
	return row{Head: head, Cells: c.cells}
}

type row struct {
	Class string
	Head  string
	Cells []td
}

type td struct {
	Text  string
	Class string
	Span  int // colspan when > 1
}

type commentList struct {
	Title string
	Note  string
	Items []commentItem
}

type commentItem struct {
	Text string
	Meta string
}

// builder lays a report out as sections.
type builder struct {
	r      *reports.Report
	lang   string
	nf     numbers
	charts int
	// dims are the breakdown's dimensions but the edition; byEdition when the breakdown has it.
	dims      []analytics.Dimension
	byEdition bool
	countries map[string]string // names by code, in the report's language
}

func newBuilder(r *reports.Report, lang string) *builder {
	b := &builder{r: r, lang: normLang(lang), nf: numbers{normLang(lang)}, countries: map[string]string{}}
	for _, d := range r.Request.By {
		if d == analytics.Edition {
			b.byEdition = true
		} else {
			b.dims = append(b.dims, d)
		}
	}
	return b
}

func (b *builder) w(key string, args ...any) string { return w(b.lang, key, args...) }

// dimsPhrase names the breakdown: "pays et édition".
func (b *builder) dimsPhrase(withEdition bool) string {
	var parts []string
	for _, d := range b.dims {
		parts = append(parts, b.w(string(d)))
	}
	if withEdition && b.byEdition {
		parts = append(parts, strings.ToLower(b.w("edition")))
	}
	if len(parts) == 0 {
		return strings.ToLower(b.w("all"))
	}
	and := [3]string{" et ", " and ", " y "}[langIndex(b.lang)]
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + and + parts[len(parts)-1]
}

// value shows a group's value of d: a country's name, a role's label, the year.
func (b *builder) value(g analytics.Group, d analytics.Dimension) string {
	v := g.Value(d)
	if v == "" {
		return ""
	}
	switch d {
	case analytics.Country:
		return b.country(v)
	case analytics.Role:
		return b.r.RoleName(v)
	}
	return v
}

// country names a country in the report's language.
func (b *builder) country(code string) string {
	name, ok := b.countries[code]
	if !ok {
		name = reports.CountryName(code, b.r.Request.Language)
		b.countries[code] = name
	}
	return name
}

// groupLabel is a group without its edition: "Sénégal", or "Ensemble".
func (b *builder) groupLabel(g analytics.Group) string {
	var parts []string
	for _, d := range b.dims {
		if v := b.value(g, d); v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		return b.w("all")
	}
	return strings.Join(parts, " · ")
}

// cellLabel is a cell: "Plaidoyer · Sénégal · 2024".
func (b *builder) cellLabel(g analytics.Group, item string) string {
	var parts []string
	if item != "" {
		parts = append(parts, item)
	}
	parts = append(parts, b.groupLabel(g))
	if b.byEdition && g.Edition != 0 {
		parts = append(parts, strconv.Itoa(g.Edition))
	}
	return strings.Join(parts, " · ")
}

func (b *builder) suppressed(s analytics.Suppression) string {
	if s == analytics.Complementary {
		return b.w("complementary")
	}
	return b.w("small_cell", b.r.Threshold)
}

func (b *builder) chart(title string, o option, size string, kind string, key string) *chartView {
	b.charts++
	return &chartView{N: b.charts, Title: title, Option: o.marshal(), Size: size,
		Filename: filename(b.r.Request.Survey, key, kind)}
}

// groupOrder returns the groups without edition in the order they first appear, and each
// one's index.
func (b *builder) groupOrder(groups []analytics.Group) ([]analytics.Group, map[analytics.Group]int) {
	idx := map[analytics.Group]int{}
	var out []analytics.Group
	for _, g := range groups {
		k := g.Only(b.dims)
		if _, ok := idx[k]; !ok {
			idx[k] = len(out)
			out = append(out, k)
		}
	}
	return out, idx
}

// sortedCells orders a result's cells by group, then row, then edition, so that the
// editions of one group follow each other.
func (b *builder) sortedCells(res *analytics.Result) []*analytics.Cell {
	var groups []analytics.Group
	for _, c := range res.Cells {
		groups = append(groups, c.Group)
	}
	_, gi := b.groupOrder(groups)
	items := map[string]int{}
	if res.Question != nil {
		for i, it := range res.Question.Items {
			items[it.Key] = i
		}
	}
	out := make([]*analytics.Cell, len(res.Cells))
	for i := range res.Cells {
		out[i] = &res.Cells[i]
	}
	slices.SortStableFunc(out, func(x, y *analytics.Cell) int {
		return cmp.Or(cmp.Compare(items[x.Item], items[y.Item]), cmp.Compare(gi[x.Group.Only(b.dims)], gi[y.Group.Only(b.dims)]),
			cmp.Compare(x.Group.Edition, y.Group.Edition))
	})
	return out
}

// editions are the editions the cells show, oldest first (0 alone when the breakdown has
// no edition).
func (b *builder) editionsOf(groups []analytics.Group) []int {
	var out []int
	for _, g := range groups {
		if !slices.Contains(out, g.Edition) {
			out = append(out, g.Edition)
		}
	}
	slices.Sort(out)
	return out
}

func (b *builder) editionName(y int) string {
	if y == 0 {
		return b.w("all")
	}
	return strconv.Itoa(y)
}

// responses is the first section: responses and rates by edition, and responses by
// group and edition.
func (b *builder) responses() section {
	s := section{ID: "responses", Title: b.w("responses_title")}
	if res := b.r.ByEdition; res != nil && len(res.Responses) > 0 {
		cats := make([]string, len(res.Responses))
		n := make([]*float64, len(res.Responses))
		rate := make([]*float64, len(res.Responses))
		t := &table{Caption: b.w("by_edition"), Head: []string{b.w("edition"), b.w("responses"), b.w("invited"), b.w("rate")}}
		for i, c := range res.Responses {
			cats[i] = b.editionName(c.Group.Edition)
			r := row{Head: cats[i]}
			if c.N == nil {
				r.Cells = append(r.Cells, td{Text: b.suppressed(c.Suppressed), Class: "suppressed", Span: 3})
			} else {
				n[i] = f64(float64(*c.N))
				r.Cells = append(r.Cells, td{Text: b.nf.count(*c.N)})
				if c.Invited > 0 {
					r.Cells = append(r.Cells, td{Text: b.nf.count(c.Invited)})
				} else {
					r.Cells = append(r.Cells, td{Text: "—"})
				}
				if c.Rate != nil {
					rate[i] = f64(*c.Rate * 100) // percentage points, as the page's script reads them
					r.Cells = append(r.Cells, td{Text: b.nf.percent(*c.Rate)})
				} else {
					r.Cells = append(r.Cells, td{Text: "—"})
				}
			}
			t.Rows = append(t.Rows, r)
		}
		o := responseChart(cats, n, rate, b.w("responses"), b.w("rate"))
		s.Parts = append(s.Parts, part{Chart: b.chart(b.w("by_edition"), o, "chart-s", "responses-by-edition", "responses"), Table: t})
	}
	res := b.r.Responses
	if res == nil || len(res.Responses) == 0 || len(b.dims) == 0 {
		return s
	}
	var groups []analytics.Group
	for _, c := range res.Responses {
		groups = append(groups, c.Group)
	}
	order, gi := b.groupOrder(groups)
	eds := b.editionsOf(groups)
	title := b.w("by_group", b.dimsPhrase(false))
	t := &table{Caption: title, Head: []string{b.dimsCap()}}
	for _, y := range eds {
		t.Head = append(t.Head, b.editionName(y))
	}
	cats := make([]string, len(order))
	for i, g := range order {
		cats[i] = b.groupLabel(g)
	}
	cells := make([][]*analytics.ResponseCell, len(order))
	for i := range cells {
		cells[i] = make([]*analytics.ResponseCell, len(eds))
	}
	for i := range res.Responses {
		c := &res.Responses[i]
		cells[gi[c.Group.Only(b.dims)]][slices.Index(eds, c.Group.Edition)] = c
	}
	series := make([]barSeries, len(eds))
	for j, y := range eds {
		series[j] = barSeries{name: b.editionName(y), values: make([]*float64, len(order))}
	}
	for i := range order {
		r := row{Head: cats[i]}
		for j := range eds {
			c := cells[i][j]
			switch {
			case c == nil:
				r.Cells = append(r.Cells, td{Text: "—"})
			case c.N == nil:
				r.Cells = append(r.Cells, td{Text: b.suppressed(c.Suppressed), Class: "suppressed"})
			default:
				r.Cells = append(r.Cells, td{Text: b.nf.count(*c.N)})
				series[j].values[i] = f64(float64(*c.N))
			}
		}
		t.Rows = append(t.Rows, r)
	}
	o := countBars(cats, series, false)
	s.Parts = append(s.Parts, part{Chart: b.chart(title, o, sizeFor(len(order)), "responses-by-group", "responses"), Table: t})
	return s
}

// dimsCap is the header of the column of groups: "Pays".
func (b *builder) dimsCap() string {
	p := b.dimsPhrase(false)
	r, n := utf8.DecodeRuneInString(p)
	return strings.ToUpper(string(r)) + p[n:]
}

func (b *builder) typeNote(q *analytics.QuestionInfo) string {
	var t string
	switch q.Type {
	case survey.YesNo:
		t = b.w("q_yes_no")
	case survey.SingleChoice:
		t = b.w("q_single_choice")
	case survey.MultipleChoice:
		t = b.w("q_multiple_choice")
	case survey.Likert:
		t = b.w("q_likert", len(q.Choices))
	case survey.Matrix:
		t = b.w("q_matrix", len(q.Choices))
	case survey.Rating:
		t = b.w("q_rating")
		if q.NPS {
			t = b.w("q_rating_nps")
		}
	case survey.Number:
		t = b.w("q_number")
	case survey.Date:
		t = b.w("q_date")
	case survey.Time, survey.DateTime, survey.Geopoint, survey.Acknowledge:
		t = b.w("q_" + string(q.Type))
	default:
		t = b.w("q_text")
	}
	return b.w("type", t)
}

// question is one question's section.
func (b *builder) question(res *analytics.Result) section {
	q := res.Question
	s := section{ID: "q-" + q.Key, Title: q.Label, Meta: b.typeNote(q)}
	items := map[string]string{}
	for _, it := range q.Items {
		items[it.Key] = it.Label
	}
	for _, nc := range res.NotCompared {
		item := ""
		if nc.Item != "" {
			item = " (" + itemLabel(items, nc.Item) + ")"
		}
		s.Notes = append(s.Notes, b.w("not_compared", nc.From, nc.To, item, nc.Message))
	}
	switch q.Type {
	case survey.ShortText, survey.LongText:
		s.Parts = append(s.Parts, b.comments(res))
		return s
	}
	if len(res.Cells) == 0 {
		s.Notes = append(s.Notes, b.w("no_answers"))
		return s
	}
	switch q.Type {
	case survey.SingleChoice, survey.YesNo, survey.MultipleChoice, survey.Acknowledge:
		s.Parts = append(s.Parts, b.choices(res))
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		s.Parts = append(s.Parts, b.scale(res)...)
	case survey.Date:
		s.Parts = append(s.Parts, b.dates(res)...)
	}
	if p, ok := b.changes(res, items); ok {
		s.Parts = append(s.Parts, p)
	}
	return s
}

func itemLabel(items map[string]string, key string) string {
	if l, ok := items[key]; ok {
		return l
	}
	return key
}

// rowsHead heads the column of row headers of a table of figures: the edition when the
// rows are the editions of a group (layRows), the group otherwise.
func (b *builder) rowsHead() string {
	if b.byEdition {
		return b.w("edition")
	}
	return b.w("group")
}

func (b *builder) withCI(v string, ci *analytics.Interval, f func(float64) string) string {
	if ci == nil {
		return v
	}
	return v + " " + interval(f(ci.Low), f(ci.High))
}

// choices: shares of each choice by cell, stacked for a single choice.
func (b *builder) choices(res *analytics.Result) part {
	q := res.Question
	cells := b.sortedCells(res)
	cats := make([]string, len(cells))
	series := make([]barSeries, len(q.Choices))
	for j, ch := range q.Choices {
		series[j] = barSeries{name: ch.Label, values: make([]*float64, len(cells))}
	}
	caption := b.w("t_figures", q.Label, b.dimsPhrase(true))
	t := &table{Caption: caption, Head: []string{b.rowsHead(), b.w("n")}}
	for _, ch := range q.Choices {
		t.Head = append(t.Head, b.w("share_ci", ch.Label))
	}
	rows := make([]cellRow, len(cells))
	for i, c := range cells {
		cats[i] = b.cellLabel(c.Group, "")
		rows[i] = cellRow{group: b.groupLabel(c.Group), edition: c.Group.Edition}
		if c.N == nil {
			rows[i].suppressed = b.suppressed(c.Suppressed)
			continue
		}
		r := []td{{Text: b.nf.count(*c.N)}}
		for j, ch := range q.Choices {
			k := slices.IndexFunc(c.Choices, func(s analytics.ChoiceStat) bool { return s.Key == ch.Key })
			if k < 0 {
				r = append(r, td{Text: "—"})
				continue
			}
			st := c.Choices[k]
			series[j].values[i] = f64(st.Share * 100)
			r = append(r, td{Text: b.withCI(b.nf.percent(st.Share), st.CI, b.nf.percent)})
		}
		rows[i].cells = r
	}
	b.layRows(t, rows, 1+len(q.Choices))
	o := shareBars(cats, series, q.Type != survey.MultipleChoice)
	title := b.w("c_shares", q.Label, b.dimsPhrase(true))
	size := sizeFor(len(cells))
	if q.Type == survey.MultipleChoice {
		size = sizeFor(len(cells) * max(1, len(q.Choices)) / 2)
	}
	return part{Chart: b.chart(title, o, size, "shares", q.Key), Table: t}
}

// scale: means with their intervals by group and edition; for Likert and matrix also the
// top two points, for a 0–10 rating the NPS.
func (b *builder) scale(res *analytics.Result) []part {
	q := res.Question
	cells := b.sortedCells(res)
	likert := q.Type == survey.Likert || q.Type == survey.Matrix
	caption := b.w("t_figures", q.Label, b.dimsPhrase(true))
	t := &table{Caption: caption, Head: []string{b.rowsHead(), b.w("n"), b.w("mean_ci"), b.w("median"), b.w("quartiles"), b.w("sd"), b.w("range")}}
	if likert {
		t.Head = append(t.Head, b.w("top2_ci"))
	}
	if q.NPS {
		t.Head = append(t.Head, b.w("nps_ci"))
	}
	items := map[string]string{}
	for _, it := range q.Items {
		items[it.Key] = it.Label
	}
	dec := func(v float64) string { return b.nf.decimal(v, 2) }
	rows := make([]cellRow, len(cells))
	for i, c := range cells {
		group := b.groupLabel(c.Group)
		if c.Item != "" {
			group = itemLabel(items, c.Item) + " · " + group
		}
		rows[i] = cellRow{group: group, edition: c.Group.Edition}
		if c.N == nil || c.Scale == nil {
			rows[i].suppressed = b.suppressed(c.Suppressed)
			continue
		}
		sc := c.Scale
		r := []td{{Text: b.nf.count(*c.N)},
			{Text: b.withCI(dec(sc.Mean), sc.MeanCI, dec)},
			{Text: dec(sc.Median)},
			{Text: dec(sc.Q1) + " – " + dec(sc.Q3)},
			{Text: dec(sc.SD)},
			{Text: dec(sc.Min) + " – " + dec(sc.Max)}}
		if likert {
			if sc.Top2 != nil {
				r = append(r, td{Text: b.withCI(b.nf.percent(sc.Top2.Share), sc.Top2.CI, b.nf.percent)})
			} else {
				r = append(r, td{Text: "—"})
			}
		}
		if q.NPS {
			if c.NPS != nil {
				one := func(v float64) string { return b.nf.decimal(v, 1) }
				r = append(r, td{Text: b.withCI(one(c.NPS.Score), c.NPS.CI, one)})
			} else {
				r = append(r, td{Text: "—"})
			}
		}
		rows[i].cells = r
	}
	b.layRows(t, rows, len(t.Head)-1)
	var parts []part
	if q.NPS {
		o := b.intervalBars(res, analytics.MeasureNPS, func(c *analytics.Cell) (*float64, *analytics.Interval) {
			if c.NPS == nil {
				return nil, nil
			}
			return &c.NPS.Score, c.NPS.CI
		}, nil, nil, false)
		parts = append(parts, part{Chart: b.chart(b.w("c_nps", q.Label), o.opt, o.size, "nps", q.Key)})
	} else {
		var lo *float64
		if likert {
			lo = f64(0) // the scale's points are 1 to k; an interval may reach past k
		}
		o := b.intervalBars(res, analytics.MeasureMean, func(c *analytics.Cell) (*float64, *analytics.Interval) {
			if c.Scale == nil {
				return nil, nil
			}
			return &c.Scale.Mean, c.Scale.MeanCI
		}, lo, nil, false)
		parts = append(parts, part{Chart: b.chart(b.w("c_means", q.Label), o.opt, o.size, "means", q.Key)})
	}
	if likert {
		o := b.intervalBars(res, analytics.MeasureTop2, func(c *analytics.Cell) (*float64, *analytics.Interval) {
			if c.Scale == nil || c.Scale.Top2 == nil {
				return nil, nil
			}
			return &c.Scale.Top2.Share, c.Scale.Top2.CI
		}, f64(0), f64(100), true)
		parts = append(parts, part{Chart: b.chart(b.w("c_top2", q.Label), o.opt, o.size, "top2", q.Key)})
	}
	parts[len(parts)-1].Table = t
	return parts
}

type sizedOption struct {
	opt  option
	size string
}

// intervalBars draws one statistic of each cell as grouped bars: categories are the
// groups (and matrix rows), one series per edition, with interval bars and an arrow where
// the change from the previous edition is significant.
func (b *builder) intervalBars(res *analytics.Result, m analytics.Measure, stat func(*analytics.Cell) (*float64, *analytics.Interval), lo, hi *float64, percent bool) sizedOption {
	q := res.Question
	items := map[string]string{}
	for _, it := range q.Items {
		items[it.Key] = it.Label
	}
	type catKey struct {
		item  string
		group analytics.Group
	}
	var cats []string
	ci := map[catKey]int{}
	var groups []analytics.Group
	for _, c := range b.sortedCells(res) {
		k := catKey{c.Item, c.Group.Only(b.dims)}
		if _, ok := ci[k]; !ok {
			ci[k] = len(cats)
			label := b.groupLabel(c.Group)
			if c.Item != "" {
				label = itemLabel(items, c.Item) + " · " + label
			}
			cats = append(cats, label)
		}
		groups = append(groups, c.Group)
	}
	eds := b.editionsOf(groups)
	series := make([]barSeries, len(eds))
	for j, y := range eds {
		series[j] = barSeries{name: b.editionName(y), values: make([]*float64, len(cats)),
			low: make([]*float64, len(cats)), high: make([]*float64, len(cats)), sig: make([]int, len(cats))}
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		v, iv := stat(c)
		if c.N == nil || v == nil {
			continue
		}
		j, k := slices.Index(eds, c.Group.Edition), ci[catKey{c.Item, c.Group.Only(b.dims)}]
		unit := 1.0
		if percent {
			unit = 100 // shares in percentage points, as the page's script reads them
		}
		series[j].values[k] = f64(*v * unit)
		if iv != nil {
			series[j].low[k], series[j].high[k] = f64(iv.Low*unit), f64(iv.High*unit)
		}
	}
	for _, ch := range res.Changes {
		if ch.Measure != m || !ch.Significant || ch.Delta == nil {
			continue
		}
		j := slices.Index(eds, ch.To.Edition)
		k, ok := ci[catKey{ch.Item, ch.Group.Only(b.dims)}]
		if j < 0 || !ok {
			continue
		}
		series[j].sig[k] = 1
		if *ch.Delta < 0 {
			series[j].sig[k] = -1
		}
	}
	return sizedOption{groupedBars(cats, series, lo, hi, percent), sizeFor(len(cats) * max(1, len(eds)) / 2)}
}

// dates: first, median and last date by cell, and answers by month.
func (b *builder) dates(res *analytics.Result) []part {
	q := res.Question
	cells := b.sortedCells(res)
	caption := b.w("t_figures", q.Label, b.dimsPhrase(true))
	t := &table{Caption: caption, Head: []string{b.rowsHead(), b.w("n"), b.w("first"), b.w("median"), b.w("last")}}
	var months []string
	var shown []*analytics.Cell
	rows := make([]cellRow, len(cells))
	for i, c := range cells {
		rows[i] = cellRow{group: b.groupLabel(c.Group), edition: c.Group.Edition}
		if c.N == nil || c.Dates == nil {
			rows[i].suppressed = b.suppressed(c.Suppressed)
			continue
		}
		shown = append(shown, c)
		rows[i].cells = []td{{Text: b.nf.count(*c.N)}, {Text: c.Dates.First}, {Text: c.Dates.Median}, {Text: c.Dates.Last}}
		for _, m := range c.Dates.Months {
			if !slices.Contains(months, m.Month) {
				months = append(months, m.Month)
			}
		}
	}
	b.layRows(t, rows, 4)
	slices.Sort(months)
	parts := []part{{Table: t}}
	if len(shown) == 0 || len(months) == 0 {
		return parts
	}
	title := b.w("c_months", q.Label)
	mt := &table{Caption: b.w("t_months", q.Label, b.dimsPhrase(true)), Head: []string{b.w("month")}}
	series := make([]barSeries, len(shown))
	for j, c := range shown {
		label := b.cellLabel(c.Group, "")
		mt.Head = append(mt.Head, label)
		series[j] = barSeries{name: label, values: make([]*float64, len(months))}
		for _, m := range c.Dates.Months {
			series[j].values[slices.Index(months, m.Month)] = f64(float64(m.Count))
		}
	}
	for i, m := range months {
		r := row{Head: m}
		for j := range shown {
			v := 0.0
			if p := series[j].values[i]; p != nil {
				v = *p
			} else {
				series[j].values[i] = f64(0) // a shown cell without answers that month: a true 0
			}
			r.Cells = append(r.Cells, td{Text: b.nf.count(int(v))})
		}
		mt.Rows = append(mt.Rows, r)
	}
	o := countBars(months, series, true)
	return append(parts, part{Chart: b.chart(title, o, "chart-m", "months", q.Key), Table: mt})
}

// comments lists a text question's comments, with the country and edition when they may
// be shown.
func (b *builder) comments(res *analytics.Result) part {
	q := res.Question
	cl := &commentList{}
	for _, c := range b.r.Comments {
		if c.Question != q.Key {
			continue
		}
		var meta []string
		if c.Profile.Country != "" {
			meta = append(meta, b.country(c.Profile.Country))
		}
		if c.Profile.Edition != 0 {
			meta = append(meta, strconv.Itoa(c.Profile.Edition))
		}
		cl.Items = append(cl.Items, commentItem{Text: c.Text, Meta: strings.Join(meta, " · ")})
	}
	cl.Title = b.w("comments", len(cl.Items))
	switch {
	case res.Comments != nil && res.Comments.Suppressed != "":
		cl.Note = b.w("comments_hidden", b.r.Threshold)
	case len(cl.Items) == 0:
		cl.Note = b.w("comments_none")
	case res.Comments != nil && res.Comments.Total != nil && *res.Comments.Total > len(cl.Items):
		// The report keeps the latest comments only (reports.Request.MaxComments).
		cl.Note = b.w("comments_latest", len(cl.Items), *res.Comments.Total)
	}
	return part{Comments: cl}
}

// changes is the table of a question's changes from one edition to the next; a row whose
// interval excludes 0 is marked, in words and with an arrow.
func (b *builder) changes(res *analytics.Result, items map[string]string) (part, bool) {
	if len(res.Changes) == 0 {
		return part{}, false
	}
	q := res.Question
	choices := map[string]string{}
	for _, c := range q.Choices {
		choices[c.Key] = c.Label
	}
	t := &table{Caption: b.w("changes", q.Label), Class: "changes",
		Head: []string{b.w("group"), b.w("measure"), b.w("editions_col"), b.w("value_from"), b.w("value_to"), b.w("delta_ci"), b.w("significant")}}
	sig, hidden := 0, 0
	for _, ch := range res.Changes {
		head := b.groupLabel(ch.Group)
		if ch.Item != "" {
			head = itemLabel(items, ch.Item) + " · " + head
		}
		f := func(v float64) string { return b.nf.decimal(v, 2) }
		measure := b.w("m_mean")
		switch ch.Measure {
		case analytics.MeasureShare:
			measure, f = b.w("m_share", itemLabel(choices, ch.Choice)), b.nf.percent
		case analytics.MeasureTop2:
			measure, f = b.w("m_top2"), b.nf.percent
		case analytics.MeasureNPS:
			measure, f = b.w("m_nps"), func(v float64) string { return b.nf.decimal(v, 1) }
		}
		if ch.Delta == nil || ch.From.Value == nil || ch.To.Value == nil {
			hidden++ // one of its cells is suppressed: nothing to show
			continue
		}
		eds := strconv.Itoa(ch.From.Edition) + " → " + strconv.Itoa(ch.To.Edition)
		r := row{Head: head, Cells: []td{{Text: measure}, {Text: eds}}}
		delta := f(*ch.Delta)
		if *ch.Delta > 0 {
			delta = "+" + delta
		}
		r.Cells = append(r.Cells, td{Text: f(*ch.From.Value)}, td{Text: f(*ch.To.Value)},
			td{Text: b.withCI(delta, ch.CI, f)})
		if ch.Significant {
			sig++
			r.Class = "significant-row"
			word, class := b.w("sig_up"), "significant up"
			if *ch.Delta < 0 {
				word, class = b.w("sig_down"), "significant down"
			}
			r.Cells = append(r.Cells, td{Text: word, Class: class})
		} else {
			r.Cells = append(r.Cells, td{Text: b.w("not_sig")})
		}
		t.Rows = append(t.Rows, r)
	}
	note := b.w("changes_sig", sig)
	if hidden > 0 {
		note += " " + b.w("changes_hidden", hidden, b.r.Threshold)
	}
	if len(t.Rows) == 0 {
		return part{Note: note}, true
	}
	return part{Table: t, Note: note}, true
}

// heatmap is the top two points of every Likert question and matrix row, by group, in
// the latest edition: one square per question and group.
func (b *builder) heatmap() (section, bool) {
	type rowKey struct{ q, item string }
	var rows []rowKey
	var labels []string
	latest := 0
	for _, res := range b.r.Questions {
		if res.Question == nil || (res.Question.Type != survey.Likert && res.Question.Type != survey.Matrix) {
			continue
		}
		for _, c := range res.Cells {
			latest = max(latest, c.Group.Edition)
		}
	}
	var groups []analytics.Group
	values := map[rowKey]map[analytics.Group]*analytics.Cell{}
	for _, res := range b.r.Questions {
		q := res.Question
		if q == nil || (q.Type != survey.Likert && q.Type != survey.Matrix) {
			continue
		}
		items := map[string]string{}
		for _, it := range q.Items {
			items[it.Key] = it.Label
		}
		for _, c := range b.sortedCells(res) {
			if c.Group.Edition != latest {
				continue
			}
			k := rowKey{q.Key, c.Item}
			if values[k] == nil {
				values[k] = map[analytics.Group]*analytics.Cell{}
				rows = append(rows, k)
				l := q.Label
				if c.Item != "" {
					l = itemLabel(items, c.Item) + " — " + q.Label
				}
				labels = append(labels, l)
			}
			g := c.Group.Only(b.dims)
			values[k][g] = c
			groups = append(groups, g)
		}
	}
	if len(rows) == 0 {
		return section{}, false
	}
	order, _ := b.groupOrder(groups)
	xs := make([]string, len(order))
	for i, g := range order {
		xs[i] = b.groupLabel(g)
	}
	title := b.w("heatmap", b.dimsPhrase(false), latest)
	if latest == 0 {
		title = strings.TrimSuffix(title, " (0)")
	}
	t := &table{Caption: title, Class: "heatmap", Head: append([]string{b.w("question")}, xs...)}
	vals := make([][]*float64, len(rows))
	for yi, k := range rows {
		vals[yi] = make([]*float64, len(order))
		r := row{Head: labels[yi]}
		for xi, g := range order {
			c := values[k][g]
			switch {
			case c == nil:
				r.Cells = append(r.Cells, td{Text: "—"})
			case c.N == nil || c.Scale == nil || c.Scale.Top2 == nil:
				r.Cells = append(r.Cells, td{Text: b.suppressed(c.Suppressed), Class: "suppressed"})
			default:
				vals[yi][xi] = f64(c.Scale.Top2.Share * 100)
				r.Cells = append(r.Cells, td{Text: b.nf.percent(c.Scale.Top2.Share)})
			}
		}
		t.Rows = append(t.Rows, r)
	}
	short := make([]string, len(labels))
	for i, l := range labels {
		short[i] = shorten(l, 48)
	}
	o := heatmap(xs, short, vals)
	return section{ID: "heatmap", Title: title, Notes: []string{b.w("heatmap_intro")},
		Parts: []part{{Chart: b.chart(title, o, sizeFor(len(rows)), "top2-heatmap", "overview"), Table: t}}}, true
}

// shorten cuts a label to n characters with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
