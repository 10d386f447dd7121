// Command palabre-bench measures palabre's ingestion on loopback: it starts a real
// `palabre serve` against the local ClickHouse, posts realistic 30-answer responses to the JSON
// API at a constant arrival rate (open loop, bounded in count and time), and reports accepted
// responses/s, answers/s, acknowledgement latency percentiles, time until visible in
// ClickHouse and palabre's peak RSS; then runs the same load against a bare Gin handler that
// only decodes the JSON and answers 201, and prints the ratio.
//
//	palabre-bench ingest --palabre bin/palabre --rate 2000 --duration 60s
//
// It also runs the chaos scenario: load while ClickHouse is killed and restarted and palabre
// is killed with SIGKILL and restarted, then checks that ClickHouse holds exactly the
// responses acknowledged, none counted twice.
//
//	palabre-bench chaos --palabre bin/palabre --duration 60s --clickhouse-down 20s
//
// And a flood: an open-loop load far above what palabre can take, which passes when every
// request is answered (201 or 200, or 503 or 429 with Retry-After; no reset, no timeout),
// palabre's peak RSS stays under a bound, and every acknowledged response reaches ClickHouse.
//
//	palabre-bench flood --palabre bin/palabre --rate 15000 --duration 30s --max-rss-mb 250
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "palabre-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: palabre-bench ingest|flood|chaos|chaos-cluster|throughput [flags]  (baseline-server --addr ADDR is started by ingest)")
	}
	switch args[0] {
	case "ingest", "flood":
		flood := args[0] == "flood"
		fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
		cfg := floodConfig{}
		fs.StringVar(&cfg.palabre, "palabre", "bin/palabre", "the palabre binary to measure")
		fs.StringVar(&cfg.clickhouse, "clickhouse", envOr("PALABRE_TEST_CLICKHOUSE", "clickhouse://127.0.0.1:19000"), "ClickHouse server DSN, without database")
		rate, duration := 2000.0, 60*time.Second
		if flood {
			rate, duration = 15000, 30*time.Second
		}
		fs.Float64Var(&cfg.rate, "rate", rate, "responses per second to send")
		fs.DurationVar(&cfg.duration, "duration", duration, "how long to send")
		fs.IntVar(&cfg.maxInFlight, "max-in-flight", 4000, "requests outstanding at once (more are counted as dropped)")
		fs.IntVar(&cfg.sources, "sources", defaultSources, "loopback addresses the requests come from, in turn (palabre limits each address's rate)")
		fs.Func("serve-flag", "a flag for palabre serve, such as --serve-flag=--max-inflight-submissions=64 (repeatable)", func(s string) error {
			cfg.serveArgs = append(cfg.serveArgs, s)
			return nil
		})
		fs.DurationVar(&cfg.visibleWait, "visible-wait", 2*time.Minute, "longest wait for every response to be visible in ClickHouse")
		var maxRSS int64
		fs.BoolVar(&cfg.baseline, "baseline", !flood, "also measure the bare Gin baseline under the same load")
		if flood {
			fs.Int64Var(&maxRSS, "max-rss-mb", 250, "the most palabre may hold resident, in MB")
		}
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if cfg.rate <= 0 || cfg.duration <= 0 || cfg.duration > 10*time.Minute {
			return errors.New("rate must be positive and duration between 0 and 10m")
		}
		if cfg.sources < 1 || cfg.sources > 254*254 {
			return errors.New("sources must be between 1 and 64516")
		}
		if flood {
			cfg.maxRSS = maxRSS << 20
			return benchFlood(ctx, cfg, out)
		}
		return benchIngest(ctx, cfg.ingestConfig, out)
	case "chaos":
		fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
		cfg := chaosConfig{}
		fs.StringVar(&cfg.palabre, "palabre", "bin/palabre", "the palabre binary")
		fs.StringVar(&cfg.script, "clickhouse-script", "deploy/clickhouse.sh", "the script that starts a private ClickHouse")
		fs.Float64Var(&cfg.rate, "rate", 500, "responses per second")
		fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long to send")
		fs.DurationVar(&cfg.clickhouseDown, "clickhouse-down", 20*time.Second, "how long ClickHouse stays killed")
		fs.DurationVar(&cfg.settle, "settle", 2*time.Minute, "longest wait for delivery after the load")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		fmt.Fprintf(out, "chaos: %.0f responses/s for %s; ClickHouse killed for %s; palabre killed twice (once while ClickHouse is down)\n", cfg.rate, cfg.duration, cfg.clickhouseDown)
		res, err := runChaos(ctx, cfg, out)
		if err != nil {
			return err
		}
		printChaos(out, res)
		if res.lost() != 0 || res.doubleCounted() != 0 || res.AnswerRows != uint64(res.Acknowledged)*30 {
			return errors.New("chaos: responses lost or counted twice")
		}
		return nil
	case "chaos-cluster":
		fs := flag.NewFlagSet("chaos-cluster", flag.ContinueOnError)
		cfg := clusterChaosConfig{}
		fs.StringVar(&cfg.palabre, "palabre", "bin/palabre", "the palabre binary")
		fs.StringVar(&cfg.script, "cluster-script", "deploy/cluster.sh", "the script that starts a local ClickHouse cluster")
		fs.IntVar(&cfg.processes, "processes", 2, "palabre processes sharing the cluster")
		fs.Float64Var(&cfg.rate, "rate", 1000, "responses per second")
		fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long to send")
		fs.DurationVar(&cfg.zookeeperDown, "zookeeper-down", 20*time.Second, "how long ZooKeeper stays stopped")
		fs.DurationVar(&cfg.settle, "settle", 3*time.Minute, "longest wait for delivery after the load")
		fs.IntVar(&cfg.checkEvery, "check-every", 50, "resubmit and contradict one acknowledged response in this many")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		fmt.Fprintf(out, "chaos-cluster: %.0f responses/s for %s over %d palabre and 2 shards × 2 replicas; a replica killed, a palabre killed, ZooKeeper stopped for %s\n",
			cfg.rate, cfg.duration, cfg.processes, cfg.zookeeperDown)
		res, err := runClusterChaos(ctx, cfg, out)
		if err != nil {
			return err
		}
		printClusterChaos(out, res)
		if p := res.problems(1); len(p) > 0 {
			return errors.New("chaos-cluster: " + strings.Join(p, "; "))
		}
		return nil
	case "throughput":
		fs := flag.NewFlagSet("throughput", flag.ContinueOnError)
		cfg := throughputConfig{}
		fs.StringVar(&cfg.palabre, "palabre", "bin/palabre", "the palabre binary")
		fs.StringVar(&cfg.clickhouse, "clickhouse", envOr("PALABRE_TEST_CLICKHOUSE", "clickhouse://127.0.0.1:19000"), "ClickHouse DSN (every node of a cluster), without database")
		fs.StringVar(&cfg.cluster, "cluster", "", "the ClickHouse cluster's name (empty: one server)")
		fs.IntVar(&cfg.processes, "processes", 2, "palabre processes to compare with one")
		fs.IntVar(&cfg.concurrency, "concurrency", 64, "requests outstanding at once, spread over the processes")
		fs.DurationVar(&cfg.duration, "duration", 15*time.Second, "how long each round loads")
		fs.IntVar(&cfg.rounds, "rounds", 3, "rounds of each configuration, taken in turn")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if cfg.processes < 2 || cfg.concurrency < 1 || cfg.rounds < 1 || cfg.duration <= 0 || cfg.duration > 5*time.Minute {
			return errors.New("processes must be at least 2, concurrency and rounds positive, duration up to 5m")
		}
		return benchThroughput(ctx, cfg, out)
	case "baseline-server":
		fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
		addr := fs.String("addr", "127.0.0.1:0", "address")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return serveBaseline(ctx, *addr, out)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
