package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what Parse accepts, so that hostile input costs little.
const (
	MaxLen   = 4096 // bytes of source
	MaxDepth = 64   // nested parentheses, function calls and unary minus signs
)

// SyntaxError is the error Parse returns.
type SyntaxError struct {
	Offset int    // byte offset in the source where the problem was found
	Reason string // short English description, such as `expected ")"`
}

func (e *SyntaxError) Error() string {
	return e.Reason + " at offset " + strconv.Itoa(e.Offset)
}

type parser struct {
	src   string
	pos   int   // offset just after p.tok
	tok   token // current token
	depth int
	refs  map[string]bool
	cols  map[string]bool // bare names read as choice columns; nil outside a choice filter
	self  bool
}

// failf stops the parse with a SyntaxError; Parse recovers it.
func (p *parser) failf(pos int, format string, args ...any) {
	panic(&SyntaxError{Offset: pos, Reason: fmt.Sprintf(format, args...)})
}

// Parse parses src. Its errors are *SyntaxError.
func Parse(src string) (*Expr, error) { return parse(src, false) }

// ParseFilter parses a choice filter: like Parse, but a bare name that is not a function
// call or an operator (country, name) is a column of the choice being filtered, read
// through the Env's Column method (see ColumnEnv).
func ParseFilter(src string) (*Expr, error) { return parse(src, true) }

func parse(src string, filter bool) (e *Expr, err error) {
	if len(src) > MaxLen {
		return nil, &SyntaxError{Offset: MaxLen, Reason: fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && n == 1 {
			return nil, &SyntaxError{Offset: i, Reason: "invalid UTF-8"}
		}
		i += n
	}
	p := &parser{src: src, refs: map[string]bool{}}
	if filter {
		p.cols = map[string]bool{}
	}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			e, err = nil, se
		}
	}()
	p.next()
	if p.tok.kind == tEOF {
		p.failf(p.tok.pos, "empty expression")
	}
	root := p.binary(1)
	if p.tok.kind != tEOF {
		p.failf(p.tok.pos, "unexpected %s", p.tok.describe())
	}
	return newExpr(root, p.refs, p.cols, p.self), nil
}

// MustParse is like Parse but panics on error. It is meant for expressions written in Go code.
func MustParse(src string) *Expr {
	e, err := Parse(src)
	if err != nil {
		panic("expr: " + strconv.Quote(src) + ": " + err.Error())
	}
	return e
}

// enter counts one more level of nesting opened at pos.
func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > MaxDepth {
		p.failf(pos, "nested more than %d deep", MaxDepth)
	}
}

// binary parses a chain of binary operators of precedence minPrec or higher.
func (p *parser) binary(minPrec int) *node {
	left := p.unary()
	for {
		op, ok := p.operator()
		if !ok || opPrec[op] < minPrec {
			return left
		}
		pos := p.tok.pos
		p.next()
		right := p.binary(opPrec[op] + 1)
		left = &node{kind: nOp, op: op, pos: pos, args: []*node{left, right}}
	}
}

// operator reports whether the current token is a binary operator, and which.
func (p *parser) operator() (binOp, bool) {
	switch p.tok.kind {
	case tOp:
		return lookupOp(p.tok.text)
	case tName:
		if op, ok := lookupOp(p.tok.text); ok {
			return op, true
		}
		if op, ok := lookupOp(strings.ToLower(p.tok.text)); ok {
			p.failf(p.tok.pos, "unknown operator %q (use %q)", p.tok.text, opText[op])
		}
	}
	return 0, false
}

func (p *parser) unary() *node {
	if p.tok.kind != tOp || p.tok.text != "-" {
		return p.primary()
	}
	pos := p.tok.pos
	p.enter(pos)
	p.next()
	x := p.unary()
	p.depth--
	return &node{kind: nNeg, pos: pos, args: []*node{x}}
}

func (p *parser) primary() *node {
	t := p.tok
	switch t.kind {
	case tNum:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil && math.IsInf(f, 0) {
			p.failf(t.pos, "number out of range")
		}
		p.next()
		return &node{kind: nNum, pos: t.pos, num: f}
	case tStr:
		p.next()
		return &node{kind: nStr, pos: t.pos, s: t.text}
	case tRef:
		p.refs[t.text] = true
		p.next()
		return &node{kind: nRef, pos: t.pos, s: t.text}
	case tSelf:
		p.self = true
		p.next()
		return &node{kind: nSelf, pos: t.pos}
	case tLParen:
		p.enter(t.pos)
		p.next()
		x := p.binary(1)
		if p.tok.kind != tRParen {
			p.failf(p.tok.pos, `expected ")"`)
		}
		p.next()
		p.depth--
		return x
	case tName:
		return p.call()
	case tEOF:
		p.failf(t.pos, "unexpected end of expression")
	}
	p.failf(t.pos, "unexpected %s", t.describe())
	return nil
}

// call parses a function call; the current token is its name.
func (p *parser) call() *node {
	name := p.tok
	p.next()
	fn, known := lookupFunc(name.text)
	if p.tok.kind != tLParen {
		if known {
			p.failf(p.tok.pos, `expected "(" after %s`, name.text)
		}
		if _, ok := lookupOp(name.text); ok {
			p.failf(name.pos, "unexpected %q", name.text)
		}
		if p.cols != nil && !known {
			p.cols[name.text] = true
			return &node{kind: nCol, pos: name.pos, s: name.text}
		}
		p.failf(name.pos, "unexpected name %q (quote text as '%s')", name.text, name.text)
	}
	if !known {
		p.failf(name.pos, "unknown function %q", name.text)
	}
	p.enter(p.tok.pos)
	p.next()
	var args []*node
	if p.tok.kind != tRParen {
		for {
			args = append(args, p.binary(1))
			if p.tok.kind != tComma {
				break
			}
			p.next()
		}
	}
	if p.tok.kind != tRParen {
		p.failf(p.tok.pos, `expected "," or ")"`)
	}
	p.next()
	p.depth--
	if lo, hi := funcs[fn].arity, funcs[fn].maxArity; hi == 0 && len(args) != lo {
		plural := "s"
		if lo == 1 {
			plural = ""
		}
		p.failf(name.pos, "%s() takes %d argument%s, not %d", name.text, lo, plural, len(args))
	} else if len(args) < lo || hi != variadic && hi != 0 && len(args) > hi {
		if hi == variadic {
			p.failf(name.pos, "%s() takes at least %d arguments, not %d", name.text, lo, len(args))
		}
		p.failf(name.pos, "%s() takes %d or %d arguments, not %d", name.text, lo, hi, len(args))
	}
	switch fn {
	case fnTrue, fnFalse:
		return &node{kind: nBool, pos: name.pos, b: fn == fnTrue}
	case fnNot:
		return &node{kind: nNot, pos: name.pos, args: args}
	}
	n := &node{kind: nCall, fn: fn, pos: name.pos, args: args}
	if fn == fnRegex && args[1].kind == nStr {
		re, reason := compileRegex(args[1].s)
		if re == nil {
			p.failf(args[1].pos, "%s", reason)
		}
		n.re = re
	}
	return n
}
