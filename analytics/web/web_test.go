package web_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/gate"
	surveyweb "github.com/palabre/palabre/survey/web"
)

func server(t *testing.T, g *gate.Gate) (*gin.Engine, *analyticstest.Store) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	store := analyticstest.NewStore(analyticstest.Responses(3, 26)...)
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	web.Register(r, web.Config{Catalog: analyticstest.Catalog(), Store: store, Gate: g})
	return r, store
}

// get sends the request of a coordinator of every survey (accounts().all); anonymous sends
// one without credentials.
func get(r http.Handler, url string, header ...string) *httptest.ResponseRecorder {
	return anonymous(r, url, append([]string{"Authorization", "Bearer " + accounts().all}, header...)...)
}

func anonymous(r http.Handler, url string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Cookie" {
			req.AddCookie(&http.Cookie{Name: access.SessionCookie, Value: header[i+1]})
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

const base = "/api/v1/surveys/partners-meeting/analytics"

func TestAnalyticsErrors(t *testing.T) {
	r, _ := server(t, accounts().gate)
	tests := []struct {
		name, url string
		header    []string
		status    int
		code      string
		message   string
	}{
		{"unknown question", base + "?question=nope", nil, 400, "malformed", "Le questionnaire n'a pas de question « nope »."},
		{"unknown question in English", base + "?question=nope&lang=en", nil, 400, "malformed", "The form has no question “nope”."},
		{"Accept-Language", base + "?question=nope", []string{"Accept-Language", "es-PE,es;q=0.9"}, 400, "malformed", "El cuestionario no tiene la pregunta «nope»."},
		{"unknown dimension", base + "?question=recommend&by=country,city&lang=en", nil, 400, "malformed",
			"Unknown dimension “city”: use country, organisation, role, edition or language."},
		{"unknown parameter", base + "?question=recommend&countries=SN&lang=en", nil, 400, "malformed",
			"Unknown parameter “countries”: use question, by, compare, audience, lang, limit, offset, or a dimension (country, organisation, role, edition, language) to filter."},
		{"bad year", base + "?question=recommend&edition=2024,last&lang=en", nil, 400, "malformed", "“last” is not an edition year."},
		{"unknown edition", base + "?edition=2019&lang=en", nil, 400, "malformed", "Survey “partners-meeting” has no 2019 edition."},
		{"bad compare", base + "?question=recommend&compare=country&lang=en", nil, 400, "malformed",
			"Unknown comparison “country”: only compare=edition is possible."},
		{"bad limit", base + "?question=improve&limit=ten&lang=en", nil, 400, "malformed", "limit must be a non-negative whole number."},
		{"offset too far", base + "?question=improve&offset=100001", nil, 400, "malformed",
			"limit et offset doivent être des entiers positifs, limit au plus 500, offset au plus 100000."},
		{"offset past int64", base + "?question=improve&offset=99999999999999999999&lang=es", nil, 400, "malformed",
			"offset debe ser un número entero no negativo."},
		{"offset at int64's end", base + "?question=improve&offset=9223372036854775807&lang=en", nil, 400, "malformed",
			"limit and offset must be non-negative whole numbers, limit at most 500, offset at most 100000."},
		{"unknown survey", "/api/v1/surveys/nope/analytics?lang=en", nil, 404, "not_found", "There is no survey “nope”."},
		{"question on the dashboard", base + "/dashboard?question=recommend&lang=en", nil, 400, "malformed",
			"Unknown parameter “question”: use question, by, compare, audience, lang, limit, offset, or a dimension (country, organisation, role, edition, language) to filter."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(r, tt.url, tt.header...)
			var body surveyweb.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("status %d, body %s: %v", w.Code, w.Body, err)
			}
			if w.Code != tt.status || string(body.Error.Code) != tt.code || body.Error.Message != tt.message {
				t.Errorf("got %d %s %q, want %d %s %q", w.Code, body.Error.Code, body.Error.Message, tt.status, tt.code, tt.message)
			}
			if body.Error.RequestID == "" {
				t.Error("error without request id")
			}
		})
	}
}

func TestAnalyticsQuestion(t *testing.T) {
	r, _ := server(t, accounts().gate)
	w := get(r, base+"?question=recommend&by=country,edition&country=SN,MA&country=PE&compare=edition&lang=en")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var res analytics.Result
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Audience != analytics.Funder || res.Question.Key != "recommend" || !res.Question.NPS || len(res.Cells) == 0 || len(res.Changes) == 0 {
		t.Fatalf("unexpected result %+v", res)
	}
	if got := strings.Join(res.Filter[analytics.Country], ","); got != "SN,MA,PE" {
		t.Errorf("country filter %q", got)
	}
	suppressed := false
	for _, c := range res.Cells {
		if c.Group.Country != "SN" && c.Group.Country != "MA" && c.Group.Country != "PE" {
			t.Errorf("cell %+v outside the filter", c.Group)
		}
		suppressed = suppressed || c.Suppressed != ""
	}
	if !suppressed {
		t.Error("funders' country × year cells of a 26-person meeting: some should be suppressed")
	}
	// The suppressed cells' figures are absent from the JSON, not zero.
	if !strings.Contains(w.Body.String(), `"n":null,"suppressed":"small_cell"`) {
		t.Errorf("suppressed cells not marked: %s", w.Body.String()[:400])
	}
	w = get(r, base+"?question=recommend&by=country,edition&audience=coordinator")
	if w.Code != 200 || strings.Contains(w.Body.String(), "suppressed") {
		t.Errorf("coordinator: %d %s", w.Code, w.Body.String()[:200])
	}
}

