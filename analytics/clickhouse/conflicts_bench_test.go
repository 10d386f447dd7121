package clickhouse

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// What several processes over one database add to delivery: the check of each batch
// against the stored responses (Delivery.WriteResponses against DB.WriteResponses), and
// the tail every process reads every second (StoredSince), over a database already holding
// PALABRE_BENCH_STORED responses (1 million by default, generated in ClickHouse).
//
//	PALABRE_TEST_CLICKHOUSE=clickhouse://127.0.0.1:19000 go test -run '^$' -bench 'Delivery|StoredSince' -count 5 ./analytics/clickhouse

func benchDB(b *testing.B) *DB {
	b.Helper()
	dsn := os.Getenv("PALABRE_TEST_CLICKHOUSE")
	if dsn == "" {
		b.Skip("PALABRE_TEST_CLICKHOUSE is not set")
	}
	ctx := context.Background()
	db, err := Open(ctx, Config{DSN: dsn + "/bench_multiproc", DialTimeout: 2 * time.Second})
	if err != nil {
		unreachable(b, err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	stored := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("PALABRE_BENCH_STORED")); err == nil {
		stored = v
	}
	var have uint64
	if err := db.conn.QueryRow(ctx, "SELECT count() FROM responses WHERE survey_id = 'bench-stored'").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have < uint64(stored) {
		// Old responses, stored an hour ago, across seven editions.
		err := db.conn.Exec(ctx, fmt.Sprintf(`INSERT INTO responses (survey_id, edition, form_version, response_id, submitted_at,
 received_at, country, organisation, role, language, channel, digest, answer_count, key_digest, accepted_by, stored_at)
SELECT 'bench-stored', toUInt16(2019 + number %% 7), 1, generateUUIDv4(), now() - 3600, now() - 3600, 'SN', 'samu',
 'social_worker', 'fr', 'web', sipHash64(number), 30, sipHash64(number), 'seed', now() - 3600
FROM numbers(%d)`, uint64(stored)-have))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Compact(ctx, 0); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// benchBatch is a batch as the pipeline delivers it by default: 5,000 answers, here 167
// responses of 30 answers.
func benchBatch() []*survey.Response {
	batch := make([]*survey.Response, 167)
	now := time.Now().UTC()
	for i := range batch {
		answers := make([]survey.Answer, 30)
		for q := range answers {
			answers[q] = survey.Answer{Question: fmt.Sprintf("q%02d", q), Num: float64((i + q) % 5), HasNum: true}
		}
		batch[i] = &survey.Response{ID: survey.NewResponseID(), SurveyID: "bench-delivery", Edition: 2026, FormVersion: 1,
			Respondent:  survey.Respondent{Country: "SN", Organisation: "samu", Role: "social_worker", Language: "fr"},
			SubmittedAt: now, ReceivedAt: now, Channel: survey.ChannelAPI, Answers: answers}
	}
	return batch
}

func BenchmarkDeliveryWrite(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, mode := range []string{"plain", "checked"} {
		b.Run(mode, func(b *testing.B) {
			d := db.Delivery("bench")
			for b.Loop() {
				b.StopTimer()
				batch := benchBatch()
				b.StartTimer()
				var err error
				if mode == "plain" {
					err = db.WriteResponses(ctx, batch)
				} else {
					err = d.WriteResponses(ctx, batch)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBatchCheck is the check alone: the stored versions of a batch's 167 ids.
func BenchmarkBatchCheck(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	batch := benchBatch()
	if err := db.WriteResponses(ctx, batch[:10]); err != nil { // some of them stored
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := db.storedVersions(ctx, batch)
		if err != nil || len(got) != 10 {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkStoredSinceNothingNew is a reading of the tail that finds nothing: the cost of
// looking through every stored response's insertion time.
func BenchmarkStoredSinceNothingNew(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.StoredSince(ctx, time.Now().Add(time.Hour), func(survey.ResponseID, uint64, time.Time) { b.Fatal("read") }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoredSince is one reading of the tail: the responses stored in the last 11
// seconds (a second's worth of new ones plus the overlap), among all those stored.
func BenchmarkStoredSince(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	if err := db.Delivery("bench").WriteResponses(ctx, benchBatch()); err != nil {
		b.Fatal(err)
	}
	var n int
	for b.Loop() {
		n = 0
		if _, err := db.StoredSince(ctx, time.Now().Add(-11*time.Second), func(survey.ResponseID, uint64, time.Time) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("the tail read nothing")
	}
	b.ReportMetric(float64(n), "ids/read")
}

// BenchmarkResolveNothing is a run of the resolver that finds no conflict, looking back one
// minute and a run's period, as palabre serve's does every 2 s.
func BenchmarkResolveNothing(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	if err := db.Delivery("bench").WriteResponses(ctx, benchBatch()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if cs, err := db.ResolveConflicts(ctx, time.Now().Add(-time.Minute-2*time.Second), "bench"); err != nil || len(cs) > 0 {
			b.Fatal(cs, err)
		}
	}
}
