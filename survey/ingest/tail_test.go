package ingest_test

import (
	"context"
	"log/slog"
	"slices"
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
	asked  []time.Time // the since of each LostSince call
	from   []time.Time // the since of each StoredSince call
	fail   error       // when set, StoredSince fails with it
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
	if s.fail != nil {
		return since, s.fail
	}
	s.from = append(s.from, since)
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
	s.asked = append(s.asked, since)
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

// storedBehind stores r as another process would have, at (by the database's clock) at.
func (s *sharedDB) storedBehind(r *survey.Response, at time.Time) {
	s.seed(r)
	s.mu.Lock()
	s.stored[r.ID] = at
	s.mu.Unlock()
}

// An insert that becomes visible late, stored a few seconds before the latest one already
// read, is still learnt: each reading starts TailOverlap before the latest storage time.
func TestTailRereadsInsertsVisibleLate(t *testing.T) {
	t.Parallel()
	db := newSharedDB()
	p := openShared(t, db)
	ctx := context.Background()
	now := time.Now()
	first, late := response(5), response(6)
	db.storedBehind(first, now)
	eventually(t, "the first insert is learnt", func() bool { _, known, _ := p.Recognize(ctx, first); return known })
	db.storedBehind(late, now.Add(-3*time.Second)) // within the default TailOverlap of 10 s
	eventually(t, "the insert visible late is learnt", func() bool { _, known, _ := p.Recognize(ctx, late); return known })
}

// The conflicts are all read at the first reading, then from TailOverlap before the latest
// one recorded: one recorded a little earlier but visible late still applies.
func TestTailRereadsConflictsFromTheOverlap(t *testing.T) {
	t.Parallel()
	db := newSharedDB()
	p := openShared(t, db)
	ctx := context.Background()
	versions := func(r *survey.Response) (mine, winner *survey.Response) {
		w := *r
		w.Answers = append([]survey.Answer(nil), r.Answers...)
		w.Answers[0].Num = 4.5
		w.SubmittedAt = r.SubmittedAt.Add(-time.Minute)
		return r, &w
	}
	lose := func(mine, winner *survey.Response, recorded time.Time) {
		if _, err := p.Submit(ctx, mine); err != nil {
			t.Fatal(err)
		}
		db.mu.Lock()
		db.lost = append(db.lost, lostVersion{id: mine.ID, loser: mine.Digest(), winner: winner.Digest(), at: winner.SubmittedAt, recorded: recorded})
		db.mu.Unlock()
		eventually(t, "the winner is a duplicate", func() bool {
			rc, err := p.Submit(ctx, winner)
			return err == nil && rc.Duplicate
		})
	}
	recorded := time.Now()
	a, wa := versions(response(7))
	lose(a, wa, recorded)
	eventually(t, "a reading from TailOverlap before the latest conflict", func() bool {
		db.mu.Lock()
		defer db.mu.Unlock()
		return slices.ContainsFunc(db.asked, func(at time.Time) bool { return at.Equal(recorded.Add(-10 * time.Second)) })
	})
	db.mu.Lock()
	if !db.asked[0].IsZero() {
		t.Errorf("the first reading asked from %v, want every conflict (the zero time)", db.asked[0])
	}
	db.mu.Unlock()
	b, wb := versions(response(8))
	lose(b, wb, recorded.Add(-3*time.Second)) // visible only now, within the overlap
}

// A tail that cannot read the database warns once, not at every tick, and says once when it
// reads again.
func TestTailLogsFailureOnce(t *testing.T) {
	t.Parallel()
	db := newSharedDB()
	db.fail = errDown
	logs := &logRecorder{}
	cfg := config(t.TempDir())
	cfg.Tail, cfg.TailEvery, cfg.Log = db, 5*time.Millisecond, slog.New(logs)
	p := open(t, cfg, db.fakeDB)
	defer shut(t, p)
	count := func(msg string) int {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		n := 0
		for _, r := range logs.recs {
			if r.Message == msg {
				n++
			}
		}
		return n
	}
	const failed, back = "ingest: cannot read the responses other processes stored; retrying", "ingest: reading the responses other processes stored again"
	eventually(t, "the failure logged", func() bool { return count(failed) > 0 })
	time.Sleep(50 * time.Millisecond) // about ten more failing readings
	db.mu.Lock()
	db.fail = nil
	db.mu.Unlock()
	eventually(t, "the recovery logged", func() bool { return count(back) > 0 })
	time.Sleep(50 * time.Millisecond)
	if f, b := count(failed), count(back); f != 1 || b != 1 {
		t.Errorf("logged %d failures and %d recoveries, want 1 and 1", f, b)
	}
}

// While nothing new is stored, each reading starts where the last one did: it does not walk
// back an overlap further at every tick, which would read ever more of the table.
func TestTailIdleReadingsDoNotWalkBack(t *testing.T) {
	t.Parallel()
	db := newSharedDB()
	p := openShared(t, db)
	ctx := context.Background()
	r := response(10)
	db.storedBehind(r, time.Now())
	eventually(t, "the insert is learnt", func() bool { _, known, _ := p.Recognize(ctx, r); return known })
	db.mu.Lock()
	n := len(db.from)
	db.mu.Unlock()
	eventually(t, "ten idle readings", func() bool {
		db.mu.Lock()
		defer db.mu.Unlock()
		return len(db.from) >= n+10
	})
	db.mu.Lock()
	defer db.mu.Unlock()
	for what, starts := range map[string][]time.Time{"reading": db.from, "conflicts reading": db.asked} {
		for i := 1; i < len(starts); i++ {
			if starts[i].Before(starts[i-1]) {
				t.Fatalf("%s %d starts at %v, before the previous one (%v)", what, i, starts[i], starts[i-1])
			}
		}
	}
}
