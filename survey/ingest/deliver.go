package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest/idindex"
	"github.com/palabre/palabre/survey/journal"
)

// deliver is the batcher: it reads the journal in order and writes batches to the database
// until Close, retrying each batch until it is confirmed.
func (p *Pipeline) deliver(abort context.Context) {
	defer close(p.done)
	// Start at the watermark: Next skips delivered records, and draining stops once nothing
	// lies beyond after.
	after := p.journal.Stats().DeliveredSeq
	for {
		batch, last, ok := p.collect(abort, after)
		if len(batch) > 0 {
			if !p.write(abort, batch, last) {
				return // aborted: the batch stays in the journal for the next start
			}
		}
		after = last
		if !ok {
			return
		}
	}
}

// catchUpFactor is how much larger a batch may grow while delivery is behind: the journal
// holds more than a batch beyond it. Fewer, larger inserts are what lets ClickHouse catch up.
const catchUpFactor = 10

// collect gathers the next batch: it waits for a first record, then for more until the batch
// holds BatchAnswers answers (up to catchUpFactor times more while delivery is behind) or
// BatchInterval has passed. ok is false once draining finds nothing more to read, or on
// abort.
func (p *Pipeline) collect(abort context.Context, after journal.Seq) (batch []*survey.Response, last journal.Seq, ok bool) {
	last = after
	answers := 0
	limit := p.cfg.BatchAnswers
	var deadline time.Time
	for answers < limit {
		draining := p.isDraining()
		if draining && p.journal.Stats().LastSeq <= last {
			return batch, last, false
		}
		ctx, cancel := p.waitContext(abort, deadline, draining)
		recs, err := p.journal.Next(ctx, last, 1024, 8<<20)
		cancel()
		if err != nil {
			if abort.Err() != nil || errors.Is(err, journal.ErrClosed) {
				return batch, last, false
			}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return batch, last, true // the batch is due, or draining began
			}
			p.cfg.Log.Error("ingest: read journal", slog.Any("error", err))
			if draining {
				return batch, last, false // stopping: what cannot be read now stays in the journal
			}
			time.Sleep(p.cfg.RetryMin)
			continue
		}
		if deadline.IsZero() {
			deadline = p.cfg.Now().Add(p.cfg.BatchInterval)
		}
		for _, rec := range recs {
			last = rec.Seq
			r, err := decode(rec.Payload)
			if err != nil {
				p.quarantine(rec, err)
				continue
			}
			batch = append(batch, r)
			answers += len(r.Answers) + 1
		}
		if answers >= limit && limit == p.cfg.BatchAnswers && len(batch) > 0 {
			// Behind by more than another batch: take a larger one.
			perResponse := answers / len(batch)
			if backlog := int(p.journal.Stats().LastSeq-last) * perResponse; backlog > p.cfg.BatchAnswers {
				limit = p.cfg.BatchAnswers * catchUpFactor
			}
		}
	}
	return batch, last, true
}

// waitContext bounds one wait for records: by the batch deadline once a batch has begun, by
// the start of draining, and by abort.
func (p *Pipeline) waitContext(abort context.Context, deadline time.Time, draining bool) (context.Context, context.CancelFunc) {
	var ctx context.Context
	var cancel context.CancelFunc
	switch {
	case draining:
		ctx, cancel = context.WithTimeout(abort, 50*time.Millisecond)
	case !deadline.IsZero():
		ctx, cancel = context.WithDeadline(abort, deadline)
	default:
		ctx, cancel = context.WithCancel(abort)
	}
	stop := context.AfterFunc(drainSignal{p.draining}, cancel)
	return ctx, func() { stop(); cancel() }
}

// drainSignal adapts the draining channel to context.AfterFunc.
type drainSignal struct{ c chan struct{} }

func (d drainSignal) Deadline() (time.Time, bool) { return time.Time{}, false }
func (d drainSignal) Done() <-chan struct{}       { return d.c }
func (d drainSignal) Err() error {
	select {
	case <-d.c:
		return context.Canceled
	default:
		return nil
	}
}
func (d drainSignal) Value(any) any { return nil }

func (p *Pipeline) isDraining() bool {
	select {
	case <-p.draining:
		return true
	default:
		return false
	}
}

// write delivers one batch, retrying with exponential backoff until the database confirms;
// it gives up only on abort, leaving the batch in the journal.
func (p *Pipeline) write(abort context.Context, batch []*survey.Response, last journal.Seq) bool {
	wait := p.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(abort, p.cfg.WriteTimeout)
		start := time.Now()
		err := p.writer.WriteResponses(ctx, batch)
		cancel()
		if err == nil {
			return p.delivered(abort, batch, last, time.Since(start))
		}
		p.metrics.writeErrors.Add(1)
		p.setStatus(err)
		if abort.Err() != nil {
			return false
		}
		p.cfg.Log.Warn("ingest: delivery failed; retrying", slog.Int("responses", len(batch)),
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		if !sleep(abort, wait) {
			return false
		}
		wait = min(wait*2, p.cfg.RetryMax)
	}
}

