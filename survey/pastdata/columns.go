package pastdata

import (
	"fmt"
	"strings"

	"github.com/palabre/palabre/survey"
)

type columnKind int

const (
	colIgnore   columnKind = iota
	colID                  // the response's id in the export
	colTime                // when it was submitted
	colQuestion            // a question's answer
	colChoice              // one choice of a multiple choice, split into its own column
	colItem                // one row of a matrix
	colProfile             // a profile field
)

// column is what one column of an export holds.
type column struct {
	header string
	kind   columnKind
	rank   int // among id or time columns, the lower the better
	q      *survey.Question
	choice string // colChoice
	item   string // colItem
	field  string // colProfile: country, organisation, role, language
}

// target is the field of a Submission a column fills.
func (c *column) target() string {
	switch c.kind {
	case colQuestion, colChoice:
		return c.q.Key
	case colItem:
		return c.q.Key + "." + c.item
	case colProfile:
		return "profile." + c.field
	}
	return ""
}

// idColumns and timeColumns are the meta columns Read uses, best first.
var (
	idColumns   = []string{"_uuid", "instanceid", "key", "_id"}
	timeColumns = []string{"_submission_time", "submissiondate", "end", "start"}
	// ignoredColumns are the other meta columns of KoboToolbox and ODK Central exports.
	ignoredColumns = []string{"_index", "_validation_status", "_status", "_submitted_by", "_tags",
		"_notes", "_attachments", "__version__", "_version_", "_version", "_xform_id_string",
		"_geolocation", "_parent_index", "_parent_table_name", "_submission__id", "_submission__uuid",
		"uuid", "formhub/uuid", "deviceid", "today", "username", "simserial", "subscriberid",
		"phonenumber", "audit", "instancename", "submitterid", "submittername",
		"attachmentspresent", "attachmentsexpected", "status", "reviewstate", "edits",
		"formversion", "__system", "deprecatedid", "rootuuid", "_duration", "_media_all_received",
		"_xform_id", "_media_count", "_total_media"}
)

// profileNames are the column names read as profile fields.
var profileNames = map[string]string{
	"country": "country", "organisation": "organisation", "organization": "organisation",
	"role": "role", "language": "language",
}

// norm folds case and runs of spaces, to compare names and labels.
func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// names indexes a form's questions, choices and matrix rows by name and by label.
type names struct {
	keys   map[string]*survey.Question // by key
	labels map[string]*survey.Question // by label in any language, normalised
}

func indexForm(f *survey.Form) *names {
	n := &names{keys: map[string]*survey.Question{}, labels: map[string]*survey.Question{}}
	for _, q := range f.Questions() {
		n.keys[norm(q.Key)] = q
		for _, l := range q.Label {
			if l = norm(l); l != "" {
				if _, dup := n.labels[l]; !dup {
					n.labels[l] = q
				}
			}
		}
	}
	return n
}

func (n *names) question(s string) *survey.Question {
	if q := n.keys[norm(s)]; q != nil {
		return q
	}
	return n.labels[norm(s)]
}

// choiceKey returns the key of the choice named s (by key or by label in any language).
func choiceKey(choices []survey.Choice, s string) (string, bool) {
	s = norm(s)
	for _, c := range choices {
		if norm(c.Key) == s {
			return c.Key, true
		}
	}
	for _, c := range choices {
		for _, l := range c.Label {
			if norm(l) == s {
				return c.Key, true
			}
		}
	}
	return "", false
}

// choiceIndex finds choices by name or label (choiceKey), from a map built once per list.
type choiceIndex map[*survey.Choice]map[string]string

func (ci choiceIndex) key(choices []survey.Choice, s string) (string, bool) {
	if len(choices) == 0 {
		return "", false
	}
	m, ok := ci[&choices[0]]
	if !ok {
		m = map[string]string{}
		for _, c := range choices {
			for _, l := range c.Label {
				if l = norm(l); l != "" {
					if _, dup := m[l]; !dup {
						m[l] = c.Key
					}
				}
			}
		}
		for _, c := range choices { // a name wins over another choice's label
			m[norm(c.Key)] = c.Key
		}
		ci[&choices[0]] = m
	}
	k, ok := m[norm(s)]
	return k, ok
}

