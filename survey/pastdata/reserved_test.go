package pastdata

import (
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// Every meta column of the exports this package reads that a question name could take
// ('_' first) is a name survey refuses for questions: a question so called would be read
// as the column, or the column as the question.
func TestMetaColumnsAreReservedKeys(t *testing.T) {
	for _, c := range slices.Concat(idColumns, timeColumns, ignoredColumns) {
		if strings.HasPrefix(c, "_") && !survey.ReservedKey(c) {
			t.Errorf("meta column %q is not among survey.ReservedKeys", c)
		}
	}
}
