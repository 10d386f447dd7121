package xlsform

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

func TestTypeSpellings(t *testing.T) {
	tests := []struct {
		cell string
		want typeSpec
	}{
		{"select one from yes_no", typeSpec{base: "select_one", list: "yes_no"}},
		{"Select One From Yes_No", typeSpec{base: "select_one", list: "Yes_No"}},
		{"select all that apply from toilet_type or specify other", typeSpec{base: "select_multiple", list: "toilet_type", orOther: true}},
		{"select one from sexes or specify other", typeSpec{base: "select_one", list: "sexes", orOther: true}},
		{"select_one colors or_other", typeSpec{base: "select_one", list: "colors", orOther: true}},
		{"select_multiple  happy_sad", typeSpec{base: "select_multiple", list: "happy_sad"}},
		{"select1 l", typeSpec{base: "select_one", list: "l"}},
		{"select one l or other", typeSpec{base: "select_one", list: "l", orOther: true}},
		{"add select multiple prompt using l", typeSpec{base: "select_multiple", list: "l"}},
		{"select one from file towns.csv", typeSpec{base: "select_one_from_file", list: "towns.csv"}},
		{"select_one_external c1", typeSpec{base: "select_one_external", list: "c1"}},
		{"select one external c1", typeSpec{base: "select_one_external", list: "c1"}},
		{"string", typeSpec{base: "text"}},
		{"int", typeSpec{base: "integer"}},
		{"dateTime", typeSpec{base: "datetime"}},
		{"date time", typeSpec{base: "datetime"}},
		{"gps", typeSpec{base: "geopoint"}},
		{"get device id", typeSpec{base: "deviceid"}},
		{"uri:deviceid", typeSpec{base: "deviceid"}},
		{"phone number", typeSpec{base: "phonenumber"}},
		{"begin group", typeSpec{base: "begin_group"}},
		{"end_group", typeSpec{base: "end_group"}},
		{"begin loop over toilet_type", typeSpec{base: "begin_loop", list: "toilet_type"}},
		{"begin_loop over c1", typeSpec{base: "begin_loop", list: "c1"}},
		{"begin_loop c1", typeSpec{base: "begin_loop", list: "c1"}},
		{"end loop", typeSpec{base: "end_loop"}},
		{"end_loop", typeSpec{base: "end_loop"}},
		{"select_one l extra", typeSpec{base: "select_one", list: "l", extra: []string{"extra"}}},
	}
	for _, tt := range tests {
		got := parseType(tt.cell)
		if len(got.extra) == 0 {
			got.extra = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseType(%q) = %+v, want %+v", tt.cell, got, tt.want)
		}
	}
}

