package excel_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
)

// TestReportBenchProfile writes the benchmark's workbook (1 million answers, or
// PALABRE_BENCH_REPORT_ANSWERS) in this process with CPU and heap profiles in
// PALABRE_BENCH_PROFILE (a directory), to see where the time and memory go, and logs how
// long each stage was shown.
//
//	PALABRE_BENCH_PROFILE=/tmp/prof go test -run '^TestReportBenchProfile$' -v ./reports/excel
func TestReportBenchProfile(t *testing.T) {
	dir := os.Getenv("PALABRE_BENCH_PROFILE")
	if dir == "" {
		t.Skip("set PALABRE_BENCH_PROFILE to a directory")
	}
	size := 1_000_000
	if s := os.Getenv("PALABRE_BENCH_REPORT_ANSWERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("PALABRE_BENCH_REPORT_ANSWERS=%q: want a number of answers", s)
		}
		size = n
	}
	dsn, _, _ := benchDatabase(t, size)
	ctx := context.Background()
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cpu, _ := os.Create(filepath.Join(dir, "cpu.pprof"))
	pprof.StartCPUProfile(cpu)
	start := time.Now()
	b := reports.NewBuilder(db, analytics.NewService(db, db, 5), "profile")
	r, err := b.Build(ctx, reports.Request{Survey: benchSurvey, Audience: analytics.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)
	var peak uint64
	stop := make(chan bool)
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
				if m.HeapInuse >= peak {
					h, _ := os.Create(filepath.Join(dir, "heap.pprof"))
					pprof.WriteHeapProfile(h)
					h.Close()
				}
			}
		}
	}()
	stage, stageAt := "", time.Now()
	progress := func(p excel.Progress) {
		if p.Stage != stage {
			if stage != "" {
				t.Logf("%-9s %s", stage, time.Since(stageAt).Round(time.Millisecond))
			}
			stage, stageAt = p.Stage, time.Now()
		}
	}
	if _, err := excel.Write(ctx, io.Discard, r, excel.Options{Progress: progress}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%-9s %s", stage, time.Since(stageAt).Round(time.Millisecond))
	close(stop)
	pprof.StopCPUProfile()
	cpu.Close()
	t.Logf("built in %s, written in %s, peak heap in use %d MB", built, time.Since(start)-built, peak>>20)
}
