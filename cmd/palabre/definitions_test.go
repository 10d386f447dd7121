package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// smsInfo is one of pyxform's example forms: a picture among questions palabre collects.
const smsInfo = "../../survey/xlsform/testdata/pyxform/sms_info.xls.xlsx"

// TestValidateDropUnsupported checks a workbook with questions palabre cannot collect:
// refused with the place of each without --drop-unsupported, and valid with it, listing
// what an import would leave out.
func TestValidateDropUnsupported(t *testing.T) {
	palabre := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, envFrom(nil), &out)
		return out.String(), err
	}
	out, err := palabre("validate", smsInfo)
	if err == nil {
		t.Fatalf("validate accepted a form with a picture question:\n%s", out)
	}
	for _, want := range []string{
		`sms_info.xls.xlsx, survey sheet, row 9, column "type": picture: type image: files and media are not collected`,
		`sms_info.xls.xlsx: with --drop-unsupported it loads without 1 question`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate without --drop-unsupported does not say %q:\n%s", want, out)
		}
	}
	out, err = palabre("validate", "--drop-unsupported", smsInfo)
	if err != nil {
		t.Fatalf("validate --drop-unsupported: %v\n%s", err, out)
	}
	for _, want := range []string{
		"sms_info.xls.xlsx: ok: sms_info_form version 1",
		"sms_info.xls.xlsx: import would leave out 1 question palabre cannot collect:\n",
		"  survey sheet, row 9: picture (image): type image: files and media are not collected\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate --drop-unsupported does not say %q:\n%s", want, out)
		}
	}
}

// TestImportDropUnsupported imports a workbook with --drop-unsupported into a real
// catalog: the form is stored without the questions left out, which are listed.
func TestImportDropUnsupported(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", smsInfo}, env, &out); err == nil {
		t.Fatalf("import accepted a form with a picture question:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"import", "--drop-unsupported", smsInfo}, env, &out); err != nil {
		t.Fatalf("import --drop-unsupported: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "left out 1 question palabre cannot collect") ||
		!strings.Contains(out.String(), "imported sms_info_form version 1") {
		t.Errorf("import output:\n%s", out.String())
	}
	f, err := db.Form(context.Background(), "sms_info_form", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.Question("picture"); ok {
		t.Error("the picture question is stored")
	}
	if _, _, ok := f.Question("name"); !ok {
		t.Errorf("the name question is not stored: %+v", f.Sections)
	}
}

// TestValidateWarnings checks that validate prints the warnings of a valid form, those of the
// form itself (a single choice of one choice) among them, placed on their row.
func TestValidateWarnings(t *testing.T) {
	var out bytes.Buffer
	const path = "../../survey/xlsform/testdata/pyxform/choice_name_same_as_select_name.xls.xlsx"
	if err := run(context.Background(), []string{"validate", path}, envFrom(nil), &out); err != nil {
		t.Fatalf("validate: %v\n%s", err, out.String())
	}
	want := "warning: " + path + ", survey sheet, row 2: zone: a single_choice question with 1 choice (zone) leaves nothing to choose"
	if !strings.Contains(out.String(), want) {
		t.Errorf("validate does not say %q:\n%s", want, out.String())
	}
}
