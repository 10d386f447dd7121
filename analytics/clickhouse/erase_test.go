package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/audit/audittest"
)

// rowsOf counts the rows of a response in every table of the database with a response_id
// column, so that a table added later and forgotten by erasure is seen.
func rowsOf(t *testing.T, db *clickhouse.DB, id survey.ResponseID) map[string]uint64 {
	t.Helper()
	ctx := context.Background()
	conn := rawConn(t, db.Database())
	rows, err := conn.Query(ctx, "SELECT table FROM system.columns WHERE database = ? AND name = 'response_id' ORDER BY table", db.Database())
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]uint64{}
	for _, table := range tables {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM `"+table+"` WHERE response_id = ?", uuid.UUID(id)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func totalResponses(t *testing.T, db *clickhouse.DB, surveyID string) int {
	t.Helper()
	counts, err := db.ResponseCounts(context.Background(), analytics.Query{Survey: surveyID})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c.N
	}
	return n
}

func TestEraseResponseEveryTable(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	secret := "Je m'appelle Awa, éducatrice à Thiès"
	target := testResponse("SN", survey.Answer{Question: "workshops", Num: 5, HasNum: true},
		survey.Answer{Question: "comment", Text: secret}, survey.Answer{Question: "sessions", Item: "families", Num: 4, HasNum: true})
	others := []*survey.Response{testResponse("MA", survey.Answer{Question: "comment", Text: "Très utile"}),
		testResponse("PE", survey.Answer{Question: "workshops", Num: 2, HasNum: true})}
	all := append([]*survey.Response{target}, others...)
	// Delivered twice, in two parts: every copy must go.
	for range 2 {
		if err := db.WriteResponses(ctx, all); err != nil {
			t.Fatal(err)
		}
	}
	before := rowsOf(t, db, target.ID)
	if before["responses"] != 2 || before["answers"] != 6 {
		t.Fatalf("rows before erasure %v", before)
	}
	if n := totalResponses(t, db, "partners-meeting"); n != 3 {
		t.Fatalf("%d responses counted before erasure, want 3", n)
	}
	othersBefore := rowsOf(t, db, others[0].ID)
	// Another process accepted other answers under the id, received later: recorded as a
	// conflict, which holds the response whole and must go too.
	if err := db.Delivery("b").WriteResponses(ctx, []*survey.Response{otherVersion(target, 1, target.ReceivedAt.Add(time.Minute))}); err != nil {
		t.Fatal(err)
	}
	if n := rowsOf(t, db, target.ID)["response_conflicts"]; n != 1 {
		t.Fatalf("%d conflicts recorded, want 1", n)
	}

	found, err := db.EraseResponse(ctx, "partners-meeting", target.ID)
	if err != nil || !found {
		t.Fatalf("EraseResponse: %v, %v", found, err)
	}
	after := rowsOf(t, db, target.ID)
	for table, n := range after {
		want := uint64(0)
		if table == "erased_responses" {
			want = 1 // the id alone, so that it stays refused
		}
		if n != want {
			t.Errorf("%s holds %d rows of the erased response, want %d", table, n, want)
		}
	}
	if len(after) != 4 {
		t.Errorf("tables with a response_id: %v; a new one must be erased too (responseTables)", after)
	}
	if got := rowsOf(t, db, others[0].ID); fmt.Sprint(got) != fmt.Sprint(othersBefore) {
		t.Errorf("another response's rows changed: %v, were %v", got, othersBefore)
	}
	if n := totalResponses(t, db, "partners-meeting"); n != 2 {
		t.Errorf("%d responses counted after erasure, want 2", n)
	}
	comments, err := db.Comments(ctx, analytics.Query{Survey: "partners-meeting"}, "comment", analytics.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comments {
		if strings.Contains(c.Text, "Awa") {
			t.Error("the erased comment is still listed")
		}
	}
	if len(comments) != 1 {
		t.Errorf("%d comments, want the other one", len(comments))
	}
	if _, err := db.ReadResponse(ctx, target.ID); survey.ErrorCode(err) != survey.CodeNotFound {
		t.Errorf("ReadResponse after erasure: %v", err)
	}
	digests := 0
	if err := db.ResponseDigests(ctx, func(id survey.ResponseID, _ uint64, _ time.Time) {
		digests++
		if id == target.ID {
			t.Error("the erased response is still listed as stored")
		}
	}); err != nil || digests != 2 {
		t.Errorf("ResponseDigests: %d, %v", digests, err)
	}
	if erased, err := db.ResponseErased(ctx, target.ID); err != nil || !erased {
		t.Errorf("ResponseErased: %v, %v", erased, err)
	}
	if erased, err := db.ResponseErased(ctx, others[0].ID); err != nil || erased {
		t.Errorf("ResponseErased of another: %v, %v", erased, err)
	}

	// Delivered again (from a journal, or by another process): not stored.
	if err := db.WriteResponses(ctx, all); err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t, db, target.ID); got["responses"]+got["answers"] != 0 {
		t.Errorf("an erased response was stored again: %v", got)
	}
	if n := totalResponses(t, db, "partners-meeting"); n != 2 {
		t.Errorf("%d responses counted after a new delivery, want 2", n)
	}

	// Erasing it again, an unknown id, or another survey's response finds nothing.
	for name, c := range map[string]struct {
		survey string
		id     survey.ResponseID
	}{"again": {"partners-meeting", target.ID}, "unknown": {"partners-meeting", survey.NewResponseID()}, "other survey": {"street", others[1].ID}} {
		found, err := db.EraseResponse(ctx, c.survey, c.id)
		if err != nil || found {
			t.Errorf("%s: found %v, %v", name, found, err)
		}
	}
	var erasedRows uint64
	if err := rawConn(t, db.Database()).QueryRow(ctx, "SELECT count() FROM erased_responses").Scan(&erasedRows); err != nil || erasedRows != 1 {
		t.Errorf("erased_responses holds %d rows (%v), want the one erasure", erasedRows, err)
	}
}

