package xlsform_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/xlsform"
)

// TestLibreOfficeOpensWrittenWorkbooks has LibreOffice open written workbooks and save them
// again as .xlsx, as a coordinator editing an export would, and reads what it saved: the
// same forms and editions. Without LibreOffice the test is skipped, except under CI=true.
func TestLibreOfficeOpensWrittenWorkbooks(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("LibreOffice (soffice) is not installed: run deploy/test-deps.sh")
		}
		t.Skip("LibreOffice (soffice) is not installed: run deploy/test-deps.sh")
	}
	type written struct {
		form     *survey.Form
		editions []survey.Edition
	}
	cases := map[string]written{"feedback": {form: surveytest.FeedbackForm("feedback")}}
	for _, name := range demo.Files {
		d, err := demo.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		cases[d.Form.SurveyID] = written{d.Form, d.Editions}
	}
	for seed := range 6 {
		f, editions := randomForm(rand.New(rand.NewPCG(uint64(seed), 13)))
		cases[fmt.Sprintf("random-%d", seed)] = written{f, editions}
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for name, c := range cases {
		p := filepath.Join(in, name+".xlsx")
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := xlsform.Write(fh, c.form, c.editions, xlsform.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := fh.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless", "--norestore",
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out}
	if b, err := exec.CommandContext(ctx, soffice, append(args, paths...)...).CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, b)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := xlsform.ReadFile(filepath.Join(out, name+".xlsx"))
			if err != nil {
				t.Fatalf("the workbook LibreOffice saved: %v", err)
			}
			if res.Form.Digest() != c.form.Digest() {
				t.Errorf("the form LibreOffice saved differs")
			}
			want := slices.Clone(c.editions)
			slices.SortFunc(want, func(a, b survey.Edition) int { return a.Year - b.Year })
			if len(want) == 0 {
				want = nil
			}
			if !reflect.DeepEqual(res.Editions, want) {
				t.Errorf("editions LibreOffice saved:\n got %+v\nwant %+v", res.Editions, want)
			}
		})
	}
}

// TestPyxformAcceptsWrittenWorkbooks converts written workbooks to XForms with pyxform, the
// converter of ODK Central and KoboToolbox, when PALABRE_PYXFORM names a directory holding
// its source (pyxform is not in the registries the project's machines reach): every workbook
// converts, with no warning but for choices without a label.
func TestPyxformAcceptsWrittenWorkbooks(t *testing.T) {
	src := os.Getenv("PALABRE_PYXFORM")
	if src == "" {
		t.Skip("PALABRE_PYXFORM is not set: no pyxform to convert with")
	}
	dir := t.TempDir()
	write := func(name string, f *survey.Form, editions []survey.Edition) {
		fh, err := os.Create(filepath.Join(dir, name+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		if err := xlsform.Write(fh, f, editions, xlsform.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	write("feedback", surveytest.FeedbackForm("feedback"), nil)
	for _, name := range demo.Files {
		d, err := demo.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		write(d.Form.SurveyID, d.Form, d.Editions)
	}
	for seed := range 20 {
		f, editions := randomForm(rand.New(rand.NewPCG(uint64(seed), 13)))
		write(fmt.Sprintf("random-%d", seed), f, editions)
	}
	script := `
import glob, os, sys
sys.path.insert(0, sys.argv[1])
from pyxform.xls2xform import convert
for p in sorted(glob.glob(os.path.join(sys.argv[2], "*.xlsx"))):
    try:
        r = convert(xlsform=p, validate=False)
        bad = [w for w in r.warnings if "Choices should have a label" not in w]
        print("ok" if not bad and "<h:body/>" not in r.xform else "WARN", os.path.basename(p), bad)
    except Exception as e:
        print("FAIL", os.path.basename(p), type(e).__name__, e)
`
	out, err := exec.Command("python3", "-c", script, src, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("pyxform: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 23 {
		t.Fatalf("pyxform converted %d workbooks, want 23:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "ok ") {
			t.Error(l)
		}
	}
	t.Logf("pyxform converted %d workbooks", len(lines))
}
