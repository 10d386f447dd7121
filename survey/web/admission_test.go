package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// blockingEngine serves POST /work through gate; each request holds its slot until release
// is closed, and tells entered when it has one.
func blockingEngine(gate *web.Gate, entered chan<- struct{}, release <-chan struct{}) *gin.Engine {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.Use(web.RequestIDs())
	e.POST("/work", web.Admit(nil, gate, nil, nil), func(c *gin.Context) {
		entered <- struct{}{}
		<-release
		c.String(http.StatusCreated, "done")
	})
	return e
}

func serve(e http.Handler, method, path, lang, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader("{}"))
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	if remote != "" {
		req.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

// errorOf decodes a JSON error body.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) web.ErrorBody {
	t.Helper()
	var b web.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", w.Body, err)
	}
	return b
}

func TestGateRefusesPastItsBoundAndAdmitsOnceReleased(t *testing.T) {
	gate := web.NewGate(web.GateConfig{MaxInFlight: 2, Queue: -1, RetryAfter: 1500 * time.Millisecond, Message: web.SubmissionsBusy})
	entered, release := make(chan struct{}, 8), make(chan struct{})
	e := blockingEngine(gate, entered, release)

	var wg sync.WaitGroup
	held := make([]*httptest.ResponseRecorder, 2)
	for i := range held {
		wg.Add(1)
		go func() { defer wg.Done(); held[i] = serve(e, "POST", "/work", "", "") }()
		<-entered
	}
	if gate.InFlight() != 2 {
		t.Fatalf("in flight = %d, want 2", gate.InFlight())
	}
	// Both slots are held until release: an answer now can only be a refusal that did not wait.
	w := serve(e, "POST", "/work", "en", "")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("past the bound: %d, Retry-After %q, want 503 and 2", w.Code, w.Header().Get("Retry-After"))
	}
	b := errorOf(t, w)
	if b.Error.Code != survey.CodeUnavailable || !strings.Contains(b.Error.Message, "too many responses right now. Please try again in a few seconds") || b.Error.RequestID == "" {
		t.Errorf("refusal body %+v", b.Error)
	}
	if w := serve(e, "POST", "/work", "es", ""); !strings.Contains(errorOf(t, w).Error.Message, "Vuelva a intentarlo en unos segundos") {
		t.Errorf("Spanish refusal %s", w.Body)
	}

	close(release)
	wg.Wait()
	for _, h := range held {
		if h.Code != http.StatusCreated {
			t.Errorf("admitted request: %d", h.Code)
		}
	}
	if gate.InFlight() != 0 {
		t.Fatalf("in flight after release = %d", gate.InFlight())
	}
	for i := 0; i < 5; i++ { // slots are given back: requests one after the other all pass
		go func() { <-entered }()
		if w := serve(e, "POST", "/work", "", ""); w.Code != http.StatusCreated {
			t.Fatalf("request %d after release: %d %s", i, w.Code, w.Body)
		}
	}
}

