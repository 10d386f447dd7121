package ingest_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/journal"
)

// perResponse is what a response of response(i) weighs against Config.BatchAnswers: its 30
// answers and itself.
const perResponse = 31

// TestFullBatchIsDeliveredAtOnce: a batch that reaches BatchAnswers goes to the database
// without waiting for BatchInterval; a smaller one waits for the interval, or for Close, which
// delivers it.
func TestFullBatchIsDeliveredAtOnce(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	cfg := config(t.TempDir())
	cfg.BatchAnswers = 3 * perResponse
	cfg.BatchInterval = time.Hour
	p := open(t, cfg, db)
	for i := range 3 {
		expect(t, p, response(i), "accepted")
	}
	eventually(t, "a full batch delivered long before the interval", func() bool {
		return db.count() == 3 && p.Status().PendingResponses == 0
	})
	expect(t, p, response(3), "accepted")
	if st := p.Status(); st.PendingResponses != 1 {
		t.Errorf("pending %d responses, want 1: a batch below BatchAnswers waits for the interval", st.PendingResponses)
	}
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.rows) != 4 {
		t.Errorf("after Close the database holds %d responses, want 4", len(db.rows))
	}
	if !slices.Equal(db.sizes, []int{3, 1}) {
		t.Errorf("batches written %v, want [3 1]", db.sizes)
	}
}

// backlog leaves n undelivered responses in the journal under cfg, as a stop while the
// database is down does, and returns their ids.
func backlog(t *testing.T, cfg ingest.Config, n int) []survey.ResponseID {
	t.Helper()
	down := newFakeDB()
	down.setFail(errDown)
	p := open(t, cfg, down)
	ids := make([]survey.ResponseID, n)
	var wg sync.WaitGroup
	var failed atomic.Int32
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				r := response(i)
				ids[i] = r.ID
				if _, err := p.Submit(context.Background(), r); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d submissions failed", failed.Load())
	}
	stop(t, p)
	return ids
}

// TestBacklogIsDeliveredInLargerBatches: while the journal holds more than another batch
// beyond the one being gathered, the batch grows (up to ten times BatchAnswers), so fewer,
// larger inserts let the database catch up; a backlog of exactly one more batch does not.
// The journal is read 1024 records at a time. Closing once all is delivered sends nothing
// more (no empty batch).
func TestBacklogIsDeliveredInLargerBatches(t *testing.T) {
	t.Parallel()
	const beyond = 200 // records past the first read
	for _, tc := range []struct {
		name   string
		batch  int // BatchAnswers
		behind int // records past the first read
		want   []int
	}{
		{"exactly one more batch behind", beyond * perResponse, beyond, []int{1024, beyond}},
		{"more than one batch behind", beyond * perResponse, beyond + 1, []int{1024 + beyond + 1}},
		{"the first read fills the batch exactly", 1024 * perResponse, 1025, []int{1024 + 1025}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(t.TempDir())
			cfg.BatchAnswers = tc.batch                // the first read alone fills a batch
			cfg.BatchInterval = 100 * time.Millisecond // a grown batch is not filled: it waits this long
			n := 1024 + tc.behind
			backlog(t, cfg, n)
			db := newFakeDB()
			p := reopen(t, cfg, db)
			eventually(t, "the backlog delivered", func() bool { return p.Status().PendingResponses == 0 })
			if err := shut(t, p); err != nil {
				t.Fatal(err)
			}
			db.mu.Lock()
			defer db.mu.Unlock()
			if len(db.rows) != n || !slices.Equal(db.sizes, tc.want) {
				t.Errorf("%d responses delivered in batches of %v, want %d in %v", len(db.rows), db.sizes, n, tc.want)
			}
		})
	}
}

// TestBatchGrowthIsBounded: a batch grown while catching up stops at ten times
// BatchAnswers (rounded up to the read that crosses it).
func TestBatchGrowthIsBounded(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.BatchAnswers = 40 * perResponse // ten times is 400 responses, below one read
	cfg.BatchInterval = time.Hour
	n := 1024 + 100
	backlog(t, cfg, n)
	db := newFakeDB()
	p := reopen(t, cfg, db)
	eventually(t, "the backlog delivered", func() bool { return p.Status().PendingResponses == 0 })
	shut(t, p)
	db.mu.Lock()
	defer db.mu.Unlock()
	if want := []int{1024, 100}; !slices.Equal(db.sizes, want) {
		t.Errorf("batches %v, want %v", db.sizes, want)
	}
}

