package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// TestBrowserInvitation answers an edition by invitation through a participant's link, with
// the connection lost at the first attempt: the script sends again with the token, one
// response is stored, and the link then says it was used.
func TestBrowserInvitation(t *testing.T) {
	fx := newInviteFixture(t)
	net := &dropPosts{h: fx.engine}
	srv := httptest.NewServer(net)
	t.Cleanup(srv.Close)
	dir := browsertest.Dir(t)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	link := srv.URL + "/s/meeting/2026?t=" + fx.tokens[0]

	// Without the token: the page says the survey is by invitation.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/meeting/2026?lang=en")); err != nil {
		t.Fatal(err)
	}
	if text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "answered by invitation") {
		t.Errorf("without a token: %q", text)
	}
	browsertest.Screenshot(ctx, t, dir, "invitation-missing")

	if err := chromedp.Do(ctx, chromedp.Navigate(link+"&lang=fr"), browsertest.Fill(answers...)); err != nil {
		t.Fatal(err)
	}
	id, _ := browsertest.Value(ctx, web.ResponseIDField)
	net.down.Store(true)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#survey [type=submit]")), chromedp.WaitVisible(chromedp.CSS("#offline"))); err != nil {
		t.Fatal(err)
	}
	net.down.Store(false)
	if err := chromedp.Do(ctx, browsertest.Submit()); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if u, _ := url.Parse(loc); u == nil || u.Path != "/s/meeting/2026/done" || strings.Contains(loc, fx.tokens[0]) {
		t.Fatalf("ended on %s", loc)
	}
	if rs := fx.sink.Responses(); len(rs) != 1 || rs[0].ID.String() != id {
		t.Fatalf("stored %d responses, want the one with id %s", len(rs), id)
	}
	// The draft, kept per edition, never held the token.
	if err := chromedp.Do(ctx, chromedp.Navigate(link+"&lang=fr")); err != nil {
		t.Fatal(err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(text, "a déjà servi") {
		t.Errorf("the used link: %q", text)
	}
	browsertest.Screenshot(ctx, t, dir, "invitation-used")
	stored, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(localStorage)`))
	if strings.Contains(stored, fx.tokens[0]) {
		t.Errorf("the browser's storage holds the token: %s", stored)
	}
}
