package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
)

var errDown = errors.New("dial tcp 127.0.0.1:19000: connect: connection refused")

// reopen opens the pipeline again within a few seconds, as a restart must: a hang fails the
// test then, not at the go test timeout.
func reopen(t *testing.T, cfg ingest.Config, db *fakeDB) *ingest.Pipeline {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := ingest.Open(ctx, cfg, db, db, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	return p
}

// stop closes p without waiting for delivery, as a stop while the database is down does.
func stop(t *testing.T, p *ingest.Pipeline) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := closeWithin(t, p, ctx); err != nil {
		t.Fatal(err)
	}
}

// shut closes p, delivering what is pending.
func shut(t *testing.T, p *ingest.Pipeline) error {
	t.Helper()
	return closeWithin(t, p, context.Background())
}

// closeWithin closes p with ctx, and fails the test if Close has not returned 10 seconds
// after ctx is done or, for a context that is never done, after 10 seconds: a pipeline that
// does not stop fails its test there, not at the go test timeout.
func closeWithin(t testing.TB, p *ingest.Pipeline, ctx context.Context) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Close(ctx) }()
	limit := time.Now().Add(10 * time.Second)
	if d, ok := ctx.Deadline(); ok {
		limit = d.Add(10 * time.Second)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(time.Until(limit)):
		t.Error("Close did not return: the pipeline does not stop")
		return errors.New("close did not return")
	}
}

// expect submits r and checks the outcome: "accepted", "duplicate" or "conflict".
func expect(t *testing.T, p *ingest.Pipeline, r *survey.Response, want string) {
	t.Helper()
	rc, err := p.Submit(context.Background(), r)
	got := "accepted"
	switch {
	case survey.ErrorCode(err) == survey.CodeConflict:
		got = "conflict"
	case err != nil:
		t.Fatalf("Submit %v: %v", r.ID, err)
	case rc.Duplicate:
		got = "duplicate"
	}
	if got != want {
		t.Errorf("Submit %v: %s, want %s", r.ID, got, want)
	}
}

// changed is r with another answer: the same id, another response.
func changed(r *survey.Response) *survey.Response {
	c := *r
	c.Answers = append([]survey.Answer(nil), r.Answers...)
	c.Answers[0].Num += 0.5
	return &c
}

// TestReopenFullyDelivered restarts over a journal whose every record was delivered: the most
// common restart there is. Open must return promptly instead of waiting for a new record.
func TestReopenFullyDelivered(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	db := newFakeDB()
	p := open(t, cfg, db)
	r := response(1)
	expect(t, p, r, "accepted")
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}

	p = reopen(t, cfg, db)
	defer shut(t, p)
	expect(t, p, r, "duplicate")
	expect(t, p, response(2), "accepted")
	eventually(t, "the new response delivered", func() bool { return db.count() == 2 })
}

// TestRestartWhileDatabaseDown restarts with the database unreachable: the index comes back
// from local state (delivered ids from the index files, undelivered ones from the journal),
// responses are accepted, and once the database answers, the ids only it knows are learnt.
func TestRestartWhileDatabaseDown(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	db := newFakeDB()
	p := open(t, cfg, db)
	delivered := []*survey.Response{response(1), response(2), response(3)}
	for _, r := range delivered {
		expect(t, p, r, "accepted")
	}
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	db.setFail(errDown)
	undelivered := response(4)
	expect(t, p, undelivered, "accepted")
	stop(t, p)
	seeded := response(5) // written by another process while palabre was stopped
	db.seed(seeded)

	db.setDown(errDown)
	p = reopen(t, cfg, db)
	if st := p.Status(); st.Reconciled || st.Accepting != nil || st.IndexedIDs != 4 {
		t.Errorf("status after a restart with the database down: %+v", st)
	}
	for _, r := range append(delivered, undelivered) {
		expect(t, p, r, "duplicate")
		expect(t, p, changed(r), "conflict")
	}
	fresh := response(6)
	expect(t, p, fresh, "accepted")
	eventually(t, "the failed reconciliation is reported", func() bool { return p.Status().ReconcileError != nil })

	db.setDown(nil)
	eventually(t, "reconciled once the database is back", func() bool { return p.Status().Reconciled })
	if st := p.Status(); st.ReconcileError != nil || st.IndexedIDs != 6 {
		t.Errorf("status after reconciliation: %+v", st)
	}
	expect(t, p, seeded, "duplicate")
	expect(t, p, changed(seeded), "conflict")
	eventually(t, "everything delivered", func() bool { return db.count() == 6 && p.Status().PendingResponses == 0 })
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}

	// What reconciliation learnt is kept locally: the next restart without the database knows it.
	db.setDown(errDown)
	p = reopen(t, cfg, db)
	defer stop(t, p)
	for _, r := range append(delivered, undelivered, seeded, fresh) {
		expect(t, p, r, "duplicate")
	}
}

// TestFirstStartDatabaseDownFailsFast: without local state the index can only come from the
// database, so Open reports it unreachable at once; a failed start leaves nothing that a
// later start would take for local state.
func TestFirstStartDatabaseDownFailsFast(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	db := newFakeDB()
	stored := response(1)
	db.seed(stored)
	db.setDown(errDown)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p, err := ingest.Open(ctx, cfg, db, db, nil); !errors.Is(err, errDown) {
		if p != nil {
			shut(t, p)
		}
		t.Fatalf("first start with the database down: %v, want the database's error", err)
	}
	if db.reads != 1 {
		t.Errorf("the database was read %d times, want once (fail fast, no retry)", db.reads)
	}

	db.setDown(nil)
	p := reopen(t, cfg, db)
	defer shut(t, p)
	if !p.Status().Reconciled {
		t.Error("a start that read the database is not reconciled")
	}
	expect(t, p, stored, "duplicate")
}

