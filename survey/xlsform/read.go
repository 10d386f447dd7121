package xlsform

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
)

// Result is what a workbook defines. Its form has not been compiled: survey.Compile checks
// it, and Source places the problems Compile reports.
type Result struct {
	Form     *survey.Form
	Editions []survey.Edition
	// Warnings are what was read but has no effect in palabre: metadata questions,
	// appearances that only change the layout in ODK, columns palabre does not use.
	Warnings []survey.Problem
	// Dropped are the questions left out because palabre cannot collect them, when the
	// workbook was read with ReadOptions.DropUnsupported; empty otherwise.
	Dropped []Dropped
	sources map[string]string
}

// ReadOptions change how a workbook is read.
type ReadOptions struct {
	// DropUnsupported leaves out the questions palabre cannot collect (repeats and what
	// they hold, media, locations, calculations…) instead of refusing the workbook, and
	// lists each in Result.Dropped. Mistakes (an unknown type, a missing list) are still
	// refused.
	DropUnsupported bool
}

// Dropped is a question left out of a form read with ReadOptions.DropUnsupported.
type Dropped struct {
	Sheet  string `json:"sheet"`
	Row    int    `json:"row"`
	Name   string `json:"name"`
	Type   string `json:"type"`   // the type cell as written
	Reason string `json:"reason"` // why palabre cannot collect it
}

// String writes a dropped question as `survey sheet, row 7: photo (image): files and media
// are not collected`.
func (d Dropped) String() string {
	name := d.Name
	if name == "" {
		name = "(no name)"
	}
	return fmt.Sprintf("%s sheet, row %d: %s (%s): %s", d.Sheet, d.Row, name, d.Type, d.Reason)
}

// Source returns where the question, group or setting a survey.Problem names (its Field) is
// defined, such as `form.xlsx, survey sheet, row 7`; the file name when it is not known.
func (r *Result) Source(field string) string {
	if s, ok := r.sources[field]; ok {
		return s
	}
	if s, ok := r.sources[strings.TrimSuffix(field, " items")]; ok {
		return s
	}
	return r.sources[""]
}

// Limits on the workbooks Read opens, so that a hostile file costs little.
const (
	MaxUnzipped       = 64 << 20 // bytes, all parts of the workbook
	MaxUnzippedPart   = 16 << 20 // bytes, one worksheet
	MaxRows           = 10000    // rows of one sheet
	MaxColumns        = 200      // columns of one sheet
	maxCellCharacters = 32767    // what Excel itself allows
)

// Read reads an XLSForm workbook (.xlsx); name says where it comes from in problems. Its
// errors are a *survey.DefinitionError listing every problem with its sheet, row and column.
func Read(r io.Reader, name string) (*Result, error) {
	return ReadWith(r, name, ReadOptions{})
}

// ReadWith is Read with options.
func ReadWith(r io.Reader, name string, opts ReadOptions) (*Result, error) {
	sheets, err := readSheets(r, name)
	if err != nil {
		return nil, err
	}
	return fromSheets(sheets, name, nil, opts)
}

// readSheets reads the cells of a workbook's XLSForm sheets.
func readSheets(r io.Reader, name string) (Sheets, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxUnzippedPart})
	if err != nil {
		return nil, &survey.DefinitionError{Problems: []survey.Problem{{Source: name,
			Reason: "not an .xlsx workbook that can be read: " + err.Error()}}}
	}
	defer f.Close()
	sheets := Sheets{}
	list := f.GetSheetList()
	for _, sh := range list {
		if _, ok := sheetKind(sh); !ok && len(list) > 1 {
			continue
		}
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &survey.DefinitionError{Problems: []survey.Problem{{Source: name + ", " + sh + " sheet",
				Reason: "cannot be read: " + err.Error()}}}
		}
		booleans(f, sh, rows)
		sheets[sh] = rows
	}
	return sheets, nil
}

// booleans writes the cells of a sheet that hold a boolean, which excelize reads raw as 0 or
// 1, as pyxform reads them: TRUE or FALSE (a question may be named FALSE).
func booleans(f *excelize.File, sheet string, rows [][]string) {
	for i, cells := range rows {
		for j, c := range cells {
			if c != "0" && c != "1" {
				continue
			}
			ref, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				continue
			}
			if t, err := f.GetCellType(sheet, ref); err == nil && t == excelize.CellTypeBool {
				cells[j] = map[string]string{"0": "FALSE", "1": "TRUE"}[c]
			}
		}
	}
}

