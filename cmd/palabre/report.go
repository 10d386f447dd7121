package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
	"github.com/palabre/palabre/survey"
)

// report writes one survey's Excel workbook: the analytics API's scope, in one language, for
// coordinators (every figure and the raw data) or funders (small cells suppressed).
func report(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("report", getenv, stdout)
	database := f.database()
	surveyID := f.FlagSet.String("survey", "", "the survey's id (required)")
	editions := f.FlagSet.String("editions", "", "editions to cover: 2024-2026, 2024,2026 or both (default: all)")
	by := f.FlagSet.String("by", "country,edition", "breakdown: country, organisation, role, edition, language, comma-separated")
	var filters []string
	f.FlagSet.Func("filter", "keep only these values, e.g. country=SN,PE (repeatable)", func(v string) error {
		filters = append(filters, v)
		return nil
	})
	lang := f.FlagSet.String("lang", "fr", "language of every sheet, header and label: fr, en or es")
	audience := f.FlagSet.String("audience", "coordinator", "coordinator (every figure, the raw data) or funder (small cells suppressed, no raw data)")
	threshold := f.Int64("min-cell", "PALABRE_MIN_CELL", int64(analytics.DefaultThreshold), "smallest number of respondents a figure shown to funders may rest on")
	var output string
	f.FlagSet.StringVar(&output, "o", "", "the workbook to write, e.g. report.xlsx (required)")
	f.FlagSet.StringVar(&output, "output", "", "same as -o")
	if err := f.parse(args); err != nil {
		return err
	}
	req, err := reportRequest(*surveyID, *editions, *by, filters, *lang, *audience)
	if err != nil {
		return err
	}
	if output == "" {
		return usageError{"report: -o FILE.xlsx is required"}
	}
	if getenv("GOMEMLIMIT") == "" {
		// A workbook's data is streamed: what stays in memory is small, so keep the garbage
		// collector from letting the heap grow to twice the peak.
		debug.SetMemoryLimit(reportMemoryLimit)
	}
	// The raw data is read as fast as the workbook is written: on a busy machine ClickHouse
	// may wait longer than a query usually does between two blocks read.
	db, err := clickhouse.Open(ctx, database.config(func(c *clickhouse.Config) { c.ReadTimeout = 10 * time.Minute }))
	if err != nil {
		return err
	}
	defer db.Close()
	svc := analytics.NewService(db, db, int(*threshold))
	start := time.Now()
	progress := newProgressLine(stdout)
	progress.show("analytics", 0, 0)
	r, err := reports.NewBuilder(db, svc, buildVersion()).Build(ctx, req)
	if err != nil {
		progress.end()
		return reportError(err)
	}
	sum, err := writeWorkbook(ctx, output, r, excel.Options{Progress: func(p excel.Progress) { progress.show(p.Stage, p.Done, p.Total) }})
	progress.end()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d sheets, %d questions, %d comments, %d rows of data, in %.1f s\n",
		output, len(sum.Sheets), len(sum.Questions), sum.Comments, sum.DataRows, time.Since(start).Seconds())
	if len(sum.Truncated) > 0 {
		fmt.Fprintf(stdout, "%d texts longer than a cell holds were cut; the overview lists them\n", len(sum.Truncated))
	}
	return nil
}

// reportMemoryLimit is the soft memory limit of palabre report (GOMEMLIMIT overrides it).
const reportMemoryLimit = 350 << 20

// writeWorkbook writes to a temporary file next to path, then renames it: a failed or
// interrupted run leaves no half-written workbook.
func writeWorkbook(ctx context.Context, path string, r *reports.Report, opts excel.Options) (*excel.Summary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".palabre-report-*.xlsx")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	sum, err := excel.Write(ctx, tmp, r, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return sum, os.Rename(tmp.Name(), path)
}

// reportRequest reads the command line's scope.
func reportRequest(surveyID, editions, by string, filters []string, lang, audience string) (reports.Request, error) {
	req := reports.Request{Survey: surveyID, Filter: analytics.Filter{}, Language: lang, Audience: analytics.Audience(audience)}
	if surveyID == "" {
		return req, usageError{"report: --survey is required"}
	}
	for _, d := range strings.Split(by, ",") {
		if d = strings.TrimSpace(d); d != "" {
			req.By = append(req.By, analytics.Dimension(d))
		}
	}
	years, err := parseEditions(editions)
	if err != nil {
		return req, err
	}
	if years != nil {
		req.Filter[analytics.Edition] = years
	}
	for _, fl := range filters {
		name, vals, ok := strings.Cut(fl, "=")
		d := analytics.Dimension(strings.TrimSpace(name))
		if !ok || !d.Valid() {
			return req, usageError{fmt.Sprintf("report: --filter %q: want DIMENSION=V1,V2 with a dimension among country, organisation, role, edition, language", fl)}
		}
		for _, v := range strings.Split(vals, ",") {
			if v = strings.TrimSpace(v); v != "" {
				req.Filter[d] = append(req.Filter[d], v)
			}
		}
	}
	return req, nil
}

// parseEditions reads "2024-2026", "2024,2026" or "2019-2021,2025"; nil for "".
func parseEditions(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < survey.MinYear || b > survey.MaxYear || b < a {
			return nil, usageError{fmt.Sprintf("report: --editions %q: want years like 2024-2026 or 2024,2026", s)}
		}
		for y := a; y <= b; y++ {
			out = append(out, strconv.Itoa(y))
		}
	}
	return out, nil
}

// reportError turns a request the analytics refuse into a usage error, in English.
func reportError(err error) error {
	if code := survey.ErrorCode(err); code == survey.CodeMalformed || code == survey.CodeNotFound {
		var e *survey.Error
		if ok := asSurveyError(err, &e); ok {
			return usageError{"report: " + e.Message.In(survey.English)}
		}
	}
	return err
}

// progressLine redraws one line on a terminal; elsewhere it stays silent.
type progressLine struct {
	w    io.Writer
	tty  bool
	last time.Time
}

func newProgressLine(w io.Writer) *progressLine {
	p := &progressLine{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progressLine) show(stage string, done, total int) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = time.Now()
	line := "report: " + stage
	if total > 0 {
		line += fmt.Sprintf(" %d/%d (%d%%)", done, total, done*100/total)
	} else if done > 0 {
		line += fmt.Sprintf(" %d", done)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
}

func (p *progressLine) end() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func asSurveyError(err error, target **survey.Error) bool { return errors.As(err, target) }
