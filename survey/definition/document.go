package definition

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palabre/palabre/survey"
)

// document is a definition file as written. Field names are the file's keys; decoding is
// strict, so a misspelt key is an error rather than a silently ignored setting.
type document struct {
	Survey          string                 `yaml:"survey"`
	Version         int                    `yaml:"version"`
	Title           text                   `yaml:"title"`
	Description     text                   `yaml:"description"`
	DefaultLanguage string                 `yaml:"default_language"`
	Languages       []string               `yaml:"languages"`
	Profile         profileDoc             `yaml:"profile"`
	Scales          map[string][]choiceDoc `yaml:"scales"`
	Editions        []editionDoc           `yaml:"editions"`
	Questions       []entryDoc             `yaml:"questions"`
}

type profileDoc struct {
	Countries     []string    `yaml:"countries"`
	Organisations []choiceDoc `yaml:"organisations"`
	Roles         []choiceDoc `yaml:"roles"`
}

type editionDoc struct {
	Year        int    `yaml:"year"`
	Place       string `yaml:"place"`
	Opens       string `yaml:"opens"`
	Closes      string `yaml:"closes"`
	Invited     int    `yaml:"invited"`
	FormVersion int    `yaml:"form_version"`
	Access      string `yaml:"access"` // open (the default) or invitation
}

// entryDoc is one entry of a questions list: a question, or a group when Group is set.
type entryDoc struct {
	Group     string     `yaml:"group"`
	Questions []entryDoc `yaml:"questions"`

	Key               string      `yaml:"key"`
	Type              string      `yaml:"type"`
	Label             text        `yaml:"label"`
	Hint              text        `yaml:"hint"`
	Required          bool        `yaml:"required"`
	Relevant          string      `yaml:"relevant"`
	Constraint        string      `yaml:"constraint"`
	ConstraintMessage text        `yaml:"constraint_message"`
	Choices           []choiceDoc `yaml:"choices"`
	Items             []choiceDoc `yaml:"items"`
	Scale             string      `yaml:"scale"`
	MinSelected       int         `yaml:"min_selected"`
	MaxSelected       int         `yaml:"max_selected"`
	Min               *float64    `yaml:"min"`
	Max               *float64    `yaml:"max"`
	Integer           bool        `yaml:"integer"`
	Step              *float64    `yaml:"step"`
	MaxLength         int         `yaml:"max_length"`
	ChangedIn         int         `yaml:"changed_in"`
	Calculation       string      `yaml:"calculation"`
	ChoiceFilter      string      `yaml:"choice_filter"`
}

// text is a label as written: a plain string in the default language, or a map from
// language code to text.
type text struct {
	plain string
	langs map[string]string
	line  int // where it was written; 0 when absent
}

func (t *text) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	t.line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Decode(&t.plain)
	case yaml.MappingNode:
		return n.Decode(&t.langs)
	}
	return typeError(n, "expected a text, or languages and texts such as {fr: Bonjour, en: Hello}")
}

// choiceDoc is a choice, scale point or matrix row: {key, label}, or a plain string used as
// both key and label.
type choiceDoc struct {
	Key     string
	Label   text
	Columns map[string]string
	line    int
}

var choiceFields = []string{"key", "label", "columns"}

func (c *choiceDoc) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	c.line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		if err := n.Decode(&c.Key); err != nil {
			return err
		}
		c.Label = text{plain: c.Key, line: n.Line}
		return nil
	case yaml.MappingNode:
		var errs []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if !contains(choiceFields, k.Value) {
				errs = append(errs, fmt.Sprintf("line %d: %s", k.Line, unknownField(k.Value, choiceFields)))
			}
		}
		var v struct {
			Key     string            `yaml:"key"`
			Label   text              `yaml:"label"`
			Columns map[string]string `yaml:"columns"`
		}
		if err := n.Decode(&v); err != nil {
			if te, ok := err.(*yaml.TypeError); ok {
				errs = append(errs, te.Errors...)
			} else {
				return err
			}
		}
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
		c.Key, c.Label, c.Columns = v.Key, v.Label, v.Columns
		return nil
	}
	return typeError(n, "expected a choice: a name, or {key: name, label: text}")
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func typeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}

// fieldNames lists the keys a document type accepts, from its yaml tags.
func fieldNames(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

// knownFields maps the Go type names yaml.v3 mentions in its errors to the keys they accept,
// so an unknown key can be answered with the nearest known one.
var knownFields = map[string][]string{
	"definition.document":   fieldNames(document{}),
	"definition.profileDoc": fieldNames(profileDoc{}),
	"definition.editionDoc": fieldNames(editionDoc{}),
	"definition.entryDoc":   fieldNames(entryDoc{}),
}

// unknownField words the problem of key not being one of known, suggesting a near key.
func unknownField(key string, known []string) string {
	msg := fmt.Sprintf("unknown field %q", key)
	if s := survey.Nearest(strings.ToLower(key), known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
