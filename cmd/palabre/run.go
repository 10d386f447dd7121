package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise it comes from
// the module's build information.
var version = ""

var flagErrHelp = flag.ErrHelp

// command is one subcommand of palabre.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":            {"serve forms, API and reports", serve},
		"migrate":          {"apply database migrations, then exit", migrate},
		"version":          {"print the version", printVersion},
		"import":           {"load survey definitions (YAML, JSON, XLSForm) or the demo surveys", importDefinitions},
		"validate":         {"check survey definition files without loading them", validateDefinitions},
		"export-form":      {"write a survey's form and editions from the catalog as an XLSForm workbook", exportForm},
		"seed":             {"generate realistic demo responses for the surveys in the catalog", seedResponses},
		"report":           {"write a survey's Excel workbook comparing countries and years", report},
		"share":            {"publish a dashboard for funders and print its link; list, refresh, revoke", share},
		"user":             {"add, list, disable, enable the console's users; print a link to set a password; API tokens", user},
		"import-responses": {"load past responses from a KoboToolbox or ODK Central export (XLSX, CSV) into an edition", importResponses},
		"erase":            {"erase one response at its author's request (GDPR), keep its id refused, audit it", erase},
		"backup":           {"write the database's surveys, responses, accounts and dashboards to one file", backup},
		"restore":          {"load a file written by backup into a new database", restore},
	}
}

// usageError is a mistake in the command line; main exits with status 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run is palabre's whole program, minus the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		return nil
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown command %q; run `palabre help`", args[0])}
	}
	err := cmd.run(ctx, args[1:], getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "palabre: surveys and feedback, compared across countries and years.")
	fmt.Fprintln(w, "\nUsage: palabre COMMAND [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-17s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `palabre COMMAND -h` for a command's flags; each flag defaults from the environment variable shown.")
}

func printVersion(_ context.Context, _ []string, _ func(string) string, stdout io.Writer) error {
	fmt.Fprintln(stdout, "palabre", buildVersion())
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// flags is a FlagSet whose flags default from environment variables, named in their usage.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []string // environment variables that did not parse
}

func newFlags(name string, getenv func(string) string, stdout io.Writer) *flags {
	fs := flag.NewFlagSet("palabre "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return &flags{FlagSet: fs, getenv: getenv}
}

func (f *flags) env(name, def string) string {
	if v := f.getenv(name); v != "" {
		return v
	}
	return def
}

func (f *flags) String(name, envName, def, usage string) *string {
	return f.FlagSet.String(name, f.env(envName, def), usage+" ("+envName+")")
}

func (f *flags) parse(args []string) error {
	if len(f.errs) > 0 {
		return usageError{strings.Join(f.errs, "; ")}
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", f.Name(), strings.Join(f.Args(), " "))}
	}
	return nil
}
