package audit

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// Columns are the CSV export's columns, in order.
var Columns = []string{"time_utc", "user_id", "email", "action", "survey", "target", "detail", "address", "request"}

// bom makes Excel read the file as UTF-8.
const bom = "\uFEFF"

// WriteCSV writes entries as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted
// when they hold a comma, a quote or a line break), in UTF-8 after a byte order mark so that
// Excel opens accents correctly, with a header row of Columns. Times are UTC in RFC 3339.
// Line breaks inside a cell are written as line feeds.
//
// Every cell that a spreadsheet would read as a formula (one starting with =, +, -, @, a tab
// or a line break) is written with a leading apostrophe, so that opening the export
// never runs what a user typed (CSV injection). The apostrophe is part of the cell: a
// program reading the file back sees it.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw, err := NewCSVWriter(w)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := cw.Write(e); err != nil {
			return err
		}
	}
	return cw.Close()
}

// CSVWriter writes entries one at a time, for exports too long to hold in memory.
type CSVWriter struct{ w *csv.Writer }

// NewCSVWriter writes the byte order mark and the header row.
func NewCSVWriter(w io.Writer) (*CSVWriter, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Columns); err != nil {
		return nil, err
	}
	return &CSVWriter{w: cw}, nil
}

// Write writes one entry.
func (c *CSVWriter) Write(e Entry) error {
	row := []string{e.At.UTC().Format(time.RFC3339), e.UserID, e.Email, e.Action, e.Survey, e.Target, e.Detail, e.Address, e.Request}
	for i := range row {
		row[i] = Neutralise(lineEnds.Replace(row[i]))
	}
	return c.w.Write(row)
}

// Close flushes what is buffered.
func (c *CSVWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// lineEnds makes every line break inside a cell a line feed, which readers give back as it
// is (a lone carriage return is lost by some).
var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// Neutralise returns s with a leading apostrophe when a spreadsheet would take it for a
// formula.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}

// Export writes every entry f selects (its Limit and Offset ignored) as CSV, newest first,
// reading the store a page at a time. Without an upper bound it stops at the time it began,
// so that entries recorded meanwhile do not shift the pages.
func Export(ctx context.Context, w io.Writer, s Store, f Filter) error {
	cw, err := NewCSVWriter(w)
	if err != nil {
		return err
	}
	if f.To.IsZero() {
		f.To = time.Now().Truncate(time.Second)
	}
	f.Limit, f.Offset = MaxLimit, 0
	for {
		page, err := s.Entries(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := cw.Write(e); err != nil {
				return err
			}
		}
		if len(page) < f.Limit {
			return cw.Close()
		}
		f.Offset += len(page)
	}
}
