package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest/idindex"
)

// reconcile learns the ids erased in the database, and adds to the index the ids the database
// holds and the local index does not: those
// written by palabre seed or another process, and those delivered by a version without a
// local index. It retries with backoff until the database answers once, or abort. Until it
// has, such an id submitted again is taken for a new response (the database folds it by id).
func (p *Pipeline) reconcile(abort context.Context, stored Stored) {
	defer p.bg.Done()
	wait := p.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		start := time.Now()
		var missing []idindex.Entry
		seen, conflicts := 0, 0
		err := p.loadErased(abort)
		if err == nil {
			err = stored.ResponseDigests(abort, func(id survey.ResponseID, digest uint64, at time.Time) {
				seen++
				if e, ok := p.index.Lookup(id); ok {
					if e.Digest != digest {
						conflicts++
					}
					return
				}
				missing = append(missing, idindex.MakeEntry(id, digest, at))
			})
		}
		if err == nil {
			added, more := p.index.AddAll(missing)
			conflicts += more
			if added > 0 {
				p.compact("reconciliation")
			}
			level := slog.LevelInfo
			if conflicts > 0 {
				level = slog.LevelWarn
			}
			// Logged before the status says so: whoever sees Reconciled finds the line too.
			p.cfg.Log.Log(abort, level, "ingest: response index reconciled with the database", slog.Int("stored", seen),
				slog.Int("added", added), slog.Int("other_answers_in_database", conflicts), slog.Int("attempts", attempt),
				slog.Duration("took", time.Since(start)))
			p.statusMu.Lock()
			p.reconciled, p.reconcileErr = p.cfg.Now(), nil
			p.statusMu.Unlock()
			return
		}
		if abort.Err() != nil {
			return
		}
		p.statusMu.Lock()
		p.reconcileErr = err
		p.statusMu.Unlock()
		p.cfg.Log.Warn("ingest: cannot reconcile the response index with the database yet; accepting responses meanwhile",
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		if !sleep(abort, wait) {
			return
		}
		wait = min(wait*2, p.cfg.RetryMax)
	}
}
