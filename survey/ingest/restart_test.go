package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/ingest"
)

// TestReopenFullyDelivered restarts over a journal whose every record was delivered: the most
// common restart there is. Open must return promptly instead of waiting for a new record.
func TestReopenFullyDelivered(t *testing.T) {
	cfg := config(t.TempDir())
	db := newFakeDB()
	p := open(t, cfg, db)
	r := response(1)
	if _, err := p.Submit(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := ingest.Open(ctx, cfg, db, db, nil)
	if err != nil {
		t.Fatalf("reopen over a fully delivered journal: %v", err)
	}
	defer p.Close(context.Background())
	if rc, err := p.Submit(context.Background(), r); err != nil || !rc.Duplicate {
		t.Errorf("resubmission after restart: %+v %v, want duplicate", rc, err)
	}
}
