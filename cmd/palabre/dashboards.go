package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
)

// openDashboards returns the funders' dashboards and the keys that sign their links, kept in
// the database so that every process over it serves every link. The dashboards and keys of
// the data directory (where palabre kept them before) that the database does not hold yet
// are copied there first; the files are left as they are. b computes figures (nil: none).
func openDashboards(ctx context.Context, db *clickhouse.DB, dataDir string, b *reports.Builder, log *slog.Logger) (*publish.Store, *links.Keyring, error) {
	n, err := db.ImportDashboards(ctx, filepath.Join(dataDir, "keys", "links.json"), filepath.Join(dataDir, "publications"))
	if err != nil {
		return nil, nil, fmt.Errorf("copy the dashboards of %s into the database: %w", dataDir, err)
	}
	if n != (clickhouse.DashboardImport{}) && log != nil {
		log.Info("dashboards of the data directory copied into the database", slog.Int("publications", n.Publications),
			slog.Int("revocations", n.Revocations), slog.Int("link_keys", n.Keys), slog.Int("retired_link_keys", n.RetiredKeys))
	}
	keys, err := links.OpenKeyringStore(db.LinkKeys())
	if err != nil {
		return nil, nil, err
	}
	return publish.New(db.Publications(), keys, b), keys, nil
}

// openServedDashboards is openDashboards for palabre serve, which must start while
// ClickHouse is down: the data directory's dashboards are copied into the database once it
// answers (tried again in the background until then), and the link keys are read when first
// needed. Until the database answers, dashboard links cannot open, as their figures are there.
func openServedDashboards(ctx context.Context, db *clickhouse.DB, dataDir string, b *reports.Builder, log *slog.Logger) *publish.Store {
	keysPath, pubDir := filepath.Join(dataDir, "keys", "links.json"), filepath.Join(dataDir, "publications")
	copyOnce := func() error {
		n, err := db.ImportDashboards(ctx, keysPath, pubDir)
		if err == nil && n != (clickhouse.DashboardImport{}) {
			log.Info("dashboards of the data directory copied into the database", slog.Int("publications", n.Publications),
				slog.Int("revocations", n.Revocations), slog.Int("link_keys", n.Keys), slog.Int("retired_link_keys", n.RetiredKeys))
		}
		return err
	}
	if err := copyOnce(); err != nil {
		log.Warn("the dashboards of the data directory will be copied into the database once it answers", slog.String("error", err.Error()))
		go func() {
			for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				if copyOnce() == nil {
					return
				}
			}
		}()
	}
	return publish.New(db.Publications(), links.OpenKeyringStoreLater(db.LinkKeys()), b)
}

// refreshDueDashboards computes again the published dashboards whose refresh period has
// passed: a job run once per database, every minute, under a lease.
func refreshDueDashboards(store *publish.Store, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		n, err := store.RefreshDue(ctx)
		if n > 0 {
			log.Info("dashboards refreshed", slog.Int("count", n))
		}
		return err
	}
}
