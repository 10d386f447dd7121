package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// A form whose first question is asked for a later answer: the page's logic and the JSON
// API give the order in which to work questions out (the later answer first), and a page
// rendered again without script shows or hides the earlier question by the later answer,
// its condition naming the later question.
func TestForwardReferenceOrder(t *testing.T) {
	en := func(s string) survey.Text { return survey.Text{"en": s} }
	fx := formFixture(t, &survey.Form{SurveyID: "forward", Version: 1, Title: en("Forward"),
		DefaultLanguage: "en", Languages: []string{"en"},
		Profile: survey.Profile{Countries: []string{"SN"}, Roles: survey.DefaultRoles},
		Sections: []survey.Section{{Questions: []survey.Question{
			{Key: "email", Type: survey.ShortText, Label: en("Your e-mail"), Relevant: "${contact} = 'yes'"},
			{Key: "contact", Type: survey.YesNo, Label: en("May we write to you?")},
		}}}})
	want := [][2]int{{0, 1}, {0, 0}}

	w := get(fx, "/api/v1/surveys/forward/editions/2026/form", nil)
	var body struct {
		Order [][2]int `json:"order"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || !slices.Equal(body.Order, want) {
		t.Errorf("API order %v (%v), want %v: %s", body.Order, err, want, w.Body)
	}

	w = get(fx, "/s/forward/2026?lang=en", nil)
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(html.UnescapeString(page), `"order":[[0,1],[0,0]]`) {
		t.Errorf("the page's logic lacks the order %v", want)
	}
	// The e-mail's condition names the later question, whose label is read before it.
	i, j := strings.Index(page, "Your e-mail"), strings.Index(page, `data-q="contact"`)
	if i < 0 || j < i || !strings.Contains(html.UnescapeString(page[i:j]), "Only if it applies to you, given your answer to: May we write to you?") {
		t.Errorf("the e-mail's condition does not name the later question: %s", page[max(i, 0):max(j, 0)])
	}
}
