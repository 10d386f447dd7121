package main

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
)

// poller samples how many benchmark responses ClickHouse holds, every 25 ms.
type poller struct {
	mu     sync.Mutex
	points []sample
	cancel context.CancelFunc
	done   chan struct{}
}

type sample struct {
	at    time.Time
	count uint64
}

func startPolling(ctx context.Context, db *clickhouse.DB) *poller {
	ctx, cancel := context.WithCancel(ctx)
	p := &poller{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(25 * time.Millisecond)
		defer t.Stop()
		for {
			qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
			n, err := db.CountResponses(qctx, benchSurvey, benchYear)
			qcancel()
			if err == nil {
				p.mu.Lock()
				p.points = append(p.points, sample{time.Now(), n})
				p.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *poller) last() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.points) == 0 {
		return 0
	}
	return p.points[len(p.points)-1].count
}

// waitFor waits until n responses are visible or the wait is over.
func (p *poller) waitFor(n int, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if p.last() >= uint64(n) {
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

func (p *poller) stop() { p.cancel(); <-p.done }

func (p *poller) samples() []sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]sample(nil), p.points...)
}

type visStats struct{ p50, p99, max time.Duration }

// visibility estimates, for the k-th acknowledged response, the time from its acknowledgement
// to the first sample holding at least k responses. Delivery follows the journal's order,
// which is the order of acknowledgement.
func visibility(acks []time.Time, samples []sample) visStats {
	var d []time.Duration
	j := 0
	for k, at := range acks {
		for j < len(samples) && samples[j].count < uint64(k+1) {
			j++
		}
		if j == len(samples) {
			break // never seen: reported by waitFor
		}
		d = append(d, max(0, samples[j].at.Sub(at)))
	}
	sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
	return visStats{percentile(d, 0.5), percentile(d, 0.99), percentile(d, 1)}
}
