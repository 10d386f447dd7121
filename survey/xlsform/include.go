package xlsform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/palabre/palabre/survey"
)

// An include row (type include, name NAME) puts the questions of the workbook NAME.xlsx
// beside this one in its place, with that workbook's choices lists, as pyxform does when it
// converts a directory of forms. Problems in the questions included are placed on the
// include row.

// maxIncludeDepth bounds workbooks that include workbooks.
const maxIncludeDepth = 4

// expandIncludes replaces the include rows of rows by the rows of the workbooks they name.
func (r *reader) expandIncludes(sh *sheet, rows []row, lists map[string]*list, lang string, seen []string) []row {
	var out []row
	for _, rw := range rows {
		if parseType(sh.cell(rw, "type")).base != "include" {
			out = append(out, rw)
			continue
		}
		name := sh.cell(rw, "name")
		col := sh.header("name")
		file := name + ".xlsx"
		var sheets Sheets
		var err error
		switch {
		case name == "":
			err = errors.New("include needs the name of the workbook it includes")
			col = sh.header("type")
		case slices.Contains(seen, name) || len(seen) >= maxIncludeDepth:
			err = fmt.Errorf("%s includes itself, or workbooks nested more than %d deep", file, maxIncludeDepth)
		case r.files == nil:
			err = fmt.Errorf("include reads %s, which is not given: put the file beside the workbook and load the workbook from its folder", file)
		default:
			sheets, err = r.readIncluded(file)
		}
		if err != nil {
			r.problem(sh, rw.n, col, name, "%v", err)
			continue
		}
		inc := map[string]*sheet{}
		for sheetName, cells := range sheets {
			if kind, ok := sheetKind(sheetName); ok {
				inc[kind] = r.newSheet(file+" "+kind, cells)
			}
		}
		if inc["survey"] == nil {
			r.problem(sh, rw.n, col, name, "%s has no survey sheet", file)
			continue
		}
		for ln, l := range r.lists(inc["choices"], lang) {
			if have, ok := lists[ln]; ok && !sameChoices(have, l) {
				r.problem(sh, rw.n, col, name, "the choices list %q of %s differs from the list of that name here", ln, file)
				continue
			}
			lists[ln] = l
		}
		// The included rows, their cells moved to this sheet's columns (added when missing).
		index := map[int]int{}
		for _, c := range inc["survey"].columns {
			i := slices.IndexFunc(sh.columns, func(m column) bool { return m.base == c.base && m.lang == c.lang })
			if i < 0 {
				next := 0
				for _, m := range sh.columns {
					next = max(next, m.index+1)
				}
				sh.columns = append(sh.columns, column{header: c.header, base: c.base, lang: c.lang, index: next})
				i = len(sh.columns) - 1
			}
			index[c.index] = sh.columns[i].index
		}
		var included []row
		for _, irw := range inc["survey"].rows {
			moved := row{n: rw.n}
			for from, to := range index {
				if from < len(irw.cells) {
					setRowCell(&moved, to, irw.cells[from])
				}
			}
			included = append(included, moved)
		}
		out = append(out, r.expandIncludes(sh, included, lists, lang, append(seen, name))...)
		if len(out) > MaxRows {
			r.problem(sh, rw.n, col, name, "the workbooks included make the survey sheet longer than %d rows", MaxRows)
			return out[:MaxRows]
		}
	}
	return out
}

// readIncluded reads the cells of a workbook beside this one.
func (r *reader) readIncluded(file string) (Sheets, error) {
	if !fs.ValidPath(file) || strings.Contains(file, "/") {
		return nil, fmt.Errorf("include: %q is not a file name in the workbook's folder", file)
	}
	f, err := r.files.Open(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("include reads %s: no such file beside the workbook", file)
		}
		return nil, fmt.Errorf("include reads %s: %v", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxUnzipped+1))
	if err != nil {
		return nil, fmt.Errorf("include reads %s: %v", file, err)
	}
	sheets, err := readSheets(bytes.NewReader(data), file)
	if err != nil {
		var de *survey.DefinitionError
		if errors.As(err, &de) && len(de.Problems) > 0 {
			return nil, fmt.Errorf("include reads %s: %s", file, de.Problems[0].Reason)
		}
		return nil, fmt.Errorf("include reads %s: %v", file, err)
	}
	for name, rows := range sheets {
		if len(rows) > MaxRows {
			return nil, fmt.Errorf("include reads %s: its %s sheet has more than %d rows", file, name, MaxRows)
		}
		sheets[name] = clip(rows)
	}
	return sheets, nil
}

// sameChoices reports whether two lists have the same choices, names and labels.
func sameChoices(a, b *list) bool {
	return slices.EqualFunc(a.choices, b.choices, func(x, y survey.Choice) bool {
		return x.Key == y.Key && maps.Equal(x.Label, y.Label)
	})
}
