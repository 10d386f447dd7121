package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// response is a valid JSON response to the open edition, numbers written both ways.
func response(id string, edit func(answers map[string]any)) string {
	answers := map[string]any{
		"attended": "yes", "sessions": []string{"workshops", "other"}, "sessions_other": "Théâtre forum",
		"organisation": "agree", "topics": map[string]any{"child_protection": "very_useful", "advocacy": nil},
		"recommend": 9, "families": "42", "first_action": "2020-03-02",
	}
	if edit != nil {
		edit(answers)
	}
	b, err := json.Marshal(map[string]any{"id": id, "answers": answers,
		"respondent": map[string]string{"country": "SN", "organisation": "Village Pilote", "role": "social_worker", "language": "fr"}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

const responses = "/api/v1/surveys/meeting/editions/2026/responses"

func TestSubmitJSON(t *testing.T) {
	id := survey.NewResponseID().String()
	submitFirst := func(t *testing.T, fx *fixture) {
		if w := post(fx, responses, response(id, nil), nil); w.Code != http.StatusCreated {
			t.Fatalf("first submission: %d %s", w.Code, w.Body)
		}
	}
	tests := []struct {
		name    string
		path    string
		body    string
		chunked bool // no Content-Length: the limit is found while reading
		lang    string
		setup   func(*testing.T, *fixture)
		status  int
		code    survey.Code
		message string   // in the error's message
		fields  []string // field:code of a 422
		check   func(*testing.T, *fixture, *httptest.ResponseRecorder)
	}{
		{name: "accepted", body: response(id, nil), status: http.StatusCreated, check: func(t *testing.T, fx *fixture, w *httptest.ResponseRecorder) {
			var rc struct {
				ID          string    `json:"id"`
				Status      string    `json:"status"`
				SubmittedAt time.Time `json:"submitted_at"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &rc); err != nil || rc.ID != id || rc.Status != "accepted" || !rc.SubmittedAt.Equal(now) {
				t.Errorf("receipt %s (%v)", w.Body, err)
			}
			rs := fx.sink.Responses()
			if len(rs) != 1 {
				t.Fatalf("%d responses stored", len(rs))
			}
			r, a := rs[0], surveytest.Answers(rs[0])
			if r.Channel != survey.ChannelAPI || r.Country != "SN" || r.Edition != 2026 || a["recommend"].Num != 9 || a["families"].Num != 42 ||
				a["topics.child_protection"].Text != "very_useful" || a["sessions_other"].Text != "Théâtre forum" {
				t.Errorf("stored %+v with answers %v", r, a)
			}
		}},
		{name: "duplicate", body: response(id, nil), setup: submitFirst, status: http.StatusOK, check: func(t *testing.T, fx *fixture, w *httptest.ResponseRecorder) {
			if !strings.Contains(w.Body.String(), `"status":"duplicate"`) || len(fx.sink.Responses()) != 1 {
				t.Errorf("body %s, %d stored", w.Body, len(fx.sink.Responses()))
			}
		}},
		{name: "conflict", body: response(id, func(a map[string]any) { a["recommend"] = "3" }), setup: submitFirst,
			status: http.StatusConflict, code: survey.CodeConflict},
		{name: "erased", body: response(id, nil), lang: "en", setup: func(t *testing.T, fx *fixture) {
			fx.sink.FailWith(survey.Errorf(survey.CodeErased, survey.MsgErased))
		}, status: http.StatusGone, code: survey.CodeErased, message: "erased at the request of its author; it cannot be sent again"},
		{name: "malformed json", body: `{"id": "` + id + `", "answers": {`, lang: "es", status: http.StatusBadRequest,
			code: survey.CodeMalformed, message: "La solicitud no es un JSON válido"},
		{name: "empty body", body: ``, status: http.StatusBadRequest, code: survey.CodeMalformed, message: "Le corps de la requête est vide."},
		{name: "unknown field", body: `{"id": "` + id + `", "answer": {}}`, lang: "en", status: http.StatusBadRequest,
			code: survey.CodeMalformed, message: `Unknown field “answer”: a response has the fields id, respondent and answers.`},
		{name: "trailing data", body: response(id, nil) + `{}`, lang: "en", status: http.StatusBadRequest,
			code: survey.CodeMalformed, message: "The request is not valid JSON"},
		{name: "bad id", body: response("not-a-uuid", nil), lang: "en", status: http.StatusBadRequest,
			code: survey.CodeMalformed, message: "response id"},
		{name: "bad answer shape", body: response(id, func(a map[string]any) { a["attended"] = true }), lang: "en",
			status: http.StatusBadRequest, code: survey.CodeMalformed, message: `Answer “attended” must be a string, a number`},
		{name: "unknown survey", path: "/api/v1/surveys/nope/editions/2026/responses", body: response(id, nil), lang: "en",
			status: http.StatusNotFound, code: survey.CodeNotFound, message: "There is no survey “nope”"},
		{name: "unknown edition", path: "/api/v1/surveys/meeting/editions/2019/responses", body: response(id, nil),
			status: http.StatusNotFound, code: survey.CodeNotFound},
		{name: "closed", path: "/api/v1/surveys/meeting/editions/2025/responses", body: response(id, nil), lang: "en",
			status: http.StatusGone, code: survey.CodeClosed, message: "closed since 19 August 2025"},
		{name: "not yet open", path: "/api/v1/surveys/meeting/editions/2027/responses", body: response(id, nil), lang: "fr",
			status: http.StatusGone, code: survey.CodeClosed, message: "ouvre le 11 avril 2027"},
		{name: "too large", body: response(id, func(a map[string]any) { a["improve"] = strings.Repeat("x", maxBody) }),
			status: http.StatusRequestEntityTooLarge, code: survey.CodeTooLarge},
		{name: "too large while reading", chunked: true, body: response(id, func(a map[string]any) { a["improve"] = strings.Repeat("x", maxBody) }),
			status: http.StatusRequestEntityTooLarge, code: survey.CodeTooLarge},
		{name: "invalid", lang: "fr", body: response(id, func(a map[string]any) {
			delete(a, "attended")
			a["sessions"] = []string{"plenary", "workshops", "field_visits", "exchanges"}
			a["recommend"] = 11
			a["topics"] = map[string]any{"advocacy": "great"}
		}), status: http.StatusUnprocessableEntity, code: survey.CodeInvalid, message: "Certaines réponses sont à corriger",
			fields: []string{"attended:required", "sessions:too_many_choices", "topics.advocacy:not_a_choice", "recommend:above_max"}},
		{name: "constraint message", lang: "es", body: response(id, func(a map[string]any) { a["first_action"] = "2030-01-01" }),
			status: http.StatusUnprocessableEntity, code: survey.CodeInvalid, fields: []string{"first_action:constraint"},
			check: func(t *testing.T, fx *fixture, w *httptest.ResponseRecorder) {
				if !strings.Contains(w.Body.String(), "La fecha no puede estar en el futuro.") {
					t.Errorf("constraint message not in Spanish: %s", w.Body)
				}
			}},
		{name: "unavailable", body: response(id, nil), setup: func(t *testing.T, fx *fixture) { fx.sink.Unavailable(30) },
			status: http.StatusServiceUnavailable, code: survey.CodeUnavailable, check: func(t *testing.T, fx *fixture, w *httptest.ResponseRecorder) {
				if got := w.Header().Get("Retry-After"); got != "30" {
					t.Errorf("Retry-After %q, want 30", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			if tt.setup != nil {
				tt.setup(t, fx)
			}
			path := tt.path
			if path == "" {
				path = responses
			}
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = struct{ io.Reader }{body}
			}
			req := httptest.NewRequest(http.MethodPost, path, body)
			req.Header.Set("Content-Type", "application/json")
			if tt.lang != "" {
				req.Header.Set("Accept-Language", tt.lang)
			}
			w := httptest.NewRecorder()
			fx.engine.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.code != "" {
				var eb web.ErrorBody
				if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil {
					t.Fatalf("error body %s: %v", w.Body, err)
				}
				if eb.Error.Code != tt.code || !strings.Contains(eb.Error.Message, tt.message) {
					t.Errorf("error %s %q, want %s containing %q", eb.Error.Code, eb.Error.Message, tt.code, tt.message)
				}
				var fields []string
				for _, f := range eb.Error.Fields {
					fields = append(fields, f.Field+":"+f.Code)
					if f.Message == "" {
						t.Errorf("field %s has no message", f.Field)
					}
				}
				if strings.Join(fields, " ") != strings.Join(tt.fields, " ") {
					t.Errorf("fields %v, want %v", fields, tt.fields)
				}
			}
			if tt.check != nil {
				tt.check(t, fx, w)
			}
		})
	}
}

// TestSubmitJSONSkipLogic checks that answers to questions skip logic hides are dropped.
func TestSubmitJSONSkipLogic(t *testing.T) {
	fx := newFixture(t)
	body := response(survey.NewResponseID().String(), func(a map[string]any) {
		a["attended"] = "no"
		a["sessions"] = []string{"workshops"}
	})
	if w := post(fx, responses, body, nil); w.Code != http.StatusCreated {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	got := strings.Join(surveytest.Keys(fx.sink.Responses()[0]), " ")
	if want := "attended organisation recommend sessions topics.child_protection"; got != want {
		t.Errorf("stored answers %s, want %s", got, want)
	}
}

func post(fx *fixture, path, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	fx.engine.ServeHTTP(w, req)
	return w
}

func get(fx *fixture, path string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	fx.engine.ServeHTTP(w, req)
	return w
}

func TestFormJSON(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		query, acceptLanguage string
		wantLanguage          string
		wantTitle             any
	}{
		{"?lang=en", "", "en", "Partners' meeting"},
		{"", "es-PE,es;q=0.9,en;q=0.5", "es", "Encuentro de socios"},
		{"?lang=de", "", "fr", "Rencontre des partenaires"},
		{"?lang=all", "en", "all", map[string]any{"fr": "Rencontre des partenaires", "en": "Partners' meeting", "es": "Encuentro de socios"}},
	}
	for _, tt := range tests {
		t.Run(tt.query+tt.acceptLanguage, func(t *testing.T) {
			w := get(fx, "/api/v1/surveys/meeting/editions/2026/form"+tt.query, http.Header{"Accept-Language": {tt.acceptLanguage}})
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			var body struct {
				Language string `json:"language"`
				Title    any    `json:"title"`
				Edition  struct {
					Status survey.Status `json:"status"`
				} `json:"edition"`
				Sections []struct {
					Key         string `json:"key"`
					RelevantAST any    `json:"relevant_ast"`
					Questions   []struct {
						Key           string `json:"key"`
						Label         any    `json:"label"`
						RelevantAST   any    `json:"relevant_ast"`
						ConstraintAST any    `json:"constraint_ast"`
					} `json:"questions"`
				} `json:"sections"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Language != tt.wantLanguage || !equalJSON(body.Title, tt.wantTitle) || body.Edition.Status != survey.StatusOpen {
				t.Errorf("language %q title %v status %s", body.Language, body.Title, body.Edition.Status)
			}
			q := body.Sections[0].Questions[2]
			if q.Key != "sessions_other" || !equalJSON(q.RelevantAST, []any{"call", "selected", []any{"ref", "sessions"}, []any{"str", "other"}}) {
				t.Errorf("sessions_other: %+v", q)
			}
			if g := body.Sections[1]; g.Key != "followup" || g.RelevantAST == nil || g.Questions[2].ConstraintAST == nil {
				t.Errorf("followup group: %+v", g)
			}
		})
	}
	for _, path := range []string{"/api/v1/surveys/meeting/editions/1999/form", "/api/v1/nowhere"} {
		if w := get(fx, path, nil); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"code":"not_found"`) {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
}

func TestListJSON(t *testing.T) {
	fx := newFixture(t)
	w := get(fx, "/api/v1/surveys?lang=es", nil)
	var body struct {
		Surveys []struct {
			ID       string `json:"id"`
			Title    string `json:"title"`
			Editions []struct {
				Year   int           `json:"year"`
				Status survey.Status `json:"status"`
				Form   string        `json:"form"`
			} `json:"editions"`
		} `json:"surveys"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Surveys) != 1 {
		t.Fatalf("%s: %v", w.Body, err)
	}
	s := body.Surveys[0]
	var got []string
	for _, e := range s.Editions {
		got = append(got, string(e.Status))
	}
	if s.Title != "Encuentro de socios" || strings.Join(got, " ") != "closed open not_yet_open" ||
		s.Editions[1].Form != "/api/v1/surveys/meeting/editions/2026/form" {
		t.Errorf("%+v", s)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
