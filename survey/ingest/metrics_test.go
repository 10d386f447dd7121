package ingest_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/palabre/palabre/survey/ingest"
)

// TestMetricsHandler serves the write path's metrics with the Go runtime and process
// collectors and a metric another part of palabre added to the same registry, in the text
// format Prometheus scrapes.
func TestMetricsHandler(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := ingest.NewMetricsIn(reg)
	extra := promauto.With(m.Registry()).NewCounter(prometheus.CounterOpts{
		Name: "palabre_test_extension_total", Help: "A counter added by another package."})
	extra.Add(3)

	db := newFakeDB()
	p, err := ingest.Open(context.Background(), config(t.TempDir()), db, db, m)
	if err != nil {
		t.Fatal(err)
	}
	r := response(1)
	p.Submit(context.Background(), r)
	p.Submit(context.Background(), r) // a resubmission
	m.Rejected("conflict")
	m.Rejected("conflict")
	shut(t, p)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"palabre_responses_accepted_total 1\n",
		"palabre_responses_duplicate_total 1\n",
		`palabre_responses_rejected_total{reason="conflict"} 2` + "\n",
		"palabre_responses_delivered_total 1\n",
		"palabre_answers_delivered_total 30\n",
		`palabre_delivery_batch_answers_bucket{le="100"} 1` + "\n",
		`palabre_delivery_batch_answers_bucket{le="10"} 0` + "\n",
		"palabre_delivery_flush_seconds_count 1\n",
		"palabre_clickhouse_errors_total 0\n",
		"palabre_journal_quarantined_total 0\n",
		"palabre_journal_pending_responses 0\n",
		"palabre_journal_pending_bytes 0\n",
		"palabre_delivery_lag_seconds 0\n",
		"palabre_test_extension_total 3\n",
		"# TYPE go_goroutines gauge",
		"# TYPE process_resident_memory_bytes gauge",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

// TestMetricsRegistriesAreApart checks that two sets of metrics do not share counts (each
// test, each server has its own registry).
func TestMetricsRegistriesAreApart(t *testing.T) {
	t.Parallel()
	a, b := ingest.NewMetrics(), ingest.NewMetrics()
	a.Rejected("invalid")
	var sb strings.Builder
	b.WriteTo(&sb)
	if strings.Contains(sb.String(), `reason="invalid"`) {
		t.Errorf("a rejection counted in one registry shows in another:\n%s", sb.String())
	}
	sb.Reset()
	a.WriteTo(&sb)
	if !strings.Contains(sb.String(), `palabre_responses_rejected_total{reason="invalid"} 1`) {
		t.Errorf("rejection not counted:\n%s", sb.String())
	}
}
