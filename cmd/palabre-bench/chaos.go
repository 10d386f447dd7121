package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
)

// chaosConfig is one chaos run: load while ClickHouse is killed for a while, and palabre is
// killed with SIGKILL and restarted twice: once while ClickHouse is down, once after.
type chaosConfig struct {
	palabre        string
	script         string // deploy/clickhouse.sh
	rate           float64
	duration       time.Duration
	clickhouseDown time.Duration
	settle         time.Duration // longest wait for delivery after the load
}

// chaosResult is what the run proves.
type chaosResult struct {
	Acknowledged int    // responses that got 201, or 200 for a resubmission of one already stored
	Distinct     uint64 // distinct response ids in ClickHouse
	Counted      uint64 // responses as palabre's own count reports them
	AnswerRows   uint64 // distinct (response, question, item) answers in ClickHouse
	RawRows      uint64 // physical answer rows, duplicates of retried batches included
	Retries      int64  // requests retried after a connection error or 503
}

func (r chaosResult) lost() int          { return r.Acknowledged - int(r.Distinct) }
func (r chaosResult) doubleCounted() int { return int(r.Counted) - r.Acknowledged }

// runChaos runs the chaos scenario on a private ClickHouse of its own (never the shared one).
func runChaos(ctx context.Context, cfg chaosConfig, out io.Writer) (chaosResult, error) {
	var res chaosResult
	work, err := os.MkdirTemp("", "palabre-chaos-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	ch := &privateClickHouse{script: cfg.script, data: filepath.Join(work, "ch"), port: freePort(), httpPort: freePort()}
	if err := ch.run("start"); err != nil {
		return res, err
	}
	defer ch.run("stop")
	dsn := fmt.Sprintf("clickhouse://127.0.0.1:%d/chaos", ch.port)
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn})
	if err != nil {
		return res, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return res, err
	}
	if err := db.SaveForm(ctx, benchForm()); err != nil {
		return res, err
	}
	if err := db.SaveEdition(ctx, survey.Edition{SurveyID: benchSurvey, Year: benchYear, FormVersion: 1}); err != nil {
		return res, err
	}

	addr := freeAddr()
	args := []string{"serve", "--addr", addr, "--metrics-addr", "127.0.0.1:0", "--clickhouse", dsn, "--data", filepath.Join(work, "data"),
		"--log-level", "warn", "--shutdown-timeout", "5s"}
	logPath := filepath.Join(work, "palabre.log")
	srv, err := startProcess(ctx, logPath, cfg.palabre, args...)
	if err != nil {
		return res, err
	}
	defer func() { srv.stop() }()
	if err := waitReady(ctx, srv.base+"/healthz"); err != nil {
		return res, err
	}
	url := srv.base + fmt.Sprintf("/api/v1/surveys/%s/editions/%d/responses", benchSurvey, benchYear)

	// The faults, on a timeline relative to the start of the load.
	tl := &timeline{ctx: ctx, out: out, start: time.Now()}
	var faults sync.WaitGroup
	faults.Add(1)
	go func() {
		defer faults.Done()
		step := tl.step
		restarts := 0
		restartPalabre := func() error {
			srv.cmd.Process.Signal(syscall.SIGKILL)
			srv.cmd.Wait()
			restarts++
			p, err := startProcess(ctx, fmt.Sprintf("%s.%d", logPath, restarts+1), cfg.palabre, args...)
			if err != nil {
				return err
			}
			srv = p
			return waitReady(ctx, srv.base+"/readyz")
		}
		down := cfg.duration / 5
		_ = step(down, "kill -9 ClickHouse", ch.kill) &&
			step(down+cfg.clickhouseDown/2, "kill -9 palabre and restart it while ClickHouse is down", restartPalabre) &&
			step(down+cfg.clickhouseDown, "restart ClickHouse", func() error { return ch.run("start") }) &&
			step(down+cfg.clickhouseDown+cfg.duration/10, "kill -9 palabre and restart it", restartPalabre)
	}()
	acked, retries := resilientLoad(ctx, url, cfg.rate, cfg.duration)
	faults.Wait()
	if tl.err != nil {
		return res, tl.err
	}
	res.Acknowledged, res.Retries = acked, retries

	deadline := time.Now().Add(cfg.settle)
	for {
		n, err := db.CountResponses(ctx, benchSurvey, benchYear)
		if err == nil && int(n) >= acked || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	in, err := db.Integrity(ctx, benchSurvey, benchYear)
	if err != nil {
		return res, err
	}
	res.Distinct, res.AnswerRows, res.RawRows = in.Responses, in.Answers, in.AnswerRows
	if res.Counted, err = db.CountResponses(ctx, benchSurvey, benchYear); err != nil {
		return res, err
	}
	return res, nil
}