func TestGateQueue(t *testing.T) {
	t.Run("a queued request gets the slot released while it waits", func(t *testing.T) {
		gate := web.NewGate(web.GateConfig{MaxInFlight: 1, Wait: time.Minute, Message: web.SubmissionsBusy})
		entered, release := make(chan struct{}, 4), make(chan struct{})
		e := blockingEngine(gate, entered, release)
		first := make(chan int)
		go func() { first <- serve(e, "POST", "/work", "", "").Code }()
		<-entered
		second := make(chan int)
		go func() { second <- serve(e, "POST", "/work", "", "").Code }()
		select {
		case code := <-second:
			t.Fatalf("the queued request was answered %d while the slot was held", code)
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		if a, b := <-first, <-second; a != http.StatusCreated || b != http.StatusCreated {
			t.Fatalf("statuses %d and %d, want both 201", a, b)
		}
	})
	t.Run("a full queue refuses at once", func(t *testing.T) {
		gate := web.NewGate(web.GateConfig{MaxInFlight: 1, Queue: 1, Wait: time.Hour, Message: web.SubmissionsBusy})
		entered, release := make(chan struct{}, 4), make(chan struct{})
		defer close(release)
		e := blockingEngine(gate, entered, release)
		go serve(e, "POST", "/work", "", "")
		<-entered
		go serve(e, "POST", "/work", "", "")
		for gate.Waiting() != 1 {
			time.Sleep(time.Millisecond)
		}
		// The slot is held and the queue's one place taken for an hour: the third request
		// can only be answered by a refusal that does not wait.
		third := make(chan *httptest.ResponseRecorder)
		go func() { third <- serve(e, "POST", "/work", "", "") }()
		select {
		case w := <-third:
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
				t.Fatalf("third request: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the third request waited although the queue was full")
		}
	})
	t.Run("a queued request is refused after the wait", func(t *testing.T) {
		gate := web.NewGate(web.GateConfig{MaxInFlight: 1, Wait: 20 * time.Millisecond, Message: web.SubmissionsBusy})
		entered, release := make(chan struct{}, 4), make(chan struct{})
		defer close(release)
		e := blockingEngine(gate, entered, release)
		go serve(e, "POST", "/work", "", "")
		<-entered
		if w := serve(e, "POST", "/work", "", ""); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
			t.Fatalf("after the wait: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
	})
}

// clock is a settable clock for rate limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func limitedEngine(l *web.RateLimiter) *gin.Engine {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.POST("/work", web.Admit(l, nil, nil, nil), func(c *gin.Context) { c.String(http.StatusCreated, "done") })
	return e
}

func TestRateLimitRefusesWith429AndRetryAfter(t *testing.T) {
	clk := &clock{t: now}
	l := web.NewRateLimiter(web.RateLimitConfig{Rate: 0.5, Burst: 3, Now: clk.now})
	e := limitedEngine(l)
	for i := 0; i < 3; i++ {
		if w := serve(e, "POST", "/work", "", "198.51.100.7:4000"); w.Code != http.StatusCreated {
			t.Fatalf("request %d within the burst: %d", i, w.Code)
		}
	}
	w := serve(e, "POST", "/work", "fr", "198.51.100.7:4001")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("over the rate: %d, Retry-After %q, want 429 and 2 (one token every 2 s)", w.Code, w.Header().Get("Retry-After"))
	}
	if b := errorOf(t, w); b.Error.Code != survey.CodeTooMany || b.Error.Message != "Trop de requêtes depuis votre adresse. Réessayez dans quelques secondes." {
		t.Errorf("refusal %+v", b.Error)
	}
	if w := serve(e, "POST", "/work", "", "198.51.100.8:4000"); w.Code != http.StatusCreated {
		t.Errorf("another address is limited too: %d", w.Code)
	}
	clk.add(time.Second)
	if w := serve(e, "POST", "/work", "", "198.51.100.7:4000"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Errorf("half a token later: %d, Retry-After %q, want 429 and 1", w.Code, w.Header().Get("Retry-After"))
	}
	clk.add(time.Second)
	if w := serve(e, "POST", "/work", "", "198.51.100.7:4000"); w.Code != http.StatusCreated {
		t.Errorf("once a token is back: %d", w.Code)
	}
	if w := serve(e, "POST", "/work", "", "198.51.100.7:4000"); w.Code != http.StatusTooManyRequests {
		t.Errorf("refused requests must not use tokens up in advance, but the next is %d", w.Code)
	}
}

