package xlsform

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"strings"

	"github.com/palabre/palabre/survey"
)

// MaxChoicesFile bounds a CSV file of choices read beside a workbook, in bytes.
const MaxChoicesFile = 8 << 20

// externalItemsets is the file ODK tools read the lists of select_one_external questions from.
const externalItemsets = "itemsets.csv"

// ReadBeside reads an XLSForm workbook whose select_one_from_file and select_one_external
// questions take their choices from CSV files in files: the file the type names, or
// itemsets.csv (columns list_name, name, label) for select_one_external. Without files (Read)
// such questions are refused, each on its cell.
func ReadBeside(r io.Reader, name string, files fs.FS) (*Result, error) {
	return ReadBesideWith(r, name, files, ReadOptions{})
}

// ReadBesideWith is ReadBeside with options.
func ReadBesideWith(r io.Reader, name string, files fs.FS, opts ReadOptions) (*Result, error) {
	sheets, err := readSheets(r, name)
	if err != nil {
		return nil, err
	}
	return fromSheets(sheets, name, files, opts)
}

// fileList reads the choices of a question whose type takes them from a file: for
// select_one_from_file, the CSV file named after the type (columns name and label, label
// translated as in the choices sheet); for select_one_external, the rows of itemsets.csv whose
// list_name is the list named after the type.
func (r *reader) fileList(sh *sheet, rw row, t typeSpec, lang string) (*list, bool) {
	key, typeCol := sh.cell(rw, "name"), sh.header("type")
	file, listName := t.list, ""
	if t.base == "select_one_external" {
		file, listName = externalItemsets, t.list
	}
	switch {
	case t.list == "":
		what := "CSV file"
		if t.base == "select_one_external" {
			what = "list in " + externalItemsets
		}
		r.problem(sh, rw.n, typeCol, key, "%s needs the name of its %s", t.base, what)
		return nil, false
	case !strings.EqualFold(path.Ext(file), ".csv"):
		r.problem(sh, rw.n, typeCol, key, "%s: palabre reads choices from CSV files only, not %q", t.base, file)
		return nil, false
	}
	var fsh *sheet
	if listName != "" && r.external != nil {
		// pyxform writes itemsets.csv from the workbook's external_choices sheet.
		fsh, file = r.external, r.external.name+" sheet"
	} else {
		if r.files == nil {
			r.problem(sh, rw.n, typeCol, key, "%s takes its choices from %s, which is not given: put the file beside the workbook and load the workbook from its folder", t.base, file)
			return nil, false
		}
		rows, err := readCSV(r.files, file)
		if err != nil {
			r.problem(sh, rw.n, typeCol, key, "%s takes its choices from %s: %v", t.base, file, err)
			return nil, false
		}
		fsh = r.newSheet(file, rows)
	}
	l := &list{name: t.list}
	seen := map[string]int{}
	for _, frw := range fsh.rows {
		if listName != "" && fsh.cell(frw, "list_name") != listName {
			continue
		}
		name := fsh.cell(frw, "name")
		if name == "" {
			r.problem(fsh, frw.n, fsh.header("name"), key, "the choice has no name")
			continue
		}
		cols := extraColumns(fsh, frw)
		if i, dup := seen[name]; dup {
			// A file may list a choice once per value of a column a filter reads.
			if !maps.Equal(l.columns[i], cols) && l.repeats == "" {
				l.repeats = name
			}
			continue
		}
		seen[name] = len(l.choices)
		l.choices = append(l.choices, survey.Choice{Key: name, Label: fsh.text(frw, "label", lang)})
		l.columns = append(l.columns, cols)
	}
	if len(l.choices) == 0 {
		what := file
		if listName != "" {
			what = fmt.Sprintf("list %q of %s", listName, file)
		}
		r.problem(sh, rw.n, typeCol, key, "%s has no choices (columns name and label)", what)
		return nil, false
	}
	return l, true
}

// readCSV reads a CSV file of at most MaxChoicesFile bytes and MaxRows rows; a first line
// of "sep=;" or a header with semicolons and no commas picks the semicolon, as spreadsheets
// write it in French.
func readCSV(files fs.FS, name string) ([][]string, error) {
	if !fs.ValidPath(name) {
		return nil, errors.New("not a file name in the workbook's folder")
	}
	f, err := files.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("no such file beside the workbook")
		}
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxChoicesFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxChoicesFile {
		return nil, fmt.Errorf("larger than %d MiB", MaxChoicesFile>>20)
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	cr := csv.NewReader(strings.NewReader(text))
	first, _, _ := strings.Cut(text, "\n")
	if !strings.Contains(first, ",") && strings.Contains(first, ";") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("not a CSV file that can be read: %v", err)
	}
	if len(rows) > MaxRows {
		return nil, fmt.Errorf("more than %d rows", MaxRows)
	}
	for i, cells := range rows {
		for j, c := range cells {
			rows[i][j] = strings.ToValidUTF8(c, "\uFFFD")
		}
	}
	return rows, nil
}
