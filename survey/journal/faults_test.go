package journal_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/journal"
	"github.com/palabre/palabre/survey/journal/faultfs"
)

func openJ(t *testing.T, dir string, opts journal.Options) *journal.Journal {
	t.Helper()
	j, err := journal.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// readBack returns the payloads of every undelivered record.
func readBack(t *testing.T, j *journal.Journal) []string {
	t.Helper()
	var out []string
	after := journal.Seq(0)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		recs, err := j.Next(ctx, after, 100, 0)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		for _, r := range recs {
			out = append(out, string(r.Payload))
		}
		after = recs[len(recs)-1].Seq
	}
}

// ledger records which appends were acknowledged and which failed.
type ledger struct {
	mu     sync.Mutex
	acked  map[string]journal.Seq
	failed map[string]error
}

func newLedger() *ledger {
	return &ledger{acked: map[string]journal.Seq{}, failed: map[string]error{}}
}

func (l *ledger) append(j *journal.Journal, p string) error {
	seq, err := j.Append(context.Background(), []byte(p))
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.failed[p] = err
	} else {
		l.acked[p] = seq
	}
	return err
}

// check verifies that the journal holds exactly the acknowledged records.
func (l *ledger) check(t *testing.T, got []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range got {
		if _, ok := l.acked[p]; !ok {
			t.Fatalf("record %q was read back but its append failed (%v)", p, l.failed[p])
		}
		if seen[p] {
			t.Fatalf("record %q read twice", p)
		}
		seen[p] = true
	}
	if len(seen) != len(l.acked) {
		t.Fatalf("%d acknowledged records, %d read back", len(l.acked), len(seen))
	}
}

// waitAccepting waits until j accepts appends again.
func waitAccepting(t *testing.T, j *journal.Journal) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for j.Accepting() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("still not accepting: %v", j.Accepting())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNoSpace fills the disk under a running journal, in every place a
// write can fail for lack of space, then frees it: the appends meanwhile
// fail with ErrNoSpace, none is acknowledged or read back, and appends
// resume by themselves.
func TestNoSpace(t *testing.T) {
	spare := func(op faultfs.Op, path string) error {
		if faultfs.IsSpare(path) && (op == faultfs.Allocate || op == faultfs.Write) {
			return syscall.ENOSPC
		}
		return nil
	}
	quota := func(op faultfs.Op, path string) error {
		if faultfs.IsSegment(path) && op == faultfs.Sync {
			return syscall.EDQUOT
		}
		return nil
	}
	for _, tc := range []struct {
		name   string
		full   func(*faultfs.FS)
		resume string // "append": the next append succeeds; "probe": Accepting turns nil by itself
	}{
		{"every write and sync, resumed by an append", func(f *faultfs.FS) { f.NoSpace(true) }, "append"},
		{"every write and sync, resumed by the probe", func(f *faultfs.FS) { f.NoSpace(true) }, "probe"},
		{"next segment preparation", func(f *faultfs.FS) { f.SetHook(spare) }, "probe"},
		{"fdatasync quota", func(f *faultfs.FS) { f.SetHook(quota) }, "probe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := faultfs.New(nil)
			dir := t.TempDir()
			opts := journal.Options{FS: fsys, SegmentSize: 16 << 10}
			j := openJ(t, dir, opts)
			l := newLedger()
			n := 0
			appendMany := func(count int) {
				var wg sync.WaitGroup
				for range count {
					n++
					p := fmt.Sprintf("record-%04d-%s", n, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
					wg.Go(func() { l.append(j, p) })
				}
				wg.Wait()
			}
			appendMany(50)
			if len(l.failed) != 0 {
				t.Fatalf("appends failed before the disk filled: %v", l.failed)
			}
			tc.full(fsys)
			// With only the spare failing, appends go on until the segment is full.
			for i := 0; i < 400 && len(l.failed) == 0; i++ {
				appendMany(10)
			}
			if len(l.failed) == 0 {
				t.Fatal("no append failed on a full disk")
			}
			for p, err := range l.failed {
				if !errors.Is(err, journal.ErrNoSpace) || errors.Is(err, journal.ErrUnusable) {
					t.Fatalf("append %s: %v, want ErrNoSpace", p, err)
				}
			}
			if err := j.Accepting(); !errors.Is(err, journal.ErrNoSpace) {
				t.Fatalf("Accepting on a full disk: %v", err)
			}
			appendMany(20) // still full
			acked, failedWhileFull := len(l.acked), maps.Clone(l.failed)
			fsys.NoSpace(false)
			fsys.SetHook(nil)
			if tc.resume == "probe" {
				waitAccepting(t, j)
			}
			if err := l.append(j, "after"); err != nil {
				t.Fatalf("append once space is freed: %v", err)
			}
			appendMany(300) // rolls segments again
			if len(l.acked) != acked+301 {
				for p, err := range l.failed {
					if _, old := failedWhileFull[p]; !old {
						t.Logf("append %s once space was freed: %v", p, err)
						break
					}
				}
				t.Fatalf("%d appends failed once space was freed", acked+301-len(l.acked))
			}
			if err := j.Accepting(); err != nil {
				t.Fatalf("Accepting: %v", err)
			}
			l.check(t, readBack(t, j))
			j.Close()
			j = openJ(t, dir, opts)
			if rec := j.Recovery(); len(rec.Damaged) != 0 {
				t.Fatalf("reopen found damage %+v", rec.Damaged)
			}
			l.check(t, readBack(t, j))
		})
	}
}

