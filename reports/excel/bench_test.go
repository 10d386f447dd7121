package excel_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/reports"
	reportsweb "github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access/gate"
)

// The workbook benchmark (make bench-report): `palabre report` over a survey of 30
// questions and four editions holding PALABRE_BENCH_REPORT_ANSWERS answers (1 and 10
// million by default), in a ClickHouse database of its own kept between runs (seeded on the
// first, about a minute per 10 million answers). It measures the command's wall time and
// peak RSS (getrusage of the child), and, in the same run, the time a bare excelize
// StreamWriter takes to write the same cells (read back from the workbook, only the writing
// timed), and reports the ratio.
//
//	PALABRE_BENCH=1 go test -run '^TestReportBenchReport$' -v -timeout 60m ./reports/excel

const reportBenchVersion = 1

const benchSurvey = "report-bench"

var reportTargets = map[int]struct {
	seconds float64
	mb      float64
}{1_000_000: {10, 300}, 10_000_000: {60, 500}}

func TestReportBenchReport(t *testing.T) {
	if os.Getenv("PALABRE_BENCH") == "" {
		t.Skip("set PALABRE_BENCH=1 (make bench-report)")
	}
	sizes := []int{1_000_000, 10_000_000}
	if s := os.Getenv("PALABRE_BENCH_REPORT_ANSWERS"); s != "" {
		sizes = nil
		for _, part := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n < 1000 {
				t.Fatalf("PALABRE_BENCH_REPORT_ANSWERS=%q: want numbers of answers", s)
			}
			sizes = append(sizes, n)
		}
	}
	if os.Getenv("PALABRE_BENCH_SEED_ONLY") != "" {
		for _, size := range sizes {
			benchDatabase(t, size)
		}
		return
	}
	bin := palabreBinary(t)
	var lines []string
	for _, size := range sizes {
		dsn, answers, responses := benchDatabase(t, size)
		out := filepath.Join(t.TempDir(), fmt.Sprintf("bench-%d.xlsx", size))
		start := time.Now()
		cmd := exec.Command(bin, "report", "--clickhouse", dsn, "--survey", benchSurvey, "--lang", "fr", "--audience", "coordinator", "-o", out)
		msg, err := cmd.CombinedOutput()
		elapsed := time.Since(start)
		if err != nil {
			t.Fatalf("palabre report: %v\n%s", err, msg)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		rss := float64(ru.Maxrss) / 1024 // KiB → MiB
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		st, _ := os.Stat(out)
		cells, bare, bareCPU := bareStreamWriter(t, out)
		target := reportTargets[size]
		verdict := func(ok bool) string {
			if ok {
				return "met"
			}
			return "MISSED"
		}
		load, _ := os.ReadFile("/proc/loadavg")
		line := fmt.Sprintf("%d answers (%d responses, 4 editions): palabre report %.2f s wall, %.2f s CPU, peak RSS %.0f MB, %.1f MB file, %d cells; bare StreamWriter %.2f s wall, %.2f s CPU: ratio %.2f wall, %.2f CPU (load average %s)",
			answers, responses, elapsed.Seconds(), cpu.Seconds(), rss, float64(st.Size())/1e6, cells, bare.Seconds(), bareCPU.Seconds(),
			elapsed.Seconds()/bare.Seconds(), cpu.Seconds()/bareCPU.Seconds(), strings.Join(strings.Fields(string(load))[:3], " "))
		if target.seconds > 0 {
			line += fmt.Sprintf("; targets ≤ %.0f s %s, ≤ %.0f MB %s", target.seconds, verdict(elapsed.Seconds() <= target.seconds),
				target.mb, verdict(rss <= target.mb))
		}
		t.Log(strings.TrimSpace(string(msg)))
		t.Log(line)
		lines = append(lines, line)
		if size == sizes[0] && size <= 2_000_000 { // the HTTP path builds the same workbook again
			lines = append(lines, cachedDownload(t, dsn))
		}
	}
	fmt.Println("\nbench-report:")
	for _, l := range lines {
		fmt.Println("  " + l)
	}
}

// bareStreamWriter copies every cell of a workbook into a new one with excelize's
// StreamWriter (excelize's defaults: standard deflate, built in memory), and times only the
// writing (SetRow, Flush and saving), as the floor a workbook of these cells costs.
func bareStreamWriter(t *testing.T, path string) (int, time.Duration, time.Duration) {
	t.Helper()
	in, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	outFile := excelize.NewFile()
	defer outFile.Close()
	var spent, cpu time.Duration
	cells := 0
	// timed runs f, adding its wall time and this process's CPU time.
	timed := func(f func() error) {
		var r0, r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		t0 := time.Now()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		spent += time.Since(t0)
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		cpu += time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
	}
	for i, sheet := range in.GetSheetList() {
		name := fmt.Sprintf("S%d", i)
		var sw *excelize.StreamWriter
		timed(func() error {
			if _, err := outFile.NewSheet(name); err != nil {
				return err
			}
			var err error
			sw, err = outFile.NewStreamWriter(name)
			return err
		})
		rows, err := in.Rows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			vals := make([]any, len(cols))
			for j, c := range cols {
				if f, err := strconv.ParseFloat(c, 64); err == nil {
					vals[j] = f
				} else if c != "" {
					vals[j] = c
				}
			}
			cells += len(cols)
			timed(func() error { return sw.SetRow("A"+strconv.Itoa(n), vals) })
		}
		rows.Close()
		timed(sw.Flush)
	}
	timed(func() error { return outFile.Write(io.Discard) })
	return cells, spent, cpu
}

