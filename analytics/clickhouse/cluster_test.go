package clickhouse_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// Tables sharded by response id on a cluster; every other table is replicated to every node.
var shardedTables = []string{"answers", "responses"}

// Tables keyed by response id that stay whole on every node: erased ids and conflicts are
// few, and every write or resolver reads them whole.
var replicatedResponseTables = []string{"erased_responses", "response_conflicts"}

var (
	createTableRE = regexp.MustCompile(`^CREATE TABLE IF NOT EXISTS ([a-z_]+)`)
	alterTableRE  = regexp.MustCompile(`^ALTER TABLE ([a-z_]+)`)
	addColumnRE   = regexp.MustCompile(`ADD COLUMN [a-z_]+ `)
)

// Every migration, rendered for a cluster: each CREATE runs ON CLUSTER with a Replicated
// engine, each sharded table has its Distributed twin sharded by response id, each ALTER
// reaches the local table on every shard and the Distributed table on every node; on a
// single server every migration is its own statement, unchanged.
func TestClusterRendering(t *testing.T) {
	migrations, err := clickhouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	const db, cluster = "pal", "two_by_two"
	on := " ON CLUSTER `two_by_two`"
	created := map[string]bool{}
	for _, m := range migrations {
		single, err := m.Statements(db, "")
		if err != nil || len(single) != 1 || single[0] != m.SQL {
			t.Errorf("%04d single server: %q, %v; want the migration's own statement", m.Version, single, err)
		}
		sts, err := m.Statements(db, cluster)
		if err != nil {
			t.Errorf("%04d_%s: %v", m.Version, m.Name, err)
			continue
		}
		if c := createTableRE.FindStringSubmatch(m.SQL); c != nil {
			table := c[1]
			created[table] = true
			hasResponseID := strings.Contains(m.SQL, "response_id ")
			if hasResponseID && !slices.Contains(shardedTables, table) && !slices.Contains(replicatedResponseTables, table) {
				t.Errorf("%04d: table %s holds response ids: shard it (responseTables) or list it as replicated here", m.Version, table)
			}
			if !slices.Contains(shardedTables, table) {
				if len(sts) != 1 {
					t.Fatalf("%04d: %d statements for replicated table %s", m.Version, len(sts), table)
				}
				want := "CREATE TABLE IF NOT EXISTS `pal`." + table + on + " ("
				if !strings.HasPrefix(sts[0], want) || !strings.Contains(sts[0], "ENGINE = Replicated") ||
					!strings.Contains(sts[0], "MergeTree('/clickhouse/tables/all/pal/"+table+"', '{shard}-{replica}'") ||
					strings.Contains(sts[0], "Distributed") {
					t.Errorf("%04d: replicated table rendered as\n%s", m.Version, sts[0])
				}
				continue
			}
			if len(sts) != 2 {
				t.Fatalf("%04d: %d statements for sharded table %s, want local and Distributed", m.Version, len(sts), table)
			}
			local, dist := sts[0], sts[1]
			if !strings.HasPrefix(local, "CREATE TABLE IF NOT EXISTS `pal`."+table+"_local"+on+" (") ||
				!strings.Contains(local, "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/pal/"+table+"_local', '{replica}')") {
				t.Errorf("%04d: local table rendered as\n%s", m.Version, local)
			}
			if !strings.HasPrefix(dist, "CREATE TABLE IF NOT EXISTS `pal`."+table+on+" (") ||
				!strings.HasSuffix(dist, "ENGINE = Distributed('two_by_two', 'pal', '"+table+"_local', cityHash64(toString(response_id)))") {
				t.Errorf("%04d: Distributed table rendered as\n%s", m.Version, dist)
			}
			// Same columns, same order, partitions and sort key as on a single server.
			cols := m.SQL[strings.Index(m.SQL, "("):strings.LastIndex(m.SQL, ") ENGINE")]
			rest := m.SQL[strings.Index(m.SQL, "ReplacingMergeTree()")+len("ReplacingMergeTree()"):]
			if !strings.Contains(local, cols) || !strings.Contains(dist, cols) || !strings.HasSuffix(local, rest) {
				t.Errorf("%04d: columns or keys of %s changed:\n%s\n%s", m.Version, table, local, dist)
			}
			continue
		}
		if a := alterTableRE.FindStringSubmatch(m.SQL); a != nil {
			table, change := a[1], strings.TrimPrefix(m.SQL, "ALTER TABLE "+a[1]+" ")
			if !created[table] {
				t.Errorf("%04d alters %s before it is created", m.Version, table)
			}
			// Never ON CLUSTER (18.16: code 371 on a Distributed table, and a DDL worker
			// that can stop on a replicated one): ZooKeeper carries a replicated ALTER.
			if !slices.Contains(shardedTables, table) {
				if want := []string{"ALTER TABLE `pal`." + table + " " + change}; !slices.Equal(sts, want) {
					t.Errorf("%04d: ALTER rendered as %q, want %q", m.Version, sts, want)
				}
				continue
			}
			// The whole change on every shard's local table; its column changes, and nothing
			// else (a sort key, say), on every node's Distributed table.
			if len(sts) != 2 || sts[0] != "-- on one replica of every shard\nALTER TABLE `pal`."+table+"_local "+change ||
				!strings.HasPrefix(sts[1], "-- on every node\nALTER TABLE `pal`."+table+" ") || strings.Contains(sts[1], "ORDER BY") {
				t.Errorf("%04d: ALTER rendered as %q", m.Version, sts)
				continue
			}
			for _, add := range addColumnRE.FindAllString(change, -1) {
				if !strings.Contains(sts[1], add) {
					t.Errorf("%04d: the Distributed table misses %q: %q", m.Version, add, sts[1])
				}
			}
			continue
		}
		t.Errorf("%04d_%s is neither CREATE TABLE IF NOT EXISTS nor ALTER TABLE", m.Version, m.Name)
	}
	for _, table := range shardedTables {
		if !created[table] {
			t.Errorf("sharded table %s is never created", table)
		}
	}
	// Later migrations of the same forms are rendered the same way, whatever their table.
	extra := []clickhouse.Migration{
		{Version: 90, Name: "x", SQL: "ALTER TABLE answers ADD COLUMN weight Float64 DEFAULT 1"},
		{Version: 92, Name: "z", SQL: "ALTER TABLE responses ADD COLUMN key_digest UInt64, ADD COLUMN accepted_by String DEFAULT 'a,b',\n MODIFY ORDER BY (survey_id, edition, response_id, key_digest)"},
		{Version: 91, Name: "y", SQL: "CREATE TABLE IF NOT EXISTS leases (\n    name String,\n    until DateTime\n) ENGINE = ReplacingMergeTree(until)\nORDER BY name"},
	}
	for _, m := range extra {
		sts, err := m.Statements(db, cluster)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s\n=> %s", m.SQL, strings.Join(sts, ";\n"))
	}
	// The Distributed table takes the column changes only (18.16 crashes on its MODIFY ORDER BY).
	want := []string{"-- on one replica of every shard\nALTER TABLE `pal`.responses_local " + strings.TrimPrefix(extra[1].SQL, "ALTER TABLE responses "),
		"-- on every node\nALTER TABLE `pal`.responses ADD COLUMN key_digest UInt64, ADD COLUMN accepted_by String DEFAULT 'a,b'"}
	if sts, _ := extra[1].Statements(db, cluster); !slices.Equal(sts, want) {
		t.Errorf("ALTER with MODIFY ORDER BY rendered as %q, want %q", sts, want)
	}
	if sts, _ := extra[2].Statements(db, cluster); len(sts) != 1 ||
		!strings.HasSuffix(sts[0], "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/pal/leases', '{shard}-{replica}', until)\nORDER BY name") {
		t.Errorf("new replicated table rendered as %q", sts)
	}
	for _, bad := range []string{"CREATE TABLE IF NOT EXISTS t (a String) ENGINE = Log", "INSERT INTO t SELECT 1", "DROP TABLE t"} {
		if sts, err := (clickhouse.Migration{Version: 99, Name: "bad", SQL: bad}).Statements(db, cluster); err == nil {
			t.Errorf("%q rendered for a cluster as %q; want an error", bad, sts)
		}
	}
}

