package users

import (
	"testing"

	"github.com/palabre/palabre/survey/console"
)

func TestEveryTextInEveryLanguage(t *testing.T) {
	for key, text := range messages {
		for _, lang := range console.Languages {
			if text[lang] == "" {
				t.Errorf("%s has no %s text", key, lang)
			}
		}
	}
}
