package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// previewServer serves Preview of form at /preview/:survey beside the participant routes.
func previewServer(t *testing.T, form *survey.Form) *gin.Engine {
	t.Helper()
	forms, err := web.NewForms(web.FormsConfig{Catalog: surveytest.Seed("meeting", now), Sink: &surveytest.Sink{}})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	e := gin.New()
	forms.Register(e)
	e.GET("/preview/:survey", func(c *gin.Context) {
		if err := forms.Preview(c, form, "/console/surveys/"+form.SurveyID); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
		}
	})
	return e
}

func TestPreview(t *testing.T) {
	form := surveytest.FeedbackForm("meeting")
	form.Version = 4
	e := previewServer(t, form)
	req := httptest.NewRequest(http.MethodGet, "/preview/meeting?lang=en", nil)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		`<html lang="en">`, "<title>Preview: Partners&#39; meeting</title>", `class="preview"`, "it cannot be sent from here",
		`href="/console/surveys/meeting">Leave the preview`, "Form version 4",
		`id="survey" novalidate`, "data-preview", `<button type="submit" disabled>`,
		"Which sessions were most useful to you?", `data-g="followup"`,
		// the language links stay on the preview
		`href="/preview/meeting?lang=es"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	for _, not := range []string{`method="post"`, "action="} {
		if strings.Contains(body, not) {
			t.Errorf("preview has %q", not)
		}
	}
	if got := w.Header().Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
		t.Errorf("CSP %q", got)
	}

	// A form that does not compile is an error, and nothing is written.
	bad := surveytest.FeedbackForm("meeting")
	bad.Sections[0].Questions[0].Relevant = "${nowhere} = 1"
	e = previewServer(t, bad)
	w = httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/preview/meeting", nil))
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "nowhere") {
		t.Fatalf("bad form: %d %s", w.Code, w.Body)
	}
}

// The participant's page keeps its action, method and enabled button.
func TestFormPageIsNoPreview(t *testing.T) {
	fx := newFixture(t)
	w := get(fx, "/s/meeting/2026", nil)
	body := w.Body.String()
	for _, want := range []string{`<form method="post" action="/s/meeting/2026" id="survey"`, `<button type="submit">`} {
		if !strings.Contains(body, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	for _, not := range []string{"data-preview", `class="preview"`} {
		if strings.Contains(body, not) {
			t.Errorf("form page has %q", not)
		}
	}
}

// With its script, the preview applies skip logic, keeps no draft and sends nothing.
func TestBrowserPreview(t *testing.T) {
	e := previewServer(t, surveytest.FeedbackForm("meeting"))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/preview/meeting?lang=en"),
		browsertest.Fill(browsertest.F("attended", "yes"), browsertest.F("sessions", "other"))); err != nil {
		t.Fatal(err)
	}
	if shown, err := browsertest.Shown(ctx, "sessions_other"); err != nil || !shown {
		t.Errorf("skip logic: the 'other' field is not shown (%v)", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.setAttribute('data-here', '1'); document.getElementById('survey').requestSubmit(); true`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // time for a navigation or a post to happen, if any did
	stayed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.hasAttribute('data-here') && localStorage.length === 0 && location.search === '?lang=en'`))
	if err != nil || !stayed {
		t.Errorf("the preview kept a draft or was sent (%v)", err)
	}
	browsertest.Screenshot(ctx, t, browsertest.Dir(t), "preview")
}