// TestUpgradeFromJournalWithoutIndex starts over a data directory left by a version without a
// local index: the journal counts as local state, so the start does not need the database;
// reconciliation then learns the delivered ids and keeps them locally.
func TestUpgradeFromJournalWithoutIndex(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	db := newFakeDB()
	p := open(t, cfg, db)
	old := response(1)
	expect(t, p, old, "accepted")
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	shut(t, p)
	if err := os.RemoveAll(filepath.Join(filepath.Dir(cfg.Dir), "index")); err != nil {
		t.Fatal(err)
	}

	db.setDown(errDown)
	p = reopen(t, cfg, db)
	if p.Status().Reconciled {
		t.Error("reconciled without the database")
	}
	db.setDown(nil)
	eventually(t, "reconciled", func() bool { return p.Status().Reconciled })
	expect(t, p, old, "duplicate")
	shut(t, p)

	db.setDown(errDown)
	p = reopen(t, cfg, db)
	defer stop(t, p)
	expect(t, p, old, "duplicate")
	expect(t, p, changed(old), "conflict")
}

// TestRestartMultiSegmentPartlyDelivered restarts over a journal spread over several segments,
// some delivered and removed, the rest pending, with the database down.
func TestRestartMultiSegmentPartlyDelivered(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.SegmentSize = 16 << 10 // a few dozen responses a segment
	db := newFakeDB()
	p := open(t, cfg, db)
	var rs []*survey.Response
	for i := range 300 {
		if i == 150 {
			eventually(t, "the first half delivered", func() bool { return p.Status().PendingResponses == 0 })
			db.setFail(errDown)
		}
		r := response(i)
		rs = append(rs, r)
		expect(t, p, r, "accepted")
	}
	stop(t, p)
	segments, _ := filepath.Glob(filepath.Join(cfg.Dir, "*.wal"))
	if len(segments) < 3 {
		t.Fatalf("%d segments; the test needs several", len(segments))
	}

	db.setDown(errDown)
	p = reopen(t, cfg, db)
	if st := p.Status(); st.PendingResponses != 150 || st.IndexedIDs != 300 {
		t.Errorf("after restart: %d pending, %d ids; want 150, 300", st.PendingResponses, st.IndexedIDs)
	}
	for _, r := range rs {
		expect(t, p, r, "duplicate")
	}
	db.setDown(nil)
	eventually(t, "the rest delivered", func() bool { return db.count() == 300 && p.Status().PendingResponses == 0 })
	shut(t, p)
}

// TestCrashWhileRecordingDelivery stops the batcher, as a crash would, after each step of
// recording a delivered batch: after the index log was written (the journal still holds the
// batch) and after the journal marked it delivered (only the index log knows it). No id may be
// forgotten on restart, even with the database down.
func TestCrashWhileRecordingDelivery(t *testing.T) {
	for _, step := range []string{"logged", "marked"} {
		t.Run(step, func(t *testing.T) {
			cfg := config(t.TempDir())
			db := newFakeDB()
			crashed := make(chan struct{})
			ingest.SetCrashAt(func(s string) bool {
				if s != step {
					return false
				}
				close(crashed)
				return true
			})
			defer ingest.SetCrashAt(nil)
			p := open(t, cfg, db)
			var rs []*survey.Response
			for i := range 5 {
				rs = append(rs, response(i))
				expect(t, p, rs[i], "accepted")
			}
			select {
			case <-crashed:
			case <-time.After(10 * time.Second):
				t.Fatalf("the batcher did not reach step %q within 10 s: nothing was delivered", step)
			}
			stop(t, p)
			ingest.SetCrashAt(nil)

			db.setDown(errDown)
			p = reopen(t, cfg, db)
			defer stop(t, p)
			pending := p.Status().PendingResponses
			if step == "marked" && pending >= 5 {
				t.Fatalf("%d pending: the crash came before the journal marked anything", pending)
			}
			for _, r := range rs {
				expect(t, p, r, "duplicate")
				expect(t, p, changed(r), "conflict")
			}
		})
	}
}

// hangingDB is a database that accepts connections and never answers reads until released,
// the worst kind of outage for a start that waits for it.
type hangingDB struct {
	*fakeDB
	release chan struct{}
}

func (h hangingDB) ResponseDigests(ctx context.Context, fn func(survey.ResponseID, uint64, time.Time)) error {
	select {
	case <-h.release:
		return h.fakeDB.ResponseDigests(ctx, fn)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestRestartDoesNotWaitForDatabase: with local state, Open does not read the database at all
// before it returns, so a database that hangs does not delay the start.
func TestRestartDoesNotWaitForDatabase(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	db := newFakeDB()
	p := open(t, cfg, db)
	r := response(1)
	expect(t, p, r, "accepted")
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	shut(t, p)
	seeded := response(2)
	db.seed(seeded)

	hung := hangingDB{db, make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := ingest.Open(ctx, cfg, db, hung, nil)
	if err != nil {
		t.Fatalf("reopen while the database hangs: %v", err)
	}
	defer shut(t, p)
	expect(t, p, r, "duplicate")
	if p.Status().Reconciled {
		t.Error("reconciled while the database hangs")
	}
	close(hung.release)
	eventually(t, "reconciled", func() bool { return p.Status().Reconciled })
	expect(t, p, seeded, "duplicate")
}
