package pastdata_test

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/pastdata"
	"github.com/palabre/palabre/survey/xlsform"
)

// TestLoopColumns reads an export of an XLSForm with a loop: Kobo writes a loop's question as
// loop/choice/question (ODK Central with '-'), palabre keys it loop_choice_question. A column
// naming a group and a question of its own still reads as that question.
func TestLoopColumns(t *testing.T) {
	table := func(s string) [][]string {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, "|"))
		}
		return rows
	}
	res, err := xlsform.FromSheets(xlsform.Sheets{
		"survey": table(`type|name|label
integer|rooms|Rooms
begin loop over things|l1|Count
integer|q1|How many %(label)s?
end loop
integer|grp_q|Other`),
		"choices":  table("list_name|name|label\nthings|chairs|Chairs\nthings|tables|Tables"),
		"settings": table("form_id|form_title\nloops|Loops"),
	}, "loops.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := survey.Compile(res.Form)
	if err != nil {
		t.Fatal(err)
	}
	target := &pastdata.Target{Survey: survey.Survey{ID: res.Form.SurveyID},
		Edition: survey.Edition{SurveyID: res.Form.SurveyID, Year: 2021, FormVersion: res.Form.Version}, Form: compiled}
	for _, sep := range []string{"/", "-"} {
		csv := "_uuid,end,country,organisation,role,rooms,l1" + sep + "chairs" + sep + "q1,group" + sep + "l1" + sep + "tables" + sep + "q1,grp" + sep + "q\n" +
			"A1,2021-11-03T10:00:00.000+01:00,PE,Wawa,other,3,4,2,7\n"
		set, err := pastdata.Read(readFile(t, "x.csv", []byte(csv)), target, nil, importNow)
		if err != nil {
			t.Fatalf("separator %q: %v", sep, err)
		}
		got := map[string]float64{}
		for _, a := range set.Responses[0].Answers {
			got[a.Question] = a.Num
		}
		want := map[string]float64{"rooms": 3, "l1_chairs_q1": 4, "l1_tables_q1": 2, "grp_q": 7}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("separator %q: %s = %v, want %v (answers %v)", sep, k, got[k], v, got)
			}
		}
	}
}