// TestMeetingRoomBehindOneAddressPasses: 60 participants of a meeting share the venue's one
// address. Each opens the form (page, script, style sheet), most send it within the same
// minute, a third of them twice (a double tap, or a retry on a slow network), and a few
// coordinators look at the live results. With palabre's default limits every request passes.
func TestMeetingRoomBehindOneAddressPasses(t *testing.T) {
	clk := &clock{t: now}
	limiter := web.NewRateLimiter(web.RateLimitConfig{Rate: 20, Burst: 200, Now: clk.now})
	gate := web.NewGate(web.GateConfig{MaxInFlight: 64, Wait: 100 * time.Millisecond, Message: web.SubmissionsBusy})
	sink := &surveytest.Sink{}
	forms, err := web.NewForms(web.FormsConfig{Catalog: surveytest.Seed("meeting", now), Sink: sink, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.Use(web.RequestIDs(), web.LimitBody(maxBody))
	forms.Register(e.Group("", web.Admit(limiter, gate, web.Posts, forms.Refuse)))
	e.GET("/api/v1/surveys/:survey/analytics", web.Admit(limiter, nil, nil, nil), func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{}) })

	const venue = "203.0.113.50"
	type visit struct {
		at   time.Duration
		do   func() *httptest.ResponseRecorder
		what string
	}
	var visits []visit
	rnd := rand.New(rand.NewPCG(1, 2))
	for p := 0; p < 60; p++ {
		id := survey.NewResponseID().String()
		remote := fmt.Sprintf("%s:%d", venue, 40000+p)
		open := time.Duration(rnd.IntN(30_000)) * time.Millisecond
		for _, path := range []string{"/s/meeting/2026", "/static/form.js", "/static/form.css"} {
			visits = append(visits, visit{open, func() *httptest.ResponseRecorder { return serve(e, "GET", path, "", remote) }, "GET " + path})
		}
		send := open + time.Duration(10_000+rnd.IntN(20_000))*time.Millisecond
		if p%2 == 0 {
			send = 45 * time.Second // half the room sends at the moment the facilitator asks
		}
		post := func() *httptest.ResponseRecorder {
			if p%3 == 0 { // without JavaScript
				req := httptest.NewRequest(http.MethodPost, "/s/meeting/2026", strings.NewReader(formValues(id).Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.RemoteAddr = remote
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
				return w
			}
			req := httptest.NewRequest(http.MethodPost, responses, strings.NewReader(response(id, nil)))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = remote
			w := httptest.NewRecorder()
			e.ServeHTTP(w, req)
			return w
		}
		visits = append(visits, visit{send, post, "POST"})
		if p%3 == 1 {
			visits = append(visits, visit{send + 300*time.Millisecond, post, "POST again"})
		}
	}
	for c := 0; c < 3; c++ { // coordinators refreshing results every 2 s for the whole minute
		for at := time.Duration(0); at < time.Minute; at += 2 * time.Second {
			visits = append(visits, visit{at, func() *httptest.ResponseRecorder {
				return serve(e, "GET", "/api/v1/surveys/meeting/analytics", "", venue+":50000")
			}, "analytics"})
		}
	}
	sort.SliceStable(visits, func(i, j int) bool { return visits[i].at < visits[j].at })
	start := clk.now()
	for _, v := range visits {
		clk.add(start.Add(v.at).Sub(clk.now()))
		w := v.do()
		if w.Code >= 400 {
			t.Fatalf("%s at %s: %d %s", v.what, v.at, w.Code, w.Body)
		}
	}
	if n := len(sink.Responses()); n != 60 {
		t.Errorf("%d responses stored, want 60", n)
	}
}

func TestRateLimiterForgetsIdleClientsAndStaysBounded(t *testing.T) {
	clk := &clock{t: now}
	l := web.NewRateLimiter(web.RateLimitConfig{Rate: 10, Burst: 50, MaxClients: 100, Now: clk.now})
	e := limitedEngine(l)
	for i := 0; i < 1000; i++ {
		remote := fmt.Sprintf("10.%d.%d.%d:1000", i>>16&255, i>>8&255, i&255)
		if w := serve(e, "POST", "/work", "", remote); w.Code != http.StatusCreated {
			t.Fatalf("client %d: %d", i, w.Code)
		}
		if n := l.Clients(); n > 100 {
			t.Fatalf("%d clients remembered after %d, want at most 100", n, i+1)
		}
	}
	// The time to refill a burst of 50 at 10/s is 5 s: after it, every bucket is full again
	// and is forgotten at the next request.
	clk.add(5 * time.Second)
	serve(e, "POST", "/work", "", "192.0.2.99:1000")
	if n := l.Clients(); n != 1 {
		t.Errorf("%d clients remembered after they were all idle, want 1", n)
	}
	// A client still within its refill time is kept, with its bucket.
	for i := 0; i < 50; i++ {
		serve(e, "POST", "/work", "", "192.0.2.99:1000")
	}
	clk.add(4 * time.Second)
	serve(e, "POST", "/work", "", "192.0.2.100:1000")
	if n := l.Clients(); n != 2 {
		t.Errorf("%d clients remembered, want 2", n)
	}
}

func TestRateLimiterKey(t *testing.T) {
	proxies, err := web.ParseTrustedProxies("10.0.0.0/8, 2001:db8:1::1")
	if err != nil {
		t.Fatal(err)
	}
	trusting := web.NewRateLimiter(web.RateLimitConfig{Rate: 1, Burst: 1, TrustedProxies: proxies})
	plain := web.NewRateLimiter(web.RateLimitConfig{Rate: 1, Burst: 1})
	tests := []struct {
		name, remote, xff string
		limiter           *web.RateLimiter
		want              string
	}{
		{"peer address", "198.51.100.7:4000", "", plain, "198.51.100.7"},
		{"forwarded header ignored without trusted proxies", "198.51.100.7:4000", "203.0.113.9", plain, "198.51.100.7"},
		{"forwarded header ignored from an untrusted peer", "198.51.100.7:4000", "203.0.113.9", trusting, "198.51.100.7"},
		{"client named by a trusted proxy", "10.1.2.3:4000", "203.0.113.9", trusting, "203.0.113.9"},
		{"the nearest untrusted hop, not a forged first one", "10.1.2.3:4000", "1.1.1.1, 203.0.113.9, 10.4.4.4", trusting, "203.0.113.9"},
		{"several headers", "10.1.2.3:4000", "", trusting, "203.0.113.10"},
		{"garbage in the chain stops at the last good hop", "10.1.2.3:4000", "203.0.113.9, nonsense", trusting, "10.1.2.3"},
		{"IPv6 by /64", "[2001:db8:5:6:aaaa::1]:4000", "", plain, "2001:db8:5:6::/64"},
		{"IPv6 trusted proxy", "[2001:db8:1::1]:4000", "2001:db8:9:9::5", trusting, "2001:db8:9:9::/64"},
		{"IPv4-mapped", "[::ffff:198.51.100.7]:4000", "", plain, "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.name == "several headers" {
				r.Header.Add("X-Forwarded-For", "1.1.1.1")
				r.Header.Add("X-Forwarded-For", "203.0.113.10")
			}
			if got := tt.limiter.Key(r); got != tt.want {
				t.Errorf("Key = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := web.ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad prefix was accepted")
	}
	if p, err := web.ParseTrustedProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty list: %v %v", p, err)
	}
	if l := web.NewRateLimiter(web.RateLimitConfig{Rate: 0, Burst: 10}); l != nil {
		t.Error("a zero rate must mean no limiter")
	}
}

// TestRefusedFormPostGetsTheLocalisedPage: a browser posting the form without JavaScript is
// refused with the error page in its language, not with JSON.
func TestRefusedFormPostGetsTheLocalisedPage(t *testing.T) {
	clk := &clock{t: now}
	limiter := web.NewRateLimiter(web.RateLimitConfig{Rate: 1, Burst: 1, Now: clk.now})
	gate := web.NewGate(web.GateConfig{MaxInFlight: 1, Queue: -1, Message: web.SubmissionsBusy})
	fx := newFixture(t)
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: fx.sink, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	e := gin.New()
	e.Use(web.RequestIDs(), web.LimitBody(maxBody))
	forms.Register(e.Group("", web.Admit(limiter, gate, web.Posts, forms.Refuse)))

	postPage := func(lang string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/s/meeting/2026", strings.NewReader(formValues(survey.NewResponseID().String()).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		return w
	}
	if w := postPage("en"); w.Code != http.StatusSeeOther {
		t.Fatalf("first post: %d", w.Code)
	}
	w := postPage("en")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(w.Body.String(), "Your answers were not sent") || !strings.Contains(w.Body.String(), "Too many requests from your address") {
		t.Errorf("second post: %d %v\n%s", w.Code, w.Header(), w.Body)
	}
	for _, path := range []string{"/s/meeting/2026", "/static/form.css", "/"} {
		if w := serve(e, "GET", path, "", ""); w.Code != http.StatusOK {
			t.Errorf("GET %s is limited too: %d", path, w.Code)
		}
	}
	if w := serve(e, "POST", responses, "es", ""); w.Code != http.StatusTooManyRequests ||
		!strings.Contains(errorOf(t, w).Error.Message, "Demasiadas solicitudes") {
		t.Errorf("API post: %d %s", w.Code, w.Body)
	}
}

// TestRefusalsAreLoggedOncePerSecond: a flood of refusals writes one access-log line, not one
// per request; other requests are logged as before.
func TestRefusalsAreLoggedOncePerSecond(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	gin.SetMode(gin.TestMode)
	e := gin.New()
	limiter := web.NewRateLimiter(web.RateLimitConfig{Rate: 1, Burst: 1})
	e.Use(web.RequestIDs(), web.AccessLog(log))
	e.POST("/work", web.Admit(limiter, nil, nil, nil), func(c *gin.Context) { c.String(http.StatusCreated, "done") })
	for i := 0; i < 100; i++ {
		serve(e, "POST", "/work", "", "")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "status=201") ||
		!strings.Contains(lines[1], "requests refused") || !strings.Contains(lines[1], "rate_limited=1") {
		t.Errorf("log:\n%s", buf.String())
	}
}

func TestParseTrustedProxiesAddresses(t *testing.T) {
	p, err := web.ParseTrustedProxies("192.0.2.1,::ffff:192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("192.0.2.2/32")}
	if len(p) != 2 || p[0] != want[0] || p[1] != want[1] {
		t.Errorf("got %v, want %v", p, want)
	}
}

// BenchmarkAdmit measures what admission control adds to a request it admits, and what a
// refusal costs, through Gin with a recorder (no network).
func BenchmarkAdmit(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	held := web.NewGate(web.GateConfig{MaxInFlight: 1, Queue: -1, Message: web.SubmissionsBusy})
	for _, bb := range []struct {
		name  string
		admit gin.HandlerFunc
	}{
		{"none", func(c *gin.Context) {}},
		{"admitted", web.Admit(web.NewRateLimiter(web.RateLimitConfig{Rate: 1e9, Burst: 1e9}),
			web.NewGate(web.GateConfig{MaxInFlight: 64, Wait: 100 * time.Millisecond, Message: web.SubmissionsBusy}), web.Posts, nil)},
		{"refused-busy", web.Admit(nil, held, web.Posts, nil)},
		{"refused-rate", web.Admit(web.NewRateLimiter(web.RateLimitConfig{Rate: 1e-9, Burst: 1}), nil, web.Posts, nil)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			e := gin.New()
			e.Use(web.RequestIDs())
			e.POST("/work", bb.admit, func(c *gin.Context) { c.String(http.StatusCreated, "done") })
			release := make(chan struct{})
			defer close(release)
			entered := make(chan struct{})
			e.POST("/hold", web.Admit(nil, held, nil, nil), func(c *gin.Context) { close(entered); <-release })
			if bb.name == "refused-busy" {
				go e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/hold", nil))
				<-entered
			}
			req := httptest.NewRequest(http.MethodPost, "/work", nil)
			e.ServeHTTP(httptest.NewRecorder(), req) // warm up; takes the one token of refused-rate
			want := map[string]int{"none": 201, "admitted": 201, "refused-busy": 503, "refused-rate": 429}[bb.name]
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
				if w.Code != want {
					b.Fatalf("status %d, want %d", w.Code, want)
				}
			}
		})
	}
}
