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
