package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/demo"
)

// importDefinitions loads survey definitions (YAML, JSON or XLSForm files, or the demo
// surveys) into the catalog: each form version and its editions.
func importDefinitions(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("import", getenv, stdout)
	database := f.database()
	withDemo := f.Bool("demo", "PALABRE_IMPORT_DEMO", false, "also import the demo surveys shipped with palabre")
	drop := f.Bool("drop-unsupported", "PALABRE_DROP_UNSUPPORTED", false, dropUsage)
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flagErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	files := f.Args()
	if len(files) == 0 && !*withDemo {
		return usageError{"import: name definition files (.yaml, .json, .xlsx) or pass --demo"}
	}
	var defs []*definition.Definition
	if *withDemo {
		d, err := demo.Definitions()
		if err != nil {
			return fmt.Errorf("demo surveys: %w", err)
		}
		defs = append(defs, d...)
	}
	for _, path := range files {
		d, err := definition.LoadWith(path, definition.Options{DropUnsupported: *drop})
		if err != nil {
			return err
		}
		printDropped(stdout, path, d, "left out")
		defs = append(defs, d)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	db, err := openMigrated(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	for _, d := range defs {
		if err := d.Save(ctx, db); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s version %d: %d questions, %d editions\n",
			d.Form.SurveyID, d.Form.Version, len(d.Form.Questions()), len(d.Editions))
	}
	return nil
}

// validateDefinitions checks definition files without loading them anywhere.
func validateDefinitions(_ context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("validate", getenv, stdout)
	drop := f.Bool("drop-unsupported", "PALABRE_DROP_UNSUPPORTED", false, dropUsage)
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flagErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if f.NArg() == 0 {
		return usageError{"validate: name definition files (.yaml, .json, .xlsx)"}
	}
	bad := 0
	for _, path := range f.Args() {
		d, err := definition.LoadWith(path, definition.Options{DropUnsupported: *drop})
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", path, err)
			if !*drop {
				if d, err := definition.LoadWith(path, definition.Options{DropUnsupported: true}); err == nil {
					fmt.Fprintf(stdout, "%s: with --drop-unsupported it loads without %s\n", path, questionCount(len(d.Dropped)))
				}
			}
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s: ok: %s version %d, %d questions, %d editions, languages %v\n", path,
			d.Form.SurveyID, d.Form.Version, len(d.Form.Questions()), len(d.Editions), d.Form.Languages)
		printDropped(stdout, path, d, "import would leave out")
		for _, w := range d.Warnings {
			fmt.Fprintf(stdout, "warning: %s\n", w)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d definitions are invalid", bad, f.NArg())
	}
	return nil
}

const dropUsage = "load XLSForms without the questions palabre cannot collect (repeats, media, calculations it cannot evaluate…), listing each, instead of refusing them"

// questionCount writes "1 question" or "n questions".
func questionCount(n int) string {
	if n == 1 {
		return "1 question"
	}
	return fmt.Sprintf("%d questions", n)
}

// printDropped lists the questions of a definition read with --drop-unsupported that are
// left out.
func printDropped(w io.Writer, path string, d *definition.Definition, verb string) {
	if len(d.Dropped) == 0 {
		return
	}
	fmt.Fprintf(w, "%s: %s %s palabre cannot collect:\n", path, verb, questionCount(len(d.Dropped)))
	for _, q := range d.Dropped {
		fmt.Fprintf(w, "  %s\n", q)
	}
}
