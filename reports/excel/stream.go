package excel

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
)

// table is a streamed sheet that continues on a new sheet, headers repeated, when it holds
// as many rows as a sheet may: the comments and the data. Its header rows are frozen and
// the last one heads an Excel table, which gives every column a filter.
type table struct {
	b       *book
	base    string   // the first sheet's name, before numbering
	labels  []any    // optional first header row (labels), nil for none
	keys    []string // the table's header row: unique
	widths  []float64
	part    int
	sheet   string
	sw      *excelize.StreamWriter
	row     int // last row written
	headers int
	rows    *rowWriter
	body    *body // the current sheet's rows after the headers
}

func (b *book) newTable(base string, labels []any, keys []string, widths []float64) *table {
	headers := 1
	if labels != nil {
		headers = 2
	}
	return &table{b: b, base: base, labels: labels, keys: keys, widths: widths, headers: headers,
		rows: newRowWriter(len(keys), b.sTime)}
}

// open starts the next sheet of the table.
func (t *table) open() error {
	t.part++
	want := t.base
	if t.part > 1 {
		want = t.b.w("continued", t.base, t.part)
	}
	sheet, err := t.b.newSheet(want)
	if err != nil {
		return err
	}
	if t.part == 1 {
		t.base = sheet
	}
	sw, err := t.b.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	body, err := newBody()
	if err != nil {
		return err
	}
	t.b.bodies = append(t.b.bodies, body)
	t.sheet, t.sw, t.row, t.body = sheet, sw, 0, body
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: t.headers,
		TopLeftCell: fmt.Sprintf("B%d", t.headers+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	for i, w := range t.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if t.labels != nil {
		t.row++
		cells := make([]any, len(t.labels))
		for i, l := range t.labels {
			cells[i] = excelize.Cell{StyleID: t.b.sHeader, Value: l}
		}
		if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 45}); err != nil {
			return err
		}
	}
	t.row++
	cells := make([]any, len(t.keys))
	for i, k := range t.keys {
		cells[i] = excelize.Cell{StyleID: t.b.sHeader, Value: k}
	}
	return sw.SetRow(fmt.Sprintf("A%d", t.row), cells)
}

// close ends the current sheet: its table (filters), the flush, and its rows handed to the
// zip writer.
func (t *table) close() error {
	if t.sw == nil {
		return nil
	}
	last := max(t.row, t.headers+1)
	err := t.sw.AddTable(&excelize.Table{
		Range:     fmt.Sprintf("A%d:%s%d", t.headers, colName(len(t.keys)), last),
		Name:      fmt.Sprintf("%s_%d", tableName(t.base), t.part),
		StyleName: "TableStyleLight9",
	})
	if err == nil {
		err = t.sw.Flush()
	}
	if err == nil {
		err = t.body.finish()
	}
	if err == nil {
		var part string
		if part, err = t.b.sheetPart(t.sheet); err == nil {
			t.b.parts[part] = t.body
		}
	}
	t.sw, t.body = nil, nil
	return err
}

func tableName(s string) string {
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return -1
	}, s)
	if out == "" {
		out = "table"
	}
	return "t_" + out
}

// add writes one row: strings are literal text (cut when too long), numbers numbers, times
// dates.
func (t *table) add(values []any, question func(col int) string) error {
	if t.sw == nil || t.row >= t.b.opts.MaxRows {
		if err := t.close(); err != nil {
			return err
		}
		if err := t.open(); err != nil {
			return err
		}
	}
	t.row++
	for i, v := range values {
		if x, ok := v.(string); ok && len(x) > MaxCellText {
			values[i] = t.b.text(x, t.sheet, colName(i+1)+itoa(t.row), question(i))
		}
	}
	var err error
	if t.body.buf, err = t.rows.appendRow(t.body.buf, t.row, values); err != nil {
		return err
	}
	return t.body.spill(false)
}

// comments streams every comment, by question: its key and label, the respondent's
// profile as the audience may see it, and the text.
func (b *book) comments(ctx context.Context) error {
	r := b.r
	coordinator := r.Request.Audience == analytics.Coordinator
	keys := []string{"question", "question_label", "edition", "country"}
	labels := []any{b.w("question_key"), b.w("question"), b.w("edition"), b.w("country")}
	widths := []float64{16, 30, 9, 14}
	if coordinator {
		keys = append(keys, "organisation", "role", "language", "submitted")
		labels = append(labels, b.w("organisation"), b.w("role"), b.w("resp_language"), b.w("date"))
		widths = append(widths, 24, 18, 8, 11)
	}
	keys, labels, widths = append(keys, "text"), append(labels, b.w("text")), append(widths, 100)
	t := b.newTable(b.w("comments"), labels, keys, widths)
	questionLabel := map[string]string{}
	for _, e := range r.Codebook {
		questionLabel[e.Key] = e.Label.In(r.Request.Language, r.Survey.DefaultLanguage)
	}
	row := make([]any, len(keys))
	textCol := len(keys) - 1
	total, i := r.CommentTotal(), 0
	err := r.EachComment(ctx, func(c reports.Comment) error {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			b.progress("comments", i, total)
		}
		i++
		clear(row)
		row[0], row[1] = c.Question, questionLabel[c.Question]
		if c.Profile.Edition != 0 {
			row[2] = c.Profile.Edition
		}
		if c.Profile.Country != "" {
			row[3] = reports.CountryName(c.Profile.Country, r.Request.Language)
		}
		if coordinator {
			row[4], row[5], row[6], row[7] = c.Profile.Organisation, r.RoleName(c.Profile.Role), c.Profile.Language, c.Submitted
		}
		row[textCol] = c.Text
		return t.add(row, func(int) string { return c.Question })
	})
	if err != nil {
		return err
	}
	if t.sw == nil { // no comment: the sheet still says what it would hold
		if err := t.open(); err != nil {
			return err
		}
	}
	b.sum.Comments = i
	return t.close()
}

// data streams the raw responses: one row per response, codes and labels.
func (b *book) data(ctx context.Context) error {
	d := b.r.Data
	keys := make([]string, len(d.Columns))
	labels := make([]any, len(d.Columns))
	widths := make([]float64, len(d.Columns))
	for i, c := range d.Columns {
		keys[i], labels[i], widths[i] = c.Key, c.Label, 12
		if c.Key == "_response_id" {
			widths[i] = 36
		}
		if c.Key == "_submitted_at" {
			widths[i] = 19
		}
	}
	total := 0
	for _, c := range b.r.ByEdition.Responses {
		if c.N != nil {
			total += *c.N
		}
	}
	t := b.newTable(b.w("data"), labels, keys, widths)
	question := func(col int) string { return d.Columns[col].Question }
	n := 0
	err := d.Rows(ctx, func(row []any) error {
		if n%2000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			b.progress("data", n, total)
		}
		n++
		return t.add(row, question)
	})
	if err != nil {
		return err
	}
	if t.sw == nil {
		if err := t.open(); err != nil {
			return err
		}
	}
	b.sum.DataRows = n
	b.progress("data", n, total)
	return t.close()
}

func itoa(n int) string { return strconv.Itoa(n) }
