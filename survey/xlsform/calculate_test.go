package xlsform_test

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/xlsform"
)

func rows(s string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.Trim(s, "\n"), "\n") {
		out = append(out, strings.Split(line, "|"))
	}
	return out
}

// cascading is a Kobo-style workbook with calculations and a cascading select: the cities
// list has a country column that the city question's choice_filter reads.
func cascading() xlsform.Sheets {
	return xlsform.Sheets{
		"survey": rows(`type|name|label|calculation|choice_filter|relevant
integer|adults|Adults||
integer|children|Children||
calculate|household||${adults} + coalesce(${children}, 0)|
calculate|size|Size|if(${household} > 4, 'large', 'small')|
select_one countries|country|Country||
select_one cities|city|City||country=${country}
select_multiple cities|visited|Visited||country = ${country} or name = 'other'
note|big|Large household||||${size} = 'large'`),
		"choices": rows(`list_name|name|label|country|image
countries|SN|Senegal||
countries|ML|Mali||
cities|dakar|Dakar|SN|dakar.png
cities|thies|Thiès|SN|
cities|bamako|Bamako|ML|
cities|other|Other||`),
		"settings": rows("form_id|form_title\ncascade|Cascade"),
	}
}

func TestReadCalculateAndChoiceFilter(t *testing.T) {
	res, err := xlsform.FromSheets(cascading(), "cascade.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	f := res.Form
	if _, err := survey.Compile(f); err != nil {
		t.Fatalf("Compile: %v", err)
	}
	h, _, _ := f.Question("household")
	if h.Type != survey.Calculate || h.Calculation != "${adults} + coalesce(${children}, 0)" {
		t.Errorf("household = %+v", h)
	}
	city, _, _ := f.Question("city")
	if city.Type != survey.SingleChoice || city.ChoiceFilter != "country=${country}" {
		t.Errorf("city = %+v", city)
	}
	if got := city.Choices[2].Columns; len(got) != 1 || got["country"] != "ML" {
		t.Errorf("bamako's columns = %v, want the country only (the image is media)", got)
	}
	if city.Choices[3].Columns != nil {
		t.Errorf("other's columns = %v", city.Choices[3].Columns)
	}
	country, _, _ := f.Question("country")
	if country.Choices[0].Columns != nil {
		t.Errorf("a question without a filter carries columns: %v", country.Choices[0].Columns)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w.String(), `"country"`) {
			t.Errorf("warning about the filter's column: %v", w)
		}
	}
}

func TestCalculateAndChoiceFilterRoundTrip(t *testing.T) {
	res, err := xlsform.FromSheets(cascading(), "cascade.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, res.Form, nil, xlsform.Options{})
}

func TestCalculateAndChoiceFilterProblems(t *testing.T) {
	sh := cascading()
	sh["survey"][3][3] = ""                                // household without a calculation
	sh["survey"][6][4] = "region = ${country}"             // no such column
	sh["survey"][1] = append(sh["survey"][1][:3], "1 + 1") // a calculation on an integer
	res, err := xlsform.FromSheets(sh, "cascade.xlsx")
	if err == nil {
		_, err = survey.Compile(res.Form)
	}
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`cascade.xlsx, survey sheet, row 4, column "calculation": household: a calculate question needs a calculation`,
		`cascade.xlsx, survey sheet, row 2, column "calculation": adults: only a calculate, hidden or note question has a calculation`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	sh = cascading()
	sh["survey"][6][4] = "region = ${country}"
	res, err = xlsform.FromSheets(sh, "cascade.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	_, err = survey.Compile(res.Form)
	if err == nil || !strings.Contains(err.Error(), `city: choice_filter reads the column "region", which no choice of this question has`) {
		t.Errorf("Compile = %v", err)
	}
	if src := res.Source("city"); !strings.Contains(src, "row 7") {
		t.Errorf("the problem's source is %q, want the city's row", src)
	}
}

// TestDropUnusableCalculationsAndFilters reads, with DropUnsupported, calculations and
// filters that pyxform takes but palabre cannot use: their questions are left out and
// listed, with those that depend on them; without the option the form is refused. A
// calculation over a note is not among them.
func TestDropUnusableCalculationsAndFilters(t *testing.T) {
	sh := cascading()
	sh["survey"] = rows(`type|name|label|calculation|choice_filter|relevant
integer|adults|Adults||
note|intro|Hello||
calculate|fruit||digest('mango', 'SHA-256')|
calculate|echo||${intro}|
select_one countries|country|Country||
select_one cities|city|City||region = ${country}
text|why|Why?|||${city} = 'dakar'
text|last|Last||`)
	res, err := xlsform.FromSheetsWith(sh, "drop.xlsx", xlsform.ReadOptions{DropUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := survey.Compile(res.Form); err != nil {
		t.Fatalf("Compile: %v", err)
	}
	var got []string
	for _, d := range res.Dropped {
		got = append(got, d.String())
	}
	want := []string{
		`survey sheet, row 4: fruit (calculate): palabre cannot evaluate the calculation "digest('mango', 'SHA-256')": unknown function "digest" at offset 0`,
		`survey sheet, row 7: city (select_one cities): the choice_filter reads the column "region", which the choices sheet does not have`,
		`survey sheet, row 8: why (text): it depends on city, which is left out`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dropped\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A calculation over a note is kept: the note reads as empty, as in ODK.
	if _, _, ok := res.Form.Question("echo"); !ok {
		t.Error("the calculation over a note is left out")
	}
	res, err = xlsform.FromSheets(sh, "drop.xlsx")
	if err == nil {
		_, err = survey.Compile(res.Form)
	}
	if err == nil || !strings.Contains(err.Error(), `unknown function "digest"`) {
		t.Errorf("without DropUnsupported: %v", err)
	}
}
