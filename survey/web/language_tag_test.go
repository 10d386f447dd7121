package web_test

import (
	"html"
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

// kreyolFixture serves a form in French and in a language of its own tag, kreyol-ayisyen,
// as an XLSForm's label::Kreyòl ayisyen column makes it.
func kreyolFixture(t *testing.T) *fixture {
	t.Helper()
	const k = "kreyol-ayisyen"
	f := &survey.Form{SurveyID: "kreyol", Version: 1, Title: survey.Text{"fr": "Enquête", k: "Ankèt"},
		DefaultLanguage: "fr", Languages: []string{"fr", k},
		Profile: survey.Profile{Countries: []string{"HT", "SN"}, Roles: survey.DefaultRoles},
		Sections: []survey.Section{{Questions: []survey.Question{
			{Key: "name", Type: survey.ShortText, Label: survey.Text{"fr": "Votre nom", k: "Non ou"}},
		}}}}
	return formFixture(t, f)
}

// formFixture serves form f, whose 2026 edition is open.
func formFixture(t *testing.T, f *survey.Form) *fixture {
	t.Helper()
	if _, err := survey.Compile(f); err != nil {
		t.Fatal(err)
	}
	cat := surveytest.NewCatalog([]*survey.Form{f}, survey.Edition{SurveyID: f.SurveyID, Year: 2026, FormVersion: f.Version})
	fx := &fixture{catalog: cat, sink: &surveytest.Sink{}}
	forms, err := web.NewForms(web.FormsConfig{Catalog: cat, Sink: fx.sink, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	fx.engine = gin.New()
	forms.Register(fx.engine)
	return fx
}

// A participant page in a language of the form's own tag renders in it, with the language
// switcher naming it; Accept-Language picks it, and anything else falls back to the
// default language; a response in it is accepted.
func TestOwnLanguageTag(t *testing.T) {
	fx := kreyolFixture(t)
	for _, tt := range []struct {
		path, accept, want string
	}{
		{"/s/kreyol/2026?lang=kreyol-ayisyen", "", "kreyol-ayisyen"},
		{"/s/kreyol/2026", "kreyol-ayisyen, fr;q=0.5", "kreyol-ayisyen"},
		{"/s/kreyol/2026", "KREYOL-AYISYEN;q=0.9,en;q=0.8", "kreyol-ayisyen"},
		{"/s/kreyol/2026", "ht, kreyol;q=0.9", "fr"},
		{"/s/kreyol/2026?lang=kreyol", ",;q=x,-,kreyol-;q=,\xff", "fr"},
		{"/s/kreyol/2026?lang=" + url.QueryEscape("kreyol-ayisyen\x00"), "", "fr"},
	} {
		w := get(fx, tt.path, http.Header{"Accept-Language": {tt.accept}})
		if w.Code != http.StatusOK {
			t.Fatalf("%s (%q): status %d", tt.path, tt.accept, w.Code)
		}
		body := w.Body.String()
		label := map[string]string{"fr": "Votre nom", "kreyol-ayisyen": "Non ou"}[tt.want]
		if !strings.Contains(body, `<html lang="`+tt.want+`"`) || !strings.Contains(body, label) {
			t.Errorf("%s (%q): not in %s", tt.path, tt.accept, tt.want)
		}
		for _, link := range []string{`href="/s/kreyol/2026?lang=kreyol-ayisyen"`, `href="/s/kreyol/2026?lang=fr"`, ">Kreyol ayisyen<", ">Français<"} {
			if !strings.Contains(html.UnescapeString(body), link) {
				t.Errorf("%s: the language switcher lacks %s", tt.path, link)
			}
		}
	}
	w := get(fx, "/s/kreyol/2026?lang=kreyol-ayisyen", nil)
	m := idRE.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("the form has no response id")
	}
	v := url.Values{web.ResponseIDField: {m[1]}, "profile.country": {"HT"}, "profile.organisation": {"Fondasyon"},
		"profile.role": {"psychologist"}, "profile.language": {"kreyol-ayisyen"}, "name": {"Jan"}}
	req, _ := http.NewRequest(http.MethodPost, "/s/kreyol/2026", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	fx.engine.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("post: %d %s", rec.Code, rec.Body)
	}
	if rs := fx.sink.Responses(); len(rs) != 1 || rs[0].Language != "kreyol-ayisyen" {
		t.Errorf("stored %+v", rs)
	}
}
