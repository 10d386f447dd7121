package pastdata

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Mapping says how to read an export whose names differ from the form's (see the package
// documentation for its YAML format).
type Mapping struct {
	// Columns maps a column header to a target: a question key, "matrix.row",
	// "multiple.choice" (a split column), "profile.country" (organisation, role, language),
	// "meta.id", "meta.submitted", or "-" to ignore the column.
	Columns map[string]string `yaml:"columns"`
	// Values maps a target to the values to replace in its columns.
	Values map[string]map[string]string `yaml:"values"`
	// Constants fill profile fields for every row: country, organisation, role, language.
	Constants map[string]string `yaml:"constants"`
}

// Targets of the mapping's columns besides questions and profile fields.
const (
	Ignore        = "-"              // skip the column
	MetaID        = "meta.id"        // the response's id in the export (instead of _uuid)
	MetaSubmitted = "meta.submitted" // when it was submitted (instead of _submission_time)
)

// profileFields are the profile's fields, as mapping targets name them after "profile.".
var profileFields = []string{"country", "organisation", "role", "language"}

// ParseMapping reads a mapping file. Unknown keys and unknown constants are refused, so that
// a misspelt one is not silently ignored.
func ParseMapping(r io.Reader) (*Mapping, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	m := &Mapping{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil && err != io.EOF {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	for k, v := range m.Constants {
		if !isProfileField(k) {
			return nil, fmt.Errorf("mapping: constants: %q is not a profile field (country, organisation, role, language)", k)
		}
		delete(m.Constants, k)
		m.Constants[strings.TrimPrefix(k, "profile.")] = strings.TrimSpace(v)
	}
	for col, target := range m.Columns {
		if strings.HasPrefix(target, "profile.") && !isProfileField(target) {
			return nil, fmt.Errorf("mapping: columns: %s: %q is not a profile field (profile.country, profile.organisation, profile.role, profile.language)", col, target)
		}
	}
	return m, nil
}

func isProfileField(s string) bool {
	s = strings.TrimPrefix(s, "profile.")
	for _, f := range profileFields {
		if s == f {
			return true
		}
	}
	return false
}
