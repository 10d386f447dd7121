package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// load is one open-loop run: requests are sent at a constant arrival rate whatever the server
// does, and each latency is measured from the moment its request was due, so a server that
// stalls is charged for the requests queued behind the stall (no coordinated omission).
type load struct {
	url         string
	rate        float64       // requests per second
	duration    time.Duration // how long to keep arriving
	maxInFlight int           // requests outstanding at once; beyond it a request counts as dropped
	body        func(i int) []byte
}

// outcome is what one request got.
type outcome struct {
	status  int
	due     time.Time
	latency time.Duration // from due to the end of the response
	err     error         // the request did not get a response
}

type loadResult struct {
	outcomes []outcome
	dropped  int // not sent: too many in flight
	elapsed  time.Duration
}

func newClient(maxConns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			MaxConnsPerHost:     maxConns,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

func (l load) run(ctx context.Context, client *http.Client) loadResult {
	total := int(l.rate * l.duration.Seconds())
	res := loadResult{outcomes: make([]outcome, 0, total)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, l.maxInFlight)
	interval := time.Duration(float64(time.Second) / l.rate)
	start := time.Now()
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				total = i
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			res.dropped++
			continue
		}
		body := l.body(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			o := outcome{due: due}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				o.err = err
			} else {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				o.status = resp.StatusCode
			}
			o.latency = time.Since(due)
			mu.Lock()
			res.outcomes = append(res.outcomes, o)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// summary condenses a run.
type summary struct {
	sent, ok, failed, dropped int
	statuses                  map[int]int
	errors                    map[string]int // why requests got no response
	okPerSec                  float64
	p50, p99, p999, max       time.Duration
}

func summarise(r loadResult, okStatus int) summary {
	s := summary{statuses: map[int]int{}, errors: map[string]int{}, dropped: r.dropped, sent: len(r.outcomes)}
	var lat []time.Duration
	for _, o := range r.outcomes {
		if o.err != nil {
			s.failed++
			s.errors[o.err.Error()]++
			continue
		}
		s.statuses[o.status]++
		if o.status == okStatus {
			s.ok++
			lat = append(lat, o.latency)
		} else {
			s.failed++
		}
	}
	s.okPerSec = float64(s.ok) / r.elapsed.Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.p50, s.p99, s.p999 = percentile(lat, 0.50), percentile(lat, 0.99), percentile(lat, 0.999)
	if len(lat) > 0 {
		s.max = lat[len(lat)-1]
	}
	return s
}

// percentile of sorted values, nearest rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}
