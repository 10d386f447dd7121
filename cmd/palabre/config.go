package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults shared by the subcommands.
const (
	defaultAddr       = "127.0.0.1:8080"
	defaultClickHouse = "clickhouse://127.0.0.1:19000/palabre"
	defaultDataDir    = ".data"
	// defaultMetricsAddr is loopback: metrics, detailed readiness and profiles are for
	// operators, never for the public address.
	defaultMetricsAddr = "127.0.0.1:9464"
)

// Duration registers a duration flag defaulting from envName.
func (f *flags) Duration(name, envName string, def time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = def
	if v := f.getenv(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.bad(envName, v, "a duration such as 30s or 2m")
		} else {
			*p = d
		}
	}
	f.FlagSet.DurationVar(p, name, *p, usage+" ("+envName+")")
	return p
}

// Int64 registers an integer flag defaulting from envName.
func (f *flags) Int64(name, envName string, def int64, usage string) *int64 {
	p := new(int64)
	*p = def
	if v := f.getenv(envName); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.bad(envName, v, "a whole number")
		} else {
			*p = n
		}
	}
	f.FlagSet.Int64Var(p, name, *p, usage+" ("+envName+")")
	return p
}

// Bool registers a boolean flag defaulting from envName.
func (f *flags) Bool(name, envName string, def bool, usage string) *bool {
	p := new(bool)
	*p = def
	if v := f.getenv(envName); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.bad(envName, v, "true or false")
		} else {
			*p = b
		}
	}
	f.FlagSet.BoolVar(p, name, *p, usage+" ("+envName+")")
	return p
}

func (f *flags) bad(envName, value, want string) {
	f.errs = append(f.errs, fmt.Sprintf("%s=%q: want %s", envName, value, want))
}

// logging holds the flags every subcommand shares for its log.
type logging struct {
	format *string
	level  *string
}

func (f *flags) logging() logging {
	return logging{
		format: f.String("log-format", "PALABRE_LOG_FORMAT", "text", "log format: text or json"),
		level:  f.String("log-level", "PALABRE_LOG_LEVEL", "info", "log level: debug, info, warn or error"),
	}
}

func (l logging) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(*l.level)); err != nil {
		return nil, usageError{fmt.Sprintf("log level %q: want debug, info, warn or error", *l.level)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(*l.format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, usageError{fmt.Sprintf("log format %q: want text or json", *l.format)}
	}
}

// ensureDataDir creates dir when missing and proves it writable, so a bad data dir fails at
// start with one clear line rather than at the first response.
func ensureDataDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data dir %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return "", fmt.Errorf("data dir %s is not usable: %w", abs, err)
	}
	probe, err := os.CreateTemp(abs, ".write-probe-*")
	if err != nil {
		return "", fmt.Errorf("data dir %s is not writable: %w", abs, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return abs, nil
}

// given reports whether the flag name was set on the command line or through envName.
func (f *flags) given(name, envName string) bool {
	if f.getenv(envName) != "" {
		return true
	}
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}
