package clickhouse_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// fingerprint is a table's row count and a hash of its rows taken as a multiset, computed by
// ClickHouse from the stored values, leaving out the rows of the responses except.
func fingerprint(t *testing.T, db *clickhouse.DB, table string, except ...survey.ResponseID) [2]uint64 {
	t.Helper()
	conn := dbConn(t, db)
	where := ""
	var hasID uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = 'response_id'",
		db.Database(), table).Scan(&hasID); err != nil {
		t.Fatal(err)
	}
	if hasID > 0 && len(except) > 0 {
		ids := make([]string, len(except))
		for i, id := range except {
			ids[i] = "toUUID('" + id.String() + "')"
		}
		where = " WHERE response_id NOT IN (" + strings.Join(ids, ", ") + ")"
	}
	var fp [2]uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), sum(cityHash64(toString(tuple(*)))) FROM "+table+where).Scan(&fp[0], &fp[1]); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return fp
}

// dbConn is a connection to db's database: on the test server, or on the first node of the
// test cluster.
func dbConn(t *testing.T, db *clickhouse.DB) driver.Conn {
	t.Helper()
	if db.Cluster() == "" {
		return rawConn(t, db.Database())
	}
	_, dsn, _ := clickhousetest.ClusterServer()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(&ch.Options{Addr: []string{strings.Split(u.Host, ",")[0]}, Auth: ch.Auth{Database: db.Database()},
		DialTimeout: 2 * time.Second, ReadTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// storedRows counts the rows of response id in responses and answers.
func storedRows(t *testing.T, db *clickhouse.DB, id survey.ResponseID) uint64 {
	t.Helper()
	var n uint64
	for _, table := range []string{"responses", "answers"} {
		n += fingerprint(t, db, table)[0] - fingerprint(t, db, table, id)[0]
	}
	return n
}

// erasures are the responses of backupFixture whose erasure is not finished: pending's was
// recorded before the backup but its rows are still stored (a deletion ClickHouse has not
// applied yet), and during's is recorded while the backup runs, once its rows were read.
type erasures struct{ pending, during survey.ResponseID }

// backupFixture fills db with rows of every kind of column a backup carries, and with
// erasures of every kind.
func backupFixture(t *testing.T, db *clickhouse.DB) erasures {
	t.Helper()
	ctx := context.Background()
	tricky := "l'atelier \\ \"famille\"; -- DROP TABLE answers\nligne 2 · ñ · 🙂"
	kept := []*survey.Response{
		testResponse("MA", survey.Answer{Question: "workshops", Num: 4, HasNum: true}, survey.Answer{Question: "comment", Text: tricky},
			survey.Answer{Question: "take_back", Choices: []string{"tools", "network"}}, survey.Answer{Question: "sessions", Item: "families", Num: 5, HasNum: true}),
		testResponse("PE", survey.Answer{Question: "workshops", Num: 0, HasNum: true}),
	}
	erased := testResponse("SN", survey.Answer{Question: "comment", Text: "effacée"})
	pending := testResponse("BF", survey.Answer{Question: "comment", Text: "effacée, pas encore supprimée"})
	during := testResponse("ML", survey.Answer{Question: "comment", Text: "effacée pendant"})
	if err := db.WriteResponses(ctx, append(kept, erased, pending, during)); err != nil {
		t.Fatal(err)
	}
	// On a cluster, a shard's replica read may not hold the response for a moment yet.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		found, err := db.EraseResponse(ctx, erased.SurveyID, erased.ID)
		if err != nil || !found && time.Now().After(deadline) {
			t.Fatalf("erase: %v %v", found, err)
		}
		if found {
			break
		}
	}
	if err := db.Audit().Record(ctx, auditEntry(erased.ID)); err != nil {
		t.Fatal(err)
	}
	conn := dbConn(t, db)
	exec := func(q string) {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("INSERT INTO users SELECT 'ana@example.org', 'u1', 'Ana « Ñ »', 'coordinator', ['partners-meeting', 'family-support'], 0, now(), '$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA', 1")
	// Bytes that are not UTF-8 text, as a key's secret may hold, in a String and an Array(String).
	exec("INSERT INTO users SELECT 'bin@example.org', 'u2', 'Bin', 'admin', ['partners-meeting', unhex('C328FF')], 1, now(), unhex('00FF80FE41C3'), 2")
	exec("INSERT INTO erased_responses SELECT 'partners-meeting', toUUID('" + pending.ID.String() + "'), now()")
	clickhouse.BeforeBackupTable(t, func(table string) {
		if table == "erased_responses" {
			exec("INSERT INTO erased_responses SELECT 'partners-meeting', toUUID('" + during.ID.String() + "'), now()")
		}
	})
	return erasures{pending.ID, during.ID}
}

// A backup restored into a new database gives every table back as it was, value for value,
// and erases again a response whose erasure was recorded while the backup was written.
func TestBackupRestoreRoundTrip(t *testing.T) {
	src := clickhousetest.Open(t)
	roundTrip(t, src, backupFixture(t, src), clickhousetest.Open(t))
}

// The same from a cluster to another database on the cluster: the backup reads the
// sharded tables through their Distributed tables and the restore writes through them.
func TestBackupRestoreOnACluster(t *testing.T) {
	src := clickhousetest.OpenCluster(t)
	roundTrip(t, src, backupFixture(t, src), clickhousetest.OpenCluster(t))
}

// A single server's backup restored on a cluster: the way to move to a cluster whose nodes
// cannot reach the old server (which `palabre migrate --to-cluster` needs).
func TestBackupOfAServerRestoredOnACluster(t *testing.T) {
	src := clickhousetest.Open(t)
	roundTrip(t, src, backupFixture(t, src), clickhousetest.OpenCluster(t))
}

func roundTrip(t *testing.T, src *clickhouse.DB, e erasures, dst *clickhouse.DB) {
	ctx := context.Background()
	var buf bytes.Buffer
	head, tables, err := src.Backup(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if head.Format != clickhouse.BackupFormat || head.Database != src.Database() || head.SchemaVersion < 24 {
		t.Errorf("header %+v", head)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
		want := fingerprint(t, src, tb.Name)[0]
		if tb.Name == "responses" || tb.Name == "answers" {
			want = fingerprint(t, src, tb.Name, e.pending)[0] // its erasure was recorded before
		}
		if tb.Rows != want {
			t.Errorf("%s: %d rows in the backup, %d in the database", tb.Name, tb.Rows, want)
		}
	}
	for _, left := range []string{"sessions", "login_failures", "leases", "schema_migrations"} {
		if slices.Contains(names, left) {
			t.Errorf("the backup holds %s", left)
		}
	}
	if !slices.Contains(names, "users") || !slices.Contains(names, "audit_log") || !slices.Contains(names, "link_keys") ||
		!slices.Equal(names[len(names)-3:], []string{"responses", "answers", "erased_responses"}) {
		t.Errorf("tables %v", names)
	}

	if _, loaded, err := dst.Restore(ctx, bytes.NewReader(buf.Bytes())); err != nil || len(loaded) != len(tables) {
		t.Fatalf("restore: %v (%d tables of %d)", err, len(loaded), len(tables))
	}
	for _, name := range names {
		// A Distributed table reads one replica per shard, which may be a moment behind.
		a, b := fingerprint(t, src, name, e.pending, e.during), fingerprint(t, dst, name, e.pending, e.during)
		for deadline := time.Now().Add(30 * time.Second); a != b && time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond)
			a, b = fingerprint(t, src, name, e.pending, e.during), fingerprint(t, dst, name, e.pending, e.during)
		}
		if a != b {
			t.Errorf("%s: %v rows and hash in the source, %v restored", name, a, b)
		}
	}
	for what, id := range map[string]survey.ResponseID{"while the backup ran": e.during, "before, not yet deleted": e.pending} {
		if got := storedRows(t, dst, id); got != 0 {
			t.Errorf("a response erased %s is restored: %d rows", what, got)
		}
		if got := storedRows(t, src, id); got == 0 {
			t.Fatalf("the fixture's response erased %s has no rows: the test proves nothing", what)
		}
	}

	// A database holding data is never restored into.
	if _, _, err := dst.Restore(ctx, bytes.NewReader(buf.Bytes())); !errors.Is(err, clickhouse.ErrNotEmpty) {
		t.Errorf("restore into a database holding data: %v", err)
	}
	if a, b := fingerprint(t, src, "answers", e.pending, e.during), fingerprint(t, dst, "answers", e.pending, e.during); a != b {
		t.Errorf("answers changed by a refused restore: %v, want %v", b, a)
	}
}

// backupOf writes a backup of db and returns it, and its text uncompressed.
func backupOf(t *testing.T, db *clickhouse.DB) (compressed []byte, text string) {
	t.Helper()
	var buf bytes.Buffer
	if _, _, err := db.Backup(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), string(plain)
}

// A backup that is damaged, cut short or made by a later palabre is refused, and the
// database is left empty.
func TestRestoreRefusesDamagedBackups(t *testing.T) {
	ctx := context.Background()
	src := clickhousetest.Open(t)
	backupFixture(t, src)
	compressed, text := backupOf(t, src)
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	lines := strings.SplitAfter(text, "\n")
	answersEnd := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, `{"end":"answers"`) })
	if answersEnd < 0 {
		t.Fatal("no end of answers in the backup")
	}
	for _, tt := range []struct {
		name, backup, want string
	}{
		{"cut short in the answers", text[:strings.Index(text, `{"end":"answers"`)], "cut short"},
		{"a row lost", strings.Join(slices.Delete(slices.Clone(lines), answersEnd-1, answersEnd), ""), "the backup says"},
		{"a row with a value too many", strings.Replace(text, "]\n", ",1]\n", 1), "values for"},
		{"a value of another type", strings.Replace(text, `"partners-meeting"`, `17`, 1), "value"},
		{"a table unknown", strings.Replace(text, `{"table":"answers"`, `{"table":"answers_x"`, 1), "not one of palabre's"},
		{"no end", strings.Replace(text, `{"end_of_backup"`, `{"end_of_backup_x"`, 1), "damaged"},
		{"a later schema", strings.Replace(text, `"schema_version":`, `"schema_version":9`, 1), "newer than this palabre's"},
		{"not a backup", "hello\n", "not a palabre backup"},
		{"data after the end", text + "[1]\n", "data after the end"},
		{"a checksum that does not match", "", "damaged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := gz(tt.backup)
			switch tt.name {
			case "cut short in the answers":
				data = compressed[:len(compressed)*2/3] // a file copied half-way: the gzip stream ends early
			case "a checksum that does not match":
				data = slices.Clone(compressed)
				data[len(data)-8] ^= 0xff // the gzip trailer's CRC-32
			}
			dst := clickhousetest.Open(t)
			_, _, err := dst.Restore(ctx, bytes.NewReader(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("restore: %v, want an error saying %q", err, tt.want)
			}
			for _, tb := range []string{"forms", "users", "audit_log", "responses", "answers", "erased_responses"} {
				if n := fingerprint(t, dst, tb)[0]; n != 0 {
					t.Errorf("%s holds %d rows after a refused restore", tb, n)
				}
			}
		})
	}
}

