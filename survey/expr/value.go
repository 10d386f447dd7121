package expr

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of Value. The zero Kind, KindNone, is an unanswered question.
const (
	KindNone   Kind = iota // unanswered or unknown question
	KindNumber             // integer, decimal, or the result of arithmetic
	KindString             // text, a single choice, or a date as "YYYY-MM-DD"
	KindList               // the choices selected in a multiple-choice question
	KindBool               // the result of a comparison or a logical function
)

var kindNames = [...]string{"none", "number", "string", "list", "bool"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is what a reference or an expression evaluates to. The zero Value is an
// unanswered question. Only the field matching Kind is meaningful.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
	List []string
	Bool bool
}

// Num returns a number Value.
func Num(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// Str returns a string Value. Dates are strings of the form "YYYY-MM-DD".
func Str(s string) Value { return Value{Kind: KindString, Str: s} }

// List returns the Value of a multiple-choice answer: the names of the selected choices.
func List(xs ...string) Value { return Value{Kind: KindList, List: xs} }

// Bool returns a boolean Value.
func Bool(b bool) Value { return Value{Kind: KindBool, Bool: b} }

// AsBool converts v to a boolean: a number is true when neither zero nor NaN, a string
// and a list when non-empty (a list through its string form); unanswered is false.
func (v Value) AsBool() bool {
	switch v.Kind {
	case KindNumber:
		return v.Num != 0 && !math.IsNaN(v.Num)
	case KindString:
		return v.Str != ""
	case KindList:
		return v.AsString() != ""
	case KindBool:
		return v.Bool
	}
	return false
}

// AsString converts v to a string: unanswered is "", a list joins its choices with single
// spaces, booleans are "true" and "false", numbers are written as FormatNumber does.
func (v Value) AsString() string {
	switch v.Kind {
	case KindNumber:
		return FormatNumber(v.Num)
	case KindString:
		return v.Str
	case KindList:
		return strings.Join(v.List, " ")
	case KindBool:
		if v.Bool {
			return "true"
		}
		return "false"
	}
	return ""
}

// AsNumber converts v to a number: booleans are 1 and 0, a date "YYYY-MM-DD" the days
// since 1970-01-01, other strings (and lists, through their string form) as ParseNumber
// does, unanswered is NaN.
func (v Value) AsNumber() float64 {
	switch v.Kind {
	case KindNumber:
		return v.Num
	case KindBool:
		if v.Bool {
			return 1
		}
		return 0
	case KindString, KindList:
		s := v.AsString()
		if days, ok := dateDays(s); ok {
			return days
		}
		f, _ := ParseNumber(s)
		return f
	}
	return math.NaN()
}

// dateDays reads s, when it is exactly a valid date "YYYY-MM-DD", as the number of days
// from 1970-01-01 to it, as ODK does in arithmetic: (today() - ${birth}) div 365.25.
func dateDays(s string) (float64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return float64(t.Unix() / 86400), true
}

// String describes v for logs and test failures, e.g. Num(3), Str("x"), List("a", "b").
func (v Value) String() string {
	switch v.Kind {
	case KindNone:
		return "None"
	case KindNumber:
		return "Num(" + FormatNumber(v.Num) + ")"
	case KindString:
		return "Str(" + strconv.Quote(v.Str) + ")"
	case KindList:
		q := make([]string, len(v.List))
		for i, s := range v.List {
			q[i] = strconv.Quote(s)
		}
		return "List(" + strings.Join(q, ", ") + ")"
	case KindBool:
		return "Bool(" + strconv.FormatBool(v.Bool) + ")"
	}
	return v.Kind.String()
}

// empty reports whether v counts as no answer: unanswered, "", or an empty list.
func (v Value) empty() bool {
	switch v.Kind {
	case KindNumber, KindBool:
		return false
	case KindString:
		return v.Str == ""
	case KindList:
		return v.AsString() == ""
	}
	return true
}

// FormatNumber writes f as a string: "NaN", "Infinity", "-Infinity", "0" for both zeros,
// otherwise the shortest decimal that reads back as f, without exponent ("0.1", "-42").
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ParseNumber reads s as a number the XPath way: optional spaces, an optional "-", digits
// with an optional decimal point ("12", "-0.5", ".5", "3."), optional spaces. Anything else,
// including "" and exponents, gives NaN and false. Digits too many for a float64 give ±Inf.
func ParseNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\r\n")
	t := strings.TrimPrefix(s, "-")
	digits, dot := 0, 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot == 0:
			dot++
		default:
			return math.NaN(), false
		}
	}
	if digits == 0 {
		return math.NaN(), false
	}
	f, _ := strconv.ParseFloat(s, 64) // only range errors are possible; f is then ±Inf or 0
	return f, true
}

// splitChoices splits a space-separated multiple-choice answer into choice names.
func splitChoices(s string) []string {
	return strings.FieldsFunc(s, isSpace)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// Env gives an expression the answers it refers to.
type Env interface {
	// Lookup returns the answer to the named question, or Value{} when it is unanswered
	// or unknown.
	Lookup(name string) Value
	// Self returns the value of the question whose constraint is being checked (".").
	Self() Value
	// Today returns the current date as "YYYY-MM-DD".
	Today() string
}

// ColumnEnv is an Env that also gives a choice filter (ParseFilter) the columns of the
// choice it is checked for; "name" is the choice's name. An Env without it answers "".
type ColumnEnv interface {
	Env
	Column(name string) Value
}

// NowEnv is an Env that fixes what now() returns, written as NowLayout; without it now()
// is the current UTC time.
type NowEnv interface {
	Env
	Now() string
}

// MapEnv is an Env backed by a map.
type MapEnv struct {
	Answers map[string]Value // by question name
	Current Value            // the value of "."
	Date    string           // today() as "YYYY-MM-DD"; empty means the local date now
	Time    string           // now() as NowLayout; empty means the UTC time now
	Columns map[string]Value // the choice columns a choice filter reads
}

// Now returns m.Time, or the UTC time now when m.Time is empty.
func (m MapEnv) Now() string {
	if m.Time != "" {
		return m.Time
	}
	return time.Now().UTC().Format(NowLayout)
}

// Column returns the choice column named name, or Value{}.
func (m MapEnv) Column(name string) Value { return m.Columns[name] }

// Lookup returns the answer named name, or Value{}.
func (m MapEnv) Lookup(name string) Value { return m.Answers[name] }

// Self returns m.Current.
func (m MapEnv) Self() Value { return m.Current }

// Today returns m.Date, or the local date when m.Date is empty.
func (m MapEnv) Today() string {
	if m.Date != "" {
		return m.Date
	}
	return time.Now().Format(time.DateOnly)
}

// noEnv is used when Eval is given a nil Env: every question is unanswered.
type noEnv struct{}

func (noEnv) Lookup(string) Value { return Value{} }
func (noEnv) Self() Value         { return Value{} }
func (noEnv) Today() string       { return "" }
