package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
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
	i          int // which request: the index of its body
	status     int
	retryAfter bool // the response carried Retry-After
	due        time.Time
	latency    time.Duration // from due to the end of the response
	err        error         // the request did not get a response
}

type loadResult struct {
	outcomes []outcome
	dropped  int // not sent: too many in flight
	elapsed  time.Duration
}

// defaultSources is how many loopback addresses a client spreads its connections over.
const defaultSources = 1024

func newClient(maxConns int) *http.Client { return newClientFrom(maxConns, defaultSources) }

// newClientFrom returns a client of at most maxConns connections, each from one of sources
// loopback addresses (127.2.0.1, 127.2.0.2, …) in turn, as that many participants would
// come from their own addresses: palabre limits each address's rate.
func newClientFrom(maxConns, sources int) *http.Client {
	var next atomic.Uint64
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: 5 * time.Second}
		if sources > 1 {
			n := int(next.Add(1) % uint64(sources))
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 2, byte(n/254), byte(n%254+1))}
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         dial,
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
			o := outcome{i: i, due: due}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				o.err = err
			} else {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				o.status = resp.StatusCode
				o.retryAfter = resp.Header.Get("Retry-After") != ""
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