// On a cluster too, a restore that fails part-way leaves every replica's tables empty, so
// that the same database can take the backup again once it is mended.
func TestFailedRestoreOnAClusterLeavesItEmpty(t *testing.T) {
	ctx := context.Background()
	src := clickhousetest.OpenCluster(t)
	e := backupFixture(t, src)
	compressed, text := backupOf(t, src)
	var lost bytes.Buffer // the last answer row lost: found at the answers' end
	at := strings.Index(text, `{"end":"answers"`)
	last := strings.LastIndex(text[:at-1], "\n") + 1
	w := gzip.NewWriter(&lost)
	w.Write([]byte(text[:last] + text[at:]))
	w.Close()

	dst := clickhousetest.OpenCluster(t)
	if _, _, err := dst.Restore(ctx, &lost); err == nil || !strings.Contains(err.Error(), "the backup says") {
		t.Fatalf("restore of a backup with a row lost: %v", err)
	}
	for _, table := range []string{"forms", "users", "audit_log", "responses_local", "answers_local"} {
		// Each replica applies the truncation from ZooKeeper, a moment later on a busy machine.
		var rows []uint64
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			rows = clickhousetest.EachNode(t, dst, "SELECT count() FROM "+table)
			if slices.Max(rows) == 0 || time.Now().After(deadline) {
				break
			}
		}
		if slices.Max(rows) != 0 {
			t.Errorf("%s holds %v rows on the nodes after a failed restore", table, rows)
		}
	}
	if _, loaded, err := dst.Restore(ctx, bytes.NewReader(compressed)); err != nil || len(loaded) == 0 {
		t.Fatalf("the whole backup, restored after the failed one: %v", err)
	}
	for _, table := range []string{"users", "responses", "answers"} {
		a, b := fingerprint(t, src, table, e.pending, e.during)[0], fingerprint(t, dst, table, e.pending, e.during)[0]
		for deadline := time.Now().Add(30 * time.Second); a != b && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			b = fingerprint(t, dst, table, e.pending, e.during)[0]
		}
		if a != b {
			t.Errorf("%s: %d rows restored, %d in the source", table, b, a)
		}
	}
}

