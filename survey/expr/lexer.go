package expr

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tNum            // 12, 1.5, .5
	tStr            // 'x' or "x"; text is the content
	tRef            // ${name}; text is the name
	tSelf           // .
	tName           // function names and the keywords and, or, div, mod
	tLParen         // (
	tRParen         // )
	tComma          // ,
	tOp             // = != < <= > >= + - *
)

type token struct {
	kind tokKind
	pos  int    // byte offset in the source
	text string // operator, name, string content, or the number as written
}

// describe names t in error messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tNum:
		return "number " + t.text
	case tStr:
		return "string " + quoteLiteral(t.text)
	case tRef:
		return "${" + t.text + "}"
	case tName:
		return "name " + strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// next reads the token at p.pos into p.tok.
func (p *parser) next() {
	s, i := p.src, p.pos
	for i < len(s) && isSpaceByte(s[i]) {
		i++
	}
	p.tok = token{pos: i}
	if i == len(s) {
		p.pos = i
		return
	}
	end := i + 1
	kind := tOp
	switch c := s[i]; {
	case c == '$':
		if end == len(s) || s[end] != '{' {
			p.failf(i, `unexpected character "$"`)
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			p.failf(i, `missing "}" after "${"`)
		}
		end = i + j + 1
		name := s[i+2 : end-1]
		if !validName(name) {
			p.failf(i, "invalid question name %s", strconv.Quote(name))
		}
		p.tok.kind, p.tok.text, p.pos = tRef, name, end
		return
	case c == '\'' || c == '"':
		j := strings.IndexByte(s[end:], c)
		if j < 0 {
			p.failf(i, "unterminated string")
		}
		p.tok.kind, p.tok.text, p.pos = tStr, s[end:end+j], end+j+1
		return
	case isDigit(c) || c == '.' && end < len(s) && isDigit(s[end]):
		for end < len(s) && isDigit(s[end]) {
			end++
		}
		if c != '.' && end < len(s) && s[end] == '.' {
			end++
			for end < len(s) && isDigit(s[end]) {
				end++
			}
		}
		kind = tNum
	case c == '.':
		if end < len(s) && (s[end] == '.' || s[end] == '/') {
			p.failf(i, "paths are not supported (refer to questions as ${name})")
		}
		kind = tSelf
	case c == '(':
		kind = tLParen
	case c == ')':
		kind = tRParen
	case c == ',':
		kind = tComma
	case c == '+' || c == '-' || c == '*':
	case c == '=':
		if end < len(s) && s[end] == '=' {
			p.failf(i, `"==" is not an operator (use "=")`)
		}
	case c == '<' || c == '>':
		if end < len(s) && s[end] == '=' {
			end++
		}
	case c == '!':
		if end == len(s) || s[end] != '=' {
			p.failf(i, `unexpected character "!" (use not(...) or "!=")`)
		}
		end++
	case c == '/':
		p.failf(i, `"/" is not an operator (use "div")`)
	case c == '%':
		p.failf(i, `"%%" is not an operator (use "mod")`)
	case c == '&' || c == '|':
		word := "and"
		if c == '|' {
			word = "or"
		}
		p.failf(i, "unexpected character %q (use %q)", string(c), word)
	default:
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isNameStart(r) {
			p.failf(i, "unexpected character %s", strconv.Quote(string(r)))
		}
		end = i + n
		for end < len(s) {
			r, n := utf8.DecodeRuneInString(s[end:])
			if !isNameChar(r) {
				break
			}
			end += n
		}
		kind = tName
	}
	p.tok.kind, p.tok.text, p.pos = kind, s[i:end], end
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isNameChar(r rune) bool {
	return isNameStart(r) || r == '-' || r == '.' || unicode.IsDigit(r)
}

// ValidName reports whether name can be written in an expression: as ${name}, or bare as
// a choice column in a choice filter.
func ValidName(name string) bool { return validName(name) }

// validName reports whether name is a valid question name: a letter or "_", then
// letters, digits, "_", "-" or ".".
func validName(name string) bool {
	for i, r := range name {
		if i == 0 && !isNameStart(r) || !isNameChar(r) {
			return false
		}
	}
	return name != ""
}

// quoteLiteral writes s as a string literal, in single quotes unless s contains one.
func quoteLiteral(s string) string {
	if strings.IndexByte(s, '\'') >= 0 {
		return `"` + s + `"`
	}
	return "'" + s + "'"
}