// everyTable lists the tables of db's database on every node, with their engines.
func everyTable(t *testing.T, db *clickhouse.DB) []uint64 {
	t.Helper()
	n, err := db.OnEachNode(context.Background(), "SELECT count() FROM system.tables WHERE database = ?", db.Database())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A fresh database migrated on a cluster, twice and by two processes at once, has every
// table on every node, replicated, and the sharded ones twice (local and Distributed).
func TestClusterMigrate(t *testing.T) {
	cluster, dsn := clickhousetest.NewClusterDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Two processes, each reaching the cluster through another node first.
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	addrs := strings.Split(u.Host, ",")
	slices.Reverse(addrs)
	u.Host = strings.Join(addrs, ",")
	other := u.String()
	a := clickhousetest.OpenClusterDSN(t, cluster, dsn)
	b, err := clickhouse.Open(ctx, clickhouse.Config{DSN: other, Cluster: cluster})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, db := range []*clickhouse.DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("migrating at once: %v; %v", errs[0], errs[1])
	}
	again, err := a.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("migrating again applied %d migrations: %v", len(again), err)
	}
	migrations, _ := clickhouse.Migrations()
	nodes, err := a.Nodes(ctx)
	if err != nil || len(nodes) < 2 {
		t.Fatalf("nodes %v, %v; want a cluster", nodes, err)
	}
	// CREATE statements: one table each, two for a sharded one.
	want := uint64(0)
	for _, m := range migrations {
		if c := createTableRE.FindStringSubmatch(m.SQL); c != nil {
			want++
			if slices.Contains(shardedTables, c[1]) {
				want++
			}
		}
	}
	for i, n := range everyTable(t, a) {
		if n != want {
			t.Errorf("node %s holds %d tables, want %d", nodes[i].Addr, n, want)
		}
	}
	for _, q := range []struct{ what, sql string }{
		{"tables neither replicated nor Distributed", "SELECT count() FROM system.tables WHERE database = ? AND engine NOT LIKE 'Replicated%' AND engine != 'Distributed'"},
		{"Distributed tables", "SELECT count() FROM system.tables WHERE database = ? AND engine = 'Distributed'"},
		{"migrations recorded", "SELECT uniqExact(version) FROM schema_migrations WHERE ? != ''"},
		{"access columns of editions", "SELECT count() FROM system.columns WHERE database = ? AND table = 'editions' AND name = 'access'"},
	} {
		got, err := a.OnEachNode(ctx, q.sql, a.Database())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]uint64{"Distributed tables": uint64(len(shardedTables)), "migrations recorded": uint64(len(migrations)),
			"access columns of editions": 1}[q.what]
		for i, n := range got {
			if n != want && !(q.what == "migrations recorded" && n < want) {
				t.Errorf("node %s: %d %s, want %d", nodes[i].Addr, n, q.what, want)
			}
		}
	}
	// The migrations' records reach every node (replication is asynchronous).
	waitEachNode(t, a, "SELECT uniqExact(version) FROM schema_migrations", uint64(len(migrations)))
}