// A deletion ClickHouse does not finish in time is said unconfirmed; the id is refused
// already, and erasing again finishes it.
func TestEraseResponseUnconfirmed(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	r := testResponse("CM", survey.Answer{Question: "comment", Text: "à effacer"})
	if err := db.WriteResponses(ctx, []*survey.Response{r}); err != nil {
		t.Fatal(err)
	}
	stopMerges(t, db.Database()) // mutations run with merges on 18.16: this one cannot finish
	defer func(d time.Duration) { clickhouse.EraseWait = d }(clickhouse.EraseWait)
	clickhouse.EraseWait = 3 * time.Second
	found, err := db.EraseResponse(ctx, r.SurveyID, r.ID)
	if !found || !errors.Is(err, clickhouse.ErrEraseUnconfirmed) {
		t.Fatalf("erasure with merges stopped: %v, %v; want unconfirmed", found, err)
	}
	if erased, _ := db.ResponseErased(ctx, r.ID); !erased {
		t.Error("the id is not refused while its deletion runs")
	}
	conn := rawConn(t, db.Database())
	for _, table := range []string{"answers", "responses"} {
		if err := conn.Exec(ctx, fmt.Sprintf("SYSTEM START MERGES `%s`.%s", db.Database(), table)); err != nil {
			t.Fatal(err)
		}
	}
	clickhouse.EraseWait = time.Minute
	found, err = db.EraseResponse(ctx, r.SurveyID, r.ID)
	if err != nil {
		t.Fatalf("erasing again: %v, %v", found, err)
	}
	if got := rowsOf(t, db, r.ID); got["responses"]+got["answers"] != 0 {
		t.Errorf("rows left: %v", got)
	}
}

// TestAuditStoreContract runs on ClickHouse the checks the in-memory fake passes too.
func TestAuditStoreContract(t *testing.T) {
	audittest.StoreContract(t, clickhousetest.Open(t).Audit())
}

