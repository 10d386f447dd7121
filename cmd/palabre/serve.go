package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	analyticsweb "github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/web"
)

// serveConfig is everything `palabre serve` is told.
type serveConfig struct {
	addr            string
	clickhouse      string
	dataDir         string
	maxBody         int64
	readTimeout     time.Duration
	writeTimeout    time.Duration
	idleTimeout     time.Duration
	shutdownTimeout time.Duration
	migrate         bool
	debugAddr       string
	// coordinatorToken, when set, is the bearer token of coordinators' requests.
	coordinatorToken string
	minCell          int
	// compactAfter is how long an edition receives nothing before its parts are merged.
	compactAfter time.Duration
	ingest       ingest.Config
	admission    admissionConfig
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("serve", getenv, stdout)
	var cfg serveConfig
	addr := f.String("addr", "PALABRE_ADDR", defaultAddr, "address to listen on")
	dsn := f.String("clickhouse", "PALABRE_CLICKHOUSE", defaultClickHouse, "ClickHouse DSN")
	data := f.String("data", "PALABRE_DATA", defaultDataDir, "data directory (journal, caches)")
	maxBody := f.Int64("max-body", "PALABRE_MAX_BODY", 1<<20, "largest request body accepted, in bytes")
	readTimeout := f.Duration("read-timeout", "PALABRE_READ_TIMEOUT", 30*time.Second, "time to read a whole request")
	writeTimeout := f.Duration("write-timeout", "PALABRE_WRITE_TIMEOUT", 60*time.Second, "time to write a response (downloads extend their own)")
	idleTimeout := f.Duration("idle-timeout", "PALABRE_IDLE_TIMEOUT", 2*time.Minute, "keep-alive idle time")
	shutdown := f.Duration("shutdown-timeout", "PALABRE_SHUTDOWN_TIMEOUT", 20*time.Second, "time allowed to finish requests and flush on shutdown")
	debugAddr := f.String("debug-addr", "PALABRE_DEBUG_ADDR", "", "serve Go's pprof profiles on this address (off when empty; keep it on loopback)")
	coordinatorToken := f.String("coordinator-token", "PALABRE_COORDINATOR_TOKEN", "", "bearer token that lets a request see coordinators' unsuppressed analytics (none when empty)")
	threshold := f.Int64("min-cell", "PALABRE_MIN_CELL", int64(analytics.DefaultThreshold), "smallest number of respondents a figure shown to funders may rest on")
	compactAfter := f.Duration("compact-after", "PALABRE_COMPACT_AFTER", time.Minute, "merge an edition's stored parts into one once it has received nothing for this long, so its analytics count faster (0: never)")
	doMigrate := f.Bool("migrate", "PALABRE_MIGRATE", true, "apply database migrations at start")
	batchAnswers := f.Int64("batch-answers", "PALABRE_BATCH_ANSWERS", 5000, "deliver to ClickHouse once this many answers are pending")
	batchInterval := f.Duration("batch-interval", "PALABRE_BATCH_INTERVAL", time.Second, "deliver to ClickHouse at least this often")
	diskBudget := f.Int64("journal-budget", "PALABRE_JOURNAL_BUDGET", 1<<30, "most undelivered bytes kept in the journal before refusing responses")
	admission := admissionFlags(f)
	logs := f.logging()
	if err := f.parse(args); err != nil {
		return err
	}
	cfg = serveConfig{
		addr: *addr, clickhouse: *dsn, dataDir: *data, maxBody: *maxBody,
		readTimeout: *readTimeout, writeTimeout: *writeTimeout, idleTimeout: *idleTimeout,
		shutdownTimeout: *shutdown, migrate: *doMigrate, debugAddr: *debugAddr,
		coordinatorToken: *coordinatorToken, minCell: int(*threshold), compactAfter: *compactAfter,
		ingest: ingest.Config{BatchAnswers: int(*batchAnswers), BatchInterval: *batchInterval, DiskBudget: *diskBudget},
	}
	var err error
	if cfg.admission, err = admission(); err != nil {
		return err
	}
	if cfg.compactAfter < 0 {
		return usageError{"compact-after must not be negative"}
	}
	if cfg.minCell < 1 {
		return usageError{"min-cell must be at least 1"}
	}
	if cfg.maxBody <= 0 {
		return usageError{"max-body must be positive"}
	}
	log, err := logs.logger(stdout)
	if err != nil {
		return err
	}
	return serveWith(ctx, cfg, log, stdout)
}

