package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// answers fills the whole feedback form: with "other" among the sessions, which shows the
// "other" text field, and the follow-up group filled before "attended" turns to "no",
// which hides the group again.
var answers = []browsertest.Field{
	browsertest.F("profile.country", "MG"),
	browsertest.F("profile.organisation", "Grandir Dignement"),
	browsertest.F("profile.role", "lawyer"),
	browsertest.F("attended", "yes"),
	browsertest.F("sessions", "field_visits", "other"),
	browsertest.F("sessions_other", "Théâtre forum"),
	browsertest.F("organisation", "strongly_agree"),
	browsertest.F("topics.child_protection", "very_useful"),
	browsertest.F("topics.family_support", "useful"),
	browsertest.F("topics.advocacy", "not_useful"),
	browsertest.F("recommend", "10"),
	browsertest.F("format", "hybrid"),
	browsertest.F("families", "12"),
	browsertest.F("first_action", "2026-01-15"),
	browsertest.F("improve", "Plus de temps d'échange.\nEt des traductions."),
	browsertest.F("one_word", "Élan"),
	browsertest.F("attended", "no"),
}

func TestBrowserSubmit(t *testing.T) {
	dir := browsertest.Dir(t)
	for _, tt := range []struct {
		name string
		noJS bool
	}{{"javascript", false}, {"no-javascript", true}} {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			srv := fx.server(t)
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/meeting/2026?lang=fr")); err != nil {
				t.Fatal(err)
			}
			shown, err := browsertest.Shown(ctx, "sessions_other")
			if err != nil || shown != tt.noJS {
				t.Errorf("the 'other' field is shown: %v (%v); want it shown only without JavaScript", shown, err)
			}
			browsertest.Screenshot(ctx, t, dir, "form-"+tt.name)
			if err := chromedp.Do(ctx, browsertest.Fill(answers...)); err != nil {
				t.Fatal(err)
			}
			if !tt.noJS {
				if shown, _ := browsertest.Shown(ctx, "followup"); shown {
					t.Error("the follow-up group is still shown after answering no")
				}
			}
			if err := chromedp.Do(ctx, browsertest.Submit()); err != nil {
				t.Fatal(err)
			}
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			u, _ := url.Parse(loc)
			if u == nil || u.Path != "/s/meeting/2026/done" {
				t.Fatalf("ended on %s", loc)
			}
			rs := fx.sink.Responses()
			if len(rs) != 1 {
				t.Fatalf("%d responses stored", len(rs))
			}
			r, a := rs[0], surveytest.Answers(rs[0])
			if r.ID.String() != u.Query().Get("id") || r.Country != "MG" || r.Organisation != "Grandir Dignement" || r.Language != "fr" {
				t.Errorf("stored %+v", r)
			}
			got := strings.Join(surveytest.Keys(r), " ")
			want := "attended format improve one_word organisation recommend sessions sessions_other topics.advocacy topics.child_protection topics.family_support"
			if got != want {
				t.Errorf("answers %s\nwant    %s", got, want)
			}
			if a["sessions_other"].Text != "Théâtre forum" || a["recommend"].Num != 10 || a["improve"].Text != "Plus de temps d'échange.\nEt des traductions." ||
				strings.Join(a["sessions"].Choices, ",") != "field_visits,other" {
				t.Errorf("answers %+v", a)
			}
			if !tt.noJS {
				draft, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`localStorage.getItem('palabre:meeting/2026') === null`))
				if err != nil || !draft {
					t.Errorf("the draft is still kept after the thank-you page (%v)", err)
				}
			}
			browsertest.Screenshot(ctx, t, dir, "thanks-"+tt.name)
		})
	}
}

func TestBrowserErrors(t *testing.T) {
	dir := browsertest.Dir(t)
	for _, tt := range []struct {
		name string
		noJS bool
	}{{"javascript", false}, {"no-javascript", true}} {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			srv := fx.server(t)
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			if _, err := browsertest.FillAndSubmit(ctx, srv.URL+"/s/meeting/2026?lang=en",
				browsertest.F("profile.organisation", "<b>Kallpa</b>"),
				browsertest.F("attended", "yes"),
				browsertest.F("sessions", "workshops", "other"),
				browsertest.F("topics.family_support", "useful"),
				browsertest.F("recommend", "7"),
				browsertest.F("first_action", "2099-01-01"),
			); err != nil {
				t.Fatal(err)
			}
			summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#errors")))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Some answers need correcting.", "Country", "Which other session?", "The date cannot be in the future."} {
				if !strings.Contains(summary, want) {
					t.Errorf("the summary lacks %q:\n%s", want, summary)
				}
			}
			for name, want := range map[string]string{"profile.organisation": "<b>Kallpa</b>", "topics.family_support": "useful", "recommend": "7"} {
				if got, _ := browsertest.Value(ctx, name); got != want {
					t.Errorf("%s is %q after the errors, want %q", name, got, want)
				}
			}
			if !tt.noJS {
				focus, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
				if focus != "errors" {
					t.Errorf("focus on %q, want the error summary", focus)
				}
			}
			browsertest.Screenshot(ctx, t, dir, "errors-"+tt.name)
			if len(fx.sink.Responses()) != 0 {
				t.Error("an invalid response was stored")
			}
		})
	}
}

