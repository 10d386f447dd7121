package surveytest

import (
	"errors"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// CheckProblems fails t unless err is a *survey.DefinitionError listing exactly want, each
// as Problem.String prints it, in order.
func CheckProblems(t testing.TB, err error, want []string) {
	t.Helper()
	var de *survey.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a *survey.DefinitionError", err)
	}
	got := make([]string, len(de.Problems))
	for i, p := range de.Problems {
		got[i] = p.String()
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}
