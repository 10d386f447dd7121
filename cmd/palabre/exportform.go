package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/xlsform"
)

// exportForm writes a survey's form, as the catalog holds it, with its editions, as an
// XLSForm workbook: ODK and KoboToolbox tools accept it, and `palabre import` reads it back
// as the same form (importing it again changes nothing).
func exportForm(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("export-form", getenv, stdout)
	database := f.database()
	surveyID := f.FlagSet.String("survey", "", "the survey's id (required)")
	version := f.FlagSet.Int("version", 0, "the form version to write (default: the latest)")
	force := f.FlagSet.Bool("force", false, "replace the file if it exists")
	var output string
	f.FlagSet.StringVar(&output, "o", "", "the workbook to write, or - for standard output (default: SURVEY.xlsx, or SURVEY-vN.xlsx with --version)")
	f.FlagSet.StringVar(&output, "output", "", "same as -o")
	if err := f.parse(args); err != nil {
		return err
	}
	switch {
	case *surveyID == "":
		return usageError{"export-form: --survey ID is required"}
	case !survey.ValidSlug(*surveyID):
		return usageError{fmt.Sprintf("export-form: %q is not a survey id", *surveyID)}
	case *version < 0:
		return usageError{"export-form: --version must be a form version, 1 or more"}
	}
	if output == "" {
		output = *surveyID + ".xlsx"
		if *version > 0 {
			output = fmt.Sprintf("%s-v%d.xlsx", *surveyID, *version)
		}
	}
	if output != "-" {
		if err := refuseToReplace(output, *force); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	db, err := clickhouse.Open(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	form, editions, left, err := catalogForm(ctx, db, *surveyID, *version)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, form, editions, xlsform.Options{ListNames: definition.DefaultListNames()}); err != nil {
		return err
	}
	if output == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(output, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s version %d, %d questions, %d editions, languages %s\n", output,
		form.SurveyID, form.Version, len(form.Questions()), len(editions), strings.Join(form.Languages, ", "))
	for _, e := range left {
		fmt.Fprintf(stdout, "left out edition %d: it is answered with version %d\n", e.Year, e.FormVersion)
	}
	return nil
}

// refuseToReplace refuses to write over an existing file without --force.
func refuseToReplace(path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists: pass --force to replace it, or -o another file", path)
	}
	return nil
}

// catalogForm reads a survey's form version (the latest when version is 0) and the editions
// answered with it or an earlier version; left are the editions of later versions.
func catalogForm(ctx context.Context, db *clickhouse.DB, surveyID string, version int) (f *survey.Form, editions, left []survey.Edition, err error) {
	if version == 0 {
		versions, err := db.FormVersions(ctx, surveyID)
		if err != nil {
			return nil, nil, nil, catalogError(err)
		}
		version = versions[len(versions)-1]
	}
	f, err = db.Form(ctx, surveyID, version)
	if err != nil {
		return nil, nil, nil, catalogError(err)
	}
	surveys, err := db.Surveys(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, s := range surveys {
		if s.ID != surveyID {
			continue
		}
		for _, e := range s.Editions {
			if e.FormVersion > f.Version {
				left = append(left, e)
			} else {
				editions = append(editions, e)
			}
		}
	}
	return f, editions, left, nil
}

// catalogError says a catalog's refusal in English, as the command line speaks.
func catalogError(err error) error {
	if e := survey.AsError(err); e != nil && e.Code == survey.CodeNotFound {
		return errors.New(e.Message.In(survey.English))
	}
	return err
}

// writeFileAtomic writes data to path through a temporary file beside it, so that a
// failure never leaves half a workbook.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
