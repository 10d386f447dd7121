package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/palabre/palabre/survey/audit"
)

// AuditStore keeps the audit log in the append-only table audit_log. It has no method that
// changes or removes an entry, and palabre runs no mutation on that table: erasing a
// response leaves the log as it is (the entry of an erasure names the response id only).
type AuditStore struct{ db *DB }

var _ audit.Store = (*AuditStore)(nil)

// Audit returns the audit log on db.
func (db *DB) Audit() *AuditStore { return &AuditStore{db: db} }

// lastSeq keeps sequence numbers increasing within a process even when the clock does not
// move between two entries.
var lastSeq atomic.Uint64

func nextSeq() uint64 {
	for {
		last, now := lastSeq.Load(), uint64(time.Now().UnixNano())
		if now <= last {
			now = last + 1
		}
		if lastSeq.CompareAndSwap(last, now) {
			return now
		}
	}
}

// Record appends e; a zero time is now.
func (s *AuditStore) Record(ctx context.Context, e audit.Entry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	err := s.db.conn.Exec(ctx, `INSERT INTO audit_log (at, seq, user_id, email, action, survey, target, detail, address, request)
SELECT toDateTime(?), toUInt64(?), ?, ?, ?, ?, ?, ?, ?, ?`,
		toDateTime(e.At), nextSeq(), e.UserID, e.Email, e.Action, e.Survey, e.Target, e.Detail, e.Address, e.Request)
	if err != nil {
		return fmt.Errorf("record %s in the audit log: %w", e.Action, err)
	}
	return nil
}

// Entries lists the entries f selects, newest first.
func (s *AuditStore) Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if !f.From.IsZero() {
		add("at >= toDateTime(?)", toDateTime(f.From))
	}
	if !f.To.IsZero() {
		add("at < toDateTime(?)", toDateTime(f.To))
	}
	if f.UserID != "" {
		add("user_id = ?", f.UserID)
	}
	if f.Email != "" {
		add("email = ?", f.Email)
	}
	if f.Survey != "" {
		add("survey = ?", f.Survey)
	}
	if a := f.Action; a != "" {
		if strings.HasSuffix(a, ".") {
			add("startsWith(action, ?)", a)
		} else {
			add("action = ?", a)
		}
	}
	q := "SELECT at, user_id, email, action, survey, target, detail, address, request FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY at DESC, seq DESC LIMIT %d, %d", max(f.Offset, 0), f.PageSize())
	rows, err := s.db.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.At, &e.UserID, &e.Email, &e.Action, &e.Survey, &e.Target, &e.Detail, &e.Address, &e.Request); err != nil {
			return nil, fmt.Errorf("read the audit log: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
