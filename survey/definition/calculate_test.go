package definition

import (
	"strings"
	"testing"
)

const cascading = `survey: cascade
title: Cascade
questions:
  - {key: adults, type: number, label: Adultes, integer: true}
  - {key: children, type: number, label: Enfants, integer: true}
  - key: household
    type: calculate
    calculation: ${adults} + coalesce(${children}, 0)
  - key: country
    type: single_choice
    label: Pays
    choices: [SN, ML]
  - key: city
    type: single_choice
    label: Ville
    choice_filter: country = ${country}
    choices:
      - {key: dakar, label: Dakar, columns: {country: SN}}
      - {key: bamako, label: Bamako, columns: {country: ML}}
`

func TestCalculateAndChoiceFilter(t *testing.T) {
	d, err := parse(t, cascading, YAML)
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := d.Form.Question("household")
	if h.Calculation != "${adults} + coalesce(${children}, 0)" || !h.Label.Empty() {
		t.Errorf("household = %+v", h)
	}
	city, _, _ := d.Form.Question("city")
	if city.ChoiceFilter != "country = ${country}" || city.Choices[1].Columns["country"] != "ML" {
		t.Errorf("city = %+v", city)
	}
}

func TestCalculateAndChoiceFilterProblems(t *testing.T) {
	src := strings.NewReplacer(
		"calculation: ${adults} + coalesce(${children}, 0)", "calculation: ${adults} +",
		"choice_filter: country = ${country}", "choice_filter: region = ${country}",
		"{key: children, type: number, label: Enfants, integer: true}", "{key: children, type: number, label: Enfants, calculation: '1'}",
	).Replace(cascading)
	_, err := parse(t, src, YAML)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`t.yaml:5: children: a number question has no "calculation"`,
		`t.yaml:6: household: calculation "${adults} +"`,
		`t.yaml:13: city: choice_filter reads the column "region"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
