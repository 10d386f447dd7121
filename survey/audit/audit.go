// Package audit records who changed what in palabre, when and from where: every console or
// API action that changes state adds one entry to an append-only log, which admins read and
// export. Entries are never updated or deleted: no Store has a method that changes or removes
// an entry, and the ClickHouse table is a plain MergeTree that palabre never mutates.
//
// Erasing a response (a GDPR request) does not touch the log: the entry of an erasure names
// the response id only, never its answers, and earlier entries never hold answers either.
package audit

import (
	"context"
	"time"
)

// Entry is one recorded action.
type Entry struct {
	At      time.Time
	UserID  string // the account that acted; empty for the command line or the shared token
	Email   string // the account's address at the time, kept so the log reads after changes
	Action  string // a stable dotted name, e.g. "edition.save", "dashboard.revoke", "response.erase"
	Survey  string // the survey concerned, when there is one
	Target  string // what was acted on: an edition year, a dashboard id, a user's address…
	Detail  string // a short, human-readable account of the change (never a secret)
	Address string // where the request came from (client IP), or "cli"
	Request string // the request id, to find the access-log line
}

// Recorder appends entries. Record fails only when the entry could not be stored; callers
// refuse the action in that case rather than act unrecorded.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// Actions recorded by palabre itself.
const (
	ActionEraseResponse = "response.erase"        // a response erased at its author's request
	ActionEraseFailed   = "response.erase.failed" // an erasure that was recorded, then failed: repeat it
)

// Filter selects entries. Zero fields select everything.
type Filter struct {
	From, To time.Time // From ≤ At < To; zero for no bound
	UserID   string
	Email    string
	Action   string // an action exactly, or a prefix ending in "." ("response." is every response action)
	Survey   string
	Limit    int // at most this many entries; DefaultLimit when 0, MaxLimit at most
	Offset   int // entries to skip, newest first
}

const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Matches reports whether e passes f's conditions (not its paging).
func (f Filter) Matches(e Entry) bool {
	switch {
	case !f.From.IsZero() && e.At.Before(f.From):
		return false
	case !f.To.IsZero() && !e.At.Before(f.To):
		return false
	case f.UserID != "" && e.UserID != f.UserID:
		return false
	case f.Email != "" && e.Email != f.Email:
		return false
	case f.Survey != "" && e.Survey != f.Survey:
		return false
	case f.Action != "" && !matchAction(f.Action, e.Action):
		return false
	}
	return true
}

func matchAction(want, got string) bool {
	if want[len(want)-1] == '.' {
		return len(got) >= len(want) && got[:len(want)] == want
	}
	return got == want
}

// PageSize is the number of entries f asks for.
func (f Filter) PageSize() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Store keeps the log: entries are appended, and listed newest first. Entries with the same
// time are listed in a stable order (by the store's own sequence, newest recorded first).
type Store interface {
	Recorder
	// Entries lists the entries f selects, newest first, one page of them.
	Entries(ctx context.Context, f Filter) ([]Entry, error)
}