// separators returns the positions after each group separator of h, 0 first: the starts of
// the suffixes that may name a question once groups are stripped.
func separators(h string) []int {
	out := []int{0}
	for i := 0; i < len(h); i++ {
		if h[i] == '/' || h[i] == '-' {
			out = append(out, i+1)
		}
	}
	return out
}

// loopKey joins the parts of a group path with '_', as palabre names a question of an
// XLSForm loop: loop/choice/question is loop_choice_question.
func loopKey(h string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '-' {
			return '_'
		}
		return r
	}, h)
}

// resolve says what column h holds. ok is false for a column that names nothing.
func (p *plan) resolve(h string) (column, error) {
	c := column{header: h}
	if t, ok := p.mapping.Columns[h]; ok {
		return p.mapped(c, strings.TrimSpace(t))
	}
	for _, start := range separators(h) {
		s := h[start:]
		if start > 0 && s == "" {
			continue
		}
		if q := p.names.question(s); q != nil {
			if q.Type == survey.Note {
				c.kind = colIgnore
				return c, nil
			}
			if q.Type == survey.Matrix {
				return c, fmt.Errorf("names the matrix %s, whose answers come one column per row (%s/ROW)", q.Key, q.Key)
			}
			c.kind, c.q = colQuestion, q
			return c, nil
		}
		// q/choice or matrix/row, q and choice or row by name or label.
		for _, k := range separators(s)[1:] {
			q := p.names.question(s[:k-1])
			if q == nil {
				continue
			}
			switch q.Type {
			case survey.MultipleChoice:
				if key, ok := choiceKey(q.Choices, s[k:]); ok {
					c.kind, c.q, c.choice = colChoice, q, key
					return c, nil
				}
			case survey.Matrix:
				if key, ok := choiceKey(q.Items, s[k:]); ok {
					c.kind, c.q, c.item = colItem, q, key
					return c, nil
				}
			}
		}
		l := norm(s)
		for i, m := range idColumns {
			if l == m {
				c.kind, c.rank = colID, i
				return c, nil
			}
		}
		for i, m := range timeColumns {
			if l == m {
				c.kind, c.rank = colTime, i
				return c, nil
			}
		}
		if f, ok := profileNames[l]; ok {
			c.kind, c.field = colProfile, f
			return c, nil
		}
		for _, m := range ignoredColumns {
			if l == m {
				c.kind = colIgnore
				return c, nil
			}
		}
	}
	// A question of an XLSForm loop, once nothing else matched: the export writes
	// loop/choice/question, the form's key is loop_choice_question.
	for _, start := range separators(h) {
		if q := p.names.question(loopKey(h[start:])); q != nil && q.Type != survey.Matrix {
			if q.Type == survey.Note {
				c.kind = colIgnore
			} else {
				c.kind, c.q = colQuestion, q
			}
			return c, nil
		}
	}
	return c, errUnknownColumn
}

var errUnknownColumn = fmt.Errorf("names no question of the form, no profile field and no known meta column: name it in the mapping file (columns), or map it to %q to ignore it", Ignore)

// mapped reads a column the mapping names.
func (p *plan) mapped(c column, t string) (column, error) {
	switch {
	case t == Ignore:
		c.kind = colIgnore
		return c, nil
	case t == MetaID:
		c.kind, c.rank = colID, -1
		return c, nil
	case t == MetaSubmitted:
		c.kind, c.rank = colTime, -1
		return c, nil
	case strings.HasPrefix(t, "profile."):
		c.kind, c.field = colProfile, strings.TrimPrefix(t, "profile.")
		return c, nil
	}
	if q, _, ok := p.form.Form.Question(t); ok && q.Type != survey.Matrix {
		c.kind, c.q = colQuestion, q
		return c, nil
	}
	key, rest, _ := strings.Cut(t, ".")
	if q, _, ok := p.form.Form.Question(key); ok {
		switch {
		case q.Type == survey.Matrix:
			if _, ok := q.Item(rest); ok {
				c.kind, c.q, c.item = colItem, q, rest
				return c, nil
			}
		case q.Type == survey.MultipleChoice:
			if _, ok := q.Choice(rest); ok {
				c.kind, c.q, c.choice = colChoice, q, rest
				return c, nil
			}
		}
	}
	return c, fmt.Errorf("the mapping file maps it to %q, which is no question (KEY, MATRIX.ROW or MULTIPLE.CHOICE) of form version %d, nor a profile field, %s or %s", t, p.form.Form.Version, MetaID, MetaSubmitted)
}
