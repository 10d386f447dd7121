package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// TestLanguageLinksStayOnSite checks that the language links of a page are built from the
// route it matched, not from the path the client sent: a 404 for "//evil.example/x" must not
// link to the other site.
func TestLanguageLinksStayOnSite(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		target string
		status int
		want   []string // language links
	}{
		{"//evil.example/x", http.StatusNotFound, []string{"/?lang=fr", "/?lang=en", "/?lang=es"}},
		{"//evil.example/x?lang=en&next=//evil", http.StatusNotFound, []string{"/?lang=fr", "/?lang=en", "/?lang=es"}},
		{`/\evil.example/x`, http.StatusNotFound, []string{"/?lang=fr", "/?lang=en", "/?lang=es"}},
		{"/%2F%2Fevil.example", http.StatusNotFound, []string{"/?lang=fr", "/?lang=en", "/?lang=es"}},
		{"/s/meeting/2026?lang=en", http.StatusOK, []string{"/s/meeting/2026?lang=fr", "/s/meeting/2026?lang=en", "/s/meeting/2026?lang=es"}},
		{"/s/meeting/2026/done?id=6f1c2a34-8d8e-4b1a-9c0e-2f1d3c4b5a69", http.StatusOK,
			[]string{"/s/meeting/2026/done?id=6f1c2a34-8d8e-4b1a-9c0e-2f1d3c4b5a69&amp;lang=fr"}},
		{"/s/%2F%2Fevil.example/2026", http.StatusNotFound, []string{"/?lang=en"}},
		{"/s/evil.example%3F/2026", http.StatusNotFound, []string{"/s/evil.example%3F/2026?lang=en"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := httptest.NewRecorder()
			fx.engine.ServeHTTP(w, httptest.NewRequest("GET", tt.target, nil))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			body := w.Body.String()
			for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
				href := m[1]
				if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || strings.HasPrefix(href, `/\`) || strings.Contains(href, "evil.example/") {
					t.Errorf("link %q leaves the site", href)
				}
			}
			for _, want := range tt.want {
				if !strings.Contains(body, `href="`+want+`"`) {
					t.Errorf("page lacks the link %q:\n%s", want, hrefRE.FindAllString(body, -1))
				}
			}
		})
	}
}
