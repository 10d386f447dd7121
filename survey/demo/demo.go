// Package demo holds the network's demonstration surveys: the partners' annual meeting
// feedback survey (as YAML and as the same XLSForm workbook) and the yearly follow-up of
// family-support practices.
package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"path"

	"github.com/palabre/palabre/survey/definition"
)

//go:generate go run ./internal/genxlsform -o partners-meeting.xlsx partners-meeting.yaml

//go:embed *.yaml *.xlsx
var files embed.FS

// FS holds the demo definition files.
func FS() fs.FS { return files }

// Files lists the definitions Definitions loads: one per survey. partners-meeting.xlsx is
// the same survey as partners-meeting.yaml, so it is not among them.
var Files = []string{"partners-meeting.yaml", "family-support.yaml"}

// Definitions loads the demo surveys.
func Definitions() ([]*definition.Definition, error) {
	out := make([]*definition.Definition, 0, len(Files))
	for _, name := range Files {
		d, err := Open(name)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Open loads one of the demo files by name.
func Open(name string) (*definition.Definition, error) {
	format, ok := definition.FormatOf(name)
	if !ok {
		return nil, fmt.Errorf("demo %s: not a definition file", name)
	}
	f, err := files.Open(name)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer f.Close()
	return definition.Parse(f, format, path.Join("demo", name))
}
