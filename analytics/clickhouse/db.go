package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Config says how to reach ClickHouse.
type Config struct {
	// DSN is clickhouse://[user[:password]@]host:port[/database][?options], as clickhouse-go
	// reads it. The database defaults to "palabre" and is created when missing.
	DSN string
	// DialTimeout bounds connecting; ReadTimeout bounds waiting for any answer. Both have
	// defaults (5 s and 60 s) so that a half-open connection never holds a query forever.
	DialTimeout time.Duration
	ReadTimeout time.Duration
	Logger      *slog.Logger
	// Cluster, when set, names the cluster (remote_servers in the servers' configuration)
	// over which palabre's tables are replicated and sharded: migrations create replicated
	// and Distributed tables ON CLUSTER (cluster.go), writes of responses wait until their
	// shard holds them, erasure and compaction reach every node. The DSN may then list
	// several nodes (clickhouse://h1:9000,h2:9000/palabre): palabre uses the first that
	// answers, in that order (connection_open_strategy is then always in_order), so list
	// them in the same order for every palabre process. Empty (the default): a single server.
	Cluster string
}

// DB is a connection pool to palabre's database.
type DB struct {
	conn     driver.Conn
	database string
	log      *slog.Logger
	cfg      Config
	// cluster is Config.Cluster; readTimeout the connection's read timeout.
	cluster     string
	readTimeout time.Duration
	nodeState
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// DefaultDatabase is used when the DSN names none.
const DefaultDatabase = "palabre"

// Open connects to ClickHouse, creates the DSN's database when missing, and checks that the
// server answers. It fails with one clear line when the server cannot be reached.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	opts, err := parseDSN(cfg)
	if err != nil {
		return nil, err
	}
	if err := ensureDatabase(ctx, *opts, cfg.Cluster); err != nil {
		return nil, err
	}
	conn, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	return newDB(conn, opts, cfg), nil
}

// Connect returns a pool to the DSN's database without reaching the server: the first query
// connects, and a query fails while the server is away. It is how palabre restarts from its
// local state while ClickHouse is down; Prepare then readies the database once it is back.
func Connect(cfg Config) (*DB, error) {
	opts, err := parseDSN(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	return newDB(conn, opts, cfg), nil
}

func newDB(conn driver.Conn, opts *ch.Options, cfg Config) *DB {
	return &DB{conn: conn, database: opts.Auth.Database, log: cfg.Logger, cfg: cfg, cluster: cfg.Cluster, readTimeout: opts.ReadTimeout}
}

// Prepare creates the database when missing and checks that the server answers, as Open
// does, for a DB made by Connect.
func (db *DB) Prepare(ctx context.Context) error {
	opts, err := parseDSN(db.cfg)
	if err != nil {
		return err
	}
	if err := ensureDatabase(ctx, *opts, db.cluster); err != nil {
		return err
	}
	return db.conn.Ping(ctx)
}

// ensureDatabase creates opts' database when missing, through the server's default database
// (the handshake fails on a missing one). In cluster mode it checks that the server knows
// the cluster, and a database missing on the server reached is created ON CLUSTER; one that
// is there is left alone, so that a start does not wait for every node (Migrate creates it
// ON CLUSTER again before it changes the schema).
func ensureDatabase(ctx context.Context, opts ch.Options, cluster string) error {
	database := opts.Auth.Database
	opts.Auth.Database = "default"
	admin, err := connect(ctx, &opts)
	if err != nil {
		return err
	}
	defer admin.Close()
	create := "CREATE DATABASE IF NOT EXISTS " + quoteIdent(database)
	if cluster != "" {
		var known, exists uint64
		if err := admin.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = ?", cluster).Scan(&known); err != nil {
			return fmt.Errorf("clickhouse: read the clusters: %w", err)
		}
		if known == 0 {
			return fmt.Errorf("clickhouse: the server knows no cluster %q (remote_servers in its configuration)", cluster)
		}
		if err := admin.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", database).Scan(&exists); err != nil {
			return fmt.Errorf("clickhouse: read the databases: %w", err)
		}
		if exists > 0 {
			return nil
		}
		create += " ON CLUSTER " + quoteIdent(cluster)
	}
	if cluster != "" {
		ctx = ddlContext(ctx, opts.ReadTimeout)
	}
	if err := admin.Exec(ctx, create); err != nil {
		return fmt.Errorf("clickhouse: create database %s: %w", database, err)
	}
	return nil
}