// TestNoSpacePartialWrite: a write that fails for lack of space after
// writing part of its frames leaves nothing readable behind, even when the
// next, shorter write succeeds.
func TestNoSpacePartialWrite(t *testing.T) {
	fsys := faultfs.New(nil)
	dir := t.TempDir()
	j := openJ(t, dir, journal.Options{FS: fsys})
	if _, err := j.Append(context.Background(), []byte("first")); err != nil {
		t.Fatal(err)
	}
	fsys.NoSpace(true)
	var batch [][]byte
	for i := range 10 {
		batch = append(batch, fmt.Appendf(nil, "failed-%d", i))
	}
	if _, err := j.AppendBatch(context.Background(), batch); !errors.Is(err, journal.ErrNoSpace) {
		t.Fatalf("AppendBatch on a full disk: %v", err)
	}
	fsys.NoSpace(false)
	if _, err := j.Append(context.Background(), []byte("after")); err != nil {
		t.Fatalf("append once space is freed: %v", err)
	}
	j.Close()
	j = openJ(t, dir, journal.Options{FS: fsys})
	if got := readBack(t, j); len(got) != 2 || got[0] != "first" || got[1] != "after" {
		t.Fatalf("read back %q, want first and after", got)
	}
	if rec := j.Recovery(); len(rec.Damaged) != 0 {
		t.Fatalf("damage after a failed write: %+v", rec.Damaged)
	}
}

// TestFailedSync: an fsync that fails (other than for lack of space) is
// never acknowledged, the record is not readable, and the journal refuses
// appends until it is reopened.
func TestFailedSync(t *testing.T) {
	fsys := faultfs.New(nil)
	dir := t.TempDir()
	j := openJ(t, dir, journal.Options{FS: fsys})
	l := newLedger()
	for i := range 10 {
		before := fsys.Count(faultfs.Sync)
		if err := l.append(j, fmt.Sprintf("ok-%d", i)); err != nil {
			t.Fatal(err)
		}
		if fsys.Count(faultfs.Sync) == before {
			t.Fatal("an append was acknowledged without a successful sync")
		}
	}
	fsys.SetHook(func(op faultfs.Op, path string) error {
		if op == faultfs.Sync && faultfs.IsSegment(path) {
			return syscall.EIO
		}
		return nil
	})
	if err := l.append(j, "lost"); !errors.Is(err, journal.ErrUnusable) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("append with a failing sync: %v", err)
	}
	fsys.SetHook(nil)
	if err := l.append(j, "after"); !errors.Is(err, journal.ErrUnusable) {
		t.Fatalf("append after a failed sync: %v", err)
	}
	if err := j.Accepting(); !errors.Is(err, journal.ErrUnusable) {
		t.Fatalf("Accepting after a failed sync: %v", err)
	}
	if st := j.Stats(); st.LastSeq != 10 {
		t.Fatalf("last durable record %d, want 10", st.LastSeq)
	}
	l.check(t, readBack(t, j))
	j.Close()
	if err := j.Accepting(); !errors.Is(err, journal.ErrClosed) {
		t.Fatalf("Accepting after Close: %v", err)
	}
	// Reopened, the journal accepts appends again.
	j = openJ(t, dir, journal.Options{FS: fsys})
	if err := j.Accepting(); err != nil {
		t.Fatalf("Accepting after reopening: %v", err)
	}
	if _, err := j.Append(context.Background(), []byte("reopened")); err != nil {
		t.Fatal(err)
	}
}

