package clickhouse_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files in testdata")

const sid = analyticstest.SurveyID

// sqlCase is one store call: response counts (value ""), a distribution, or comments, with
// how its golden SQL counts responses.
type sqlCase struct {
	name     string
	q        analytics.Query
	question string
	value    analytics.Value
	page     *analytics.Page
	dedup    clickhouse.Dedup
}

var (
	plain      = clickhouse.Dedup{}
	everywhere = clickhouse.Dedup{Everywhere: true}
	recent     = clickhouse.Dedup{Editions: []uint16{2024, 2025}}
)

var tricky = "l'atelier \\ \"famille\"; -- DROP TABLE answers"

var sqlCases = []sqlCase{
	{name: "responses_total", q: analytics.Query{Survey: sid}, dedup: plain},
	{name: "responses_by_country_edition", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Country, analytics.Edition}}, dedup: recent},
	{name: "responses_filtered", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Role},
		Filter: analytics.Filter{analytics.Country: {"SN", "PE"}, analytics.Edition: {"2024", "2025"}}}, dedup: everywhere},
	{name: "rating_by_country_edition", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Country, analytics.Edition}},
		question: "recommend", value: analytics.ValueNumber, dedup: recent},
	{name: "matrix_by_role_in_french", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Role},
		Filter: analytics.Filter{analytics.Language: {"fr"}}}, question: "topics", value: analytics.ValueNumber, dedup: plain},
	{name: "likert_total", q: analytics.Query{Survey: sid, Filter: analytics.Filter{analytics.Edition: {"2025"}}},
		question: "workshops", value: analytics.ValueNumber, dedup: everywhere},
	{name: "number_by_organisation", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Organisation}},
		question: "families", value: analytics.ValueNumber, dedup: clickhouse.Dedup{Editions: []uint16{2025}}},
	{name: "single_by_edition", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Edition}},
		question: "format", value: analytics.ValueText, dedup: plain},
	{name: "yes_no_quoted_filter", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Language},
		Filter: analytics.Filter{analytics.Organisation: {tricky, "Samusocial Sénégal", "100% Mamans"}}}, question: "attended", value: analytics.ValueText, dedup: clickhouse.Dedup{Editions: []uint16{2023, 2025}}},
	{name: "multiple_by_country", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Country}},
		question: "sessions", value: analytics.ValueChoices, dedup: recent},
	{name: "date_by_edition", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Edition}},
		question: "first_action", value: analytics.ValueText, dedup: everywhere},
	{name: "text_answered_by_edition_country", q: analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Edition, analytics.Country}},
		question: "improve", value: analytics.ValueAnswered, dedup: recent},
	{name: "comments_page", q: analytics.Query{Survey: sid, Filter: analytics.Filter{analytics.Edition: {"2025", "2024"}}},
		question: "improve", page: &analytics.Page{Limit: 10, Offset: 5}},
	{name: "empty_filter", q: analytics.Query{Survey: sid, Filter: analytics.Filter{analytics.Country: {}}},
		question: "recommend", value: analytics.ValueNumber, dedup: recent},
}

func (c sqlCase) sql() (string, []any) {
	switch {
	case c.page != nil:
		return clickhouse.CommentsSQL(c.q, c.question, c.page.Offset+c.page.Limit)
	case c.value == "":
		return clickhouse.ResponseCountsSQL(c.q, c.dedup)
	default:
		return clickhouse.DistributionSQL(c.q, c.question, c.value, c.dedup)
	}
}

func (c sqlCase) run(ctx context.Context, s analytics.Store) (any, error) {
	switch {
	case c.page != nil:
		return s.Comments(ctx, c.q, c.question, *c.page)
	case c.value == "":
		return s.ResponseCounts(ctx, c.q)
	default:
		return s.Distribution(ctx, c.q, c.question, c.value)
	}
}