// The audit log is append-only: a plain MergeTree (nothing folds or collapses rows), and no
// SQL of palabre's changes or removes its rows. Erasure leaves it alone.
func TestAuditLogAppendOnly(t *testing.T) {
	db := clickhousetest.Open(t)
	var engine string
	if err := rawConn(t, db.Database()).QueryRow(context.Background(), "SELECT engine FROM system.tables WHERE database = ? AND name = 'audit_log'",
		db.Database()).Scan(&engine); err != nil || engine != "MergeTree" {
		t.Errorf("audit_log engine %q (%v), want MergeTree", engine, err)
	}
	changes := regexp.MustCompile(`(?is)(ALTER\s+TABLE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|OPTIMIZE\s+TABLE|RENAME\s+TABLE|UPDATE)[^;]{0,200}?audit_log`)
	comment := regexp.MustCompile(`(?m)^\s*(--|//).*$`)
	root := filepath.Join("..", "..")
	// The walk reads the source tree only: hidden directories (.git, .data, where other
	// packages' tests create and drop databases meanwhile) and build or run output are skipped.
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "var" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".sql")) || strings.HasSuffix(path, "erase_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if m := changes.Find(comment.ReplaceAll(b, nil)); m != nil {
			t.Errorf("%s changes the audit log: %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The erasure of a response named in the log leaves the log as it was.
	ctx := context.Background()
	log := db.Audit()
	r := testResponse("FR", survey.Answer{Question: "comment", Text: "x"})
	if err := db.WriteResponses(ctx, []*survey.Response{r}); err != nil {
		t.Fatal(err)
	}
	if err := log.Record(ctx, auditEntry(r.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EraseResponse(ctx, r.SurveyID, r.ID); err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t, db, r.ID); got["responses"]+got["answers"] != 0 {
		t.Fatalf("not erased: %v", got)
	}
	var n uint64
	if err := rawConn(t, db.Database()).QueryRow(ctx, "SELECT count() FROM audit_log WHERE target = ?", r.ID.String()).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit entries naming the response after its erasure: %d (%v), want 1", n, err)
	}
}

func auditEntry(id survey.ResponseID) audit.Entry {
	return audit.Entry{At: time.Now(), Action: audit.ActionEraseResponse, Survey: "partners-meeting", Target: id.String(), Address: "cli"}
}

// An erased response delivered again is left out before anything is written: with merges
// stopped no deletion could finish, yet the delivery succeeds at once and stores nothing of it.
func TestWriteLeavesErasedOut(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	r, other := testResponse("ML", survey.Answer{Question: "comment", Text: "effacée"}), testResponse("BF")
	if err := db.WriteResponses(ctx, []*survey.Response{r}); err != nil {
		t.Fatal(err)
	}
	if found, err := db.EraseResponse(ctx, r.SurveyID, r.ID); err != nil || !found {
		t.Fatalf("erase: %v %v", found, err)
	}
	stopMerges(t, db.Database())
	defer func(d time.Duration) { clickhouse.EraseWait = d }(clickhouse.EraseWait)
	clickhouse.EraseWait = 2 * time.Second
	if err := db.WriteResponses(ctx, []*survey.Response{r, other}); err != nil {
		t.Fatalf("delivery with an erased response: %v", err)
	}
	if got := rowsOf(t, db, r.ID); got["responses"]+got["answers"] != 0 {
		t.Errorf("the erased response was written: %v", got)
	}
	if got := rowsOf(t, db, other.ID); got["responses"] != 1 {
		t.Errorf("the other response was not written: %v", got)
	}
}

// BenchmarkWriteBatch writes batches of 200 responses of 10 answers, as the write path
// delivers them, with 100 erased ids in the database: the erasure checks are two of its
// queries (BenchmarkErasedCheck alone).
func BenchmarkWriteBatch(b *testing.B) {
	db := clickhousetest.Open(b)
	ctx := context.Background()
	eraseSome(b, db, 100)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		batch := benchBatch(200)
		b.StartTimer()
		if err := db.WriteResponses(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErasedCheck is one check of a 200-response batch against 100 erased ids.
func BenchmarkErasedCheck(b *testing.B) {
	db := clickhousetest.Open(b)
	ctx := context.Background()
	eraseSome(b, db, 100)
	batch := benchBatch(200)
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.ErasedAmong(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

func benchBatch(n int) []*survey.Response {
	batch := make([]*survey.Response, n)
	for i := range batch {
		answers := make([]survey.Answer, 10)
		for q := range answers {
			answers[q] = survey.Answer{Question: fmt.Sprintf("q%d", q), Num: float64(q % 5), HasNum: true}
		}
		batch[i] = testResponse("SN", answers...)
	}
	return batch
}

func eraseSome(b *testing.B, db *clickhouse.DB, n int) {
	b.Helper()
	ctx := context.Background()
	batch := benchBatch(n)
	if err := db.WriteResponses(ctx, batch); err != nil {
		b.Fatal(err)
	}
	conn := rawConn(b, db.Database())
	for _, r := range batch {
		if err := conn.Exec(ctx, "INSERT INTO erased_responses (survey_id, response_id, erased_at) SELECT ?, toUUID(?), now()", r.SurveyID, r.ID.String()); err != nil {
			b.Fatal(err)
		}
	}
}
