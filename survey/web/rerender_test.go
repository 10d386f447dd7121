package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

var wrapperRE = regexp.MustCompile(`<div [^>]*data-q="sessions_other"[^>]*>`)

var sessionsOtherRE = regexp.MustCompile(`<input[^>]*name="sessions_other"[^>]*>`)

// TestInvalidPageKeepsRelevantText checks that a form shown again after a failed post
// evaluates skip logic on the values posted, as the browser does: "other" ticked among too
// many sessions keeps its typed text shown and enabled, so it is sent again.
func TestInvalidPageKeepsRelevantText(t *testing.T) {
	fx := newFixture(t)
	v := formValues(survey.NewResponseID().String())
	v["sessions"] = []string{"plenary", "workshops", "field_visits", "other"} // one too many
	v.Set("sessions_other", "Théâtre forum")
	v.Set("profile.language", "en")
	w := postForm(fx, v)
	if w.Code != 422 {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Choose at most 3 answers.") {
		t.Errorf("page lacks the problem with sessions")
	}
	input := sessionsOtherRE.FindString(body)
	if !strings.Contains(input, `value="Théâtre forum"`) || strings.Contains(input, "disabled") {
		t.Errorf("the text of \"other\" is not kept enabled: %s", input)
	}
	if wrapper := wrapperRE.FindString(body); wrapper == "" || strings.Contains(wrapper, "hidden") {
		t.Errorf("the question \"other\" is hidden: %q", wrapper)
	}
}
