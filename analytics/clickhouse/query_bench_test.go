package clickhouse_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
)

// TestAnalyticsBenchReport is the driver of `make bench-analytics`: on the benchmark
// database (see bench_test.go) it measures, warm, the latency of each kind of query, the
// time to compute one survey's whole dashboard, and the same aggregates sent by hand
// through clickhouse-client, and prints them with the targets. It runs only with
// PALABRE_BENCH=1.
func TestAnalyticsBenchReport(t *testing.T) {
	if os.Getenv("PALABRE_BENCH") != "1" {
		t.Skip("set PALABRE_BENCH=1 to run the analytics benchmark report (seeds 10M answers on first run)")
	}
	env := setupBench(t)
	ctx := context.Background()
	runs, clientRuns := 30, 10
	var report strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&report, format+"\n", args...) }
	load, _ := os.ReadFile("/proc/loadavg")
	p("analytics benchmark: database %s, %d answer rows, %d CPUs, load average %s", env.database, env.answers, runtime.NumCPU(),
		strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	p("each query: country × edition, compared year over year, for funders; %d warm runs, each followed by the same", runs)
	p("SQL through clickhouse-client (side by side, so both see the same machine)")
	plans := map[string]clickhouse.Dedup{}
	for _, table := range []string{"answers", "responses"} {
		d, err := env.db.Plan(ctx, table, nil)
		if err != nil {
			t.Fatal(err)
		}
		plans[table] = d
		p("%s: %s", table, describePlan(d))
	}
	p("client ms: the SQL palabre sends, by hand; uncompacted ms: the same counting distinct ids everywhere,")
	p("as palabre does while an edition's parts hold copies (after a bulk load, before compaction)")
	p("")
	p("%-15s %8s %8s %8s %10s %10s %13s", "query", "min ms", "p50 ms", "p95 ms", "client ms", "p50/client", "uncompacted ms")
	worstP95 := time.Duration(0)
	for _, k := range queryKinds {
		req := kindRequest(k.question)
		plan := plans["answers"]
		if k.question == "" {
			plan = plans["responses"]
		}
		ds, hand := sideBySide(t, env, runs, func() error { _, err := env.svc.Analyze(ctx, req); return err }, palabreSQL(k.question, plan))
		distinct := time.Duration(0)
		for _, sql := range palabreSQL(k.question, clickhouse.Dedup{Everywhere: true}) {
			distinct += median(clientRun(t, env, sql, clientRuns))
		}
		p50, p95 := percentile(ds, 0.5), percentile(ds, 0.95)
		if k.question != "" {
			worstP95 = max(worstP95, p95)
		}
		p("%-15s %8.1f %8.1f %8.1f %10.1f %9.2fx %14.1f", k.name, ms(percentile(ds, 0)), ms(p50), ms(p95), ms(median(hand)), ms(p50)/ms(median(hand)), ms(distinct))
	}
	count := "count()"
	if plans["answers"].Everywhere || len(plans["answers"].Editions) > 0 {
		count = "uniqExact(response_id)"
	}
	dash, hand := sideBySide(t, env, 20, func() error { _, err := env.svc.Dashboard(ctx, kindRequest("")); return err }, []string{dashboardSQL(count)})
	p("")
	p("dashboard (responses + 13 questions): min %.0f ms, p50 %.0f ms, p95 %.0f ms", ms(percentile(dash, 0)), ms(percentile(dash, 0.5)), ms(percentile(dash, 0.95)))
	p("the same aggregates by hand, one SQL query through clickhouse-client: median %.0f ms; palabre/hand %.2fx",
		ms(median(hand)), ms(percentile(dash, 0.5))/ms(median(hand)))
	p("")
	receiving(t, env, p, runs)
	p("")
	p("counting each response once (recommend, country × edition, clickhouse-client medians):")
	for _, s := range dedupStrategies() {
		p("  %-36s %7.0f ms", s.name, ms(median(clientRun(t, env, s.sql, clientRuns))))
	}
	p("")
	p("targets: per-question p95 ≤ 150 ms (worst %.0f ms); dashboard ≤ 1500 ms (p50 %.0f ms)", ms(worstP95), ms(percentile(dash, 0.5)))
	fmt.Print(report.String())
}

