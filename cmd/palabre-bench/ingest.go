package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
)

type ingestConfig struct {
	palabre, clickhouse string
	rate                float64
	duration            time.Duration
	visibleWait         time.Duration
	maxInFlight         int
	baseline            bool
	sources             int      // client addresses the load comes from
	serveArgs           []string // more flags for palabre serve
}

// bench is what a load runs against: its own database, the responses it sends, and a
// palabre serving them.
type bench struct {
	db       *clickhouse.DB
	payloads [][]byte
	ids      []survey.ResponseID // of each payload
	path     string              // where responses are posted
	dataDir  string
	srv      *process
}

// setupBench creates a database with the benchmark's form, prepares rate×duration responses
// and starts palabre on it.
func setupBench(ctx context.Context, cfg ingestConfig, out io.Writer) (b *bench, err error) {
	b = &bench{path: fmt.Sprintf("/api/v1/surveys/%s/editions/%d/responses", benchSurvey, benchYear)}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	dbName := fmt.Sprintf("bench_ingest_%d", time.Now().UnixNano())
	dsn := strings.TrimRight(cfg.clickhouse, "/") + "/" + dbName
	if b.db, err = clickhouse.Open(ctx, clickhouse.Config{DSN: dsn}); err != nil {
		return b, err
	}
	if _, err := b.db.Migrate(ctx); err != nil {
		return b, err
	}
	form := benchForm()
	if _, err := survey.Compile(form); err != nil {
		return b, fmt.Errorf("benchmark form: %w", err)
	}
	if err := b.db.SaveForm(ctx, form); err != nil {
		return b, err
	}
	if err := b.db.SaveEdition(ctx, survey.Edition{SurveyID: benchSurvey, Year: benchYear, FormVersion: 1}); err != nil {
		return b, err
	}

	total := int(cfg.rate * cfg.duration.Seconds())
	fmt.Fprintf(out, "preparing %d responses of 30 answers…\n", total)
	b.payloads, b.ids = make([][]byte, total), make([]survey.ResponseID, total)
	for i := range b.payloads {
		b.payloads[i], b.ids[i] = payloadID(i)
	}

	if b.dataDir, err = os.MkdirTemp("", "palabre-bench-"); err != nil {
		return b, err
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--clickhouse", dsn,
		"--data", filepath.Join(b.dataDir, "data"), "--log-level", "warn"}, cfg.serveArgs...)
	if b.srv, err = startProcess(ctx, filepath.Join(b.dataDir, "palabre.log"), cfg.palabre, args...); err != nil {
		return b, err
	}
	return b, waitReady(ctx, b.srv.base+"/readyz")
}

func (b *bench) body(i int) []byte { return b.payloads[i] }

func (b *bench) close() {
	if b.srv != nil {
		b.srv.stop()
	}
	if b.db != nil {
		b.db.DropDatabase(context.Background())
		b.db.Close()
	}
	if b.dataDir != "" {
		os.RemoveAll(b.dataDir)
	}
}

func benchIngest(ctx context.Context, cfg ingestConfig, out io.Writer) error {
	b, err := setupBench(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer b.close()
	db, srv, path, dataDir, body := b.db, b.srv, b.path, b.dataDir, b.body

	fmt.Fprintf(out, "palabre: %.0f responses/s for %s, open loop, on %s\n", cfg.rate, cfg.duration, srv.base)
	poll := startPolling(ctx, db)
	client := newClientFrom(cfg.maxInFlight, cfg.sources)
	res := load{url: srv.base + path, rate: cfg.rate, duration: cfg.duration, maxInFlight: cfg.maxInFlight, body: body}.run(ctx, client)
	sum := summarise(res, http.StatusCreated)
	rss := peakRSS(srv.cmd.Process.Pid)
	acks := ackTimes(res, http.StatusCreated)
	visible := poll.waitFor(len(acks), cfg.visibleWait)
	poll.stop()
	vis := visibility(acks, poll.samples())
	distinct, err := db.CountResponses(context.Background(), benchSurvey, benchYear)
	if err != nil {
		return err
	}
	srv.stop()

	report(out, "palabre", sum, 30)
	fmt.Fprintf(out, "  visible in ClickHouse after ack: p50 %s  p99 %s  max %s  (all visible: %v)\n",
		ms(vis.p50), ms(vis.p99), ms(vis.max), visible)
	fmt.Fprintf(out, "  delivered: %d distinct responses in ClickHouse for %d acknowledged (lost: %d)\n",
		distinct, sum.ok, sum.ok-int(distinct))
	fmt.Fprintf(out, "  palabre peak RSS: %.1f MB\n", float64(rss)/(1<<20))

	if !cfg.baseline {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	base, err := startProcess(ctx, filepath.Join(dataDir, "baseline.log"), self, "baseline-server", "--addr", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer base.stop()
	time.Sleep(200 * time.Millisecond)
	fmt.Fprintf(out, "baseline (bare Gin, decode + 201): same load on %s\n", base.base)
	bres := load{url: base.base + path, rate: cfg.rate, duration: cfg.duration, maxInFlight: cfg.maxInFlight, body: body}.run(ctx, newClientFrom(cfg.maxInFlight, cfg.sources))
	bsum := summarise(bres, http.StatusCreated)
	report(out, "baseline", bsum, 30)
	fmt.Fprintf(out, "ratio palabre/baseline: throughput %.2f×, p50 %.2f×, p99 %.2f×\n",
		sum.okPerSec/bsum.okPerSec, ratio(sum.p50, bsum.p50), ratio(sum.p99, bsum.p99))
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func report(out io.Writer, name string, s summary, answersPer int) {
	fmt.Fprintf(out, "%s: sent %d, accepted %d, failed %d, dropped %d, statuses %v\n", name, s.sent, s.ok, s.failed, s.dropped, s.statuses)
	for msg, n := range s.errors {
		fmt.Fprintf(out, "  no response %d×: %s\n", n, msg)
	}
	fmt.Fprintf(out, "  accepted %.0f responses/s = %.0f answers/s\n", s.okPerSec, s.okPerSec*float64(answersPer))
	fmt.Fprintf(out, "  ack latency: p50 %s  p99 %s  p99.9 %s  max %s\n", ms(s.p50), ms(s.p99), ms(s.p999), ms(s.max))
}

// process is a server started for the benchmark.
type process struct {
	cmd  *exec.Cmd
	base string
	once sync.Once
}

var servingRE = regexp.MustCompile(`serving on (http://\S+)`)

func startProcess(ctx context.Context, logPath, bin string, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case p.base = <-found:
		return p, nil
	case <-time.After(60 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s did not start; see %s", bin, logPath)
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

func (p *process) stop() {
	p.once.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
	})
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after 60s", url)
}

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ackTimes returns when each accepted response was acknowledged, in order.
func ackTimes(r loadResult, okStatus int) []time.Time {
	var out []time.Time
	for _, o := range r.outcomes {
		if o.err == nil && o.status == okStatus {
			out = append(out, o.due.Add(o.latency))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}
