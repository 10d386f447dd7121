package dashboard_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
)

// demoSurvey is the demo survey a published dashboard shows in `make run`.
const demoSurvey = "partners-meeting"

var demoOnce struct {
	sync.Once
	builder *reports.Builder
	err     error
}

// demoReport builds the funders' report of the demo dashboard as `palabre import --demo`,
// `palabre seed` and `palabre share --survey partners-meeting` publish it: the demo
// surveys with their seeded responses (seed 1), the default breakdown (country and
// edition), in French, the latest comments only.
func demoReport(t testing.TB, lang string) *reports.Report {
	t.Helper()
	demoOnce.Do(func() {
		defs, err := demo.Definitions()
		if err != nil {
			demoOnce.err = err
			return
		}
		var forms []*survey.Form
		var editions []survey.Edition
		store := analyticstest.NewStore()
		for _, d := range defs {
			forms, editions = append(forms, d.Form), append(editions, d.Editions...)
			err := seed.Generate([]*survey.Compiled{d.Compiled}, d.Editions, seed.Options{Seed: 1, Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
				func(r *survey.Response) error { store.Add(r); return nil })
			if err != nil {
				demoOnce.err = err
				return
			}
		}
		cat := surveytest.NewCatalog(forms, editions...)
		b := reports.NewBuilder(cat, analytics.NewService(cat, store, 5), "v-demo")
		b.Now = func() time.Time { return time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC) }
		demoOnce.builder = b
	})
	if demoOnce.err != nil {
		t.Fatal(demoOnce.err)
	}
	r, err := demoOnce.builder.Build(context.Background(), reports.Request{Survey: demoSurvey, Language: lang,
		Audience: analytics.Funder, MaxComments: publish.CommentsShown})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// keepPage writes a rendered page to the directory PALABRE_DASHBOARD_OUT names, to look
// at; nothing when it is not set.
func keepPage(t testing.TB, name string, page []byte) {
	if dir := os.Getenv("PALABRE_DASHBOARD_OUT"); dir != "" {
		if err := os.WriteFile(dir+"/"+name, page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
