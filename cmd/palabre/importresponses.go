package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/pastdata"
)

const importResponsesUsage = `usage: palabre import-responses --survey S --edition YEAR [--mapping FILE.yaml] EXPORT.xlsx|EXPORT.csv`

// maxProblemsShown bounds the problems import-responses prints; the count says the rest.
const maxProblemsShown = 50

// importResponses loads past responses from a KoboToolbox or ODK Central export into one
// edition: all of the file, or nothing when a row cannot be loaded.
func importResponses(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("import-responses", getenv, stdout)
	database := f.database()
	surveyID := f.FlagSet.String("survey", "", "the survey's id (required)")
	year := f.FlagSet.Int("edition", 0, "the edition (year) the responses belong to (required)")
	mappingPath := f.FlagSet.String("mapping", "", "a YAML file mapping the export's columns and values to the form's (see survey/pastdata)")
	// The file may come before, between or after the flags.
	var files []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flagErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
		if f.NArg() == 0 {
			break
		}
		files, args = append(files, f.Arg(0)), f.Args()[1:]
	}
	if *surveyID == "" || *year == 0 || len(files) != 1 {
		return usageError{"import-responses: --survey, --edition and one export file are required\n" + importResponsesUsage}
	}
	start := time.Now()
	var mapping *pastdata.Mapping
	if *mappingPath != "" {
		mf, err := os.Open(*mappingPath)
		if err != nil {
			return err
		}
		mapping, err = pastdata.ParseMapping(mf)
		mf.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *mappingPath, err)
		}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	table, err := pastdata.ReadTable(files[0], data)
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	db, err := openMigrated(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	target, err := pastdata.Prepare(ctx, db, strings.TrimSpace(*surveyID), *year)
	if err != nil {
		return fmt.Errorf("import-responses: %w", err)
	}
	set, err := pastdata.Read(table, target, mapping, time.Now())
	var refused *pastdata.Refused
	if errors.As(err, &refused) {
		rows := map[int]bool{}
		for _, p := range refused.Problems {
			rows[p.Row] = true
		}
		fmt.Fprintf(stdout, "%s: %d rows of data; %s in %s, so nothing is loaded:\n", files[0], refused.Rows,
			plural(len(refused.Problems), "problem"), plural(len(rows), "row"))
		for i, p := range refused.Problems {
			if i == maxProblemsShown {
				fmt.Fprintf(stdout, "  … and %d more\n", len(refused.Problems)-maxProblemsShown)
				break
			}
			fmt.Fprintf(stdout, "  %s\n", p)
		}
		return fmt.Errorf("import-responses: %s refused (%s), nothing loaded", filepath.Base(files[0]), plural(len(refused.Problems), "problem"))
	}
	if err != nil {
		return err
	}
	loaded, err := pastdata.Load(ctx, db, set)
	if err != nil {
		return fmt.Errorf("import-responses: %w", err)
	}
	if loaded.New > 0 {
		err := db.Audit().Record(ctx, audit.Entry{At: time.Now().UTC(), Action: "responses.import", Survey: target.Survey.ID,
			Target: fmt.Sprint(*year), Address: "cli",
			Detail: fmt.Sprintf("%s: %d responses loaded, %d already there", filepath.Base(files[0]), loaded.New, loaded.Already)})
		if err != nil {
			return fmt.Errorf("import-responses: the responses are loaded, but the audit log could not record it: %w", err)
		}
	}
	fmt.Fprintf(stdout, "%s: %d responses loaded into %s %d (form version %d), %d answers; %d already there; %d rows skipped; in %.1f s\n",
		files[0], loaded.New, target.Survey.ID, *year, target.Edition.FormVersion, loaded.Answers, loaded.Already, 0, time.Since(start).Seconds())
	if loaded.Erased > 0 {
		fmt.Fprintf(stdout, "%d responses were erased at their author's request and are not loaded again\n", loaded.Erased)
	}
	return nil
}

// plural writes "1 problem", "2 problems".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
