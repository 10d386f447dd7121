package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/web"
)

// TestAPIMediaTypesMethodsAndNoSniff checks that the JSON API refuses a body not declared
// application/json with 415 and a method a route does not take with 405 (with Allow), both
// in its localised JSON error shape, and that every answer says nosniff.
func TestAPIMediaTypesMethodsAndNoSniff(t *testing.T) {
	fx := newFixture(t)
	body := response(survey.NewResponseID().String(), nil)
	tests := []struct {
		name, method, path, contentType, lang, body string
		status                                      int
		code                                        survey.Code
		message, allow                              string
	}{
		{name: "form encoded", method: "POST", path: responses, contentType: "application/x-www-form-urlencoded", lang: "fr", body: body,
			status: 415, code: survey.CodeMediaType, message: "Le corps de la requête doit être du JSON"},
		{name: "text in Spanish", method: "POST", path: responses, contentType: "text/plain", lang: "es", body: body,
			status: 415, code: survey.CodeMediaType, message: "debe ser JSON"},
		{name: "no content type", method: "POST", path: responses, lang: "en", body: body,
			status: 415, code: survey.CodeMediaType, message: "must be JSON"},
		{name: "json with charset", method: "POST", path: responses, contentType: "Application/JSON; charset=utf-8", body: body,
			status: 201},
		{name: "GET on responses", method: "GET", path: responses, lang: "fr",
			status: 405, code: survey.CodeMethod, message: "La méthode GET n'est pas acceptée ici (acceptées : POST)", allow: "POST"},
		{name: "DELETE on the list", method: "DELETE", path: "/api/v1/surveys", lang: "en",
			status: 405, code: survey.CodeMethod, message: "Method DELETE is not allowed here (allowed: GET)", allow: "GET"},
		{name: "unknown API route", method: "GET", path: "/api/v1/nothing", status: 404, code: survey.CodeNotFound},
		{name: "PUT on a form page", method: "PUT", path: "/s/meeting/2026", lang: "en", status: 405, allow: "GET, POST"},
		{name: "form page", method: "GET", path: "/s/meeting/2026", status: 200},
		{name: "asset", method: "GET", path: "/static/form.js", status: 200},
		{name: "form JSON", method: "GET", path: "/api/v1/surveys/meeting/editions/2026/form", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.lang != "" {
				req.Header.Set("Accept-Language", tt.lang)
			}
			w := httptest.NewRecorder()
			fx.engine.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if tt.code == "" {
				return
			}
			var eb web.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil {
				t.Fatalf("error body %s: %v", w.Body, err)
			}
			if eb.Error.Code != tt.code || !strings.Contains(eb.Error.Message, tt.message) || eb.Error.RequestID == "" {
				t.Errorf("error %+v, want code %s and a message containing %q", eb.Error, tt.code, tt.message)
			}
		})
	}
	if n := len(fx.sink.Responses()); n != 1 {
		t.Errorf("%d responses stored, want only the one sent as JSON", n)
	}
}

// TestInvalidAnswerIsShort checks that a 64 KiB body of unknown answers gets a 422 listing
// at most survey.MaxFieldErrors problems and the count of the others, not an answer ten
// times the size of the request.
func TestInvalidAnswerIsShort(t *testing.T) {
	fx := newFixture(t)
	body := response(survey.NewResponseID().String(), func(a map[string]any) {
		for i := 0; len(a) < 5500; i++ {
			a[fmt.Sprintf("q%d", i)] = "x"
		}
	})
	if len(body) < 60<<10 || len(body) > maxBody {
		t.Fatalf("body of %d bytes, want about 64 KiB", len(body))
	}
	w := post(fx, responses, body, http.Header{"Accept-Language": {"en"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %.300s", w.Code, w.Body)
	}
	var eb web.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil {
		t.Fatal(err)
	}
	listed := len(eb.Error.Fields)
	if listed != survey.MaxFieldErrors || listed+eb.Error.More != 5500-8 {
		t.Errorf("%d problems listed and %d more, want %d of %d", listed, eb.Error.More, survey.MaxFieldErrors, 5500-8)
	}
	t.Logf("422 of %d bytes for a %d-byte request", w.Body.Len(), len(body))
	if w.Body.Len() > 16<<10 {
		t.Errorf("a 422 of %d bytes for a %d-byte request", w.Body.Len(), len(body))
	}
}

// TestTypedOrganisationRefusesControls checks the API refuses an organisation holding
// control and direction characters with a localised 422 and stores nothing.
func TestTypedOrganisationRefusesControls(t *testing.T) {
	fx := newFixture(t)
	body := strings.Replace(response(survey.NewResponseID().String(), nil), `"Village Pilote"`, `"A\u0000\u202eB\u0007"`, 1)
	w := post(fx, responses, body, http.Header{"Accept-Language": {"fr"}})
	var eb web.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d %s: %v", w.Code, w.Body, err)
	}
	if len(eb.Error.Fields) != 1 || eb.Error.Fields[0].Field != "profile.organisation" || eb.Error.Fields[0].Code != "control_characters" ||
		!strings.Contains(eb.Error.Fields[0].Message, "caractères invisibles") {
		t.Errorf("fields %+v, want profile.organisation refused in French", eb.Error.Fields)
	}
	if n := len(fx.sink.Responses()); n != 0 {
		t.Errorf("%d responses stored", n)
	}
}

// TestMalformedMessagesInOneLanguage checks that a body the API cannot read is answered in
// the client's language only: the decoder's own English words go to the log, never into a
// French or Spanish sentence.
func TestMalformedMessagesInOneLanguage(t *testing.T) {
	fx := newFixture(t)
	id := survey.NewResponseID().String()
	english := []string{"invalid character", "unexpected", "json:", "expected a string", "looking for", "EOF", "the body", "after the JSON"}
	for _, tt := range []struct{ body, lang, want string }{
		{`{"id": "` + id + `", "answers": {`, "fr", "La requête n'est pas un JSON valide, ou pas de la forme"},
		{`{"answers":{"a":01}}`, "fr", "La requête n'est pas un JSON valide, ou pas de la forme"},
		{response(id, nil) + `{}`, "es", "La solicitud no es un JSON válido"},
		{``, "fr", "Le corps de la requête est vide."},
		{`{"id": "` + id + `", "answer": {}}`, "fr", "Champ inconnu « answer » : une réponse a les champs id, respondent et answers."},
		{response(id, func(a map[string]any) { a["attended"] = true }), "es", "La respuesta «attended» debe ser un texto"},
		{`{"answers":{"` + strings.Repeat("k", 500) + `":true}}`, "fr", "La réponse « " + strings.Repeat("k", 100) + "… » doit être"},
	} {
		w := post(fx, responses, tt.body, http.Header{"Accept-Language": {tt.lang}})
		var eb web.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || w.Code != http.StatusBadRequest {
			t.Fatalf("%.60s: %d %s", tt.body, w.Code, w.Body)
		}
		msg := eb.Error.Message
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%.60s: message %q, want %q", tt.body, msg, tt.want)
		}
		for _, e := range english {
			if strings.Contains(msg, e) {
				t.Errorf("%.60s: %s message %q holds English %q", tt.body, tt.lang, msg, e)
			}
		}
	}
}