// benchDatabase opens (and seeds once) the database of a size, and returns its DSN and
// what it holds.
func benchDatabase(t *testing.T, target int) (dsn string, answers, responses int) {
	t.Helper()
	ctx := context.Background()
	dsn = clickhousetest.ServerDSN() + fmt.Sprintf("/palabre_report_bench_v%d_%d", reportBenchVersion, target)
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, DialTimeout: 2 * time.Second, ReadTimeout: 10 * time.Minute})
	if err != nil {
		clickhousetest.Unavailable(t, err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	forms, editions := benchForms(), benchEditionList()
	per := 0
	_ = seed.Generate(forms, editions, seed.Options{Seed: 1, Responses: 1000, Now: benchNow}, func(r *survey.Response) error {
		per += len(r.Answers)
		return nil
	})
	want := target * 1000 / per
	counts, err := db.ResponseCounts(ctx, analytics.Query{Survey: benchSurvey})
	if err != nil {
		t.Fatal(err)
	}
	if counts[0].N != want {
		if counts[0].N != 0 {
			t.Fatalf("bench database %s holds %d responses, not %d: drop it", dsn, counts[0].N, want)
		}
		for _, cf := range forms {
			if err := db.SaveForm(ctx, cf.Form); err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range editions {
			if err := db.SaveEdition(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		batch := make([]*survey.Response, 0, 20_000)
		flush := func() error {
			err := db.WriteResponses(ctx, batch)
			batch = batch[:0]
			return err
		}
		err := seed.Generate(forms, editions, seed.Options{Seed: 1, Responses: want, Now: benchNow}, func(r *survey.Response) error {
			batch = append(batch, r)
			if len(batch) == cap(batch) {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Compact(ctx, 0); err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded %d responses in %s", want, time.Since(start).Round(time.Second))
	}
	in := 0
	for _, e := range editions {
		n, err := db.Integrity(ctx, benchSurvey, e.Year)
		if err != nil {
			t.Fatal(err)
		}
		in += int(n.Answers)
	}
	return dsn, in, want
}

var benchNow = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

func benchEditionList() []survey.Edition {
	var out []survey.Edition
	for y := 2022; y <= 2025; y++ {
		v := 1
		if y == 2025 {
			v = 2
		}
		out = append(out, survey.Edition{SurveyID: benchSurvey, Year: y, FormVersion: v, Invited: 12000,
			Opens: time.Date(y, 10, 28, 0, 0, 0, 0, time.UTC), Closes: time.Date(y, 12, 1, 0, 0, 0, 0, time.UTC)})
	}
	return out
}

// benchForms are the test survey's two forms with every question asked twice (the second
// time under key_b), flattened: about 30 answers per response.
func benchForms() []*survey.Compiled {
	var out []*survey.Compiled
	for _, f := range analyticstest.Forms() {
		g := *f
		g.SurveyID = benchSurvey
		var qs []survey.Question
		for _, suffix := range []string{"", "_b"} {
			for _, s := range f.Sections {
				for _, q := range s.Questions {
					q.Key += suffix
					rel := q.Relevant
					if s.Relevant != "" {
						rel = s.Relevant
					}
					q.Relevant = strings.NewReplacer("${sessions}", "${sessions"+suffix+"}", "${attended}", "${attended"+suffix+"}").Replace(rel)
					qs = append(qs, q)
				}
			}
		}
		g.Sections = []survey.Section{{Questions: qs}}
		cf, err := survey.Compile(&g)
		if err != nil {
			panic(err)
		}
		out = append(out, cf)
	}
	return out
}

// cachedDownload serves the workbook over HTTP from the benchmark's database: the first
// download builds it, the next ones (unchanged data) come from the cache; it reports the
// median of 20.
func cachedDownload(t *testing.T, dsn string) string {
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := analytics.NewService(survey.NewCachedCatalog(db, 5*time.Second), db, 5)
	// The shared token costs no lookup: the figure stays the workbook's, not the account's.
	g, err := gate.New(gate.Config{SharedToken: "bench", Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h, err := reportsweb.New(reportsweb.Config{Builder: reports.NewBuilder(survey.NewCachedCatalog(db, 5*time.Second), svc, "bench"),
		Gate: g, CacheDir: t.TempDir(), Version: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	h.Register(r)
	download := func() (time.Duration, int) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/surveys/"+benchSurvey+"/report.xlsx?lang=fr", nil)
		req.Header.Set("Authorization", "Bearer bench")
		w := httptest.NewRecorder()
		start := time.Now()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("download: %d %s", w.Code, w.Body.String()[:min(200, w.Body.Len())])
		}
		return time.Since(start), w.Body.Len()
	}
	first, size := download()
	var times []time.Duration
	for range 20 {
		d, _ := download()
		times = append(times, d)
	}
	slices.Sort(times)
	line := fmt.Sprintf("HTTP download (%.1f MB): first %.2f s (built), cached median %.0f ms, max %.0f ms (target ≤ 100 ms)",
		float64(size)/1e6, first.Seconds(), float64(times[len(times)/2].Microseconds())/1000, float64(times[len(times)-1].Microseconds())/1000)
	t.Log(line)
	return line
}
