// Package audittest gives tests of code that records actions an in-memory audit.Store with
// the semantics of the ClickHouse one, and the contract both must keep.
package audittest

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/palabre/palabre/survey/audit"
)

// Memory is an audit.Store held in memory, for tests only: palabre keeps its log in
// ClickHouse so that every process appends to one log. Fail, when set, makes Record fail
// with it (to test that callers refuse to act unrecorded).
type Memory struct {
	mu      sync.Mutex
	entries []audit.Entry // in the order recorded
	Fail    error
}

var _ audit.Store = (*Memory)(nil)

// ErrRecord is what Record returns while Fail is set to it.
var ErrRecord = errors.New("audit log unavailable")

// NewMemory returns an empty log.
func NewMemory() *Memory { return &Memory{} }

// Record appends e. Times are kept to the second, in UTC, as in the database.
func (m *Memory) Record(_ context.Context, e audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail != nil {
		return m.Fail
	}
	e.At = e.At.UTC().Truncate(1e9)
	m.entries = append(m.entries, e)
	return nil
}

// Entries lists the selected entries, newest first (the later recorded first among equal
// times).
func (m *Memory) Entries(_ context.Context, f audit.Filter) ([]audit.Entry, error) {
	m.mu.Lock()
	all := slices.Clone(m.entries)
	m.mu.Unlock()
	slices.Reverse(all)
	slices.SortStableFunc(all, func(a, b audit.Entry) int { return b.At.Compare(a.At) })
	var out []audit.Entry
	skip := f.Offset
	for _, e := range all {
		if !f.Matches(e) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == f.PageSize() {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// All returns every entry in the order recorded.
func (m *Memory) All() []audit.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.entries)
}
