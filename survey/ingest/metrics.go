package ingest

import (
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/palabre/palabre/survey/journal"
)

// Metrics counts what the write path does. Its collectors live in a Prometheus registry of
// the caller's (never the global default one), which /metrics serves; other parts of palabre
// add their own collectors to the same registry (see Registry).
type Metrics struct {
	reg *prometheus.Registry

	accepted    prometheus.Counter
	duplicates  prometheus.Counter
	delivered   prometheus.Counter // responses
	answers     prometheus.Counter // answers delivered
	writeErrors prometheus.Counter
	quarantined prometheus.Counter
	learnt      prometheus.Counter // ids learnt from the database (other processes' responses)
	overridden  prometheus.Counter // index entries replaced by the winner of a conflict
	damaged     prometheus.Gauge
	rejections  *prometheus.CounterVec

	batchSize prometheus.Histogram
	flushTime prometheus.Histogram

	pendingRecords prometheus.Gauge
	pendingBytes   prometheus.Gauge
	oldestPending  atomic.Int64 // unix nanoseconds; 0 when nothing is pending
}

// NewMetrics returns empty metrics in a registry of their own.
func NewMetrics() *Metrics { return NewMetricsIn(prometheus.NewRegistry()) }

// NewMetricsIn registers the write path's metrics in reg. It panics when reg already holds
// them, as registering twice is a programming error.
func NewMetricsIn(reg *prometheus.Registry) *Metrics {
	m := &Metrics{reg: reg}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		reg.MustRegister(c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		reg.MustRegister(g)
		return g
	}
	histogram := func(name, help string, buckets ...float64) prometheus.Histogram {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
		reg.MustRegister(h)
		return h
	}
	m.accepted = counter("palabre_responses_accepted_total", "Responses acknowledged (durable in the journal).")
	m.duplicates = counter("palabre_responses_duplicate_total", "Resubmissions of an already stored response, answered as success.")
	m.rejections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "palabre_responses_rejected_total", Help: "Responses refused, by reason."}, []string{"reason"})
	reg.MustRegister(m.rejections)
	m.batchSize = histogram("palabre_delivery_batch_answers", "Answers per batch delivered to the database.",
		1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000)
	m.flushTime = histogram("palabre_delivery_flush_seconds", "Time to write one batch to the database.",
		0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
	m.delivered = counter("palabre_responses_delivered_total", "Responses delivered to the database.")
	m.answers = counter("palabre_answers_delivered_total", "Answers delivered to the database.")
	m.writeErrors = counter("palabre_clickhouse_errors_total", "Failed attempts to deliver a batch to ClickHouse.")
	m.learnt = counter("palabre_responses_learnt_total", "Response ids stored by other processes and learnt from the database, so that their resubmissions are recognised here.")
	m.overridden = counter("palabre_responses_conflict_lost_total", "Responses accepted here whose id another process stored with other answers that won by the rule (recorded in response_conflicts).")
	m.quarantined = counter("palabre_journal_quarantined_total", "Journal records that did not decode, set aside.")
	m.damaged = gauge("palabre_journal_damaged_records", "Acknowledged records lost to damage found in the journal at start (quarantined; see the log).")
	m.pendingRecords = gauge("palabre_journal_pending_responses", "Responses acknowledged but not yet delivered.")
	m.pendingBytes = gauge("palabre_journal_pending_bytes", "Journal bytes not yet delivered.")
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "palabre_delivery_lag_seconds", Help: "Age of the oldest response not yet delivered.",
	}, func() float64 {
		t := m.oldestPending.Load()
		if t == 0 {
			return 0
		}
		return max(0, time.Since(time.Unix(0, t)).Seconds())
	}))
	return m
}

// Registry is where these metrics live. Another part of palabre adds its own metric with
// promauto.With(m.Registry()).NewCounter(…) (or NewGauge, NewCounterVec, …), named
// palabre_<area>_<what>[_total]; /metrics shows it from then on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves every metric of the registry in Prometheus' exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Rejected counts a response refused for reason (invalid, malformed, conflict, closed, …).
func (m *Metrics) Rejected(reason string) { m.rejected(reason) }

func (m *Metrics) rejected(reason string) { m.rejections.WithLabelValues(reason).Inc() }

func (m *Metrics) observeBatch(responses, answers int, took time.Duration) {
	m.delivered.Add(float64(responses))
	m.answers.Add(float64(answers))
	m.batchSize.Observe(float64(answers))
	m.flushTime.Observe(took.Seconds())
}

func (m *Metrics) setPending(s journal.Stats) {
	m.pendingRecords.Set(float64(s.PendingRecords))
	m.pendingBytes.Set(float64(s.PendingBytes))
	if s.OldestPending.IsZero() {
		m.oldestPending.Store(0)
	} else {
		m.oldestPending.Store(s.OldestPending.UnixNano())
	}
}

// WriteTo writes every metric of the registry in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	families, err := m.reg.Gather()
	if err != nil {
		return 0, err
	}
	cw := &countingWriter{w: w}
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(cw, f); err != nil {
			return cw.n, err
		}
	}
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
