package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

func TestPages(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		name, path, acceptLanguage string
		status                     int
		want, notWant              []string
	}{
		{name: "index", path: "/", acceptLanguage: "en", status: http.StatusOK,
			want: []string{`<html lang="en">`, `href="/s/meeting/2026?lang=en"`, "Partners&#39; meeting 2026", "Open until 14 August 2026"}, notWant: []string{"2025", "2027"}},
		{name: "form in French by default", path: "/s/meeting/2026", status: http.StatusOK,
			want: []string{`<html lang="fr">`, "Rencontre des partenaires", `name="profile.language" value="fr"`, "<option value=\"SN\">Sénégal</option>",
				`<legend>Vous</legend>`, `aria-current="true">Français`}},
		{name: "form from Accept-Language", path: "/s/meeting/2026", acceptLanguage: "es-ES,es;q=0.9,en;q=0.8", status: http.StatusOK,
			want: []string{`<html lang="es">`, "Encuentro de socios", "Marruecos", "Enviar mis respuestas"}},
		{name: "lang parameter first", path: "/s/meeting/2026?lang=en", acceptLanguage: "es", status: http.StatusOK,
			want: []string{`<html lang="en">`, "Which other session?", "Morocco",
				// a hint only written in French shows in French
				"Quelques phrases suffisent."}},
		{name: "closed", path: "/s/meeting/2025?lang=en", status: http.StatusGone,
			want: []string{"Survey closed", "closed since 19 August 2025", `href="/s/meeting/2026?lang=en"`}, notWant: []string{"<form"}},
		{name: "not yet open", path: "/s/meeting/2027", status: http.StatusOK,
			want: []string{"Pas encore ouverte", "ouvre le 11 avril 2027"}, notWant: []string{"<form"}},
		{name: "unknown survey", path: "/s/nope/2026", acceptLanguage: "es", status: http.StatusNotFound,
			want: []string{`<html lang="es">`, "No encontrado", "No existe la encuesta «nope»"}},
		{name: "unknown year", path: "/s/meeting/1990?lang=en", status: http.StatusNotFound, want: []string{"Survey “meeting” has no 1990 edition"}},
		{name: "no such page", path: "/nowhere", acceptLanguage: "en", status: http.StatusNotFound, want: []string{"Page not found."}},
		{name: "thanks", path: "/s/meeting/2026/done?id=6f1c2a34-8d8e-4b1a-9c0e-2f1d3c4b5a69&lang=en", status: http.StatusOK,
			want: []string{"Thank you!", "6f1c2a34-8d8e-4b1a-9c0e-2f1d3c4b5a69", `data-draft="meeting/2026"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(fx, tt.path, http.Header{"Accept-Language": {tt.acceptLanguage}})
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			body := w.Body.String()
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
}

func TestLatestEdition(t *testing.T) {
	fx := newFixture(t)
	w := get(fx, "/s/meeting?lang=es", nil)
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/s/meeting/2026?lang=es" {
		t.Errorf("%d to %q", w.Code, w.Header().Get("Location"))
	}
	if w := get(fx, "/s/nope", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown survey: %d", w.Code)
	}
}

var idRE = regexp.MustCompile(`name="_response_id" value="([0-9a-f-]{36})"`)

// formValues is a complete posted form for the open edition.
func formValues(id string) url.Values {
	v := url.Values{web.ResponseIDField: {id}, "profile.country": {"PE"}, "profile.organisation": {"Kallpa"},
		"profile.role": {"psychologist"}, "profile.language": {"es"}}
	for k, vals := range surveytest.ValidValues() {
		v[k] = vals
	}
	return v
}

// postForm posts v to the test survey's form, as a browser without JavaScript does.
func postForm(fx *fixture, v url.Values) *httptest.ResponseRecorder {
	return postFormTo(fx, "/s/meeting/2026", v)
}

// postFormTo posts v, form-encoded, to the participants' page at path.
func postFormTo(fx *fixture, path string, v url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	fx.engine.ServeHTTP(w, req)
	return w
}

func TestPostForm(t *testing.T) {
	fx := newFixture(t)
	w := get(fx, "/s/meeting/2026", nil)
	m := idRE.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("the form has no response id")
	}
	id := m[1]
	v := formValues(id)
	v.Set("attended", "no") // hides the follow-up group: its answers are dropped
	w = postForm(fx, v)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/s/meeting/2026/done?id="+id+"&lang=es" {
		t.Fatalf("%d to %q: %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	rs := fx.sink.Responses()
	if len(rs) != 1 {
		t.Fatalf("%d responses stored", len(rs))
	}
	r, a := rs[0], surveytest.Answers(rs[0])
	if r.ID.String() != id || r.Channel != survey.ChannelWeb || r.Language != "es" || r.Country != "PE" || r.Role != "psychologist" {
		t.Errorf("stored %+v", r)
	}
	if _, ok := a["families"]; ok {
		t.Errorf("the hidden question families was stored: %v", a)
	}
	if a["sessions_other"].Text != "Théâtre forum" || len(a["sessions"].Choices) != 2 || a["topics.advocacy"].Text != "somewhat" {
		t.Errorf("answers %v", a)
	}

	// The back button and a second click: the same response, counted once.
	w = postForm(fx, v)
	if w.Code != http.StatusSeeOther || !strings.HasSuffix(w.Header().Get("Location"), "&dup=1") || len(fx.sink.Responses()) != 1 {
		t.Errorf("resubmission: %d to %q", w.Code, w.Header().Get("Location"))
	}
	// The same id with other answers.
	v.Set("recommend", "2")
	w = postForm(fx, v)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "Respuesta ya enviada") || !strings.Contains(w.Body.String(), `data-id="`+id+`"`) {
		t.Errorf("conflict: %d %s", w.Code, w.Body)
	}
	// The response was erased at its author's request: the id is refused for good, and the
	// draft is forgotten.
	fx.sink.FailWith(survey.Errorf(survey.CodeErased, survey.MsgErased))
	w = postForm(fx, v)
	if w.Code != http.StatusGone || !strings.Contains(w.Body.String(), "Respuesta borrada") ||
		!strings.Contains(w.Body.String(), "fue borrada a petición de su autor") || !strings.Contains(w.Body.String(), `data-id="`+id+`"`) {
		t.Errorf("erased: %d %s", w.Code, w.Body)
	}
}

func TestPostFormInvalid(t *testing.T) {
	fx := newFixture(t)
	id := survey.NewResponseID().String()
	v := formValues(id)
	v.Set("profile.language", "en")
	v.Del("sessions_other")                        // required once "other" is chosen
	v.Set("one_word", "<script>alert(1)</script>") // typed by a participant: shown as text
	v.Set("attended", "no")                        // the follow-up group is hidden on the page shown again
	v.Set("families", "42000000")
	w := postForm(fx, v)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`<html lang="en">`, `name="_response_id" value="` + id + `"`, `data-rerender`, "<title>Error: ",
		`role="alert"`, `<a href="#q-sessions_other"><span class="el">Which other session?</span> This question is required.</a>`,
		`aria-describedby="q-sessions_other-cond q-sessions_other-err" aria-invalid="true"`,
		`<p class="err" id="q-sessions_other-err">`,
		`value="&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`<option value="PE" selected>Peru</option>`, `value="Kallpa"`, `<option value="psychologist" selected>`,
		`name="sessions" value="workshops" checked`, `name="sessions" value="other" checked`,
		`name="topics.child_protection" value="very_useful" checked`, `name="recommend" value="9" checked`,
		`name="improve" rows="5" maxlength="1000" aria-describedby="q-improve-hint">Plus de temps pour les ateliers.</textarea>`,
		`id="g-followup" data-g="followup" hidden`, `name="families" type="number" value="42000000" min="0" max="100000" step="1" inputmode="numeric" disabled`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("a typed answer is not escaped")
	}
	if strings.Contains(body, "above_max") || strings.Contains(body, "at most 100000") {
		t.Error("an answer hidden by skip logic was checked")
	}
	if len(fx.sink.Responses()) != 0 {
		t.Error("an invalid response was stored")
	}
}

func TestPostFormFailures(t *testing.T) {
	t.Run("unavailable", func(t *testing.T) {
		fx := newFixture(t)
		fx.sink.Unavailable(20)
		id := survey.NewResponseID().String()
		w := postForm(fx, formValues(id))
		body := w.Body.String()
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "20" ||
			!strings.Contains(body, "Sus respuestas no se enviaron") || !strings.Contains(body, `name="_response_id" value="`+id+`"`) ||
			!strings.Contains(body, `value="Kallpa"`) {
			t.Errorf("%d %v %s", w.Code, w.Header(), body)
		}
	})
	t.Run("bad id", func(t *testing.T) {
		fx := newFixture(t)
		w := postForm(fx, formValues("123"))
		m := idRE.FindStringSubmatch(w.Body.String())
		if w.Code != http.StatusBadRequest || m == nil || m[1] == "123" {
			t.Errorf("%d, id %v", w.Code, m)
		}
	})
	t.Run("closed", func(t *testing.T) {
		fx := newFixture(t)
		req := httptest.NewRequest(http.MethodPost, "/s/meeting/2025", strings.NewReader(formValues(survey.NewResponseID().String()).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		fx.engine.ServeHTTP(w, req)
		if w.Code != http.StatusGone || len(fx.sink.Responses()) != 0 {
			t.Errorf("%d", w.Code)
		}
	})
	t.Run("too large", func(t *testing.T) {
		fx := newFixture(t)
		v := formValues(survey.NewResponseID().String())
		v.Set("improve", strings.Repeat("é", maxBody))
		req := httptest.NewRequest(http.MethodPost, "/s/meeting/2026", struct{ *strings.Reader }{strings.NewReader(v.Encode())})
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		fx.engine.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "<html") {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("declared too large", func(t *testing.T) {
		// A browser declares the length: the page says why, in the participant's language,
		// before the body is read.
		fx := newFixture(t)
		v := formValues(survey.NewResponseID().String())
		v.Set("improve", strings.Repeat("é", maxBody))
		req := httptest.NewRequest(http.MethodPost, "/s/meeting/2026", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", "es")
		w := httptest.NewRecorder()
		fx.engine.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "<html") ||
			!strings.Contains(w.Body.String(), "demasiado") || w.Header().Get("Connection") != "close" || len(fx.sink.Responses()) != 0 {
			t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
		}
	})
}

func TestStatic(t *testing.T) {
	fx := newFixture(t)
	page := get(fx, "/s/meeting/2026", nil).Body.String()
	m := regexp.MustCompile(`src="(/static/form\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no script")
	}
	w := get(fx, m[1], http.Header{"Accept-Encoding": {"gzip, br"}})
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" ||
		!strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("%d %v", w.Code, w.Header())
	}
	etag := w.Header().Get("ETag")
	if w := get(fx, "/static/form.js", http.Header{"If-None-Match": {etag}}); w.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", w.Code)
	}
	if w := get(fx, "/static/form.css", nil); w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "" ||
		strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("unversioned css: %d %v", w.Code, w.Header())
	}
	if w := get(fx, "/static/other.js", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown file: %d", w.Code)
	}
}
