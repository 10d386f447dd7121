package xlsform

import (
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

const header = "type|name|label|required|relevant|constraint|appearance|parameters|choice_filter|changed_in\n"

// TestProblems checks that each unsupported construct and mistake is reported with its sheet,
// row and column.
func TestProblems(t *testing.T) {
	tests := []struct {
		name   string
		sheets Sheets
		want   []string
	}{
		{"unsupported types", survey1(`calculate|total|Total
geopoint|where|Où
image|photo|Photo
select_one_from_file villages.csv|village|Village
select one from file villages.csv|village2|Village
time|when|Quand
rank sat|order|Ordre`), []string{
			`f.xlsx, survey sheet, row 2, column "calculation": total: a calculate question needs a calculation`,
			`f.xlsx, survey sheet, row 4, column "type": photo: type image: files and media are not collected`,
			`f.xlsx, survey sheet, row 5, column "type": village: select_one_from_file takes its choices from villages.csv, which is not given: put the file beside the workbook and load the workbook from its folder`,
			`f.xlsx, survey sheet, row 6, column "type": village2: select_one_from_file takes its choices from villages.csv, which is not given: put the file beside the workbook and load the workbook from its folder`,
			`f.xlsx, survey sheet, row 8, column "type": order: type rank: ranking is not supported`,
		}},
		{"repeat", survey1(`begin_repeat|children|Enfants
text|child|Prénom
end_repeat`), []string{
			`f.xlsx, survey sheet, row 2, column "type": children: repeats are not supported: palabre collects one answer per question`,
		}},
		{"typos and lists", survey1(`interger|age|Âge
select_one|q1|Q
select_one satisfaction|q2|Q
select_one sat or_other|q3|Q
select_multiple sat extra|q4|Q
select one from nolist or specify other|q5|Q`), []string{
			`f.xlsx, survey sheet, row 2, column "type": age: unknown type "interger" (did you mean integer?)`,
			`f.xlsx, survey sheet, row 3, column "type": q1: select_one needs the name of a choices list`,
			`f.xlsx, survey sheet, row 4, column "type": q2: there is no choices list "satisfaction" in the choices sheet`,
			`f.xlsx, survey sheet, row 6, column "type": q4: unexpected "extra" after the type`,
			`f.xlsx, survey sheet, row 7, column "type": q5: there is no choices list "nolist" in the choices sheet`,
		}},
		{"cells", survey1(`text|q1|Q|if(${x}, true(), false())
text||Q
text|q3|Q||||||${q1} = 'a'
text|q4|Q||||search('x')
text|q5|Q|||||||1990
range|q6|Q|||||start=0 end=10 step=3
range|q7|Q|||||min=0`), []string{
			`f.xlsx, survey sheet, row 2, column "required": q1: "if(${x}, true(), false())": palabre supports required yes or no, not a condition`,
			`f.xlsx, survey sheet, row 3, column "name": the question has no name`,
			`f.xlsx, survey sheet, row 4, column "choice_filter": q3: only a select_one or select_multiple question can have a choice_filter`,
			`f.xlsx, survey sheet, row 5, column "appearance": q4: search() appearances read external data, which is not supported`,
			`f.xlsx, survey sheet, row 6, column "changed_in": q5: "1990" is not a year between 2000 and 2100`,
			`f.xlsx, survey sheet, row 7, column "parameters": q6: the step of a range must be positive and divide end − start`,
			`f.xlsx, survey sheet, row 8, column "parameters": q7: unknown range parameter "min": a range takes start, end and step`,
		}},
		{"groups", survey1(`begin_group|outer|Dehors
begin_group|inner|Dedans
text|q1|Q
end_group
end_group
end_group
begin_group|open|Ouvert
text|q2|Q`), []string{
			`f.xlsx, survey sheet, row 7, column "type": end_group without a matching begin_group`,
			`f.xlsx, survey sheet, row 8, column "type": open: begin_group has no matching end`,
		}},
		{"matrix rows", survey1(`begin_group|m|Matrice||||table-list
select_one sat|a|A|yes
select_one sat|b|B||${x} = 1
end_group`), []string{
			`f.xlsx, survey sheet, row 4, column "required": m: the rows of a matrix are either all required or none`,
			`f.xlsx, survey sheet, row 4, column "relevant": m: a row of a matrix cannot have its own relevant: set it on the group`,
		}},
		{"headers", Sheets{
			"survey":   table("type|name|label|label::ⵜⴰⵎⴰⵣⵉⵖⵜ|label|hint::Bambara (bm)\ntext|q|Q||"),
			"settings": table("form_id|version|default_language\n-|v1.2|ⵜⴰⵎⴰⵣⵉⵖⵜ"),
		}, []string{
			`f.xlsx, survey sheet, row 1, column "label::ⵜⴰⵎⴰⵣⵉⵖⵜ": cannot tell the language of "ⵜⴰⵎⴰⵣⵉⵖⵜ": write it with its code, such as "Wolof (wo)"`,
			`f.xlsx, survey sheet, row 1, column "label": the column is given twice`,
			`f.xlsx, settings sheet, row 2, column "default_language": default_language: cannot tell the language of "ⵜⴰⵎⴰⵣⵉⵖⵜ": write it as a code such as fr, or as "French (fr)"`,
			`f.xlsx, settings sheet, row 2, column "version": version: "v1.2" is not a whole number between 1 and 2147483647 (a date-like version such as 2024101501 is fine)`,
			`f.xlsx, settings sheet, row 2, column "form_id": survey: form_id "-" must be lower-case letters, digits, '-' or '_' (at most 64)`,
		}},
		{"version too large", Sheets{
			"survey":   table("type|name|label\ntext|q|Q"),
			"settings": table("form_id|version\ns|3000000000"),
		}, []string{
			`f.xlsx, settings sheet, row 2, column "version": version: "3000000000" is not a whole number between 1 and 2147483647 (a date-like version such as 2024101501 is fine)`,
		}},
		{"editions", Sheets{
			"survey":   table("type|name|label\ntext|q|Q"),
			"settings": table("form_id|version\ns|2"),
			"editions": table("year|opens|closes|invited|form_version\n2025|2025-13-01\n2024|2024-11-10|2024-11-01\n2023\n2023\n|2022-01-01\n2021|||-3|3"),
		}, []string{
			`f.xlsx, editions sheet, row 2, column "opens": editions: "2025-13-01" is not a date (write it YYYY-MM-DD)`,
			`f.xlsx, editions sheet, row 3, column "closes": editions: edition 2024 closes (2024-11-01) before it opens (2024-11-10)`,
			`f.xlsx, editions sheet, row 5, column "year": editions: edition 2023 is listed twice (first on row 4)`,
			`f.xlsx, editions sheet, row 6, column "year": editions: an edition needs a year`,
			`f.xlsx, editions sheet, row 7, column "invited": editions: "-3" is not a whole number between 0 and 1000000`,
			`f.xlsx, editions sheet, row 7, column "form_version": editions: "3" is not a whole number between 1 and 2`,
		}},
		{"choices", Sheets{
			"survey":  table("type|name|label\nselect_one l|q|Q"),
			"choices": table("list_name|name|label\nl|a|A\n|b|B\nl||C"),
		}, []string{
			`f.xlsx, choices sheet, row 3, column "list_name": the choice has no list_name`,
			`f.xlsx, choices sheet, row 4, column "name": l: the choice has no name`,
		}},
		{"no survey sheet", Sheets{"settings": table("form_id\ns")}, []string{`f.xlsx: the workbook has no "survey" sheet`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromSheets(tt.sheets, "f.xlsx")
			surveytest.CheckProblems(t, err, tt.want)
		})
	}
}

// survey1 is a workbook with the given survey rows under a fixed header, a list "sat" and
// valid settings.
func survey1(rows string) Sheets {
	return Sheets{
		"survey":   table(header + rows),
		"choices":  table("list_name|name|label\nsat|1|Bad\nsat|2|Good"),
		"settings": table("form_id|form_title\ns|S"),
	}
}

func TestFormIDFromFileName(t *testing.T) {
	res, err := FromSheets(Sheets{"survey": table("type|name|label\ntext|q|Q")}, "dir/family-support.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if res.Form.SurveyID != "family-support" || res.Form.Version != 1 || res.Form.Title["fr"] != "family-support" || len(res.Warnings) != 2 {
		t.Errorf("id %q version %d title %v warnings %v", res.Form.SurveyID, res.Form.Version, res.Form.Title, res.Warnings)
	}
	res, err = FromSheets(Sheets{"survey": table("type|name|label\ntext|q|Q")}, "Mon Enquête.xls.xlsx")
	if err != nil || res.Form.SurveyID != "mon-enquete" {
		t.Errorf("from Mon Enquête.xls.xlsx: %v %v", res, err)
	}
	_, err = FromSheets(Sheets{"survey": table("type|name|label\ntext|q|Q")}, "Été.xlsx")
	if err != nil {
		t.Error(err)
	}
	_, err = FromSheets(Sheets{"survey": table("type|name|label\ntext|q|Q")}, "¿?.xlsx")
	surveytest.CheckProblems(t, err, []string{`¿?.xlsx: survey: the settings sheet needs a form_id: the survey's stable name, such as partners-meeting`})
}

func TestMatrixRequiredByGroup(t *testing.T) {
	res, err := FromSheets(survey1(`begin_group|m|M|yes|||table-list
select_one sat|a|A
select_one sat|b|B|no
end_group`), "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	q, _, ok := res.Form.Question("m")
	if !ok || q.Type != survey.Matrix || !q.Required || len(q.Items) != 2 {
		t.Errorf("matrix %+v", q)
	}
}
