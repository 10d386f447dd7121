package xlsform

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
)

// FuzzWriteReadsBack writes every form the reader accepts and compiles, and reads the
// workbook back: the same form (same digest) and the same editions.
func FuzzWriteReadsBack(f *testing.F) {
	f.Add(textOf(kobo()))
	const settings = "\n#settings\nform_id|form_title\ns|S"
	f.Add("type|name|label::fr|label::Español (es)\nselect one l|q|Q|P\n#choices\nlist name|name|label\nl|yes|Y\nl|no|N" + settings)
	f.Add("type|name|label|appearance\nbegin group|m|M|table-list\nselect_one l|a|A|label\nselect_one l|b|B\nend group\n#choices\nlist_name|name|label\nl|1|x\nl|2|y" + settings)
	f.Add("type|name|label|parameters|constraint\nrange|r|R|start=10 end=0 step=0.5|. >= -1\ninteger|i|I||. > 3 and 10 >= ." + settings)
	f.Add("type|name|label|constraint|palabre|parameters\nselect_one l|s|S||type=single_choice\nrange|r|R||type=rating min=2|start=2 end=10 step=1\ntext|t|T|. != 'x'|max_length=3\n#choices\nlist_name|name|label\nl|yes|Y\nl|no|N\n#settings\nform_id|form_title|languages|translated_title::en\ns|S|en fr|T")
	f.Fuzz(func(t *testing.T, text string) {
		res, err := FromSheets(sheetsOf(text), "f.xlsx")
		if err != nil {
			return
		}
		if _, err := survey.Compile(res.Form); err != nil {
			return
		}

		var buf bytes.Buffer
		if err := Write(&buf, res.Form, res.Editions, Options{}); err != nil {
			if errors.Is(err, excelize.ErrCellCharsLength) {
				return // a cell longer than spreadsheets hold
			}
			t.Fatalf("write: %v", err)
		}
		back, err := Read(&buf, "back.xlsx")
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if back.Form.Digest() != res.Form.Digest() {
			a, _ := json.Marshal(res.Form)
			b, _ := json.Marshal(back.Form)
			t.Fatalf("the form read back differs:\n%s\n%s", a, b)
		}
		if !reflect.DeepEqual(back.Editions, res.Editions) {
			t.Fatalf("editions read back differ:\n%v\n%v", res.Editions, back.Editions)
		}
	})
}