// TestRetryBackoff: a failed delivery is retried after RetryMin, each wait twice the last, up
// to RetryMax; the batch is written once the database is back, and every failed attempt is
// counted.
func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	db.failures = 5
	cfg := config(t.TempDir())
	cfg.RetryMin, cfg.RetryMax = 10*time.Millisecond, 40*time.Millisecond
	logs := &logRecorder{}
	cfg.Log = slog.New(logs)
	m := ingest.NewMetrics()
	p, err := ingest.Open(context.Background(), cfg, db, db, m)
	if err != nil {
		t.Fatal(err)
	}
	defer shut(t, p)
	expect(t, p, response(0), "accepted")
	eventually(t, "delivered after the failures", func() bool { return db.count() == 1 })
	db.mu.Lock()
	at := slices.Clone(db.attempts)
	db.mu.Unlock()
	if len(at) != 6 {
		t.Fatalf("%d attempts, want 5 failed and 1 successful", len(at))
	}
	// Timers never fire early, so each gap is at least the wait; a loaded machine only
	// lengthens it.
	for i, least := range []time.Duration{10, 20, 40, 40, 40} {
		if gap := at[i+1].Sub(at[i]); gap < least*time.Millisecond {
			t.Errorf("attempt %d came %v after the previous one, want at least %v", i+2, gap, least*time.Millisecond)
		}
	}
	// The operator's log numbers the attempts and says when the next one comes.
	var logged []string
	logs.mu.Lock()
	for _, r := range logs.recs {
		if r.Message == "ingest: delivery failed; retrying" {
			var attempt, in string
			r.Attrs(func(a slog.Attr) bool {
				switch a.Key {
				case "attempt":
					attempt = a.Value.String()
				case "retry_in":
					in = a.Value.String()
				}
				return true
			})
			logged = append(logged, attempt+" "+in)
		}
	}
	logs.mu.Unlock()
	if want := []string{"1 10ms", "2 20ms", "3 40ms", "4 40ms", "5 40ms"}; !slices.Equal(logged, want) {
		t.Errorf("retries logged as %q, want %q", logged, want)
	}
	var b strings.Builder
	m.WriteTo(&b)
	if !strings.Contains(b.String(), "palabre_clickhouse_errors_total 5\n") {
		t.Errorf("metrics do not count 5 failed attempts:\n%s", b.String())
	}

	// With a small RetryMax, a long outage is still retried often: many failures pass quickly.
	db2 := newFakeDB()
	db2.failures = 40
	cfg = config(t.TempDir())
	cfg.RetryMin, cfg.RetryMax = time.Millisecond, 2*time.Millisecond
	p2 := open(t, cfg, db2)
	defer shut(t, p2)
	expect(t, p2, response(1), "accepted")
	eventually(t, "delivered after 40 failures, retried at most RetryMax apart", func() bool { return db2.count() == 1 })
}

// clock is a settable time for Config.Now.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) now() time.Time {
	if t := c.t.Load(); t != nil {
		return *t
	}
	return time.Now()
}

func (c *clock) set(t time.Time) { c.t.Store(&t) }

// slowDB accepts writes but never finishes one until its context ends: a database that is
// slow rather than failing.
type slowDB struct{ *fakeDB }

func (slowDB) WriteResponses(ctx context.Context, _ []*survey.Response) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestCheckLagBoundary: readiness holds while the oldest undelivered response is at most
// MaxLag old, and fails beyond, saying by how much, how much is pending and why.
func TestCheckLagBoundary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		down   bool
		reason string
	}{
		{"database failing", true, "connection refused"},
		{"database slow", false, "database slow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newFakeDB()
			var w ingest.Writer = slowDB{db}
			if tc.down {
				db.setFail(errDown)
				w = db
			}
			var c clock
			cfg := config(t.TempDir())
			cfg.MaxLag = time.Minute
			cfg.WriteTimeout = time.Hour
			cfg.Now = c.now
			p, err := ingest.Open(context.Background(), cfg, w, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer stop(t, p)
			if err := p.Check(); err != nil {
				t.Errorf("Check with nothing pending: %v", err)
			}
			if st := p.Status(); st.Lag != 0 {
				t.Errorf("lag with nothing pending = %v, want 0", st.Lag)
			}
			expect(t, p, response(0), "accepted")
			if tc.down {
				eventually(t, "the failure is reported", func() bool { return p.Status().LastError != nil })
			}
			now := time.Now().Add(time.Hour)
			c.set(now)
			oldest := now.Add(-p.Status().Lag)

			c.set(oldest.Add(cfg.MaxLag))
			if st := p.Status(); st.Lag != cfg.MaxLag {
				t.Fatalf("lag = %v, want %v", st.Lag, cfg.MaxLag)
			}
			if err := p.Check(); err != nil {
				t.Errorf("Check at exactly MaxLag: %v, want ready", err)
			}
			c.set(oldest.Add(cfg.MaxLag + time.Second))
			err = p.Check()
			if err == nil {
				t.Fatal("Check beyond MaxLag passed")
			}
			for _, want := range []string{"behind by 1m1s", "1 responses", "still accepting", tc.reason} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Check = %q, want it to say %q", err, want)
				}
			}
		})
	}
}

// TestClosedPipelineRefuses: once closed, the pipeline says it does not accept responses and
// refuses them as unavailable, with a short Retry-After (a restart is under way); closing
// twice is harmless.
func TestClosedPipelineRefuses(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	p := open(t, config(t.TempDir()), db)
	if err := p.Accepting(); err != nil {
		t.Errorf("Accepting when open = %v", err)
	}
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}
	if err := p.Accepting(); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("Accepting after Close = %v, want ErrClosed", err)
	}
	if st := p.Status(); !errors.Is(st.Accepting, journal.ErrClosed) {
		t.Errorf("Status().Accepting after Close = %v, want ErrClosed", st.Accepting)
	}
	_, err := p.Submit(context.Background(), response(1))
	var se *survey.Error
	if !errors.As(err, &se) || se.Code != survey.CodeUnavailable || se.RetryAfter != 5 {
		t.Errorf("Submit after Close = %v, want unavailable with Retry-After 5", err)
	}
	if err := shut(t, p); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestMetricsAfterDeliveries: the metrics count what was accepted, resubmitted, delivered