// A backup written by an earlier palabre, before migration 18 added three columns to
// responses and later ones added tables, loads into the current schema: the columns it lacks
// read as they do for rows stored before those migrations, and the responses read back whole.
func TestRestoreEarlierSchema(t *testing.T) {
	ctx := context.Background()
	src := clickhousetest.Open(t)
	backupFixture(t, src)
	_, plain := backupOf(t, src)
	later := []string{"response_conflicts", "publications", "publication_revocations", "publication_views", "link_keys"}
	dropped := []string{"key_digest", "accepted_by", "stored_at"}
	var out bytes.Buffer
	var table string
	var keep []int // the columns of table written out
	tables := 0
	for line := range strings.Lines(plain) {
		var obj map[string]json.RawMessage
		var row []json.RawMessage
		switch {
		case json.Unmarshal([]byte(line), &row) == nil:
			if slices.Contains(later, table) {
				continue
			}
			kept := make([]json.RawMessage, 0, len(keep))
			for _, i := range keep {
				kept = append(kept, row[i])
			}
			b, _ := json.Marshal(kept)
			line = string(b) + "\n"
		case json.Unmarshal([]byte(line), &obj) != nil:
			t.Fatalf("line %q", line)
		case obj["format"] != nil:
			obj["schema_version"] = json.RawMessage("17")
			b, _ := json.Marshal(obj)
			line = string(b) + "\n"
		case obj["table"] != nil:
			json.Unmarshal(obj["table"], &table)
			if slices.Contains(later, table) {
				continue
			}
			tables++
			var cols [][2]string
			json.Unmarshal(obj["columns"], &cols)
			keep = keep[:0]
			var kept [][2]string
			for i, c := range cols {
				if table != "responses" || !slices.Contains(dropped, c[0]) {
					keep, kept = append(keep, i), append(kept, c)
				}
			}
			if table == "responses" && len(kept) != len(cols)-len(dropped) {
				t.Fatalf("responses has columns %v", cols)
			}
			b, _ := json.Marshal(map[string]any{"table": table, "columns": kept})
			line = string(b) + "\n"
		case obj["end"] != nil:
			if slices.Contains(later, table) {
				continue
			}
		case obj["end_of_backup"] != nil:
			obj["end_of_backup"] = json.RawMessage(fmt.Sprint(tables))
			b, _ := json.Marshal(obj)
			line = string(b) + "\n"
		}
		out.WriteString(line)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(out.Bytes())
	zw.Close()

	dst := clickhousetest.Open(t)
	head, loaded, err := dst.Restore(ctx, &z)
	if err != nil {
		t.Fatal(err)
	}
	if head.SchemaVersion != 17 || len(loaded) != tables {
		t.Errorf("schema %d, %d tables loaded of %d", head.SchemaVersion, len(loaded), tables)
	}
	if a, b := fingerprint(t, src, "answers"), fingerprint(t, dst, "answers"); a[0] == 0 || a[0] != b[0]+2 { // less the two unfinished erasures'
		t.Errorf("answers: %v restored, %v in the source", b, a)
	}
	var zeros uint64
	if err := dbConn(t, dst).QueryRow(ctx, "SELECT countIf(key_digest = 0 AND accepted_by = '' AND stored_at = toDateTime(0)) FROM responses").Scan(&zeros); err != nil || zeros != 2 {
		t.Errorf("responses without the columns of migration 18: %d read as before it (%v), want 2", zeros, err)
	}
	ids := map[string]bool{}
	rows, err := dbConn(t, src).Query(ctx, "SELECT DISTINCT toString(response_id) FROM answers")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids[id] = true
	}
	rows.Close()
	read := 0
	for id := range ids {
		rid, _ := survey.ParseResponseID(id)
		if r, err := dst.ReadResponse(ctx, rid); err == nil && len(r.Answers) > 0 {
			read++
		}
	}
	if read != 2 {
		t.Errorf("%d responses read back whole from the restored database, want 2", read)
	}
}
