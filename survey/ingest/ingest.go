package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/palabre/palabre/survey"
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

// Config tunes the pipeline. Zero fields take their defaults.
type Config struct {
	Dir           string        // the journal's directory (required)
	BatchAnswers  int           // deliver once this many answers are pending; default 5000
	BatchInterval time.Duration // deliver at least this often while responses are pending; default 1s
	DiskBudget    int64         // most undelivered bytes in the journal; default 1 GiB
	RetryMin      time.Duration // first wait after a failed delivery; default 200ms
	RetryMax      time.Duration // longest wait between attempts; default 10s
	WriteTimeout  time.Duration // bound on one delivery attempt; default 30s
	RetryAfter    int           // seconds a client is told to wait when the journal is full; default 30
	Log           *slog.Logger
	Now           func() time.Time
}

func (c *Config) defaults() {
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
	if c.RetryAfter <= 0 {
		c.RetryAfter = 30
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

	mu    sync.Mutex
	index map[survey.ResponseID]*entry

	stop     context.CancelFunc // stops the batcher's waiting, not a delivery in progress
	draining chan struct{}      // closed by Close: deliver what is left, then return
	done     chan struct{}      // closed when the batcher has returned

	statusMu  sync.Mutex
	lastError error
	lastOK    time.Time
}

// entry is what the index knows of a response id.
type entry struct {
	digest      uint64
	submittedAt time.Time
	durable     chan struct{} // closed once the journal append finished (ok or not)
	failed      bool          // the append failed: the id is free again
}

var _ survey.Sink = (*Pipeline)(nil)

// Open opens the journal, rebuilds the index from stored and from the journal, and starts
// delivering. Undelivered responses found in the journal (after a crash) are delivered first.
func Open(ctx context.Context, cfg Config, w Writer, stored Stored, m *Metrics) (*Pipeline, error) {
	cfg.defaults()
	if m == nil {
		m = NewMetrics()
	}
	j, err := journal.Open(cfg.Dir, journal.Options{DiskBudget: cfg.DiskBudget, Logger: cfg.Log})
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if rec := j.Recovery(); rec.DiscardedBytes > 0 {
		cfg.Log.Warn("journal: discarded a torn tail left by a crash (never acknowledged)",
			slog.Int64("bytes", rec.DiscardedBytes))
	}
	p := &Pipeline{cfg: cfg, journal: j, writer: w, metrics: m, index: map[survey.ResponseID]*entry{},
		draining: make(chan struct{}), done: make(chan struct{})}
	if err := p.loadIndex(ctx, stored); err != nil {
		j.Close()
		return nil, err
	}
	bctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	go p.deliver(bctx)
	return p, nil
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (p *Pipeline) loadIndex(ctx context.Context, stored Stored) error {
	start := time.Now()
	err := stored.ResponseDigests(ctx, func(id survey.ResponseID, digest uint64, at time.Time) {
		p.index[id] = &entry{digest: digest, submittedAt: at, durable: closedChan}
	})
	if err != nil {
		return fmt.Errorf("load stored response ids: %w", err)
	}
	fromDB := len(p.index)
	pending := 0
	last := p.journal.Stats().LastSeq
	for after := journal.Seq(0); after < last; {
		recs, err := p.journal.Next(ctx, after, 4096, 16<<20)
		if err != nil {
			return fmt.Errorf("read journal: %w", err)
		}
		for _, rec := range recs {
			after = rec.Seq
			r, err := decode(rec.Payload)
			if err != nil {
				continue // reported and set aside by the batcher
			}
			p.index[r.ID] = &entry{digest: r.Digest(), submittedAt: r.SubmittedAt, durable: closedChan}
			pending++
		}
	}
	p.metrics.setPending(p.journal.Stats())
	p.cfg.Log.Info("ingest: index ready", slog.Int("stored", fromDB), slog.Int("undelivered", pending),
		slog.Duration("took", time.Since(start)))
	return nil
}

// Submit makes r durable and returns once it is on disk. See survey.Sink.
func (p *Pipeline) Submit(ctx context.Context, r *survey.Response) (survey.Receipt, error) {
	digest := r.Digest()
	for {
		p.mu.Lock()
		e, ok := p.index[r.ID]
		if !ok {
			e = &entry{digest: digest, submittedAt: r.SubmittedAt, durable: make(chan struct{})}
			p.index[r.ID] = e
			p.mu.Unlock()
			return p.append(ctx, r, e)
		}
		p.mu.Unlock()
		// The id is known, or being written by a concurrent submission: wait for its outcome.
		select {
		case <-e.durable:
		case <-ctx.Done():
			return survey.Receipt{}, ctx.Err()
		}
		if e.failed {
			continue // that attempt failed and freed the id; try ours
		}
		if e.digest != digest {
			return survey.Receipt{}, survey.Errorf(survey.CodeConflict, survey.MsgConflict)
		}
		p.metrics.duplicates.Add(1)
		return survey.Receipt{ID: r.ID, Duplicate: true, SubmittedAt: e.submittedAt}, nil
	}
}

func (p *Pipeline) append(ctx context.Context, r *survey.Response, e *entry) (survey.Receipt, error) {
	payload, err := encode(r)
	if err == nil {
		_, err = p.journal.Append(ctx, payload)
	}
	if err != nil {
		p.mu.Lock()
		delete(p.index, r.ID)
		e.failed = true
		p.mu.Unlock()
		close(e.durable)
		return survey.Receipt{}, p.appendError(err)
	}
	close(e.durable)
	p.metrics.accepted.Add(1)
	p.metrics.setPending(p.journal.Stats())
	return survey.Receipt{ID: r.ID, SubmittedAt: r.SubmittedAt}, nil
}

func (p *Pipeline) appendError(err error) error {
	switch {
	case errors.Is(err, journal.ErrFull):
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgJournalFull, p.cfg.RetryAfter),
			RetryAfter: p.cfg.RetryAfter, Err: err}
	case errors.Is(err, journal.ErrClosed):
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: 5, Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	default:
		return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgUnavailable), RetryAfter: 5,
			Err: fmt.Errorf("journal append: %w", err)}
	}
}
