package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest/idindex"
)

// Tail tells a process what the other processes over its database stored, so that several
// processes, each with its own journal and index, answer alike: a response accepted by one is
// a duplicate (same answers) or a conflict (other answers) on every other once stored.
type Tail interface {
	// StoredSince calls fn for every response stored at or after since, by the database's
	// clock, and returns the latest storage time seen (since when none).
	StoredSince(ctx context.Context, since time.Time, fn func(id survey.ResponseID, digest uint64, submittedAt time.Time)) (time.Time, error)
	// LostSince calls fn for every version of a response that lost a conflict (another
	// process accepted other answers under its id within the delivery window), recorded at
	// or after since, with the winner's digest and submission time.
	LostSince(ctx context.Context, since time.Time, fn func(id survey.ResponseID, loser, winner uint64, winnerSubmitted time.Time)) (time.Time, error)
}

// tail learns, every TailEvery, the ids stored since the last reading (from TailOverlap
// before the latest storage time seen, for inserts that became visible late) and the
// conflicts recorded since (all of them at the first reading). Failures are retried at the
// next tick; the deliverer's check of each batch against the database holds meanwhile.
func (p *Pipeline) tail(abort context.Context, since time.Time) {
	defer p.bg.Done()
	t := time.NewTicker(p.cfg.TailEvery)
	defer t.Stop()
	var lostSince time.Time // zero: every conflict recorded, once
	failing := false
	for {
		var es []idindex.Entry
		latest, err := p.cfg.Tail.StoredSince(abort, since, func(id survey.ResponseID, digest uint64, at time.Time) {
			es = append(es, idindex.MakeEntry(id, digest, at))
		})
		if err == nil {
			added, _ := p.index.AddAll(es)
			p.metrics.learnt.Add(float64(added))
			since = later(since, latest.Add(-p.cfg.TailOverlap))
			var lost time.Time
			lost, err = p.cfg.Tail.LostSince(abort, lostSince, p.Override)
			if err == nil {
				lostSince = later(lostSince, lost.Add(-p.cfg.TailOverlap))
			}
		}
		switch {
		case abort.Err() != nil:
			return
		case err != nil && !failing:
			p.cfg.Log.Warn("ingest: cannot read the responses other processes stored; retrying", slog.Any("error", err))
		case err == nil && failing:
			p.cfg.Log.Info("ingest: reading the responses other processes stored again")
		}
		failing = err != nil
		select {
		case <-abort.Done():
			return
		case <-t.C:
		}
	}
}

// later is the later of a reading's start and the next one's: a reading that finds nothing
// new returns its own start, and starting the next one an overlap before it would walk back
// through the table a little more at every idle tick.
func later(start, next time.Time) time.Time {
	if next.After(start) {
		return next
	}
	return start
}

// Override is told that another version of id won a conflict over the version whose digest
// is loser: if the index holds the loser, it holds the winner from then on, so the winner's
// answers are a duplicate here and any others a conflict. It is kept in memory; Tail tells
// it again after a restart.
func (p *Pipeline) Override(id survey.ResponseID, loser, winner uint64, winnerSubmitted time.Time) {
	if p.index.Override(loser, idindex.MakeEntry(id, winner, winnerSubmitted)) {
		p.metrics.overridden.Add(1)
	}
}
