package xlsform

import (
	"bytes"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// workbookBytes writes sheets as an .xlsx workbook in memory.
func workbookBytes(t *testing.T, sheets Sheets) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for name, rows := range sheets {
		if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, cells := range rows {
			for c, v := range cells {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellStr(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInclude puts the questions of the workbook an include row names in its place, with
// its choices lists, as pyxform does when it converts a folder of forms.
func TestInclude(t *testing.T) {
	files := fstest.MapFS{
		"household.xlsx": {Data: workbookBytes(t, Sheets{
			"survey":  table("type|name|label::English (en)|hint\nselect one from yes_or_no|good_day|Good day?|\ninteger|size|Size|people\ninclude|ages"),
			"choices": table("list name|name|label::English (en)\nyes_or_no|yes|yes\nyes_or_no|no|no"),
		})},
		"ages.xlsx": {Data: workbookBytes(t, Sheets{"survey": table("type|name|label::English (en)\ninteger|age|Age")})},
		"loop.xlsx": {Data: workbookBytes(t, Sheets{"survey": table("type|name|label\ninclude|loop")})},
		"other.xlsx": {Data: workbookBytes(t, Sheets{"survey": table("type|name|label\nselect_one sat|s|S"),
			"choices": table("list_name|name|label\nsat|1|One\nsat|9|Nine")})},
	}
	res, err := fromSheets(Sheets{
		"survey":   table("type|name|label::English (en)\ntext|name|Name\ninclude|household|Household section\ntext|last|Last"),
		"settings": table("form_id|form_title|default_language\ni|I|English (en)"),
	}, "main.xlsx", files, ReadOptions{})
	compiled(t, res, err)
	var keys []string
	for _, q := range res.Form.Questions() {
		keys = append(keys, q.Key+":"+string(q.Type))
	}
	if want := []string{"name:text", "good_day:yes_no", "size:number", "age:number", "last:text"}; !slices.Equal(keys, want) {
		t.Errorf("questions %v, want %v", keys, want)
	}
	if q, _, _ := res.Form.Question("size"); q.Hint[survey.English] != "people" || q.Label[survey.English] != "Size" {
		t.Errorf("size %+v", q)
	}
	if src := res.Source("age"); src != "main.xlsx, survey sheet, row 3" {
		t.Errorf("age is placed at %q, want the include row", src)
	}
	for _, tt := range []struct{ rows, want string }{
		{"include|missing", `f.xlsx, survey sheet, row 2, column "name": missing: include reads missing.xlsx: no such file beside the workbook`},
		{"include|loop", `f.xlsx, survey sheet, row 2, column "name": loop: loop.xlsx includes itself, or workbooks nested more than 4 deep`},
		{"include|other", `f.xlsx, survey sheet, row 2, column "name": other: the choices list "sat" of other.xlsx differs from the list of that name here`},
		{"include|", `f.xlsx, survey sheet, row 2, column "type": include needs the name of the workbook it includes`},
	} {
		_, err := fromSheets(survey1(tt.rows), "f.xlsx", files, ReadOptions{})
		surveytest.CheckProblems(t, err, []string{tt.want})
	}
	_, err = fromSheets(survey1("include|household"), "f.xlsx", nil, ReadOptions{})
	surveytest.CheckProblems(t, err, []string{`f.xlsx, survey sheet, row 2, column "name": household: include reads household.xlsx, which is not given: put the file beside the workbook and load the workbook from its folder`})
}