// TestBrowserDraft checks that what is typed survives a reload and a new visit, with the
// response id, so that sending it later makes the same response.
func TestBrowserDraft(t *testing.T) {
	fx := newFixture(t)
	srv := fx.server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	page := srv.URL + "/s/meeting/2026"
	if err := chromedp.Do(ctx, chromedp.Navigate(page), browsertest.Fill(
		browsertest.F("profile.organisation", "Kallpa"),
		browsertest.F("sessions", "other"),
		browsertest.F("sessions_other", "Radio"),
		browsertest.F("topics.advocacy", "useful"),
	)); err != nil {
		t.Fatal(err)
	}
	id, _ := browsertest.Value(ctx, web.ResponseIDField)
	for _, step := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
	}{{"reload", chromedp.Reload()}, {"new visit", chromedp.Navigate(page + "?lang=es")}} {
		if err := chromedp.Do(ctx, step.action); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{web.ResponseIDField: id, "profile.organisation": "Kallpa", "sessions_other": "Radio", "topics.advocacy": "useful"} {
			if got, _ := browsertest.Value(ctx, name); got != want {
				t.Errorf("after %s, %s is %q, want %q", step.name, name, got, want)
			}
		}
		if shown, _ := browsertest.Shown(ctx, "sessions_other"); !shown {
			t.Errorf("after %s, the 'other' field is hidden", step.name)
		}
	}
}

// TestBrowserDemo takes screenshots of a demo survey's form on a phone and on a laptop.
func TestBrowserDemo(t *testing.T) {
	dir := browsertest.Dir(t)
	srv := newDemoFixture(t).server(t)
	for _, tt := range []struct {
		name  string
		width int
	}{{"demo-form", 0}, {"demo-form-wide", 1024}} {
		ctx := browsertest.NewContext(t, browsertest.Options{Width: tt.width})
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/partners-meeting/2026?lang=es"),
			browsertest.Fill(browsertest.F("first_meeting", "yes"))); err != nil {
			t.Fatal(err)
		}
		if shown, _ := browsertest.Shown(ctx, "newcomers"); !shown {
			t.Error("the newcomers' group is hidden after a first meeting")
		}
		// Nothing is wider than the screen.
		if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); wide {
			t.Errorf("%s: the page scrolls sideways", tt.name)
		}
		browsertest.Screenshot(ctx, t, dir, tt.name)
	}
}

// dropPosts is a server that drops the connection of every POST while down, as a lost
// network does.
type dropPosts struct {
	h    http.Handler
	down atomic.Bool
}

func (d *dropPosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.down.Load() && r.Method == http.MethodPost {
		panic(http.ErrAbortHandler)
	}
	d.h.ServeHTTP(w, r)
}

// TestBrowserOffline sends a form while the connection is lost: the page stays, says
// that nothing is lost, and sending again once the connection is back stores it once.
func TestBrowserOffline(t *testing.T) {
	fx := newFixture(t)
	net := &dropPosts{h: fx.engine}
	srv := httptest.NewServer(net)
	t.Cleanup(srv.Close)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/meeting/2026?lang=es"), browsertest.Fill(answers...)); err != nil {
		t.Fatal(err)
	}
	id, _ := browsertest.Value(ctx, web.ResponseIDField)
	net.down.Store(true)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#survey [type=submit]")), chromedp.WaitVisible(chromedp.CSS("#offline"))); err != nil {
		t.Fatal(err)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#offline")))
	if !strings.Contains(msg, "no se ha perdido nada") {
		t.Errorf("offline message %q", msg)
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "offline")
	if got, _ := browsertest.Value(ctx, "profile.organisation"); got != "Grandir Dignement" {
		t.Errorf("the form lost its values: organisation %q", got)
	}
	net.down.Store(false)
	if err := chromedp.Do(ctx, browsertest.Submit()); err != nil {
		t.Fatal(err)
	}
	if rs := fx.sink.Responses(); len(rs) != 1 || rs[0].ID.String() != id {
		t.Errorf("stored %d responses, want the one with id %s", len(rs), id)
	}
}

// TestBrowserNoJavaScriptKeepsRelevantText sends, without JavaScript, one session too many
// with "other" among them and its text: the page shown again keeps the text shown and
// enabled, so correcting the sessions and sending again stores it.
func TestBrowserNoJavaScriptKeepsRelevantText(t *testing.T) {
	fx := newFixture(t)
	srv := fx.server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: true})
	fields := slices.Clone(answers)
	for i, f := range fields {
		if f.Name == "sessions" {
			fields[i] = browsertest.F("sessions", "plenary", "workshops", "field_visits", "other") // at most 3
		}
	}
	if _, err := browsertest.FillAndSubmit(ctx, srv.URL+"/s/meeting/2026?lang=en", fields...); err != nil {
		t.Fatal(err)
	}
	summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#errors")))
	if !strings.Contains(summary, "Choose at most 3 answers.") {
		t.Fatalf("the summary lacks the sessions' problem:\n%s", summary)
	}
	shown, _ := browsertest.Shown(ctx, "sessions_other")
	text, _ := browsertest.Value(ctx, "sessions_other")
	disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementsByName('sessions_other')[0].disabled`))
	if !shown || disabled || text != "Théâtre forum" {
		t.Errorf("the 'other' text after the errors: shown %v, disabled %v, %q; want shown and enabled with its text", shown, disabled, text)
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "errors-other-no-javascript")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[name="sessions"][value="plenary"]`)), browsertest.Submit()); err != nil {
		t.Fatal(err)
	}
	rs := fx.sink.Responses()
	if len(rs) != 1 {
		t.Fatalf("%d responses stored after correcting the sessions", len(rs))
	}
	if a := surveytest.Answers(rs[0]); a["sessions_other"].Text != "Théâtre forum" || strings.Join(a["sessions"].Choices, ",") != "workshops,field_visits,other" {
		t.Errorf("stored sessions %v and 'other' %q", a["sessions"].Choices, a["sessions_other"].Text)
	}
}
