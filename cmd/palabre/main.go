// Command palabre is the survey and feedback engine: it serves the participants' forms and
// the coordinators' and funders' reports, and manages the database.
//
//	palabre serve      serve forms, API, reports
//	palabre migrate    apply database migrations
//	palabre version    print the version
//
// Every flag defaults from an environment variable (PALABRE_…); see `palabre help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "palabre:", err)
		os.Exit(exitCode(err))
	}
}
