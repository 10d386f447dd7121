package erasure_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/audit/audittest"
	"github.com/palabre/palabre/survey/erasure"
)

// fakeStore holds responses by survey; it is the erasure.Store contract in memory.
type fakeStore struct {
	held    map[survey.ResponseID]string // id → survey
	erased  map[survey.ResponseID]bool
	failErr error // EraseResponse fails with it
	calls   int   // EraseResponse calls
}

func (f *fakeStore) HasResponse(_ context.Context, s string, id survey.ResponseID) (bool, error) {
	return f.held[id] == s, nil
}

func (f *fakeStore) ResponseErased(_ context.Context, id survey.ResponseID) (bool, error) {
	return f.erased[id], nil
}

func (f *fakeStore) EraseResponse(_ context.Context, s string, id survey.ResponseID) (bool, error) {
	f.calls++
	if f.failErr != nil {
		return true, f.failErr
	}
	if f.held[id] != s {
		return false, nil
	}
	delete(f.held, id)
	f.erased[id] = true
	return true, nil
}

func setup() (*fakeStore, *audittest.Memory, survey.ResponseID) {
	id := survey.NewResponseID()
	return &fakeStore{held: map[survey.ResponseID]string{id: "families"}, erased: map[survey.ResponseID]bool{}}, audittest.NewMemory(), id
}

func TestEraseRecordsWhoWhatWhenWhere(t *testing.T) {
	store, log, id := setup()
	by := audit.Entry{UserID: "u-ana", Email: "ana@example.org", Address: "192.0.2.7", Request: "req-1"}
	err := erasure.Erase(context.Background(), store, log, erasure.Request{Survey: "families", Response: id,
		Reason: "  demande reçue le 3 mars  ", By: by})
	if err != nil {
		t.Fatal(err)
	}
	if store.held[id] != "" || !store.erased[id] {
		t.Error("the response was not erased")
	}
	got := log.All()
	if len(got) != 1 {
		t.Fatalf("%d audit entries, want 1", len(got))
	}
	e := got[0]
	if e.Action != audit.ActionEraseResponse || e.Survey != "families" || e.Target != id.String() || e.Detail != "demande reçue le 3 mars" ||
		e.UserID != "u-ana" || e.Email != "ana@example.org" || e.Address != "192.0.2.7" || e.Request != "req-1" || e.At.IsZero() {
		t.Errorf("audit entry %+v", e)
	}
}

func TestEraseUnknownRecordsNothing(t *testing.T) {
	store, log, id := setup()
	for name, req := range map[string]erasure.Request{
		"unknown id":     {Survey: "families", Response: survey.NewResponseID()},
		"another survey": {Survey: "street", Response: id},
	} {
		err := erasure.Erase(context.Background(), store, log, req)
		if survey.ErrorCode(err) != survey.CodeNotFound {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if len(log.All()) != 0 || store.calls != 0 || store.held[id] != "families" {
		t.Errorf("a refused erasure acted: %d entries, %d calls", len(log.All()), store.calls)
	}
}

func TestEraseTwiceSaysErased(t *testing.T) {
	store, log, id := setup()
	req := erasure.Request{Survey: "families", Response: id, By: audit.Entry{Address: "cli"}}
	if err := erasure.Erase(context.Background(), store, log, req); err != nil {
		t.Fatal(err)
	}
	err := erasure.Erase(context.Background(), store, log, req)
	if survey.ErrorCode(err) != survey.CodeErased {
		t.Errorf("second erasure: %v, want erased", err)
	}
	if len(log.All()) != 1 {
		t.Errorf("%d entries, want the first erasure's only", len(log.All()))
	}
}

func TestEraseRefusedWhenAuditFails(t *testing.T) {
	store, log, id := setup()
	log.Fail = audittest.ErrRecord
	err := erasure.Erase(context.Background(), store, log, erasure.Request{Survey: "families", Response: id})
	if survey.ErrorCode(err) != survey.CodeUnavailable || !errors.Is(err, audittest.ErrRecord) {
		t.Errorf("audit log down: %v, want unavailable", err)
	}
	if store.calls != 0 || store.held[id] != "families" {
		t.Error("erased without a record")
	}
}

func TestEraseFailureIsRecorded(t *testing.T) {
	store, log, id := setup()
	store.failErr = errors.New("deletion still running")
	err := erasure.Erase(context.Background(), store, log, erasure.Request{Survey: "families", Response: id, Reason: strings.Repeat("é", 600)})
	if survey.ErrorCode(err) != survey.CodeUnavailable {
		t.Errorf("failed deletion: %v, want unavailable", err)
	}
	got := log.All()
	if len(got) != 2 || got[0].Action != audit.ActionEraseResponse || got[1].Action != audit.ActionEraseFailed || got[1].Target != id.String() {
		t.Fatalf("entries %+v", got)
	}
	if n := len([]rune(got[0].Detail)); n != erasure.MaxReason+1 {
		t.Errorf("reason of %d characters recorded, want it cut to %d and an ellipsis", n, erasure.MaxReason)
	}
	// Erasing again finishes the work.
	store.failErr = nil
	if err := erasure.Erase(context.Background(), store, log, erasure.Request{Survey: "families", Response: id}); err != nil {
		t.Errorf("erasing again: %v", err)
	}
}

func TestEraseThenAfter(t *testing.T) {
	store, log, id := setup()
	var after []string
	x := &erasure.Eraser{Store: store, Log: log, After: func(ctx context.Context, s string) {
		if ctx.Err() != nil {
			t.Error("After runs with a cancelled context")
		}
		after = append(after, s)
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := x.Erase(ctx, erasure.Request{Survey: "street", Response: id}); survey.ErrorCode(err) != survey.CodeNotFound {
		t.Fatalf("unknown: %v", err)
	}
	if err := x.Erase(ctx, erasure.Request{Survey: "families", Response: id}); err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0] != "families" {
		t.Errorf("After ran for %v, want once for families", after)
	}
}
