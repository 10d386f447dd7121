package xlsform

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// table splits rows written one per line, cells separated by "|", into cells.
func table(s string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.Trim(s, "\n"), "\n") {
		out = append(out, strings.Split(line, "|"))
	}
	return out
}

const koboSettings = `form_title::French (fr)|form_title::English (en)|form_id|version|default_language
Retour|Feedback|feedback|2024101501|French (fr)`

const koboChoices = `list_name|name|label::French (fr)|label::English (en)
agree|no|Non|No
agree|yes|Oui|Yes
sat|1|Mauvais|Bad
sat|2|Moyen|Fair
sat|3|Bon|Good
take|tools|Outils|Tools
take|contacts|Contacts|Contacts
take|other|Autre|Other`

const koboSurvey = `type|name|label::French (fr)|label::English (en)|hint::fr|required|relevant|constraint|appearance|parameters|changed_in
start|start
end|end
today|today
note|intro|Bienvenue|Welcome
begin group|about|À propos|About|||||field-list
select_one agree|first|Première fois ?|First time?||yes
select_one sat|overall|Satisfait ?|Satisfied?||TRUE()|||likert||2021
end group
begin_group|sessions|Les sessions|Sessions|Une par ligne||||table-list
select_one sat|sharing|Partage|Sharing||true|||list-nolabel
select_one sat|visit|Visite|Visit||1|||list-nolabel
end_group
select_multiple take|take_back|Rapporter|Take back||||count-selected(.) <= 2
text|take_other|Quoi ?|What?|||selected(${take_back}, 'other')
integer|colleagues|Collègues|Colleagues||||. >= 0 and . <= 500
decimal|share|Part|Share||||. > 0
range|nps|Recommander|Recommend||||||start=0 end=10 step=1
range|stars|Étoiles|Stars||||||start=1 end=5
text|comments|Commentaires|Comments||||string-length(.) <= 1000|multiline
date|arrival|Arrivée|Arrival`

const koboEditions = `year|place|opens|closes|invited
2025|Tanger|2025-11-01|2025-11-30|26
2024|Lima|45590|45625|`

func kobo() Sheets {
	return Sheets{"survey": table(koboSurvey), "choices": table(koboChoices),
		"settings": table(koboSettings), "editions": table(koboEditions)}
}

func ptr(f float64) *float64 { return &f }

