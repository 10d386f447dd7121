package xlsform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palabre/palabre/survey"
)

// The kinds of begin_group/begin_repeat being read.
type frameKind int

const (
	groupFrame  frameKind = iota // a group: a section of the form
	tableFrame                   // a table-list group: a matrix, if its rows allow
	innerFrame                   // a group inside a group: its questions join the outer one
	repeatFrame                  // a repeat, reported as a problem
)

type frame struct {
	kind    frameKind
	row     row
	key     string
	section survey.Section
	members []member // the rows of a table-list group
	dropped int      // questions left out before the group began
}

// member is a question read inside a table-list group, with what makes it a matrix row.
type member struct {
	q          survey.Question
	row        row
	list       *list
	selectOne  bool
	appearance string
	other      *survey.Question // the text question or_other adds after it
}

// surveyColumns are the survey sheet columns palabre reads.
var surveyColumns = []string{"type", "name", "label", "hint", "required", "relevant", "constraint",
	"constraint_message", "appearance", "parameters", "changed_in", "choice_filter", "calculation", "palabre", "default"}

// survey reads the survey sheet into sections: a group is a section, and each run of
// questions outside groups is a section without a key.
func (r *reader) survey(sh *sheet, lists map[string]*list, lang string) []survey.Section {
	r.sources["questions"] = r.where(sh, 0, "")
	r.sources["sections"] = r.sources["questions"]
	var sections []survey.Section
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	// emit adds a question to the innermost group, or to the run of questions outside groups.
	// A group inside a group adds its relevant to each of its questions, which join the
	// enclosing group: the model has one level of groups, and skip logic stays the same.
	emit := func(m member) {
		for i := len(stack) - 1; i >= 0; i-- {
			switch f := stack[i]; f.kind {
			case tableFrame:
				f.members = append(f.members, m)
				return
			case innerFrame:
				m.q.Relevant = and(f.section.Relevant, m.q.Relevant)
			case groupFrame:
				f.section.Questions = append(f.section.Questions, m.q)
				return
			case repeatFrame:
				return
			}
		}
		if n := len(sections); n == 0 || sections[n-1].Key != "" {
			sections = append(sections, survey.Section{})
		}
		sections[len(sections)-1].Questions = append(sections[len(sections)-1].Questions, m.q)
	}
	emitAll := func(m member) {
		emit(m)
		if m.other != nil {
			r.defined(sh, m.other.Key, m.row.n)
			emit(member{q: *m.other, row: m.row})
		}
	}
	skip, skipped := 0, "" // rows inside a repeat left out with DropUnsupported
	for _, rw := range r.expandLoops(sh, r.expandIncludes(sh, sh.rows, lists, lang, nil), lists, lang) {
		typ := sh.cell(rw, "type")
		t := parseType(typ)
		if skip > 0 {
			switch {
			case strings.HasPrefix(t.base, "begin_"):
				skip++
			case strings.HasPrefix(t.base, "end_"):
				skip--
			case typ != "" && !slices.Contains(metadataTypes, t.base):
				r.drop(sh, rw, sh.header("type"), "inside the repeat %s: repeats are not supported", skipped)
			}
			continue
		}
		r.unusedColumns(sh, rw, surveyColumns, nil)
		if typ == "" {
			r.warn(sh, rw.n, sh.header("type"), sh.cell(rw, "name"), "the row has no type: palabre skips it")
			continue
		}
		switch t.base {
		case "begin_group":
			stack = append(stack, r.beginGroup(sh, rw, stack, lang))
		case "begin_repeat":
			r.drop(sh, rw, sh.header("type"), "repeats are not supported: palabre collects one answer per question")
			if r.opts.DropUnsupported {
				skip, skipped = 1, sh.cell(rw, "name")
				continue
			}
			stack = append(stack, &frame{kind: repeatFrame, row: rw})
		case "end_loop":
			r.problem(sh, rw.n, sh.header("type"), "", "end loop without a matching begin loop")
		case "end_group", "end_repeat":
			f := top()
			want := groupFrame
			if t.base == "end_repeat" {
				want = repeatFrame
			}
			if f == nil || (f.kind == repeatFrame) != (want == repeatFrame) {
				r.problem(sh, rw.n, sh.header("type"), "", "%s without a matching %s", t.base,
					strings.Replace(t.base, "end", "begin", 1))
				continue
			}
			stack = stack[:len(stack)-1]
			switch f.kind {
			case groupFrame:
				if len(f.section.Questions) == 0 && len(r.dropped) > f.dropped {
					continue // every question of the group is left out, and so is the group
				}
				sections = append(sections, f.section)
			case tableFrame:
				if q, ok := r.matrix(sh, f); ok {
					emit(member{q: q, row: f.row})
				} else if len(stack) > 0 {
					r.warn(sh, f.row.n, sh.header("appearance"), f.key, "table-list ignored: %s, so its questions are shown in the enclosing group", r.notMatrix(f))
					for _, m := range f.members {
						m.q.Relevant = and(f.section.Relevant, m.q.Relevant)
						emit(m)
					}
				} else {
					s := f.section
					for _, m := range f.members {
						s.Questions = append(s.Questions, m.q)
					}
					r.warn(sh, f.row.n, sh.header("appearance"), f.key, "table-list ignored: %s, so the group is shown as a plain group", r.notMatrix(f))
					sections = append(sections, s)
				}
			}
		default:
			if m, ok := r.question(sh, rw, t, lists, lang); ok {
				if m.q.Key != "" {
					r.defined(sh, m.q.Key, rw.n)
				}
				emitAll(m)
			}
		}
	}
	for _, f := range stack {
		r.problem(sh, f.row.n, sh.header("type"), f.key, "%s has no matching end", sh.cell(f.row, "type"))
	}
	if skip > 0 {
		r.problem(sh, 0, sh.header("type"), skipped, "the repeat %s has no matching end", skipped)
	}
	return r.dropDependents(sh, sections)
}

