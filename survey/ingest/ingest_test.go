package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
)

// fakeDB is an in-memory database: it stores what is written, can fail on demand, and lists
// what it holds as Stored.
type fakeDB struct {
	mu       sync.Mutex
	rows     map[survey.ResponseID]*survey.Response
	writes   int // successful batch writes
	order    []survey.ResponseID
	failures int         // fail this many more writes
	failWith error       // when set, fail every write
	downWith error       // when set, ResponseDigests fails: the database cannot be read
	reads    int         // calls of ResponseDigests
	sizes    []int       // responses per successful batch write, in order
	attempts []time.Time // when each write was attempted, failed or not
	readsAt  []time.Time // when each ResponseDigests call was made
}

func newFakeDB() *fakeDB { return &fakeDB{rows: map[survey.ResponseID]*survey.Response{}} }

func (f *fakeDB) WriteResponses(ctx context.Context, batch []*survey.Response) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, time.Now())
	if err := ctx.Err(); err != nil { // as a database client does: a write out of time fails
		return err
	}
	if f.failWith != nil {
		return f.failWith
	}
	if f.failures > 0 {
		f.failures--
		return errors.New("connection refused")
	}
	for _, r := range batch {
		if _, ok := f.rows[r.ID]; !ok {
			f.order = append(f.order, r.ID)
		}
		f.rows[r.ID] = r
	}
	f.writes++
	f.sizes = append(f.sizes, len(batch))
	return nil
}

func (f *fakeDB) ResponseDigests(ctx context.Context, fn func(survey.ResponseID, uint64, time.Time)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	f.readsAt = append(f.readsAt, time.Now())
	if f.downWith != nil {
		return f.downWith
	}
	for id, r := range f.rows {
		fn(id, r.Digest(), r.SubmittedAt)
	}
	return nil
}

func (f *fakeDB) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.rows)
}

func (f *fakeDB) setFail(err error) {
	f.mu.Lock()
	f.failWith = err
	f.mu.Unlock()
}

// setDown makes the database unreachable for reading and writing (err), or reachable (nil).
func (f *fakeDB) setDown(err error) {
	f.mu.Lock()
	f.failWith, f.downWith = err, err
	f.mu.Unlock()
}

// seed stores rs as another process would (palabre seed), behind the pipeline's back.
func (f *fakeDB) seed(rs ...*survey.Response) {
	f.mu.Lock()
	for _, r := range rs {
		f.rows[r.ID] = r
	}
	f.mu.Unlock()
}

func response(i int) *survey.Response {
	answers := make([]survey.Answer, 30)
	for q := range answers {
		answers[q] = survey.Answer{Question: fmt.Sprintf("q%02d", q), Num: float64((i + q) % 5), HasNum: true}
	}
	return &survey.Response{ID: survey.NewResponseID(), SurveyID: "partners-meeting", Edition: 2026, FormVersion: 1,
		Respondent:  survey.Respondent{Country: "SN", Organisation: "Samusocial", Role: "social_worker", Language: "fr"},
		SubmittedAt: time.Unix(1764000000+int64(i), 0).UTC(), Channel: survey.ChannelAPI, Answers: answers}
}

// config keeps the journal and the index of response ids under dir.
func config(dir string) ingest.Config {
	return ingest.Config{Dir: filepath.Join(dir, "journal"), BatchInterval: 20 * time.Millisecond, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond}
}

