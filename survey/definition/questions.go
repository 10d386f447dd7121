package definition

import (
	"slices"
	"sort"
	"strings"

	"github.com/palabre/palabre/survey"
)

// Keys of a questions-list entry: those of a group, those every question may have, and those
// that only some types take.
var (
	groupKeys    = []string{"group", "label", "relevant", "questions"}
	questionKeys = []string{"key", "type", "label", "hint", "required", "relevant", "constraint",
		"constraint_message", "changed_in"}
	typeKeys = map[survey.QuestionType][]string{
		survey.SingleChoice:   {"choices", "choice_filter"},
		survey.MultipleChoice: {"choices", "min_selected", "max_selected", "choice_filter"},
		survey.Calculate:      {"calculation"},
		survey.Likert:         {"scale", "choices"},
		survey.Matrix:         {"scale", "choices", "items"},
		survey.Rating:         {"min", "max"},
		survey.Number:         {"min", "max", "integer", "step"},
		survey.ShortText:      {"max_length"},
		survey.LongText:       {"max_length"},
	}
)

// entries builds the sections of a questions list: each group is a section, and each run of
// questions between groups is a section without a key.
func (b *builder) entries(list []entryDoc) []survey.Section {
	var out []survey.Section
	for i := range list {
		e := &list[i]
		path := []any{"questions", i}
		if b.tree.node(append(path, "group")...) == nil {
			q := b.question(e, path)
			if n := len(out); n == 0 || out[n-1].Key != "" {
				out = append(out, survey.Section{})
			}
			out[len(out)-1].Questions = append(out[len(out)-1].Questions, q)
			continue
		}
		out = append(out, b.group(e, path))
	}
	return out
}

// group builds a group. Groups do not nest: a form is a list of sections.
func (b *builder) group(e *entryDoc, path []any) survey.Section {
	line := b.tree.line(path...)
	key := strings.TrimSpace(e.Group)
	if key == "" {
		b.add(line, "group", "a group needs a name: group: some_name")
	}
	b.define(key, line)
	b.onlyKeys(path, key, "a group", groupKeys)
	s := survey.Section{Key: key, Label: b.text(e.Label, key), Relevant: strings.TrimSpace(e.Relevant)}
	if len(e.Questions) == 0 {
		b.add(line, key, "the group has no questions")
	}
	for i := range e.Questions {
		inner := &e.Questions[i]
		ipath := append(slices.Clone(path), "questions", i)
		if b.tree.node(append(ipath, "group")...) != nil {
			b.add(b.tree.line(ipath...), strings.TrimSpace(inner.Group),
				"groups cannot be nested: move this group out of group %q (give its questions a relevant if they depend on the outer group's)", key)
			continue
		}
		s.Questions = append(s.Questions, b.question(inner, ipath))
	}
	return s
}

// onlyKeys reports each key of the entry at path that is not in allowed.
func (b *builder) onlyKeys(path []any, field, what string, allowed []string) {
	for _, k := range b.tree.keys(path...) {
		if k.Value == "<<" || slices.Contains(allowed, k.Value) { // "<<" merges an anchored mapping
			continue
		}
		if slices.Contains(questionKeys, k.Value) || slices.Contains(groupKeys, k.Value) || isTypeKey(k.Value) {
			b.add(k.Line, field, "%s has no %q", what, k.Value)
		} else {
			b.add(k.Line, field, "%s", unknownField(k.Value, allowed))
		}
	}
}

func isTypeKey(k string) bool {
	for _, keys := range typeKeys {
		if slices.Contains(keys, k) {
			return true
		}
	}
	return false
}

func knownType(t string) (survey.QuestionType, bool) {
	qt := survey.QuestionType(t)
	return qt, slices.Contains(survey.QuestionTypes, qt)
}

func typeNames() []string {
	out := make([]string, len(survey.QuestionTypes))
	for i, t := range survey.QuestionTypes {
		out[i] = string(t)
	}
	return out
}

