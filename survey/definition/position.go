package definition

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palabre/palabre/survey"
)

// tree gives the positions of a document's nodes, by path: mapping keys and list indices.
type tree struct{ root *yaml.Node }

// node returns the value node at path, or nil.
func (t tree) node(path ...any) *yaml.Node {
	n := t.root
	for _, p := range path {
		if n == nil {
			return nil
		}
		n = resolveAlias(n)
		switch p := p.(type) {
		case string:
			n = valueOf(n, p)
		case int:
			if n.Kind != yaml.SequenceNode || p >= len(n.Content) {
				return nil
			}
			n = n.Content[p]
		}
	}
	return n
}

// line returns the line of the value at path, or of its nearest ancestor that exists.
func (t tree) line(path ...any) int {
	for i := len(path); i >= 0; i-- {
		if n := t.node(path[:i]...); n != nil {
			return n.Line
		}
	}
	return 0
}

// keyLine returns the line where key is written in the mapping at path.
func (t tree) keyLine(key string, path ...any) int {
	if n := t.node(path...); n != nil {
		n = resolveAlias(n)
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					return n.Content[i].Line
				}
			}
		}
	}
	return t.line(path...)
}

// keys returns the keys of the mapping at path with their lines, in order.
func (t tree) keys(path ...any) []*yaml.Node {
	n := t.node(path...)
	if n == nil {
		return nil
	}
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i])
	}
	return out
}

func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// source writes where a problem is: "name:line", or the name alone.
func source(name string, line int) string {
	if line <= 0 {
		return name
	}
	return name + ":" + strconv.Itoa(line)
}

var (
	lineRE        = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	notFoundRE    = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
	cannotValueRE = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.+)$")
	cannotKindRE  = regexp.MustCompile(`^cannot unmarshal !!(\w+) into (.+)$`)
)

// decodeProblems turns a yaml.v3 error into problems with file:line sources, worded for
// the person who wrote the file rather than in terms of Go types.
func decodeProblems(name string, err error) []survey.Problem {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]survey.Problem, 0, len(msgs))
	for _, m := range msgs {
		line := 0
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		m = strings.TrimPrefix(m, "yaml: ")
		if hint, ok := unclosed[m]; ok && line > 0 {
			// yaml.v3 reports these at the line before the one the collection starts on.
			line++
			m = hint
		}
		out = append(out, survey.Problem{Source: source(name, line), Reason: reword(m)})
	}
	return out
}

// unclosed rewords the errors of a list or mapping that is not closed where expected, which
// mostly come from a text that needed quotes.
var unclosed = map[string]string{
	"did not find expected ',' or '}'":    "this {…} mapping is not closed where expected: quote texts that contain \", \" or \": \", or end with \"?\"",
	"did not find expected ',' or ']'":    "this […] list is not closed where expected: quote texts that contain \", \" or \": \", or end with \"?\"",
	"did not find expected key":           "this mapping goes on with something that is not a key: check the indentation, and quote texts that contain \": \"",
	"did not find expected '-' indicator": "this list goes on with something that is not an item: check the indentation",
}

func reword(m string) string {
	if sm := notFoundRE.FindStringSubmatch(m); sm != nil {
		return unknownField(sm[1], knownFields[sm[2]])
	}
	if sm := cannotValueRE.FindStringSubmatch(m); sm != nil {
		v := sm[2]
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return fmt.Sprintf("expected %s, not %q", goTypeWords(sm[3]), v)
	}
	if sm := cannotKindRE.FindStringSubmatch(m); sm != nil {
		got := map[string]string{"seq": "a list", "map": "a mapping"}[sm[1]]
		if got == "" {
			got = "a " + sm[1]
		}
		return fmt.Sprintf("expected %s, not %s", goTypeWords(sm[2]), got)
	}
	return m
}

// goTypeWords says what a Go type named in a yaml.v3 error expects, in plain words.
func goTypeWords(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a text"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "definition."):
		return "a mapping of keys to values"
	}
	return t
}

// jsonProblem reports a JSON syntax error with its line.
func jsonProblem(name string, data []byte, err error) survey.Problem {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
		return survey.Problem{Source: source(name, line), Reason: "not valid JSON: " + se.Error()}
	}
	return survey.Problem{Source: name, Reason: "not valid JSON: " + err.Error()}
}
