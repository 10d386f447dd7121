package ingest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
)

// erasingDB is fakeDB with erasure: an erased id is deleted, remembered, and never stored
// again, as the ClickHouse adapter does.
type erasingDB struct {
	*fakeDB
	emu      sync.Mutex
	erasedID map[survey.ResponseID]bool
	asked    int   // calls of ResponseErased
	askErr   error // when set, ResponseErased fails
}

var _ ingest.Erased = (*erasingDB)(nil)

func newErasingDB() *erasingDB {
	return &erasingDB{fakeDB: newFakeDB(), erasedID: map[survey.ResponseID]bool{}}
}

func (e *erasingDB) erase(id survey.ResponseID) {
	e.emu.Lock()
	e.erasedID[id] = true
	e.emu.Unlock()
	e.fakeDB.mu.Lock()
	delete(e.fakeDB.rows, id)
	e.fakeDB.mu.Unlock()
}

func (e *erasingDB) WriteResponses(ctx context.Context, batch []*survey.Response) error {
	e.emu.Lock()
	var kept []*survey.Response
	for _, r := range batch {
		if !e.erasedID[r.ID] {
			kept = append(kept, r)
		}
	}
	e.emu.Unlock()
	return e.fakeDB.WriteResponses(ctx, kept)
}

func (e *erasingDB) ErasedResponses(_ context.Context, fn func(survey.ResponseID)) error {
	e.fakeDB.mu.Lock()
	down := e.fakeDB.downWith
	e.fakeDB.mu.Unlock()
	if down != nil {
		return down
	}
	e.emu.Lock()
	defer e.emu.Unlock()
	for id := range e.erasedID {
		fn(id)
	}
	return nil
}

func (e *erasingDB) ResponseErased(_ context.Context, id survey.ResponseID) (bool, error) {
	e.emu.Lock()
	defer e.emu.Unlock()
	e.asked++
	if e.askErr != nil {
		return false, e.askErr
	}
	return e.erasedID[id], nil
}

func openErasing(t *testing.T, cfg ingest.Config, db *erasingDB) *ingest.Pipeline {
	t.Helper()
	p, err := ingest.Open(context.Background(), cfg, db, db, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

// An id erased behind the pipeline's back (palabre erase in another process) is refused at
// once, with the same answers or others, and stays refused after a restart from local state
// and after a first start that reads the database.
func TestErasedIDIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newErasingDB()
	cfg := config(t.TempDir())
	p := openErasing(t, cfg, db)
	r, other := response(1), response(2)
	for _, x := range []*survey.Response{r, other} {
		if _, err := p.Submit(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both delivered", func() bool { return db.count() == 2 })
	db.erase(r.ID)

	changed := *r
	changed.Answers = append([]survey.Answer(nil), r.Answers...)
	changed.Answers[0].Num = 4.5
	for _, x := range []*survey.Response{r, &changed} {
		if _, err := p.Submit(ctx, x); survey.ErrorCode(err) != survey.CodeErased {
			t.Errorf("erased id submitted again: %v, want erased", err)
		}
	}
	if rc, err := p.Submit(ctx, other); err != nil || !rc.Duplicate {
		t.Errorf("another response submitted again: %+v %v, want a duplicate", rc, err)
	}
	shut(t, p)
	if db.count() != 1 {
		t.Fatalf("%d responses stored, want 1", db.count())
	}

	// Restart from local state: the local index still knows the id, the database says erased.
	p = openErasing(t, cfg, db)
	if _, err := p.Submit(ctx, r); survey.ErrorCode(err) != survey.CodeErased {
		t.Errorf("after a restart: %v, want erased", err)
	}
	shut(t, p)

	// A first start (no local state) learns erased ids with the stored ones, before answering.
	fresh := openErasing(t, config(t.TempDir()), db)
	defer shut(t, fresh)
	asked := db.asked
	if _, err := fresh.Submit(ctx, r); survey.ErrorCode(err) != survey.CodeErased {
		t.Errorf("after a first start: %v, want erased", err)
	}
	if db.asked != asked {
		t.Errorf("the database was asked again about an id known to be erased")
	}
	if db.count() != 1 {
		t.Errorf("%d responses stored, want 1", db.count())
	}
}

// A response erased while still in the journal is never stored: the database refuses it, and
// the pipeline carries on with the rest.
func TestErasedBeforeDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newErasingDB()
	db.setFail(errors.New("connection refused"))
	p := openErasing(t, config(t.TempDir()), db)
	defer shut(t, p)
	r, other := response(1), response(2)
	for _, x := range []*survey.Response{r, other} {
		if _, err := p.Submit(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	db.erase(r.ID)
	db.setFail(nil)
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	if db.count() != 1 {
		t.Errorf("%d responses stored, want only the one not erased", db.count())
	}
	if _, err := p.Submit(ctx, r); survey.ErrorCode(err) != survey.CodeErased {
		t.Errorf("erased id submitted again: %v, want erased", err)
	}
}

// When the database cannot say, a known id is answered as before (duplicate or conflict):
// nothing is stored either way.
func TestErasedUnknownWhileDatabaseDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newErasingDB()
	p := openErasing(t, config(t.TempDir()), db)
	defer shut(t, p)
	r := response(1)
	if _, err := p.Submit(ctx, r); err != nil {
		t.Fatal(err)
	}
	db.emu.Lock()
	db.askErr = errors.New("connection refused")
	db.emu.Unlock()
	if rc, err := p.Submit(ctx, r); err != nil || !rc.Duplicate {
		t.Errorf("database down: %+v %v, want a duplicate", rc, err)
	}
}
