package clickhouse_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/survey"
)

// Benchmarks on a survey of PALABRE_BENCH_ANSWERS answers (10 million by default) over
// seven editions, in a database of its own that is kept between runs and named after the
// seed version and size: the first run seeds it through WriteResponses in batches of
// 20,000 responses (about a minute), later runs reuse it. Every 20th batch is delivered
// twice, as a retry after a timeout would; then the database is compacted, as palabre
// serve does once deliveries are quiet, and the report also times the queries as they are
// before compaction.
//
//	go test -run '^$' -bench Analytics -benchtime 30x ./analytics/clickhouse
//	PALABRE_BENCH=1 go test -run TestAnalyticsBenchReport -v -timeout 60m ./analytics/clickhouse

// benchSeedVersion names the data set: change it when the generator or the forms change.
const benchSeedVersion = 2

type benchEnv struct {
	db       *clickhouse.DB
	svc      *analytics.Service
	database string
	answers  int
}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

func benchEditions() []survey.Edition {
	var out []survey.Edition
	for y := 2019; y <= 2025; y++ {
		v := 1
		if y == 2025 {
			v = 2
		}
		out = append(out, survey.Edition{SurveyID: sid, Year: y, FormVersion: v, Invited: 30})
	}
	return out
}

// setupBench opens (and seeds once) the benchmark database.
func setupBench(tb testing.TB) *benchEnv {
	tb.Helper()
	benchOnce.Do(func() { bench, benchErr = openBench(tb) })
	if benchErr != nil {
		tb.Fatal(benchErr)
	}
	return bench
}

func openBench(tb testing.TB) (*benchEnv, error) {
	target := 10_000_000
	if s := os.Getenv("PALABRE_BENCH_ANSWERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			return nil, fmt.Errorf("PALABRE_BENCH_ANSWERS=%q: want a number of answers, at least 1000", s)
		}
		target = n
	}
	ctx := context.Background()
	env := &benchEnv{database: fmt.Sprintf("palabre_bench_v%d_%d", benchSeedVersion, target)}
	db, err := clickhouse.Open(ctx, clickhouse.Config{DSN: clickhousetest.ServerDSN() + "/" + env.database,
		DialTimeout: 2 * time.Second, ReadTimeout: 10 * time.Minute})
	if err != nil {
		clickhousetest.Unavailable(tb, err)
	}
	env.db = db
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	forms, editions := analyticstest.Compiled(), benchEditions()
	responses := target * 1000 / answersPerThousand(forms, editions)
	counts, err := db.ResponseCounts(ctx, analytics.Query{Survey: sid})
	if err != nil {
		return nil, err
	}
	if counts[0].N != responses {
		if counts[0].N != 0 {
			tb.Logf("bench database %s holds %d responses, not %d: seeding it again", env.database, counts[0].N, responses)
			if err := db.DropDatabase(ctx); err != nil {
				return nil, err
			}
			db.Close()
			return openBench(tb)
		}
		if err := seedBench(tb, db, forms, editions, responses); err != nil {
			return nil, err
		}
	}
	// As palabre serve does once deliveries are quiet: each edition in one part, copies folded.
	start := time.Now()
	done, err := db.Compact(ctx, 0)
	if err != nil {
		return nil, err
	}
	if len(done) > 0 {
		tb.Logf("compacted %d partitions in %s", len(done), time.Since(start).Round(time.Millisecond))
	}
	var rows uint64
	if err := rawConn(tb, env.database).QueryRow(ctx, "SELECT count() FROM answers").Scan(&rows); err != nil {
		return nil, err
	}
	env.answers = int(rows)
	env.svc = analytics.NewService(survey.NewCachedCatalog(db, time.Hour), db, 0)
	return env, nil
}

// answersPerThousand estimates, from a pilot, how many answers a thousand responses hold.
func answersPerThousand(forms []*survey.Compiled, editions []survey.Edition) int {
	answers := 0
	_ = seed.Generate(forms, editions, seed.Options{Seed: 1, Responses: 1000}, func(r *survey.Response) error {
		answers += len(r.Answers)
		return nil
	})
	return answers
}