// receiving times the heaviest queries while the latest edition is still receiving
// responses: its partition holds a new part with copies of 20,000 answers (merges held
// back), so that edition is counted by distinct ids and the others plainly. It compacts
// the database again afterwards.
func receiving(t *testing.T, env *benchEnv, p func(string, ...any), runs int) {
	ctx := context.Background()
	conn := rawConn(t, env.database)
	exec := func(sql string) {
		if err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	for _, table := range []string{"answers", "responses"} {
		exec(fmt.Sprintf("SYSTEM STOP MERGES `%s`.%s", env.database, table))
	}
	exec("INSERT INTO answers SELECT * FROM answers WHERE edition = 2025 LIMIT 20000")
	exec("INSERT INTO responses SELECT * FROM responses WHERE edition = 2025 LIMIT 2000")
	defer func() {
		for _, table := range []string{"answers", "responses"} {
			exec(fmt.Sprintf("SYSTEM START MERGES `%s`.%s", env.database, table))
		}
		compact(t, env.db)
	}()
	plan, err := env.db.Plan(ctx, "answers", nil)
	if err != nil {
		t.Fatal(err)
	}
	p("while the latest edition receives (answers: %s):", describePlan(plan))
	for _, k := range queryKinds {
		if k.name != "matrix" && k.name != "multiple" && k.name != "rating+nps" {
			continue
		}
		req := kindRequest(k.question)
		ds, _ := sideBySide(t, env, runs, func() error { _, err := env.svc.Analyze(ctx, req); return err }, nil)
		p("  %-15s p50 %6.1f ms  p95 %6.1f ms", k.name, ms(percentile(ds, 0.5)), ms(percentile(ds, 0.95)))
	}
}

// sideBySide times n runs of f, each followed by sqls through clickhouse-client (their
// times summed), after warming both.
func sideBySide(t *testing.T, env *benchEnv, n int, f func() error, sqls []string) (palabre, client []time.Duration) {
	t.Helper()
	hand := func() time.Duration {
		total := time.Duration(0)
		for _, sql := range sqls {
			ds, err := clientTime(env, sql, 1)
			if err != nil {
				t.Fatal(err)
			}
			total += ds[0]
		}
		return total
	}
	for range 3 {
		if err := f(); err != nil {
			t.Fatal(err)
		}
		hand()
	}
	for range n {
		t0 := time.Now()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		palabre = append(palabre, time.Since(t0))
		client = append(client, hand())
	}
	return palabre, client
}

func clientRun(t *testing.T, env *benchEnv, sql string, runs int) []time.Duration {
	t.Helper()
	if _, err := clientTime(env, sql, 1); err != nil { // warm, and check
		t.Fatal(err)
	}
	ds, err := clientTime(env, sql, runs)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// values of the bench's questions: how their answers are counted.
var benchValues = map[string]analytics.Value{
	"recommend": analytics.ValueNumber, "organisation": analytics.ValueNumber, "workshops": analytics.ValueNumber,
	"topics": analytics.ValueNumber, "families": analytics.ValueNumber,
	"format": analytics.ValueText, "attended": analytics.ValueText, "duration": analytics.ValueText, "first_action": analytics.ValueText,
	"sessions":       analytics.ValueChoices,
	"sessions_other": analytics.ValueAnswered, "improve": analytics.ValueAnswered, "one_word": analytics.ValueAnswered,
}

// palabreSQL is the SQL palabre sends for one request of queryKinds, values inlined, when
// it counts responses as d says.
func palabreSQL(question string, d clickhouse.Dedup) []string {
	q := analytics.Query{Survey: sid, By: []analytics.Dimension{analytics.Country, analytics.Edition}}
	if question == "" {
		return []string{inline(clickhouse.ResponseCountsSQL(q, d))}
	}
	out := []string{inline(clickhouse.DistributionSQL(q, question, benchValues[question], d))}
	if benchValues[question] == analytics.ValueAnswered { // and the page of comments
		out = append(out, inline(clickhouse.CommentsSQL(q, question, analytics.DefaultComments+analytics.DefaultComments/8+16)))
	}
	return out
}

// describePlan says how a table's queries count responses.
func describePlan(d clickhouse.Dedup) string {
	switch {
	case d.Everywhere:
		return "copies may be in every edition: distinct ids everywhere"
	case len(d.Editions) == 0:
		return "every edition in one part: plain counts"
	}
	return fmt.Sprintf("copies may be in editions %v: distinct ids there, plain counts elsewhere", d.Editions)
}

// dashboardSQL is what a dashboard needs, written by hand as one query: every question's
// histogram by country × edition, response counts, and the newest comments, each counted
// with count.
func dashboardSQL(count string) string {
	in := func(v analytics.Value) string {
		var keys []string
		for k, kv := range benchValues {
			if kv == v {
				keys = append(keys, "'"+k+"'")
			}
		}
		slices.Sort(keys)
		return "question_key IN (" + strings.Join(keys, ", ") + ")"
	}
	return `SELECT question_key, edition, country, item_key, toString(assumeNotNull(value_num)) AS v, ` + count + ` AS n
FROM answers WHERE survey_id = 'partners-meeting' AND ` + in(analytics.ValueNumber) + ` AND value_num IS NOT NULL
GROUP BY question_key, edition, country, item_key, v
UNION ALL
SELECT question_key, edition, country, item_key, value_text AS v, ` + count + ` AS n
FROM answers WHERE survey_id = 'partners-meeting' AND ` + in(analytics.ValueText) + ` AND value_text != ''
GROUP BY question_key, edition, country, item_key, v
UNION ALL
SELECT question_key, edition, country, item_key, v, ` + count + ` AS n
FROM answers ARRAY JOIN arrayPushFront(value_choices, '') AS v WHERE survey_id = 'partners-meeting' AND ` + in(analytics.ValueChoices) + `
GROUP BY question_key, edition, country, item_key, v
UNION ALL
SELECT question_key, edition, country, item_key, '' AS v, ` + count + ` AS n
FROM answers WHERE survey_id = 'partners-meeting' AND ` + in(analytics.ValueAnswered) + `
GROUP BY question_key, edition, country, item_key
UNION ALL
SELECT '' AS question_key, edition, country, '' AS item_key, '' AS v, ` + count + ` AS n
FROM responses WHERE survey_id = 'partners-meeting' GROUP BY edition, country
UNION ALL
SELECT question_key, edition, country, concat(organisation, '|', role, '|', language) AS item_key, any(value_text) AS v,
 toUInt64(any(submitted_at)) AS n
FROM answers WHERE survey_id = 'partners-meeting' AND question_key IN ('improve', 'one_word', 'sessions_other') AND value_text != ''
GROUP BY question_key, response_id, edition, country, organisation, role, language
ORDER BY edition DESC, n DESC LIMIT 50 BY question_key`
}

// dedupStrategies are the ways to count each response once that were measured.
func dedupStrategies() []struct{ name, sql string } {
	w := "WHERE survey_id = 'partners-meeting' AND question_key = 'recommend' AND value_num IS NOT NULL"
	return []struct{ name, sql string }{
		{"FINAL", "SELECT edition, country, item_key, value_num AS v, count() FROM answers FINAL " + w +
			" GROUP BY edition, country, item_key, v"},
		{"GROUP BY response_id, then count", "SELECT edition, country, item_key, v, count() FROM (SELECT edition, country, item_key, response_id, any(value_num) AS v FROM answers " + w +
			" GROUP BY edition, country, item_key, response_id) GROUP BY edition, country, item_key, v"},
		{"uniqExact(response_id) per bin (where copies may be)", "SELECT edition, country, item_key, value_num AS v, uniqExact(response_id) FROM answers " + w +
			" GROUP BY edition, country, item_key, v"},
		{"count() per bin (where an edition is one part)", "SELECT edition, country, item_key, value_num AS v, count() FROM answers " + w +
			" GROUP BY edition, country, item_key, v"},
	}
}
