package xlsform

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
)

// sheetsOf reads a workbook written as text: "#name" lines start a sheet, then one row per
// line with cells separated by "|".
func sheetsOf(s string) Sheets {
	out := Sheets{}
	current := "survey"
	for _, line := range strings.Split(s, "\n") {
		if name, ok := strings.CutPrefix(line, "#"); ok {
			current = name
			continue
		}
		out[current] = append(out[current], strings.Split(line, "|"))
	}
	return out
}

func textOf(s Sheets) string {
	var b strings.Builder
	for _, name := range []string{"survey", "choices", "settings", "editions", "external_choices"} {
		fmt.Fprintf(&b, "#%s\n", name)
		for _, row := range s[name] {
			b.WriteString(strings.Join(row, "|") + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// FuzzReadXLSForm feeds workbooks' cells, type strings and column headers included, to the
// reader: it must never panic, must refuse with a list of placed problems, and what it
// accepts must be safe to compile.
func FuzzReadXLSForm(f *testing.F) {
	f.Add(textOf(kobo()))
	f.Add("type|name|label::fr|label::Español (es)\nselect one l|q|Q|P\n#choices\nlist name|name|label\nl|yes|Y\nl|no|N")
	f.Add("type|name|label|appearance\nbegin group|m|M|table-list\nselect_one l|a|A|label\nselect_one l|b|B\nend group\n#choices\nlist_name|name|label\nl|1|x\nl|2|y")
	f.Add("type|name|label|parameters|constraint\nrange|r|R|start=10 end=0 step=0.5|. >= -1\ninteger|i|I||. > 3 and 10 >= .")
	f.Add("type|name|label|calculation|choice_filter\ninteger|n|N\ncalculate|c||round(${n} div 3, 1)\nselect_one l|k|K||g = ${c} or name = 'x'\n#choices\nlist_name|name|label|g|image\nl|x|X|1|a.png\nl|y|Y|0.3\n#settings\nform_id\nf")
	f.Add("type|name|label\nbegin group|a|A\nbegin_group|b||${x} = 1\nselect one from l or specify other|c|\nend group\nend_group\nbegin repeat|r\nimage|i\nend repeat\ncalculate|k\ntext|t|T||${k}\n#choices\nlist name|name|label:English\nl|x|X\nl|y\n#settings\nid_string|title\nMy Form|")
	f.Add("type|name|label|calculation|default|choice_filter\nbegin loop over l|lp|L\ninteger|n|%(label)s\ntext|%(name)s_t|T|||${n} > 1\nbegin_loop over l|in\nnote|x|%(name)s\nend_loop\nend loop\nhidden|h|||it's\nnote|nc|N|1+1\ncalculate|p||pulldata('f', 'a', 'b', ${lp_x_n})\nselect_one_external e|s|S|||g = ${nc}\nbarcode|b|B\ntrigger|tr|T\n#choices\nlist_name|name|label\nl|x|X\nl|y|Y\nl|none|None\n#external_choices\nlist_name|name|label|g\ne|a|A|1\ne|b|B|2")
	for _, seed := range pyxformSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tm := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("slow: %q", text)) })
		defer tm.Stop()
		drop := strings.HasPrefix(text, "!") // read leaving out what palabre cannot collect
		res, err := FromSheetsWith(sheetsOf(strings.TrimPrefix(text, "!")), "f.xlsx", ReadOptions{DropUnsupported: drop})
		if err != nil {
			var de *survey.DefinitionError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("error %v is not a list of problems", err)
			}
			for _, p := range de.Problems {
				if !strings.HasPrefix(p.Source, "f.xlsx") {
					t.Fatalf("problem %q is not placed", p)
				}
			}
			return
		}
		if len(res.Dropped) > 0 && !drop {
			t.Fatalf("questions dropped without DropUnsupported: %v", res.Dropped)
		}
		for _, d := range res.Dropped {
			if d.Sheet == "" || d.Row < 2 || d.Reason == "" {
				t.Fatalf("dropped question %+v is not placed", d)
			}
		}
		cf, err := survey.Compile(res.Form)
		var de *survey.DefinitionError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("compile: %v", err)
		}
		if err != nil {
			for _, p := range de.Problems {
				if res.Source(p.Field) == "" {
					t.Fatalf("problem %q cannot be placed", p)
				}
			}
			return
		}
		for _, e := range res.Editions {
			if err := survey.CheckEdition(e); err != nil {
				t.Fatalf("accepted edition: %v", err)
			}
		}
		_ = cf.Form.Digest()
	})
}

// pyxformSeeds are pyxform's example workbooks (testdata/pyxform) written as text, each read
// as it is and leaving out what palabre cannot collect.
func pyxformSeeds(tb testing.TB) []string {
	files, err := filepath.Glob("testdata/pyxform/*.xlsx")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no pyxform examples: %v", err)
	}
	var out []string
	for _, path := range files {
		wb, err := excelize.OpenFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		sheets := Sheets{}
		for _, name := range wb.GetSheetList() {
			kind, ok := sheetKind(name)
			if !ok {
				continue
			}
			rows, err := wb.GetRows(name, excelize.Options{RawCellValue: true})
			if err != nil {
				tb.Fatal(err)
			}
			for i, r := range rows { // the text form separates cells with | and rows with newlines
				for j, c := range r {
					rows[i][j] = strings.NewReplacer("|", "/", "\n", " ", "\r", " ").Replace(c)
				}
			}
			sheets[kind] = rows
		}
		wb.Close()
		text := textOf(sheets)
		out = append(out, text, "!"+text)
	}
	return out
}
