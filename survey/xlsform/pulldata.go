package xlsform

import (
	"fmt"
	"strings"

	"github.com/palabre/palabre/survey/expr"
)

// pulldata('FILE', 'COLUMN', 'KEY_COLUMN', KEY) is, in ODK, the COLUMN of the first row of
// FILE.csv whose KEY_COLUMN is the text of KEY, or '' when no row is. palabre reads FILE.csv
// beside the workbook (as it reads select_one_from_file's) and writes the lookup as an
// expression its engine evaluates on the server and in the page alike: the value itself
// when KEY is a text, else concat(if(string(KEY) = 'k1', 'v1', ''), …), one if per key.
// A lookup that such an expression cannot hold (larger than expr.MaxLen) is refused.

// maxPulldataRows bounds the rows of a file pulldata reads, so that a lookup stays small.
const maxPulldataRows = 500

// pulldata writes the pulldata() calls of e as expressions; why says why it cannot.
func (r *reader) pulldata(e string) (out, why string) {
	if !strings.Contains(e, "pulldata") {
		return e, ""
	}
	var b strings.Builder
	for i := 0; i < len(e); {
		switch c := e[i]; {
		case c == '\'' || c == '"':
			j := strings.IndexByte(e[i+1:], c)
			if j < 0 {
				b.WriteString(e[i:])
				return b.String(), ""
			}
			b.WriteString(e[i : i+j+2])
			i += j + 2
			continue
		case strings.HasPrefix(e[i:], "pulldata") && (i == 0 || !nameByte(e[i-1])):
			j := i + len("pulldata")
			for j < len(e) && (e[j] == ' ' || e[j] == '\t') {
				j++
			}
			if j >= len(e) || e[j] != '(' {
				break
			}
			args, end, ok := callArgs(e, j)
			if !ok {
				return e, "" // the expression's own syntax error is reported when it is checked
			}
			lookup, why := r.lookup(args)
			if why != "" {
				return e, why
			}
			b.WriteString(lookup)
			i = end
			continue
		}
		b.WriteByte(e[i])
		i++
	}
	return b.String(), ""
}

func nameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == ':' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// callArgs splits the arguments of the call whose "(" is at open; end is after its ")".
func callArgs(e string, open int) (args []string, end int, ok bool) {
	depth, start := 0, open+1
	for i := open; i < len(e); i++ {
		switch c := e[i]; c {
		case '\'', '"':
			j := strings.IndexByte(e[i+1:], c)
			if j < 0 {
				return nil, 0, false
			}
			i += j + 1
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return append(args, strings.TrimSpace(e[start:i])), i + 1, true
			}
		case ',':
			if depth == 1 {
				args = append(args, strings.TrimSpace(e[start:i]))
				start = i + 1
			}
		}
	}
	return nil, 0, false
}

// literal reads a quoted text.
func literal(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] && !strings.ContainsRune(s[1:len(s)-1], rune(s[0])) {
		return s[1 : len(s)-1], true
	}
	return "", false
}

// quote writes s as an expression's text; false when it holds both kinds of quotes.
func quote(s string) (string, bool) {
	switch {
	case !strings.Contains(s, "'"):
		return "'" + s + "'", true
	case !strings.Contains(s, `"`):
		return `"` + s + `"`, true
	}
	return "", false
}

// lookup writes one pulldata call's arguments as an expression.
func (r *reader) lookup(args []string) (string, string) {
	if len(args) != 4 {
		return "", fmt.Sprintf("pulldata takes 4 arguments (file, column, key column, key), not %d", len(args))
	}
	var lit [3]string
	for i := range 3 {
		s, ok := literal(args[i])
		if !ok || s == "" {
			return "", fmt.Sprintf("pulldata's file, column and key column must be written as texts, such as 'fruits', not %s", args[i])
		}
		lit[i] = s
	}
	file, col, keyCol := lit[0], lit[1], lit[2]
	if !strings.HasSuffix(strings.ToLower(file), ".csv") {
		file += ".csv"
	}
	if r.files == nil {
		return "", fmt.Sprintf("pulldata reads %s, which is not given: put the file beside the workbook and load the workbook from its folder", file)
	}
	rows, err := readCSV(r.files, file)
	if err != nil {
		return "", fmt.Sprintf("pulldata reads %s: %v", file, err)
	}
	if len(rows) > maxPulldataRows+1 {
		return "", fmt.Sprintf("pulldata reads %s, which has more than %d rows: palabre looks up in smaller files only", file, maxPulldataRows)
	}
	ci, ki := -1, -1
	if len(rows) > 0 {
		for i, h := range rows[0] {
			if h = strings.TrimSpace(h); h == col && ci < 0 {
				ci = i
			}
			if h == keyCol && ki < 0 {
				ki = i
			}
		}
	}
	switch {
	case ci < 0:
		return "", fmt.Sprintf("pulldata reads the column %q of %s, which has none", col, file)
	case ki < 0:
		return "", fmt.Sprintf("pulldata reads the column %q of %s, which has none", keyCol, file)
	}
	values := map[string]string{}
	var keys []string
	for _, row := range rows[1:] {
		if ki >= len(row) {
			continue
		}
		k, v := row[ki], ""
		if ci < len(row) {
			v = row[ci]
		}
		if _, seen := values[k]; !seen {
			values[k] = v
			keys = append(keys, k)
		}
	}
	if k, ok := literal(args[3]); ok {
		q, ok := quote(values[k])
		if !ok {
			return "", fmt.Sprintf("the value %q of %s holds both kinds of quotes, which an expression cannot write", values[k], file)
		}
		return q, ""
	}
	var b strings.Builder
	b.WriteString("concat(")
	n := 0
	for _, k := range keys {
		if values[k] == "" {
			continue
		}
		qk, ok1 := quote(k)
		qv, ok2 := quote(values[k])
		if !ok1 || !ok2 {
			return "", fmt.Sprintf("the row %q of %s holds both kinds of quotes, which an expression cannot write", k, file)
		}
		if n > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "if(string(%s) = %s, %s, '')", args[3], qk, qv)
		n++
	}
	if n == 0 {
		return "''", ""
	}
	b.WriteString(")")
	if b.Len() > expr.MaxLen {
		return "", fmt.Sprintf("the lookup in %s does not fit in an expression palabre can evaluate (%d characters at most)", file, expr.MaxLen)
	}
	return b.String(), ""
}
