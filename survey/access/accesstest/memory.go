// Package accesstest gives tests of code that uses survey/access an in-memory Store with the
// semantics of the ClickHouse one: records replaced whole, revocations that stick, only a
// user's newest invitation valid, each invitation used once.
package accesstest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/palabre/palabre/survey/access"
)

// Memory is an access.Store held in memory, for unit tests only: palabre keeps access state
// in ClickHouse so that every process shares it.
type Memory struct {
	mu          sync.Mutex
	users       map[string]access.User // by email
	invitations []access.Invitation    // in creation order
	used        map[string]bool
	sessions    map[string]access.Session
	tokens      map[string]access.Token
	failures    []access.Failure
}

var _ access.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{users: map[string]access.User{}, used: map[string]bool{},
		sessions: map[string]access.Session{}, tokens: map[string]access.Token{}}
}

func (m *Memory) CreateUser(_ context.Context, u access.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.Email]; ok {
		return access.ErrEmailTaken
	}
	m.users[u.Email] = clone(u)
	return nil
}

func (m *Memory) SaveUser(_ context.Context, u access.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.Email] = clone(u)
	return nil
}

func clone(u access.User) access.User {
	u.Surveys = slices.Clone(u.Surveys)
	if len(u.Surveys) == 0 {
		u.Surveys = nil
	}
	return u
}

func (m *Memory) UserByID(_ context.Context, id string) (access.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.ID == id {
			return clone(u), nil
		}
	}
	return access.User{}, access.ErrNotFound
}

func (m *Memory) UserByEmail(_ context.Context, email string) (access.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[email]
	if !ok {
		return access.User{}, access.ErrNotFound
	}
	return clone(u), nil
}

func (m *Memory) Users(context.Context) ([]access.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []access.User
	for _, u := range m.users {
		out = append(out, clone(u))
	}
	slices.SortFunc(out, func(a, b access.User) int { return strings.Compare(a.Email, b.Email) })
	return out, nil
}

func (m *Memory) SaveInvitation(_ context.Context, inv access.Invitation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invitations = append(m.invitations, inv)
	return nil
}

func (m *Memory) Invitation(_ context.Context, hash string) (access.Invitation, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, err := m.newest(hash)
	return inv, err == nil && m.used[hash], err
}

// newest returns the invitation with hash if it is its user's newest.
func (m *Memory) newest(hash string) (access.Invitation, error) {
	i := slices.IndexFunc(m.invitations, func(inv access.Invitation) bool { return inv.Hash == hash })
	if i < 0 {
		return access.Invitation{}, access.ErrNotFound
	}
	inv := m.invitations[i]
	for _, later := range m.invitations[i+1:] {
		if later.UserID == inv.UserID {
			return access.Invitation{}, access.ErrNotFound
		}
	}
	return inv, nil
}

func (m *Memory) UseInvitation(_ context.Context, hash string) (access.Invitation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, err := m.newest(hash)
	if err != nil {
		return inv, err
	}
	if m.used[hash] {
		return access.Invitation{}, access.ErrUsed
	}
	m.used[hash] = true
	return inv, nil
}

func (m *Memory) SaveSession(_ context.Context, s access.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Revoked = s.Revoked || m.sessions[s.Hash].Revoked
	m.sessions[s.Hash] = s
	return nil
}

func (m *Memory) Session(_ context.Context, hash string) (access.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[hash]
	if !ok {
		return s, access.ErrNotFound
	}
	return s, nil
}

func (m *Memory) RevokeSession(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[hash]; ok {
		s.Revoked = true
		m.sessions[hash] = s
	}
	return nil
}

func (m *Memory) RevokeSessions(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, s := range m.sessions {
		if s.UserID == userID {
			s.Revoked = true
			m.sessions[h] = s
		}
	}
	return nil
}

func (m *Memory) SaveToken(_ context.Context, t access.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t.Revoked = t.Revoked || m.tokens[t.Hash].Revoked
	m.tokens[t.Hash] = t
	return nil
}

func (m *Memory) TokenByHash(_ context.Context, hash string) (access.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[hash]
	if !ok {
		return t, access.ErrNotFound
	}
	return t, nil
}

func (m *Memory) Tokens(_ context.Context, userID string) ([]access.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []access.Token
	for _, t := range m.tokens {
		if t.UserID == userID {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b access.Token) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (m *Memory) RevokeToken(_ context.Context, userID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, t := range m.tokens {
		if t.UserID == userID && t.ID == id {
			t.Revoked = true
			m.tokens[h] = t
			return nil
		}
	}
	return access.ErrNotFound
}

func (m *Memory) RevokeTokens(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, t := range m.tokens {
		if t.UserID == userID {
			t.Revoked = true
			m.tokens[h] = t
		}
	}
	return nil
}

func (m *Memory) RecordFailure(_ context.Context, f access.Failure) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures = append(m.failures, f)
	return nil
}

func (m *Memory) CountFailures(_ context.Context, email, address string, since time.Time) (int, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var byEmail, byAddress int
	for _, f := range m.failures {
		if f.At.Before(since) {
			continue
		}
		if f.Email == email {
			byEmail++
		}
		if f.Address == address {
			byAddress++
		}
	}
	return byEmail, byAddress, nil
}

func (m *Memory) PruneFailures(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := before.UTC()
	start := time.Date(b.Year(), b.Month(), 1, 0, 0, 0, 0, time.UTC)
	months := map[string]bool{}
	m.failures = slices.DeleteFunc(m.failures, func(f access.Failure) bool {
		if f.At.Before(start) {
			months[f.At.UTC().Format("200601")] = true
			return true
		}
		return false
	})
	return len(months), nil
}
