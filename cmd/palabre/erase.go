package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/erasure"
)

const eraseUsage = `usage: palabre erase --survey S --response ID [--reason TEXT]`

// erase erases one response at its author's request (a GDPR request) from every table,
// keeps its id refused, and records the erasure in the audit log (address "cli").
func erase(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("erase", getenv, stdout)
	database := f.database()
	data := f.String("data", "PALABRE_DATA", defaultDataDir, "data directory (dashboards kept there by earlier versions are copied into the database first)")
	threshold := f.Int64("min-cell", "PALABRE_MIN_CELL", int64(analytics.DefaultThreshold), "smallest number of respondents a figure shown to funders may rest on")
	surveyID := f.FlagSet.String("survey", "", "the survey the response belongs to")
	responseID := f.FlagSet.String("response", "", "the response's id (the reference shown to the participant)")
	reason := f.FlagSet.String("reason", "", "why, for the audit log: the request, not the person's name")
	if err := f.parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*surveyID) == "" || strings.TrimSpace(*responseID) == "" {
		return usageError{"erase: --survey and --response are required\n" + eraseUsage}
	}
	id, err := survey.ParseResponseID(strings.TrimSpace(*responseID))
	if err != nil {
		return usageError{fmt.Sprintf("erase: --response %q is not a response id", *responseID)}
	}
	ctx, cancel := context.WithTimeout(ctx, clickhouse.EraseWait+time.Minute)
	defer cancel()
	db, err := openMigrated(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	x := &erasure.Eraser{Store: db, Log: db.Audit()}
	var refreshed string
	builder := reports.NewBuilder(db, analytics.NewService(db, db, int(*threshold)), buildVersion())
	builder.Erasures = db.ErasedCount
	store, _, err := openDashboards(ctx, db, *data, builder, nil)
	if err != nil {
		return err
	}
	x.After = func(ctx context.Context, surveyID string) {
		n, err := refreshSurveyDashboards(ctx, store, surveyID)
		refreshed = fmt.Sprintf("%d published dashboards of the survey computed again", n)
		if err != nil {
			refreshed += fmt.Sprintf("; some could not be (%v): run palabre share --refresh-now for them", err)
		}
	}
	err = x.Erase(ctx, erasure.Request{Survey: strings.TrimSpace(*surveyID), Response: id, Reason: *reason, By: audit.Entry{Address: "cli"}})
	if err != nil {
		e := survey.AsError(err)
		if e.Err != nil {
			return fmt.Errorf("erase: %s (%w)", e.Message.In(survey.English), e.Err)
		}
		return fmt.Errorf("erase: %s", e.Message.In(survey.English))
	}
	fmt.Fprintf(stdout, "erased response %s of survey %s from every table; its id stays refused; the erasure is in the audit log\n",
		id, strings.TrimSpace(*surveyID))
	if refreshed != "" {
		fmt.Fprintln(stdout, refreshed)
	}
	return nil
}

// refreshSurveyDashboards computes again every dashboard published from a survey, live,
// revoked or expired alike (their figures are stored), so that none keeps what an
// erasure removed. It returns how many it computed again and the first error.
func refreshSurveyDashboards(ctx context.Context, store *publish.Store, surveyID string) (int, error) {
	list, err := store.List()
	if err != nil {
		return 0, err
	}
	n := 0
	var first error
	for _, p := range list {
		if p.Scope.Survey != surveyID {
			continue
		}
		if _, err := store.Refresh(ctx, p.ID); err != nil {
			if first == nil {
				first = fmt.Errorf("dashboard %s: %w", p.ID, err)
			}
			continue
		}
		n++
	}
	return n, first
}

// newEraser is the Eraser palabre serve shares between the API route and the console: each
// erasure is recorded in the audit log, then the survey's published dashboards are computed
// again. Workbooks need no step: their cache key holds the data version, which counts
// erasures (reports.Builder.Erasures).
func newEraser(db *clickhouse.DB, publications *publish.Store, log *slog.Logger) *erasure.Eraser {
	return &erasure.Eraser{Store: db, Log: db.Audit(), After: func(ctx context.Context, surveyID string) {
		n, err := refreshSurveyDashboards(ctx, publications, surveyID)
		log.Info("erasure: published dashboards computed again", slog.String("survey", surveyID), slog.Int("count", n))
		if err != nil {
			log.Warn("erasure: a published dashboard could not be computed again; run palabre share --refresh-now",
				slog.String("survey", surveyID), slog.Any("error", err))
		}
	}}
}