// question builds one question.
func (b *builder) question(e *entryDoc, path []any) survey.Question {
	line := b.tree.line(path...)
	key := strings.TrimSpace(e.Key)
	if key == "" {
		b.add(line, "", "a question needs a key: key: some_name")
	}
	b.define(key, line)
	q := survey.Question{
		Key:               key,
		Label:             b.text(e.Label, key),
		Hint:              b.text(e.Hint, key),
		Required:          e.Required,
		Relevant:          strings.TrimSpace(e.Relevant),
		Constraint:        strings.TrimSpace(e.Constraint),
		ConstraintMessage: b.text(e.ConstraintMessage, key),
		ChangedIn:         e.ChangedIn,
	}
	typ := strings.TrimSpace(e.Type)
	qt, ok := knownType(typ)
	if !ok {
		// Checked as a short text, so that the rest of the form is still checked against it.
		q.Type = survey.ShortText
		tl := b.tree.keyLine("type", path...)
		switch {
		case typ == "":
			b.add(line, key, "the question has no type; one of %s", strings.Join(typeNames(), ", "))
		case survey.Nearest(strings.ToLower(typ), typeNames()) != "":
			b.add(tl, key, "unknown type %q (did you mean %q?)", typ, survey.Nearest(strings.ToLower(typ), typeNames()))
		default:
			b.add(tl, key, "unknown type %q; one of %s", typ, strings.Join(typeNames(), ", "))
		}
		b.onlyKeys(path, key, "a question", slices.Concat(questionKeys, allTypeKeys()))
		return q
	}
	q.Type = qt
	b.onlyKeys(path, key, "a "+string(qt)+" question", slices.Concat(questionKeys, typeKeys[qt]))
	// Only the settings the type takes: onlyKeys has reported the others.
	takes := func(k string) bool { return slices.Contains(typeKeys[qt], k) }
	if takes("choices") {
		q.Choices = b.choices(e.Choices, key)
	}
	if takes("items") {
		q.Items = b.choices(e.Items, key+" items")
		b.lines[key+" items"] = b.tree.keyLine("items", path...)
	}
	if takes("min_selected") {
		q.MinSelected, q.MaxSelected = e.MinSelected, e.MaxSelected
	}
	if takes("min") {
		q.Min, q.Max = e.Min, e.Max
	}
	q.Integer = takes("integer") && e.Integer
	if takes("step") {
		q.Step = e.Step
	}
	if takes("max_length") {
		q.MaxLength = e.MaxLength
	}
	if takes("calculation") {
		q.Calculation = strings.TrimSpace(e.Calculation)
	}
	if takes("choice_filter") {
		q.ChoiceFilter = strings.TrimSpace(e.ChoiceFilter)
	}
	if qt == survey.Likert || qt == survey.Matrix {
		q.Choices = b.scale(e, path, key, q.Choices)
	}
	return q
}

func allTypeKeys() []string {
	var out []string
	for _, keys := range typeKeys {
		for _, k := range keys {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// scale returns the points of a Likert or matrix question: its own choices, the named scale,
// or the default agreement scale.
func (b *builder) scale(e *entryDoc, path []any, key string, own []survey.Choice) []survey.Choice {
	name := strings.TrimSpace(e.Scale)
	switch {
	case name != "" && len(own) > 0:
		b.add(b.tree.keyLine("choices", path...), key, "give either a scale or choices, not both")
		return own
	case len(own) > 0:
		return own
	case name == "":
		return DefaultScale()
	}
	pts, ok := b.scales[name]
	if !ok {
		names := make([]string, 0, len(b.scales))
		for n := range b.scales {
			names = append(names, n)
		}
		sort.Strings(names)
		b.add(b.tree.keyLine("scale", path...), key, "unknown scale %q; the scales are %s", name, strings.Join(names, ", "))
		return DefaultScale()
	}
	return cloneChoices(pts)
}

// define records the line a question or group is defined on, and the second one of a name
// used twice.
func (b *builder) define(key string, line int) {
	if first, dup := b.lines[key]; dup && first != line {
		b.twice[key] = line
		return
	}
	b.lines[key] = line
}
