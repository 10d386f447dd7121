// Package invitetest gives tests an in-memory invite.Store and the contract every store
// keeps.
package invitetest

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/palabre/palabre/survey/invite"
)

// Memory is an in-memory invite.Store, safe for concurrent use. The zero value is empty and
// ready to use.
type Memory struct {
	mu     sync.Mutex
	invs   map[string]invite.Invitation
	claims map[string]map[string]bool // hash → claim id → released
	err    error
}

var _ invite.Store = (*Memory)(nil)

// FailWith makes every later call fail with err, or succeed again when err is nil.
func (m *Memory) FailWith(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// Add records invitations.
func (m *Memory) Add(_ context.Context, invs []invite.Invitation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if m.invs == nil {
		m.invs, m.claims = map[string]invite.Invitation{}, map[string]map[string]bool{}
	}
	for _, inv := range invs {
		m.invs[inv.Hash] = inv
	}
	return nil
}

func (m *Memory) used(hash string) bool {
	for _, released := range m.claims[hash] {
		if !released {
			return true
		}
	}
	return false
}

// Lookup reads an invitation.
func (m *Memory) Lookup(_ context.Context, hash string) (invite.Invitation, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return invite.Invitation{}, false, m.err
	}
	inv, ok := m.invs[hash]
	if !ok {
		return inv, false, invite.ErrNotFound
	}
	return inv, m.used(hash), nil
}

// Claim spends an invitation.
func (m *Memory) Claim(_ context.Context, hash string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", m.err
	}
	if _, ok := m.invs[hash]; !ok {
		return "", invite.ErrNotFound
	}
	if m.used(hash) {
		return "", invite.ErrUsed
	}
	id := uuid.NewString()
	if m.claims[hash] == nil {
		m.claims[hash] = map[string]bool{}
	}
	m.claims[hash][id] = false
	return id, nil
}

// Release gives a claim back.
func (m *Memory) Release(_ context.Context, hash, claimID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if c := m.claims[hash]; c != nil {
		if _, ok := c[claimID]; ok {
			c[claimID] = true
		}
	}
	return nil
}

// Counts counts an edition's invitations.
func (m *Memory) Counts(_ context.Context, surveyID string, year int) (invite.Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return invite.Counts{}, m.err
	}
	var c invite.Counts
	for h, inv := range m.invs {
		if inv.SurveyID == surveyID && inv.Year == year {
			c.Generated++
			if m.used(h) {
				c.Used++
			}
		}
	}
	return c, nil
}
