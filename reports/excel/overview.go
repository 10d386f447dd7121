package excel

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
)

// overview fills the first sheet: what the workbook covers, responses and response rates,
// a chart, the list of sheets and of texts cut.
func (b *book) overview(sheet string) error {
	r := b.r
	if err := b.set(sheet, 1, 1, r.Title, b.sTitle); err != nil {
		return err
	}
	if err := b.set(sheet, 1, 2, b.w("intro"), b.sNote); err != nil {
		return err
	}
	filters := []string{}
	for _, d := range r.Request.Filter.Dimensions() {
		if d != analytics.Edition {
			filters = append(filters, b.dimensionWord(d)+" = "+strings.Join(r.Request.Filter[d], ", "))
		}
	}
	if len(filters) == 0 {
		filters = []string{b.w("none")}
	}
	var by []string
	for _, d := range r.Request.By {
		by = append(by, b.dimensionWord(d))
	}
	audience := b.w("coordinator")
	if r.Request.Audience == analytics.Funder {
		audience = b.w("funder", r.Threshold)
	}
	total := 0
	for _, c := range r.ByEdition.Responses {
		if c.N != nil {
			total += *c.N
		}
	}
	meta := [][2]any{
		{b.w("survey"), r.Title + " (" + r.Survey.ID + ")"},
		{b.w("editions"), years(r.Editions)},
		{b.w("filters"), strings.Join(filters, " ; ")},
		{b.w("breakdown"), strings.Join(by, ", ")},
		{b.w("audience"), audience},
		{b.w("threshold"), r.Threshold},
		{b.w("language"), r.Request.Language},
		{b.w("generated"), r.GeneratedAt.Format("2006-01-02 15:04:05")},
		{b.w("version"), r.Version},
		{b.w("data_version"), r.DataVersion},
		{b.w("total"), total},
	}
	row := 4
	for _, m := range meta {
		if err := b.set(sheet, 1, row, m[0], b.sBold); err != nil {
			return err
		}
		if err := b.set(sheet, 2, row, m[1], 0); err != nil {
			return err
		}
		row++
	}
	row++
	// Responses and rates by edition.
	if err := b.set(sheet, 1, row, b.w("by_edition"), b.sTitle); err != nil {
		return err
	}
	row++
	if err := b.row(sheet, 1, row, b.sHeader, b.w("edition"), b.w("responses"), b.w("invited"), b.w("rate"), b.w("note")); err != nil {
		return err
	}
	for _, c := range r.ByEdition.Responses {
		row++
		var invited any
		if c.Invited > 0 {
			invited = c.Invited
		}
		if err := b.row(sheet, 1, row, 0, c.Group.Edition, c.N, invited); err != nil {
			return err
		}
		if err := b.set(sheet, 4, row, c.Rate, b.sPct); err != nil {
			return err
		}
		if err := b.set(sheet, 5, row, b.suppression(c.Suppressed), b.sNote); err != nil {
			return err
		}
	}
	row += 2
	// Responses by the breakdown, editions side by side, with a chart.
	var dims []string
	for _, d := range r.Request.By {
		if d != analytics.Edition {
			dims = append(dims, strings.ToLower(b.dimensionWord(d)))
		}
	}
	title := b.w("responses")
	if len(dims) > 0 {
		title = b.w("by_group", strings.Join(dims, ", "))
	}
	if err := b.set(sheet, 1, row, title, b.sTitle); err != nil {
		return err
	}
	row++
	top, bottom, cols, err := b.pivot(sheet, row, r.Responses, r.Request.By)
	if err != nil {
		return err
	}
	if bottom > top && cols > 0 {
		var series []excelize.ChartSeries
		for c := 0; c < cols; c++ {
			col := colName(2 + c)
			series = append(series, excelize.ChartSeries{
				Name:       ref(sheet, "$"+col+"$"+fmt.Sprint(top)),
				Categories: ref(sheet, fmt.Sprintf("$A$%d:$A$%d", top+1, bottom)),
				Values:     ref(sheet, fmt.Sprintf("$%s$%d:$%s$%d", col, top+1, col, bottom)),
			})
		}
		err := b.f.AddChart(sheet, cellName(cols+4, 4), &excelize.Chart{Type: excelize.Col, Series: series,
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			Dimension: excelize.ChartDimension{Width: 640, Height: 360}})
		if err != nil {
			return err
		}
	}
	row = bottom + 2
	// The sheets, then the texts cut.
	if err := b.set(sheet, 1, row, b.w("sheets"), b.sTitle); err != nil {
		return err
	}
	for _, q := range r.Questions {
		row++
		if err := b.row(sheet, 1, row, 0, b.sum.Questions[q.Question.Key], q.Question.Label); err != nil {
			return err
		}
	}
	if len(b.sum.Truncated) > 0 {
		row += 2
		if err := b.set(sheet, 1, row, b.w("truncated"), b.sTitle); err != nil {
			return err
		}
		row++
		if err := b.row(sheet, 1, row, b.sHeader, b.w("sheet"), b.w("cell"), b.w("question_key"), b.w("length")); err != nil {
			return err
		}
		for _, t := range b.sum.Truncated {
			row++
			if err := b.row(sheet, 1, row, 0, t.Sheet, t.Cell, t.Question, t.Length); err != nil {
				return err
			}
		}
	}
	if err := b.f.SetColWidth(sheet, "A", "A", 34); err != nil {
		return err
	}
	return b.f.SetColWidth(sheet, "B", colName(max(cols+1, 5)), 14)
}