// A later migration adding a column to a sharded table and to a replicated one reaches the
// local tables of every shard, the Distributed tables and every replica, and applying it
// again (a second process) counts the column already there as done.
func TestClusterAlter(t *testing.T) {
	db := clickhousetest.OpenCluster(t)
	ctx := context.Background()
	alters := []clickhouse.Migration{
		{Version: 90, Name: "answers_weight", SQL: "ALTER TABLE answers ADD COLUMN weight Float64 DEFAULT 1"},
		{Version: 91, Name: "users_locale", SQL: "ALTER TABLE users ADD COLUMN locale String DEFAULT ''"},
		{Version: 92, Name: "responses_key", SQL: "ALTER TABLE responses ADD COLUMN key_digest UInt64,\n MODIFY ORDER BY (survey_id, edition, response_id, key_digest)"},
	}
	for range 2 {
		for _, m := range alters {
			if err := db.ApplyMigration(ctx, m); err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
		}
	}
	for _, c := range []struct{ table, column string }{{"answers_local", "weight"}, {"answers", "weight"}, {"users", "locale"},
		{"responses_local", "key_digest"}, {"responses", "key_digest"}} {
		waitEachNode(t, db, "SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?", 1, db.Database(), c.table, c.column)
	}
	waitEachNode(t, db, "SELECT count() FROM system.tables WHERE database = ? AND name = 'responses_local' AND sorting_key = 'survey_id, edition, response_id, key_digest'", 1, db.Database())
	responses := analyticstest.Responses(24, 5)
	if err := db.WriteResponses(ctx, responses); err != nil {
		t.Fatal(err)
	}
	if n, err := db.OnEachNode(ctx, "SELECT count() FROM answers WHERE weight = 1"); err != nil || n[0] == 0 {
		t.Errorf("answers with the new column's default through the Distributed table: %v, %v", n, err)
	}
}