// ReadFile reads the XLSForm workbook at path, with the CSV files of choices beside it
// (see ReadBeside).
func ReadFile(path string) (*Result, error) {
	return ReadFileWith(path, ReadOptions{})
}

// ReadFileWith is ReadFile with options.
func ReadFileWith(path string, opts ReadOptions) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read xlsform: %w", err)
	}
	defer f.Close()
	return ReadBesideWith(f, path, os.DirFS(filepath.Dir(path)), opts)
}

// Sheets holds a workbook's cells as text, by sheet name: rows, then cells, from A1. Numbers
// are written as spreadsheets store them ("3", "2024101501"), dates as their serial number or
// as YYYY-MM-DD.
type Sheets map[string][][]string

// sheetKind tells which XLSForm sheet a worksheet is, whatever the case of its name.
func sheetKind(name string) (string, bool) {
	switch k := strings.ToLower(strings.TrimSpace(name)); k {
	case "survey", "choices", "settings", "editions", "external_choices":
		return k, true
	}
	return "", false
}

// FromSheets reads a workbook already split into cells. Read uses it; it is exported for
// callers that get the cells another way.
func FromSheets(sheets Sheets, name string) (*Result, error) {
	return FromSheetsWith(sheets, name, ReadOptions{})
}

// FromSheetsWith is FromSheets with options.
func FromSheetsWith(sheets Sheets, name string, opts ReadOptions) (*Result, error) {
	return fromSheets(sheets, name, nil, opts)
}

// FromSheetsBeside is FromSheetsWith for a workbook whose files (the CSV files of
// select_one_from_file, select_one_external and pulldata) are in files, as ReadBeside reads.
func FromSheetsBeside(sheets Sheets, name string, files fs.FS, opts ReadOptions) (*Result, error) {
	return fromSheets(sheets, name, files, opts)
}

func fromSheets(sheets Sheets, name string, files fs.FS, opts ReadOptions) (*Result, error) {
	r := &reader{file: name, sources: map[string]string{"": name}, files: files, opts: opts}
	byKind := map[string]*sheet{}
	for sheetName, rows := range sheets {
		kind, ok := sheetKind(sheetName)
		if !ok && len(sheets) == 1 && strings.TrimSpace(sheetName) != "" {
			// A workbook of one sheet is a survey sheet whatever its name, as pyxform reads it.
			kind, ok = "survey", true
			r.warnings = append(r.warnings, survey.Problem{Source: name + ", " + sheetName + " sheet",
				Reason: fmt.Sprintf(`the only sheet, %q, is read as the "survey" sheet`, sheetName)})
		}
		if !ok {
			continue
		}
		if byKind[kind] != nil {
			return nil, &survey.DefinitionError{Problems: []survey.Problem{{Source: name,
				Reason: fmt.Sprintf("two sheets are called %q", kind)}}}
		}
		if len(rows) > MaxRows {
			return nil, &survey.DefinitionError{Problems: []survey.Problem{{Source: name + ", " + sheetName + " sheet",
				Reason: fmt.Sprintf("more than %d rows", MaxRows)}}}
		}
		byKind[kind] = r.newSheet(sheetName, clip(rows))
	}
	if byKind["survey"] == nil {
		return nil, &survey.DefinitionError{Problems: []survey.Problem{{Source: name,
			Reason: `the workbook has no "survey" sheet`}}}
	}
	res := r.workbook(byKind)
	if len(r.problems) > 0 {
		return nil, &survey.DefinitionError{Problems: r.problems}
	}
	res.Warnings = r.warnings
	res.Dropped = r.dropped
	res.sources = r.sources
	return res, nil
}

// clip copies a sheet's cells, at most MaxColumns a row and maxCellCharacters*4 bytes a
// cell, as valid UTF-8.
func clip(rows [][]string) [][]string {
	clipped := make([][]string, len(rows))
	for i, cells := range rows {
		cells = cells[:min(len(cells), MaxColumns)]
		clipped[i] = make([]string, len(cells))
		for j, c := range cells {
			if len(c) > maxCellCharacters*4 {
				c = c[:maxCellCharacters*4]
			}
			clipped[i][j] = strings.ToValidUTF8(c, "\uFFFD")
		}
	}
	return clipped
}
