package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest/idindex"
	"github.com/palabre/palabre/survey/journal"
)

// Writer delivers batches of responses to the database. Writing a response twice must be
// harmless (the database folds rows by response id).
type Writer interface {
	WriteResponses(ctx context.Context, batch []*survey.Response) error
}

// Stored lists the responses the database already holds, to rebuild the index at start.
type Stored interface {
	ResponseDigests(ctx context.Context, fn func(id survey.ResponseID, digest uint64, submittedAt time.Time)) error
}

// Erased tells which response ids were erased at their author's request. When the Stored
// given to Open implements it, those ids are refused (survey.CodeErased): they are learnt at
// start with the database's ids, and asked of the database whenever a known id is submitted
// again, so that an erasure made by another process (palabre erase) is seen at once.
type Erased interface {
	ErasedResponses(ctx context.Context, fn func(id survey.ResponseID)) error
	ResponseErased(ctx context.Context, id survey.ResponseID) (bool, error)
}

// Config tunes the pipeline. Zero fields take their defaults.
type Config struct {
	Dir           string        // the journal's directory (required)
	IndexDir      string        // the local index of response ids; default "index" beside Dir
	BatchAnswers  int           // deliver once this many answers are pending; default 5000
	BatchInterval time.Duration // deliver at least this often while responses are pending; default 1s
	DiskBudget    int64         // most undelivered bytes in the journal; default 1 GiB
	SegmentSize   int64         // size of a journal segment file; default the journal's (64 MiB)
	RetryMin      time.Duration // first wait after a failed delivery; default 200ms
	RetryMax      time.Duration // longest wait between attempts; default 10s
	WriteTimeout  time.Duration // bound on one delivery attempt; default 30s
	RetryAfter    int           // seconds a client is told to wait when the journal is full; default 30
	MaxLag        time.Duration // delivery behind by more than this is reported by Check; default 30s
	FS            journal.FS    // the journal's file system; the operating system's when nil (tests inject faults)
	Tail          Tail          // when set, ids stored by other processes are learnt from it every TailEvery
	TailEvery     time.Duration // default 1s
	TailOverlap   time.Duration // how far back each reading starts before the latest insert seen; default 10s
	Log           *slog.Logger
	Now           func() time.Time
}

