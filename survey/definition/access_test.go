package definition

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

func TestEditionAccess(t *testing.T) {
	doc := strings.Replace(small, "invited: 26}", "invited: 26, access: invitation}", 1)
	d, err := parse(t, doc, YAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Editions) != 2 || d.Editions[0].Access != survey.AccessOpen || d.Editions[1].Access != survey.AccessInvitation {
		t.Errorf("editions %+v", d.Editions)
	}
	doc = strings.Replace(small, "invited: 26}", "invited: 26, access: secret}", 1)
	if _, err := parse(t, doc, YAML); err == nil || !strings.Contains(err.Error(), `access "secret" is neither open nor invitation`) ||
		!strings.Contains(err.Error(), ":8") {
		t.Errorf("unknown access: %v", err)
	}
}
