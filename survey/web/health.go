package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// ReadinessCheck reports why palabre cannot serve its purpose now, or nil when it can. A
// check says what public callers may see by returning an *Unready (see NotReady) or any error
// with a method ReadinessCode() string (so packages that do not import web can give codes);
// any other error shows as "unavailable".
type ReadinessCheck func(ctx context.Context) error

// Unready is a readiness check's failure: Code is a short, stable reason anyone may see
// (unreachable, behind, schema_outdated, …); Err is the detail, for operators only (the log
// and the metrics address).
type Unready struct {
	Code string
	Err  error
}

// NotReady returns a readiness failure with a public code and a private detail.
func NotReady(code string, err error) error { return &Unready{Code: code, Err: err} }

func (u *Unready) Error() string {
	if u.Err == nil {
		return u.Code
	}
	return u.Code + ": " + u.Err.Error()
}

func (u *Unready) Unwrap() error { return u.Err }

// ReadinessCode is the public reason.
func (u *Unready) ReadinessCode() string { return u.Code }

type readinessCoder interface {
	error
	ReadinessCode() string
}

// codeOf is the public reason of a failed check.
func codeOf(err error) string {
	if c, ok := errors.AsType[readinessCoder](err); ok && c.ReadinessCode() != "" {
		return c.ReadinessCode()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "unavailable"
}

// Healthz answers 200 while the process runs.
func Healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readiness runs the checks behind /readyz. Public answers carry each check's code only, so
// no internal error text (addresses, driver messages) reaches the public address; Detailed
// adds the text, for the metrics address. The first time a check fails with a given code,
// and when it recovers, the log says so with the detail.
//
// Ready means that palabre does its first job, taking answers: a failed check of Checks
// answers 503 "unavailable". A failed check of Degraded (the database away, delivery
// behind) answers 200 "degraded" with its code: answers are still taken and kept.
type Readiness struct {
	Timeout  time.Duration // per request; 3 s when zero
	Checks   map[string]ReadinessCheck
	Degraded map[string]ReadinessCheck
	Log      *slog.Logger // nil: no log

	mu   sync.Mutex
	last map[string]string // check → last code logged ("" when ok)
}

// Readyz answers 200 when every check passes and 503 with each failing check's code
// otherwise, as {"status":"unavailable","checks":{"answers":"disk_full","catalog":"ok"}}.
func Readyz(timeout time.Duration, checks map[string]ReadinessCheck) gin.HandlerFunc {
	r := &Readiness{Timeout: timeout, Checks: checks}
	return r.Public
}

// Public is /readyz on the public address: codes only.
func (r *Readiness) Public(c *gin.Context) {
	writeReadiness(c.Writer, r.run(c.Request.Context(), false))
}

// Detailed is /readyz for operators: each failing check's code and detail, as
// {"status":"degraded","checks":{"answers":"ok","clickhouse":"unreachable"},"details":{"clickhouse":"unreachable: dial …"}}.
func (r *Readiness) Detailed(w http.ResponseWriter, req *http.Request) {
	writeReadiness(w, r.run(req.Context(), true))
}

func writeReadiness(w http.ResponseWriter, status gin.H) {
	code := http.StatusOK
	if status["status"] == "unavailable" {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, status)
}

// run runs every check and returns the answer's body; its status is ready, degraded or
// unavailable.
func (r *Readiness) run(ctx context.Context, detailed bool) gin.H {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	checks, details := gin.H{}, gin.H{}
	failed := func(set map[string]ReadinessCheck) bool {
		names := make([]string, 0, len(set))
		for name := range set {
			names = append(names, name)
		}
		sort.Strings(names)
		any := false
		for _, name := range names {
			err := set[name](ctx)
			code := "ok"
			if err != nil {
				code, any = codeOf(err), true
				details[name] = err.Error()
			}
			checks[name] = code
			r.logChange(name, code, err)
		}
		return any
	}
	status := gin.H{"checks": checks, "status": "ready"}
	if failed(r.Degraded) {
		status["status"] = "degraded"
	}
	if failed(r.Checks) {
		status["status"] = "unavailable"
	}
	if detailed && len(details) > 0 {
		status["details"] = details
	}
	return status
}

// logChange logs a check's failure the first time it fails with a code, and its recovery.
func (r *Readiness) logChange(name, code string, err error) {
	if r.Log == nil {
		return
	}
	r.mu.Lock()
	if r.last == nil {
		r.last = map[string]string{}
	}
	prev, seen := r.last[name]
	r.last[name] = code
	r.mu.Unlock()
	switch {
	case err != nil && prev != code:
		r.Log.Warn("not ready", slog.String("check", name), slog.String("code", code), slog.Any("error", err))
	case err == nil && seen && prev != "ok":
		r.Log.Info("ready again", slog.String("check", name))
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
