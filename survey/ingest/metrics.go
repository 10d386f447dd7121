package ingest

import (
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palabre/palabre/survey/journal"
)

// Metrics counts what the write path does, written out in the Prometheus text format.
type Metrics struct {
	accepted    atomic.Uint64
	duplicates  atomic.Uint64
	delivered   atomic.Uint64 // responses
	answers     atomic.Uint64 // answers delivered
	writeErrors atomic.Uint64
	quarantined atomic.Uint64

	pendingRecords atomic.Uint64
	pendingBytes   atomic.Int64
	oldestPending  atomic.Int64 // unix nanoseconds; 0 when nothing is pending

	mu         sync.Mutex
	rejections map[string]uint64
	batchSize  *histogram
	flushTime  *histogram
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		rejections: map[string]uint64{},
		batchSize:  newHistogram(1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000),
		flushTime:  newHistogram(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
	}
}

// Rejected counts a response refused for reason (invalid, malformed, conflict, closed, …).
func (m *Metrics) Rejected(reason string) { m.rejected(reason) }

func (m *Metrics) rejected(reason string) {
	m.mu.Lock()
	m.rejections[reason]++
	m.mu.Unlock()
}

func (m *Metrics) observeBatch(responses, answers int, took time.Duration) {
	m.delivered.Add(uint64(responses))
	m.answers.Add(uint64(answers))
	m.mu.Lock()
	m.batchSize.observe(float64(answers))
	m.flushTime.observe(took.Seconds())
	m.mu.Unlock()
}

func (m *Metrics) setPending(s journal.Stats) {
	m.pendingRecords.Store(s.PendingRecords)
	m.pendingBytes.Store(s.PendingBytes)
	if s.OldestPending.IsZero() {
		m.oldestPending.Store(0)
	} else {
		m.oldestPending.Store(s.OldestPending.UnixNano())
	}
}

// WriteTo writes every metric in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	counter := func(name, help string, v uint64) {
		fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	counter("palabre_responses_accepted_total", "Responses acknowledged (durable in the journal).", m.accepted.Load())
	counter("palabre_responses_duplicate_total", "Resubmissions of an already stored response, answered as success.", m.duplicates.Load())
	m.mu.Lock()
	reasons := make([]string, 0, len(m.rejections))
	for r := range m.rejections {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	fmt.Fprintf(cw, "# HELP palabre_responses_rejected_total Responses refused, by reason.\n# TYPE palabre_responses_rejected_total counter\n")
	for _, r := range reasons {
		fmt.Fprintf(cw, "palabre_responses_rejected_total{reason=%q} %d\n", r, m.rejections[r])
	}
	m.batchSize.write(cw, "palabre_delivery_batch_answers", "Answers per batch delivered to the database.")
	m.flushTime.write(cw, "palabre_delivery_flush_seconds", "Time to write one batch to the database.")
	m.mu.Unlock()
	counter("palabre_responses_delivered_total", "Responses delivered to the database.", m.delivered.Load())
	counter("palabre_answers_delivered_total", "Answers delivered to the database.", m.answers.Load())
	counter("palabre_clickhouse_errors_total", "Failed attempts to deliver a batch to ClickHouse.", m.writeErrors.Load())
	counter("palabre_journal_quarantined_total", "Journal records that did not decode, set aside.", m.quarantined.Load())
	gauge("palabre_journal_pending_responses", "Responses acknowledged but not yet delivered.", float64(m.pendingRecords.Load()))
	gauge("palabre_journal_pending_bytes", "Journal bytes not yet delivered.", float64(m.pendingBytes.Load()))
	lag := 0.0
	if t := m.oldestPending.Load(); t != 0 {
		lag = math.Max(0, time.Since(time.Unix(0, t)).Seconds())
	}
	gauge("palabre_delivery_lag_seconds", "Age of the oldest response not yet delivered.", lag)
	return cw.n, cw.err
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// histogram is a Prometheus histogram with fixed upper bounds.
type histogram struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newHistogram(bounds ...float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v)
	h.counts[i]++
	h.sum += v
	h.count++
}

func (h *histogram) write(w io.Writer, name, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(w, "%s_bucket{le=\"%g\"} %d\n", name, b, cum)
	}
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, h.count, name, h.sum, name, h.count)
}
