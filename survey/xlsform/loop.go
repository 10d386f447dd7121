package xlsform

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/palabre/palabre/survey"
)

// A loop ("begin loop over LIST" … "end loop") asks its questions once for each choice of
// LIST, as pyxform expands it: each choice is a group named after it and labelled with its
// label, holding a copy of the loop's rows in which "%(name)s" and "%(label)s" are the
// choice's name and label (the label in each language column in that language). palabre
// expands it when it reads the workbook, into ordinary groups and questions whose keys are
// stable: the group of choice C of the loop L is L_C, and a question named Q inside it is
// L_C_Q, unless its name has "%(name)s", in which case it is that name with the choice's
// name put in (as forms that refer to it write it). ${Q} inside the loop is that choice's
// copy of Q. A choice called none is left out, as pyxform does.

// refRE finds the ${name} references of a cell.
var refRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// expandLoops replaces each loop of rows by its expansion; the rows keep their numbers, so
// that problems are placed on the loop's own rows.
func (r *reader) expandLoops(sh *sheet, rows []row, lists map[string]*list, lang string) []row {
	var out []row
	for i := 0; i < len(rows); i++ {
		rw := rows[i]
		t := parseType(sh.cell(rw, "type"))
		if t.base != "begin_loop" {
			out = append(out, rw)
			continue
		}
		end, depth := -1, 1
		for j := i + 1; j < len(rows) && end < 0; j++ {
			switch parseType(sh.cell(rows[j], "type")).base {
			case "begin_loop":
				depth++
			case "end_loop":
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		typeCol, name := sh.header("type"), sh.cell(rw, "name")
		if end < 0 {
			r.problem(sh, rw.n, typeCol, name, "%s has no matching end loop", sh.cell(rw, "type"))
			return out
		}
		body := r.expandLoops(sh, rows[i+1:end], lists, lang)
		if r.tooLong {
			return out
		}
		i = end
		l, found := lists[t.list]
		switch {
		case name == "":
			r.problem(sh, rw.n, sh.header("name"), "", "the loop has no name")
			continue
		case t.list == "":
			r.problem(sh, rw.n, typeCol, name, "begin loop needs the name of a choices list: begin loop over LIST")
			continue
		case len(t.extra) > 0:
			r.problem(sh, rw.n, typeCol, name, "unexpected %q after the type", strings.Join(t.extra, " "))
			continue
		case !found:
			r.problem(sh, rw.n, typeCol, name, "there is no choices list %q in the choices sheet", t.list)
			continue
		}
		// The names of the loop's questions and groups, which ${…} inside the loop refers to.
		inner := map[string]bool{}
		for _, b := range body {
			if n := sh.cell(b, "name"); n != "" && !strings.Contains(n, "%(") {
				inner[n] = true
			}
		}
		for _, c := range l.choices {
			if c.Key == "none" {
				continue
			}
			if len(out)+len(body)+2 > MaxRows {
				r.problem(sh, rw.n, typeCol, name, "the loop makes the survey sheet longer than %d rows", MaxRows)
				r.tooLong = true
				return out
			}
			prefix := name + "_" + c.Key + "_"
			group := r.loopRow(sh, rw, c, lang, func(col column, v string) string {
				switch col.base {
				case "type":
					return "begin_group"
				case "name":
					return name + "_" + c.Key
				case "label":
					lbl := choiceText(c, col.lang, lang)
					if v != "" {
						return v + ": " + lbl
					}
					return lbl
				}
				return v
			})
			out = append(out, group)
			for _, b := range body {
				bt := parseType(sh.cell(b, "type"))
				out = append(out, r.loopRow(sh, b, c, lang, func(col column, v string) string {
					v = substitute(v, c, col.lang, lang)
					v = refRE.ReplaceAllStringFunc(v, func(ref string) string {
						if n := ref[2 : len(ref)-1]; inner[n] {
							return "${" + prefix + n + "}"
						}
						return ref
					})
					if col.base != "name" || strings.HasPrefix(bt.base, "end_") {
						return v
					}
					switch orig := sh.cell(b, "name"); {
					case strings.Contains(orig, "%("):
						return v
					case v == "" && bt.base == "note":
						return prefix + "note_" + strconv.Itoa(b.n)
					case v == "":
						return v
					}
					return prefix + v
				}))
			}
			out = append(out, r.loopRow(sh, rows[end], c, lang, func(col column, v string) string {
				if col.base == "type" {
					return "end_group"
				}
				return v
			}))
		}
	}
	return out
}

// loopRow copies rw, each cell of a column given through cell.
func (r *reader) loopRow(sh *sheet, rw row, c survey.Choice, lang string, cell func(column, string) string) row {
	out := row{n: rw.n, cells: slices.Clone(rw.cells)}
	for _, col := range sh.columns {
		v := ""
		if col.index < len(rw.cells) {
			v = rw.cells[col.index]
		}
		if nv := cell(col, v); nv != v {
			setRowCell(&out, col.index, nv)
		}
	}
	return out
}

func setRowCell(rw *row, i int, v string) {
	for len(rw.cells) <= i {
		rw.cells = append(rw.cells, "")
	}
	rw.cells[i] = v
}

// choiceText is a choice's label in the language of a column ("" the default language),
// else in the default language, else its name.
func choiceText(c survey.Choice, colLang, lang string) string {
	if colLang == "" {
		colLang = lang
	}
	if s := c.Label[colLang]; s != "" {
		return s
	}
	if s := c.Label[lang]; s != "" {
		return s
	}
	return c.Key
}

// substitute puts a choice's name and label in a cell of a loop's row, as pyxform's
// "%(name)s" and "%(label)s".
func substitute(v string, c survey.Choice, colLang, lang string) string {
	if !strings.Contains(v, "%(") {
		return v
	}
	return strings.NewReplacer("%(name)s", c.Key, "%(label)s", choiceText(c, colLang, lang)).Replace(v)
}
