// Package audit records who changed what in palabre, when and from where: every console or
// API action that changes state adds one entry to an append-only log, which admins read and
// export. Entries are never updated or deleted.
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