// and joins two relevant expressions: both must hold.
func and(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") and (" + b + ")"
}

// dropDependents leaves out, with DropUnsupported, the questions and groups whose relevant,
// constraint, calculation or choice filter refers to a dropped question, and those that
// refer to them in turn.
func (r *reader) dropDependents(sh *sheet, sections []survey.Section) []survey.Section {
	if len(r.dropped) == 0 {
		return sections
	}
	gone := map[string]bool{}
	for _, d := range r.dropped {
		if d.Name != "" {
			gone[d.Name] = true
		}
	}
	uses := func(e string) string {
		for name := range gone {
			if strings.Contains(e, "${"+name+"}") {
				return name
			}
		}
		return ""
	}
	dropRow := func(key, ref string) {
		n := r.rows[key]
		d := Dropped{Sheet: sh.name, Row: n, Name: key,
			Reason: fmt.Sprintf("it depends on %s, which is left out", ref)}
		for _, rw := range sh.rows {
			if rw.n == n {
				d.Type = sh.cell(rw, "type")
			}
		}
		r.dropped = append(r.dropped, d)
		gone[key] = true
	}
	for changed := true; changed; {
		changed = false
		var kept []survey.Section
		for _, s := range sections {
			if ref := uses(s.Relevant); ref != "" {
				for _, q := range s.Questions {
					dropRow(q.Key, ref)
				}
				changed = true
				continue
			}
			var qs []survey.Question
			for _, q := range s.Questions {
				ref := uses(q.Relevant)
				for _, e := range []string{q.Constraint, q.Calculation, q.ChoiceFilter} {
					if ref == "" {
						ref = uses(e)
					}
				}
				if ref != "" {
					dropRow(q.Key, ref)
					changed = true
					continue
				}
				qs = append(qs, q)
			}
			if len(qs) > 0 || len(s.Questions) == 0 {
				s.Questions = qs
				kept = append(kept, s)
			}
		}
		sections = kept
	}
	return sections
}

// beginGroup reads a begin_group row.
func (r *reader) beginGroup(sh *sheet, rw row, stack []*frame, lang string) *frame {
	key := sh.cell(rw, "name")
	f := &frame{kind: groupFrame, row: rw, key: key, dropped: len(r.dropped)}
	if key == "" {
		r.problem(sh, rw.n, sh.header("name"), "", "the group has no name")
	} else {
		r.defined(sh, key, rw.n)
	}
	f.section = survey.Section{Key: key, Label: sh.text(rw, "label", lang), Relevant: sh.cell(rw, "relevant")}
	table := false
	for _, a := range strings.Fields(sh.cell(rw, "appearance")) {
		if a == "table-list" {
			table = true
		} else {
			r.warn(sh, rw.n, sh.header("appearance"), key, "appearance %q only changes the layout in ODK: palabre ignores it", a)
		}
	}
	if !table && sh.text(rw, "hint", lang) != nil {
		r.warn(sh, rw.n, sh.header("hint"), key, "palabre shows no hint for a group: it ignores it")
	}
	for _, col := range []string{"required", "constraint"} {
		if v := sh.cell(rw, col); v != "" && !(col == "required" && table) {
			r.warn(sh, rw.n, sh.header(col), key, "a group has no %s: palabre ignores it", col)
		}
	}
	nested := false
	for _, outer := range stack {
		if outer.kind != repeatFrame {
			nested = true
		}
	}
	switch {
	case table:
		f.kind = tableFrame
	case nested:
		f.kind = innerFrame
		if f.section.Label != nil {
			r.warn(sh, rw.n, sh.header("label"), key, "a group inside a group is not shown on its own: its questions are part of the enclosing group, asked when both groups' relevant hold")
		}
	}
	return f
}

