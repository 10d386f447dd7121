package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/journal"
	"github.com/palabre/palabre/survey/journal/faultfs"
)

// TestFullDiskRefusesThenResumes: while the journal's disk is full, a submission is refused
// with 503 and a Retry-After, and is not acknowledged: it never reaches the database; once
// space is freed, submissions are taken again without a restart, and the refused one can be
// sent again under the same id.
func TestFullDiskRefusesThenResumes(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	fsys := faultfs.New(nil)
	cfg := config(t.TempDir())
	cfg.FS = fsys
	p := open(t, cfg, db)
	defer shut(t, p)
	ctx := context.Background()

	before := response(0)
	if _, err := p.Submit(ctx, before); err != nil {
		t.Fatal(err)
	}
	fsys.NoSpace(true)
	refused := response(1)
	_, err := p.Submit(ctx, refused)
	var se *survey.Error
	if !errors.As(err, &se) || se.Code != survey.CodeUnavailable || se.RetryAfter <= 0 {
		t.Fatalf("Submit on a full disk = %v, want unavailable with a Retry-After", err)
	}
	if err := p.Accepting(); !errors.Is(err, journal.ErrNoSpace) {
		t.Errorf("Accepting on a full disk = %v, want ErrNoSpace", err)
	}

	fsys.NoSpace(false)
	eventually(t, "appends accepted again", func() bool { return p.Accepting() == nil })
	after := response(2)
	if rec, err := p.Submit(ctx, after); err != nil || rec.Duplicate {
		t.Fatalf("Submit once space is back = %+v, %v", rec, err)
	}
	if rec, err := p.Submit(ctx, refused); err != nil || rec.Duplicate {
		t.Fatalf("the refused response sent again = %+v, %v; want accepted as new", rec, err)
	}
	eventually(t, "three responses delivered", func() bool { return db.count() == 3 })
}

// TestDeletedJournalStopsAcknowledgements: a journal directory removed under a running
// pipeline stops acknowledgements at once; no 201 is given for a write into a deleted file.
func TestDeletedJournalStopsAcknowledgements(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	cfg := config(t.TempDir())
	p := open(t, cfg, db)
	defer shut(t, p)
	ctx := context.Background()
	if _, err := p.Submit(ctx, response(0)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(cfg.Dir); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if rec, err := p.Submit(ctx, response(i)); err == nil {
			t.Fatalf("response %d acknowledged (%+v) into a deleted journal", i, rec)
		} else if survey.ErrorCode(err) != survey.CodeUnavailable {
			t.Fatalf("response %d: %v, want unavailable", i, err)
		}
	}
	if err := p.Accepting(); !errors.Is(err, journal.ErrUnusable) {
		t.Errorf("Accepting = %v, want ErrUnusable", err)
	}
}

// TestUndecodableRecordIsSetAside: a journal record that does not decode (written by an
// incompatible version, or garbled) neither blocks delivery nor disappears: its bytes are
// kept in the quarantine directory, counted, and the records around it are delivered.
func TestUndecodableRecordIsSetAside(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	dir := t.TempDir()
	cfg := config(dir)
	db.setFail(errors.New("connection refused"))
	p := open(t, cfg, db)
	first := response(0)
	if _, err := p.Submit(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	stopping, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := closeWithin(t, p, stopping); err != nil { // the database is down: the response stays in the journal
		t.Fatal(err)
	}
	garbage := []byte("\x00not a response record\xff")
	j, err := journal.Open(cfg.Dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(context.Background(), garbage); err != nil {
		t.Fatal(err)
	}
	j.Close()

	db.setFail(nil)
	p = open(t, cfg, db)
	defer shut(t, p)
	last := response(1)
	if _, err := p.Submit(context.Background(), last); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the records around the bad one delivered", func() bool { return db.count() == 2 })
	kept, err := filepath.Glob(filepath.Join(dir, "quarantine", "*.record"))
	if err != nil || len(kept) != 1 {
		t.Fatalf("quarantined files %v (%v), want one", kept, err)
	}
	if b, _ := os.ReadFile(kept[0]); string(b) != string(garbage) {
		t.Errorf("quarantined bytes %q, want %q", b, garbage)
	}
	eventually(t, "the journal emptied", func() bool { return p.Status().PendingResponses == 0 })
}

// TestWaiterOfAFailedAppendIsNotAcknowledged: submissions of an id that arrive while its
// first submission is being written wait for it; when that write fails, they are not told the
// response is stored (it is not): each tries itself, and is refused while the disk is full.
func TestWaiterOfAFailedAppendIsNotAcknowledged(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	fsys := faultfs.New(nil)
	cfg := config(t.TempDir())
	cfg.FS = fsys
	p := open(t, cfg, db)
	defer shut(t, p)
	ctx := context.Background()

	blocked, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fsys.SetHook(func(op faultfs.Op, path string) error {
		if op != faultfs.Write || !faultfs.IsSegment(path) {
			return nil
		}
		first := false
		once.Do(func() { first = true })
		if first {
			close(blocked)
			<-release
		}
		return syscall.ENOSPC
	})
	r := response(0)
	errs := make(chan error, 9)
	go func() { _, err := p.Submit(ctx, r); errs <- err }()
	<-blocked // the first submission is being written
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := *r
			rc, err := p.Submit(ctx, &c)
			if err == nil {
				t.Errorf("a resubmission was acknowledged (%+v) though the response was never stored", rc)
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond) // let the resubmissions reach the wait (not needed for correctness)
	close(release)
	wg.Wait()
	for range 9 {
		if err := <-errs; survey.ErrorCode(err) != survey.CodeUnavailable {
			t.Errorf("Submit on a full disk = %v, want unavailable", err)
		}
	}
	fsys.SetHook(nil)
	eventually(t, "appends accepted again", func() bool { return p.Accepting() == nil })
	expect(t, p, r, "accepted")
	eventually(t, "delivered", func() bool { return db.count() == 1 })
}
