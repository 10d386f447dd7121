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
	"github.com/palabre/palabre/survey/journal"
)

// deliver is the batcher: it reads the journal in order and writes batches to the database
// until Close, retrying each batch until it is confirmed.
func (p *Pipeline) deliver(abort context.Context) {
	defer close(p.done)
	var after journal.Seq
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
			p.delivered(batch, last, time.Since(start))
			return true
		}
		p.metrics.writeErrors.Add(1)
		p.setStatus(err)
		if abort.Err() != nil {
			return false
		}
		p.cfg.Log.Warn("ingest: delivery failed; retrying", slog.Int("responses", len(batch)),
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-time.After(wait):
		case <-abort.Done():
			return false
		}
		wait = min(wait*2, p.cfg.RetryMax)
	}
}

func (p *Pipeline) delivered(batch []*survey.Response, last journal.Seq, took time.Duration) {
	if err := p.journal.MarkDelivered(last); err != nil {
		// The batch is in the database; at worst it is delivered again after a restart, which
		// the database folds.
		p.cfg.Log.Error("ingest: record delivery in journal", slog.Any("error", err))
	}
	answers := 0
	for _, r := range batch {
		answers += len(r.Answers)
	}
	p.metrics.observeBatch(len(batch), answers, took)
	p.metrics.setPending(p.journal.Stats())
	p.setStatus(nil)
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
	close(p.draining)
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop()
		<-p.done
	}
	p.stop()
	left := p.journal.Stats().PendingRecords
	err := p.journal.Close()
	if left > 0 {
		p.cfg.Log.Warn("ingest: stopped with responses not yet delivered; they are kept in the journal and delivered at the next start",
			slog.Uint64("responses", left))
	}
	return err
}
