package clickhouse

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Cluster mode (Config.Cluster names a cluster of the servers' remote_servers).
//
// The migrations are written once, for a single server, and rendered for a cluster here:
//
//   - the tables holding answers (shardedTables: responses, answers) are sharded by
//     response id. Each becomes a replicated local table X_local on every node, with
//     ZooKeeper path /clickhouse/tables/{shard}/<db>/X_local and replica '{replica}', and a
//     Distributed table X = Distributed(cluster, db, X_local,
//     cityHash64(toString(response_id))) on every node, so that queries keep reading and
//     writing X and every copy of a response lands on one shard (18.16's hash functions
//     refuse a UUID, hence toString);
//   - every other table (catalog, accounts, sessions, audit, erasures, schema_migrations…)
//     is replicated to every node and not sharded: one ZooKeeper path for the whole cluster,
//     /clickhouse/tables/all/<db>/T, with a replica name unique per node, '{shard}-{replica}'
//     (18.16 has no getMacro(): the macros are combined in the replica name), so any node
//     reads all of it under its usual name;
//   - CREATE runs ON CLUSTER. ALTER never does, on 18.16: it refuses ALTER … ON CLUSTER on
//     a Distributed table of a cluster whose shards have replicas (code 371), and an
//     ALTER … ON CLUSTER of a replicated table can stop a node's DDL worker for good
//     ("Unexpected ZooKeeper error: Node exists … /shards/…/executed … Terminating", seen
//     on this project's test cluster with erasures in a loop), after which every ON CLUSTER
//     statement waits for that node. A replicated table's ALTER runs instead on one replica
//     of each of its ZooKeeper tables (one node for the tables on every node, one replica
//     per shard for the local tables), and ZooKeeper carries it to the other replicas; a
//     Distributed table's ALTER runs on every node, one by one.
//
// The same statements run on 18.16 and on current releases: CREATE … ON CLUSTER,
// Replicated*MergeTree with explicit path and replica, Distributed with a sharding
// expression and plain ALTERs, none of which changed between them.

// everywherePath is the ZooKeeper directory of the tables replicated to every node.
const everywherePath = "/clickhouse/tables/all/"

// scope says where a statement runs.
type scope int

const (
	once      scope = iota // once, through the connection (ON CLUSTER statements, a single server)
	eachShard              // on one replica of every shard
	eachNode               // on every node, one by one
)

// statement is one SQL statement of a migration as it runs on the server layout in use.
type statement struct {
	SQL   string
	Scope scope
}

var (
	createRE = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS\s+([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*ENGINE\s*=\s*([A-Za-z]*)MergeTree\(([^()]*)\)(.*)$`)
	alterRE  = regexp.MustCompile(`(?s)^ALTER TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$`)
	// columnCommandRE matches the commands of an ALTER that change columns.
	columnCommandRE = regexp.MustCompile(`(?is)^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\s`)
)

// splitTopLevel splits an ALTER's commands at the commas outside parentheses and quotes,
// each trimmed.
func splitTopLevel(s string) []string {
	var (
		out   []string
		depth int
		quote rune
		start int
	)
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote && (i == 0 || s[i-1] != '\\') {
				quote = 0
			}
		case r == '\'' || r == '`' || r == '"':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// shardedTables are the tables sharded by response id on a cluster: those that grow with
// the answers. Every other table is replicated whole to every node, those keyed by response
// id included (erased ids, conflicts: few rows, read whole by every write or resolver).
var shardedTables = []string{"answers", "responses"}

// isSharded reports whether table is sharded by response id in cluster mode.
func isSharded(table string) bool { return slices.Contains(shardedTables, table) }

// localTable is the name of the table holding table's rows on a node, qualified by the
// database: X_local for a sharded table X, the table itself for one replicated everywhere.
func (db *DB) localTable(table string) string {
	if isSharded(table) {
		table += "_local"
	}
	return quoteIdent(db.database) + "." + table
}

// Statements returns the SQL a migration runs: its own statement on a single server, or its
// rendering for cluster (see above) in database. Each statement is idempotent, as on a
// single server: CREATE … IF NOT EXISTS, and an ALTER adding a column counts "already
// exists" as done.
func (m Migration) Statements(database, cluster string) ([]string, error) {
	sts, err := m.statements(database, cluster)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(sts))
	for i, s := range sts {
		out[i] = [...]string{once: "", eachShard: "-- on one replica of every shard\n", eachNode: "-- on every node\n"}[s.Scope] + s.SQL
	}
	return out, nil
}

func (m Migration) statements(database, cluster string) ([]statement, error) {
	if cluster == "" {
		return []statement{{SQL: m.SQL}}, nil
	}
	if !identRE.MatchString(database) || !identRE.MatchString(cluster) {
		return nil, fmt.Errorf("migration %04d_%s: database %q or cluster %q is not a plain name", m.Version, m.Name, database, cluster)
	}
	db, on := quoteIdent(database)+".", " ON CLUSTER "+quoteIdent(cluster)
	if c := createRE.FindStringSubmatch(m.SQL); c != nil {
		table, cols, family, args, rest := c[1], c[2], c[3], strings.TrimSpace(c[4]), c[5]
		engine := func(path, replica string) string {
			a := "'" + path + "', '" + replica + "'"
			if args != "" {
				a += ", " + args
			}
			return "Replicated" + family + "MergeTree(" + a + ")"
		}
		if !isSharded(table) {
			return []statement{{SQL: "CREATE TABLE IF NOT EXISTS " + db + table + on + " (" + cols + ") ENGINE = " +
				engine(everywherePath+database+"/"+table, "{shard}-{replica}") + rest}}, nil
		}
		if !strings.Contains(cols, "response_id ") {
			return nil, fmt.Errorf("migration %04d_%s: table %s is sharded by response_id but has no such column", m.Version, m.Name, table)
		}
		local := table + "_local"
		return []statement{
			{SQL: "CREATE TABLE IF NOT EXISTS " + db + local + on + " (" + cols + ") ENGINE = " +
				engine("/clickhouse/tables/{shard}/"+database+"/"+local, "{replica}") + rest},
			{SQL: "CREATE TABLE IF NOT EXISTS " + db + table + on + " (" + cols + ") ENGINE = Distributed('" +
				cluster + "', '" + database + "', '" + local + "', cityHash64(toString(response_id)))"},
		}, nil
	}
	if a := alterRE.FindStringSubmatch(m.SQL); a != nil {
		table, rest := a[1], a[2]
		if !isSharded(table) {
			return []statement{{SQL: "ALTER TABLE " + db + table + " " + rest}}, nil
		}
		sts := []statement{{SQL: "ALTER TABLE " + db + table + "_local " + rest, Scope: eachShard}}
		// The Distributed table takes the column changes only: it has no sort key, parts or
		// indexes (and 18.16 crashes on ALTER … MODIFY ORDER BY of a Distributed table).
		var cols []string
		for _, c := range splitTopLevel(rest) {
			if columnCommandRE.MatchString(c) {
				cols = append(cols, c)
			}
		}
		if len(cols) > 0 {
			sts = append(sts, statement{SQL: "ALTER TABLE " + db + table + " " + strings.Join(cols, ", "), Scope: eachNode})
		}
		return sts, nil
	}
	return nil, fmt.Errorf("migration %04d_%s: only CREATE TABLE IF NOT EXISTS … ENGINE = …MergeTree(…) and ALTER TABLE can run on a cluster", m.Version, m.Name)
}

// ddlContext bounds how long the server waits for every node to run an ON CLUSTER statement
// (distributed_ddl_task_timeout, 180 s by default) below the connection's read timeout, so
// that a node that is down fails the statement with the server's own message.
func (db *DB) ddlContext(ctx context.Context) context.Context { return ddlContext(ctx, db.readTimeout) }

func ddlContext(ctx context.Context, read time.Duration) context.Context {
	if read <= 0 {
		read = 60 * time.Second
	}
	wait := max(int(read.Seconds()*0.8), 5)
	if dl, ok := ctx.Deadline(); ok {
		if left := int(time.Until(dl).Seconds() * 0.9); left < wait {
			wait = max(left, 1)
		}
	}
	return ch.Context(ctx, ch.WithSettings(ch.Settings{"distributed_ddl_task_timeout": wait}))
}

// insertContext is ctx for an insert into a table holding responses: in cluster mode the
// Distributed table delivers to the shards before the insert returns
// (insert_distributed_sync), so an acknowledged batch is on its shard's replicas.
func (db *DB) insertContext(ctx context.Context, opts ...ch.QueryOption) context.Context {
	if db.cluster != "" {
		opts = append(opts, ch.WithSettings(ch.Settings{"insert_distributed_sync": 1}))
	}
	return ch.Context(ctx, opts...)
}

// Cluster is the name of the cluster palabre's tables are spread over, "" on a single server.
func (db *DB) Cluster() string { return db.cluster }

// Node is one server of the cluster.
type Node struct {
	Shard, Replica int
	Addr           string // host:port of its native protocol, as remote_servers names it
}

// node is a Node with a connection of its own.
type node struct {
	Node
	conn driver.Conn
}

// Nodes lists the servers of the cluster as the server palabre is connected to sees it in
// system.clusters; none on a single server.
func (db *DB) Nodes(ctx context.Context) ([]Node, error) {
	ns, err := db.nodes(ctx)
	out := make([]Node, len(ns))
	for i, n := range ns {
		out[i] = n.Node
	}
	return out, err
}

// nodes returns the cluster's servers, each with a connection to palabre's database there,
// opened once and kept. Compaction, erasure and the ALTERs of Distributed tables work node by
// node.
func (db *DB) nodes(ctx context.Context) ([]*node, error) {
	if db.cluster == "" {
		return nil, nil
	}
	rows, err := db.conn.Query(ctx, "SELECT shard_num, replica_num, host_name, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num", db.cluster)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: nodes of cluster %s: %w", db.cluster, err)
	}
	defer rows.Close()
	var list []Node
	for rows.Next() {
		var (
			shard, replica uint32
			host           string
			port           uint16
		)
		if err := rows.Scan(&shard, &replica, &host, &port); err != nil {
			return nil, fmt.Errorf("clickhouse: nodes of cluster %s: %w", db.cluster, err)
		}
		list = append(list, Node{Shard: int(shard), Replica: int(replica), Addr: net.JoinHostPort(host, strconv.Itoa(int(port)))})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: nodes of cluster %s: %w", db.cluster, err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("clickhouse: the server knows no cluster %q (remote_servers in its configuration)", db.cluster)
	}
	db.nodeMu.Lock()
	defer db.nodeMu.Unlock()
	if db.nodeConns == nil {
		db.nodeConns = map[string]driver.Conn{}
	}
	out := make([]*node, len(list))
	for i, n := range list {
		conn, ok := db.nodeConns[n.Addr]
		if !ok {
			opts, err := parseDSN(db.cfg)
			if err != nil {
				return nil, err
			}
			opts.Addr = []string{n.Addr}
			opts.MaxOpenConns, opts.MaxIdleConns = 2, 1
			if conn, err = ch.Open(opts); err != nil {
				return nil, fmt.Errorf("clickhouse: node %s: %w", n.Addr, err)
			}
			db.nodeConns[n.Addr] = conn
		}
		out[i] = &node{Node: n, conn: conn}
	}
	return out, nil
}

// run runs a statement where its scope says. On every shard it tries the shard's replicas
// in turn until one runs it; ok reports errors that count as done (a column already there).
func (db *DB) run(ctx context.Context, st statement, ok func(error) bool) error {
	if st.Scope == once {
		if err := db.conn.Exec(db.ddlContext(ctx), st.SQL); err != nil && !ok(err) {
			return err
		}
		return nil
	}
	nodes, err := db.nodes(ctx)
	if err != nil {
		return err
	}
	if st.Scope == eachNode {
		for _, n := range nodes {
			if err := n.conn.Exec(ctx, st.SQL); err != nil && !ok(err) {
				return fmt.Errorf("node %s: %w", n.Addr, err)
			}
		}
		return nil
	}
	var failed error
	for i, n := range nodes {
		if i > 0 && nodes[i-1].Shard == n.Shard && failed == nil {
			continue // the shard's statement ran on an earlier replica
		}
		if i > 0 && nodes[i-1].Shard != n.Shard && failed != nil {
			return failed // no replica of the previous shard ran it
		}
		failed = nil
		if err := n.conn.Exec(ctx, st.SQL); err != nil && !ok(err) {
			if ctx.Err() != nil {
				return err
			}
			failed = fmt.Errorf("shard %d, node %s: %w", n.Shard, n.Addr, err)
		}
	}
	return failed
}

// closeNodes closes the connections nodes opened.
func (db *DB) closeNodes() {
	db.nodeMu.Lock()
	defer db.nodeMu.Unlock()
	for addr, c := range db.nodeConns {
		c.Close()
		delete(db.nodeConns, addr)
	}
}

// nodeState guards the per-node connections of a DB.
type nodeState struct {
	nodeMu    sync.Mutex
	nodeConns map[string]driver.Conn
}
