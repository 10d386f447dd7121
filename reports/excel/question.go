package excel

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// column is one column of a question's table.
type column struct {
	header string
	style  int
	get    func(c *analytics.Cell) any
	// scale: a colour scale (shares) or data bar (means) over the column
	scale, bar bool
	series     bool // charted
}

func ci(i *analytics.Interval, high bool) any {
	if i == nil {
		return nil
	}
	if high {
		return i.High
	}
	return i.Low
}

// questionColumns are the figures of a question's cells, by type.
func (b *book) questionColumns(q *analytics.QuestionInfo) []column {
	var cols []column
	switch q.Type {
	case survey.SingleChoice, survey.YesNo, survey.MultipleChoice, survey.Acknowledge:
		for _, ch := range q.Choices {
			find := func(c *analytics.Cell) *analytics.ChoiceStat {
				for i := range c.Choices {
					if c.Choices[i].Key == ch.Key {
						return &c.Choices[i]
					}
				}
				return nil
			}
			cols = append(cols,
				column{header: b.w("share", ch.Label), style: b.sPct, scale: true, series: true, get: func(c *analytics.Cell) any {
					if s := find(c); s != nil {
						return s.Share
					}
					return nil
				}},
				column{header: b.w("low"), style: b.sPct, get: func(c *analytics.Cell) any {
					if s := find(c); s != nil {
						return ci(s.CI, false)
					}
					return nil
				}},
				column{header: b.w("high"), style: b.sPct, get: func(c *analytics.Cell) any {
					if s := find(c); s != nil {
						return ci(s.CI, true)
					}
					return nil
				}})
		}
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		scale := func(f func(s *analytics.ScaleStat) any) func(c *analytics.Cell) any {
			return func(c *analytics.Cell) any {
				if c.Scale == nil {
					return nil
				}
				return f(c.Scale)
			}
		}
		cols = append(cols,
			column{header: b.w("mean"), style: b.sNum, bar: true, series: true, get: scale(func(s *analytics.ScaleStat) any { return s.Mean })},
			column{header: b.w("low"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return ci(s.MeanCI, false) })},
			column{header: b.w("high"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return ci(s.MeanCI, true) })},
			column{header: b.w("median"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return s.Median })},
			column{header: b.w("q1"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return s.Q1 })},
			column{header: b.w("q3"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return s.Q3 })},
			column{header: b.w("sd"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return s.SD })},
			column{header: b.w("min"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return s.Min })},
			column{header: b.w("max"), style: b.sNum, get: scale(func(s *analytics.ScaleStat) any { return s.Max })})
		if q.Type == survey.Likert || q.Type == survey.Matrix {
			top := func(f func(s *analytics.ShareStat) any) func(c *analytics.Cell) any {
				return func(c *analytics.Cell) any {
					if c.Scale == nil || c.Scale.Top2 == nil {
						return nil
					}
					return f(c.Scale.Top2)
				}
			}
			cols = append(cols,
				column{header: b.w("top2"), style: b.sPct, scale: true, get: top(func(s *analytics.ShareStat) any { return s.Share })},
				column{header: b.w("low"), style: b.sPct, get: top(func(s *analytics.ShareStat) any { return ci(s.CI, false) })},
				column{header: b.w("high"), style: b.sPct, get: top(func(s *analytics.ShareStat) any { return ci(s.CI, true) })})
		}
		if q.NPS {
			nps := func(f func(s *analytics.NPSStat) any) func(c *analytics.Cell) any {
				return func(c *analytics.Cell) any {
					if c.NPS == nil {
						return nil
					}
					return f(c.NPS)
				}
			}
			cols = append(cols,
				column{header: b.w("nps"), style: b.sNum, get: nps(func(s *analytics.NPSStat) any { return s.Score })},
				column{header: b.w("low"), style: b.sNum, get: nps(func(s *analytics.NPSStat) any { return ci(s.CI, false) })},
				column{header: b.w("high"), style: b.sNum, get: nps(func(s *analytics.NPSStat) any { return ci(s.CI, true) })})
		}
	case survey.Date:
		date := func(f func(s *analytics.DateStat) string) func(c *analytics.Cell) any {
			return func(c *analytics.Cell) any {
				if c.Dates == nil {
					return nil
				}
				return f(c.Dates)
			}
		}
		cols = append(cols,
			column{header: b.w("first"), get: date(func(s *analytics.DateStat) string { return s.First })},
			column{header: b.w("median"), get: date(func(s *analytics.DateStat) string { return s.Median })},
			column{header: b.w("last"), get: date(func(s *analytics.DateStat) string { return s.Last })})
	}
	return cols
}

