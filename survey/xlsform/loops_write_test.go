package xlsform_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/palabre/palabre/survey/xlsform"
)

// constructsForm is a workbook with a loop, hidden fields, a barcode, a trigger, a note with
// a calculation, a choice_filter over choices from a file and a pulldata, and the CSV files
// beside it.
func constructsForm() (xlsform.Sheets, fstest.MapFS) {
	return xlsform.Sheets{
			"survey": rows(`type|name|label::English (en)|label::French (fr)|calculation|default|choice_filter|relevant
select_one places|place|Place|Lieu||||
begin loop over rooms|rooms|Rooms|Pièces||||
integer|count|How many %(label)s?|Combien de %(label)s ?||||
text|%(name)s_note|Note on %(label)s|Note sur %(label)s||||${count} > 0
end loop
hidden|campaign||||spring||
note|total|Total|Total|${rooms_chairs_count} + ${rooms_tables_count}|||
select_one_from_file towns.csv|town|Town|Ville|||region = ${place}|
calculate|code|||pulldata('towns', 'code', 'name', ${town})|||
barcode|ticket|Ticket|Ticket||||
trigger|seen|Seen|Vu||||`),
			"choices":  rows("list_name|name|label::English (en)|label::French (fr)\nplaces|north|North|Nord\nplaces|south|South|Sud\nrooms|chairs|chairs|chaises\nrooms|tables|tables|tables"),
			"settings": rows("form_id|form_title|default_language\nconstructs|Constructs|English (en)"),
		}, fstest.MapFS{
			"towns.csv": {Data: []byte("name,label::English (en),label::French (fr),region,code\nport,Port,Port,north,P1\nhill,Hill,Colline,south,H2\ncove,Cove,Anse,north,C3\n")},
		}
}

// TestConstructsRoundTrip writes a form read with loops, hidden fields, notes with a
// calculation, file choices filtered and pulldata as an XLSForm that reads back the same.
func TestConstructsRoundTrip(t *testing.T) {
	sh, files := constructsForm()
	res, err := xlsform.FromSheetsBeside(sh, "constructs.xlsx", files, xlsform.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, q := range res.Form.Questions() {
		keys = append(keys, q.Key+":"+string(q.Type))
	}
	want := []string{"place:single_choice", "rooms_chairs_count:number", "chairs_note:text", "rooms_tables_count:number",
		"tables_note:text", "campaign:calculate", "total:calculate", "town:single_choice", "code:calculate", "ticket:text", "seen:acknowledge"}
	if !slices.Equal(keys, want) {
		t.Errorf("questions %v, want %v", keys, want)
	}
	roundTrip(t, res.Form, nil, xlsform.Options{})
}
