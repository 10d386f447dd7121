package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
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

// clusterChaosConfig is one run of several palabre processes over a local ClickHouse cluster
// (deploy/cluster.sh: ZooKeeper and 2 shards × 2 replicas on loopback) while a replica is
// killed, a palabre is killed and restarted, and ZooKeeper is stopped for a while.
type clusterChaosConfig struct {
	palabre       string
	script        string // deploy/cluster.sh
	processes     int
	rate          float64
	duration      time.Duration
	zookeeperDown time.Duration
	settle        time.Duration // longest wait for delivery after the load
	checkEvery    int           // one acknowledged response in checkEvery is resubmitted and contradicted
}

// clusterChaosResult is what the run proves.
type clusterChaosResult struct {
	chaosResult
	PerProcess []int // acknowledged by each process

	Resubmitted, Recognised int            // same body sent again to another process; answered 200
	Contradicted, Refused   int            // same id, other answers, sent to another process; answered 409
	Answers                 map[string]int // "resubmission to #2: 201" → how many, for the report

	CountedWithReplicaDown error  // counting responses while a replica is down
	ReadyWithZooKeeperDown string // /readyz of a palabre while ZooKeeper is down
}

// clusterNode runs deploy/cluster.sh with the run's own data directory and ports.
type localCluster struct {
	script, data string
	port         int
	name         string
}

func (c *localCluster) run(args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{c.script}, args...)...)
	cmd.Env = append(os.Environ(), "PALABRE_DATA="+c.data, "PALABRE_CLUSTER_PORT="+strconv.Itoa(c.port),
		"PALABRE_CLUSTER_NAME="+c.name)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("cluster %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// dsn returns the DSN of every node with database db.
func (c *localCluster) dsn(db string) (string, error) {
	s, err := c.run("dsn")
	if err != nil {
		return "", err
	}
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if j := strings.IndexAny(rest, "/?"); j >= 0 {
			rest = rest[:j]
		}
		s = s[:i+3] + rest
	}
	return s + "/" + db, nil
}