// notMatrix says why a table-list group is not a matrix.
func (r *reader) notMatrix(f *frame) string {
	if len(f.members) == 0 {
		return "it has no rows"
	}
	for _, m := range f.members {
		if !m.selectOne {
			return "its rows are not all select_one questions"
		}
		if m.list != f.members[0].list {
			return "its rows do not all use the same choices list"
		}
	}
	return "its rows differ"
}

// matrix turns a table-list group whose rows are all select_one questions of the same list
// into one matrix question: the group's name, label, hint and relevant are the question's,
// each row's name and label an item, and the list its scale. It is required when the group
// is, or when every row is. Rows with the appearance "label" only show the scale's labels in
// ODK, and are skipped.
func (r *reader) matrix(sh *sheet, f *frame) (survey.Question, bool) {
	var rows []member
	for _, m := range f.members {
		if !m.selectOne || m.list == nil || m.list != f.members[0].list || m.q.Relevant != sh.cell(m.row, "relevant") {
			return survey.Question{}, false
		}
	}
	for _, m := range f.members {
		delete(r.sources, m.q.Key)
		delete(r.rows, m.q.Key)
		if !strings.Contains(" "+m.appearance+" ", " label ") {
			rows = append(rows, m)
		}
	}
	if len(rows) == 0 {
		return survey.Question{}, false
	}
	groupRequired, ok := yes(sh.cell(f.row, "required"))
	if !ok {
		r.problem(sh, f.row.n, sh.header("required"), f.key, "%q: palabre supports required yes or no, not a condition", sh.cell(f.row, "required"))
	}
	q := survey.Question{
		Key:      f.key,
		Type:     survey.Matrix,
		Label:    f.section.Label,
		Hint:     sh.text(f.row, "hint", r.lang),
		Relevant: f.section.Relevant,
		// A matrix has no constraint, but keeps the message a definition may give it.
		ConstraintMessage: sh.text(f.row, "constraint_message", r.lang),
		Required:          groupRequired || rows[0].q.Required,
		Choices:           cloneChoices(rows[0].list.choices),
	}
	if q.Label == nil {
		q.Label = survey.Text{r.lang: f.key}
		r.warn(sh, f.row.n, sh.header("label"), f.key, "the table-list group has no label: its name %s is shown instead", f.key)
	}
	if n, ok := r.changedIn(sh, f.row); ok {
		q.ChangedIn = n
	}
	for _, m := range rows {
		q.Items = append(q.Items, survey.Choice{Key: m.q.Key, Label: m.q.Label})
		if !groupRequired && m.q.Required != rows[0].q.Required {
			r.problem(sh, m.row.n, sh.header("required"), f.key, "the rows of a matrix are either all required or none")
		}
		for _, col := range []string{"relevant", "constraint"} {
			if sh.cell(m.row, col) != "" {
				r.problem(sh, m.row.n, sh.header(col), f.key, "a row of a matrix cannot have its own %s: set it on the group", col)
			}
		}
		if m.q.Hint != nil {
			r.warn(sh, m.row.n, sh.header("hint"), f.key, "a row of a matrix has no hint of its own: palabre ignores it")
		}
		if m.q.ChangedIn != 0 {
			r.problem(sh, m.row.n, sh.header("changed_in"), f.key, "a row of a matrix cannot have its own changed_in: set it on the group")
		}
	}
	r.defined(sh, f.key, f.row.n)
	return q, true
}

// defined records the row a question or group is defined on; a name used on two rows is
// placed on both, so that a problem about either can be found.
func (r *reader) defined(sh *sheet, key string, n int) {
	if r.rows == nil {
		r.rows = map[string]int{}
	}
	if first, dup := r.rows[key]; dup && first != n {
		r.sources[key] = r.where(sh, 0, "") + fmt.Sprintf(", rows %d and %d", first, n)
		return
	}
	r.rows[key] = n
	r.sources[key] = r.where(sh, n, "")
}
