package ingest

import (
	"fmt"
	"time"
)

// Status is how far delivery to the database is behind.
type Status struct {
	PendingResponses uint64
	PendingBytes     int64
	Lag              time.Duration // age of the oldest undelivered response
	LastError        error         // the last delivery failure, nil once a delivery succeeds
	LastDelivery     time.Time
}

// Status reports the pipeline's delivery state.
func (p *Pipeline) Status() Status {
	s := p.journal.Stats()
	st := Status{PendingResponses: s.PendingRecords, PendingBytes: s.PendingBytes}
	if !s.OldestPending.IsZero() {
		st.Lag = p.cfg.Now().Sub(s.OldestPending)
	}
	p.statusMu.Lock()
	st.LastError, st.LastDelivery = p.lastError, p.lastOK
	p.statusMu.Unlock()
	return st
}

// MaxHealthyLag is how far behind delivery may be before readiness reports it.
const MaxHealthyLag = 30 * time.Second

// Check is a readiness check: it fails when delivery is behind by more than MaxHealthyLag,
// saying by how much and why. Submissions are still accepted meanwhile.
func (p *Pipeline) Check() error {
	st := p.Status()
	if st.Lag <= MaxHealthyLag {
		return nil
	}
	reason := "database slow"
	if st.LastError != nil {
		reason = st.LastError.Error()
	}
	return fmt.Errorf("delivery behind by %s (%d responses, %d bytes pending; still accepting): %s",
		st.Lag.Round(time.Second), st.PendingResponses, st.PendingBytes, reason)
}