func TestKoboWorkbook(t *testing.T) {
	res, err := FromSheets(kobo(), "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	f := res.Form
	if _, err := survey.Compile(f); err != nil {
		t.Fatalf("compile: %v", err)
	}
	if f.SurveyID != "feedback" || f.Version != 2024101501 || f.DefaultLanguage != "fr" ||
		!reflect.DeepEqual(f.Languages, []string{"fr", "en"}) || f.Title["en"] != "Feedback" {
		t.Errorf("settings: %s v%d %s %v %v", f.SurveyID, f.Version, f.DefaultLanguage, f.Languages, f.Title)
	}
	sat := []survey.Choice{{Key: "1", Label: survey.Text{"fr": "Mauvais", "en": "Bad"}},
		{Key: "2", Label: survey.Text{"fr": "Moyen", "en": "Fair"}}, {Key: "3", Label: survey.Text{"fr": "Bon", "en": "Good"}}}
	want := map[string]survey.Question{
		"first":   {Key: "first", Type: survey.YesNo, Label: survey.Text{"fr": "Première fois ?", "en": "First time?"}, Required: true},
		"overall": {Key: "overall", Type: survey.Likert, Label: survey.Text{"fr": "Satisfait ?", "en": "Satisfied?"}, Required: true, Choices: sat, ChangedIn: 2021},
		"sessions": {Key: "sessions", Type: survey.Matrix, Label: survey.Text{"fr": "Les sessions", "en": "Sessions"},
			Hint: survey.Text{"fr": "Une par ligne"}, Required: true, Choices: sat,
			Items: []survey.Choice{{Key: "sharing", Label: survey.Text{"fr": "Partage", "en": "Sharing"}}, {Key: "visit", Label: survey.Text{"fr": "Visite", "en": "Visit"}}}},
		"take_back":  {Key: "take_back", Type: survey.MultipleChoice, Label: survey.Text{"fr": "Rapporter", "en": "Take back"}, MaxSelected: 2},
		"colleagues": {Key: "colleagues", Type: survey.Number, Integer: true, Label: survey.Text{"fr": "Collègues", "en": "Colleagues"}, Min: ptr(0), Max: ptr(500)},
		"share":      {Key: "share", Type: survey.Number, Label: survey.Text{"fr": "Part", "en": "Share"}, Constraint: ". > 0"},
		"nps":        {Key: "nps", Type: survey.Rating, Label: survey.Text{"fr": "Recommander", "en": "Recommend"}},
		"stars":      {Key: "stars", Type: survey.Number, Integer: true, Label: survey.Text{"fr": "Étoiles", "en": "Stars"}, Min: ptr(1), Max: ptr(5), Step: ptr(1)},
		"comments":   {Key: "comments", Type: survey.LongText, Label: survey.Text{"fr": "Commentaires", "en": "Comments"}, MaxLength: 1000},
		"arrival":    {Key: "arrival", Type: survey.Date, Label: survey.Text{"fr": "Arrivée", "en": "Arrival"}},
	}
	for key, w := range want {
		q, _, ok := f.Question(key)
		if !ok {
			t.Errorf("no question %s", key)
			continue
		}
		if q.Type == survey.MultipleChoice {
			q.Choices = nil
		}
		if !reflect.DeepEqual(*q, w) {
			t.Errorf("%s\n got %+v\nwant %+v", key, *q, w)
		}
	}
	var keys []string
	for _, s := range f.Sections {
		keys = append(keys, s.Key)
	}
	if !reflect.DeepEqual(keys, []string{"", "about", ""}) {
		t.Errorf("sections %q", keys)
	}
	wantEditions := []survey.Edition{
		{SurveyID: "feedback", Year: 2024, Place: "Lima", FormVersion: 2024101501,
			Opens: day(2024, 10, 25), Closes: day(2024, 11, 30)},
		{SurveyID: "feedback", Year: 2025, Place: "Tanger", FormVersion: 2024101501, Invited: 26,
			Opens: day(2025, 11, 1), Closes: day(2025, 12, 1)},
	}
	if !reflect.DeepEqual(res.Editions, wantEditions) {
		t.Errorf("editions\n got %+v\nwant %+v", res.Editions, wantEditions)
	}
	var warnings []string
	for _, w := range res.Warnings {
		warnings = append(warnings, w.String())
	}
	wantWarnings := []string{
		`f.xlsx, survey sheet, row 2, column "type": start: start is metadata palabre does not record: skipped`,
		`f.xlsx, survey sheet, row 3, column "type": end: end is metadata palabre does not record: skipped`,
		`f.xlsx, survey sheet, row 4, column "type": today: today is metadata palabre does not record: skipped`,
		`f.xlsx, survey sheet, row 6, column "appearance": about: appearance "field-list" only changes the layout in ODK: palabre ignores it`,
	}
	if strings.Join(warnings, "\n") != strings.Join(wantWarnings, "\n") {
		t.Errorf("warnings\n got:\n\t%s\nwant:\n\t%s", strings.Join(warnings, "\n\t"), strings.Join(wantWarnings, "\n\t"))
	}
	if got := res.Source("sessions items"); got != "f.xlsx, survey sheet, row 10" {
		t.Errorf("Source(sessions items) = %q", got)
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestRead reads a real workbook whose cells are numbers, booleans and dates, as a
// spreadsheet program stores what a coordinator types.
func TestRead(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	set := func(sheet, cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetSheetName("Sheet1", "Survey"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"settings", "editions", "notes"} {
		if _, err := f.NewSheet(s); err != nil {
			t.Fatal(err)
		}
	}
	rows := [][]any{{"type", " name ", "Label", "required"}, {"integer", "age", "Âge", true}, {}, {"note", "bye", "  Merci  ", false}}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			set("Survey", cell, v)
		}
	}
	set("settings", "A1", "form_id")
	set("settings", "B1", "version")
	set("settings", "C1", "form_title")
	set("settings", "A2", "demo")
	set("settings", "B2", 2024101501)
	set("settings", "C2", "Démo")
	set("editions", "A1", "year")
	set("editions", "B1", "opens")
	set("editions", "A2", 2025)
	set("editions", "B2", time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err := Read(&buf, "real.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	qs := res.Form.Questions()
	if len(qs) != 2 || qs[0].Key != "age" || !qs[0].Required || !qs[0].Integer || qs[1].Label["fr"] != "Merci" || qs[1].Required {
		t.Errorf("questions %+v %+v", qs[0], qs[1])
	}
	if res.Form.Version != 2024101501 || res.Form.Title["fr"] != "Démo" {
		t.Errorf("settings %d %v", res.Form.Version, res.Form.Title)
	}
	if len(res.Editions) != 1 || !res.Editions[0].Opens.Equal(day(2025, 11, 1)) {
		t.Errorf("editions %+v", res.Editions)
	}
	if _, err := Read(strings.NewReader("not a zip"), "bad.xlsx"); !isDefinitionError(err) {
		t.Errorf("not a workbook: %v", err)
	}
}

func isDefinitionError(err error) bool {
	var de *survey.DefinitionError
	return errors.As(err, &de)
}

func TestProfileSettings(t *testing.T) {
	sheets := Sheets{
		"survey":   table("type|name|label\ntext|q|Q"),
		"choices":  table("list_name|name|label\nroles|educator|Éducateur\nroles|other|Autre\norgs|mamans|100% Mamans"),
		"settings": table("form_id|countries|roles_list|organisations_list|description\ns|SN, PE;MA|roles|orgs|Un essai"),
	}
	res, err := FromSheets(sheets, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	p := res.Form.Profile
	if !reflect.DeepEqual(p.Countries, []string{"SN", "PE", "MA"}) || len(p.Roles) != 2 ||
		len(p.Organisations) != 1 || p.Organisations[0].Label["fr"] != "100% Mamans" || res.Form.Description["fr"] != "Un essai" {
		t.Errorf("profile %+v, description %v", p, res.Form.Description)
	}
	sheets["settings"] = table("form_id|roles_list\ns|staff")
	_, err = FromSheets(sheets, "f.xlsx")
	surveytest.CheckProblems(t, err, []string{`f.xlsx, settings sheet, row 2, column "roles_list": profile.roles: there is no choices list "staff"`})
}
