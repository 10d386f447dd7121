package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// readmeExample is an analytics example of the README, written `…/analytics?…`.
var readmeExample = regexp.MustCompile("`…(/analytics[^`]*)`")

// TestReadmeExamplesOnTheDemo runs every analytics example of the README against the demo
// surveys with their seeded responses (`palabre import --demo`, `palabre seed`): each must
// answer 200 with figures, so the README never shows a question the demo lacks.
func TestReadmeExamplesOnTheDemo(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := readmeExample.FindAllStringSubmatch(string(readme), -1)
	if len(examples) < 3 {
		t.Fatalf("found %d analytics examples in the README, want at least 3", len(examples))
	}
	defs, err := demo.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	var forms []*survey.Form
	var editions []survey.Edition
	store := analyticstest.NewStore()
	for _, d := range defs {
		forms, editions = append(forms, d.Form), append(editions, d.Editions...)
		err := seed.Generate([]*survey.Compiled{d.Compiled}, d.Editions, seed.Options{Seed: 1, Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
			func(r *survey.Response) error { store.Add(r); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	web.Register(r, web.Config{Catalog: surveytest.NewCatalog(forms, editions...), Store: store, Gate: accounts().gate})
	for _, ex := range examples {
		url := "/api/v1/surveys/partners-meeting" + ex[1]
		t.Run(ex[1], func(t *testing.T) {
			w := get(r, url)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d %s", url, w.Code, w.Body)
			}
			var body struct {
				Cells []struct {
					N *int `json:"n"`
				} `json:"cells"`
				Responses []struct {
					N       *int     `json:"n"`
					Invited int      `json:"invited"`
					Rate    *float64 `json:"rate"`
				} `json:"responses"`
				Comments *struct {
					List []json.RawMessage `json:"list"`
				} `json:"comments"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			shown := 0
			for _, c := range body.Cells {
				if c.N != nil {
					shown++
				}
			}
			for _, c := range body.Responses {
				if c.N != nil {
					shown++
				}
				if c.Rate != nil && *c.Rate > 1 {
					t.Errorf("a response rate of %.0f %% (%d of %d invited)", *c.Rate*100, *c.N, c.Invited)
				}
			}
			if shown == 0 {
				t.Errorf("GET %s shows no figure: %.600s", url, w.Body)
			}
			if body.Comments != nil && len(body.Comments.List) == 0 {
				t.Errorf("GET %s shows no comment: %.600s", url, w.Body)
			}
		})
	}
}