func parseDSN(cfg Config) (*ch.Options, error) {
	if cfg.DSN == "" {
		return nil, errors.New("clickhouse: no DSN given (--clickhouse or PALABRE_CLICKHOUSE)")
	}
	u, err := url.Parse(cfg.DSN)
	if err != nil || u.Scheme != "clickhouse" || u.Host == "" {
		return nil, fmt.Errorf("clickhouse: DSN %q is not of the form clickhouse://host:port/database", redact(cfg.DSN))
	}
	opts, err := ch.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: DSN %q: %w", redact(cfg.DSN), err)
	}
	if opts.Auth.Database == "" || opts.Auth.Database == "default" && strings.Trim(u.Path, "/") == "" {
		opts.Auth.Database = DefaultDatabase
	}
	if cfg.Cluster != "" && !identRE.MatchString(cfg.Cluster) {
		return nil, fmt.Errorf("clickhouse: cluster name %q: use letters, digits and '_'", cfg.Cluster)
	}
	if !identRE.MatchString(opts.Auth.Database) {
		return nil, fmt.Errorf("clickhouse: database name %q: use letters, digits and '_'", opts.Auth.Database)
	}
	opts.DialTimeout = orDefault(cfg.DialTimeout, opts.DialTimeout, 5*time.Second, 30*time.Second)
	opts.ReadTimeout = orDefault(cfg.ReadTimeout, opts.ReadTimeout, 60*time.Second, 300*time.Second)
	if cfg.Cluster != "" {
		// Every connection of the pool goes to the first node that answers, the next one
		// only when it is down, whatever the DSN asks: a replicated table read through
		// another node than the one written to may not show the write yet (a session just
		// created, a migration just recorded). The Distributed tables spread the queries
		// over the shards anyway.
		opts.ConnOpenStrategy = ch.ConnOpenInOrder
	}
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = 16
	}
	if opts.MaxIdleConns == 0 {
		opts.MaxIdleConns = 8
	}
	// The driver warns once per connection that 18.16 is older than it supports; the
	// subset palabre uses is measured to work, so its own log stays quiet.
	opts.Logger = slog.New(slog.DiscardHandler)
	return opts, nil
}

// orDefault picks the configured value, else the DSN's value unless it is the driver's
// default, else palabre's default.
func orDefault(configured, fromDSN, ours, driverDefault time.Duration) time.Duration {
	switch {
	case configured > 0:
		return configured
	case fromDSN > 0 && fromDSN != driverDefault:
		return fromDSN
	default:
		return ours
	}
}

func connect(ctx context.Context, opts *ch.Options) (driver.Conn, error) {
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, opts.DialTimeout+opts.ReadTimeout/10)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse: cannot reach %s: %w", strings.Join(opts.Addr, ","), err)
	}
	return conn, nil
}

// redact hides a DSN's password.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// logger is where the adapter reports what it does on its own (compaction).
func (db *DB) logger() *slog.Logger {
	if db.log != nil {
		return db.log
	}
	return slog.New(slog.DiscardHandler)
}

// Database is the name of the database palabre uses.
func (db *DB) Database() string { return db.database }

// Ping checks that the server answers.
func (db *DB) Ping(ctx context.Context) error { return db.conn.Ping(ctx) }

// ServerVersion returns the server's version, e.g. "18.16.1".
func (db *DB) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := db.conn.QueryRow(ctx, "SELECT version()").Scan(&v)
	return v, err
}

// Close closes the pool.
func (db *DB) Close() error {
	db.closeNodes()
	return db.conn.Close()
}

// DropDatabase drops palabre's database with everything in it (on every node of a cluster).
// Tests use it to clean up.
func (db *DB) DropDatabase(ctx context.Context) error {
	if db.cluster != "" {
		db.awaitMutations(ctx, 30*time.Second)
		return db.conn.Exec(db.ddlContext(ctx), "DROP DATABASE IF EXISTS "+quoteIdent(db.database)+" ON CLUSTER "+quoteIdent(db.cluster))
	}
	return db.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(db.database))
}

// awaitMutations waits, up to limit, until no node of the cluster has a mutation of the
// database still running. 18.16 was seen to crash a replica (a segmentation fault in
// ReplicatedMergeTreeQueue::tryFinalizeMutations) when replicated tables went away with
// mutations pending, so a database is dropped only once they are done. Nodes that do not
// answer are not waited for.
func (db *DB) awaitMutations(ctx context.Context, limit time.Duration) {
	nodes, err := db.nodes(ctx)
	if err != nil {
		return
	}
	deadline := time.Now().Add(limit)
	for _, n := range nodes {
		for time.Now().Before(deadline) && ctx.Err() == nil {
			var pending uint64
			if err := n.conn.QueryRow(ctx, "SELECT count() FROM system.mutations WHERE database = ? AND is_done = 0", db.database).Scan(&pending); err != nil || pending == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
