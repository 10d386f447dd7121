package web_test

import (
	"net/http"
	"net/url"
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

// cascadeForm has calculations (one shown, one not, one that shows a note through skip
// logic) and a cascading select: the cities offered depend on the country.
func cascadeForm() *survey.Form {
	T := surveytest.T
	cities := []survey.Choice{
		{Key: "dakar", Label: T("Dakar", "Dakar", "Dakar"), Columns: map[string]string{"country": "SN"}},
		{Key: "thies", Label: T("Thiès", "Thiès", "Thiès"), Columns: map[string]string{"country": "SN"}},
		{Key: "bamako", Label: T("Bamako", "Bamako", "Bamako"), Columns: map[string]string{"country": "ML"}},
		{Key: "other", Label: T("Ailleurs", "Elsewhere", "Otro lugar")},
	}
	return surveytest.NewForm("cascade", T("Ménages", "Households", "Hogares")).
		Question(survey.Question{Key: "adults", Type: survey.Number, Integer: true, Label: T("Adultes", "Adults", "Adultos")}).
		Question(survey.Question{Key: "children", Type: survey.Number, Integer: true, Label: T("Enfants", "Children", "Niños")}).
		Question(survey.Question{Key: "household", Type: survey.Calculate, Label: T("Taille du ménage", "Household size", "Tamaño del hogar"),
			Calculation: "${adults} + coalesce(${children}, 0)"}).
		Question(survey.Question{Key: "size", Type: survey.Calculate, Calculation: "if(${household} > 4, 'large', 'small')"}).
		Question(survey.Question{Key: "large_note", Type: survey.Note, Label: T("Grand ménage", "Large household", "Hogar grande"),
			Relevant: "${size} = 'large'"}).
		Question(survey.Question{Key: "country", Type: survey.SingleChoice, Label: T("Pays", "Country", "País"), Choices: []survey.Choice{
			{Key: "SN", Label: T("Sénégal", "Senegal", "Senegal")}, {Key: "ML", Label: T("Mali", "Mali", "Malí")}}}).
		Question(survey.Question{Key: "city", Type: survey.SingleChoice, Label: T("Ville", "City", "Ciudad"), Choices: cities,
			ChoiceFilter: "country = ${country} or name = 'other'"}).
		Question(survey.Question{Key: "visited", Type: survey.MultipleChoice, Label: T("Villes visitées", "Cities visited", "Ciudades visitadas"),
			Choices: cities, ChoiceFilter: "country = ${country}"}).
		Question(survey.Question{Key: "summary", Type: survey.Calculate, Label: T("Résumé", "Summary", "Resumen"),
			Calculation: "concat(${city}, ' + ', count-selected(${visited}))"}).
		Build()
}

func cascadeFixture(t testing.TB) *fixture {
	t.Helper()
	day := 24 * time.Hour
	fx := &fixture{catalog: surveytest.NewCatalog([]*survey.Form{cascadeForm()},
		surveytest.Edition("cascade", 2026, "Dakar", now.Add(-30*day), now.Add(60*day))), sink: &surveytest.Sink{}}
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: fx.sink, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	fx.engine = gin.New()
	fx.engine.Use(web.RequestIDs(), web.NoSniff(), web.LimitBody(maxBody))
	forms.Register(fx.engine)
	return fx
}

func cascadeValues(lang string) url.Values {
	return url.Values{web.ResponseIDField: {survey.NewResponseID().String()}, "profile.country": {"SN"}, "profile.organisation": {"Samusocial"},
		"profile.role": {"psychologist"}, "profile.language": {lang},
		"adults": {"2"}, "children": {"3"}, "country": {"SN"}, "city": {"thies"}, "visited": {"dakar", "thies"}}
}

// TestPostCalculateStoresTheServersValue sends a value for a calculate question, as a
// client might: the server ignores it and stores its own.
func TestPostCalculateStoresTheServersValue(t *testing.T) {
	fx := cascadeFixture(t)
	v := cascadeValues("fr")
	v.Set("household", "99")
	if w := postFormTo(fx, "/s/cascade/2026", v); w.Code != http.StatusSeeOther {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	a := surveytest.Answers(fx.sink.Responses()[0])
	if h := a["household"]; h.Text != "5" || !h.HasNum || h.Num != 5 {
		t.Errorf("household = %+v", h)
	}
	if a["size"].Text != "large" || a["size"].HasNum || a["summary"].Text != "thies + 2" {
		t.Errorf("size = %+v, summary = %+v", a["size"], a["summary"])
	}
}

// TestPostChoiceOutsideTheFilter sends a city of another country: refused with 422 and a
// message in the participant's language, on the page shown again with the calculations
// done by the server.
func TestPostChoiceOutsideTheFilter(t *testing.T) {
	fx := cascadeFixture(t)
	for lang, want := range map[string]string{
		"fr": "Le choix « bamako » ne correspond pas à vos réponses précédentes",
		"en": "The choice “bamako” does not match your earlier answers",
		"es": "La opción «bamako» no corresponde a sus respuestas anteriores",
	} {
		v := cascadeValues(lang)
		v.Set("city", "bamako")
		w := postFormTo(fx, "/s/cascade/2026", v)
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d", lang, w.Code)
		}
		body := w.Body.String()
		for _, s := range []string{want, `<p class="err" id="q-city-err">`, `<output id="q-household" data-calc="household" aria-live="polite">5</output>`,
			`<output id="q-summary" data-calc="summary" aria-live="polite">bamako &#43; 2</output>`} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the page lacks %s", lang, s)
			}
		}
	}
	if n := len(fx.sink.Responses()); n != 0 {
		t.Errorf("%d responses stored", n)
	}
}

