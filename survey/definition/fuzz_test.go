package definition

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// FuzzParseYAML checks that no document makes Parse panic, that every refusal is a list of
// problems, and that every accepted document is a compiled form with valid editions.
func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte("survey: s\ntitle: T\nquestions: [{key: q, type: rating, label: Q, min: 1}]\n"))
	f.Add([]byte("survey: s\ntitle: &t T\nquestions: [{key: q, type: text, label: *t}]\n"))
	for _, name := range []string{"../demo/partners-meeting.yaml", "../demo/family-support.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A document must parse in well under a second; a hang is reported as a crash.
		tm := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("slow: %q", data)) })
		defer tm.Stop()
		d, err := Parse(bytes.NewReader(data), YAML, "f.yaml")
		if err != nil {
			var de *survey.DefinitionError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("error %v is not a list of problems", err)
			}
			return
		}
		if d.Compiled == nil || d.Compiled.Form != d.Form {
			t.Fatal("accepted but not compiled")
		}
		if _, err := survey.Compile(d.Form); err != nil {
			t.Fatalf("accepted form does not compile again: %v", err)
		}
		for _, e := range d.Editions {
			if err := survey.CheckEdition(e); err != nil {
				t.Fatalf("accepted edition: %v", err)
			}
		}
		_ = d.Form.Digest()
	})
}