// timeline runs faults at times relative to its start, in order, printing each as it
// happens; the first that fails stops the rest.
type timeline struct {
	ctx   context.Context
	out   io.Writer
	start time.Time
	err   error // the step that failed
}

// step waits until at, then runs f. It reports false once a step has failed or the context
// has ended, so that steps chain with &&.
func (tl *timeline) step(at time.Duration, what string, f func() error) bool {
	select {
	case <-time.After(time.Until(tl.start.Add(at))):
	case <-tl.ctx.Done():
		return false
	}
	fmt.Fprintf(tl.out, "  %5.1fs %s\n", time.Since(tl.start).Seconds(), what)
	if err := f(); err != nil {
		tl.err = fmt.Errorf("%s: %w", what, err)
		return false
	}
	return true
}

// resilientLoad sends responses at rate for duration, each from its own goroutine, retrying a
// request that failed to connect or got 503 with the same body, as a participant's browser
// resubmits its draft, until it gets an answer. It returns how many were acknowledged.
func resilientLoad(ctx context.Context, url string, rate float64, duration time.Duration) (int, int64) {
	client := newClient(512)
	total := int(rate * duration.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	var acked, retries atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < total && ctx.Err() == nil; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		body := payload(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			giveUp := time.Now().Add(duration + 2*time.Minute)
			for attempt := 0; time.Now().Before(giveUp) && ctx.Err() == nil; attempt++ {
				if attempt > 0 {
					retries.Add(1)
					time.Sleep(200 * time.Millisecond)
				}
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					continue
				}
				var out struct{ Status string }
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusCreated, http.StatusOK:
					acked.Add(1)
					return
				case http.StatusServiceUnavailable, http.StatusTooManyRequests:
					continue
				default:
					return // refused for good: not acknowledged
				}
			}
		}()
	}
	wg.Wait()
	return int(acked.Load()), retries.Load()
}

// privateClickHouse is a ClickHouse server of the chaos run's own, started by the project's
// script with its own data directory and ports.
type privateClickHouse struct {
	script         string
	data           string
	port, httpPort int
}

func (c *privateClickHouse) run(action string) error {
	cmd := exec.Command("bash", c.script, action)
	cmd.Env = append(os.Environ(), "PALABRE_DATA="+c.data, "PALABRE_CH_PORT="+strconv.Itoa(c.port),
		"PALABRE_CH_HTTP_PORT="+strconv.Itoa(c.httpPort))
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("clickhouse %s: %w: %s", action, err, strings.TrimSpace(string(outb)))
	}
	return nil
}

func (c *privateClickHouse) kill() error {
	b, err := os.ReadFile(filepath.Join(c.data, "clickhouse", "clickhouse.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func freePort() int {
	a := freeAddr()
	p, _ := strconv.Atoi(a[strings.LastIndexByte(a, ':')+1:])
	return p
}

func printChaos(out io.Writer, r chaosResult) {
	fmt.Fprintf(out, "acknowledged (201, or 200 for a resubmission): %d (after %d retries)\n", r.Acknowledged, r.Retries)
	fmt.Fprintf(out, "distinct responses in ClickHouse: %d   lost: %d\n", r.Distinct, r.lost())
	fmt.Fprintf(out, "responses as palabre counts them: %d   double-counted: %d\n", r.Counted, r.doubleCounted())
	fmt.Fprintf(out, "distinct answers: %d (want %d); physical answer rows: %d\n", r.AnswerRows, r.Acknowledged*30, r.RawRows)
}