func TestAnalyticsResponsesAndDashboard(t *testing.T) {
	r, store := server(t, accounts().gate)
	w := get(r, base+"?by=edition")
	var res analytics.Result
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(res.Responses) != 3 || *res.Responses[2].N != 26 || *res.Responses[2].Rate != 1 {
		t.Errorf("responses %+v", res.Responses)
	}
	w = get(r, base+"/dashboard?by=country,edition&compare=edition&lang=es")
	var d analytics.Dashboard
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(d.Questions) != 13 || d.Questions[0].Question.Label != "¿Asistió al encuentro en persona?" {
		t.Errorf("dashboard of %d questions, first %+v", len(d.Questions), d.Questions[0].Question)
	}
	store.FailWith(errors.New("connection refused"))
	w = get(r, base+"?question=recommend&lang=en")
	if w.Code != 500 || strings.Contains(w.Body.String(), "refused") {
		t.Errorf("store failure: %d %s", w.Code, w.Body)
	}
}

// TestAnalyticsForCoordinatorsOnly checks that no analytics route answers without a
// coordinator's credential, whatever it asks, and that none answers at all when palabre has no
// gate: funders read published dashboards only.
func TestAnalyticsForCoordinatorsOnly(t *testing.T) {
	r, _ := server(t, accounts().gate)
	closed, _ := server(t, nil)
	const (
		anonymousMessage = "Analytics results are for authenticated coordinators only. Funders read the published dashboards, from their link."
		refusedMessage   = "Credentials refused: the API token is unknown or revoked, the session has ended, or the account is disabled. Create a new token or sign in again."
	)
	urls := []string{base, base + "?question=recommend", base + "?question=improve&by=country", base + "?audience=funder",
		base + "?question=recommend&audience=coordinator", base + "/dashboard", base + "?question=nope", "/api/v1/surveys/nope/analytics"}
	for _, url := range urls {
		for name, tt := range map[string]struct {
			w       *httptest.ResponseRecorder
			message string
		}{
			"no credential":        {anonymous(r, url, "Accept-Language", "en"), anonymousMessage},
			"wrong credential":     {anonymous(r, url, "Authorization", "Bearer plb_"+strings.Repeat("x", 43), "Accept-Language", "en"), refusedMessage},
			"another scheme":       {anonymous(r, url, "Authorization", "Basic YW5hOnB3", "Accept-Language", "en"), refusedMessage},
			"revoked token":        {anonymous(r, url, "Authorization", "Bearer "+accounts().revoked, "Accept-Language", "en"), refusedMessage},
			"disabled user":        {anonymous(r, url, "Authorization", "Bearer "+accounts().disabled, "Accept-Language", "en"), refusedMessage},
			"no gate, no token":    {anonymous(closed, url, "Accept-Language", "en"), anonymousMessage},
			"no gate, a token":     {get(closed, url, "Accept-Language", "en"), refusedMessage},
			"no gate, the session": {anonymous(closed, url, "Cookie", accounts().session, "Accept-Language", "en"), anonymousMessage},
		} {
			var body surveyweb.ErrorBody
			if err := json.Unmarshal(tt.w.Body.Bytes(), &body); err != nil || tt.w.Code != http.StatusUnauthorized ||
				body.Error.Code != "unauthorized" || body.Error.Message != tt.message {
				t.Errorf("%s, GET %s: %d %s (%v)", name, url, tt.w.Code, tt.w.Body, err)
			}
			if got := tt.w.Header().Get("WWW-Authenticate"); got != `Bearer realm="palabre"` {
				t.Errorf("%s, GET %s: WWW-Authenticate %q", name, url, got)
			}
		}
	}
	if w := get(r, base+"?question=recommend&audience=coordinator"); w.Code != http.StatusOK {
		t.Errorf("a coordinator: %d %s", w.Code, w.Body)
	}
}

// TestAnalyticsLastCommentPage checks that the furthest page allowed is answered, empty.
func TestAnalyticsLastCommentPage(t *testing.T) {
	r, _ := server(t, accounts().gate)
	w := get(r, base+"?question=improve&offset=100000&limit=500")
	var body struct {
		Comments struct {
			Offset int               `json:"offset"`
			List   []json.RawMessage `json:"list"`
		} `json:"comments"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != http.StatusOK || err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	if body.Comments.Offset != 100000 || len(body.Comments.List) != 0 {
		t.Errorf("comments %+v, want an empty page at 100000", body.Comments)
	}
}

// TestAnalyticsDatabaseDownInFrench checks that a database failure during an analytics
// request is answered wholly in the client's language, without the driver's words.
func TestAnalyticsDatabaseDownInFrench(t *testing.T) {
	r, store := server(t, accounts().gate)
	store.FailWith(errors.New("clickhouse [execute]:: code: 210, message: Connection refused (127.0.0.1:19000)"))
	for _, url := range []string{base + "?question=recommend", base + "?question=improve", base + "/dashboard"} {
		w := get(r, url, "Accept-Language", "fr-SN,fr;q=0.9,en;q=0.5")
		var body surveyweb.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code < 500 {
			t.Fatalf("GET %s: %d %s", url, w.Code, w.Body)
		}
		if msg := body.Error.Message; msg != "Les résultats n'ont pas pu être calculés. Réessayez dans quelques instants ; si cela dure, signalez-le avec l'identifiant de la requête." ||
			strings.Contains(msg, "clickhouse") || strings.Contains(msg, "Connection") {
			t.Errorf("GET %s: message %q, want the French message alone", url, msg)
		}
	}
}
