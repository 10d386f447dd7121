package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/erasure"
)

const eraseUsage = `usage: palabre erase --survey S --response ID [--reason TEXT]`

// erase erases one response at its author's request (a GDPR request) from every table,
// keeps its id refused, and records the erasure in the audit log (address "cli").
func erase(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("erase", getenv, stdout)
	dsn := f.String("clickhouse", "PALABRE_CLICKHOUSE", defaultClickHouse, "ClickHouse DSN")
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
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: *dsn})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	err = erasure.Erase(ctx, db, db.Audit(), erasure.Request{Survey: strings.TrimSpace(*surveyID), Response: id, Reason: *reason,
		By: audit.Entry{Address: "cli"}})
	if err != nil {
		e := survey.AsError(err)
		if e.Err != nil {
			return fmt.Errorf("erase: %s (%w)", e.Message.In(survey.English), e.Err)
		}
		return fmt.Errorf("erase: %s", e.Message.In(survey.English))
	}
	fmt.Fprintf(stdout, "erased response %s of survey %s from every table; its id stays refused; the erasure is in the audit log\n",
		id, strings.TrimSpace(*surveyID))
	return nil
}