// pivot writes response counts with the groups (without edition) down and the editions
// across, from row top: the header row, then one row per group. It returns the header
// row, the last row and the number of value columns.
func (b *book) pivot(sheet string, top int, res *analytics.Result, by []analytics.Dimension) (int, int, int, error) {
	var rowDims []analytics.Dimension
	for _, d := range by {
		if d != analytics.Edition {
			rowDims = append(rowDims, d)
		}
	}
	perEdition := slices.Contains(by, analytics.Edition)
	cols := []int{0}
	if perEdition {
		cols = res.Editions
	}
	header := []any{b.w("group")}
	for _, y := range cols {
		if y == 0 {
			header = append(header, b.w("responses"))
		} else {
			header = append(header, fmt.Sprint(y))
		}
	}
	if err := b.row(sheet, 1, top, b.sHeader, header...); err != nil {
		return 0, 0, 0, err
	}
	type line struct {
		label string
		cells map[int]analytics.ResponseCell
	}
	var lines []*line
	index := map[analytics.Group]*line{}
	for _, c := range res.Responses {
		g := c.Group.Only(rowDims)
		l := index[g]
		if l == nil {
			l = &line{label: b.groupLabel(g, rowDims, ""), cells: map[int]analytics.ResponseCell{}}
			index[g] = l
			lines = append(lines, l)
		}
		l.cells[c.Group.Edition] = c
	}
	slices.SortStableFunc(lines, func(a, c *line) int { return strings.Compare(a.label, c.label) })
	row := top
	var notes []string
	for _, l := range lines {
		row++
		if err := b.set(sheet, 1, row, l.label, 0); err != nil {
			return 0, 0, 0, err
		}
		for i, y := range cols {
			c, ok := l.cells[y]
			if !ok {
				continue
			}
			if c.N != nil {
				if err := b.set(sheet, 2+i, row, *c.N, 0); err != nil {
					return 0, 0, 0, err
				}
			} else if err := b.set(sheet, 2+i, row, "—", b.sNote); err != nil {
				return 0, 0, 0, err
			}
			if s := b.suppression(c.Suppressed); s != "" && !slices.Contains(notes, s) {
				notes = append(notes, s)
			}
		}
	}
	last := row
	for _, n := range notes {
		row++
		if err := b.set(sheet, 1, row, "— : "+n, b.sNote); err != nil {
			return 0, 0, 0, err
		}
	}
	return top, last, len(cols), nil
}

// organisations is the coordinators' sheet of responses by organisation and edition.
func (b *book) organisations() error {
	sheet, err := b.newSheet(b.w("organisations"))
	if err != nil {
		return err
	}
	if err := b.set(sheet, 1, 1, b.w("by_org"), b.sTitle); err != nil {
		return err
	}
	if _, _, _, err := b.pivot(sheet, 3, b.r.Organisations, b.r.Organisations.By); err != nil {
		return err
	}
	if err := b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 3, TopLeftCell: "B4", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	return b.f.SetColWidth(sheet, "A", "A", 44)
}

// codebook lists every question: key, type, labels in each language, choices, points and
// rows with their codes, the editions that asked it and changed_in.
func (b *book) codebook() error {
	sheet, err := b.newSheet(b.w("codebook"))
	if err != nil {
		return err
	}
	if err := b.row(sheet, 1, 1, b.sHeader, b.w("key"), "type", b.w("code"), b.w("label_fr"), b.w("label_en"),
		b.w("label_es"), b.w("asked_in"), b.w("changed_in")); err != nil {
		return err
	}
	row := 1
	for _, e := range b.r.Codebook {
		row++
		var changed any
		if e.ChangedIn != 0 {
			changed = e.ChangedIn
		}
		if err := b.row(sheet, 1, row, b.sBold, e.Key, string(e.Type), nil, e.Label["fr"], e.Label["en"], e.Label["es"], years(e.Editions), changed); err != nil {
			return err
		}
		kind := b.w("choice")
		if e.Type == "likert" || e.Type == "matrix" {
			kind = b.w("point")
		}
		for i, c := range e.Choices {
			row++
			code := c.Key
			if kind == b.w("point") {
				code = fmt.Sprintf("%d = %s", i+1, c.Key)
			}
			if err := b.row(sheet, 1, row, 0, e.Key, kind, code, c.Label["fr"], c.Label["en"], c.Label["es"]); err != nil {
				return err
			}
		}
		for _, c := range e.Items {
			row++
			if err := b.row(sheet, 1, row, 0, e.Key, b.w("row"), e.Key+"/"+c.Key, c.Label["fr"], c.Label["en"], c.Label["es"]); err != nil {
				return err
			}
		}
	}
	if err := b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := b.f.AutoFilter(sheet, fmt.Sprintf("A1:H%d", row), nil); err != nil {
		return err
	}
	if err := b.f.SetColWidth(sheet, "A", "C", 18); err != nil {
		return err
	}
	return b.f.SetColWidth(sheet, "D", "F", 40)
}