func compiled(t *testing.T, res *Result, err error) *survey.Compiled {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	cf, err := survey.Compile(res.Form)
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

func TestOrOther(t *testing.T) {
	_, err := FromSheets(survey1(`select_one sat or_other|q1|Q1|yes
select all that apply from sat or specify other|q2|Q2
select_one withother or_other|q3|Q3`+"\n"), "f.xlsx")
	if err == nil {
		t.Fatal("list withother does not exist: want a problem")
	}
	sh := survey1(`select_one sat or_other|q1|Q1|yes
select all that apply from sat or specify other|q2|Q2`)
	sh["choices"] = append(sh["choices"], []string{"withother", "other", "Autre chose"}, []string{"withother", "a", "A"})
	sh["survey"] = append(sh["survey"], []string{"select_one withother or_other", "q3", "Q3"})
	res, err := FromSheets(sh, "f.xlsx")
	cf := compiled(t, res, err)
	var keys []string
	for _, q := range cf.Form.Questions() {
		keys = append(keys, q.Key)
	}
	if want := []string{"q1", "q1_other", "q2", "q2_other", "q3", "q3_other"}; !slices.Equal(keys, want) {
		t.Fatalf("questions %v, want %v", keys, want)
	}
	q1, _, _ := res.Form.Question("q1")
	if q1.Type != survey.SingleChoice || len(q1.Choices) != 3 || q1.Choices[2].Key != "other" || q1.Choices[2].Label["fr"] != "Autre" {
		t.Errorf("q1 %+v", q1)
	}
	o, _, _ := res.Form.Question("q1_other")
	if o.Type != survey.ShortText || o.Relevant != "selected(${q1}, 'other')" || o.Required || o.Label["en"] != "Specify other" {
		t.Errorf("q1_other %+v", o)
	}
	q2, _, _ := res.Form.Question("q2")
	if q2.Type != survey.MultipleChoice || len(q2.Choices) != 3 {
		t.Errorf("q2 %+v", q2)
	}
	q3, _, _ := res.Form.Question("q3")
	if len(q3.Choices) != 2 || q3.Choices[0].Label["fr"] != "Autre chose" {
		t.Errorf("q3 keeps its own other choice: %+v", q3.Choices)
	}
	// The text is asked exactly when "other" is chosen.
	for _, tc := range []struct {
		answer string
		asked  bool
	}{{"other", true}, {"1", false}} {
		if got := cf.Visible(map[string][]string{"q1": {tc.answer}})["q1_other"]; got != tc.asked {
			t.Errorf("q1 = %s: q1_other asked %v, want %v", tc.answer, got, tc.asked)
		}
	}
}

func TestNestedGroups(t *testing.T) {
	res, err := FromSheets(survey1(`text|x0|X
begin_group|outer|Dehors||${x0} = 'y'
text|a|A
begin group|inner|Dedans||${a} = 'go'
text|b|B||${a} != 'no'
begin_group|deepest|||${b} = 'deep'
integer|c|C
begin_group|m|Matrice||${c} > 1||table-list
select_one sat|m1|M1
select_one sat|m2|M2
end_group
end_group
end group
text|d|D
end_group`), "f.xlsx")
	cf := compiled(t, res, err)
	for _, tc := range []struct {
		answers map[string][]string
		shown   string
	}{
		{map[string][]string{"x0": {"n"}}, ""},
		{map[string][]string{"x0": {"y"}}, "a d"},
		{map[string][]string{"x0": {"y"}, "a": {"go"}}, "a b d"},
		{map[string][]string{"x0": {"y"}, "a": {"go"}, "b": {"deep"}}, "a b c d"},
		{map[string][]string{"x0": {"y"}, "a": {"go"}, "b": {"deep"}, "c": {"2"}}, "a b c m d"},
		{map[string][]string{"x0": {"y"}, "a": {"stop"}, "b": {"deep"}, "c": {"2"}}, "a d"},
	} {
		visible := cf.Visible(tc.answers)
		var shown []string
		for _, k := range []string{"a", "b", "c", "m", "d"} {
			if visible[k] {
				shown = append(shown, k)
			}
		}
		if got := strings.Join(shown, " "); got != tc.shown {
			t.Errorf("answers %v: shown %q, want %q", tc.answers, got, tc.shown)
		}
	}
	if n := len(res.Form.Sections); n != 2 || res.Form.Sections[1].Key != "outer" || res.Form.Sections[1].Relevant != "${x0} = 'y'" {
		t.Fatalf("sections %+v", res.Form.Sections)
	}
	want := map[string]string{
		"a": "",
		"b": "(${a} = 'go') and (${a} != 'no')",
		"c": "(${a} = 'go') and (${b} = 'deep')",
		"m": "(${a} = 'go') and ((${b} = 'deep') and (${c} > 1))",
		"d": "",
	}
	var keys []string
	for _, q := range res.Form.Sections[1].Questions {
		keys = append(keys, q.Key)
		if q.Relevant != want[q.Key] {
			t.Errorf("%s relevant %q, want %q", q.Key, q.Relevant, want[q.Key])
		}
	}
	if !slices.Equal(keys, []string{"a", "b", "c", "m", "d"}) {
		t.Errorf("questions of outer %v", keys)
	}
	if q, _, _ := res.Form.Question("m"); q.Type != survey.Matrix || len(q.Items) != 2 {
		t.Errorf("the table-list inside nested groups is not a matrix: %+v", q)
	}
}

func TestLanguageNames(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey":   table("type|name|label::English|label::Français|label::Español|label::chinese|hint:English\ntext|q|Q|Q fr|Q es|问题|Hint"),
		"settings": table("form_id|title\ns|S"),
	}, "f.xlsx")
	compiled(t, res, err)
	q, _, _ := res.Form.Question("q")
	if q.Label["en"] != "Q" || q.Label["fr"] != "Q fr" || q.Label["es"] != "Q es" || q.Label["zh"] != "问题" || q.Hint["en"] != "Hint" {
		t.Errorf("label %v hint %v", q.Label, q.Hint)
	}
	if !slices.Equal(res.Form.Languages, []string{"fr", "en", "es", "zh"}) || res.Form.DefaultLanguage != "fr" {
		t.Errorf("languages %v default %s", res.Form.Languages, res.Form.DefaultLanguage)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w.Reason, "language") {
			t.Errorf("warning about a known language: %v", w)
		}
	}
	res, err = FromSheets(Sheets{
		"survey":   table("type|name|label|label::Norwegian Bokmål\ntext|q|Q|Q nb"),
		"settings": table("form_id|form_title\ns|S"),
	}, "f.xlsx")
	compiled(t, res, err)
	if !slices.ContainsFunc(res.Warnings, func(p survey.Problem) bool {
		return strings.Contains(p.String(), `column "label::Norwegian Bokmål": "Norwegian Bokmål" names several languages: read as nb`)
	}) {
		t.Errorf("no warning about an ambiguous name: %v", res.Warnings)
	}
}