func (c *Config) defaults() {
	if c.IndexDir == "" {
		c.IndexDir = filepath.Join(filepath.Dir(filepath.Clean(c.Dir)), "index")
	}
	if c.BatchAnswers <= 0 {
		c.BatchAnswers = 5000
	}
	if c.BatchInterval <= 0 {
		c.BatchInterval = time.Second
	}
	if c.DiskBudget <= 0 {
		c.DiskBudget = 1 << 30
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 200 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 30 * time.Second
	}
	if c.MaxLag <= 0 {
		c.MaxLag = 30 * time.Second
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = 30
	}
	if c.TailEvery <= 0 {
		c.TailEvery = time.Second
	}
	if c.TailOverlap <= 0 {
		c.TailOverlap = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Pipeline is the write path. It implements survey.Sink.
type Pipeline struct {
	cfg     Config
	journal *journal.Journal
	writer  Writer
	metrics *Metrics

	index *idindex.Index // every accepted response id: delivered, in the journal, or in the database
	store *idindex.Store // the delivered ones on disk, beside the journal

	mu       sync.Mutex
	inflight map[survey.ResponseID]*flight // being appended to the journal

	eraseSrc Erased // nil when the database does not say
	erasedMu sync.Mutex
	erased   map[survey.ResponseID]struct{} // ids known to be erased: refused before the index is asked

	stop     context.CancelFunc // stops the batcher's waiting and reconciliation, not a delivery in progress
	draining chan struct{}      // closed by Close: deliver what is left, then return
	done     chan struct{}      // closed when the batcher has returned
	bg       sync.WaitGroup     // reconciliation
	closed   atomic.Bool

	statusMu     sync.Mutex
	lastError    error
	lastOK       time.Time
	reconciled   time.Time // zero until the index was reconciled with the database
	reconcileErr error     // the last failed attempt, nil once one succeeds
}

// flight is a submission being appended to the journal. Submissions of the same id wait for
// its outcome.
type flight struct {
	digest      uint64
	submittedAt time.Time
	durable     chan struct{} // closed once the journal append finished (ok or not)
	failed      bool          // the append failed: the id is free again
}

var _ survey.Sink = (*Pipeline)(nil)

// Open opens the journal and the local index of response ids, and starts delivering.
// Undelivered responses found in the journal (after a crash) are delivered first.
//
// The index comes back from local state when there is any (the index directory, or a
// journal that was written to): the snapshot and log of delivered ids, then the journal's
// undelivered records. It is then reconciled with stored in the background, retried until it
// succeeds, to learn ids written by others (palabre seed, another process, or a version
// without a local index); submissions are accepted meanwhile. Without local state (a first
// start), Open reads stored itself and fails if it cannot.
func Open(ctx context.Context, cfg Config, w Writer, stored Stored, m *Metrics) (*Pipeline, error) {
	cfg.defaults()
	if m == nil {
		m = NewMetrics()
	}
	start := time.Now()
	store, loaded, err := idindex.Open(cfg.IndexDir)
	if err != nil {
		return nil, fmt.Errorf("open response index: %w", err)
	}
	if loaded.SnapshotErr != nil || loaded.Damaged > 0 {
		cfg.Log.Error("ingest: the response index on disk is damaged; what it held is learnt again from the database",
			slog.String("dir", cfg.IndexDir), slog.Any("snapshot_error", loaded.SnapshotErr), slog.Int("damaged_log_entries", loaded.Damaged))
	}
	j, err := journal.Open(cfg.Dir, journal.Options{DiskBudget: cfg.DiskBudget, SegmentSize: cfg.SegmentSize, FS: cfg.FS, Logger: cfg.Log})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	reportRecovery(cfg.Log, m, j.Recovery())
	p := &Pipeline{cfg: cfg, journal: j, writer: w, metrics: m, index: loaded.Index, store: store,
		inflight: map[survey.ResponseID]*flight{}, draining: make(chan struct{}), done: make(chan struct{}),
		erased: map[survey.ResponseID]struct{}{}}
	p.eraseSrc, _ = stored.(Erased)
	fail := func(err error) (*Pipeline, error) {
		j.Close()
		store.Close()
		return nil, err
	}
	local := loaded.Existed || j.Stats().LastSeq > 0
	fromDB := 0
	if !local {
		// A first start: nothing local to start from, so the database must answer now.
		if fromDB, err = p.loadStored(ctx, stored); err != nil {
			return fail(err)
		}
		if err := store.Compact(p.index.View()); err != nil {
			return fail(err)
		}
		p.reconciled = cfg.Now()
	}
	pending, err := p.loadJournal(ctx)
	if err != nil {
		return fail(err)
	}
	p.metrics.setPending(p.journal.Stats())
	cfg.Log.Info("ingest: index ready", slog.Int("ids", p.index.Len()), slog.Int("snapshot", loaded.Snapshot),
		slog.Int("log", loaded.Log), slog.Int("undelivered", pending), slog.Int("stored", fromDB),
		slog.Bool("reconciled", !local), slog.Duration("took", time.Since(start)))

	bctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	if local {
		p.bg.Add(1)
		go p.reconcile(bctx, stored)
	}
	if cfg.Tail != nil {
		p.bg.Add(1)
		go p.tail(bctx, cfg.Now().Add(-time.Minute))
	}
	go p.deliver(bctx)
	return p, nil
}

// loadStored adds the ids the database holds to the index, and learns the erased ones.
func (p *Pipeline) loadStored(ctx context.Context, stored Stored) (int, error) {
	if err := p.loadErased(ctx); err != nil {
		return 0, err
	}
	var es []idindex.Entry
	err := stored.ResponseDigests(ctx, func(id survey.ResponseID, digest uint64, at time.Time) {
		es = append(es, idindex.MakeEntry(id, digest, at))
	})
	if err != nil {
		return 0, fmt.Errorf("load stored response ids: %w", err)
	}
	p.index.AddAll(es)
	return len(es), nil
}

// loadErased learns the ids erased in the database.
func (p *Pipeline) loadErased(ctx context.Context) error {
	if p.eraseSrc == nil {
		return nil
	}
	var ids []survey.ResponseID
	if err := p.eraseSrc.ErasedResponses(ctx, func(id survey.ResponseID) { ids = append(ids, id) }); err != nil {
		return fmt.Errorf("load erased response ids: %w", err)
	}
	p.erasedMu.Lock()
	for _, id := range ids {
		p.erased[id] = struct{}{}
	}
	p.erasedMu.Unlock()
	return nil
}

// isErased reports whether id is known to be erased; known says whether the index holds it
// (a submission again), in which case the database is asked too. When the database cannot
// answer, the id is taken for not erased: the submission is then a duplicate or a conflict,
// which stores nothing either, and the database refuses to store an erased id in any case.
func (p *Pipeline) isErased(ctx context.Context, id survey.ResponseID, known bool) bool {
	p.erasedMu.Lock()
	_, ok := p.erased[id]
	p.erasedMu.Unlock()
	if ok || !known || p.eraseSrc == nil {
		return ok
	}
	ctx, cancel := context.WithTimeout(ctx, erasedCheckTimeout)
	defer cancel()
	erased, err := p.eraseSrc.ResponseErased(ctx, id)
	if err != nil {
		p.cfg.Log.Warn("ingest: cannot ask the database whether a response was erased", slog.Any("error", err))
		return false
	}
	if erased {
		p.erasedMu.Lock()
		p.erased[id] = struct{}{}
		p.erasedMu.Unlock()
	}
	return erased
}

// erasedCheckTimeout bounds asking the database about a resubmitted id, so that a database
// away slows a resubmission by this much at most.
const erasedCheckTimeout = time.Second

// loadJournal adds the ids of the journal's undelivered records to the index. It reads up to
// the last durable record and never waits for more: when everything was delivered there is
// nothing to read.
func (p *Pipeline) loadJournal(ctx context.Context) (int, error) {
	st := p.journal.Stats()
	var es []idindex.Entry
	for after := st.DeliveredSeq; after < st.LastSeq; {
		recs, err := p.journal.Next(ctx, after, 4096, 16<<20)
		if err != nil {
			return 0, fmt.Errorf("read journal: %w", err)
		}
		after = recs[len(recs)-1].Seq
		var old [][]byte
		for _, rec := range recs {
			if id, digest, at, ok := peek(rec.Payload); ok {
				es = append(es, idindex.MakeEntry(id, digest, at))
			} else {
				old = append(old, rec.Payload)
			}
		}
		es = append(es, digestAll(old)...)
	}
	p.index.AddAll(es)
	return len(es), nil
}

// digestAll decodes records written by an earlier version, whose records do not carry their
// digest, and computes it, on every core. Records that do not decode are left out: the
// batcher reports them and sets them aside.
func digestAll(payloads [][]byte) []idindex.Entry {
	if len(payloads) == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), (len(payloads)+255)/256)
	parts := make([][]idindex.Entry, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(payloads); i += workers {
				if r, err := decode(payloads[i]); err == nil {
					parts[w] = append(parts[w], idindex.MakeEntry(r.ID, r.Digest(), r.SubmittedAt))
				}
			}
		})
	}
	wg.Wait()
	return slices.Concat(parts...)
}

