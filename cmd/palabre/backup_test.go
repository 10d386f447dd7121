package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// TestBackupAndRestore does what an administrator moving palabre to another server does,
// with the real binary: `palabre backup` of a database in use, `palabre restore` into a new
// database, and `palabre serve` on it with a new data directory. The funders' link still
// opens its dashboard, a response stored before the backup is recognised when sent again,
// and the restored database holds what the first one held.
func TestBackupAndRestore(t *testing.T) {
	dsn, src := demoDatabase(t)
	bin := palabreBinary(t)
	data := t.TempDir()
	a := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": data, "PALABRE_BATCH_INTERVAL": "100ms"})
	a.waitReady(time.Now())
	out := (&dashboardServer{process: a, data: data, dsn: dsn}).share(t, "--survey", "partners-meeting")
	m := linkRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("palabre share printed no link:\n%s", out)
	}
	token := m[2]
	id := survey.NewResponseID().String()
	res, err := http.Post(a.base+"/api/v1/surveys/partners-meeting/editions/2026/responses", "application/json", strings.NewReader(demoBody(id, 9)))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("a response: %v %v", res, err)
	}
	res.Body.Close()
	ctx := context.Background()
	waitFor(t, "the response stored", func() bool {
		rid, _ := survey.ParseResponseID(id)
		_, err := src.ReadResponse(ctx, rid)
		return err == nil
	})
	before, err := src.CountResponses(ctx, "partners-meeting", 2026)
	if err != nil {
		t.Fatal(err)
	}

	// The backup is taken while the first process still serves.
	file := filepath.Join(t.TempDir(), "palabre.jsonl.gz")
	backup := exec.Command(bin, "backup", "-o", file)
	backup.Env = []string{"PALABRE_CLICKHOUSE=" + dsn, "HOME=/tmp"}
	if out, err := backup.CombinedOutput(); err != nil || !strings.Contains(string(out), "wrote "+file) {
		t.Fatalf("palabre backup: %v\n%s", err, out)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, %v (it holds password hashes: 0600)", info, err)
	}
	again := exec.Command(bin, "backup", "-o", file)
	again.Env = backup.Env
	if out, err := again.CombinedOutput(); err == nil || !strings.Contains(string(out), "exists") {
		t.Errorf("a second backup to the same file: %v\n%s", err, out)
	}
	a.stop()

	newDSN := clickhousetest.NewDSN(t)
	dst := clickhousetest.OpenDSN(t, newDSN)
	restore := exec.Command(bin, "restore", file)
	restore.Env = []string{"PALABRE_CLICKHOUSE=" + newDSN, "HOME=/tmp"}
	if out, err := restore.CombinedOutput(); err != nil || !strings.Contains(string(out), "restored the backup of database "+src.Database()) {
		t.Fatalf("palabre restore: %v\n%s", err, out)
	}
	again = exec.Command(bin, "restore", file)
	again.Env = restore.Env
	if out, err := again.CombinedOutput(); err == nil || !strings.Contains(string(out), "holds data") {
		t.Errorf("a second restore into the same database: %v\n%s", err, out)
	}
	after, err := dst.CountResponses(ctx, "partners-meeting", 2026)
	if err != nil || after != before {
		t.Errorf("restored: %d responses (%v), the source held %d", after, err, before)
	}

	b := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": newDSN, "PALABRE_DATA": t.TempDir()})
	b.waitReady(time.Now())
	resp, body := httpGet(t, b.base+"/d/"+token)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Rencontre annuelle") {
		t.Errorf("the funders' link on the restored database: %d\n%.300s\n%s", resp.StatusCode, body, logTail(b.out))
	}
	for _, tt := range []struct {
		what      string
		recommend int
		want      int
	}{
		{"a response stored before the backup, sent again", 9, http.StatusOK},
		{"other answers under its id", 3, http.StatusConflict},
	} {
		res, err := http.Post(b.base+"/api/v1/surveys/partners-meeting/editions/2026/responses", "application/json", strings.NewReader(demoBody(id, tt.recommend)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("%s to the restored palabre: %d, want %d", tt.what, res.StatusCode, tt.want)
		}
	}
	b.stop()
}