func TestForgivingSettings(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey":   table("type|name|label\ntext|q|\nnote||Merci"),
		"settings": table("FORM_ID|version\nMy Survey 2024|3"),
	}, "f.xlsx")
	compiled(t, res, err)
	f := res.Form
	if f.SurveyID != "my-survey-2024" || f.Title["fr"] != "my-survey-2024" || f.Version != 3 {
		t.Errorf("id %q title %v version %d", f.SurveyID, f.Title, f.Version)
	}
	q, _, _ := f.Question("q")
	if q.Label["fr"] != "q" {
		t.Errorf("label %v", q.Label)
	}
	if _, _, ok := f.Question("note_3"); !ok {
		t.Errorf("the note without a name is not note_3: %+v", f.Sections)
	}
	var reasons []string
	for _, w := range res.Warnings {
		reasons = append(reasons, w.String())
	}
	for _, want := range []string{
		`f.xlsx, settings sheet, row 2, column "FORM_ID": survey: form_id "My Survey 2024" is not lower-case letters, digits, '-' or '_': the survey is called my-survey-2024`,
		`f.xlsx, settings sheet, row 2, column "form_title": title: no form_title: the survey's title is its id, my-survey-2024`,
		`f.xlsx, survey sheet, row 2, column "label": q: the question has no label: its name q is shown instead`,
		`f.xlsx, survey sheet, row 3, column "name": note_3: the note has no name: it is called note_3`,
	} {
		if !slices.Contains(reasons, want) {
			t.Errorf("no warning %s in\n%s", want, strings.Join(reasons, "\n"))
		}
	}
	res, err = FromSheets(Sheets{
		"survey":   table("type|name|label\ntext|q|Q"),
		"settings": table("id_string|title|name\nold_style|Old style|x"),
	}, "f.xlsx")
	compiled(t, res, err)
	if res.Form.SurveyID != "old_style" || res.Form.Title["fr"] != "Old style" {
		t.Errorf("id_string and title: %q %v", res.Form.SurveyID, res.Form.Title)
	}
}