// Submit makes r durable and returns once it is on disk. See survey.Sink.
func (p *Pipeline) Submit(ctx context.Context, r *survey.Response) (survey.Receipt, error) {
	digest := r.Digest()
	if p.isErased(ctx, r.ID, false) {
		return survey.Receipt{}, survey.Errorf(survey.CodeErased, survey.MsgErased)
	}
	for {
		p.mu.Lock()
		f, inFlight := p.inflight[r.ID]
		if !inFlight {
			if e, ok := p.index.Lookup(r.ID); ok {
				p.mu.Unlock()
				if p.isErased(ctx, r.ID, true) {
					return survey.Receipt{}, survey.Errorf(survey.CodeErased, survey.MsgErased)
				}
				return p.known(r, digest, e.Digest, e.SubmittedAt())
			}
			f = &flight{digest: digest, submittedAt: r.SubmittedAt, durable: make(chan struct{})}
			p.inflight[r.ID] = f
			p.mu.Unlock()
			return p.append(ctx, r, f)
		}
		p.mu.Unlock()
		// The id is being written by a concurrent submission: wait for its outcome.
		select {
		case <-f.durable:
		case <-ctx.Done():
			return survey.Receipt{}, ctx.Err()
		}
		if f.failed {
			continue // that attempt failed and freed the id; try ours
		}
		if p.isErased(ctx, r.ID, true) {
			return survey.Receipt{}, survey.Errorf(survey.CodeErased, survey.MsgErased)
		}
		return p.known(r, digest, f.digest, f.submittedAt)
	}
}

