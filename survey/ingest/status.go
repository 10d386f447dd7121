package ingest

import (
	"fmt"
	"time"

	"github.com/palabre/palabre/survey/journal"
)

// Status is how far delivery to the database is behind, whether responses are accepted, and
// whether the index of response ids has been reconciled with the database.
type Status struct {
	PendingResponses uint64
	PendingBytes     int64
	Lag              time.Duration // age of the oldest undelivered response
	LastError        error         // the last delivery failure, nil once a delivery succeeds
	LastDelivery     time.Time

	Accepting error // why responses are refused now (Pipeline.Accepting); nil when they are accepted

	// Reconciled is false until the index, loaded from local state, has learnt the ids the
	// database holds; meanwhile a response only the database knows is taken for a new one.
	Reconciled     bool
	ReconciledAt   time.Time
	ReconcileError error // the last failed attempt, nil once one succeeds
	IndexedIDs     int   // response ids in the index
}

// Status reports the pipeline's delivery state.
func (p *Pipeline) Status() Status {
	s := p.journal.Stats()
	st := Status{PendingResponses: s.PendingRecords, PendingBytes: s.PendingBytes, Accepting: p.Accepting(),
		IndexedIDs: p.index.Len()}
	if !s.OldestPending.IsZero() {
		st.Lag = p.cfg.Now().Sub(s.OldestPending)
	}
	p.statusMu.Lock()
	st.LastError, st.LastDelivery = p.lastError, p.lastOK
	st.ReconciledAt, st.ReconcileError = p.reconciled, p.reconcileErr
	p.statusMu.Unlock()
	st.Reconciled = !st.ReconciledAt.IsZero()
	return st
}

// Accepting reports whether Submit can make responses durable now: nil, or why not. It is
// the one place that decides it; Status and readiness read it.
func (p *Pipeline) Accepting() error {
	if p.closed.Load() {
		return journal.ErrClosed
	}
	return p.journal.Accepting()
}

// Damage reports the damage the journal found at start: the byte ranges quarantined and
// the records lost; the zero Recovery's Damaged is empty.
func (p *Pipeline) Damage() journal.Recovery { return p.journal.Recovery() }

// Check is a readiness check: it fails when delivery is behind by more than Config.MaxLag,
// saying by how much and why. Submissions are still accepted meanwhile.
func (p *Pipeline) Check() error {
	st := p.Status()
	if st.Lag <= p.cfg.MaxLag {
		return nil
	}
	reason := "database slow"
	if st.LastError != nil {
		reason = st.LastError.Error()
	}
	return fmt.Errorf("delivery behind by %s (%d responses, %d bytes pending; still accepting): %s",
		st.Lag.Round(time.Second), st.PendingResponses, st.PendingBytes, reason)
}
