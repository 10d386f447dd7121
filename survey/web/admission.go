package web

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/palabre/palabre/survey"
)

// Admission control keeps a flood from taking palabre down: each class of costly requests
// (submissions, analytics) has a bounded number in flight and a bounded queue whose requests
// wait a bounded time for a place; a request finding the queue full, or still waiting at the
// end of its wait, is refused with 503 and Retry-After before its body is read. Each client
// address has a token bucket, and past it a request is refused at once with 429 and
// Retry-After. A refusal holds no memory past its connection's, so memory and goroutines stay
// bounded whatever the arrival rate.

// Messages of refused requests.
var (
	// SubmissionsBusy tells participants the server takes too many responses at once.
	SubmissionsBusy = survey.Phrase{Key: "busy",
		FR: "Le serveur reçoit trop de réponses en ce moment. Réessayez dans quelques secondes : vos réponses sont conservées dans ce navigateur.",
		EN: "The server is receiving too many responses right now. Please try again in a few seconds: your answers are kept in this browser.",
		ES: "El servidor está recibiendo demasiadas respuestas ahora. Vuelva a intentarlo en unos segundos: sus respuestas se guardan en este navegador."}
	// AnalyticsBusy tells callers too many analytics requests are being computed.
	AnalyticsBusy = survey.Phrase{Key: "busy_analytics",
		FR: "Trop de calculs de résultats sont en cours. Réessayez dans quelques secondes.",
		EN: "Too many results are being computed right now. Please try again in a few seconds.",
		ES: "Se están calculando demasiados resultados en este momento. Vuelva a intentarlo en unos segundos."}
	msgTooMany = survey.Phrase{Key: "too_many_requests",
		FR: "Trop de requêtes depuis votre adresse. Réessayez dans quelques secondes.",
		EN: "Too many requests from your address. Please try again in a few seconds.",
		ES: "Demasiadas solicitudes desde su dirección. Vuelva a intentarlo en unos segundos."}
)

var tooMany = msgTooMany.Message()

// refusedKey marks a request refused by admission control, for the access log.
const refusedKey = "palabre.refused"

// refusalLog counts refused requests and logs them at most once a second.
type refusalLog struct {
	busy, limited atomic.Int64 // since the last line
	last          atomic.Int64 // when the last line was written, in Unix nanoseconds
}

func (r *refusalLog) note(ctx context.Context, log *slog.Logger, status int, now time.Time) {
	if status == http.StatusTooManyRequests {
		r.limited.Add(1)
	} else {
		r.busy.Add(1)
	}
	last := r.last.Load()
	if now.UnixNano()-last < int64(time.Second) || !r.last.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	log.LogAttrs(ctx, slog.LevelWarn, "requests refused",
		slog.Int64("busy", r.busy.Swap(0)), slog.Int64("rate_limited", r.limited.Swap(0)))
}

// Refusal answers a refused request with err (a *survey.Error carrying RetryAfter): AbortJSON
// in the request's language for the API, Forms.Refuse for routes that also serve pages.
type Refusal func(c *gin.Context, err error)

func refuseJSON(c *gin.Context, err error) { AbortJSON(c, err, Language(c)) }

// refuse answers c with err through answer and marks it refused for the access log.
func refuse(c *gin.Context, answer Refusal, err error) {
	c.Set(refusedKey, true)
	answer(c, err)
}

// Refuse answers a refused request: a JSON error under /api/, the localised error page
// otherwise (a form posted by a browser without JavaScript).
func (f *Forms) Refuse(c *gin.Context, err error) {
	if strings.HasPrefix(c.Request.URL.Path, f.base+"/api/") {
		AbortJSON(c, err, Language(c))
		return
	}
	f.errorPage(c, err, Language(c))
	c.Abort()
}

// GateConfig bounds one class of requests.
type GateConfig struct {
	// MaxInFlight is how many requests of the class are handled at once; 0 or less: no bound.
	MaxInFlight int
	// Queue is how many more may wait for a slot; 0 means four times MaxInFlight, and a
	// negative queue none. A waiting request has not had its body read: it costs little
	// more than its connection.
	Queue int
	// Wait is the longest a queued request waits for a slot before it is refused.
	Wait time.Duration
	// RetryAfter is what refused clients are told, rounded up to whole seconds (at least 1).
	RetryAfter time.Duration
	// Message is what refused clients read; Retry-After says when to try again.
	Message survey.Phrase
}

// Gate bounds the requests of one class in flight. Its zero value is not usable: see NewGate.
type Gate struct {
	slots   chan struct{} // nil: no bound
	queue   chan struct{} // places in the queue; nil: no queue
	wait    time.Duration
	refusal *survey.Error // formatted once: refusing costs no allocation of text
}

// NewGate returns a gate for cfg.
func NewGate(cfg GateConfig) *Gate {
	g := &Gate{wait: cfg.Wait}
	retry := retrySeconds(cfg.RetryAfter)
	g.refusal = &survey.Error{Code: survey.CodeUnavailable, Message: cfg.Message.Message(), RetryAfter: retry}
	if cfg.MaxInFlight <= 0 {
		return g
	}
	g.slots = make(chan struct{}, cfg.MaxInFlight)
	q := cfg.Queue
	if q == 0 {
		q = 4 * cfg.MaxInFlight
	}
	if q > 0 && cfg.Wait > 0 {
		g.queue = make(chan struct{}, q)
	}
	return g
}

