package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Where copies of a response can be. Both tables are partitioned by edition and fold rows
// with the same key when ClickHouse merges parts; a part never holds two copies of a row
// (WriteResponses writes each response of a batch once, and a merge folds copies). Copies
// of a response delivered twice are therefore always in two different parts of its
// edition's partition, and an edition stored in a single part holds each response once:
// there a plain count() is exact, and about twice as fast as counting distinct ids (matrix
// by country × edition on 10 million answers, 18.16: 118 ms against 280 ms).
//
// A query reads the table's parts before and after it runs. If every edition it counted
// plainly kept the same parts meanwhile, no copy arrived while it ran and its result is
// exact; otherwise it runs again (layout changes are rare: an insert into a partition that
// was compacted), and after a few tries counts distinct ids everywhere, which is exact
// whatever happens. Compact merges each quiet edition into a single part, so that once a
// survey's deliveries stop its queries take the fast path.

// layout maps each edition stored in a table to the names of its active parts. A nil layout
// is unknown.
type layout map[uint16][]string

// readLayout reads a table's active parts. A partition that is not an edition (a table
// created by another version) makes the layout unknown, never a wrong guess.
func (db *DB) readLayout(ctx context.Context, table string) (layout, error) {
	rows, err := db.conn.Query(ctx, `SELECT partition, name FROM system.parts
WHERE database = ? AND table = ? AND active ORDER BY partition, name`, db.database, table)
	if err != nil {
		return nil, fmt.Errorf("parts of %s: %w", table, err)
	}
	defer rows.Close()
	l := layout{}
	for rows.Next() {
		var partition, name string
		if err := rows.Scan(&partition, &name); err != nil {
			return nil, fmt.Errorf("parts of %s: %w", table, err)
		}
		edition, err := strconv.ParseUint(partition, 10, 16)
		if err != nil {
			return nil, nil
		}
		l[uint16(edition)] = append(l[uint16(edition)], name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("parts of %s: %w", table, err)
	}
	return l, nil
}

// Dedup says where a query must count distinct response ids because copies may be stored.
type Dedup struct {
	Everywhere bool     // the layout is unknown
	Editions   []uint16 // editions stored in more than one part, ascending
}

// only keeps the editions a query reads; nil keeps all.
func (l layout) only(editions []uint16) layout {
	if l == nil || editions == nil {
		return l
	}
	out := layout{}
	for _, e := range editions {
		if parts, ok := l[e]; ok {
			out[e] = parts
		}
	}
	return out
}

// plan is where copies may be.
func (l layout) plan() Dedup {
	if l == nil {
		return Dedup{Everywhere: true}
	}
	var d Dedup
	for e, parts := range l {
		if len(parts) > 1 {
			d.Editions = append(d.Editions, e)
		}
	}
	if len(d.Editions) > 0 && len(d.Editions) == len(l) {
		return Dedup{Everywhere: true} // one query, no check needed
	}
	slices.Sort(d.Editions)
	return d
}

// steady reports whether every edition counted plainly under d has the same parts in after
// as in l: then no copy can have arrived there while the query ran.
func (l layout) steady(after layout, d Dedup) bool {
	if d.Everywhere {
		return true
	}
	if l == nil || after == nil {
		return false
	}
	for e, parts := range after {
		if !slices.Contains(d.Editions, e) && !slices.Equal(parts, l[e]) {
			return false
		}
	}
	for e := range l {
		if _, ok := after[e]; !ok && !slices.Contains(d.Editions, e) {
			return false
		}
	}
	return true
}

// layoutTries is how often a query runs with plain counts before it counts distinct ids
// everywhere.
const layoutTries = 3

// counted runs a query on table with the fastest exact counting the table's layout allows:
// run must build its SQL from the Dedup it is given and replace any earlier result.
// editions are those the query reads (nil: all).
func (db *DB) counted(ctx context.Context, table string, editions []uint16, run func(Dedup) error) error {
	for range layoutTries {
		before := db.layoutOrUnknown(ctx, table).only(editions)
		d := before.plan()
		if err := run(d); err != nil {
			return err
		}
		if d.Everywhere || before.steady(db.layoutOrUnknown(ctx, table).only(editions), d) {
			return nil
		}
	}
	return run(Dedup{Everywhere: true})
}

// layoutOrUnknown reads a table's layout; one that cannot be read (a server that does not
// let this user read system.parts) is unknown, and its queries count distinct ids.
func (db *DB) layoutOrUnknown(ctx context.Context, table string) layout {
	if db.cluster != "" {
		// The parts are spread over the shards' nodes, and the Distributed table has none:
		// queries count distinct ids, which the shards sum exactly since every copy of a
		// response is on one shard.
		return nil
	}
	l, err := db.readLayout(ctx, table)
	if err != nil {
		db.logger().Debug("table layout unknown", slog.String("table", table), slog.Any("error", err))
		return nil
	}
	return l
}

// Compaction is one partition merged into a single part.
type Compaction struct {
	Table   string
	Edition int
	Parts   int // before
	Took    time.Duration
	Node    string // on a cluster, the node (host:port) whose local table was merged
}

// countedTables are the tables whose queries count responses.
var countedTables = []string{"answers", "responses"}

// compactionTarget is a table whose parts Compact reads and merges, through conn.
type compactionTarget struct {
	conn  driver.Conn
	table string // as the report names it
	local string // as the SQL names it
	node  string
}

// Compact merges, in the answers and responses tables, every edition's partition that holds
// more than one part and has received nothing for quiet into a single part, folding copies
// of responses delivered twice. It reports what it merged; a partition ClickHouse is busy
// merging is left for the next call. On a cluster it reads the parts of every node's local
// tables and merges them node by node (18.16 refuses OPTIMIZE … ON CLUSTER); a replica
// hands the merge to its shard's leader, and the other replicas fetch its result.
func (db *DB) Compact(ctx context.Context, quiet time.Duration) ([]Compaction, error) {
	var targets []compactionTarget
	if db.cluster == "" {
		for _, t := range countedTables {
			targets = append(targets, compactionTarget{conn: db.conn, table: t, local: t})
		}
	} else {
		nodes, err := db.nodes(ctx)
		if err != nil {
			return nil, fmt.Errorf("compact: %w", err)
		}
		for _, n := range nodes {
			for _, t := range countedTables {
				targets = append(targets, compactionTarget{conn: n.conn, table: t, local: t + "_local", node: n.Addr})
			}
		}
	}
	var done []Compaction
	for _, tg := range targets {
		more, err := db.compact(ctx, tg, quiet)
		done = append(done, more...)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func (db *DB) compact(ctx context.Context, tg compactionTarget, quiet time.Duration) ([]Compaction, error) {
	var done []Compaction
	rows, err := tg.conn.Query(ctx, `SELECT partition, count() FROM system.parts
WHERE database = ? AND table = ? AND active
GROUP BY partition
HAVING count() > 1 AND max(modification_time) <= now() - ?
ORDER BY partition`, db.database, tg.local, uint32(quiet.Seconds()))
	if err != nil {
		if tg.node != "" {
			// A node that is down is compacted once it is back.
			db.logger().Info("compaction deferred", slog.String("table", tg.table), slog.String("node", tg.node), slog.Any("reason", err))
			return nil, ctx.Err()
		}
		return done, fmt.Errorf("compact %s: %w", tg.table, err)
	}
	type partition struct {
		edition uint64
		parts   uint64
	}
	var todo []partition
	for rows.Next() {
		var (
			p    partition
			name string
		)
		if err := rows.Scan(&name, &p.parts); err != nil {
			rows.Close()
			return done, fmt.Errorf("compact %s: %w", tg.table, err)
		}
		if p.edition, err = strconv.ParseUint(name, 10, 16); err == nil {
			todo = append(todo, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return done, fmt.Errorf("compact %s: %w", tg.table, err)
	}
	name := tg.local
	if tg.node != "" {
		name = quoteIdent(db.database) + "." + tg.local
	}
	for _, p := range todo {
		start := time.Now()
		// The partition is an edition parsed as a number above: nothing else reaches the SQL.
		err := tg.conn.Exec(ctx, "OPTIMIZE TABLE "+name+" PARTITION "+strconv.FormatUint(p.edition, 10)+" FINAL")
		if err != nil {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			db.logger().Info("compaction deferred", slog.String("table", tg.table), slog.String("node", tg.node), slog.Uint64("edition", p.edition), slog.Any("reason", err))
			continue
		}
		done = append(done, Compaction{Table: tg.table, Edition: int(p.edition), Parts: int(p.parts), Took: time.Since(start), Node: tg.node})
	}
	return done, nil
}

// RunCompaction calls Compact every interval until ctx ends, logging what it merged.
func (db *DB) RunCompaction(ctx context.Context, interval, quiet time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		done, err := db.Compact(ctx, quiet)
		for _, c := range done {
			db.logger().Info("compacted an edition", slog.String("table", c.Table), slog.Int("edition", c.Edition),
				slog.Int("parts", c.Parts), slog.Duration("took", c.Took))
		}
		if err != nil && ctx.Err() == nil {
			db.logger().Warn("compaction failed", slog.Any("error", err))
		}
	}
}
