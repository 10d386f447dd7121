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
//
// Its rows are written (add) apart from the workbook, so that the comments and the data are
// read at the same time; sheets then makes its sheets, in order, in the workbook.
type table struct {
	b       *book
	base    string   // the first sheet's name, before numbering
	labels  []any    // optional first header row (labels), nil for none
	keys    []string // the table's header row: unique
	widths  []float64
	headers int
	rows    *rowWriter
	parts   []*tablePart
	text    func(string) (string, int) // fitText with the workbook's mark
}

// tablePart is the rows of one sheet of a table.
type tablePart struct {
	body *body
	row  int // last row written
	cuts []Truncation
}

func (b *book) newTable(base string, labels []any, keys []string, widths []float64) *table {
	headers := 1
	if labels != nil {
		headers = 2
	}
	mark := b.w("cut_mark")
	t := &table{b: b, base: base, labels: labels, keys: keys, widths: widths, headers: headers,
		rows: newRowWriter(len(keys), b.sTime), text: func(s string) (string, int) { return fitText(s, mark) }}
	b.tables = append(b.tables, t)
	return t
}

// next starts the rows of the table's next sheet.
func (t *table) next() error {
	if n := len(t.parts); n > 0 {
		if err := t.parts[n-1].body.finish(); err != nil {
			return err
		}
	}
	body, err := newBody()
	if err != nil {
		return err
	}
	t.parts = append(t.parts, &tablePart{body: body, row: t.headers})
	return nil
}

// add writes one row: strings are literal text (cut when too long), numbers numbers, times
// dates.
func (t *table) add(values []any, question func(col int) string) error {
	if len(t.parts) == 0 || t.parts[len(t.parts)-1].row >= t.b.opts.MaxRows {
		if err := t.next(); err != nil {
			return err
		}
	}
	p := t.parts[len(t.parts)-1]
	p.row++
	for i, v := range values {
		if x, ok := v.(string); ok && len(x) > MaxCellText {
			if cut, n := t.text(x); n > 0 {
				values[i] = cut
				p.cuts = append(p.cuts, Truncation{Cell: colName(i+1) + itoa(p.row), Question: question(i), Length: n})
			}
		}
	}
	var err error
	if p.body.buf, err = t.rows.appendRow(p.body.buf, p.row, values); err != nil {
		return err
	}
	return p.body.spill(false)
}

// end ends the rows: a table without any still has its sheet, which says what it would hold.
func (t *table) end() error {
	if len(t.parts) == 0 {
		if err := t.next(); err != nil {
			return err
		}
	}
	return t.parts[len(t.parts)-1].body.finish()
}

// sheets adds the table's sheets to the workbook: excelize writes each one's panes, widths,
// header rows and table, and the zip writer splices in the rows.
func (t *table) sheets() error {
	base := t.base
	for i, p := range t.parts {
		want := base
		if i > 0 {
			want = t.b.w("continued", base, i+1)
		}
		sheet, err := t.b.newSheet(want)
		if err != nil {
			return err
		}
		if i == 0 {
			base = sheet
		}
		if err := t.sheet(sheet, tableName(base)+"_"+itoa(i+1), p); err != nil {
			return err
		}
		for _, c := range p.cuts {
			c.Sheet = sheet
			t.b.sum.Truncated = append(t.b.sum.Truncated, c)
		}
	}
	return nil
}

func (t *table) sheet(sheet, name string, p *tablePart) error {
	sw, err := t.b.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: t.headers,
		TopLeftCell: fmt.Sprintf("B%d", t.headers+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	for i, w := range t.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	row := 0
	if t.labels != nil {
		row++
		cells := make([]any, len(t.labels))
		for i, l := range t.labels {
			cells[i] = excelize.Cell{StyleID: t.b.sHeader, Value: l}
		}
		if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 45}); err != nil {
			return err
		}
	}
	row++
	cells := make([]any, len(t.keys))
	for i, k := range t.keys {
		cells[i] = excelize.Cell{StyleID: t.b.sHeader, Value: k}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", row), cells); err != nil {
		return err
	}
	err = sw.AddTable(&excelize.Table{
		Range:     fmt.Sprintf("A%d:%s%d", t.headers, colName(len(t.keys)), max(p.row, t.headers+1)),
		Name:      name,
		StyleName: "TableStyleLight9",
	})
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		return err
	}
	part, err := t.b.sheetPart(sheet)
	if err == nil {
		t.b.parts[part] = p.body
	}
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

// comments adds the comments' table and returns what writes its rows: every comment, by
// question, with its key and label, the respondent's profile as the audience may see it,
// and the text.
// With sink, the comments are those it took from the data.
func (b *book) comments(sink *commentSink) func(context.Context) (int, error) {
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
	countries := map[string]string{}
	return func(ctx context.Context) (int, error) {
		row := make([]any, len(keys))
		textCol := len(keys) - 1
		total, i := r.CommentTotal(), 0
		each := r.EachComment
		if sink != nil {
			each = sink.each
		}
		err := each(ctx, func(c reports.Comment) error {
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
				name, ok := countries[c.Profile.Country]
				if !ok {
					name = reports.CountryName(c.Profile.Country, r.Request.Language)
					countries[c.Profile.Country] = name
				}
				row[3] = name
			}
			if coordinator {
				row[4], row[5], row[6], row[7] = c.Profile.Organisation, r.RoleName(c.Profile.Role), c.Profile.Language, c.Submitted
			}
			row[textCol] = c.Text
			return t.add(row, func(int) string { return c.Question })
		})
		if err == nil {
			err = t.end()
		}
		return i, err
	}
}

// data adds the raw data's table and returns what writes its rows: one per response,
// codes and labels.
// With sink, it takes the comments of each row.
func (b *book) data(sink *commentSink) func(context.Context) (int, error) {
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
	return func(ctx context.Context) (int, error) {
		n := 0
		err := d.Rows(ctx, func(row []any) error {
			if n%2000 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				b.progress("data", n, total)
			}
			n++
			if sink != nil {
				if err := sink.take(row); err != nil {
					return err
				}
			}
			return t.add(row, question)
		})
		if err == nil {
			err = t.end()
		}
		b.progress("data", n, total)
		return n, err
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
