package definition

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

const xlsformTypes = `survey: field_visit
version: 1
title: Visite
editions: [{year: 2025}]
questions:
  - {key: arrived, type: time, label: Arrivée}
  - {key: visit, type: datetime, label: Visite}
  - {key: place, type: geopoint, label: Lieu}
  - {key: consent, type: acknowledge, label: J'accepte, required: true}
  - {key: share, type: number, label: Part, min: 0, max: 1, step: 0.05}
`

func TestParseXLSFormTypes(t *testing.T) {
	d, err := parse(t, xlsformTypes, YAML)
	if err != nil {
		t.Fatal(err)
	}
	for key, typ := range map[string]survey.QuestionType{"arrived": survey.Time, "visit": survey.DateTime,
		"place": survey.Geopoint, "consent": survey.Acknowledge, "share": survey.Number} {
		q, _, ok := d.Form.Question(key)
		if !ok || q.Type != typ {
			t.Errorf("%s: %+v, want a %s", key, q, typ)
		}
	}
	share, _, _ := d.Form.Question("share")
	if share.Step == nil || *share.Step != 0.05 || *share.Min != 0 || *share.Max != 1 {
		t.Errorf("share %+v", share)
	}
}

func TestStepOnlyForNumbers(t *testing.T) {
	for _, src := range []string{
		strings.Replace(xlsformTypes, "type: time, label", "type: time, step: 1, label", 1),
		strings.Replace(xlsformTypes, "step: 0.05", "step: 0", 1),
	} {
		if _, err := parse(t, src, YAML); err == nil || !strings.Contains(err.Error(), "step") {
			t.Errorf("want a problem about step, got %v", err)
		}
	}
}