// freeBase returns a base port with the next 50 ports free, for the cluster's nodes.
func freeBase() int {
	for {
		base := 20000 + 100*(int(time.Now().UnixNano()/1000)%300)
		ok := true
		for p := base; p < base+50 && ok; p++ {
			ok = portFree(p)
		}
		if ok {
			return base
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func portFree(p int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// runClusterChaos runs the scenario on a cluster of its own (never the shared server).
func runClusterChaos(ctx context.Context, cfg clusterChaosConfig, out io.Writer) (clusterChaosResult, error) {
	var res clusterChaosResult
	work, err := os.MkdirTemp("", "palabre-chaos-cluster-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	cl := &localCluster{script: cfg.script, data: filepath.Join(work, "cluster"), port: freeBase(), name: "palabre"}
	started := time.Now()
	if _, err := cl.run("start"); err != nil {
		return res, err
	}
	defer cl.run("stop")
	fmt.Fprintf(out, "  cluster ready in %.1fs\n", time.Since(started).Seconds())
	dsn, err := cl.dsn("chaos")
	if err != nil {
		return res, err
	}
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn, Cluster: cl.name})
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

	n := max(cfg.processes, 2)
	procs := make([]*process, n)
	argsOf := make([][]string, n)
	logs := make([]string, n)
	for i := range procs {
		argsOf[i] = []string{"serve", "--addr", freeAddr(), "--metrics-addr", "127.0.0.1:0", "--clickhouse", dsn,
			"--cluster", cl.name, "--data", filepath.Join(work, fmt.Sprintf("data%d", i)),
			"--log-level", "warn", "--shutdown-timeout", "5s", "--max-delivery-lag", "5s"}
		logs[i] = filepath.Join(work, fmt.Sprintf("palabre%d.log", i))
		p, err := startProcess(ctx, logs[i], cfg.palabre, argsOf[i]...)
		if err != nil {
			return res, err
		}
		procs[i] = p
		if err := waitReady(ctx, p.base+"/readyz"); err != nil {
			return res, err
		}
	}
	var pmu sync.Mutex
	defer func() {
		pmu.Lock()
		defer pmu.Unlock()
		for _, p := range procs {
			p.stop()
		}
	}()
	path := fmt.Sprintf("/api/v1/surveys/%s/editions/%d/responses", benchSurvey, benchYear)
	bases := func() []string {
		pmu.Lock()
		defer pmu.Unlock()
		b := make([]string, len(procs))
		for i, p := range procs {
			b[i] = p.base
		}
		return b
	}

	tl := &timeline{ctx: ctx, out: out, start: time.Now()}
	var faults sync.WaitGroup
	faults.Add(1)
	go func() {
		defer faults.Done()
		step := tl.step
		node := func(args ...string) func() error {
			return func() error { _, err := cl.run(args...); return err }
		}
		restart := func() error {
			pmu.Lock()
			old := procs[1]
			pmu.Unlock()
			old.cmd.Process.Signal(syscall.SIGKILL)
			old.cmd.Wait()
			p, err := startProcess(ctx, logs[1]+".2", cfg.palabre, argsOf[1]...)
			if err != nil {
				return err
			}
			pmu.Lock()
			procs[1] = p
			pmu.Unlock()
			return waitReady(ctx, p.base+"/healthz")
		}
		count := func() error {
			_, err := db.CountResponses(ctx, benchSurvey, benchYear)
			res.CountedWithReplicaDown = err
			return nil
		}
		var zkStopped time.Time
		stopZooKeeper := func() error {
			err := node("stop-zookeeper")()
			zkStopped = time.Now()
			return err
		}
		// Delivery is behind once ZooKeeper has been down past --max-delivery-lag. On a busy
		// machine the steps run late, closer to the stop than planned, so palabre is asked
		// until /readyz says so or ZooKeeper has been down for nine tenths of the outage.
		ready := func() error {
			deadline := zkStopped.Add(cfg.zookeeperDown * 9 / 10)
			for {
				pmu.Lock()
				base := procs[0].base
				pmu.Unlock()
				if resp, err := http.Get(base + "/readyz"); err != nil {
					res.ReadyWithZooKeeperDown = err.Error()
				} else {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					res.ReadyWithZooKeeperDown = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
				}
				if strings.Contains(res.ReadyWithZooKeeperDown, "behind") || time.Now().After(deadline) || ctx.Err() != nil {
					return nil
				}
				time.Sleep(250 * time.Millisecond)
			}
		}
		d, zk := cfg.duration, cfg.zookeeperDown
		_ = step(d/10, "kill -9 a replica (shard 1, replica 2)", node("kill-node", "2")) &&
			step(d/10+d/12, "count the responses with the replica down", count) &&
			step(d/10+d/6, "start the replica again", node("start-node", "2")) &&
			step(d*4/10, "kill -9 palabre #2 and restart it", restart) &&
			step(d/2, fmt.Sprintf("stop ZooKeeper for %s", zk), stopZooKeeper) &&
			step(d/2+zk*3/4, "ask palabre #1 whether it is ready", ready) &&
			step(d/2+zk, "start ZooKeeper", node("start-zookeeper"))
	}()
	acks, retries := spreadLoad(ctx, bases, path, cfg.rate, cfg.duration)
	faults.Wait()
	if tl.err != nil {
		return res, tl.err
	}
	res.Acknowledged, res.Retries = len(acks), retries
	res.PerProcess = make([]int, n)
	for _, a := range acks {
		res.PerProcess[a.proc]++
	}

	deadline := time.Now().Add(cfg.settle)
	for {
		c, err := db.CountResponses(ctx, benchSurvey, benchYear)
		if err == nil && int(c) >= res.Acknowledged || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Every process has had time to learn what the others stored: a resubmission to another
	// process is recognised, and other answers under the same id are refused.
	time.Sleep(3 * time.Second)
	client := newClient(16)
	b := bases()
	res.Answers = map[string]int{}
	for k := 0; k < len(acks); k += max(cfg.checkEvery, 1) {
		a := acks[k]
		other := b[(a.proc+1)%n] + path
		to := (a.proc+1)%n + 1
		res.Resubmitted++
		st := postPatiently(ctx, client, other, a.body)
		if st == http.StatusOK {
			res.Recognised++
		}
		res.Answers[fmt.Sprintf("resubmission to #%d: %d", to, st)]++
		res.Contradicted++
		st = postPatiently(ctx, client, other, contradict(a.body))
		if st == http.StatusConflict {
			res.Refused++
		}
		res.Answers[fmt.Sprintf("other answers to #%d: %d", to, st)]++
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

// ack is one acknowledged response: its body and the process that acknowledged it.
type ack struct {
	body []byte
	proc int
}

// spreadLoad sends responses at rate for duration, in turn to each process as a round-robin
// proxy would, each from its own goroutine. A request that fails to connect or gets 503 is sent
// again with the same body to the next process, as a proxy and a participant's browser would,
// until it is answered. It returns the acknowledged responses (201, or 200 for a resubmission).
func spreadLoad(ctx context.Context, bases func() []string, path string, rate float64, duration time.Duration) ([]ack, int64) {
	client := newClient(512)
	total := int(rate * duration.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	var (
		mu      sync.Mutex
		acks    []ack
		retries atomic.Int64
		wg      sync.WaitGroup
	)
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
				b := bases()
				proc := (i + attempt) % len(b)
				status, err := post(client, b[proc]+path, body)
				if err != nil {
					continue
				}
				switch status {
				case http.StatusCreated, http.StatusOK:
					mu.Lock()
					acks = append(acks, ack{body: body, proc: proc})
					mu.Unlock()
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
	return acks, retries.Load()
}

func post(client *http.Client, url string, body []byte) (int, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// postPatiently posts body until it gets an answer other than 429 or 503, waiting between
// tries as a participant's browser would; it returns the status (0 if none came in a minute).
func postPatiently(ctx context.Context, client *http.Client, url string, body []byte) int {
	for giveUp := time.Now().Add(time.Minute); time.Now().Before(giveUp) && ctx.Err() == nil; time.Sleep(250 * time.Millisecond) {
		st, err := post(client, url, body)
		if err == nil && st != http.StatusTooManyRequests && st != http.StatusServiceUnavailable {
			return st
		}
	}
	return 0
}

// contradict returns body with another answer to the NPS question, under the same id.
func contradict(body []byte) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	answers, _ := m["answers"].(map[string]any)
	nps, _ := answers["nps"].(float64)
	answers["nps"] = (int(nps) + 1) % 11
	b, _ := json.Marshal(m)
	return b
}

func printClusterChaos(out io.Writer, r clusterChaosResult) {
	printChaos(out, r.chaosResult)
	fmt.Fprintf(out, "acknowledged per process: %v\n", r.PerProcess)
	fmt.Fprintf(out, "resubmitted to the other process: %d, recognised (200): %d\n", r.Resubmitted, r.Recognised)
	fmt.Fprintf(out, "other answers under the same id: %d, refused (409): %d\n", r.Contradicted, r.Refused)
	fmt.Fprintf(out, "answers to the checks: %v\n", r.Answers)
	fmt.Fprintf(out, "responses counted with a replica down: error %v\n", r.CountedWithReplicaDown)
	fmt.Fprintf(out, "/readyz with ZooKeeper down: %s\n", r.ReadyWithZooKeeperDown)
}

// problems lists what the run must not show.
func (r clusterChaosResult) problems(minAcks int) []string {
	var p []string
	if r.Acknowledged < minAcks {
		p = append(p, fmt.Sprintf("only %d responses acknowledged; the load did not run", r.Acknowledged))
	}
	for i, k := range r.PerProcess {
		if k == 0 {
			p = append(p, fmt.Sprintf("process %d acknowledged nothing: the load was not spread", i+1))
		}
	}
	if r.lost() != 0 {
		p = append(p, fmt.Sprintf("%d acknowledged responses lost", r.lost()))
	}
	if r.doubleCounted() != 0 {
		p = append(p, fmt.Sprintf("%d responses counted twice", r.doubleCounted()))
	}
	if r.AnswerRows != uint64(r.Acknowledged)*30 {
		p = append(p, fmt.Sprintf("distinct answers %d, want %d", r.AnswerRows, r.Acknowledged*30))
	}
	if r.Recognised != r.Resubmitted {
		p = append(p, fmt.Sprintf("%d of %d resubmissions to another process not recognised", r.Resubmitted-r.Recognised, r.Resubmitted))
	}
	if r.CountedWithReplicaDown != nil {
		p = append(p, fmt.Sprintf("counting responses with a replica down failed: %v", r.CountedWithReplicaDown))
	}
	if !strings.Contains(r.ReadyWithZooKeeperDown, "behind") {
		p = append(p, fmt.Sprintf("with ZooKeeper down, /readyz does not say delivery is behind: %q", r.ReadyWithZooKeeperDown))
	}
	if r.Refused != r.Contradicted {
		p = append(p, fmt.Sprintf("%d of %d contradicting resubmissions not refused with 409", r.Contradicted-r.Refused, r.Contradicted))
	}
	return p
}