// TestDirectoryRemoved deletes or moves the journal directory under a
// running journal: the next append fails instead of being acknowledged
// into a file that is gone.
func TestDirectoryRemoved(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove func(dir string) error
	}{
		{"deleted", os.RemoveAll},
		{"moved", func(dir string) error { return os.Rename(dir, dir+".old") }},
		{"segment deleted", func(dir string) error {
			m, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
			return os.Remove(m[len(m)-1])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "journal")
			j := openJ(t, dir, journal.Options{})
			for i := range 20 {
				if _, err := j.Append(context.Background(), fmt.Appendf(nil, "r%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.remove(dir); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if seq, err := j.Append(context.Background(), []byte("into the void")); !errors.Is(err, journal.ErrUnusable) {
					t.Fatalf("append %d after the directory was %s: seq %d, %v", i, tc.name, seq, err)
				}
			}
			if err := j.Accepting(); !errors.Is(err, journal.ErrUnusable) {
				t.Fatalf("Accepting: %v", err)
			}
		})
	}
}

// TestTmpfsFull runs the journal on a real 2 MiB tmpfs, fills it and frees
// it. It needs root and mount(2); elsewhere it is skipped, and TestNoSpace
// covers the same behaviour through the fault-injecting file layer.
func TestTmpfsFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a file system")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); TestNoSpace covers a full disk", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(mnt, "journal")
	j := openJ(t, dir, journal.Options{SegmentSize: 128 << 10})
	l := newLedger()
	var err error
	for i := 0; i < 100000 && err == nil; i++ {
		err = l.append(j, fmt.Sprintf("record-%06d-%0200d", i, i))
	}
	if !errors.Is(err, journal.ErrNoSpace) {
		t.Fatalf("filling the tmpfs: %v", err)
	}
	if err := j.Accepting(); !errors.Is(err, journal.ErrNoSpace) {
		t.Fatalf("Accepting on a full tmpfs: %v", err)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	waitAccepting(t, j)
	for i := range 100 {
		if err := l.append(j, fmt.Sprintf("after-%d", i)); err != nil {
			t.Fatalf("append after freeing space: %v", err)
		}
	}
	l.check(t, readBack(t, j))
	j.Close()
	j = openJ(t, dir, journal.Options{SegmentSize: 128 << 10})
	l.check(t, readBack(t, j))
}

// TestOpenUnwritable: a directory where the journal may not create its files fails Open
// with the file named, for root too (the permission is refused by the file layer, as a
// read-only mount or an SELinux denial would).
func TestOpenUnwritable(t *testing.T) {
	fsys := faultfs.New(nil)
	fsys.Fail(faultfs.Open, syscall.EACCES)
	dir := t.TempDir()
	_, err := journal.Open(dir, journal.Options{FS: fsys})
	if !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Open of an unwritable directory = %v, want EACCES naming %s", err, dir)
	}
	fsys.Fail(faultfs.Open, nil)
	j := openJ(t, dir, journal.Options{FS: fsys})
	j.Close()
}

// TestCheckpointFaults fails each step that makes the delivered watermark durable (the
// temporary file's write and fsync, the rename over the old checkpoint, the directory's
// fsync): MarkDelivered reports it and the watermark does not move; once the fault is gone
// it moves, and a reopened journal finds it.
func TestCheckpointFaults(t *testing.T) {
	for _, step := range []struct {
		name string
		op   faultfs.Op
		path func(string) bool
	}{
		{"write", faultfs.Write, func(p string) bool { return strings.HasSuffix(p, "DELIVERED.tmp") }},
		{"file sync", faultfs.Sync, func(p string) bool { return strings.HasSuffix(p, "DELIVERED.tmp") }},
		{"rename", faultfs.Rename, func(p string) bool { return strings.Contains(p, "DELIVERED") }},
		{"directory sync", faultfs.Sync, func(p string) bool { return !faultfs.IsSegment(p) && !strings.Contains(p, "DELIVERED") }},
	} {
		t.Run(step.name, func(t *testing.T) {
			fsys := faultfs.New(nil)
			dir := t.TempDir()
			j := openJ(t, dir, journal.Options{FS: fsys})
			l := newLedger()
			for i := range 3 {
				if err := l.append(j, fmt.Sprintf("r%d", i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := j.MarkDelivered(1); err != nil {
				t.Fatal(err)
			}
			fsys.SetHook(func(op faultfs.Op, path string) error {
				if op == step.op && step.path(path) {
					return syscall.EIO
				}
				return nil
			})
			if err := j.MarkDelivered(3); !errors.Is(err, syscall.EIO) {
				t.Fatalf("MarkDelivered with a failing %s: %v", step.name, err)
			}
			if st := j.Stats(); st.DeliveredSeq != 1 {
				t.Fatalf("delivered %d after a failed checkpoint, want 1", st.DeliveredSeq)
			}
			fsys.SetHook(nil)
			if err := j.MarkDelivered(3); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j = openJ(t, dir, journal.Options{FS: fsys})
			defer j.Close()
			if st := j.Stats(); st.DeliveredSeq != 3 {
				t.Fatalf("reopened: delivered %d, want 3", st.DeliveredSeq)
			}
		})
	}
}