const unsupportedForm = `text|name|Name
image|photo|Photo
geotrace|total|Total
integer|n|N||${total} > 2
begin repeat|kids|Kids
text|kid|Kid
begin_group|g|G
geopoint|where|Where
end_group
end repeat
select_one sat|filtered|F||||||region = ${name}
text|after|After||${n} > 1
text|last|Last`

func TestDropUnsupported(t *testing.T) {
	_, err := FromSheets(survey1(unsupportedForm), "f.xlsx")
	surveytest.CheckProblems(t, err, []string{
		`f.xlsx, survey sheet, row 3, column "type": photo: type image: files and media are not collected`,
		`f.xlsx, survey sheet, row 4, column "type": total: type geotrace: locations are not collected`,
		`f.xlsx, survey sheet, row 6, column "type": kids: repeats are not supported: palabre collects one answer per question`,
	})
	res, err := FromSheetsWith(survey1(unsupportedForm), "f.xlsx", ReadOptions{DropUnsupported: true})
	compiled(t, res, err)
	var got []string
	for _, d := range res.Dropped {
		got = append(got, d.String())
	}
	want := []string{
		`survey sheet, row 3: photo (image): type image: files and media are not collected`,
		`survey sheet, row 4: total (geotrace): type geotrace: locations are not collected`,
		`survey sheet, row 6: kids (begin repeat): repeats are not supported: palabre collects one answer per question`,
		`survey sheet, row 7: kid (text): inside the repeat kids: repeats are not supported`,
		`survey sheet, row 9: where (geopoint): inside the repeat kids: repeats are not supported`,
		`survey sheet, row 12: filtered (select_one sat): the choice_filter reads the column "region", which the choices sheet does not have`,
		`survey sheet, row 5: n (integer): it depends on total, which is left out`,
		`survey sheet, row 13: after (text): it depends on n, which is left out`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("dropped\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var keys []string
	for _, q := range res.Form.Questions() {
		keys = append(keys, q.Key)
	}
	if !slices.Equal(keys, []string{"name", "last"}) {
		t.Errorf("kept %v", keys)
	}
	// A group whose questions are all left out is left out too; an empty group is kept.
	res, err = FromSheetsWith(survey1("begin_group|media|Media\nimage|p|P\nend_group\nbegin_group|empty|E\nend_group\ntext|t|T"), "f.xlsx", ReadOptions{DropUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, s := range res.Form.Sections {
		groups = append(groups, s.Key)
	}
	if !slices.Equal(groups, []string{"empty", ""}) {
		t.Errorf("sections %q", groups)
	}
	// Mistakes are refused all the same.
	_, err = FromSheetsWith(survey1("interger|age|Age\nimage|p|P"), "f.xlsx", ReadOptions{DropUnsupported: true})
	surveytest.CheckProblems(t, err, []string{`f.xlsx, survey sheet, row 2, column "type": age: unknown type "interger" (did you mean integer?)`})
}

// TestOnlySheetIsSurvey reads a workbook of one sheet, whatever its name, as its survey
// sheet, as pyxform does; with more sheets, only "survey" is.
func TestOnlySheetIsSurvey(t *testing.T) {
	res, err := FromSheets(Sheets{"Sheet1": table("type|name|label\ntext|q|Q")}, "one.xlsx")
	compiled(t, res, err)
	if len(res.Warnings) == 0 || res.Warnings[0].String() != `one.xlsx, Sheet1 sheet: the only sheet, "Sheet1", is read as the "survey" sheet` {
		t.Errorf("warnings %v", res.Warnings)
	}
	_, err = FromSheets(Sheets{"Sheet1": table("type|name|label\ntext|q|Q"), "Sheet2": table("a\nb")}, "two.xlsx")
	surveytest.CheckProblems(t, err, []string{`two.xlsx: the workbook has no "survey" sheet`})
}
