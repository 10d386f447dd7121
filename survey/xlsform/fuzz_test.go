package xlsform

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

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
	for _, name := range []string{"survey", "choices", "settings", "editions"} {
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
	f.Fuzz(func(t *testing.T, text string) {
		tm := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("slow: %q", text)) })
		defer tm.Stop()
		res, err := FromSheets(sheetsOf(text), "f.xlsx")
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
