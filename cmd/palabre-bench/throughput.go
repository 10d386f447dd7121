package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
)

// throughputConfig compares how many responses one palabre process and several processes
// over the same database acknowledge per second, under a saturating closed-loop load.
type throughputConfig struct {
	palabre, clickhouse string
	cluster             string // --cluster, empty for one server
	processes           int
	concurrency         int // requests outstanding at once, spread over the processes
	duration            time.Duration
	rounds              int
}

// throughputRound is one measured run.
type throughputRound struct {
	processes int
	perSec    float64
	p50, p99  time.Duration
	failed    int
	why       map[string]int // what the failed requests got
}

// benchThroughput runs 1 process and cfg.processes processes in turn, rounds times each, so
// the two are measured side by side on the same noisy machine, and prints the medians.
func benchThroughput(ctx context.Context, cfg throughputConfig, out io.Writer) error {
	var rounds []throughputRound
	for r := 0; r < cfg.rounds; r++ {
		for _, n := range []int{1, cfg.processes} {
			res, err := throughputOnce(ctx, cfg, n)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  round %d, %d process(es): %.0f responses/s acknowledged, p50 %s, p99 %s, %d failed %v\n",
				r+1, n, res.perSec, ms(res.p50), ms(res.p99), res.failed, res.why)
			rounds = append(rounds, res)
		}
	}
	med := func(n int) throughputRound {
		var rs []throughputRound
		for _, r := range rounds {
			if r.processes == n {
				rs = append(rs, r)
			}
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].perSec < rs[j].perSec })
		return rs[len(rs)/2]
	}
	one, many := med(1), med(cfg.processes)
	fmt.Fprintf(out, "median of %d rounds: 1 process %.0f/s (p99 %s), %d processes %.0f/s (p99 %s); ratio %.2f\n",
		cfg.rounds, one.perSec, ms(one.p99), cfg.processes, many.perSec, ms(many.p99), many.perSec/one.perSec)
	return nil
}

// throughputOnce starts n processes on a fresh database and loads them for cfg.duration.
func throughputOnce(ctx context.Context, cfg throughputConfig, n int) (throughputRound, error) {
	res := throughputRound{processes: n}
	bodies := make([][]byte, int(cfg.duration.Seconds()*8000)) // more than a round can send here
	for i := range bodies {
		bodies[i] = payload(i) // a new id each time
	}
	var next atomic.Int64
	dsn := strings.TrimRight(cfg.clickhouse, "/") + "/" + fmt.Sprintf("bench_throughput_%d", time.Now().UnixNano())
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, Cluster: cfg.cluster})
	if err != nil {
		return res, err
	}
	defer func() { db.DropDatabase(context.Background()); db.Close() }()
	if _, err := db.Migrate(ctx); err != nil {
		return res, err
	}
	if err := db.SaveForm(ctx, benchForm()); err != nil {
		return res, err
	}
	if err := db.SaveEdition(ctx, survey.Edition{SurveyID: benchSurvey, Year: benchYear, FormVersion: 1}); err != nil {
		return res, err
	}
	work, err := os.MkdirTemp("", "palabre-throughput-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	var urls []string
	for i := 0; i < n; i++ {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--clickhouse", dsn,
			"--data", filepath.Join(work, fmt.Sprint("data", i)), "--log-level", "warn"}
		if cfg.cluster != "" {
			args = append(args, "--cluster", cfg.cluster)
		}
		p, err := startProcess(ctx, filepath.Join(work, fmt.Sprint("palabre", i, ".log")), cfg.palabre, args...)
		if err != nil {
			return res, err
		}
		defer p.stop()
		if err := waitReady(ctx, p.base+"/readyz"); err != nil {
			return res, err
		}
		urls = append(urls, p.base+fmt.Sprintf("/api/v1/surveys/%s/editions/%d/responses", benchSurvey, benchYear))
	}

	client := newClient(cfg.concurrency)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
		why       = map[string]int{}
		wg        sync.WaitGroup
	)
	end := time.Now().Add(cfg.duration)
	start := time.Now()
	for w := 0; w < cfg.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; time.Now().Before(end) && ctx.Err() == nil; k++ {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				t0 := time.Now()
				resp, err := client.Post(urls[k%len(urls)], "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					failed.Add(1)
					mu.Lock()
					why["no answer"]++
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
					mu.Lock()
					why[strconv.Itoa(resp.StatusCode)]++
					mu.Unlock()
					continue
				}
				d := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if next.Load() >= int64(len(bodies)) && elapsed < cfg.duration {
		return res, fmt.Errorf("ran out of prepared responses after %d; shorten --duration", len(bodies))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	res.perSec = float64(len(latencies)) / elapsed.Seconds()
	res.p50, res.p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
	res.failed, res.why = int(failed.Load()), why
	return res, nil
}
