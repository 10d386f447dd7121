package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
)

// backup writes the database's tables to one file that `palabre restore` loads again.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("backup", getenv, stdout)
	database := f.database()
	force := f.FlagSet.Bool("force", false, "replace the file if it exists")
	var output string
	f.FlagSet.StringVar(&output, "o", "", "the file to write, or - for standard output (default: palabre-DATABASE-YYYYMMDD-HHMMSS.jsonl.gz)")
	f.FlagSet.StringVar(&output, "output", "", "same as -o")
	if err := f.parse(args); err != nil {
		return err
	}
	db, err := clickhouse.Open(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	if output == "" {
		output = fmt.Sprintf("palabre-%s-%s.jsonl.gz", db.Database(), time.Now().UTC().Format("20060102-150405"))
	}
	started := time.Now()
	var tables []clickhouse.BackupTable
	if output == "-" {
		_, tables, err = db.Backup(ctx, stdout)
		return err
	}
	if err := refuseToReplace(output, *force); err != nil {
		return err
	}
	err = writeFileStreamed(output, 0o600, func(w io.Writer) error {
		_, tables, err = db.Backup(ctx, w)
		return err
	})
	if err != nil {
		return err
	}
	info, err := os.Stat(output)
	if err != nil {
		return err
	}
	var rows uint64
	for _, t := range tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "wrote %s: %d tables, %d rows, %.1f MB in %.1f s\n", output, len(tables), rows,
		float64(info.Size())/1e6, time.Since(started).Seconds())
	fmt.Fprintln(stdout, "it holds password hashes and the dashboards' link keys: keep it where only administrators read it")
	return nil
}

// restore loads a file written by `palabre backup` into the database, which must hold no data.
func restore(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("restore", getenv, stdout)
	database := f.database()
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flagErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if len(f.errs) > 0 || f.NArg() != 1 {
		return usageError{"restore: name one backup file (or - for standard input): palabre restore [--clickhouse DSN] FILE"}
	}
	var in io.Reader = os.Stdin
	if name := f.Arg(0); name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	db, err := clickhouse.Open(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	started := time.Now()
	head, tables, err := db.Restore(ctx, bufio.NewReaderSize(in, 1<<20))
	if errors.Is(err, clickhouse.ErrNotEmpty) {
		return fmt.Errorf("%w: restore into a new database (another name in the DSN), or drop database %s first", err, db.Database())
	}
	if err != nil {
		return err
	}
	var rows uint64
	for _, t := range tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "restored the backup of database %s made %s into %s: %d tables, %d rows in %.1f s\n", head.Database,
		head.Created.Format("2006-01-02 15:04 UTC"), db.Database(), len(tables), rows, time.Since(started).Seconds())
	fmt.Fprintln(stdout, "everybody logs in to the console again; dashboards' links work as before")
	return nil
}

// writeFileStreamed writes path through write, atomically: to a temporary file beside it,
// synced, then renamed. Nothing is left behind when write fails.
func writeFileStreamed(path string, mode os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
