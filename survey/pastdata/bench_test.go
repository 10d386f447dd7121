package pastdata_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/pastdata"
)

// benchResponses is the size of the export BenchmarkImport loads; PALABRE_BENCH_IMPORT
// changes it.
func benchResponses() int {
	if n, err := strconv.Atoi(os.Getenv("PALABRE_BENCH_IMPORT")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// BenchmarkImport loads a KoboToolbox export of 10,000 responses of partners-meeting
// (XLSX, French labels, groups with "/", multiple choice joined and split, a matrix) into a
// fresh ClickHouse database per iteration, timing what palabre import-responses does: read
// the file, map and validate every row, write. After the timed loop it checks the last
// load: the edition's analytics equal the file's, and a second load changes nothing.
//
//	make bench-import
//
// The sub-benchmark csv loads the same responses as an ODK Central-style CSV (names, "-"
// separators, ";"), to show what the XLSX reading costs.
func BenchmarkImport(b *testing.B) {
	b.Run("xlsx", func(b *testing.B) {
		benchImport(b, exportStyle{labels: true, sep: "/", split: true}, "kobo-partners-meeting-2019.xlsx")
	})
	b.Run("csv", func(b *testing.B) {
		benchImport(b, exportStyle{sep: "-", csv: true, split: true}, "odk-partners-meeting-2019.csv")
	})
}

func benchImport(b *testing.B, style exportStyle, name string) {
	d := loadDemo(b)
	n := benchResponses()
	data, want := genExport(b, d, 2019, n, style, 10)
	path := filepath.Join(b.TempDir(), name)
	if dir := os.Getenv("PALABRE_BENCH_IMPORT_DIR"); dir != "" {
		path = filepath.Join(dir, name) // kept, to load with palabre import-responses (PALABRE_BENCH_IMPORT_DIR keeps the files)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(data))/1e6, "MB/file")
	ctx := context.Background()
	var parse, validate, write time.Duration
	var last pastdataRun
	cpu0 := cpuTime()
	for b.Loop() {
		b.StopTimer()
		db := importDB(b, d)
		b.StartTimer()
		t0 := time.Now()
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		tb, err := pastdata.ReadTable(path, raw)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		target, err := pastdata.Prepare(ctx, db, "partners-meeting", 2019)
		if err != nil {
			b.Fatal(err)
		}
		set, err := pastdata.Read(tb, target, nil, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		got, err := pastdata.Load(ctx, db, set)
		if err != nil || got.New != n {
			b.Fatalf("Load = %+v, %v", got, err)
		}
		t3 := time.Now()
		parse, validate, write = parse+t1.Sub(t0), validate+t2.Sub(t1), write+t3.Sub(t2)
		last = pastdataRun{db: db, set: set}
	}
	runs := float64(b.N)
	b.ReportMetric((cpuTime()-cpu0).Seconds()/runs, "cpu-s/op")
	b.ReportMetric(parse.Seconds()/runs, "s-read-file/op")
	b.ReportMetric(validate.Seconds()/runs, "s-map-validate/op")
	b.ReportMetric(write.Seconds()/runs, "s-write/op")
	b.ReportMetric(float64(n)*runs/b.Elapsed().Seconds(), "responses/s")

	b.StopTimer()
	checkAnalytics(b, last.db, 2019, want)
	t0 := time.Now()
	again, err := pastdata.Load(ctx, last.db, last.set)
	if err != nil || again.New != 0 || again.Already != n {
		b.Fatalf("second Load = %+v, %v", again, err)
	}
	b.ReportMetric(time.Since(t0).Seconds(), "s-second-load")
	if c, err := last.db.CountResponses(ctx, "partners-meeting", 2019); err != nil || int(c) != n {
		b.Fatalf("after the second load: %d responses, %v", c, err)
	}
	checkAnalytics(b, last.db, 2019, want)
	if style.csv {
		checkFileFigures(b, last.db, 2019, data, style.sep)
	}
}

// cpuTime is the process's CPU time so far (user and system): on a shared machine it varies
// less than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
