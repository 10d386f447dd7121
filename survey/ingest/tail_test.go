package ingest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
)

// sharedDB is one in-memory database under several pipelines: it remembers when each
// response was stored, and the losers of conflicts, as Tail.
type sharedDB struct {
	*fakeDB
	mu     sync.Mutex
	stored map[survey.ResponseID]time.Time
	lost   []lostVersion
}

type lostVersion struct {
	id            survey.ResponseID
	loser, winner uint64
	at            time.Time
	recorded      time.Time
}

func newSharedDB() *sharedDB {
	return &sharedDB{fakeDB: newFakeDB(), stored: map[survey.ResponseID]time.Time{}}
}

func (s *sharedDB) WriteResponses(ctx context.Context, batch []*survey.Response) error {
	if err := s.fakeDB.WriteResponses(ctx, batch); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range batch {
		if _, ok := s.stored[r.ID]; !ok {
			s.stored[r.ID] = time.Now()
		}
	}
	return nil
}

func (s *sharedDB) StoredSince(_ context.Context, since time.Time, fn func(survey.ResponseID, uint64, time.Time)) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	latest := since
	s.fakeDB.mu.Lock()
	defer s.fakeDB.mu.Unlock()
	for id, at := range s.stored {
		if !at.Before(since) {
			r := s.rows[id]
			fn(id, r.Digest(), r.SubmittedAt)
			if at.After(latest) {
				latest = at
			}
		}
	}
	return latest, nil
}

func (s *sharedDB) LostSince(_ context.Context, since time.Time, fn func(survey.ResponseID, uint64, uint64, time.Time)) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	latest := since
	for _, l := range s.lost {
		if !l.recorded.Before(since) {
			fn(l.id, l.loser, l.winner, l.at)
			latest = l.recorded
		}
	}
	return latest, nil
}

func openShared(t *testing.T, db *sharedDB) *ingest.Pipeline {
	t.Helper()
	cfg := config(t.TempDir())
	cfg.Tail, cfg.TailEvery = db, 10*time.Millisecond
	p, err := ingest.Open(context.Background(), cfg, db, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shut(t, p) })
	return p
}

// A response accepted by one process is a duplicate on the other once stored, with the same
// receipt, and the same id with other answers a conflict there.
func TestTailRecognisesWhatAnotherProcessStored(t *testing.T) {
	t.Parallel()
	db := newSharedDB()
	a, b := openShared(t, db), openShared(t, db)
	ctx := context.Background()
	r := response(1)
	first, err := a.Submit(ctx, r)
	if err != nil || first.Duplicate {
		t.Fatal(first, err)
	}
	again := *r
	eventually(t, "B recognises A's response", func() bool {
		_, known, err := b.Recognize(ctx, &again)
		return known && err == nil
	})
	rc, err := b.Submit(ctx, &again)
	if err != nil || !rc.Duplicate || !rc.SubmittedAt.Equal(first.SubmittedAt) {
		t.Fatalf("resubmitted to B: %+v %v, want a duplicate with A's receipt", rc, err)
	}
	changed := *r
	changed.Answers = append([]survey.Answer(nil), r.Answers...)
	changed.Answers[0].Num = 4.5
	if _, err := b.Submit(ctx, &changed); survey.ErrorCode(err) != survey.CodeConflict {
		t.Fatalf("other answers on B: %v, want a conflict", err)
	}
	if got := db.count(); got != 1 {
		t.Errorf("%d responses stored, want 1", got)
	}
}

// A version accepted here that lost a conflict recorded by another process: from then on
// the winner's answers are a duplicate here, and the loser's a conflict.
func TestTailAppliesConflictsRecordedElsewhere(t *testing.T) {
	t.Parallel()
	db := newSharedDB()
	p := openShared(t, db)
	ctx := context.Background()
	mine := response(2)
	if _, err := p.Submit(ctx, mine); err != nil {
		t.Fatal(err)
	}
	winner := *mine
	winner.Answers = append([]survey.Answer(nil), mine.Answers...)
	winner.Answers[0].Num = 4.5
	winner.SubmittedAt = mine.SubmittedAt.Add(-time.Minute)
	if _, err := p.Submit(ctx, &winner); survey.ErrorCode(err) != survey.CodeConflict {
		t.Fatalf("before the conflict is known: %v, want a conflict", err)
	}
	db.mu.Lock()
	db.lost = append(db.lost, lostVersion{id: mine.ID, loser: mine.Digest(), winner: winner.Digest(), at: winner.SubmittedAt, recorded: time.Now()})
	db.mu.Unlock()
	eventually(t, "the winner is a duplicate", func() bool {
		rc, err := p.Submit(ctx, &winner)
		return err == nil && rc.Duplicate && rc.SubmittedAt.Equal(winner.SubmittedAt)
	})
	if _, err := p.Submit(ctx, mine); survey.ErrorCode(err) != survey.CodeConflict {
		t.Errorf("the loser after the conflict: %v, want a conflict", err)
	}
}
