package main

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/xlsform"
)

// TestExportForm exports the demo surveys from a real catalog: the latest version by
// default, an older one with --version (leaving out the editions of later versions), to a
// file it will not overwrite without --force or to standard output; each workbook defines
// the catalog's form and editions, and importing the exports again changes nothing.
func TestExportForm(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	ctx := context.Background()
	palabre := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, env, &out)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := palabre(args...)
		if err != nil {
			t.Fatalf("palabre %v: %v\n%s", args, err, out)
		}
		return out
	}
	must("import", "--demo")
	v1, err := db.Form(ctx, "partners-meeting", 1)
	if err != nil {
		t.Fatal(err)
	}
	v2 := surveytest.Clone(v1)
	v2.Version = 2
	v2.Title["en"] = "Partners' meeting, new questions"
	if err := db.SaveForm(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveEdition(ctx, survey.Edition{SurveyID: "partners-meeting", Year: 2027, FormVersion: 2, Place: "Lima, Perú"}); err != nil {
		t.Fatal(err)
	}
	catalogEditions := func(id string) []survey.Edition {
		t.Helper()
		surveys, err := db.Surveys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range surveys {
			if s.ID == id {
				return s.Editions
			}
		}
		t.Fatalf("no survey %s", id)
		return nil
	}
	before := catalogEditions("partners-meeting")
	check := func(path string, want *survey.Form, editions []survey.Edition) {
		t.Helper()
		d, err := definition.Load(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d.Form.Digest() != want.Digest() {
			t.Errorf("%s does not define the catalog's %s version %d", path, want.SurveyID, want.Version)
		}
		if !reflect.DeepEqual(d.Editions, editions) {
			t.Errorf("%s editions:\n got %v\nwant %v", path, d.Editions, editions)
		}
		if len(d.Warnings) > 0 {
			t.Errorf("%s: warnings %v", path, d.Warnings)
		}
	}

	t.Chdir(t.TempDir())
	out := must("export-form", "--survey", "partners-meeting")
	if want := "wrote partners-meeting.xlsx: partners-meeting version 2, "; !strings.HasPrefix(out, want) ||
		!strings.Contains(out, "10 editions, languages fr, en, es\n") {
		t.Errorf("export-form says:\n%s", out)
	}
	check("partners-meeting.xlsx", v2, before)

	if _, err := palabre("export-form", "--survey", "partners-meeting"); err == nil ||
		!strings.Contains(err.Error(), "partners-meeting.xlsx exists: pass --force") {
		t.Errorf("overwrote without --force: %v", err)
	}
	must("export-form", "--survey", "partners-meeting", "--force")

	out = must("export-form", "--survey", "partners-meeting", "--version", "1")
	if !strings.HasPrefix(out, "wrote partners-meeting-v1.xlsx: partners-meeting version 1, ") ||
		!strings.Contains(out, "left out edition 2027: it is answered with version 2\n") {
		t.Errorf("export-form --version 1 says:\n%s", out)
	}
	check("partners-meeting-v1.xlsx", v1, before[:len(before)-1])

	family, err := db.Form(ctx, "family-support", 1)
	if err != nil {
		t.Fatal(err)
	}
	must("export-form", "--survey", "family-support", "-o", "families.xlsx")
	check("families.xlsx", family, catalogEditions("family-support"))

	var stdout bytes.Buffer
	if err := run(ctx, []string{"export-form", "--survey", "family-support", "-o", "-"}, env, &stdout); err != nil {
		t.Fatal(err)
	}
	res, err := xlsform.Read(&stdout, "stdout.xlsx")
	if err != nil || res.Form.Digest() != family.Digest() {
		t.Errorf("export to standard output: %v", err)
	}

	// Importing the exports changes nothing: same form versions (no conflict), same editions.
	must("import", "partners-meeting-v1.xlsx", "partners-meeting.xlsx", "families.xlsx")
	if after := catalogEditions("partners-meeting"); !reflect.DeepEqual(after, before) {
		t.Errorf("editions after importing the exports:\n got %v\nwant %v", after, before)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--survey", "nobody"}, "There is no survey “nobody”."},
		{[]string{"--survey", "partners-meeting", "--version", "9"}, "version 9"},
		{[]string{}, "--survey ID is required"},
		{[]string{"--survey", "Not A Slug"}, "is not a survey id"},
	} {
		_, err := palabre(append([]string{"export-form", "-o", "x.xlsx"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("export-form %v: %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat("x.xlsx"); err == nil {
		t.Error("a failed export left a file")
	}
}
