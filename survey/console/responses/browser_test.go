package responses_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/console/responses"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// add stores more responses, as delivery does while the page is open.
func (s *store) add(rs ...*survey.Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Store.Add(rs...)
	s.responses = append(s.responses, rs...)
}

func (s *store) liveCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.asked)
}

// signIn logs in through the login form of a browser tab.
func signIn(t *testing.T, ctx context.Context, h *consoletest.Harness) {
	t.Helper()
	h.AddUser(t, "ana@example.org", access.Coordinator, "feedback")
	err := chromedp.Do(ctx, chromedp.Navigate(h.Server.URL+"/console/login?lang=en"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ana@example.org", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#password"), consoletest.Password),
		chromedp.Click(chromedp.CSS("form.stack button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".who")))
	if err != nil {
		t.Fatal(err)
	}
}

// total reads the total shown in the counts table.
func total(ctx context.Context) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.responses-grand td') || {textContent: ''}).textContent.trim()`))
	return s
}

func waitTotal(t *testing.T, ctx context.Context, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for total(ctx) != want {
		if time.Now().After(deadline) {
			t.Fatalf("the total shown is %q after %s, want %q", total(ctx), within, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBrowserFiguresFollowArrivals opens the page in Chromium with scripts on: a response
// stored meanwhile shows within the script's period without reloading the page; while the
// tab is hidden nothing is asked, and showing it again updates at once.
func TestBrowserFiguresFollowArrivals(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, &delivery{st: ingest.Status{PendingResponses: 1, Lag: 2 * time.Second}})
	ctx := browsertest.NewContext(t, browsertest.Options{})
	watch := browsertest.NewWatch(t, ctx)
	signIn(t, ctx, h)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.Server.URL+page2026+"?lang=en")); err != nil {
		t.Fatal(err)
	}
	if got := total(ctx); got != "7" {
		t.Fatalf("total %q", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.sameDocument = true`)); err != nil {
		t.Fatal(err)
	}
	s.add(response("feedback", 2026, "PE", "Casa Abierta", 20))
	waitTotal(t, ctx, "8", time.Duration(responses.Every+5)*time.Second)
	same, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.sameDocument === true`))
	if !same {
		t.Error("the page was reloaded; the script should update the figures in place")
	}
	first, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".responses-latest tbody tr")))
	if !strings.Contains(first, "09:20") || !strings.Contains(first, "Casa Abierta") {
		t.Errorf("the newest arrival is not first: %q", first)
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "console-responses-live")

	// Hidden: no request for a while; shown again: updated at once.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Object.defineProperty(document, 'hidden', {value: true, configurable: true});
document.dispatchEvent(new Event('visibilitychange')); true`)); err != nil {
		t.Fatal(err)
	}
	calls := s.liveCalls()
	s.add(response("feedback", 2026, "PE", "Casa Abierta", 21))
	time.Sleep(time.Duration(responses.Every+2) * time.Second)
	if s.liveCalls() != calls || total(ctx) != "8" {
		t.Errorf("the figures were asked for while the tab was hidden (%d calls, then %d)", calls, s.liveCalls())
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Object.defineProperty(document, 'hidden', {value: false, configurable: true});
document.dispatchEvent(new Event('visibilitychange')); true`)); err != nil {
		t.Fatal(err)
	}
	waitTotal(t, ctx, "9", 3*time.Second)
	_, problems := watch.Seen()
	problems = slices.DeleteFunc(problems, func(p string) bool { return strings.Contains(p, "/favicon.ico") })
	if len(problems) > 0 {
		t.Errorf("the browser reported problems: %q", problems)
	}
}

// TestBrowserPageReloadsWithoutScripts opens the page with scripts off: it reloads itself.
func TestBrowserPageReloadsWithoutScripts(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, nil)
	ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: true})
	signIn(t, ctx, h)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.Server.URL+page2026+"?lang=en")); err != nil {
		t.Fatal(err)
	}
	if got := total(ctx); got != "7" {
		t.Fatalf("total %q", got)
	}
	s.add(response("feedback", 2026, "PE", "Casa Abierta", 20))
	waitTotal(t, ctx, "8", time.Duration(responses.Refresh+10)*time.Second)
}
