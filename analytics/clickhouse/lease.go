package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Leases run scheduled work once per database however many palabre processes share it.
//
// The rule: time is cut into slots of the job's period (slot k covers [k·period,
// (k+1)·period) in Unix time). While slot k runs, every live process claims slot k+1 in the
// leases table (a synchronous insert stamped with the server's clock). Once the server's
// clock has passed the start of slot k+1 by leaseGrace, each process reads the claims of slot
// k+1 stamped before its start; the smallest holder name among them holds the lease for that
// slot and runs the job. A claim stamped in time has been stored for leaseGrace when the
// claims are read, so every process reads the same claims and agrees on the holder. A
// process that stops (or dies) claims nothing more: from the slot after its last claim the
// next smallest holder runs the job. A holder keeps claiming while its job runs, and a job
// still running when its holder wins again is not started twice.
type Leases struct {
	db     *DB
	holder string
	log    *slog.Logger
}

// leaseGrace is how long after a slot begins (by the server's clock) its claims are read.
const leaseGrace = time.Second

// Leases returns the leases of the process named holder (unique among the processes).
func (db *DB) Leases(holder string, log *slog.Logger) *Leases {
	if log == nil {
		log = db.logger()
	}
	return &Leases{db: db, holder: holder, log: log}
}

// Holder is the name of this process in the leases.
func (l *Leases) Holder() string { return l.holder }

// Claim claims slot of name for this process.
func (l *Leases) Claim(ctx context.Context, name string, slot int64) error {
	err := l.db.conn.Exec(ctx, "INSERT INTO leases (name, slot, holder, claimed_at) SELECT ?, toInt64(?), ?, now()",
		name, slot, l.holder)
	if err != nil {
		return fmt.Errorf("claim lease %s: %w", name, err)
	}
	return nil
}

// HolderOf returns the holder of slot of name: the smallest holder among the claims stamped
// before start; "" when none. ready is false while the server's clock has not yet passed start
// by leaseGrace (the claims may not all be in).
func (l *Leases) HolderOf(ctx context.Context, name string, slot int64, start time.Time) (holder string, ready bool, err error) {
	var now time.Time
	var n uint64
	err = l.db.conn.QueryRow(ctx, `SELECT min(holder), count(), now() FROM leases
WHERE name = ? AND slot = toInt64(?) AND claimed_at < toDateTime(?)`, name, slot, start.Unix()).Scan(&holder, &n, &now)
	if err != nil {
		return "", false, fmt.Errorf("read lease %s: %w", name, err)
	}
	if now.Before(start.Add(leaseGrace)) {
		return "", false, nil
	}
	if n == 0 {
		holder = ""
	}
	return holder, true, nil
}

// Run runs job in every slot of period whose lease this process holds, until ctx ends. A
// failed claim or read skips a slot (the job runs in a later one).
func (l *Leases) Run(ctx context.Context, name string, period time.Duration, job func(context.Context) error) {
	if period < 2*leaseGrace {
		period = 2 * leaseGrace
	}
	var running atomic.Bool
	done := make(chan struct{})
	failing := false // a failure is logged once, until a slot succeeds again
	warn := func(msg string, err error) {
		if !failing {
			l.log.Warn(msg, slog.String("job", name), slog.Any("error", err))
		}
		failing = true
	}
	defer func() {
		if running.Load() {
			<-done
		}
	}()
	for {
		next := time.Now().Unix()/int64(period.Seconds()) + 1
		start := time.Unix(next*int64(period.Seconds()), 0)
		claimErr := l.Claim(ctx, name, next)
		if err := claimErr; err != nil {
			if ctx.Err() != nil {
				return
			}
			warn("lease: cannot claim the next slot; the job waits", err)
		}
		if !sleepUntil(ctx, start.Add(leaseGrace)) {
			return
		}
		holder, read := "", false
		for {
			h, ready, err := l.HolderOf(ctx, name, next, start)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				warn("lease: cannot read the holder of a slot; the job waits", err)
				break
			}
			if ready {
				holder, read = h, true
				break
			}
			if !sleepUntil(ctx, time.Now().Add(200*time.Millisecond)) {
				return
			}
		}
		if read && claimErr == nil && failing {
			l.log.Info("lease: claims work again", slog.String("job", name))
			failing = false
		}
		if holder != l.holder || !running.CompareAndSwap(false, true) {
			continue
		}
		done = make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			defer running.Store(false)
			l.log.Debug("lease: running", slog.String("job", name), slog.Int64("slot", next))
			if err := job(ctx); err != nil && ctx.Err() == nil {
				l.log.Warn("scheduled job failed", slog.String("job", name), slog.Any("error", err))
			}
		}(done)
	}
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// PruneLeases deletes the claims older than age.
func (db *DB) PruneLeases(ctx context.Context, age time.Duration) error {
	if err := db.conn.Exec(ctx, "ALTER TABLE leases DELETE WHERE claimed_at < toDateTime(?)", time.Now().Add(-age).Unix()); err != nil {
		return fmt.Errorf("prune leases: %w", err)
	}
	return nil
}
