package journal_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palabre/palabre/survey/journal"
	"github.com/palabre/palabre/survey/journal/faultfs"
)

// TestRepairIsDurable damages a record in the middle of a segment and watches what Open does
// through the file layer: the damaged bytes are synced to their quarantine file, the rebuilt
// segment is synced before it replaces the damaged one, and the directory is synced after the
// replacement, so a crash at any point leaves either the old segment or the whole new one.
func TestRepairIsDurable(t *testing.T) {
	dir := t.TempDir()
	j := openJ(t, dir, journal.Options{})
	var payloads [][]byte
	for i := range 100 {
		payloads = append(payloads, []byte(fmt.Sprintf("record %03d %s", i, strings.Repeat("x", 80))))
	}
	if _, err := j.AppendBatch(context.Background(), payloads); err != nil {
		t.Fatal(err)
	}
	j.Close()
	seg := firstSegment(t, dir)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte("record 050"))
	if at < 0 {
		t.Fatal("record 50 not found in the segment")
	}
	data[at+20] ^= 0x01
	if err := os.WriteFile(seg, data, 0o600); err != nil {
		t.Fatal(err)
	}

	type op struct {
		op   faultfs.Op
		path string
	}
	var (
		mu       sync.Mutex
		recorded []op
	)
	fsys := faultfs.New(nil)
	fsys.SetHook(func(o faultfs.Op, path string) error {
		mu.Lock()
		recorded = append(recorded, op{o, path})
		mu.Unlock()
		return nil
	})
	j = openJ(t, dir, journal.Options{FS: fsys})
	if rec := j.Recovery(); len(rec.Damaged) != 1 || rec.DamagedFrames != 1 {
		t.Fatalf("recovery %+v, want one damaged frame", rec)
	}
	got := readBack(t, j)
	if len(got) != 99 || slices.Contains(got, string(payloads[50])) {
		t.Fatalf("%d records read back after the repair, want the 99 intact ones", len(got))
	}

	mu.Lock()
	ops := slices.Clone(recorded)
	mu.Unlock()
	index := func(from int, f func(op) bool) int {
		for i := from; i < len(ops); i++ {
			if f(ops[i]) {
				return i
			}
		}
		return -1
	}
	quarantined := index(0, func(o op) bool { return o.op == faultfs.Sync && strings.HasSuffix(o.path, ".damaged") })
	if quarantined < 0 {
		t.Error("the quarantined bytes were never synced")
	}
	isTmp := func(o op) bool { return filepath.Base(o.path) == "repair.tmp" }
	replaced := index(0, func(o op) bool { return o.op == faultfs.Rename && o.path == seg })
	if replaced < 0 {
		t.Fatalf("the damaged segment %s was never replaced", seg)
	}
	lastWrite, synced := -1, false
	for i := 0; i < replaced; i++ {
		switch {
		case ops[i].op == faultfs.Write && isTmp(ops[i]):
			lastWrite, synced = i, false
		case ops[i].op == faultfs.Sync && isTmp(ops[i]) && lastWrite >= 0:
			synced = true
		}
	}
	if lastWrite < 0 || !synced {
		t.Fatal("the rebuilt segment's last write was not synced before it replaced the damaged one")
	}
	if index(replaced, func(o op) bool { return o.op == faultfs.Sync && o.path == dir }) < 0 {
		t.Error("the directory was not synced after the rebuilt segment replaced the damaged one")
	}

	// The repair holds: a second Open finds nothing to repair and the same records.
	j.Close()
	j = openJ(t, dir, journal.Options{})
	if rec := j.Recovery(); len(rec.Damaged) != 0 || rec.RecoveredRecords != 0 {
		t.Fatalf("second Open found %+v", rec)
	}
	if again := readBack(t, j); !slices.Equal(again, got) {
		t.Fatalf("second Open reads %d records, the first %d", len(again), len(got))
	}
}

// firstSegment returns the path of the oldest segment file in dir.
func firstSegment(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".wal") {
			return filepath.Join(dir, e.Name())
		}
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("no segment among %v", names)
	return ""
}
