package ingest_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// logRecorder keeps what the pipeline logs, for the tests of what an operator reads there.
type logRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.recs = append(l.recs, r.Clone())
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// find returns the last record with message msg and its attributes.
func (l *logRecorder) find(msg string) (slog.Record, map[string]slog.Value, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.recs) - 1; i >= 0; i-- {
		if r := l.recs[i]; r.Message == msg {
			attrs := map[string]slog.Value{}
			r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
			return r, attrs, true
		}
	}
	return slog.Record{}, nil, false
}

const (
	reconciledMsg = "ingest: response index reconciled with the database"
	snapshotMsg   = "ingest: response index snapshot written"
)

// TestReconciliationReport: after a restart, reconciliation tells the operator how many
// responses the database holds, how many it learnt, and warns when the database holds other
// answers under ids the pipeline knows.
func TestReconciliationReport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		conflict  bool
		wantLevel slog.Level
	}{
		{"database agrees", false, slog.LevelInfo},
		{"database holds other answers", true, slog.LevelWarn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(t.TempDir())
			db := newFakeDB()
			p := open(t, cfg, db)
			a, b := response(1), response(2)
			expect(t, p, a, "accepted")
			expect(t, p, b, "accepted")
			eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
			if err := shut(t, p); err != nil {
				t.Fatal(err)
			}
			if tc.conflict {
				db.seed(changed(a)) // rewritten behind palabre's back
			}
			db.seed(response(3), response(4)) // written by another process

			logs := &logRecorder{}
			cfg.Log = slog.New(logs)
			p = reopen(t, cfg, db)
			defer shut(t, p)
			eventually(t, "reconciled", func() bool { return p.Status().Reconciled })
			rec, attrs, ok := logs.find(reconciledMsg)
			if !ok {
				t.Fatal("reconciliation not logged")
			}
			want := map[string]int64{"stored": 4, "added": 2, "attempts": 1, "other_answers_in_database": 0}
			if tc.conflict {
				want["other_answers_in_database"] = 1
			}
			for k, v := range want {
				if got, ok := attrs[k]; !ok || got.Int64() != v {
					t.Errorf("log %s = %v, want %d", k, got, v)
				}
			}
			if rec.Level != tc.wantLevel {
				t.Errorf("logged at %v, want %v", rec.Level, tc.wantLevel)
			}
			if st := p.Status(); st.IndexedIDs != 4 {
				t.Errorf("index holds %d ids, want 4", st.IndexedIDs)
			}
			// What was learnt is written to the local snapshot at once.
			if _, attrs, ok := logs.find(snapshotMsg); !ok || attrs["after"].String() != "reconciliation" || attrs["ids"].Int64() != 4 {
				t.Errorf("snapshot after reconciliation: logged %v %v", ok, attrs)
			}
			logs.mu.Lock()
			for _, r := range logs.recs {
				if r.Level >= slog.LevelError {
					t.Errorf("logged an error: %s", r.Message)
				}
			}
			logs.mu.Unlock()
		})
	}
}

// TestReconciliationRetries: while the database cannot be read, reconciliation is retried
// after RetryMin, each wait twice the last up to RetryMax, and reported in Status; once the
// database answers, the index is reconciled and the log says after how many attempts.
func TestReconciliationRetries(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.RetryMin, cfg.RetryMax = 10*time.Millisecond, 40*time.Millisecond
	db := newFakeDB()
	p := open(t, cfg, db)
	expect(t, p, response(1), "accepted")
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	shut(t, p)

	db.setDown(errDown)
	logs := &logRecorder{}
	cfg.Log = slog.New(logs)
	reads := func() []time.Time {
		db.mu.Lock()
		defer db.mu.Unlock()
		return slices.Clone(db.readsAt)
	}
	before := len(reads())
	p = reopen(t, cfg, db)
	defer shut(t, p)
	eventually(t, "six attempts", func() bool { return len(reads()) >= before+6 })
	if st := p.Status(); st.Reconciled || st.ReconcileError == nil {
		t.Errorf("status while the database cannot be read: reconciled %v, error %v", st.Reconciled, st.ReconcileError)
	}
	db.setDown(nil)
	eventually(t, "reconciled", func() bool { return p.Status().Reconciled })
	if st := p.Status(); st.ReconcileError != nil {
		t.Errorf("ReconcileError after success = %v", st.ReconcileError)
	}
	at := reads()[before:]
	// Timers never fire early: each gap is at least the wait.
	for i, least := range []time.Duration{10, 20, 40, 40, 40} {
		if gap := at[i+1].Sub(at[i]); gap < least*time.Millisecond {
			t.Errorf("attempt %d came %v after the previous one, want at least %v", i+2, gap, least*time.Millisecond)
		}
	}
	_, attrs, ok := logs.find(reconciledMsg)
	if !ok {
		t.Fatal("reconciliation not logged")
	}
	if got := attrs["attempts"].Int64(); got != int64(len(at)) {
		t.Errorf("log says %d attempts, the database saw %d", got, len(at))
	}
}

// TestCleanRestartLogsNoWarnings: a stop after everything was delivered and a restart leave
// nothing in the log at warning level or above, so that an operator who reads one knows
// something happened (a torn journal, a damaged index, responses left undelivered).
func TestCleanRestartLogsNoWarnings(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	logs := &logRecorder{}
	cfg.Log = slog.New(logs)
	db := newFakeDB()
	p := open(t, cfg, db)
	expect(t, p, response(1), "accepted")
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}
	p = reopen(t, cfg, db)
	expect(t, p, response(2), "accepted")
	eventually(t, "reconciled and delivered", func() bool {
		st := p.Status()
		return st.Reconciled && st.PendingResponses == 0
	})
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := logs.find(reconciledMsg); !ok {
		t.Error("the restart's reconciliation was not logged") // the recorder did see the restart
	}
	// Nothing was learnt and the index is small: its snapshot is not rewritten.
	if _, attrs, ok := logs.find(snapshotMsg); ok {
		t.Errorf("the index snapshot was rewritten (%v)", attrs)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, r := range logs.recs {
		if r.Level >= slog.LevelWarn {
			t.Errorf("logged at %v: %s", r.Level, r.Message)
		}
	}
}

// TestDamagedIndexIsReportedAndRelearnt: a response index damaged on disk is reported as an
// error at start, and what it held is learnt again from the database.
func TestDamagedIndexIsReportedAndRelearnt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config(dir)
	db := newFakeDB()
	stored := response(1)
	db.seed(stored)
	p := open(t, cfg, db) // a first start writes the index snapshot from the database
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "index", "snapshot")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	logs := &logRecorder{}
	cfg.Log = slog.New(logs)
	p = reopen(t, cfg, db)
	defer shut(t, p)
	rec, _, ok := logs.find("ingest: the response index on disk is damaged; what it held is learnt again from the database")
	if !ok || rec.Level != slog.LevelError {
		t.Errorf("damaged index not reported as an error (found %v at %v)", ok, rec.Level)
	}
	eventually(t, "reconciled", func() bool { return p.Status().Reconciled })
	expect(t, p, stored, "duplicate")
}
