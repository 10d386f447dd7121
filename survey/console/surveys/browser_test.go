package surveys_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// click clicks sel and waits for the page that answers.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		body, err := chromedp.Nodes(chromedp.CSS("body"))(ctx, t)
		if err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, dom.SetAttributeValue, dom.SetAttributeValueParams{NodeID: body[0].NodeID, Name: "data-left", Value: "1"}); err != nil {
			return err
		}
		if _, err := chromedp.Click(chromedp.CSS(sel))(ctx, t); err != nil {
			return err
		}
		_, err = chromedp.WaitReady(chromedp.CSS(`body:not([data-left]) main`))(ctx, t)
		return err
	})
}

// fits reports whether the page is no wider than the screen (tables scroll inside their
// own box).
func fits(ctx context.Context) (bool, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
}

// A coordinator on a 360 px phone, without JavaScript, uploads the demo workbook, opens an
// edition and previews the form; every page fits the screen.
func TestBrowserPhone(t *testing.T) {
	dir := browsertest.Dir(t)
	fx := newFixture(t)
	fx.h.AddUser(t, "ana@example.org", access.Coordinator)
	// The console and the participant pages on one server, as palabre serve runs them.
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: &surveytest.Sink{}})
	if err != nil {
		t.Fatal(err)
	}
	engine := gin.New()
	fx.h.Console.Register(engine)
	forms.Register(engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	workbook := filepath.Join(t.TempDir(), "partners-meeting.xlsx")
	if err := os.WriteFile(workbook, demoFile(t, "partners-meeting.xlsx"), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: true})
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ok, err := fits(ctx); err != nil || !ok {
			t.Errorf("%s: the page is wider than the screen (%v)", name, err)
		}
		browsertest.Screenshot(ctx, t, dir, "console-"+name)
	}
	step("login", chromedp.Navigate(srv.URL+"/console/login?lang=en"),
		browsertest.Fill(browsertest.F("email", "ana@example.org"), browsertest.F("password", consoletest.Password)),
		click(`form[action="/console/login"] [type=submit]`))
	step("surveys", chromedp.Navigate(srv.URL+"/console/surveys"))
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(badYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	step("problems", chromedp.SetUploadFiles(chromedp.CSS(`#definition`), []string{bad}), click(`#upload [type=submit]`))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.problems tbody tr').length`)); err != nil || n != 3 {
		t.Errorf("the problems page lists %d problems (%v), want 3", n, err)
	}
	step("uploaded", chromedp.SetUploadFiles(chromedp.CSS(`#definition`), []string{workbook}), click(`#upload [type=submit]`))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if want := srv.URL + "/console/surveys/partners-meeting?done=surveys_uploaded"; loc != want {
		t.Fatalf("after the upload: %s, want %s", loc, want)
	}
	all, _ := fx.catalog.Surveys(context.Background())
	var editions []survey.Edition
	for _, s := range all {
		if s.ID == "partners-meeting" {
			editions = s.Editions
		}
	}
	if len(editions) == 0 {
		t.Fatal("the workbook's editions were not saved")
	}
	last := editions[len(editions)-1]
	page := fmt.Sprintf("%s/console/surveys/partners-meeting/editions/%d", srv.URL, last.Year)
	step("edition", chromedp.Navigate(page))
	if last.StatusAt(fx.h.Console.Now()) != survey.StatusOpen {
		step("opened", click(`form[action$="/open"] [type=submit]`))
		if e := fx.edition(t, "partners-meeting", last.Year); e.StatusAt(fx.h.Console.Now()) != survey.StatusOpen {
			t.Fatalf("edition %d not open: %+v", last.Year, e)
		}
	}
	step("meeting", chromedp.Navigate(srv.URL+"/console/surveys/meeting/editions/"+strconv.Itoa(fx.year)+"?lang=fr"))
	step("preview", chromedp.Navigate(srv.URL+"/console/surveys/partners-meeting/preview?lang=en"))
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#survey [type=submit]').disabled && !document.getElementById('survey').hasAttribute('action')`))
	if err != nil || !disabled {
		t.Errorf("the preview can be sent (%v)", err)
	}
}