// question writes one question's sheet: its table by group, a chart, and the changes from
// one edition to the next.
func (b *book) question(number int, res *analytics.Result) error {
	q := res.Question
	sheet, err := b.newSheet(fmt.Sprintf("%02d %s", number, q.Key))
	if err != nil {
		return err
	}
	b.sum.Questions[q.Key] = sheet
	if err := b.set(sheet, 1, 1, q.Label, b.sTitle); err != nil {
		return err
	}
	if err := b.set(sheet, 1, 2, b.w("type", string(q.Type), q.Key), b.sNote); err != nil {
		return err
	}
	row := 2
	items := map[string]string{}
	for _, it := range q.Items {
		items[it.Key] = it.Label
	}
	for _, nc := range res.NotCompared {
		row++
		item := ""
		if nc.Item != "" {
			item = " (" + itemLabel(items, nc.Item) + ")"
		}
		if err := b.set(sheet, 1, row, b.w("not_compared", nc.From, nc.To, item, nc.Message), b.sNote); err != nil {
			return err
		}
	}
	if q.Type == survey.ShortText || q.Type == survey.LongText {
		row++
		note := b.w("see_comments", b.w("comments"))
		if res.Comments != nil && res.Comments.Suppressed != "" {
			note = b.w("comments_suppressed", q.Label, b.r.Threshold)
		}
		if err := b.set(sheet, 1, row, note, b.sNote); err != nil {
			return err
		}
	}
	by := res.By
	cols := b.questionColumns(q)
	// Header: group, the breakdown's dimensions, the row, n, the figures, a note.
	row += 2
	top := row
	header := []any{b.w("group")}
	for _, d := range by {
		header = append(header, b.dimensionWord(d))
	}
	matrix := q.Type == survey.Matrix
	if matrix {
		header = append(header, b.w("item"))
	}
	header = append(header, b.w("n"))
	first := len(header) + 1 // first figure column
	for _, c := range cols {
		header = append(header, c.header)
	}
	header = append(header, b.w("note"))
	if err := b.row(sheet, 1, top, b.sHeader, header...); err != nil {
		return err
	}
	if err := b.f.SetRowHeight(sheet, top, 45); err != nil {
		return err
	}
	if len(res.Cells) == 0 {
		return b.set(sheet, 1, top+1, b.w("no_answers"), b.sNote)
	}
	for i := range res.Cells {
		c := &res.Cells[i]
		row++
		values := []any{b.groupLabel(c.Group, by, itemLabel(items, c.Item))}
		for _, d := range by {
			values = append(values, b.value(c.Group, d))
		}
		if matrix {
			values = append(values, itemLabel(items, c.Item))
		}
		values = append(values, c.N)
		if err := b.row(sheet, 1, row, 0, values...); err != nil {
			return err
		}
		for j, col := range cols {
			if err := b.set(sheet, first+j, row, col.get(c), col.style); err != nil {
				return err
			}
		}
		if err := b.set(sheet, first+len(cols), row, b.suppression(c.Suppressed), b.sNote); err != nil {
			return err
		}
	}
	bottom := row
	// Colour scales on shares, data bars on means.
	for j, col := range cols {
		rng := fmt.Sprintf("%s%d:%s%d", colName(first+j), top+1, colName(first+j), bottom)
		var format []excelize.ConditionalFormatOptions
		switch {
		case col.scale:
			format = []excelize.ConditionalFormatOptions{{Type: "2_color_scale", Criteria: "=", MinType: "num", MaxType: "num",
				MinValue: "0", MaxValue: "1", MinColor: "#FFFFFF", MaxColor: "#5B9BD5"}}
		case col.bar:
			format = []excelize.ConditionalFormatOptions{{Type: "data_bar", Criteria: "=", MinType: "min", MaxType: "max", BarColor: "#63BE7B"}}
		}
		if format != nil {
			if err := b.f.SetConditionalFormat(sheet, rng, format); err != nil {
				return err
			}
		}
	}
	if err := b.chart(sheet, res, cols, top, bottom, first); err != nil {
		return err
	}
	if err := b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: top, TopLeftCell: fmt.Sprintf("B%d", top+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := b.f.SetColWidth(sheet, "A", "A", 30); err != nil {
		return err
	}
	if err := b.f.SetColWidth(sheet, "B", colName(len(header)), 13); err != nil {
		return err
	}
	return b.changes(sheet, bottom+2, res, items)
}

func itemLabel(items map[string]string, key string) string {
	if key == "" {
		return ""
	}
	if l, ok := items[key]; ok {
		return l
	}
	return key
}

// chart draws the comparison next to the table: shares of each choice by group, or means.
func (b *book) chart(sheet string, res *analytics.Result, cols []column, top, bottom, first int) error {
	var series []excelize.ChartSeries
	for j, col := range cols {
		if !col.series {
			continue
		}
		c := colName(first + j)
		series = append(series, excelize.ChartSeries{
			Name:       ref(sheet, fmt.Sprintf("$%s$%d", c, top)),
			Categories: ref(sheet, fmt.Sprintf("$A$%d:$A$%d", top+1, bottom)),
			Values:     ref(sheet, fmt.Sprintf("$%s$%d:$%s$%d", c, top+1, c, bottom)),
		})
	}
	if len(series) == 0 {
		return nil
	}
	kind := excelize.Bar
	var axis excelize.ChartAxis
	zero, one := 0.0, 1.0
	switch res.Question.Type {
	case survey.SingleChoice, survey.YesNo, survey.Acknowledge:
		kind = excelize.BarStacked
		axis = excelize.ChartAxis{Minimum: &zero, Maximum: &one, MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}
	case survey.MultipleChoice:
		axis = excelize.ChartAxis{Minimum: &zero, Maximum: &one, MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		kind = excelize.Col
		axis = excelize.ChartAxis{MajorGridLines: true}
	}
	height := uint(max(320, min(1400, 22*(bottom-top)+120)))
	return b.f.AddChart(sheet, cellName(first+len(cols)+2, 3), &excelize.Chart{Type: kind, Series: series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: res.Question.Label}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		YAxis:     axis,
		Dimension: excelize.ChartDimension{Width: 720, Height: height}})
}

// changes writes the year-over-year changes of a question, and flags those whose interval
// excludes 0.
func (b *book) changes(sheet string, row int, res *analytics.Result, items map[string]string) error {
	if len(res.Changes) == 0 {
		return nil
	}
	if err := b.set(sheet, 1, row, b.w("changes"), b.sBold); err != nil {
		return err
	}
	row++
	if err := b.row(sheet, 1, row, b.sHeader, b.w("group"), b.w("item"), b.w("measure"), b.w("from"), b.w("to"),
		b.w("n_from"), b.w("n_to"), b.w("value_from"), b.w("value_to"), b.w("delta"), b.w("low"), b.w("high"),
		b.w("significant"), b.w("note")); err != nil {
		return err
	}
	if err := b.f.SetRowHeight(sheet, row, 30); err != nil {
		return err
	}
	choices := map[string]string{}
	for _, c := range res.Question.Choices {
		choices[c.Key] = c.Label
	}
	var by []analytics.Dimension
	for _, d := range res.By {
		if d != analytics.Edition {
			by = append(by, d)
		}
	}
	for i := range res.Changes {
		ch := &res.Changes[i]
		row++
		measure, style := b.w("m_mean"), b.sNum
		switch ch.Measure {
		case analytics.MeasureShare:
			measure, style = b.w("m_share", choices[ch.Choice]), b.sPct
		case analytics.MeasureTop2:
			measure, style = b.w("m_top2"), b.sPct
		case analytics.MeasureNPS:
			measure = b.w("m_nps")
		}
		if err := b.row(sheet, 1, row, 0, b.groupLabel(ch.Group, by, ""), itemLabel(items, ch.Item), measure,
			ch.From.Edition, ch.To.Edition, ch.From.N, ch.To.N); err != nil {
			return err
		}
		for j, v := range []any{ch.From.Value, ch.To.Value, ch.Delta, intervalPart(ch.CI, false), intervalPart(ch.CI, true)} {
			if err := b.set(sheet, 8+j, row, v, style); err != nil {
				return err
			}
		}
		if ch.Significant {
			if err := b.set(sheet, 13, row, "✔", b.sSig); err != nil {
				return err
			}
		}
		if err := b.set(sheet, 14, row, b.suppression(ch.Suppressed), b.sNote); err != nil {
			return err
		}
	}
	return nil
}

func intervalPart(i *analytics.Interval, high bool) *float64 {
	if i == nil {
		return nil
	}
	if high {
		return &i.High
	}
	return &i.Low
}
