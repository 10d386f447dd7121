package expr

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

type binOp uint8

const (
	opOr binOp = iota
	opAnd
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opAdd
	opSub
	opMul
	opDiv
	opMod
)

var (
	opText = [...]string{"or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"}
	opPrec = [...]int{1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 6}
)

const (
	precNeg  = 7 // unary minus
	precAtom = 8 // literals, references, calls
)

func lookupOp(text string) (binOp, bool) {
	for i, t := range opText {
		if t == text {
			return binOp(i), true
		}
	}
	return 0, false
}

type fnID uint8

const (
	fnNot fnID = iota
	fnTrue
	fnFalse
	fnSelected
	fnCountSelected
	fnStringLength
	fnString
	fnNumber
	fnInt
	fnIf
	fnRegex
	fnToday
	fnCoalesce
	fnContains
	fnStartsWith
	fnConcat
	fnRound
	fnSelectedAt
	fnNow
	fnSubstr
	fnBooleanFromString
	fnOnce
	fnAbs
)

// variadic is the maximum arity of a function that takes any number of arguments.
const variadic = -1

var funcs = [...]struct {
	name     string
	arity    int // least number of arguments
	maxArity int // most, variadic for no limit; 0 means arity
}{
	fnNot:               {"not", 1, 0},
	fnTrue:              {"true", 0, 0},
	fnFalse:             {"false", 0, 0},
	fnSelected:          {"selected", 2, 0},
	fnCountSelected:     {"count-selected", 1, 0},
	fnStringLength:      {"string-length", 1, 0},
	fnString:            {"string", 1, 0},
	fnNumber:            {"number", 1, 0},
	fnInt:               {"int", 1, 0},
	fnIf:                {"if", 3, 0},
	fnRegex:             {"regex", 2, 0},
	fnToday:             {"today", 0, 0},
	fnCoalesce:          {"coalesce", 2, 0},
	fnContains:          {"contains", 2, 0},
	fnStartsWith:        {"starts-with", 2, 0},
	fnConcat:            {"concat", 0, variadic},
	fnRound:             {"round", 1, 2},
	fnSelectedAt:        {"selected-at", 2, 0},
	fnNow:               {"now", 0, 0},
	fnSubstr:            {"substr", 2, 3},
	fnBooleanFromString: {"boolean-from-string", 1, 0},
	fnOnce:              {"once", 1, 0},
	fnAbs:               {"abs", 1, 0},
}

func lookupFunc(name string) (fnID, bool) {
	for i, f := range funcs {
		if f.name == name {
			return fnID(i), true
		}
	}
	return 0, false
}

type nodeKind uint8

const (
	nRef  nodeKind = iota // s is the question name
	nSelf                 // .
	nNum                  // num, finite and not negative
	nStr                  // s
	nBool                 // b
	nOp                   // args[0] op args[1]
	nNot                  // not(args[0])
	nNeg                  // -args[0]
	nCall                 // fn(args...)
	nCol                  // s is a column of the choice a choice filter is checked for
)

type node struct {
	kind nodeKind
	op   binOp
	fn   fnID
	pos  int // byte offset in the source
	s    string
	num  float64
	b    bool
	args []*node
	re   *regexp.Regexp // regex() with a literal pattern, compiled by Parse
}

func (n *node) prec() int {
	switch n.kind {
	case nOp:
		return opPrec[n.op]
	case nNeg:
		return precNeg
	}
	return precAtom
}

// Expr is a parsed expression. It is immutable and safe for concurrent use.
type Expr struct {
	root *node
	refs []string
	cols []string
	self bool
}

func newExpr(root *node, refs, cols map[string]bool, self bool) *Expr {
	e := &Expr{root: root, self: self}
	for name := range refs {
		e.refs = append(e.refs, name)
	}
	for name := range cols {
		e.cols = append(e.cols, name)
	}
	slices.Sort(e.refs)
	slices.Sort(e.cols)
	return e
}

// Columns returns the choice columns a choice filter (ParseFilter) refers to by bare
// name, sorted, each once.
func (e *Expr) Columns() []string {
	if e == nil {
		return nil
	}
	return slices.Clone(e.cols)
}