func seedBench(tb testing.TB, db *clickhouse.DB, forms []*survey.Compiled, editions []survey.Edition, responses int) error {
	ctx := context.Background()
	for _, cf := range forms {
		if err := db.SaveForm(ctx, cf.Form); err != nil {
			return err
		}
	}
	for _, e := range editions {
		if err := db.SaveEdition(ctx, e); err != nil {
			return err
		}
	}
	start, batches, rows := time.Now(), 0, 0
	batch := make([]*survey.Response, 0, 20_000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		for range 1 + btoi(batches%20 == 10) {
			if err := db.WriteResponses(ctx, batch); err != nil {
				return err
			}
			for _, r := range batch {
				rows += len(r.Answers)
			}
		}
		batches++
		batch = batch[:0]
		return nil
	}
	err := seed.Generate(forms, editions, seed.Options{Seed: 1, Responses: responses}, func(r *survey.Response) error {
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	tb.Logf("seeded %d responses (%d answer rows with the retried batches) in %s", responses, rows, time.Since(start).Round(time.Second))
	return err
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// queryKinds are the requests a dashboard makes, one per kind of question, each broken down
// by country × edition and compared year over year, for funders.
var queryKinds = []struct{ name, question string }{
	{"responses", ""},
	{"rating+nps", "recommend"},
	{"likert", "organisation"},
	{"matrix", "topics"},
	{"single", "format"},
	{"yes_no", "attended"},
	{"multiple", "sessions"},
	{"number", "families"},
	{"date", "first_action"},
	{"text+comments", "improve"},
}

func kindRequest(question string) analytics.Request {
	return analytics.Request{Survey: sid, Question: question, By: []analytics.Dimension{analytics.Country, analytics.Edition}, Compare: true}
}

func BenchmarkAnalyticsQuery(b *testing.B) {
	env := setupBench(b)
	for _, k := range queryKinds {
		b.Run(k.name, func(b *testing.B) {
			ctx := context.Background()
			req := kindRequest(k.question)
			if _, err := env.svc.Analyze(ctx, req); err != nil { // warm
				b.Fatal(err)
			}
			var ds []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := env.svc.Analyze(ctx, req); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			b.ReportMetric(ms(percentile(ds, 0.5)), "p50-ms")
			b.ReportMetric(ms(percentile(ds, 0.95)), "p95-ms")
		})
	}
}

func BenchmarkAnalyticsDashboard(b *testing.B) {
	env := setupBench(b)
	ctx := context.Background()
	req := kindRequest("")
	if _, err := env.svc.Dashboard(ctx, req); err != nil {
		b.Fatal(err)
	}
	var ds []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := env.svc.Dashboard(ctx, req); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	b.ReportMetric(ms(percentile(ds, 0.5)), "p50-ms")
	b.ReportMetric(ms(percentile(ds, 0.95)), "p95-ms")
}

// percentile is the nearest-rank percentile of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[max(0, int(math.Ceil(p*float64(len(s))))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// clientTime runs sql through clickhouse-client on the bench database runs times and returns
// the times the client reports (--time: from sending the query to the last row).
func clientTime(env *benchEnv, sql string, runs int) ([]time.Duration, error) {
	host, port := "127.0.0.1", "19000"
	if addr := strings.TrimPrefix(clickhousetest.ServerDSN(), "clickhouse://"); addr != "" {
		if h, p, ok := strings.Cut(strings.Split(addr, "/")[0], ":"); ok {
			host, port = h, p
		}
	}
	var out []time.Duration
	for range runs {
		cmd := exec.Command("clickhouse-client", "--host", host, "--port", port, "--database", env.database,
			"--time", "--format", "Null", "--query", sql)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("clickhouse-client: %v: %s", err, stderr.String())
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(stderr.String()), 64)
		if err != nil {
			return nil, fmt.Errorf("clickhouse-client --time printed %q", stderr.String())
		}
		out = append(out, time.Duration(f*float64(time.Second)))
	}
	return out, nil
}

// inline writes args into sql as literals, for clickhouse-client.
func inline(sql string, args []any) string {
	var b strings.Builder
	for _, a := range args {
		i := strings.IndexByte(sql, '?')
		b.WriteString(sql[:i])
		switch v := a.(type) {
		case string:
			b.WriteString("'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'")
		default:
			fmt.Fprint(&b, v)
		}
		sql = sql[i+1:]
	}
	b.WriteString(sql)
	return b.String()
}