// sleep waits for d or abort, and reports whether it was not aborted.
func sleep(abort context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-abort.Done():
		return false
	}
}

// crashAt, set by tests, stops the batcher at a step of recording a delivery as a crash
// would (it returns true to stop there): "logged" after the index log, "marked" after the
// journal's watermark.
var crashAt func(step string) bool

// delivered records a batch the database confirmed: its ids are added to the index log and
// made durable before the journal marks them delivered, so an id is always in one or the
// other, whatever crash happens between the two. A failure to write the log is retried
// until it succeeds (the batch stays undelivered meanwhile) or abort.
func (p *Pipeline) delivered(abort context.Context, batch []*survey.Response, last journal.Seq, took time.Duration) bool {
	es := make([]idindex.Entry, len(batch))
	for i, r := range batch {
		e, ok := p.index.Lookup(r.ID)
		if !ok { // delivered before the submission that appended it took its place in the index
			e = idindex.MakeEntry(r.ID, r.Digest(), r.SubmittedAt)
			p.index.Add(e)
		}
		es[i] = e
	}
	wait := p.cfg.RetryMin
	for {
		err := p.store.Append(es)
		if err == nil {
			break
		}
		p.setStatus(err)
		p.cfg.Log.Error("ingest: cannot record delivered responses in the local index; retrying",
			slog.Int("responses", len(batch)), slog.Duration("retry_in", wait), slog.Any("error", err))
		if !sleep(abort, wait) {
			return false
		}
		wait = min(wait*2, p.cfg.RetryMax)
	}
	if crashAt != nil && crashAt("logged") {
		return false
	}
	if err := p.journal.MarkDelivered(last); err != nil {
		// The batch is in the database and in the index log; at worst it is delivered again
		// after a restart, which the database folds.
		p.cfg.Log.Error("ingest: record delivery in journal", slog.Any("error", err))
	}
	if crashAt != nil && crashAt("marked") {
		return false
	}
	answers := 0
	for _, r := range batch {
		answers += len(r.Answers)
	}
	p.metrics.observeBatch(len(batch), answers, took)
	p.metrics.setPending(p.journal.Stats())
	p.setStatus(nil)
	if n := p.store.LogLen(); n >= max(minCompact, p.index.Len()/4) {
		p.compact("log")
	}
	return true
}

// minCompact is how many entries the index log holds at least before it is folded into a new
// snapshot (and at most a quarter of the index, beyond that).
const minCompact = 1 << 16

// compact writes the whole index as the local snapshot and empties the index log.
func (p *Pipeline) compact(why string) {
	start := time.Now()
	v := p.index.View() // after every logged id was added to the index: v holds the log
	if err := p.store.Compact(v); err != nil {
		p.cfg.Log.Error("ingest: cannot write the response index snapshot; the log keeps growing", slog.Any("error", err))
		return
	}
	p.cfg.Log.Info("ingest: response index snapshot written", slog.String("after", why), slog.Int("ids", v.Len()),
		slog.Duration("took", time.Since(start)))
}

// quarantine sets aside a record that does not decode (written by an incompatible version),
// so it neither blocks delivery nor is lost.
func (p *Pipeline) quarantine(rec journal.Record, err error) {
	dir := filepath.Join(filepath.Dir(filepath.Clean(p.cfg.Dir)), "quarantine")
	name := filepath.Join(dir, fmt.Sprintf("%020d.record", rec.Seq))
	werr := os.MkdirAll(dir, 0o750)
	if werr == nil {
		werr = os.WriteFile(name, rec.Payload, 0o640)
	}
	p.cfg.Log.Error("ingest: a journal record does not decode; set aside", slog.Uint64("seq", uint64(rec.Seq)),
		slog.String("file", name), slog.Any("error", err), slog.Any("write_error", werr))
	p.metrics.quarantined.Add(1)
}

func (p *Pipeline) setStatus(err error) {
	p.statusMu.Lock()
	defer p.statusMu.Unlock()
	p.lastError = err
	if err == nil {
		p.lastOK = p.cfg.Now()
	}
}

// Close stops delivering after writing what is pending, bounded by ctx, and closes the
// journal. What could not be delivered in time stays in the journal for the next start.
func (p *Pipeline) Close(ctx context.Context) error {
	if !p.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(p.draining)
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop()
		<-p.done
	}
	p.stop()
	p.bg.Wait()
	p.index.Wait()
	left := p.journal.Stats().PendingRecords
	err := errors.Join(p.journal.Close(), p.store.Close())
	if left > 0 {
		p.cfg.Log.Warn("ingest: stopped with responses not yet delivered; they are kept in the journal and delivered at the next start",
			slog.Uint64("responses", left))
	}
	return err
}
