package excel_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// palabreBinary builds cmd/palabre once per test run.
func palabreBinary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "palabre-report-test-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "palabre")
		out, err := exec.Command("go", "build", "-o", binaryPath, "github.com/palabre/palabre/cmd/palabre").CombinedOutput()
		if err != nil {
			binaryErr = err
			binaryPath = string(out)
		}
	})
	if binaryErr != nil {
		t.Fatalf("build palabre: %v\n%s", binaryErr, binaryPath)
	}
	return binaryPath
}

// TestReportCommandOnClickHouse runs `palabre report` against the real ClickHouse, with a
// batch delivered twice, and holds the workbook it writes to the analytics reference over
// the same responses held in memory.
func TestReportCommandOnClickHouse(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range analyticstest.Forms() {
		if err := db.SaveForm(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range analyticstest.Editions() {
		if err := db.SaveEdition(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	responses := analyticstest.Responses(13, 30)
	if err := db.WriteResponses(ctx, responses); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteResponses(ctx, responses[:25]); err != nil { // delivered twice
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "partners.xlsx")
	cmd := exec.Command(palabreBinary(t), "report", "--clickhouse", dsn, "--survey", analyticstest.SurveyID,
		"--editions", "2024-2025", "--filter", "country=SN,PE,MA,FR", "--lang", "en", "--audience", "coordinator", "-o", out)
	cmd.Env = append(os.Environ(), "PALABRE_MIN_CELL=5")
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("palabre report: %v\n%s", err, msg)
	}
	if !strings.Contains(string(msg), "wrote "+out) {
		t.Errorf("palabre report said %q", msg)
	}

	// The same request over the same responses, in memory, gives the reference.
	fx := newFixture(responses)
	req := reports.Request{Survey: analyticstest.SurveyID, Language: "en", Audience: analytics.Coordinator,
		Filter: analytics.Filter{analytics.Edition: {"2024", "2025"}, analytics.Country: {"SN", "PE", "MA", "FR"}}}
	r, err := fx.builder.Build(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &built{path: out, report: r, f: f, sum: &excel.Summary{Sheets: f.GetSheetList(), Questions: map[string]string{}}}
	for _, s := range w.sum.Sheets {
		if num, key, ok := strings.Cut(s, " "); ok && len(num) == 2 && num[0] >= '0' && num[0] <= '9' {
			w.sum.Questions[key] = s
		}
	}
	if n := checkQuestions(t, fx, w); n < 300 {
		t.Errorf("only %d figures checked", n)
	}
	checkOverview(t, fx, w)
	checkComments(t, fx, w)
	checkData(t, fx, w)
	props, err := f.GetDocProps()
	if err != nil || props.Identifier == "" || props.Identifier != r.DataVersion {
		t.Errorf("data version %q, want %q (%v)", props.Identifier, r.DataVersion, err)
	}
}
