package xlsform

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

func TestReadTimeDatetimeGeopointAcknowledgeRange(t *testing.T) {
	res, err := FromSheets(survey1(`time|arrived|Arrivée
dateTime|visit|Visite
geopoint|place|Lieu
acknowledge|consent|J'accepte
range|share|Part|||||start=0 end=1 step=0.1
range|down|Descente|||||start=10 end=0 step=2.5
range|score|Score|||||start=0 end=100 step=5
range|nps|NPS|||||start=0 end=10`), "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]survey.Question{
		"arrived": {Type: survey.Time}, "visit": {Type: survey.DateTime}, "place": {Type: survey.Geopoint},
		"consent": {Type: survey.Acknowledge},
		"share":   {Type: survey.Number, Min: ptr(0), Max: ptr(1), Step: ptr(0.1)},
		"down":    {Type: survey.Number, Min: ptr(0), Max: ptr(10), Step: ptr(2.5)},
		"score":   {Type: survey.Number, Min: ptr(0), Max: ptr(100), Step: ptr(5), Integer: true},
		"nps":     {Type: survey.Rating},
	}
	for key, w := range want {
		q, _, ok := res.Form.Question(key)
		if !ok {
			t.Errorf("%s: missing", key)
			continue
		}
		got := survey.Question{Type: q.Type, Min: q.Min, Max: q.Max, Step: q.Step, Integer: q.Integer}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %+v, want %+v", key, got, w)
		}
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func TestRangeStepMustDivide(t *testing.T) {
	_, err := FromSheets(survey1(`range|r|R|||||start=0 end=1 step=0.3`), "f.xlsx")
	surveytest.CheckProblems(t, err, []string{
		`f.xlsx, survey sheet, row 2, column "parameters": r: the step of a range must be positive and divide end − start`,
	})
}

const villages = "name,label::French (fr),label::English (en)\ndakar,Dakar,Dakar\nthies,Thiès,Thies\n"

func TestChoicesFromFilesBeside(t *testing.T) {
	files := fstest.MapFS{
		"villages.csv": {Data: []byte("\uFEFF" + villages)},
		"itemsets.csv": {Data: []byte("list_name;name;label;region\ncity;dakar;Dakar;dk\ncity;pikine;Pikine;dk\ncity;dakar;Dakar;other\nother;x;X;\n")},
	}
	res, err := fromSheets(survey1(`select_one_from_file villages.csv|village|Village
select one from file villages.csv|village2|Village
select_multiple_from_file villages.csv|villages|Villages
select_one_external city|city|Ville`), "f.xlsx", files, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	village := []survey.Choice{{Key: "dakar", Label: survey.Text{"fr": "Dakar", "en": "Dakar"}},
		{Key: "thies", Label: survey.Text{"fr": "Thiès", "en": "Thies"}}}
	for key, w := range map[string]survey.Question{
		"village":  {Type: survey.SingleChoice, Choices: village},
		"village2": {Type: survey.SingleChoice, Choices: village},
		"villages": {Type: survey.MultipleChoice, Choices: village},
		"city": {Type: survey.SingleChoice, Choices: []survey.Choice{{Key: "dakar", Label: survey.Text{"fr": "Dakar"}},
			{Key: "pikine", Label: survey.Text{"fr": "Pikine"}}}},
	} {
		q, _, _ := res.Form.Question(key)
		if q == nil || q.Type != w.Type || !reflect.DeepEqual(q.Choices, w.Choices) {
			t.Errorf("%s: got %+v, want %+v", key, q, w)
		}
	}
}

func TestChoicesFromFilesRefusedPerCell(t *testing.T) {
	files := fstest.MapFS{"empty.csv": {Data: []byte("name,label\n")}, "bad.csv": {Data: []byte("name,label\n\"a,b\n")}}
	_, err := fromSheets(survey1(`select_one_from_file missing.csv|a|A
select_one_from_file villages.xml|b|B
select_one_from_file empty.csv|c|C
select_one_external city|d|D
select_one_from_file ../secret.csv|e|E
select_one_from_file bad.csv|f|F
select_one_from_file|g|G`), "f.xlsx", files, ReadOptions{})
	surveytest.CheckProblems(t, err, []string{
		`f.xlsx, survey sheet, row 2, column "type": a: select_one_from_file takes its choices from missing.csv: no such file beside the workbook`,
		`f.xlsx, survey sheet, row 3, column "type": b: select_one_from_file: palabre reads choices from CSV files only, not "villages.xml"`,
		`f.xlsx, survey sheet, row 4, column "type": c: empty.csv has no choices (columns name and label)`,
		`f.xlsx, survey sheet, row 5, column "type": d: select_one_external takes its choices from itemsets.csv: no such file beside the workbook`,
		`f.xlsx, survey sheet, row 6, column "type": e: select_one_from_file takes its choices from ../secret.csv: not a file name in the workbook's folder`,
		`f.xlsx, survey sheet, row 7, column "type": f: select_one_from_file takes its choices from bad.csv: not a CSV file that can be read: parse error on line 2, column 6: extraneous or missing " in quoted-field`,
		`f.xlsx, survey sheet, row 8, column "type": g: select_one_from_file needs the name of its CSV file`,
	})
}

// TestReadFileFindsCSVBeside reads a workbook file whose choices are in a CSV file in its
// folder, as palabre validate and import do.
func TestReadFileFindsCSVBeside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "visit.xlsx")
	writeSheets(t, path, Sheets{
		"survey":   table("type|name|label\nselect_one_from_file villages.csv|village|Village"),
		"settings": table("form_id|form_title\nvisit|Visite"),
	})
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "villages.csv") {
		t.Fatalf("without the CSV: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "villages.csv"), []byte(villages), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if q, _, _ := res.Form.Question("village"); q == nil || len(q.Choices) != 2 {
		t.Errorf("village %+v", q)
	}
}

// writeSheets writes cells as an .xlsx workbook.
func writeSheets(t *testing.T, path string, sheets Sheets) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for name, rows := range sheets {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, cells := range rows {
			for c, v := range cells {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}
