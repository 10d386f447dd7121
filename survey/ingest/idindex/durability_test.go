package idindex

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/palabre/palabre/survey/journal/faultfs"
)

// opLog records the file operations a store makes, in order, as "op name" (the file's base
// name; the directory's is its own).
type opLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *opLog) hook(op faultfs.Op, path string) error {
	l.mu.Lock()
	l.ops = append(l.ops, op.String()+" "+filepath.Base(path))
	l.mu.Unlock()
	return nil
}

// take returns the operations recorded since the last take.
func (l *opLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

// unsynced returns the files that ops wrote (or cut) and did not sync after.
func unsynced(ops []string) []string {
	dirty := map[string]bool{}
	for _, op := range ops {
		kind, name, _ := strings.Cut(op, " ")
		switch kind {
		case "write", "truncate":
			dirty[name] = true
		case "sync":
			delete(dirty, name)
		}
	}
	var out []string
	for name := range dirty {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// after reports whether ops holds want after the first op equal to first.
func after(ops []string, first, want string) bool {
	i := slices.Index(ops, first)
	return i >= 0 && slices.Contains(ops[i+1:], want)
}

// Every write the store makes is on disk when the call that made it returns: the entries an
// Append adds, a new log's header and the directory entry naming it, and a snapshot, synced
// before its rename, the rename synced after.
func TestStoreSyncsWhatItWrites(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Base(dir)
	ffs := faultfs.New(nil)
	var l opLog
	ffs.SetHook(l.hook)
	s, _, err := OpenFS(ffs, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es := randomEntries(300, 9)

	l.take()
	if err := s.Append(es[:100]); err != nil {
		t.Fatal(err)
	}
	ops := l.take()
	if u := unsynced(ops); len(u) > 0 || !after(ops, "write log", "sync "+d) {
		t.Errorf("the first Append (which creates the log): %v; unsynced: %v, want the log and then the directory synced", ops, u)
	}
	if err := s.Append(es[100:200]); err != nil {
		t.Fatal(err)
	}
	if ops := l.take(); len(unsynced(ops)) > 0 || !slices.Contains(ops, "write log") {
		t.Errorf("an Append: %v, want the log written and synced", ops)
	}

	x := fromTable(newTable(0))
	x.AddAll(slices.Clone(es[:200]))
	if err := s.Compact(x.View()); err != nil {
		t.Fatal(err)
	}
	ops = l.take()
	if u := unsynced(ops); len(u) > 0 {
		t.Errorf("Compact: %v; unsynced: %v", ops, u)
	}
	if !after(ops, "sync snapshot.tmp", "rename snapshot") || !after(ops, "rename snapshot", "sync "+d) {
		t.Errorf("Compact: %v, want the snapshot synced, renamed, then the directory synced", ops)
	}
	if !after(ops, "rename snapshot", "truncate log") {
		t.Errorf("Compact: %v, want the log emptied once the snapshot is in place", ops)
	}
}

// A sync that fails is never taken for success: the Append or Compact fails, what it wrote is
// cut back or left aside, and the store reopens with what succeeded, no more and no less.
func TestStoreFailedSyncs(t *testing.T) {
	dir := t.TempDir()
	ffs := faultfs.New(nil)
	s, _, err := OpenFS(ffs, dir)
	if err != nil {
		t.Fatal(err)
	}
	es := randomEntries(400, 10)
	if err := s.Append(es[:100]); err != nil {
		t.Fatal(err)
	}

	ffs.Fail(faultfs.Sync, syscall.EIO)
	if err := s.Append(es[100:200]); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Append with a failing sync: %v, want EIO", err)
	}
	x := fromTable(newTable(0))
	x.AddAll(slices.Clone(es[:100]))
	if err := s.Compact(x.View()); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Compact with a failing sync: %v, want EIO", err)
	}
	ffs.Fail(faultfs.Sync, nil)

	if err := s.Append(es[200:300]); err != nil {
		t.Fatalf("Append once syncs work again: %v", err)
	}
	s.Close()
	s, ld, err := OpenFS(ffs, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ld.Snapshot != 0 || ld.Log != 200 || ld.Damaged != 0 {
		t.Errorf("reopened: %d from the snapshot, %d from the log, %d damaged; want 0, 200, 0", ld.Snapshot, ld.Log, ld.Damaged)
	}
	checkAll(t, ld.Index, slices.Concat(es[:100], es[200:300]))
	if _, ok := ld.Index.Lookup(es[150].ID); ok {
		t.Error("an entry whose Append failed is in the index after a reopen")
	}
}
