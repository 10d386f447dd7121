package ingest_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/journal"
	"github.com/palabre/palabre/survey/journal/faultfs"
)

// TestFullDiskRefusesThenResumes: while the journal's disk is full, a submission is refused
// with 503 and a Retry-After, and is not acknowledged: it never reaches the database; once
// space is freed, submissions are taken again without a restart, and the refused one can be
// sent again under the same id.
func TestFullDiskRefusesThenResumes(t *testing.T) {
	db := newFakeDB()
	fsys := faultfs.New(nil)
	cfg := config(t.TempDir())
	cfg.FS = fsys
	p := open(t, cfg, db)
	defer p.Close(context.Background())
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
	db := newFakeDB()
	cfg := config(t.TempDir())
	p := open(t, cfg, db)
	defer p.Close(context.Background())
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
