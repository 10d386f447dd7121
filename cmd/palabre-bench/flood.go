package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/palabre/palabre/survey"
)

// floodConfig is a flood: far more responses a second than palabre can take, to check that
// it refuses what it cannot take, quickly and in bounded memory, and loses nothing it took.
type floodConfig struct {
	ingestConfig
	maxRSS int64 // the most palabre may hold resident, in bytes
}

// floodResult is what a flood measured.
type floodResult struct {
	sent, dropped            int
	accepted, duplicates     int         // 201, 200
	busy, busyRetry          int         // 503, and those with Retry-After
	limited, limitedRetry    int         // 429, and those with Retry-After
	other                    map[int]int // any other status
	resets, timeouts, failed int         // no response
	errors                   map[string]int
	acceptedPerSec           float64
	ack, refusal             [4]time.Duration // p50, p99, p99.9, max
	peakRSS                  int64
	acknowledged, found      int // acknowledged ids, and those of them in ClickHouse
}

func (r floodResult) lost() int { return r.acknowledged - r.found }

// problems lists the targets the flood missed.
func (r floodResult) problems(maxRSS int64) []string {
	var p []string
	if r.dropped > 0 {
		p = append(p, fmt.Sprintf("%d requests not sent: the client had too many in flight", r.dropped))
	}
	if n := r.busy - r.busyRetry + r.limited - r.limitedRetry; n > 0 {
		p = append(p, fmt.Sprintf("%d refusals without Retry-After", n))
	}
	if len(r.other) > 0 {
		p = append(p, fmt.Sprintf("unexpected statuses %v", r.other))
	}
	if r.resets+r.timeouts+r.failed > 0 {
		p = append(p, fmt.Sprintf("%d requests without a response (%d resets, %d timeouts, %d other)",
			r.resets+r.timeouts+r.failed, r.resets, r.timeouts, r.failed))
	}
	if maxRSS > 0 && r.peakRSS > maxRSS {
		p = append(p, fmt.Sprintf("peak RSS %.1f MB over %.0f MB", mb(r.peakRSS), mb(maxRSS)))
	}
	if r.lost() != 0 {
		p = append(p, fmt.Sprintf("%d acknowledged responses not in ClickHouse", r.lost()))
	}
	if r.accepted == 0 {
		p = append(p, "no response accepted")
	}
	return p
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func benchFlood(ctx context.Context, cfg floodConfig, out io.Writer) error {
	b, err := setupBench(ctx, cfg.ingestConfig, out)
	if err != nil {
		return err
	}
	defer b.close()
	fmt.Fprintf(out, "flood: %.0f responses/s for %s, open loop, from %d loopback addresses, at most %d requests in flight, on %s\n",
		cfg.rate, cfg.duration, cfg.sources, cfg.maxInFlight, b.srv.base)
	res := load{url: b.srv.base + b.path, rate: cfg.rate, duration: cfg.duration, maxInFlight: cfg.maxInFlight, body: b.body}.
		run(ctx, newClientFrom(cfg.maxInFlight, cfg.sources))
	r := tally(res)
	var acked []survey.ResponseID
	for _, o := range res.outcomes {
		if o.err == nil && (o.status == http.StatusCreated || o.status == http.StatusOK) {
			acked = append(acked, b.ids[o.i])
		}
	}
	r.acknowledged = len(acked)

	// Every acknowledged id must reach ClickHouse.
	deadline := time.Now().Add(cfg.visibleWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if n, err := b.db.CountResponses(ctx, benchSurvey, benchYear); err == nil && int(n) >= len(acked) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	stored := map[survey.ResponseID]bool{}
	if err := b.db.ResponseDigests(ctx, func(id survey.ResponseID, _ uint64, _ time.Time) { stored[id] = true }); err != nil {
		return err
	}
	for _, id := range acked {
		if stored[id] {
			r.found++
		}
	}
	r.peakRSS = peakRSS(b.srv.cmd.Process.Pid) // VmHWM: the peak over palabre's whole life
	b.srv.stop()

	printFlood(out, r)
	if cfg.baseline {
		// The same load against a bare Gin server tells whether this machine, shared with
		// the client, can carry the rate at all.
		self, err := os.Executable()
		if err != nil {
			return err
		}
		base, err := startProcess(ctx, filepath.Join(b.dataDir, "baseline.log"), self, "baseline-server", "--addr", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer base.stop()
		time.Sleep(200 * time.Millisecond)
		fmt.Fprintf(out, "baseline (bare Gin, decode + 201): same load on %s\n", base.base)
		bres := load{url: base.base + b.path, rate: cfg.rate, duration: cfg.duration, maxInFlight: cfg.maxInFlight, body: b.body}.
			run(ctx, newClientFrom(cfg.maxInFlight, cfg.sources))
		br := tally(bres)
		br.peakRSS = peakRSS(base.cmd.Process.Pid)
		base.stop()
		fmt.Fprintf(out, "  sent %d (not sent, client saturated: %d); 201 %d; other %v; no response %d\n",
			br.sent, br.dropped, br.accepted, br.other, br.resets+br.timeouts+br.failed)
		fmt.Fprintf(out, "  latency: p50 %s  p99 %s  p99.9 %s  max %s; peak RSS %.1f MB\n",
			ms(br.ack[0]), ms(br.ack[1]), ms(br.ack[2]), ms(br.ack[3]), mb(br.peakRSS))
	}
	if p := r.problems(cfg.maxRSS); len(p) > 0 {
		for _, s := range p {
			fmt.Fprintln(out, "  FAIL:", s)
		}
		if log, err := os.ReadFile(filepath.Join(b.dataDir, "palabre.log")); err == nil {
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			fmt.Fprintf(out, "  palabre's log ends with:\n    %s\n", strings.Join(lines[max(0, len(lines)-15):], "\n    "))
		}
		return errors.New("flood: targets missed")
	}
	fmt.Fprintf(out, "  PASS: every request answered, peak RSS ≤ %.0f MB, every acknowledged response stored\n", mb(cfg.maxRSS))
	return nil
}

// tally counts a flood's outcomes by kind.
func tally(res loadResult) floodResult {
	r := floodResult{sent: len(res.outcomes), dropped: res.dropped, other: map[int]int{}, errors: map[string]int{}}
	var ack, refusal []time.Duration
	for _, o := range res.outcomes {
		if o.err != nil {
			switch {
			case isReset(o.err):
				r.resets++
			case isTimeout(o.err):
				r.timeouts++
			default:
				r.failed++
			}
			r.errors[o.err.Error()]++
			continue
		}
		switch o.status {
		case http.StatusCreated, http.StatusOK:
			if o.status == http.StatusCreated {
				r.accepted++
			} else {
				r.duplicates++
			}
			ack = append(ack, o.latency)
		case http.StatusServiceUnavailable:
			r.busy++
			if o.retryAfter {
				r.busyRetry++
			}
			refusal = append(refusal, o.latency)
		case http.StatusTooManyRequests:
			r.limited++
			if o.retryAfter {
				r.limitedRetry++
			}
			refusal = append(refusal, o.latency)
		default:
			r.other[o.status]++
		}
	}
	r.acceptedPerSec = float64(r.accepted+r.duplicates) / res.elapsed.Seconds()
	r.ack, r.refusal = percentiles(ack), percentiles(refusal)
	return r
}

func percentiles(d []time.Duration) [4]time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	var p [4]time.Duration
	p[0], p[1], p[2] = percentile(d, 0.5), percentile(d, 0.99), percentile(d, 0.999)
	if len(d) > 0 {
		p[3] = d[len(d)-1]
	}
	return p
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func printFlood(out io.Writer, r floodResult) {
	fmt.Fprintf(out, "  sent %d (not sent, client saturated: %d)\n", r.sent, r.dropped)
	fmt.Fprintf(out, "  201 accepted %d, 200 duplicate %d, 503 refused %d (with Retry-After %d), 429 rate-limited %d (with Retry-After %d)\n",
		r.accepted, r.duplicates, r.busy, r.busyRetry, r.limited, r.limitedRetry)
	fmt.Fprintf(out, "  other statuses %v; no response: %d resets, %d timeouts, %d other\n", r.other, r.resets, r.timeouts, r.failed)
	shown := 0
	for msg, n := range r.errors {
		if shown++; shown > 10 {
			fmt.Fprintf(out, "    … and %d other errors\n", len(r.errors)-10)
			break
		}
		fmt.Fprintf(out, "    no response %d×: %s\n", n, msg)
	}
	fmt.Fprintf(out, "  accepted %.0f responses/s\n", r.acceptedPerSec)
	fmt.Fprintf(out, "  acknowledgement latency: p50 %s  p99 %s  p99.9 %s  max %s\n", ms(r.ack[0]), ms(r.ack[1]), ms(r.ack[2]), ms(r.ack[3]))
	fmt.Fprintf(out, "  refusal latency:         p50 %s  p99 %s  p99.9 %s  max %s\n", ms(r.refusal[0]), ms(r.refusal[1]), ms(r.refusal[2]), ms(r.refusal[3]))
	fmt.Fprintf(out, "  palabre peak RSS (VmHWM): %.1f MB\n", mb(r.peakRSS))
	fmt.Fprintf(out, "  acknowledged %d, in ClickHouse %d, lost %d\n", r.acknowledged, r.found, r.lost())
}