// waitEachNode waits until query returns want on every node.
func waitEachNode(t *testing.T, db *clickhouse.DB, query string, want uint64, args ...any) {
	t.Helper()
	var got []uint64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var err error
		if got, err = db.OnEachNode(context.Background(), query, args...); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(got, func(n uint64) bool { return n != want }) {
			return
		}
	}
	t.Fatalf("%s: %v on the nodes, want %d on each", query, got, want)
}

// shardRows returns, per node, the rows of a sharded table and a digest of their contents.
func shardRows(t *testing.T, db *clickhouse.DB, table string) (rows, digest []uint64) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.OnEachNode(ctx, "SELECT count() FROM "+table+"_local")
	if err != nil {
		t.Fatal(err)
	}
	digest, err = db.OnEachNode(ctx, "SELECT sum(cityHash64(toString(response_id), toString(edition))) FROM "+table+"_local")
	if err != nil {
		t.Fatal(err)
	}
	return rows, digest
}

// Responses written through palabre's write path on a cluster are spread over both shards,
// identical on a shard's replicas, counted once when re-sent, and analysed exactly as on a
// single server.
func TestClusterWriteAndAnalyse(t *testing.T) {
	db := clickhousetest.OpenCluster(t)
	single := clickhousetest.Open(t)
	ctx := context.Background()
	responses := analyticstest.Responses(21, 60)
	for _, target := range []*clickhouse.DB{db, single} {
		for i := 0; i < len(responses); i += 50 {
			if err := target.WriteResponses(ctx, responses[i:min(i+50, len(responses))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A batch re-sent (as after a timeout), and the same responses batched otherwise.
	for _, target := range []*clickhouse.DB{db, single} {
		if err := target.WriteResponses(ctx, responses[:50]); err != nil {
			t.Fatal(err)
		}
		if err := target.WriteResponses(ctx, responses[25:75]); err != nil {
			t.Fatal(err)
		}
	}
	nodes, _ := db.Nodes(ctx)
	for _, table := range shardedTables {
		var rows, digest []uint64
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			rows, digest = shardRows(t, db, table)
			if replicasAgree(nodes, rows) && replicasAgree(nodes, digest) || time.Now().After(deadline) {
				break
			}
		}
		if !replicasAgree(nodes, rows) || !replicasAgree(nodes, digest) {
			t.Errorf("%s: replicas of a shard differ: rows %v, digests %v", table, rows, digest)
		}
		perShard := map[int]uint64{}
		for i, n := range nodes {
			perShard[n.Shard] = rows[i]
		}
		if len(perShard) < 2 || slices.Contains(slices.Collect(mapValues(perShard)), 0) {
			t.Errorf("%s: rows per shard %v; want every shard to hold some", table, perShard)
		}
		t.Logf("%s: rows per node %v", table, rows)
		if table == "responses" {
			// The same responses batched otherwise are stored again, and so is the re-sent
			// batch unless it was stored within the same second as the first (its rows carry
			// stored_at, so the replicas drop it only as an identical block); either way
			// each is counted once below, and nothing is lost.
			var stored uint64
			for _, n := range perShard {
				stored += n
			}
			if n := uint64(len(responses)); stored != n+50 && stored != n+100 {
				t.Errorf("%d response rows stored over the shards, want %d or %d (the re-batched 50, and the re-sent 50 unless dropped as an identical block)", stored, n+50, n+100)
			}
		}
	}
	svc := analytics.NewService(analyticstest.Catalog(), db, 5)
	ref := analytics.NewService(analyticstest.Catalog(), single, 5)
	memory := analytics.NewService(analyticstest.Catalog(), analyticstest.NewStore(responses...), 5)
	for _, question := range []string{"", "topics", "sessions", "recommend", "improve"} {
		req := analytics.Request{Survey: sid, Question: question, By: []analytics.Dimension{analytics.Country, analytics.Edition},
			Compare: true, Audience: analytics.Coordinator}
		got, err := svc.Analyze(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Analyze(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if d := analyticstest.Diff(got, want); d != "" {
			t.Errorf("%q on the cluster and on one server: %s", question, d)
		}
		exact, _ := memory.Analyze(ctx, req)
		if d := analyticstest.Diff(got, exact); d != "" {
			t.Errorf("%q on the cluster and from the responses themselves: %s", question, d)
		}
	}
	n, err := db.ResponseCounts(ctx, analytics.Query{Survey: sid})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range n {
		total += c.N
	}
	if total != len(responses) {
		t.Errorf("%d responses counted on the cluster, %d written", total, len(responses))
	}
	// Reads by response id reach the shard holding it.
	for _, r := range []*survey.Response{responses[0], responses[len(responses)-1]} {
		ok, err := db.HasResponse(ctx, r.SurveyID, r.ID)
		if err != nil || !ok {
			t.Errorf("HasResponse(%s) = %v, %v", r.ID, ok, err)
		}
	}
}

func mapValues(m map[int]uint64) func(func(uint64) bool) {
	return func(yield func(uint64) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// replicasAgree reports whether the nodes of each shard have the same value.
func replicasAgree(nodes []clickhouse.Node, values []uint64) bool {
	seen := map[int]uint64{}
	for i, n := range nodes {
		if v, ok := seen[n.Shard]; ok && v != values[i] {
			return false
		}
		seen[n.Shard] = values[i]
	}
	return true
}

// Erasing a response on a cluster removes its rows from every node, and its id reaches every
// node's erased_responses.
func TestClusterErase(t *testing.T) {
	db := clickhousetest.OpenCluster(t)
	ctx := context.Background()
	responses := analyticstest.Responses(22, 10)
	for range 2 {
		if err := db.WriteResponses(ctx, responses); err != nil {
			t.Fatal(err)
		}
	}
	target := responses[3]
	rowsOfTarget := func(table string) []uint64 {
		n, err := db.OnEachNode(ctx, "SELECT count() FROM "+table+" WHERE response_id = toUUID(?)", target.ID.String())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitEachNodeSum := func(table string) uint64 {
		var sum uint64
		for _, n := range rowsOfTarget(table) {
			sum += n
		}
		return sum
	}
	if waitEachNodeSum("answers_local") == 0 || waitEachNodeSum("responses_local") == 0 {
		t.Fatal("the response to erase is not stored")
	}
	start := time.Now()
	found, err := db.EraseResponse(ctx, target.SurveyID, target.ID)
	if err != nil || !found {
		t.Fatalf("EraseResponse = %v, %v", found, err)
	}
	t.Logf("erased on the cluster in %v", time.Since(start))
	for _, table := range []string{"answers_local", "responses_local"} {
		if n := rowsOfTarget(table); slices.ContainsFunc(n, func(v uint64) bool { return v != 0 }) {
			t.Errorf("%s still holds rows of the erased response on the nodes: %v", table, n)
		}
	}
	waitEachNode(t, db, "SELECT count() FROM erased_responses WHERE response_id = toUUID(?)", 1, target.ID.String())
	if ok, err := db.HasResponse(ctx, target.SurveyID, target.ID); err != nil || ok {
		t.Errorf("HasResponse after erasure = %v, %v", ok, err)
	}
	// The others are all there, and the erased one is never written again.
	if err := db.WriteResponses(ctx, responses); err != nil {
		t.Fatal(err)
	}
	if waitEachNodeSum("answers_local") != 0 {
		t.Error("the erased response was written again")
	}
	counts, err := db.ResponseCounts(ctx, analytics.Query{Survey: sid})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		total += c.N
	}
	if total != len(responses)-1 {
		t.Errorf("%d responses counted after erasing one of %d", total, len(responses))
	}
}

// Compaction on a cluster merges every node's local partitions into one part each, and the
// analyses stay the same.
func TestClusterCompact(t *testing.T) {
	db := clickhousetest.OpenCluster(t)
	ctx := context.Background()
	responses := analyticstest.Responses(23, 30)
	writeTwice(t, db, responses)
	memory := analytics.NewService(analyticstest.Catalog(), analyticstest.NewStore(responses...), 5)
	svc := analytics.NewService(analyticstest.Catalog(), db, 5)
	req := analytics.Request{Survey: sid, Question: "topics", By: []analytics.Dimension{analytics.Country, analytics.Edition},
		Compare: true, Audience: analytics.Coordinator}
	want, _ := memory.Analyze(ctx, req)
	// The tables compaction merges: the answers and responses on each node.
	const manyParts = "SELECT count() FROM (SELECT table, partition FROM system.parts WHERE database = ? AND table IN ('answers_local', 'responses_local') AND active GROUP BY table, partition HAVING count() > 1)"
	before, err := db.OnEachNode(ctx, manyParts, db.Database())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(before, func(n uint64) bool { return n > 0 }) {
		t.Fatalf("partitions in several parts before compaction: %v; want some", before)
	}
	var done []clickhouse.Compaction
	var after []uint64
	// Replicated merges run in the background and wait for both replicas: on a busy
	// machine they can take a while.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		more, err := db.Compact(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, more...)
		if after, err = db.OnEachNode(ctx, manyParts, db.Database()); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(after, func(n uint64) bool { return n > 0 }) || time.Now().After(deadline) {
			break
		}
	}
	if slices.ContainsFunc(after, func(n uint64) bool { return n > 0 }) {
		t.Errorf("partitions in several parts per node after compaction: %v (before %v)", after, before)
	}
	nodes := map[string]bool{}
	for _, c := range done {
		nodes[c.Node] = true
	}
	if len(done) == 0 || nodes[""] {
		t.Errorf("compactions %+v; want some, each naming its node", done)
	}
	got, err := svc.Analyze(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if d := analyticstest.Diff(got, want); d != "" {
		t.Errorf("after compaction: %s", d)
	}
}

// The adapter's other reads give the same answers on the cluster as on one server for the
// same data: a response by id, ids among a list (an external table joined through the
// Distributed table), counts, digests, integrity, the export of responses, latest
// arrivals; and DeleteResponses empties every node.
func TestClusterReadsAsOneServer(t *testing.T) {
	db := clickhousetest.OpenCluster(t)
	single := clickhousetest.Open(t)
	ctx := context.Background()
	responses := analyticstest.Responses(25, 30)
	for _, target := range []*clickhouse.DB{db, single} {
		if err := target.WriteResponses(ctx, responses); err != nil {
			t.Fatal(err)
		}
		if err := target.WriteResponses(ctx, responses[:10]); err != nil { // a retry
			t.Fatal(err)
		}
	}
	r := responses[7]
	ids := []survey.ResponseID{r.ID, responses[20].ID, survey.NewResponseID()}
	read := func(target *clickhouse.DB) string {
		var b strings.Builder
		got, err := target.ReadResponse(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got.Answers, func(a, b survey.Answer) int { return strings.Compare(a.Question+a.Item, b.Question+b.Item) })
		fmt.Fprintf(&b, "read %+v\n", *got)
		existing, err := target.ExistingResponses(ctx, r.SurveyID, ids)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "existing %v\n", existing)
		n, err := target.CountResponses(ctx, r.SurveyID, r.Edition)
		if err != nil {
			t.Fatal(err)
		}
		integrity, err := target.Integrity(ctx, r.SurveyID, r.Edition)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "count %d integrity %+v\n", n, integrity)
		var digests []string
		if err := target.ResponseDigests(ctx, func(id survey.ResponseID, digest uint64, at time.Time) {
			digests = append(digests, fmt.Sprint(id, digest, at.Unix()))
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(digests)
		fmt.Fprintf(&b, "digests %v\n", digests)
		var exported []string
		if err := target.Responses(ctx, analytics.Query{Survey: sid}, nil, func(r *survey.Response) error {
			exported = append(exported, fmt.Sprint(r.ID, len(r.Answers)))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(exported)
		fmt.Fprintf(&b, "exported %v\n", exported)
		arrivals, err := target.LatestArrivals(ctx, r.SurveyID, r.Edition, 5)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "arrivals %d\n", len(arrivals))
		return b.String()
	}
	got, want := read(db), read(single)
	if got != want {
		t.Errorf("on the cluster:\n%s\non one server:\n%s", got, want)
	}
	if err := db.DeleteResponses(ctx, ids[:2]); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"answers_local", "responses_local"} {
		n, err := db.OnEachNode(ctx, "SELECT count() FROM "+table+" WHERE response_id IN (toUUID(?), toUUID(?))", ids[0].String(), ids[1].String())
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(n, func(v uint64) bool { return v != 0 }) {
			t.Errorf("%s after DeleteResponses: %v rows per node", table, n)
		}
	}
}

// A DSN listing several nodes skips one that is down: palabre opens, migrates, writes and
// reads through the next.
func TestClusterDSNFailsOver(t *testing.T) {
	cluster, dsn := clickhousetest.NewClusterDSN(t)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := free.Addr().String()
	free.Close()
	withDead := strings.Replace(dsn, "clickhouse://", "clickhouse://"+dead+",", 1)
	db := clickhousetest.OpenClusterDSN(t, cluster, withDead)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	responses := analyticstest.Responses(26, 5)
	if err := db.WriteResponses(ctx, responses); err != nil {
		t.Fatal(err)
	}
	n, err := db.CountResponses(ctx, responses[0].SurveyID, responses[0].Edition)
	if err != nil || n == 0 {
		t.Fatalf("responses counted through the DSN %s: %d, %v", withDead, n, err)
	}
}