// TestCascadePageWithoutScript checks what a page read without script says: every city,
// with the filter explained, and where the calculated value will come from.
func TestCascadePageWithoutScript(t *testing.T) {
	fx := cascadeFixture(t)
	w := get(fx, "/s/cascade/2026?lang=en", nil)
	body := w.Body.String()
	for _, s := range []string{
		`<p class="cond" id="q-city-cond">Only the choices that go with your answer to: Country apply.</p>`,
		`name="city" value="bamako"`, `name="city" value="dakar"`,
		`<label class="ql" for="q-household">Household size</label>`,
		`<output id="q-household" data-calc="household" aria-live="polite"></output><span class="cond">Calculated from your answers when you send the form.</span>`,
		`"calculation":["op","+",["ref","adults"]`, `"filter":["op","or",["op","=",["col","country"],["ref","country"]]`,
		`"columns":{"bamako":{"country":"ML","name":"bamako"}`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %s", s)
		}
	}
	if strings.Contains(body, `data-calc="size"`) {
		t.Error("a calculation without a label is shown")
	}
}

// TestBrowserCalculateAndCascade answers the form in Chromium with and without JavaScript.
// With it, the calculated values appear as the participant types and the cities of another
// country are not offered; without it, a city of another country is refused and the page
// shown again holds the server's calculations. Both store the server's values.
func TestBrowserCalculateAndCascade(t *testing.T) {
	for _, tt := range []struct {
		name string
		noJS bool
	}{{"javascript", false}, {"no-javascript", true}} {
		t.Run(tt.name, func(t *testing.T) {
			fx := cascadeFixture(t)
			srv := fx.server(t)
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/cascade/2026?lang=en"),
				browsertest.Fill(browsertest.F("profile.country", "SN"), browsertest.F("profile.organisation", "Samusocial"),
					browsertest.F("profile.role", "lawyer"), browsertest.F("adults", "2"), browsertest.F("children", "3"),
					browsertest.F("country", "SN"))); err != nil {
				t.Fatal(err)
			}
			if !tt.noJS {
				out, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#q-household")))
				note, _ := browsertest.Shown(ctx, "large_note")
				if out != "5" || !note {
					t.Errorf("live: household %q, the large-household note shown %v", out, note)
				}
				bamako, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { var e = document.querySelector('[name=city][value=bamako]'); return e.disabled && e.parentNode.hidden; })()`))
				dakar, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { var e = document.querySelector('[name=city][value=dakar]'); return !e.disabled && !e.parentNode.hidden; })()`))
				if !bamako || !dakar {
					t.Errorf("bamako ruled out: %v, dakar offered: %v", bamako, dakar)
				}
			} else {
				if err := chromedp.Do(ctx, browsertest.Fill(browsertest.F("city", "bamako")), browsertest.Submit()); err != nil {
					t.Fatal(err)
				}
				summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#errors")))
				out, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#q-household")))
				if !strings.Contains(summary, "does not match your earlier answers") || out != "5" {
					t.Errorf("after a city of another country: summary %q, household %q", summary, out)
				}
			}
			if err := chromedp.Do(ctx, browsertest.Fill(browsertest.F("city", "thies"), browsertest.F("visited", "dakar", "thies")),
				browsertest.Submit()); err != nil {
				t.Fatal(err)
			}
			rs := fx.sink.Responses()
			if len(rs) != 1 {
				t.Fatalf("%d responses stored", len(rs))
			}
			a := surveytest.Answers(rs[0])
			if a["household"].Num != 5 || a["size"].Text != "large" || a["city"].Text != "thies" || a["summary"].Text != "thies + 2" ||
				strings.Join(a["visited"].Choices, ",") != "dakar,thies" {
				t.Errorf("stored %+v", a)
			}
		})
	}
}
