package ingest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest/idindex"
	"github.com/palabre/palabre/survey/journal"
)

// downDB is a database that cannot be reached.
type downDB struct{}

var errDBDown = errors.New("connection refused")

func (downDB) WriteResponses(context.Context, []*survey.Response) error { return errDBDown }
func (downDB) ResponseDigests(context.Context, func(survey.ResponseID, uint64, time.Time)) error {
	return errDBDown
}

func benchResponse(i int) *survey.Response {
	answers := make([]survey.Answer, 30)
	for q := range answers {
		answers[q] = survey.Answer{Question: fmt.Sprintf("q%02d", q), Num: float64((i + q) % 5), HasNum: true}
	}
	return &survey.Response{ID: survey.NewResponseID(), SurveyID: "partners-meeting", Edition: 2026, FormVersion: 1,
		Respondent:  survey.Respondent{Country: "SN", Organisation: "Samusocial", Role: "social_worker", Language: "fr"},
		SubmittedAt: time.Unix(1764000000+int64(i), 0).UTC(), Channel: survey.ChannelAPI, Answers: answers}
}

// writeDataDir leaves in dir what palabre leaves after accepting n responses of which the
// first delivered were delivered: a journal over several segments, a snapshot of the ids
// delivered before the last snapshot, and the index log of those delivered since.
func writeDataDir(b *testing.B, cfg Config, n, delivered, snapshotted int, format byte) {
	j, err := journal.Open(cfg.Dir, journal.Options{SegmentSize: cfg.SegmentSize, DiskBudget: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	store, ld, err := idindex.Open(cfg.IndexDir)
	if err != nil {
		b.Fatal(err)
	}
	var payloads [][]byte
	var es []idindex.Entry
	for i := range n {
		r := benchResponse(i)
		e := idindex.MakeEntry(r.ID, r.Digest(), r.SubmittedAt)
		p, _ := encode(r, e.Digest)
		if format == formatBinary { // as the previous version wrote them, without the digest
			p = append([]byte{formatBinary}, p[9:]...)
		}
		payloads = append(payloads, p)
		es = append(es, e)
		if len(payloads) == 1000 || i == n-1 {
			if _, err := j.AppendBatch(context.Background(), payloads); err != nil {
				b.Fatal(err)
			}
			payloads = payloads[:0]
		}
	}
	if snapshotted > 0 {
		ld.Index.AddAll(append([]idindex.Entry(nil), es[:snapshotted]...))
		if err := store.Compact(ld.Index.View()); err != nil {
			b.Fatal(err)
		}
	}
	if err := store.Append(es[snapshotted:delivered]); err != nil {
		b.Fatal(err)
	}
	if delivered > 0 {
		if err := j.MarkDelivered(journal.Seq(delivered)); err != nil {
			b.Fatal(err)
		}
	}
	st := j.Stats()
	b.Logf("journal: %d records, %d pending, %d segments", st.LastSeq, st.PendingRecords, st.Segments)
	store.Close()
	j.Close()
}

// BenchmarkOpen100k measures a restart over 100,000 accepted responses with the database down:
// Open returns once the index is back, from the snapshot, the index log and the journal's
// undelivered records.
func BenchmarkOpen100k(b *testing.B) {
	for _, c := range []struct {
		name                   string
		delivered, snapshotted int
		format                 byte
	}{
		{"delivered", 100_000, 90_000, formatDigest}, // the usual restart: nothing pending
		{"partly", 60_000, 50_000, formatDigest},     // 40,000 pending after a database outage
		{"undelivered", 0, 0, formatDigest},          // every response still in the journal
		{"undelivered-format2", 0, 0, formatBinary},  // the same, left by the previous version
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			cfg := Config{Dir: dir + "/journal", SegmentSize: 8 << 20}
			cfg.defaults()
			writeDataDir(b, cfg, 100_000, c.delivered, c.snapshotted, c.format)
			for b.Loop() {
				p, err := Open(context.Background(), cfg, downDB{}, downDB{}, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if n := p.index.Len(); n != 100_000 {
					b.Fatalf("%d ids in the index, want 100000", n)
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				p.Close(ctx)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
		})
	}
}