// (responses, answers, batches) and the failed attempts.
func TestMetricsAfterDeliveries(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	db.failures = 2
	m := ingest.NewMetrics()
	cfg := config(t.TempDir())
	cfg.BatchAnswers = 2 * perResponse
	cfg.BatchInterval = time.Hour
	p, err := ingest.Open(context.Background(), cfg, db, db, m)
	if err != nil {
		t.Fatal(err)
	}
	r := response(0)
	expect(t, p, r, "accepted")
	expect(t, p, response(1), "accepted")
	expect(t, p, r, "duplicate")
	expect(t, p, changed(r), "conflict")
	m.Rejected("invalid")
	eventually(t, "delivered", func() bool { return p.Status().PendingResponses == 0 })
	shut(t, p)
	var b strings.Builder
	n, err := m.WriteTo(&b)
	if err != nil || n != int64(b.Len()) {
		t.Errorf("WriteTo = %d, %v; wrote %d bytes", n, err, b.Len())
	}
	for _, want := range []string{
		"palabre_responses_accepted_total 2\n",
		"palabre_responses_duplicate_total 1\n",
		"palabre_responses_delivered_total 2\n",
		"palabre_answers_delivered_total 60\n",
		"palabre_delivery_batch_answers_sum 60\n",
		"palabre_delivery_batch_answers_count 1\n",
		"palabre_clickhouse_errors_total 2\n",
		"palabre_journal_pending_bytes 0\n",
		`palabre_responses_rejected_total{reason="invalid"} 1` + "\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ left int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n := f.left
		f.left = 0
		return n, errors.New("broken pipe")
	}
	f.left -= len(p)
	return len(p), nil
}

// TestMetricsWriteToReportsFailure: writing the metrics to a broken connection reports the
// error and how much was written.
func TestMetricsWriteToReportsFailure(t *testing.T) {
	t.Parallel()
	m := ingest.NewMetrics()
	m.Rejected("invalid")
	var all strings.Builder
	total, _ := m.WriteTo(&all)
	w := &failingWriter{left: int(total / 2)}
	n, err := m.WriteTo(w)
	if err == nil || n != total/2 {
		t.Errorf("WriteTo a writer failing after %d bytes = %d, %v", total/2, n, err)
	}
}

// TestZeroConfigDefaults: a Config with only Dir set takes its documented defaults: retries
// start at 200ms, readiness fails once delivery is more than 30 seconds behind, and responses
// are delivered (each write has time to finish).
func TestZeroConfigDefaults(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	db.setFail(errDown)
	var c clock
	logs := &logRecorder{}
	cfg := ingest.Config{Dir: filepath.Join(t.TempDir(), "journal"), Now: c.now, Log: slog.New(logs)}
	p := open(t, cfg, db)
	defer shut(t, p)
	expect(t, p, response(0), "accepted")
	eventually(t, "the failure is reported", func() bool { return p.Status().LastError != nil })
	// Retries wait RetryMin (200ms), then twice as long.
	retries := func() (waits []string) {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		for _, r := range logs.recs {
			if r.Message == "ingest: delivery failed; retrying" {
				r.Attrs(func(a slog.Attr) bool {
					if a.Key == "retry_in" {
						waits = append(waits, a.Value.String())
					}
					return true
				})
			}
		}
		return waits
	}
	eventually(t, "two retries", func() bool { return len(retries()) >= 2 })
	if got := retries()[:2]; !slices.Equal(got, []string{"200ms", "400ms"}) {
		t.Errorf("first retries wait %v, want [200ms 400ms]", got)
	}
	now := time.Now().Add(time.Hour)
	c.set(now)
	oldest := now.Add(-p.Status().Lag)
	c.set(oldest.Add(30 * time.Second))
	if err := p.Check(); err != nil {
		t.Errorf("Check 30s behind: %v, want ready", err)
	}
	c.set(oldest.Add(31 * time.Second))
	if err := p.Check(); err == nil {
		t.Error("Check 31s behind passed, want the default MaxLag of 30s")
	}
	if st := p.Status(); !st.LastDelivery.IsZero() {
		t.Errorf("LastDelivery %v before any delivery", st.LastDelivery)
	}
	db.setFail(nil)
	eventually(t, "delivered once the database is back", func() bool { return db.count() == 1 })
	eventually(t, "the delivery is recorded", func() bool { return p.Status().LastError == nil })
	if st := p.Status(); !st.LastDelivery.Equal(oldest.Add(31 * time.Second)) {
		t.Errorf("LastDelivery = %v, want the time of the delivery %v", st.LastDelivery, oldest.Add(31*time.Second))
	}
}