func serveWith(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout io.Writer) error {
	dataDir, err := ensureDataDir(cfg.dataDir)
	if err != nil {
		return err
	}
	// Listen before anything slow, so a taken port fails at once.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	if cfg.debugAddr != "" {
		if err := serveDebug(ctx, cfg.debugAddr, log); err != nil {
			return err
		}
	}

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	db, err := clickhouse.Open(openCtx, clickhouse.Config{DSN: cfg.clickhouse, Logger: log})
	cancel()
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.migrate {
		migCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		applied, err := db.Migrate(migCtx)
		cancel()
		if err != nil {
			return err
		}
		for _, m := range applied {
			log.Info("applied migration", slog.Int("version", m.Version), slog.String("name", m.Name))
		}
	} else if pending, err := db.PendingMigrations(ctx); err != nil {
		return err
	} else if len(pending) > 0 {
		return fmt.Errorf("database %s lacks %d migrations: run `palabre migrate` or drop --migrate=false", db.Database(), len(pending))
	}

	if cfg.compactAfter > 0 {
		compactCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			db.RunCompaction(compactCtx, max(cfg.compactAfter/2, time.Second), cfg.compactAfter)
		}()
		defer func() { stop(); <-done }()
	}

	metrics := ingest.NewMetrics()
	icfg := cfg.ingest
	icfg.Dir, icfg.Log = filepath.Join(dataDir, "journal"), log
	pipeline, err := ingest.Open(ctx, icfg, db, db, metrics)
	if err != nil {
		return err
	}
	// Stop order on the way out: HTTP first (no new responses), then the pipeline (flush
	// what is pending), then ClickHouse (deferred above).
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
		defer cancel()
		if err := pipeline.Close(flushCtx); err != nil {
			log.Error("close journal", slog.Any("error", err))
		}
	}()

	engine := newEngine(log, cfg.maxBody)
	engine.GET("/healthz", web.Healthz)
	engine.GET("/readyz", web.Readyz(3*time.Second, map[string]web.ReadinessCheck{
		"clickhouse": func(ctx context.Context) error { return clickhouseReady(ctx, db) },
		"delivery":   func(context.Context) error { return pipeline.Check() },
	}))
	engine.GET("/metrics", func(c *gin.Context) {
		c.Header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		metrics.WriteTo(c.Writer)
	})
	catalog := survey.NewCachedCatalog(db, 5*time.Second)
	forms, err := web.NewForms(web.FormsConfig{Catalog: catalog, Sink: pipeline, Log: log})
	if err != nil {
		return err
	}
	admitSubmissions, admitAnalytics := cfg.admission.middleware(forms.Refuse)
	memoryLimit, restoreMemoryLimit := cfg.admission.limitMemory()
	defer restoreMemoryLimit()
	log.Info("admission", slog.Int("max_inflight_submissions", cfg.admission.maxSubmissions),
		slog.Int("max_inflight_analytics", cfg.admission.maxAnalytics), slog.Float64("rate_limit", cfg.admission.rate),
		slog.Int("rate_burst", cfg.admission.burst), slog.Int64("memory_limit", memoryLimit))
	submissions := engine.Group("", countRejections(metrics), admitSubmissions)
	forms.Register(submissions)
	analyticsweb.Register(engine.Group("", admitAnalytics), analyticsweb.Config{Catalog: catalog, Store: db, Threshold: cfg.minCell,
		Coordinator: bearerToken(cfg.coordinatorToken)})
	engine.NoRoute(forms.NotFound)

	srv := &http.Server{
		Handler:           engine,
		ReadTimeout:       cfg.readTimeout,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	base := "http://" + ln.Addr().String()
	log.Info("serving", slog.String("url", base), slog.String("data", dataDir), slog.String("database", db.Database()))
	fmt.Fprintf(stdout, "palabre is serving on %s\n", base)
	printURLs(ctx, stdout, base, catalog)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", cfg.shutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newEngine(log *slog.Logger, maxBody int64) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.HandleMethodNotAllowed = true
	engine.ContextWithFallback = true
	engine.Use(web.RequestIDs(), web.AccessLog(log), web.Recover(log), web.LimitBody(maxBody))
	return engine
}

// bearerToken accepts requests that carry token as "Authorization: Bearer …"; none when
// token is empty.
func bearerToken(token string) func(*http.Request) bool {
	if token == "" {
		return nil
	}
	want := []byte("Bearer " + token)
	return func(r *http.Request) bool {
		return subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) == 1
	}
}

// countRejections counts refused responses by reason for /metrics.
func countRejections(m *ingest.Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if c.Request.Method != http.MethodPost || c.Writer.Status() < 400 {
			return
		}
		reason := "error"
		if len(c.Errors) > 0 {
			if code := survey.ErrorCode(c.Errors.Last().Err); code != "" {
				reason = string(code)
			}
		}
		m.Rejected(reason)
	}
}

// printURLs tells the person who started palabre where to look.
func printURLs(ctx context.Context, w io.Writer, base string, catalog survey.Catalog) {
	fmt.Fprintf(w, "  surveys:   %s/\n", base)
	if list, err := catalog.Surveys(ctx); err == nil {
		now := time.Now()
		for _, s := range list {
			for _, e := range s.Editions {
				if e.StatusAt(now) == survey.StatusOpen {
					fmt.Fprintf(w, "  form:      %s/s/%s/%d\n", base, s.ID, e.Year)
				}
			}
		}
	}
	fmt.Fprintf(w, "  API:       %s/api/v1/surveys\n  health:    %s/healthz   readiness: %s/readyz   metrics: %s/metrics\n",
		base, base, base, base)
}

// clickhouseReady checks that ClickHouse answers and its schema is current.
func clickhouseReady(ctx context.Context, db *clickhouse.DB) error {
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("unreachable: %w", err)
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations not applied (run `palabre migrate`)", len(pending))
	}
	return nil
}