// Refs returns the names of the questions e refers to as ${name}, sorted, each once.
func (e *Expr) Refs() []string {
	if e == nil {
		return nil
	}
	return slices.Clone(e.refs)
}

// UsesSelf reports whether e refers to the current question's value as ".".
func (e *Expr) UsesSelf() bool { return e != nil && e.self }

// String returns e in canonical form: single spaces around binary operators, parentheses
// only where needed, strings in single quotes unless they contain one, numbers as
// FormatNumber writes them. Parsing it gives the same expression.
func (e *Expr) String() string {
	if e == nil || e.root == nil {
		return ""
	}
	var b strings.Builder
	writeSource(&b, e.root)
	return b.String()
}

func writeSource(b *strings.Builder, n *node) {
	switch n.kind {
	case nRef:
		b.WriteString("${" + n.s + "}")
	case nSelf:
		b.WriteByte('.')
	case nCol:
		b.WriteString(n.s)
	case nNum:
		b.WriteString(FormatNumber(n.num))
	case nStr:
		b.WriteString(quoteLiteral(n.s))
	case nBool:
		b.WriteString(strconv.FormatBool(n.b) + "()")
	case nOp:
		writeOperand(b, n.args[0], opPrec[n.op])
		b.WriteString(" " + opText[n.op] + " ")
		writeOperand(b, n.args[1], opPrec[n.op]+1) // operators associate to the left
	case nNeg:
		b.WriteByte('-')
		writeOperand(b, n.args[0], precNeg)
	case nNot, nCall:
		name := "not"
		if n.kind == nCall {
			name = funcs[n.fn].name
		}
		b.WriteString(name + "(")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeSource(b, a)
		}
		b.WriteByte(')')
	}
}

// writeOperand writes n, in parentheses if it binds less tightly than minPrec.
func writeOperand(b *strings.Builder, n *node, minPrec int) {
	if n.prec() >= minPrec {
		writeSource(b, n)
		return
	}
	b.WriteByte('(')
	writeSource(b, n)
	b.WriteByte(')')
}

// MarshalJSON encodes e as the JSON tree described in the package documentation.
func (e *Expr) MarshalJSON() ([]byte, error) {
	if e == nil || e.root == nil {
		return []byte("null"), nil
	}
	return appendJSON(nil, e.root), nil
}

func appendJSON(b []byte, n *node) []byte {
	switch n.kind {
	case nRef:
		b = appendJSONString(append(b, `["ref",`...), n.s)
	case nSelf:
		b = append(b, `["self"`...)
	case nCol:
		b = appendJSONString(append(b, `["col",`...), n.s)
	case nNum:
		b = append(append(b, `["num",`...), FormatNumber(n.num)...)
	case nStr:
		b = appendJSONString(append(b, `["str",`...), n.s)
	case nBool:
		b = strconv.AppendBool(append(b, `["bool",`...), n.b)
	case nOp:
		b = appendJSONString(append(b, `["op",`...), opText[n.op])
	case nNot:
		b = append(b, `["not"`...)
	case nNeg:
		b = append(b, `["neg"`...)
	case nCall:
		b = appendJSONString(append(b, `["call",`...), funcs[n.fn].name)
	}
	for _, a := range n.args {
		b = appendJSON(append(b, ','), a)
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string. s is valid UTF-8, as Parse ensures.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// Numeric reports whether e always evaluates to a number, whatever the answers: arithmetic,
// number(), int(), round(), count-selected(), string-length(), and if() or coalesce() whose
// branches are all numeric. A reference is not: its question may be of any type.
func (e *Expr) Numeric() bool { return e != nil && e.root != nil && numeric(e.root) }

func numeric(n *node) bool {
	switch n.kind {
	case nNum, nNeg:
		return true
	case nOp:
		return n.op >= opAdd
	case nCall:
		switch n.fn {
		case fnNumber, fnInt, fnRound, fnCountSelected, fnStringLength, fnAbs:
			return true
		case fnOnce:
			return numeric(n.args[0])
		case fnIf:
			return numeric(n.args[1]) && numeric(n.args[2])
		case fnCoalesce:
			return numeric(n.args[0]) && numeric(n.args[1])
		}
	}
	return false
}