// known answers the submission of an id already accepted: a duplicate when its answers are the
// same, a conflict otherwise.
func (p *Pipeline) known(r *survey.Response, digest, had uint64, submittedAt time.Time) (survey.Receipt, error) {
	if had != digest {
		return survey.Receipt{}, survey.Errorf(survey.CodeConflict, survey.MsgConflict)
	}
	p.metrics.duplicates.Add(1)
	return survey.Receipt{ID: r.ID, Duplicate: true, SubmittedAt: submittedAt}, nil
}

func (p *Pipeline) append(ctx context.Context, r *survey.Response, f *flight) (survey.Receipt, error) {
	payload, err := encode(r, f.digest)
	if err == nil {
		_, err = p.journal.Append(ctx, payload)
	}
	p.mu.Lock()
	if err == nil {
		p.index.Add(idindex.MakeEntry(r.ID, f.digest, f.submittedAt))
	} else {
		f.failed = true
	}
	delete(p.inflight, r.ID)
	p.mu.Unlock()
	close(f.durable)
	if err != nil {
		return survey.Receipt{}, p.appendError(err)
	}
	p.metrics.accepted.Add(1)
	p.metrics.setPending(p.journal.Stats())
	return survey.Receipt{ID: r.ID, SubmittedAt: r.SubmittedAt}, nil
}

func (p *Pipeline) appendError(err error) error {
	switch {
	case errors.Is(err, journal.ErrFull):
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgJournalFull, p.cfg.RetryAfter),
			RetryAfter: p.cfg.RetryAfter, Err: err}
	case errors.Is(err, journal.ErrNoSpace):
		p.cfg.Log.Error("ingest: the journal's disk is full; responses are refused until space is freed", slog.Any("error", err))
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: p.cfg.RetryAfter, Err: err}
	case errors.Is(err, journal.ErrUnusable):
		p.cfg.Log.Error("ingest: the journal cannot be written; responses are refused until palabre is restarted", slog.Any("error", err))
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: p.cfg.RetryAfter, Err: err}
	case errors.Is(err, journal.ErrClosed):
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: 5, Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	default:
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: 5,
			Err: fmt.Errorf("journal append: %w", err)}
	}
}

// reportRecovery says loudly what the journal repaired at start: a torn tail (never
// acknowledged) as a warning; damage to acknowledged records as an error per range, with
// where its bytes were set aside, and in the metrics.
func reportRecovery(log *slog.Logger, m *Metrics, rec journal.Recovery) {
	if rec.DiscardedBytes > 0 {
		log.Warn("journal: discarded a torn tail left by a crash (never acknowledged)",
			slog.String("file", rec.DiscardedFile), slog.Int64("offset", rec.DiscardedOffset), slog.Int64("bytes", rec.DiscardedBytes))
	}
	for _, d := range rec.Damaged {
		log.Error("journal: damaged bytes found and quarantined; the records around them were recovered",
			slog.String("file", d.File), slog.Int64("offset", d.Offset), slog.Int64("bytes", d.Length),
			slog.String("quarantined_to", d.QuarantinedTo))
	}
	if len(rec.Damaged) > 0 {
		log.Error("journal: acknowledged records lost to damage", slog.Int("records", rec.DamagedFrames),
			slog.Int("recovered_after_damage", rec.RecoveredRecords))
	}
	m.damaged.Set(float64(rec.DamagedFrames))
}
