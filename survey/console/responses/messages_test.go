package responses

import (
	"regexp"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// TestEveryTextIsInEveryLanguage checks each text of the page in French, English and
// Spanish, with the same formatting verbs.
func TestEveryTextIsInEveryLanguage(t *testing.T) {
	for key, text := range messages {
		if !strings.HasPrefix(key, "responses_") {
			t.Errorf("%s: not prefixed by the section's name", key)
		}
		verbs := ""
		for i, lang := range []string{survey.French, survey.English, survey.Spanish} {
			s := text[lang]
			if s == "" {
				t.Errorf("%s: no %s text", key, lang)
			}
			v := strings.Join(verbRE.FindAllString(s, -1), " ")
			if i == 0 {
				verbs = v
			} else if v != verbs {
				t.Errorf("%s: %s has verbs %q, French %q", key, lang, v, verbs)
			}
		}
	}
}

var verbRE = regexp.MustCompile(`%[0-9]*[a-z]`)
