package xlsform

import (
	"reflect"
	"slices"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// TestPalabreColumn reads the palabre column: the type and limits it gives are the
// question's, and the constraint stays the question's own.
func TestPalabreColumn(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey": table(`type|name|label|constraint|parameters|palabre
select_one yn|plain_yes_no|Q
range|stars|Q||start=1 end=5 step=1|type=rating min=1 max=5
integer|age|Q|. >= 0||type=number
integer|count|Q|. != 7||type = number  min=0 max=10
text|word|Q|. != 'x'||max_length=40
select_multiple yn|both|Q|not(selected(., 'no'))||min_selected=1`),
		"choices":  table("list_name|name|label\nyn|yes|Oui, toujours\nyn|no|Non, jamais"),
		"settings": table("form_id|form_title\ns|S"),
	}, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	// Without the palabre column a list of yes and no is a yes/no question; with it, what it says.
	res2, err := FromSheets(Sheets{
		"survey":   table("type|name|label|palabre\nselect_one yn|single|Q|type=single_choice"),
		"choices":  table("list_name|name|label\nyn|yes|Oui, toujours\nyn|no|Non, jamais"),
		"settings": table("form_id|form_title\ns|S"),
	}, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if q, _, _ := res2.Form.Question("single"); q.Type != survey.SingleChoice || len(q.Choices) != 2 || q.Choices[0].Label["fr"] != "Oui, toujours" {
		t.Errorf("type=single_choice on a yes/no list: %+v", q)
	}
	one, five, zero, ten := 1.0, 5.0, 0.0, 10.0
	for key, want := range map[string]survey.Question{
		"plain_yes_no": {Type: survey.YesNo},
		"stars":        {Type: survey.Rating, Min: &one, Max: &five},
		"age":          {Type: survey.Number, Integer: true, Constraint: ". >= 0"},
		"count":        {Type: survey.Number, Integer: true, Constraint: ". != 7", Min: &zero, Max: &ten},
		"word":         {Type: survey.ShortText, Constraint: ". != 'x'", MaxLength: 40},
		"both":         {Type: survey.MultipleChoice, Constraint: "not(selected(., 'no'))", MinSelected: 1},
	} {
		q, _, ok := res.Form.Question(key)
		if !ok {
			t.Errorf("no question %s", key)
			continue
		}
		got := survey.Question{Type: q.Type, Integer: q.Integer, Constraint: q.Constraint, Min: q.Min, Max: q.Max,
			MinSelected: q.MinSelected, MaxLength: q.MaxLength}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", key, got, want)
		}
	}
	if _, err := survey.Compile(res.Form); err != nil {
		t.Error(err)
	}

	bad := Sheets{
		"survey": table(`type|name|label|palabre
text|a|A|type=likert
text|b|B|colour=red
integer|c|C|min=low max=1e999
select_one sat|d|D|type=yes_no
select_multiple sat|e|E|max_selected=-1`),
		"choices":  table("list_name|name|label\nsat|1|Bad\nsat|2|Good"),
		"settings": table("form_id|form_title\ns|S"),
	}
	_, err = FromSheets(bad, "f.xlsx")
	surveytest.CheckProblems(t, err, []string{
		`f.xlsx, survey sheet, row 2, column "palabre": a: type=likert does not fit a text question`,
		`f.xlsx, survey sheet, row 3, column "palabre": b: unknown setting "colour" in the palabre column: it takes type, min, max, step, min_selected, max_selected and max_length`,
		`f.xlsx, survey sheet, row 4, column "palabre": c: min="low" is not a number`,
		`f.xlsx, survey sheet, row 4, column "palabre": c: max="1e999" is not a number`,
		`f.xlsx, survey sheet, row 5, column "palabre": d: type=yes_no needs a list whose names are yes and no`,
		`f.xlsx, survey sheet, row 6, column "palabre": e: max_selected="-1" is not a whole number between 0 and 1000000`,
	})
}

// TestLanguagesAndTitleSettings reads the palabre settings languages (the order participants
// see) and translated_title (the title in the languages ODK's single form_title cannot hold).
func TestLanguagesAndTitleSettings(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey":   table("type|name|label::French (fr)|label::English (en)|label::Wolof (wo)\ntext|q|Q|Q|Q"),
		"settings": table("form_id|form_title|translated_title::English (en)|translated_title::wo|default_language|languages\ns|Titre|Title|Tur|French (fr)|wo, fr en"),
	}, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"wo", "fr", "en"}; !slices.Equal(res.Form.Languages, want) {
		t.Errorf("languages %v, want %v", res.Form.Languages, want)
	}
	if want := (survey.Text{"fr": "Titre", "en": "Title", "wo": "Tur"}); !res.Form.Title.Equal(want) {
		t.Errorf("title %v, want %v", res.Form.Title, want)
	}
	_, err = FromSheets(Sheets{
		"survey":   table("type|name|label\ntext|q|Q"),
		"settings": table("form_id|form_title|languages\ns|S|fr ⵜⴰⵎⴰⵣⵉⵖⵜ"),
	}, "f.xlsx")
	surveytest.CheckProblems(t, err, []string{
		`f.xlsx, settings sheet, row 2, column "languages": languages: cannot tell the language of "ⵜⴰⵎⴰⵣⵉⵖⵜ": write it as a code such as fr`,
	})
}
