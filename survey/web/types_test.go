package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

func ptr(f float64) *float64 { return &f }

// typesFixture serves a survey "visit" whose 2026 edition asks a time, a datetime, a
// position, an acknowledge and a range by quarters.
func typesFixture(t *testing.T) *fixture {
	t.Helper()
	f := surveytest.FeedbackForm("visit")
	l := surveytest.T
	f.Sections = []survey.Section{{Questions: []survey.Question{
		{Key: "consent", Type: survey.Acknowledge, Label: l("J'accepte", "I agree", "Acepto"), Required: true},
		{Key: "arrived", Type: survey.Time, Label: l("Arrivée", "Arrival", "Llegada")},
		{Key: "visit", Type: survey.DateTime, Label: l("Visite", "Visit", "Visita")},
		{Key: "place", Type: survey.Geopoint, Label: l("Lieu", "Place", "Lugar")},
		{Key: "share", Type: survey.Number, Label: l("Part", "Share", "Parte"), Min: ptr(0), Max: ptr(1), Step: ptr(0.25)},
	}}}
	day := 24 * time.Hour
	fx := &fixture{catalog: surveytest.NewCatalog([]*survey.Form{f},
		surveytest.Edition("visit", 2026, "Dakar", now.Add(-day), now.Add(day))), sink: &surveytest.Sink{}}
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: fx.sink, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	fx.engine = gin.New()
	forms.Register(fx.engine)
	return fx
}

func TestXLSFormTypesPage(t *testing.T) {
	fx := typesFixture(t)
	w := get(fx, "/s/visit/2026", nil)
	body := w.Body.String()
	for _, want := range []string{
		`<input type="checkbox" id="q-consent-0" name="consent" value="OK">`, "Je confirme",
		`name="arrived" type="time"`, `name="visit" type="datetime-local"`,
		`name="place" type="text"`, `data-geopoint="Utiliser ma position"`, "Latitude et longitude en degrés décimaux",
		`name="share" type="number" value="" min="0" max="1" step="0.25" inputmode="decimal"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	m := idRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no response id")
	}
	post := func(v url.Values) *httptest.ResponseRecorder {
		v.Set(web.ResponseIDField, m[1])
		for k, val := range map[string]string{"profile.country": "SN", "profile.organisation": "Village Pilote",
			"profile.role": "social_worker", "profile.language": "fr"} {
			v.Set(k, val)
		}
		req := httptest.NewRequest(http.MethodPost, "/s/visit/2026", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		fx.engine.ServeHTTP(w, req)
		return w
	}
	// Typed wrong, each value comes back with its problem in the page's language, and as typed.
	w = post(url.Values{"consent": {"non"}, "arrived": {"9h30"}, "visit": {"demain"}, "place": {"14,69"}, "share": {"0.3"}})
	body = w.Body.String()
	for _, want := range []string{"Cochez la case pour confirmer.", "Saisissez une heure (HH:MM).",
		"Saisissez une date et une heure (AAAA-MM-JJ HH:MM).", "Saisissez une position",
		"La valeur doit aller de 0.25 en 0.25 à partir de 0.", `value="9h30"`, `value="14,69"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page sent back lacks %q (status %d)", want, w.Code)
		}
	}
	if n := len(fx.sink.Responses()); n != 0 {
		t.Fatalf("%d responses stored from a wrong form", n)
	}
	w = post(url.Values{"consent": {"OK"}, "arrived": {"09:30"}, "visit": {"2026-06-15T08:00"}, "place": {"14.69 -17.44"}, "share": {"0.75"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("%d: %s", w.Code, w.Body)
	}
	a := surveytest.Answers(fx.sink.Responses()[0])
	if a["consent"].Text != "OK" || a["arrived"].Text != "09:30" || a["visit"].Text != "2026-06-15T08:00" ||
		a["place"].Text != "14.69 -17.44 0 0" || a["share"].Num != 0.75 {
		t.Errorf("stored %v", a)
	}
}
