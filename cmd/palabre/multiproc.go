package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console/conflicts"
	"github.com/palabre/palabre/survey/ingest"
)

// Several `palabre serve` processes may share one database, each with its own data
// directory: each learns what the others stored (ingest.Tail), checks each batch against
// the database before writing it (clickhouse.Delivery), and the work that must run once per
// database (compaction, resolving conflicts, pruning) runs under leases in ClickHouse.

// processNameRE is what a process name may hold: it is shown in the console and the logs.
var processNameRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// defaultProcessName is the host name and a random suffix, unique among the processes over
// a database.
func defaultProcessName() string {
	host, err := os.Hostname()
	if err != nil || !processNameRE.MatchString(host) {
		host = "palabre"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}

// resolveEvery is the period of the conflict resolver (a lease slot); resolveLookBack is how
// far before its previous run each run looks, for inserts that became visible late.
const (
	resolveEvery    = 2 * time.Second
	resolveLookBack = time.Minute
)

// deliveryFor returns the writer of this process and a function that tells it, once the
// pipeline is open, where to report the responses it left out as losers of a conflict.
func deliveryFor(db *clickhouse.DB, name string) (*clickhouse.Delivery, func(*ingest.Pipeline)) {
	d := db.Delivery(name)
	var p atomic.Pointer[ingest.Pipeline]
	d.Lost = func(id survey.ResponseID, loser, winner uint64, at time.Time) {
		if pl := p.Load(); pl != nil {
			pl.Override(id, loser, winner, at)
		}
	}
	return d, func(pl *ingest.Pipeline) { p.Store(pl) }
}

// startScheduled runs, under leases, the work done once per database; stop waits for it.
func startScheduled(ctx context.Context, cfg serveConfig, db *clickhouse.DB, accounts *access.Service, dashboards *publish.Store, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	leases := db.Leases(cfg.processName, log)
	var wg sync.WaitGroup
	run := func(name string, period time.Duration, job func(context.Context) error) {
		wg.Go(func() { leases.Run(ctx, name, period, job) })
	}
	if cfg.compactAfter > 0 {
		run("compaction", max(cfg.compactAfter/2, 2*time.Second), func(ctx context.Context) error {
			done, err := db.Compact(ctx, cfg.compactAfter)
			for _, c := range done {
				log.Info("compacted an edition", slog.String("table", c.Table), slog.Int("edition", c.Edition),
					slog.Int("parts", c.Parts), slog.Duration("took", c.Took))
			}
			return err
		})
	}
	var resolved time.Time // zero: the first run of this process looks at every response
	run("conflicts", resolveEvery, func(ctx context.Context) error {
		start := time.Now()
		since := time.Time{}
		if !resolved.IsZero() {
			since = resolved.Add(-resolveLookBack)
		}
		if _, err := db.ResolveConflicts(ctx, since, cfg.processName); err != nil {
			return err
		}
		resolved = start
		return nil
	})
	run("login-failures", time.Hour, func(ctx context.Context) error {
		months, err := accounts.PruneFailures(ctx)
		if months > 0 {
			log.Info("failed logins pruned", slog.Int("months", months))
		}
		return err
	})
	run("dashboards", time.Minute, refreshDueDashboards(dashboards, log))
	run("leases", time.Hour, func(ctx context.Context) error { return db.PruneLeases(ctx, 24*time.Hour) })
	return func() { cancel(); wg.Wait() }
}

// registerConflictCount adds palabre_response_conflicts to reg: the losers recorded in the
// database (every process shows the same), read at most every 10 s.
func registerConflictCount(reg *prometheus.Registry, db *clickhouse.DB) {
	var mu sync.Mutex
	var last time.Time
	var n float64
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "palabre_response_conflicts",
		Help: "Versions of responses that lost a conflict (one id accepted with other answers by another process within the delivery window), recorded in response_conflicts and not counted.",
	}, func() float64 {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 10*time.Second {
			return n
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if c, err := db.ConflictCount(ctx); err == nil {
			n, last = float64(c), time.Now()
		}
		return n
	}))
}

// conflictStore adapts the database to the console's conflicts page.
type conflictStore struct{ db *clickhouse.DB }

func (s conflictStore) Conflicts(ctx context.Context, surveyID string, edition, limit int) ([]conflicts.Conflict, error) {
	cs, err := s.db.Conflicts(ctx, surveyID, edition, limit)
	if err != nil {
		return nil, err
	}
	out := make([]conflicts.Conflict, len(cs))
	for i, c := range cs {
		out[i] = conflicts.Conflict{ID: c.ID, ReceivedAt: c.ReceivedAt, AcceptedBy: c.AcceptedBy,
			WinnerReceivedAt: c.WinnerReceivedAt, RecordedAt: c.RecordedAt, Body: c.Body}
	}
	return out, nil
}
