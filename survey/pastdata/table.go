package pastdata

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is an export's cells: its header and its rows, each with its number in the file.
type Table struct {
	Header []string
	Rows   []Row
}

// Row is one row of an export below the header.
type Row struct {
	N     int // the row's number as a spreadsheet shows it (the header is row 1)
	Cells []string
}

// Cell returns the row's cell in column i, "" past its end.
func (r Row) Cell(i int) string {
	if i >= 0 && i < len(r.Cells) {
		return r.Cells[i]
	}
	return ""
}

// ReadTable reads an export: XLSX when name ends in .xlsx or the data starts as a zip
// file, CSV otherwise. Entirely empty rows are skipped.
func ReadTable(name string, data []byte) (*Table, error) {
	if strings.EqualFold(filepath.Ext(name), ".xlsx") || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data)
	}
	return readCSV(data)
}

func readXLSX(data []byte) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX workbook: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errors.New("the workbook has no sheet")
	}
	// Kobo puts the responses in the first sheet, repeat groups in the next ones.
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("sheet %s: %w", sheets[0], err)
	}
	defer rows.Close()
	var cells [][]string
	for rows.Next() {
		// Raw values: a date stays its serial number, which Read converts, rather than
		// whatever the cell's format shows (11/20/19).
		c, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", sheets[0], err)
		}
		cells = append(cells, c)
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", sheets[0], err)
	}
	return tableOf(cells, func(i int) int { return i + 1 })
}

// readCSV reads CSV separated by commas or semicolons (Kobo's default), whichever the
// header holds more of, after an optional UTF-8 byte order mark.
func readCSV(data []byte) (*Table, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, errors.New("the CSV file is not UTF-8 text: export it as UTF-8")
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	} else if bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")) {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var cells [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV: %w", err)
		}
		cells = append(cells, rec)
	}
	// A CSV row is numbered as a spreadsheet opening the file numbers it: by record, the
	// header being 1, whatever line breaks quoted cells hold.
	return tableOf(cells, func(i int) int { return i + 1 })
}

func tableOf(cells [][]string, number func(int) int) (*Table, error) {
	if len(cells) == 0 {
		return nil, errors.New("the file is empty")
	}
	t := &Table{}
	for _, h := range cells[0] {
		t.Header = append(t.Header, strings.TrimSpace(h))
	}
	for len(t.Header) > 0 && t.Header[len(t.Header)-1] == "" {
		t.Header = t.Header[:len(t.Header)-1]
	}
	if len(t.Header) == 0 {
		return nil, errors.New("the first row, which names the columns, is empty")
	}
	for i, c := range cells[1:] {
		empty := true
		for _, s := range c {
			if strings.TrimSpace(s) != "" {
				empty = false
				break
			}
		}
		if !empty {
			t.Rows = append(t.Rows, Row{N: number(i + 1), Cells: c})
		}
	}
	return t, nil
}
