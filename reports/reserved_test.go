package reports

import (
	"testing"

	"github.com/palabre/palabre/survey"
)

// The data sheet's own columns are names survey refuses for questions, so that no
// question's column can take their place.
func TestProfileColumnsAreReservedKeys(t *testing.T) {
	for _, c := range profileColumns {
		if !survey.ReservedKey(c.key) {
			t.Errorf("column %q is not among survey.ReservedKeys", c.key)
		}
	}
}
