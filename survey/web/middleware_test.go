package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey/web"
)

func testEngine(max int64) *gin.Engine {
	gin.SetMode(gin.TestMode)
	log := slog.New(slog.DiscardHandler)
	e := gin.New()
	e.Use(web.RequestIDs(), web.AccessLog(log), web.Recover(log), web.LimitBody(max))
	e.POST("/echo", func(c *gin.Context) {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			web.AbortJSON(c, web.ReadError(err, "malformed_json"), web.Language(c))
			return
		}
		c.String(http.StatusOK, "%d", len(b))
	})
	e.GET("/panic", func(c *gin.Context) { panic("boom") })
	return e
}

func TestMiddleware(t *testing.T) {
	e := testEngine(16)
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantInBody string
	}{
		{"small body", httptest.NewRequest("POST", "/echo", strings.NewReader("hello")), 200, "5"},
		{"declared too large", httptest.NewRequest("POST", "/echo", strings.NewReader(strings.Repeat("x", 17))), 413, "trop volumineuse"},
		{"chunked too large", func() *http.Request {
			r := httptest.NewRequest("POST", "/echo", io.MultiReader(strings.NewReader(strings.Repeat("x", 40))))
			r.ContentLength = -1
			r.Header.Set("Accept-Language", "en")
			return r
		}(), 413, "too large (at most 16 bytes)"},
		{"panic becomes 500", func() *http.Request {
			r := httptest.NewRequest("GET", "/panic", nil)
			r.Header.Set("Accept-Language", "es-PE,es;q=0.9")
			return r
		}(), 500, "error interno"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, tt.req)
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantInBody) {
				t.Errorf("status %d body %s; want %d containing %q", w.Code, w.Body, tt.wantStatus, tt.wantInBody)
			}
			if w.Header().Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
			if w.Code >= 400 {
				var body web.ErrorBody
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.RequestID == "" {
					t.Errorf("error body %s: %v, want a JSON error with a request id", w.Body, err)
				}
			}
		})
	}
}

func TestRequestIDIsEchoedWhenSane(t *testing.T) {
	e := testEngine(16)
	r := httptest.NewRequest("GET", "/panic", nil)
	r.Header.Set("X-Request-ID", "abc-123")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if got := w.Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("X-Request-ID = %q, want the client's", got)
	}
	r = httptest.NewRequest("GET", "/panic", nil)
	r.Header.Set("X-Request-ID", "bad id\n<script>")
	w = httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if got := w.Header().Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " <\n") {
		t.Errorf("X-Request-ID = %q, want a fresh safe id", got)
	}
}

func TestNegotiate(t *testing.T) {
	offered := []string{"fr", "en", "es"}
	tests := []struct{ explicit, accept, want string }{
		{"", "", "fr"},
		{"", "en-GB,en;q=0.9", "en"},
		{"", "de-DE,es;q=0.5,en;q=0.4", "es"},
		{"es", "en", "es"},
		{"de", "en", "en"},
		{"", "pt-BR", "fr"},
		{"", "en;q=0.2,fr;q=0.8", "fr"},
	}
	for _, tt := range tests {
		if got := web.Negotiate(tt.explicit, tt.accept, offered, "fr"); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.explicit, tt.accept, got, tt.want)
		}
	}
}

func TestRedactPathHidesSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"/d/abc.def":             "/d/…",
		"/d/abc.def/report.xlsx": "/d/…/report.xlsx",
		"/console/invite/XYZ":    "/console/invite/…",
		"/console/invite/XYZ/":   "/console/invite/…/",
		"/console/surveys/x":     "/console/surveys/x",
		"/s/feedback/2026":       "/s/feedback/2026",
		"/dashboard/d/abc":       "/dashboard/d/abc",
	} {
		if got := web.RedactPath(in); got != want {
			t.Errorf("RedactPath(%q) = %q, want %q", in, got, want)
		}
	}
}
