package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	analyticsweb "github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/publish"
	reportsweb "github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/gate"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/journal"
	"github.com/palabre/palabre/survey/localcatalog"
	"github.com/palabre/palabre/survey/web"
)

// serveConfig is everything `palabre serve` is told.
type serveConfig struct {
	addr            string
	clickhouse      clickhouse.Config // without its Logger
	dataDir         string
	maxBody         int64
	readTimeout     time.Duration
	writeTimeout    time.Duration
	idleTimeout     time.Duration
	shutdownTimeout time.Duration
	migrate         bool
	// metricsAddr serves /metrics, a detailed /readyz and pprof (off when empty);
	// metricsDefault says it was not asked for, so a taken port only turns them off.
	metricsAddr    string
	metricsDefault bool
	// coordinatorToken, when set, is the deprecated shared bearer token that stands for a
	// coordinator of every survey (personal API tokens replace it).
	coordinatorToken string
	// baseURL is the address people open palabre at, for the links the console hands out
	// (empty: the address of the request); https makes cookies Secure.
	baseURL string
	minCell int
	// compactAfter is how long an edition receives nothing before its parts are merged.
	compactAfter time.Duration
	// processName names this process among those over one database (leases, conflicts).
	processName string
	ingest      ingest.Config
	admission   admissionConfig
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("serve", getenv, stdout)
	var cfg serveConfig
	addr := f.String("addr", "PALABRE_ADDR", defaultAddr, "address to listen on")
	database := f.database()
	data := f.String("data", "PALABRE_DATA", defaultDataDir, "data directory (journal, caches)")
	maxBody := f.Int64("max-body", "PALABRE_MAX_BODY", 1<<20, "largest request body accepted, in bytes")
	readTimeout := f.Duration("read-timeout", "PALABRE_READ_TIMEOUT", 30*time.Second, "time to read a whole request")
	writeTimeout := f.Duration("write-timeout", "PALABRE_WRITE_TIMEOUT", 60*time.Second, "time to write a response (downloads extend their own)")
	idleTimeout := f.Duration("idle-timeout", "PALABRE_IDLE_TIMEOUT", 2*time.Minute, "keep-alive idle time")
	shutdown := f.Duration("shutdown-timeout", "PALABRE_SHUTDOWN_TIMEOUT", 20*time.Second, "time allowed to finish requests and flush on shutdown")
	metricsAddr := f.String("metrics-addr", "PALABRE_METRICS_ADDR", defaultMetricsAddr, "serve /metrics, a detailed /readyz and Go's pprof profiles on this address, apart from the public one (off when empty or \"off\"; keep it private)")
	debugAddr := f.String("debug-addr", "PALABRE_DEBUG_ADDR", "", "deprecated: use --metrics-addr")
	coordinatorToken := f.String("coordinator-token", "PALABRE_COORDINATOR_TOKEN", "", "deprecated: a shared bearer token that stands for a coordinator of every survey (none when empty); give each person an account and a personal API token instead (palabre user add, palabre user token)")
	baseURL := f.String("base-url", "PALABRE_BASE_URL", "", "the address people open palabre at (e.g. https://palabre.example.org), for the links the console hands out; https marks its cookies Secure (default: the address each request came to)")
	threshold := f.Int64("min-cell", "PALABRE_MIN_CELL", int64(analytics.DefaultThreshold), "smallest number of respondents a figure shown to funders may rest on")
	compactAfter := f.Duration("compact-after", "PALABRE_COMPACT_AFTER", time.Minute, "merge an edition's stored parts into one once it has received nothing for this long, so its analytics count faster (0: never)")
	processName := f.String("process-name", "PALABRE_PROCESS_NAME", "", "this process's name among the palabre processes over one database, unique among them (default: the host name and a random suffix)")
	doMigrate := f.Bool("migrate", "PALABRE_MIGRATE", true, "apply database migrations at start")
	batchAnswers := f.Int64("batch-answers", "PALABRE_BATCH_ANSWERS", 5000, "deliver to ClickHouse once this many answers are pending")
	batchInterval := f.Duration("batch-interval", "PALABRE_BATCH_INTERVAL", time.Second, "deliver to ClickHouse at least this often")
	maxLag := f.Duration("max-delivery-lag", "PALABRE_MAX_DELIVERY_LAG", 30*time.Second, "readiness says \"degraded\" once the oldest undelivered answer is older than this")
	diskBudget := f.Int64("journal-budget", "PALABRE_JOURNAL_BUDGET", 1<<30, "most undelivered bytes kept in the journal before refusing responses")
	admission := admissionFlags(f)
	logs := f.logging()
	if err := f.parse(args); err != nil {
		return err
	}
	cfg = serveConfig{
		addr: *addr, clickhouse: database.config(), dataDir: *data, maxBody: *maxBody,
		readTimeout: *readTimeout, writeTimeout: *writeTimeout, idleTimeout: *idleTimeout,
		shutdownTimeout: *shutdown, migrate: *doMigrate,
		coordinatorToken: *coordinatorToken, baseURL: strings.TrimRight(*baseURL, "/"), minCell: int(*threshold), compactAfter: *compactAfter,
		ingest: ingest.Config{BatchAnswers: int(*batchAnswers), BatchInterval: *batchInterval, DiskBudget: *diskBudget, MaxLag: *maxLag},
	}
	cfg.processName = *processName
	if cfg.processName == "" {
		cfg.processName = defaultProcessName()
	} else if !processNameRE.MatchString(cfg.processName) {
		return usageError{"process-name may hold letters, digits and . _ : - only (at most 100)"}
	}
	var err error
	if cfg.admission, err = admission(); err != nil {
		return err
	}
	if cfg.compactAfter < 0 {
		return usageError{"compact-after must not be negative"}
	}
	if cfg.ingest.MaxLag <= 0 {
		return usageError{"max-delivery-lag must be positive"}
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
	cfg.metricsAddr, cfg.metricsDefault = *metricsAddr, !f.given("metrics-addr", "PALABRE_METRICS_ADDR")
	if *debugAddr != "" {
		log.Warn("--debug-addr (PALABRE_DEBUG_ADDR) is deprecated: profiles are served on --metrics-addr")
		if cfg.metricsDefault {
			cfg.metricsAddr, cfg.metricsDefault = *debugAddr, false
		}
	}
	if cfg.metricsAddr == "off" {
		cfg.metricsAddr = ""
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
	opsLn, err := listenOps(cfg.metricsAddr, !cfg.metricsDefault, log)
	if err != nil {
		return err
	}
	if opsLn != nil {
		defer opsLn.Close()
	}

	db, reachable, err := openDatabase(ctx, cfg, dataDir, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if reachable {
		if err := prepareSchema(ctx, cfg, db, log); err != nil {
			return err
		}
	} else {
		// Started from local state: ready the schema once ClickHouse is back; delivery waits
		// for it meanwhile, retrying.
		prepCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			prepareWhenBack(prepCtx, cfg, db, log)
		}()
		defer func() { stop(); <-done }()
	}

	local, err := localcatalog.Open(db, filepath.Join(dataDir, localcatalog.FileName), log)
	if err != nil {
		return err
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ingest.NewMetricsIn(registry)
	registerConflictCount(registry, db)
	icfg := cfg.ingest
	icfg.Dir, icfg.Log, icfg.Tail = filepath.Join(dataDir, "journal"), log, db
	// Other processes over the database are learnt from it (Tail); each batch is checked
	// against it before it is written (Delivery).
	delivery, tellLost := deliveryFor(db, cfg.processName)
	pipeline, err := ingest.Open(ctx, icfg, delivery, db, metrics)
	if err != nil {
		return err
	}
	tellLost(pipeline)
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
	// c.ClientIP() (the address audit entries and login throttling record) believes
	// X-Forwarded-For from the --trusted-proxies only, as the rate limiter does.
	proxies := make([]string, len(cfg.admission.proxies))
	for i, p := range cfg.admission.proxies {
		proxies[i] = p.String()
	}
	if err := engine.SetTrustedProxies(proxies); err != nil {
		return fmt.Errorf("trusted-proxies: %w", err)
	}
	engine.GET("/healthz", web.Healthz)
	catalog := survey.NewCachedCatalog(local, 5*time.Second)
	// Ready means taking answers: the catalog serves forms and the journal takes appends.
	// The database away or delivery behind leaves palabre ready, "degraded".
	readiness := &web.Readiness{Timeout: 3 * time.Second, Log: log,
		Checks: map[string]web.ReadinessCheck{
			"answers": func(context.Context) error { return answersReady(pipeline) },
			"catalog": func(ctx context.Context) error { return catalogReady(ctx, catalog) },
		},
		Degraded: map[string]web.ReadinessCheck{
			"clickhouse": func(ctx context.Context) error { return clickhouseReady(ctx, db) },
			"delivery":   func(context.Context) error { return deliveryReady(pipeline) },
			"journal":    func(context.Context) error { return journalIntact(pipeline) },
		}}
	engine.GET("/readyz", readiness.Public)
	opsBase := ""
	if opsLn != nil {
		opsBase = serveOps(ctx, opsLn, opsHandlers{metrics: metrics.Handler(), readyz: readiness.Detailed}, log)
	}
	// Editions by invitation take one response per single-use link, claimed in ClickHouse so
	// that every palabre process over the database honours it.
	invites := invite.NewService(db.Invitations())
	forms, err := web.NewForms(web.FormsConfig{Catalog: catalog, Sink: pipeline, Log: log, Invitations: invites})
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
	// The API's requests identify with a personal API token, the console's session (reading
	// only) or the deprecated shared token; accounts live in ClickHouse beside the catalog.
	accounts := access.New(db.Access())
	apiGate, err := gate.New(gate.Config{Access: accounts, SharedToken: cfg.coordinatorToken, Log: log, Metrics: registry})
	if err != nil {
		return err
	}
	analyticsGroup := engine.Group("", admitAnalytics)
	analyticsweb.Register(analyticsGroup, analyticsweb.Config{Catalog: catalog, Store: db, Threshold: cfg.minCell,
		Gate: apiGate})
	newBuilder := func() *reports.Builder {
		b := reports.NewBuilder(catalog, analytics.NewService(catalog, db, cfg.minCell), buildVersion())
		b.Erasures = db.ErasedCount // an erasure changes the data version: cached workbooks are built again
		return b
	}
	workbooks, err := reportsweb.New(reportsweb.Config{
		Builder:  newBuilder(),
		Gate:     apiGate,
		CacheDir: filepath.Join(dataDir, "reports"),
		Version:  buildVersion(),
	})
	if err != nil {
		return err
	}
	workbooks.Register(analyticsGroup)
	// Dashboards and the keys of their links live in the database: every process serves
	// every link. palabre starts while the database is down; they follow once it answers.
	publications := openServedDashboards(ctx, db, dataDir, newBuilder(), log)
	// Compaction, conflicts, dashboard refreshes and pruning run once per database, under
	// leases.
	defer startScheduled(ctx, cfg, db, accounts, publications, log)()
	dashboards, err := reportsweb.NewDashboards(reportsweb.DashboardsConfig{Store: publications, Gate: apiGate, Audit: db.Audit()})
	if err != nil {
		return err
	}
	dashboards.RegisterPages(engine)
	dashboards.RegisterAPI(analyticsGroup)
	eraser := newEraser(db, publications, log)
	analyticsweb.RegisterErasure(analyticsGroup, analyticsweb.ErasureConfig{Eraser: eraser, Authorize: analyticsweb.GateAuthorize(apiGate)})
	analyticsweb.RegisterAudit(analyticsGroup, analyticsweb.AuditConfig{Store: db.Audit(), Authorize: analyticsweb.GateAdmin(apiGate)})
	if err := mountConsole(engine, consoleDeps{cfg: cfg, log: log, accounts: accounts, catalog: catalog, db: db,
		forms: forms, workbooks: workbooks, publications: publications, eraser: eraser, invites: invites, pipeline: pipeline}); err != nil {
		return err
	}
	engine.NoRoute(forms.NotFound)
	engine.NoMethod(forms.NoMethod)

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
	log.Info("serving", slog.String("url", base), slog.String("data", dataDir), slog.String("database", db.Database()),
		slog.String("process", cfg.processName))
	fmt.Fprintf(stdout, "palabre is serving on %s\n", base)
	printURLs(ctx, stdout, base, opsBase, catalog, publications)

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
	engine.Use(web.RequestIDs(), web.NoSniff(), web.AccessLog(log), web.Recover(log), web.LimitBody(maxBody))
	return engine
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
func printURLs(ctx context.Context, w io.Writer, base, opsBase string, catalog survey.Catalog, dashboards *publish.Store) {
	fmt.Fprintf(w, "  surveys:   %s/\n", base)
	if list, err := catalog.Surveys(ctx); err == nil {
		now := time.Now()
		for _, s := range list {
			for _, e := range s.Editions {
				switch {
				case e.StatusAt(now) != survey.StatusOpen:
				case e.ByInvitation():
					fmt.Fprintf(w, "  form:      %s/s/%s/%d (by invitation: single-use links from the console)\n", base, s.ID, e.Year)
				default:
					fmt.Fprintf(w, "  form:      %s/s/%s/%d\n", base, s.ID, e.Year)
				}
			}
		}
	}
	// A dashboard's link is a secret: count them, do not print them where logs may keep them.
	if list, err := dashboards.List(); err == nil {
		live, now := 0, time.Now()
		for _, p := range list {
			if p.Revoked.IsZero() && (p.Expires.IsZero() || now.Before(p.Expires)) {
				live++
			}
		}
		fmt.Fprintf(w, "  dashboards: %d published for funders (their links: palabre share --list)\n", live)
	}
	fmt.Fprintf(w, "  console:   %s/console\n", base)
	fmt.Fprintf(w, "  API:       %s/api/v1/surveys\n  health:    %s/healthz   readiness: %s/readyz\n", base, base, base)
	if opsBase != "" {
		fmt.Fprintf(w, "  metrics:   %s/metrics   readiness with details: %s/readyz   profiles: %s/debug/pprof/\n",
			opsBase, opsBase, opsBase)
	}
}

// answersReady checks that the journal takes answers, naming why not.
func answersReady(p *ingest.Pipeline) error {
	err := p.Accepting()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, journal.ErrNoSpace):
		return web.NotReady("disk_full", err)
	case errors.Is(err, journal.ErrUnusable):
		return web.NotReady("journal_unusable", err)
	case errors.Is(err, journal.ErrFull):
		return web.NotReady("journal_full", err)
	case errors.Is(err, journal.ErrClosed):
		return web.NotReady("stopping", err)
	default:
		return web.NotReady("unavailable", err)
	}
}

// journalIntact reports damage found in the journal at start, until the next start: the
// records lost and where the damaged bytes were set aside.
func journalIntact(p *ingest.Pipeline) error {
	rec := p.Damage()
	if len(rec.Damaged) == 0 {
		return nil
	}
	files := make([]string, len(rec.Damaged))
	for i, d := range rec.Damaged {
		files[i] = fmt.Sprintf("%s at %d (%d bytes, copy in %s)", d.File, d.Offset, d.Length, d.QuarantinedTo)
	}
	return web.NotReady("damage_quarantined", fmt.Errorf("%d records lost, %d recovered after the damage: %s",
		rec.DamagedFrames, rec.RecoveredRecords, strings.Join(files, "; ")))
}

// catalogReady checks that the surveys can be listed, from the database or its local copy.
func catalogReady(ctx context.Context, catalog survey.Catalog) error {
	if _, err := catalog.Surveys(ctx); err != nil {
		return web.NotReady("unreachable", err)
	}
	return nil
}

// clickhouseReady checks that ClickHouse answers and its schema is current.
func clickhouseReady(ctx context.Context, db *clickhouse.DB) error {
	if err := db.Ping(ctx); err != nil {
		return web.NotReady("unreachable", err)
	}
	pending, err := db.PendingMigrations(ctx)
	if err != nil {
		return web.NotReady("error", err)
	}
	if len(pending) > 0 {
		return web.NotReady("schema_outdated", fmt.Errorf("%d migrations not applied (run `palabre migrate`)", len(pending)))
	}
	return nil
}

// deliveryReady checks that delivery to the database keeps up. An error that names its own
// readiness code keeps it; any other is "behind".
func deliveryReady(p *ingest.Pipeline) error {
	err := p.Check()
	if err == nil {
		return nil
	}
	if _, coded := errors.AsType[interface {
		error
		ReadinessCode() string
	}](err); coded {
		return err
	}
	return web.NotReady("behind", err)
}
