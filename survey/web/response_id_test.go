package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// idFixture serves a form with a question named "id", as XLSForms often have (a child's or
// a household's identifier): the page's own response id must not take its answer.
func idFixture(t *testing.T, withQuestion bool) *fixture {
	t.Helper()
	T := surveytest.T
	b := surveytest.NewForm("registry", T("Registre", "Registry", "Registro"))
	if withQuestion {
		b = b.Question(survey.Question{Key: "id", Type: survey.ShortText, Label: T("Identifiant de l'enfant", "Child's identifier", "Identificador del niño")})
	}
	form := b.Question(survey.Question{Key: "age", Type: survey.Number, Integer: true, Label: T("Âge", "Age", "Edad")}).Build()
	return formFixture(t, form)
}

func registryValues() url.Values {
	return url.Values{"profile.country": {"PE"}, "profile.organisation": {"Kallpa"}, "profile.role": {"psychologist"},
		"profile.language": {"es"}, "age": {"11"}}
}

// TestQuestionNamedID: the answer to a question named "id" is stored as an answer, and the
// response id comes from the page's own field. A page served by an earlier version (its
// field named "id") still sends its response under its id when no question has that name.
func TestQuestionNamedID(t *testing.T) {
	fx := idFixture(t, true)
	if body := get(fx, "/s/registry/2026", nil).Body.String(); strings.Count(body, `name="id"`) != 1 || !idRE.MatchString(body) {
		t.Fatalf("the page should have the question's field once and its own response id field:\n%s", body)
	}
	rid := survey.NewResponseID().String()
	v := registryValues()
	v.Set(web.ResponseIDField, rid)
	v.Set("id", "PE-0042")
	if w := postFormTo(fx, "/s/registry/2026", v); w.Code != http.StatusSeeOther {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	rs := fx.sink.Responses()
	if len(rs) != 1 || rs[0].ID.String() != rid || surveytest.Answers(rs[0])["id"].Text != "PE-0042" {
		t.Fatalf("stored %d responses: %+v", len(rs), rs)
	}

	earlier := idFixture(t, false)
	rid = survey.NewResponseID().String()
	v = registryValues()
	v.Set("id", rid)
	if w := postFormTo(earlier, "/s/registry/2026", v); w.Code != http.StatusSeeOther {
		t.Fatalf("a page of an earlier version: status %d: %s", w.Code, w.Body)
	}
	// Sent again (a retry on a poor connection): the same response, not a second one.
	if w := postFormTo(earlier, "/s/registry/2026", v); w.Code != http.StatusSeeOther {
		t.Fatalf("the same page sent again: status %d", w.Code)
	}
	if rs := earlier.sink.Responses(); len(rs) != 1 || rs[0].ID.String() != rid {
		t.Fatalf("a page of an earlier version: %d responses stored, want 1 under %s", len(rs), rid)
	}
}

// TestBrowserQuestionNamedID answers the form in Chromium, with and without JavaScript (the
// script keeps drafts and reads the response id by its field's name).
func TestBrowserQuestionNamedID(t *testing.T) {
	for _, noJS := range []bool{false, true} {
		t.Run(map[bool]string{false: "javascript", true: "no-javascript"}[noJS], func(t *testing.T) {
			fx := idFixture(t, true)
			srv := fx.server(t)
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: noJS})
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/registry/2026?lang=es"),
				browsertest.Fill(browsertest.F("profile.country", "PE"), browsertest.F("profile.organisation", "Kallpa"),
					browsertest.F("profile.role", "psychologist"), browsertest.F("id", "PE-0042"), browsertest.F("age", "11"))); err != nil {
				t.Fatal(err)
			}
			rid, err := browsertest.Value(ctx, web.ResponseIDField)
			if err != nil || rid == "" {
				t.Fatalf("the page's response id: %q %v", rid, err)
			}
			if err := chromedp.Do(ctx, browsertest.Submit()); err != nil {
				t.Fatal(err)
			}
			rs := fx.sink.Responses()
			if len(rs) != 1 || rs[0].ID.String() != rid || surveytest.Answers(rs[0])["id"].Text != "PE-0042" {
				t.Fatalf("stored %d responses, want 1 under %s answering id = PE-0042: %+v", len(rs), rid, rs)
			}
		})
	}
}