// InFlight is how many requests hold a slot now.
func (g *Gate) InFlight() int { return len(g.slots) }

// Waiting is how many requests wait for a slot now.
func (g *Gate) Waiting() int { return len(g.queue) }

// acquire takes a slot, waiting at most g.wait in the queue; false when refused.
func (g *Gate) acquire(done <-chan struct{}) bool {
	if g.slots == nil {
		return true
	}
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.queue == nil {
		return false
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return false // the queue is full too
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-done:
		return false
	}
}

func (g *Gate) release() {
	if g.slots != nil {
		<-g.slots
	}
}

// RateLimitConfig sets each client's token bucket.
type RateLimitConfig struct {
	// Rate is how many requests a second a client may keep sending; 0 or less: no limit.
	Rate float64
	// Burst is how many requests a client may send at once after a quiet spell.
	Burst int
	// MaxClients is how many clients are remembered at once; 0 means 100,000. Past it the
	// idle are forgotten first, then any.
	MaxClients int
	// TrustedProxies are the addresses of reverse proxies whose X-Forwarded-For names the
	// client; a request from anywhere else is keyed by its own address.
	TrustedProxies []netip.Prefix
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RateLimiter keeps one token bucket (golang.org/x/time/rate) per client address: an IPv4
// address, or an IPv6 /64 (what one site is usually given). A client idle for as long as its
// bucket takes to fill again is forgotten, which loses nothing: a new bucket is a full one.
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	max     int
	idle    time.Duration
	proxies []netip.Prefix
	now     func() time.Time

	mu        sync.Mutex
	clients   map[string]*client
	lastSweep time.Time
}

type client struct {
	bucket *rate.Limiter
	seen   time.Time // last request, under RateLimiter.mu
}

// NewRateLimiter returns a limiter for cfg; nil when cfg.Rate sets no limit.
func NewRateLimiter(cfg RateLimitConfig) *RateLimiter {
	if cfg.Rate <= 0 {
		return nil
	}
	l := &RateLimiter{limit: rate.Limit(cfg.Rate), burst: max(1, cfg.Burst), max: cfg.MaxClients,
		proxies: cfg.TrustedProxies, now: cfg.Now, clients: map[string]*client{}}
	if l.max <= 0 {
		l.max = 100_000
	}
	if l.now == nil {
		l.now = time.Now
	}
	// The time an empty bucket takes to fill: after it, a client's bucket is as new.
	l.idle = time.Duration(float64(l.burst) / cfg.Rate * float64(time.Second))
	l.idle = max(l.idle, time.Second)
	return l
}

// Clients is how many clients the limiter remembers now.
func (l *RateLimiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// allow takes a token from key's bucket; when there is none it returns how long until there
// is one.
func (l *RateLimiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	c, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= l.max {
			l.sweep(now)
			for k := range l.clients { // still full: forget one at random
				if len(l.clients) < l.max {
					break
				}
				delete(l.clients, k)
			}
		}
		c = &client{bucket: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	l.mu.Unlock()
	r := c.bucket.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets the clients idle long enough for their bucket to be full again.
func (l *RateLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, c := range l.clients {
		if now.Sub(c.seen) >= l.idle {
			delete(l.clients, k)
		}
	}
}

// Key is the client a request is counted against: the peer's address, or the nearest
// address in X-Forwarded-For that is not a trusted proxy when the peer is one. IPv6 clients
// are keyed by their /64.
func (l *RateLimiter) Key(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if len(l.proxies) > 0 && l.trusted(addr) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a garbled chain: trust nothing before it
			}
			addr = hop.Unmap()
			if !l.trusted(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (l *RateLimiter) trusted(a netip.Addr) bool {
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR prefixes.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, err
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Admit is the middleware of one class of requests: the client's rate first (limiter may be
// nil), then the class's gate. Requests for which only returns false pass untouched (nil:
// every request counts). answer answers refused requests; nil answers them in JSON.
func Admit(limiter *RateLimiter, gate *Gate, only func(*http.Request) bool, answer Refusal) gin.HandlerFunc {
	if answer == nil {
		answer = refuseJSON
	}
	return func(c *gin.Context) {
		if only != nil && !only(c.Request) {
			c.Next()
			return
		}
		if limiter != nil {
			if ok, wait := limiter.allow(limiter.Key(c.Request)); !ok {
				retry := retrySeconds(wait)
				refuse(c, answer, &survey.Error{Code: survey.CodeTooMany, Message: tooMany, RetryAfter: retry})
				return
			}
		}
		if gate != nil {
			if !gate.acquire(c.Request.Context().Done()) {
				refuse(c, answer, gate.refusal)
				return
			}
			defer gate.release()
		}
		c.Next()
	}
}

// Posts selects POST requests: submissions, among the participant's routes.
func Posts(r *http.Request) bool { return r.Method == http.MethodPost }

// retrySeconds rounds d up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