// loaded returns a database holding generated responses, and the responses. The first
// edition is written in one batch, hence one part without copies; the others in batches of
// 20, every third delivered twice, left unmerged.
func loaded(t *testing.T) (*clickhouse.DB, []*survey.Response) {
	t.Helper()
	db := clickhousetest.Open(t)
	ctx := context.Background()
	stopMerges(t, db.Database())
	responses := analyticstest.Responses(5, 45)
	responses[3].Organisation = tricky // a name with quotes, backslash and comment marks
	first := analyticstest.Editions()[0].Year
	var once, rest []*survey.Response
	for _, r := range responses {
		if r.Edition == first {
			once = append(once, r)
		} else {
			rest = append(rest, r)
		}
	}
	if err := db.WriteResponses(ctx, once); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rest); i += 20 {
		batch := rest[i:min(i+20, len(rest))]
		if err := db.WriteResponses(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if i%60 == 0 { // a retried batch
			if err := db.WriteResponses(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	return db, responses
}

// stopMerges keeps a test database's parts apart, so that duplicated deliveries stay
// duplicated while the queries run, as they may for days on a real server.
func stopMerges(t *testing.T, database string) {
	t.Helper()
	conn := rawConn(t, database)
	for _, table := range []string{"answers", "responses"} {
		if err := conn.Exec(context.Background(), fmt.Sprintf("SYSTEM STOP MERGES `%s`.%s", database, table)); err != nil {
			t.Fatalf("stop merges: %v", err)
		}
	}
}

// rawConn is a connection of the test's own to database, closed at the end of the test.
func rawConn(tb testing.TB, database string) driver.Conn {
	tb.Helper()
	opts, err := ch.ParseDSN(clickhousetest.ServerDSN() + "/" + database)
	if err != nil {
		tb.Fatal(err)
	}
	opts.ReadTimeout = 10 * time.Minute
	conn, err := ch.Open(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

func TestQuerySQL(t *testing.T) {
	db, responses := loaded(t)
	ctx := context.Background()
	for _, table := range []string{"answers", "responses"} {
		if d, err := db.Plan(ctx, table, nil); err != nil || !reflect.DeepEqual(d, recent) {
			t.Fatalf("plan for %s = %+v, %v; want distinct ids in 2024 and 2025 only", table, d, err)
		}
	}
	memory := analyticstest.NewStore(responses...)
	for _, c := range sqlCases {
		t.Run(c.name, func(t *testing.T) {
			sql, args := c.sql()
			golden(t, c.name, sql, args)
			got, err := c.run(ctx, db)
			if err != nil {
				t.Fatalf("on ClickHouse: %v\n%s", err, sql)
			}
			want, err := c.run(ctx, memory)
			if err != nil {
				t.Fatal(err)
			}
			if d := analyticstest.Diff(got, want); d != "" {
				t.Errorf("ClickHouse and the in-memory store differ: %s", d)
			}
			// The golden SQL itself, where its counting covers the editions with copies.
			if c.page == nil && (c.dedup.Everywhere || reflect.DeepEqual(c.dedup, recent)) {
				got, err := c.runWith(ctx, db)
				if err != nil {
					t.Fatalf("golden SQL on ClickHouse: %v\n%s", err, sql)
				}
				if d := analyticstest.Diff(got, want); d != "" {
					t.Errorf("golden SQL and the in-memory store differ: %s", d)
				}
			}
		})
	}
	if rows, distinct := countRows(t, db); rows <= distinct {
		t.Errorf("%d answer rows for %d distinct: the duplicates were merged before the queries ran", rows, distinct)
	}
	// Counting rows where copies are stored is wrong: the plans above matter.
	all := analytics.Query{Survey: sid}
	counted, err := db.ResponseCountsWith(ctx, all, plain)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := memory.ResponseCounts(ctx, all); counted[0].N <= want[0].N {
		t.Errorf("a plain count over copies gives %d responses for %d: the test data holds no copies", counted[0].N, want[0].N)
	}
}

func (c sqlCase) runWith(ctx context.Context, db *clickhouse.DB) (any, error) {
	if c.value == "" {
		return db.ResponseCountsWith(ctx, c.q, c.dedup)
	}
	return db.DistributionWith(ctx, c.q, c.question, c.value, c.dedup)
}

// golden compares the SQL and its arguments with testdata/name.sql.
func golden(t *testing.T, name, sql string, args []any) {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	text := sql + "\n-- args: " + string(b) + "\n"
	path := filepath.Join("testdata", name+".sql")
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != text {
		t.Errorf("SQL differs from %s (run go test -update if the change is intended):\ngot:\n%s\nwant:\n%s", path, text, want)
	}
	if strings.Contains(sql, "Samusocial") || strings.Contains(sql, "DROP") {
		t.Errorf("a value reached the SQL text instead of being bound:\n%s", sql)
	}
}

func countRows(t *testing.T, db *clickhouse.DB) (rows, distinct uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := rawConn(t, db.Database()).QueryRow(ctx, "SELECT count(), uniqExact(response_id, question_key, item_key) FROM answers").Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

// Every statistic, computed from ClickHouse's histograms, equals the reference computed in
// Go from the responses themselves.
func TestAnalyticsOnClickHouse(t *testing.T) {
	db, responses := loaded(t)
	ctx := context.Background()
	catalog := analyticstest.Catalog()
	svc := analytics.NewService(catalog, db, 5)
	bys := [][]analytics.Dimension{nil, {analytics.Edition}, {analytics.Country, analytics.Edition}, {analytics.Organisation}, {analytics.Role, analytics.Language}}
	filters := []analytics.Filter{nil, {analytics.Country: {"SN", "MA", "FR", "PE"}, analytics.Role: {"social_worker", "psychologist", "unit_head"}}}
	questions := []string{"", "attended", "sessions", "sessions_other", "organisation", "workshops", "topics", "recommend", "format",
		"duration", "families", "first_action", "improve", "one_word"}
	compared := 0
	for _, q := range questions {
		for _, by := range bys {
			for _, f := range filters {
				for _, a := range []analytics.Audience{analytics.Funder, analytics.Coordinator} {
					req := analytics.Request{Survey: sid, Question: q, By: by, Filter: f, Audience: a, Language: "es",
						Compare: len(by) > 0 && by[len(by)-1] == analytics.Edition, Page: analytics.Page{Limit: 20, Offset: 3}}
					got, gerr := svc.Analyze(ctx, req)
					want, werr := analyticstest.Reference(ctx, catalog, svc.Threshold(), req, responses)
					if survey.ErrorCode(gerr) != survey.ErrorCode(werr) {
						t.Fatalf("%+v: errors differ: %v / %v", req, gerr, werr)
					}
					if gerr != nil {
						continue
					}
					if d := analyticstest.DiffResult(got, want); d != "" {
						t.Fatalf("%s by %v filter %v for %s: %s", q, by, f, a, d)
					}
					compared++
				}
			}
		}
	}
	t.Logf("%d results equal to the reference", compared)
}

func TestQueryRefusesUnknownDimensions(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	bad := []analytics.Query{
		{Survey: sid, By: []analytics.Dimension{"survey_id; DROP TABLE answers"}},
		{Survey: sid, Filter: analytics.Filter{"question_key": {"x"}}},
		{Survey: sid, Filter: analytics.Filter{analytics.Edition: {"2024 OR 1=1"}}},
		{},
	}
	for _, q := range bad {
		if _, err := db.ResponseCounts(ctx, q); err == nil {
			t.Errorf("ResponseCounts(%+v) accepted", q)
		}
		if _, err := db.Distribution(ctx, q, "recommend", analytics.ValueNumber); err == nil {
			t.Errorf("Distribution(%+v) accepted", q)
		}
		if _, err := db.Comments(ctx, q, "improve", analytics.Page{Limit: 1}); err == nil {
			t.Errorf("Comments(%+v) accepted", q)
		}
	}
}

// Comments stay one per response and in order when most responses are stored three times.
func TestCommentsWithManyCopies(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	stopMerges(t, db.Database())
	responses := analyticstest.Responses(8, 120)
	for range 3 {
		if err := db.WriteResponses(ctx, responses[:300]); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.WriteResponses(ctx, responses[300:]); err != nil {
		t.Fatal(err)
	}
	memory := analyticstest.NewStore(responses...)
	q := analytics.Query{Survey: sid}
	for _, page := range []analytics.Page{{Limit: 200}, {Limit: 7, Offset: 100}, {Limit: 50, Offset: 1000}} {
		got, err := db.Comments(ctx, q, "improve", page)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := memory.Comments(ctx, q, "improve", page)
		if d := analyticstest.Diff(got, want); d != "" {
			t.Errorf("page %+v: %s", page, d)
		}
	}
}