func open(t *testing.T, cfg ingest.Config, db *fakeDB) *ingest.Pipeline {
	t.Helper()
	p, err := ingest.Open(context.Background(), cfg, db, db, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSubmitDeliversInOrder(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	p := open(t, config(t.TempDir()), db)
	var want []survey.ResponseID
	for i := 0; i < 50; i++ {
		r := response(i)
		want = append(want, r.ID)
		rc, err := p.Submit(context.Background(), r)
		if err != nil || rc.Duplicate {
			t.Fatalf("Submit %d: %+v %v", i, rc, err)
		}
	}
	eventually(t, "all delivered", func() bool { return db.count() == 50 })
	db.mu.Lock()
	for i := range want {
		if db.order[i] != want[i] {
			t.Fatalf("delivery order differs at %d", i)
		}
	}
	db.mu.Unlock()
	if err := shut(t, p); err != nil {
		t.Fatal(err)
	}
	if st := p.Status(); st.PendingResponses != 0 {
		t.Errorf("pending after close = %d", st.PendingResponses)
	}
}

func TestDuplicateAndConflict(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	p := open(t, config(t.TempDir()), db)
	defer shut(t, p)
	r := response(1)
	first, err := p.Submit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	again := *r
	again.ReceivedAt = time.Now() // arrival does not matter
	rc, err := p.Submit(context.Background(), &again)
	if err != nil || !rc.Duplicate || !rc.SubmittedAt.Equal(first.SubmittedAt) {
		t.Errorf("resubmission: %+v %v, want a duplicate receipt", rc, err)
	}
	changed := *r
	changed.Answers = append([]survey.Answer(nil), r.Answers...)
	changed.Answers[0].Num = 4.5
	if _, err := p.Submit(context.Background(), &changed); survey.ErrorCode(err) != survey.CodeConflict {
		t.Errorf("same id, other answers: error %v, want conflict", err)
	}
}

func TestConcurrentSameIDIsStoredOnce(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	p := open(t, config(t.TempDir()), db)
	r := response(7)
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := *r
			rc, err := p.Submit(context.Background(), &c)
			if err != nil {
				t.Error(err)
				return
			}
			if !rc.Duplicate {
				mu.Lock()
				fresh++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if fresh != 1 {
		t.Errorf("%d submissions were stored as new, want 1", fresh)
	}
	shut(t, p)
	if p.Status().PendingResponses != 0 || db.count() != 1 {
		t.Errorf("stored %d responses, want 1", db.count())
	}
}

func TestDatabaseDownThenBack(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	db.setFail(errors.New("dial tcp 127.0.0.1:19000: connection refused"))
	p := open(t, config(t.TempDir()), db)
	for i := 0; i < 30; i++ {
		if _, err := p.Submit(context.Background(), response(i)); err != nil {
			t.Fatalf("Submit while the database is down: %v", err)
		}
	}
	eventually(t, "a delivery failure is reported", func() bool { return p.Status().LastError != nil })
	if st := p.Status(); st.PendingResponses != 30 || !strings.Contains(st.LastError.Error(), "connection refused") {
		t.Errorf("status while down = %+v", st)
	}
	db.setFail(nil)
	eventually(t, "everything delivered once the database is back", func() bool { return db.count() == 30 })
	eventually(t, "nothing pending", func() bool { return p.Status().PendingResponses == 0 })
	if err := p.Check(); err != nil {
		t.Errorf("Check after recovery: %v", err)
	}
	shut(t, p)
}

func TestUndeliveredSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := newFakeDB()
	db.setFail(errors.New("timeout"))
	p := open(t, config(dir), db)
	var ids []survey.ResponseID
	for i := 0; i < 10; i++ {
		r := response(i)
		ids = append(ids, r.ID)
		if _, err := p.Submit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := closeWithin(t, p, ctx); err != nil {
		t.Fatal(err)
	}
	if db.count() != 0 {
		t.Fatalf("delivered %d while the database was failing", db.count())
	}

	db.setFail(nil)
	p = open(t, config(dir), db)
	defer shut(t, p)
	// The index knows the journal's responses: a resubmission is a duplicate, not a new one.
	first := response(0)
	first.ID = ids[0]
	if rc, err := p.Submit(context.Background(), first); err != nil || !rc.Duplicate {
		t.Errorf("resubmission after restart: %+v %v, want duplicate", rc, err)
	}
	eventually(t, "the journal's responses are delivered after restart", func() bool { return db.count() == 10 })
}

func TestIndexKnowsStoredResponses(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	r := response(3)
	db.WriteResponses(context.Background(), []*survey.Response{r})
	p := open(t, config(t.TempDir()), db)
	defer shut(t, p)
	if rc, err := p.Submit(context.Background(), r); err != nil || !rc.Duplicate {
		t.Errorf("resubmitting a stored response: %+v %v, want duplicate", rc, err)
	}
}

func TestJournalFullRefusesWithRetryAfter(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	db.setFail(errors.New("down"))
	cfg := config(t.TempDir())
	cfg.DiskBudget = 16 << 10 // a few responses
	cfg.RetryAfter = 12
	p := open(t, cfg, db)
	defer shut(t, p)
	var err error
	accepted := 0
	for i := 0; i < 100 && err == nil; i++ {
		if _, err = p.Submit(context.Background(), response(i)); err == nil {
			accepted++
		}
	}
	var e *survey.Error
	if !errors.As(err, &e) || e.Code != survey.CodeUnavailable || e.RetryAfter != 12 {
		t.Fatalf("error when full = %v, want unavailable with Retry-After 12", err)
	}
	if !strings.Contains(e.Message.In("en"), "12 seconds") {
		t.Errorf("message %q does not say when to retry", e.Message.In("en"))
	}
	db.setFail(nil)
	// The database holds the batch a moment before the journal records it as delivered and
	// frees its space, so wait for the journal, not the database.
	eventually(t, "accepted responses delivered", func() bool { return p.Status().PendingResponses == 0 })
	if db.count() != accepted {
		t.Errorf("database holds %d responses, want the %d accepted", db.count(), accepted)
	}
	if _, err := p.Submit(context.Background(), response(1000)); err != nil {
		t.Errorf("after delivery frees space: %v", err)
	}
}

func TestMetricsText(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	m := ingest.NewMetrics()
	p, err := ingest.Open(context.Background(), config(t.TempDir()), db, db, m)
	if err != nil {
		t.Fatal(err)
	}
	p.Submit(context.Background(), response(1))
	m.Rejected("invalid")
	shut(t, p)
	var b strings.Builder
	m.WriteTo(&b)
	for _, want := range []string{"palabre_responses_accepted_total 1", `palabre_responses_rejected_total{reason="invalid"} 1`,
		"palabre_answers_delivered_total 30", "palabre_delivery_flush_seconds_count 1", "palabre_journal_pending_responses 0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}
