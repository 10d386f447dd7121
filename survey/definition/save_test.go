package definition_test

import (
	"context"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/surveytest"
)

const saved = `survey: saved
version: 2
title: {fr: Gardée, en: Kept}
editions:
  - {year: 2025, place: Tanger, opens: 2025-11-01, closes: 2025-11-30, invited: 26}
  - {year: 2024, form_version: 1}
questions:
  - {key: q, type: yes_no, label: "Oui ?"}
`

func TestSave(t *testing.T) {
	ctx := context.Background()
	d, err := definition.Parse(strings.NewReader(saved), definition.YAML, "saved.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := &surveytest.Catalog{}
	if err := d.Save(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Form(ctx, "saved", 2); err != nil {
		t.Fatalf("form not saved: %v", err)
	}
	all, err := c.Surveys(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("surveys %v, %v", all, err)
	}
	if got := all[0].Editions; len(got) != 2 || got[1].Year != 2025 || got[1].Invited != 26 || got[0].FormVersion != 1 {
		t.Fatalf("editions %+v", got)
	}

	// The same version again with other content is refused, and no edition changes.
	changed, err := definition.Parse(strings.NewReader(strings.Replace(saved, "Oui ?", "Non ?", 1)), definition.YAML, "saved.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed.Editions[1].Invited = 99
	err = changed.Save(ctx, c)
	if survey.ErrorCode(err) != survey.CodeConflict {
		t.Fatalf("changed version saved: %v", err)
	}
	all, _ = c.Surveys(ctx)
	if all[0].Editions[1].Invited != 26 {
		t.Fatalf("an edition changed after a refused form: %+v", all[0].Editions)
	}
}
