package main

import (
	"fmt"
	"math"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey/web"
)

// admissionConfig bounds what floods can cost: requests in flight per class, and each
// client's rate.
type admissionConfig struct {
	maxSubmissions int           // submissions handled at once (0: no bound)
	maxAnalytics   int           // analytics requests handled at once (0: no bound)
	wait           time.Duration // longest wait for a slot before 503
	rate           float64       // requests a second per client (0: no limit)
	burst          int
	proxies        []netip.Prefix
	memoryLimit    int64 // soft limit of the Go runtime's memory, in bytes (0: none)
}

// admissionFlags registers the admission flags on f; the function it returns reads them
// once f is parsed.
func admissionFlags(f *flags) func() (admissionConfig, error) {
	maxSubmissions := f.Int64("max-inflight-submissions", "PALABRE_MAX_INFLIGHT_SUBMISSIONS", 512,
		"responses handled at once; past it, and a short wait, a response is refused with 503 and Retry-After (0: no bound)")
	maxAnalytics := f.Int64("max-inflight-analytics", "PALABRE_MAX_INFLIGHT_ANALYTICS", int64(2*runtime.GOMAXPROCS(0)),
		"analytics requests handled at once; past it, and a short wait, one is refused with 503 and Retry-After (0: no bound)")
	wait := f.Duration("admission-wait", "PALABRE_ADMISSION_WAIT", time.Second,
		"longest time a request waits for a place among those in flight before it is refused")
	rate := f.Int64("rate-limit", "PALABRE_RATE_LIMIT", 20,
		"responses and analytics requests a second one client address may keep sending; past it, 429 and Retry-After (0: no limit)")
	burst := f.Int64("rate-burst", "PALABRE_RATE_BURST", 200,
		"requests one client address may send at once above its rate (a meeting room behind one address submitting together)")
	proxies := f.String("trusted-proxies", "PALABRE_TRUSTED_PROXIES", "",
		"comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (none when empty)")
	memoryLimit := f.Int64("memory-limit", "PALABRE_MEMORY_LIMIT", 200,
		"soft limit of palabre's memory in MiB: past it the garbage collector works harder (0: none; GOMEMLIMIT, when set, wins)")
	return func() (admissionConfig, error) {
		a := admissionConfig{maxSubmissions: int(*maxSubmissions), maxAnalytics: int(*maxAnalytics), wait: *wait,
			rate: float64(*rate), burst: int(*burst), memoryLimit: *memoryLimit << 20}
		switch {
		case a.maxSubmissions < 0 || a.maxAnalytics < 0:
			return a, usageError{"max-inflight-submissions and max-inflight-analytics must not be negative"}
		case a.wait < 0:
			return a, usageError{"admission-wait must not be negative"}
		case a.rate < 0:
			return a, usageError{"rate-limit must not be negative"}
		case a.rate > 0 && a.burst < 1:
			return a, usageError{"rate-burst must be at least 1"}
		case a.memoryLimit < 0:
			return a, usageError{"memory-limit must not be negative"}
		}
		var err error
		if a.proxies, err = web.ParseTrustedProxies(*proxies); err != nil {
			return a, usageError{fmt.Sprintf("trusted-proxies: %v", err)}
		}
		return a, nil
	}
}

// middleware returns the admission of submissions (POSTs among the participant's routes,
// refused with refuseForms) and of analytics requests. Both classes share each client's
// rate.
func (a admissionConfig) middleware(refuseForms web.Refusal) (submissions, analytics gin.HandlerFunc) {
	limiter := web.NewRateLimiter(web.RateLimitConfig{Rate: a.rate, Burst: a.burst, TrustedProxies: a.proxies})
	subs := web.NewGate(web.GateConfig{MaxInFlight: a.maxSubmissions, Wait: a.wait, RetryAfter: time.Second, Message: web.SubmissionsBusy})
	anal := web.NewGate(web.GateConfig{MaxInFlight: a.maxAnalytics, Wait: a.wait, RetryAfter: time.Second, Message: web.AnalyticsBusy})
	return web.Admit(limiter, subs, web.Posts, refuseForms), web.Admit(limiter, anal, nil, nil)
}

// limitMemory sets the Go runtime's soft memory limit, unless GOMEMLIMIT already set one: the
// collector then runs more often as the limit nears, instead of letting the heap double
// (GOGC=100) under a flood of connections. It returns the limit in force (0: none) and a
// function that puts the previous one back.
func (a admissionConfig) limitMemory() (int64, func()) {
	prev := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") == "" && a.memoryLimit > 0 {
		debug.SetMemoryLimit(a.memoryLimit)
	}
	restore := func() { debug.SetMemoryLimit(prev) }
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		return l, restore
	}
	return 0, restore
}
