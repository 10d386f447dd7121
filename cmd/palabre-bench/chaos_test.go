package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestChaosShort is the short chaos run of `make test`: a few seconds of load while a private
// ClickHouse is killed and restarted and palabre is killed with SIGKILL and restarted; then
// ClickHouse must hold exactly the acknowledged responses, none counted twice.
// `make chaos` runs the long one.
func TestChaosShort(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos takes about 30 s")
	}
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("clickhouse-server is required under CI")
		}
		t.Skip("clickhouse-server not installed")
	}
	bin := filepath.Join(t.TempDir(), "palabre")
	build := exec.Command("go", "build", "-o", bin, "../palabre")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build palabre: %v\n%s", err, out)
	}
	var log strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runChaos(ctx, chaosConfig{palabre: bin, script: "../../deploy/clickhouse.sh", rate: 200,
		duration: 12 * time.Second, clickhouseDown: 4 * time.Second, settle: time.Minute}, &log)
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	printChaos(&out, res)
	t.Log(out.String())
	if res.Acknowledged < 1000 {
		t.Errorf("only %d responses acknowledged; the load did not run", res.Acknowledged)
	}
	if res.lost() != 0 {
		t.Errorf("%d acknowledged responses lost", res.lost())
	}
	if res.doubleCounted() != 0 {
		t.Errorf("%d responses counted twice", res.doubleCounted())
	}
	if res.AnswerRows != uint64(res.Acknowledged)*30 {
		t.Errorf("distinct answers %d, want %d", res.AnswerRows, res.Acknowledged*30)
	}
}

// TestChaosClusterShort is the cluster run of `make test`: two palabre processes over a local
// cluster of its own (ZooKeeper, 2 shards × 2 replicas) under load, while a replica is killed
// and started again, one palabre is killed with SIGKILL and restarted, and ZooKeeper is stopped
// for 20 s. Every acknowledged answer must be counted exactly once, a resubmission to the other
// process recognised, and other answers under the same id refused with 409.
// `make chaos-cluster` runs the long one.
func TestChaosClusterShort(t *testing.T) {
	if testing.Short() {
		t.Skip("the cluster run takes about two minutes")
	}
	for _, tool := range []string{"clickhouse-server", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required under CI (make test-deps installs it)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	bin := filepath.Join(t.TempDir(), "palabre")
	build := exec.Command("go", "build", "-o", bin, "../palabre")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build palabre: %v\n%s", err, out)
	}
	var log strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	res, err := runClusterChaos(ctx, clusterChaosConfig{palabre: bin, script: "../../deploy/cluster.sh", processes: 2,
		rate: 100, duration: 40 * time.Second, zookeeperDown: 20 * time.Second, settle: 2 * time.Minute, checkEvery: 10}, &log)
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	printClusterChaos(&out, res)
	t.Log(out.String())
	for _, p := range res.problems(3000) {
		t.Error(p)
	}
}
