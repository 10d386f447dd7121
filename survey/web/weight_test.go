package web_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// demoNow falls in the partners' meeting 2026 edition, open from October 2026 to January
// 2027.
var demoNow = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// newDemoFixture serves the demo surveys, as `palabre serve` does with its demo data.
func newDemoFixture(t testing.TB) *fixture {
	t.Helper()
	defs, err := demo.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{catalog: &surveytest.Catalog{}, sink: &surveytest.Sink{}}
	ctx := t.Context()
	for _, d := range defs {
		if err := fx.catalog.SaveForm(ctx, d.Form); err != nil {
			t.Fatal(err)
		}
		for _, e := range d.Editions {
			if err := fx.catalog.SaveEdition(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: fx.sink, Now: func() time.Time { return demoNow }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	fx.engine = gin.New()
	forms.Register(fx.engine)
	return fx
}

// maxPageWeight is what a participant on a slow connection downloads for a form: the page,
// its style sheet and its script, as transferred (gzip).
const maxPageWeight = 60 << 10

func TestPageWeight(t *testing.T) {
	fx := newDemoFixture(t)
	for _, lang := range []string{survey.French, survey.English, survey.Spanish} {
		page := get(fx, "/s/partners-meeting/2026?lang="+lang, nil)
		if page.Code != http.StatusOK {
			t.Fatalf("%s: %d", lang, page.Code)
		}
		urls := []string{"/s/partners-meeting/2026?lang=" + lang}
		for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page.Body.String(), -1) {
			urls = append(urls, m[1])
		}
		if len(urls) != 3 {
			t.Fatalf("the page links to %v, want one style sheet and one script", urls[1:])
		}
		raw, transferred := 0, 0
		for _, u := range urls {
			raw += get(fx, u, nil).Body.Len()
			w := get(fx, u, http.Header{"Accept-Encoding": {"gzip"}})
			if w.Header().Get("Content-Encoding") != "gzip" {
				t.Errorf("%s is not compressed", u)
			}
			transferred += w.Body.Len()
		}
		t.Logf("partners-meeting form in %s: %d bytes transferred (gzip), %d uncompressed", lang, transferred, raw)
		if transferred > maxPageWeight {
			t.Errorf("%s: %d bytes transferred, more than %d", lang, transferred, maxPageWeight)
		}
	}
}
