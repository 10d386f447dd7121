package excel_test

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
	"github.com/palabre/palabre/survey"
)

// fixture is the test survey's responses behind an in-memory store, each response stored
// twice for a part of them (a batch delivered again).
type fixture struct {
	responses []*survey.Response
	svc       *analytics.Service
	builder   *reports.Builder
}

func newFixture(responses []*survey.Response) *fixture {
	store := analyticstest.NewStore(responses...)
	store.Add(responses[:len(responses)/3]...)
	svc := analytics.NewService(analyticstest.Catalog(), store, 5)
	b := reports.NewBuilder(analyticstest.Catalog(), svc, "v-test")
	b.Now = func() time.Time { return time.Date(2026, 1, 20, 9, 30, 0, 0, time.UTC) }
	return &fixture{responses: responses, svc: svc, builder: b}
}

// reference computes req's result from the raw responses, independently of analytics. A
// funder's question is published beside the response counts of its breakdown, which
// hide their groups from it (analyticstest.ReferenceIn).
func (fx *fixture) reference(ctx context.Context, req analytics.Request, responses []*survey.Response) (*analytics.Result, error) {
	cat, k := analyticstest.Catalog(), fx.svc.Threshold()
	if req.Audience == analytics.Coordinator {
		return analyticstest.Reference(ctx, cat, k, req, responses)
	}
	// A funder's report publishes each edition's total beside its counts: their margins are
	// every dimension but the edition; its questions publish no total.
	margins := slices.DeleteFunc(slices.Clone(req.By), func(d analytics.Dimension) bool { return d == analytics.Edition })
	counts := analytics.Request{Survey: req.Survey, By: req.By, Filter: req.Filter, Audience: req.Audience, Language: req.Language,
		Margins: margins}
	if req.Question == "" {
		return analyticstest.Reference(ctx, cat, k, counts, responses)
	}
	published, err := analyticstest.Reference(ctx, cat, k, counts, responses)
	if err != nil {
		return nil, err
	}
	req.Margins = []analytics.Dimension{}
	return analyticstest.ReferenceIn(ctx, cat, k, req, responses, published)
}

// built is a workbook written to disk and opened again with excelize.
type built struct {
	path   string
	report *reports.Report
	sum    *excel.Summary
	f      *excelize.File
}

func (fx *fixture) write(t *testing.T, req reports.Request, opts excel.Options) *built {
	t.Helper()
	ctx := context.Background()
	r, err := fx.builder.Build(ctx, req)
	if err != nil {
		t.Fatalf("Build(%+v): %v", req, err)
	}
	path := filepath.Join(t.TempDir(), "report-"+string(r.Request.Audience)+"-"+r.Request.Language+".xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := excel.Write(ctx, out, r, opts)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open the written workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return &built{path: path, report: r, sum: sum, f: f}
}

// rows reads a sheet's raw values (numbers unformatted).
func (w *built) rows(t *testing.T, sheet string) [][]string {
	t.Helper()
	rows, err := w.f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("read sheet %q: %v", sheet, err)
	}
	return rows
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// sameNumber compares a cell with an expected figure (nil: the cell is empty), to a
// relative 1e-9.
func sameNumber(got string, want *float64) bool {
	if want == nil {
		return got == ""
	}
	g, err := strconv.ParseFloat(got, 64)
	if err != nil {
		return false
	}
	return math.Abs(g-*want) <= 1e-9*math.Max(1, math.Abs(*want))
}

func f64(v float64) *float64 { return &v }

func intPtr(n *int) *float64 {
	if n == nil {
		return nil
	}
	return f64(float64(*n))
}

// groupWords are the header of the first column of every table, in each language.
var groupWords = []string{"Groupe", "Group", "Grupo"}

func isGroupHeader(row []string) bool {
	for _, w := range groupWords {
		if cell(row, 0) == w {
			return true
		}
	}
	return false
}

// sheetCSV converts workbooks with LibreOffice, every sheet to its own CSV file, and
// returns each workbook's sheets by name. Without LibreOffice the test is skipped, except
// under CI=true.
func sheetCSV(t *testing.T, paths ...string) map[string]map[string][][]string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("LibreOffice (soffice) is not installed: run deploy/test-deps.sh")
		}
		t.Skip("LibreOffice (soffice) is not installed: run deploy/test-deps.sh")
	}
	dir := t.TempDir()
	profile := "file://" + filepath.Join(dir, "profile")
	args := []string{"-env:UserInstallation=" + profile, "--headless", "--norestore",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", dir}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, soffice, append(args, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	result := map[string]map[string][][]string{}
	for _, p := range paths {
		base := strings.TrimSuffix(filepath.Base(p), ".xlsx")
		files, _ := filepath.Glob(filepath.Join(dir, base+"-*.csv"))
		sheets := map[string][][]string{}
		for _, file := range files {
			name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), base+"-"), ".csv")
			fh, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(fh)
			r.FieldsPerRecord = -1
			recs, err := r.ReadAll()
			fh.Close()
			if err != nil {
				t.Fatalf("LibreOffice's CSV of %s: %v", file, err)
			}
			sheets[name] = recs
		}
		result[p] = sheets
	}
	return result
}

// zipNames lists the parts of a workbook.
func zipNames(t *testing.T, path string) []string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var out []string
	for _, f := range z.File {
		out = append(out, f.Name)
	}
	return out
}

// zipText reads the parts of a workbook whose names match re, concatenated.
func zipText(t *testing.T, path string, re *regexp.Regexp) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var b strings.Builder
	for _, f := range z.File {
		if !re.MatchString(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 32*1024)
		for {
			n, err := rc.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		rc.Close()
	}
	return b.String()
}
