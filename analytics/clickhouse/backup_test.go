package clickhouse_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// fingerprint is a table's row count and a hash of its rows taken as a multiset, computed by
// ClickHouse from the stored values, leaving out the rows of the response except.
func fingerprint(t *testing.T, db *clickhouse.DB, table string, except survey.ResponseID) [2]uint64 {
	t.Helper()
	conn := rawConn(t, db.Database())
	where := ""
	var hasID uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = 'response_id'",
		db.Database(), table).Scan(&hasID); err != nil {
		t.Fatal(err)
	}
	if hasID > 0 {
		where = " WHERE response_id != toUUID('" + except.String() + "')"
	}
	var fp [2]uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), sum(cityHash64(toString(tuple(*)))) FROM "+table+where).Scan(&fp[0], &fp[1]); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return fp
}

// backupFixture fills a database with rows of every kind of column a backup carries, and
// returns it with the id of a response whose erasure was recorded while its rows are still
// stored (as when an erasure runs during a backup).
func backupFixture(t *testing.T) (*clickhouse.DB, survey.ResponseID) {
	t.Helper()
	ctx := context.Background()
	db := clickhousetest.Open(t)
	tricky := "l'atelier \\ \"famille\"; -- DROP TABLE answers\nligne 2 · ñ · 🙂"
	kept := []*survey.Response{
		testResponse("MA", survey.Answer{Question: "workshops", Num: 4, HasNum: true}, survey.Answer{Question: "comment", Text: tricky},
			survey.Answer{Question: "take_back", Choices: []string{"tools", "network"}}, survey.Answer{Question: "sessions", Item: "families", Num: 5, HasNum: true}),
		testResponse("PE", survey.Answer{Question: "workshops", Num: 0, HasNum: true}),
	}
	erased, during := testResponse("SN", survey.Answer{Question: "comment", Text: "effacée"}), testResponse("ML", survey.Answer{Question: "comment", Text: "effacée pendant"})
	if err := db.WriteResponses(ctx, append(kept, erased, during)); err != nil {
		t.Fatal(err)
	}
	if found, err := db.EraseResponse(ctx, erased.SurveyID, erased.ID); err != nil || !found {
		t.Fatalf("erase: %v %v", found, err)
	}
	if err := db.Audit().Record(ctx, auditEntry(erased.ID)); err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, db.Database())
	for _, q := range []string{
		"INSERT INTO users SELECT 'ana@example.org', 'u1', 'Ana « Ñ »', 'coordinator', ['partners-meeting', 'family-support'], 0, now(), '$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA', 1",
		// Bytes that are not UTF-8 text, as a key's secret may hold, in a String and an Array(String).
		"INSERT INTO users SELECT 'bin@example.org', 'u2', 'Bin', 'admin', ['partners-meeting', unhex('C328FF')], 1, now(), unhex('00FF80FE41C3'), 2",
		"INSERT INTO erased_responses SELECT 'partners-meeting', toUUID('" + during.ID.String() + "'), now()",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db, during.ID
}

// A backup restored into a new database gives every table back as it was, value for value,
// and erases again a response whose erasure was recorded while the backup was written.
func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, during := backupFixture(t)
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
		if want := fingerprint(t, src, tb.Name, survey.ResponseID{})[0]; tb.Rows != want {
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

	dst := clickhousetest.Open(t)
	if _, loaded, err := dst.Restore(ctx, bytes.NewReader(buf.Bytes())); err != nil || len(loaded) != len(tables) {
		t.Fatalf("restore: %v (%d tables of %d)", err, len(loaded), len(tables))
	}
	for _, name := range names {
		if a, b := fingerprint(t, src, name, during), fingerprint(t, dst, name, during); a != b {
			t.Errorf("%s: %v rows and hash in the source, %v restored", name, a, b)
		}
	}
	if got := rowsOf(t, dst, during); got["responses"]+got["answers"] != 0 {
		t.Errorf("a response erased while the backup ran is restored: %v", got)
	}
	if got := rowsOf(t, src, during); got["responses"] == 0 {
		t.Fatal("the fixture's response erased during the backup has no rows: the test proves nothing")
	}

	// A database holding data is never restored into.
	if _, _, err := dst.Restore(ctx, bytes.NewReader(buf.Bytes())); !errors.Is(err, clickhouse.ErrNotEmpty) {
		t.Errorf("restore into a database holding data: %v", err)
	}
	if a, b := fingerprint(t, src, "answers", during), fingerprint(t, dst, "answers", during); a != b {
		t.Errorf("answers changed by a refused restore: %v, want %v", b, a)
	}
}

// A backup that is damaged, cut short or made by a later palabre is refused, and the
// database is left empty.
func TestRestoreRefusesDamagedBackups(t *testing.T) {
	ctx := context.Background()
	src, _ := backupFixture(t)
	var buf bytes.Buffer
	if _, _, err := src.Backup(ctx, &buf); err != nil {
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
	text := string(plain)
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
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := gz(tt.backup)
			if tt.name == "cut short in the answers" {
				data = buf.Bytes()[:len(buf.Bytes())*2/3] // a file copied half-way: the gzip stream ends early
			}
			dst := clickhousetest.Open(t)
			_, _, err := dst.Restore(ctx, bytes.NewReader(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("restore: %v, want an error saying %q", err, tt.want)
			}
			for _, tb := range []string{"forms", "users", "audit_log", "responses", "answers", "erased_responses"} {
				if n := fingerprint(t, dst, tb, survey.ResponseID{})[0]; n != 0 {
					t.Errorf("%s holds %d rows after a refused restore", tb, n)
				}
			}
		})
	}
}
