package xlsform

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/palabre/palabre/survey/surveytest"
)

const fruitsCSV = "name_key,name,colour\nmango,Mango,yellow\nkiwi,Kiwi,green\nmango,Other mango,red\nlime,Lime,\n"

// TestPulldata reads pulldata('file', 'column', 'key column', key) as ODK evaluates it, from
// the CSV beside the workbook: the column of the first row whose key column is the key, the
// empty text when none is; the server and the page compute it with the same expression.
func TestPulldata(t *testing.T) {
	files := fstest.MapFS{"fruits.csv": {Data: []byte(fruitsCSV)}}
	res, err := fromSheets(Sheets{
		"survey": table(`type|name|label|calculation|relevant
calculate|fixed||pulldata('fruits', 'name', 'name_key', 'mango')|
calculate|none||pulldata('fruits', 'name','name', 'mango')|
text|fruit|Fruit||
calculate|colour||pulldata("fruits.csv", 'colour', 'name_key', ${fruit})|
note|green|Green!||pulldata('fruits', 'colour', 'name_key', ${fruit}) = 'green'`),
		"settings": table("form_id|form_title\np|P"),
	}, "p.xlsx", files, ReadOptions{})
	cf := compiled(t, res, err)
	for k, want := range map[string]string{
		"fixed":  "'Mango'",
		"none":   "''",
		"colour": "concat(if(string(${fruit}) = 'mango', 'yellow', ''), if(string(${fruit}) = 'kiwi', 'green', ''))",
	} {
		if q, _, _ := res.Form.Question(k); q.Calculation != want {
			t.Errorf("%s calculation %q, want %q", k, q.Calculation, want)
		}
	}
	for fruit, want := range map[string]string{"mango": "yellow", "kiwi": "green", "lime": "", "pear": ""} {
		live := cf.Live(map[string][]string{"fruit": {fruit}})
		if live.Calculated["colour"] != want || live.Calculated["fixed"] != "Mango" || live.Visible["green"] != (want == "green") {
			t.Errorf("fruit %s: calculated %v, visible %v; want colour %q", fruit, live.Calculated, live.Visible, want)
		}
		if _, set := live.Calculated["none"]; set {
			t.Errorf("none has a value: %v", live.Calculated)
		}
	}
}

// TestPulldataRefusedPerCell refuses, on its cell, a pulldata palabre cannot read; with
// DropUnsupported the question is left out instead.
func TestPulldataRefusedPerCell(t *testing.T) {
	files := fstest.MapFS{"fruits.csv": {Data: []byte(fruitsCSV)}, "quotes.csv": {Data: []byte("k,v\na,\"it's \"\"x\"\"\"\n")}}
	sheets := Sheets{"survey": table(`type|name|label|calculation
text|k|K|
calculate|a||pulldata('missing', 'name', 'name_key', ${k})
calculate|b||pulldata('fruits', 'taste', 'name_key', ${k})
calculate|c||pulldata('fruits', 'name', 'id', ${k})
calculate|d||pulldata(${k}, 'name', 'name_key', 'mango')
calculate|e||pulldata('fruits', 'name', 'name_key')
calculate|f||pulldata('quotes', 'v', 'k', 'a')`)}
	_, err := fromSheets(sheets, "f.xlsx", files, ReadOptions{})
	want := []string{
		`f.xlsx, survey sheet, row 3, column "calculation": a: pulldata reads missing.csv: no such file beside the workbook`,
		`f.xlsx, survey sheet, row 4, column "calculation": b: pulldata reads the column "taste" of fruits.csv, which has none`,
		`f.xlsx, survey sheet, row 5, column "calculation": c: pulldata reads the column "id" of fruits.csv, which has none`,
		`f.xlsx, survey sheet, row 6, column "calculation": d: pulldata's file, column and key column must be written as texts, such as 'fruits', not ${k}`,
		`f.xlsx, survey sheet, row 7, column "calculation": e: pulldata takes 4 arguments (file, column, key column, key), not 3`,
		`f.xlsx, survey sheet, row 8, column "calculation": f: the value "it's \"x\"" of quotes.csv holds both kinds of quotes, which an expression cannot write`,
	}
	surveytest.CheckProblems(t, err, want)
	// Without the files beside the workbook, each pulldata is refused on its cell.
	_, err = fromSheets(Sheets{"survey": table("type|name|label|calculation\ncalculate|a||pulldata('fruits', 'name', 'name_key', 'kiwi')")}, "f.xlsx", nil, ReadOptions{})
	surveytest.CheckProblems(t, err, []string{`f.xlsx, survey sheet, row 2, column "calculation": a: pulldata reads fruits.csv, which is not given: put the file beside the workbook and load the workbook from its folder`})
	res, err := fromSheets(sheets, "f.xlsx", files, ReadOptions{DropUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 6 || res.Dropped[0].String() != `survey sheet, row 3: a (calculate): pulldata reads missing.csv: no such file beside the workbook` {
		t.Errorf("dropped %v", res.Dropped)
	}
}

// TestChoiceFilterOverFileChoices filters choices read from a CSV file beside the workbook,
// or from the external_choices sheet, by their other columns, whatever the case of their
// headers; a file that lists a choice twice with different columns is refused with a filter.
func TestChoiceFilterOverFileChoices(t *testing.T) {
	files := fstest.MapFS{
		"cities.csv":   {Data: []byte("name,label,Country\ndakar,Dakar,SN\nthies,Thiès,SN\nbamako,Bamako,ML\n")},
		"itemsets.csv": {Data: []byte("list_name,name,label,country\ntown,x,X,SN\ntown,x,X,ML\n")},
	}
	res, err := fromSheets(Sheets{
		"survey": table(`type|name|label|choice_filter
select_one c|country|Country|
select_one_from_file cities.csv|city|City|COUNTRY = ${country}
select_one_external zone|zone|Zone|country=${country} or name = 'z3'`),
		"choices":          table("list_name|name|label\nc|SN|Senegal\nc|ML|Mali"),
		"external_choices": table("list_name|name|label|country\nzone|z1|Z1|SN\nzone|z2|Z2|ML\nzone|z3|Z3|"),
	}, "f.xlsx", files, ReadOptions{})
	cf := compiled(t, res, err)
	city, _, _ := res.Form.Question("city")
	if city.ChoiceFilter != "COUNTRY = ${country}" || city.Choices[2].Columns["COUNTRY"] != "ML" {
		t.Errorf("city %+v", city)
	}
	live := cf.Live(map[string][]string{"country": {"ML"}})
	var excluded []string
	for _, k := range []string{"city", "zone"} {
		for c := range live.Excluded[k] {
			excluded = append(excluded, k+"."+c)
		}
	}
	slices.Sort(excluded)
	if want := []string{"city.dakar", "city.thies", "zone.z1"}; !slices.Equal(excluded, want) {
		t.Errorf("excluded for Mali %v, want %v", excluded, want)
	}
	_, err = fromSheets(Sheets{"survey": table("type|name|label|choice_filter\nselect_one c|country|Country|\nselect_one_external town|t|T|country=${country}"),
		"choices": table("list_name|name|label\nc|SN|Senegal\nc|ML|Mali")}, "f.xlsx", files, ReadOptions{})
	surveytest.CheckProblems(t, err, []string{`f.xlsx, survey sheet, row 3, column "choice_filter": t: the choice x is listed twice with different columns: palabre keeps one row per choice, so the choice_filter could not tell which holds`})
}
