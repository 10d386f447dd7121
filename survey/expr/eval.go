package expr

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Eval evaluates e against env. A nil env answers nothing. Eval never panics unless env does.
func (e *Expr) Eval(env Env) Value {
	if e == nil || e.root == nil {
		return Value{}
	}
	if env == nil {
		env = noEnv{}
	}
	return eval(e.root, env)
}

// True evaluates e against env and converts the result to a boolean, as skip logic and
// constraints need.
func (e *Expr) True(env Env) bool { return e.Eval(env).AsBool() }

func eval(n *node, env Env) Value {
	switch n.kind {
	case nRef:
		return env.Lookup(n.s)
	case nSelf:
		return env.Self()
	case nCol:
		if c, ok := env.(ColumnEnv); ok {
			return c.Column(n.s)
		}
		return Value{}
	case nNum:
		return Num(n.num)
	case nStr:
		return Str(n.s)
	case nBool:
		return Bool(n.b)
	case nNot:
		return Bool(!eval(n.args[0], env).AsBool())
	case nNeg:
		return Num(-eval(n.args[0], env).AsNumber())
	case nOp:
		return evalOp(n, env)
	case nCall:
		return evalCall(n, env)
	}
	return Value{}
}

func evalOp(n *node, env Env) Value {
	a := eval(n.args[0], env)
	switch n.op {
	case opOr:
		return Bool(a.AsBool() || eval(n.args[1], env).AsBool())
	case opAnd:
		return Bool(a.AsBool() && eval(n.args[1], env).AsBool())
	}
	b := eval(n.args[1], env)
	switch n.op {
	case opEq:
		return Bool(equal(a, b))
	case opNe:
		return Bool(!equal(a, b))
	case opLt, opLe, opGt, opGe:
		return Bool(order(n.op, a, b))
	}
	x, y := a.AsNumber(), b.AsNumber()
	switch n.op {
	case opAdd:
		return Num(x + y)
	case opSub:
		return Num(x - y)
	case opMul:
		return Num(x * y)
	case opDiv:
		return Num(x / y)
	}
	return Num(math.Mod(x, y))
}

// equal implements "=": booleans compare as booleans; a number compares with a number, or
// with a string that reads as a number; everything else compares as strings.
func equal(a, b Value) bool {
	if a.Kind == KindBool || b.Kind == KindBool {
		return a.AsBool() == b.AsBool()
	}
	if a.Kind == KindNumber && b.Kind == KindNumber {
		return a.Num == b.Num
	}
	if b.Kind == KindNumber {
		a, b = b, a
	}
	if a.Kind == KindNumber {
		s := b.AsString()
		if f, ok := ParseNumber(s); ok {
			return a.Num == f
		}
		return a.AsString() == s
	}
	return a.AsString() == b.AsString()
}

// order implements "<", "<=", ">" and ">=". It is false when either side is unanswered or
// empty. Booleans and numbers compare as numbers; two strings compare as numbers when both
// read as numbers, otherwise character by character (which orders "YYYY-MM-DD" dates).
func order(op binOp, a, b Value) bool {
	if a.empty() || b.empty() {
		return false
	}
	var x, y float64
	if a.Kind == KindBool || b.Kind == KindBool || a.Kind == KindNumber || b.Kind == KindNumber {
		x, y = a.AsNumber(), b.AsNumber()
	} else {
		s, t := a.AsString(), b.AsString()
		var okx, oky bool
		x, okx = ParseNumber(s)
		y, oky = ParseNumber(t)
		if !okx || !oky {
			c := strings.Compare(s, t)
			x, y = float64(c), 0
		}
	}
	switch op {
	case opLt:
		return x < y
	case opLe:
		return x <= y
	case opGt:
		return x > y
	}
	return x >= y
}

func evalCall(n *node, env Env) Value {
	args := n.args
	switch n.fn {
	case fnIf:
		if eval(args[0], env).AsBool() {
			return eval(args[1], env)
		}
		return eval(args[2], env)
	case fnCoalesce:
		if v := eval(args[0], env); !v.empty() {
			return v
		}
		return eval(args[1], env)
	case fnToday:
		return Str(env.Today())
	case fnNow:
		if c, ok := env.(NowEnv); ok {
			return Str(c.Now())
		}
		return Str(time.Now().UTC().Format(NowLayout))
	case fnConcat:
		var b strings.Builder
		for _, x := range args {
			b.WriteString(eval(x, env).AsString())
		}
		return Str(b.String())
	}
	a := eval(args[0], env)
	switch n.fn {
	case fnCountSelected:
		if a.Kind == KindList {
			return Num(float64(len(a.List)))
		}
		return Num(float64(len(splitChoices(a.AsString()))))
	case fnStringLength:
		return Num(float64(utf8.RuneCountInString(a.AsString())))
	case fnString:
		return Str(a.AsString())
	case fnNumber:
		return Num(a.AsNumber())
	case fnInt:
		return Num(math.Trunc(a.AsNumber()))
	case fnAbs:
		return Num(math.Abs(a.AsNumber()))
	case fnOnce:
		return a
	case fnBooleanFromString:
		s := a.AsString()
		return Bool(s == "true" || s == "1")
	case fnRound:
		digits := 0.0
		if len(args) == 2 {
			digits = math.Trunc(eval(args[1], env).AsNumber())
		}
		return Num(round(a.AsNumber(), digits))
	case fnSelectedAt:
		items := a.List
		if a.Kind != KindList {
			items = splitChoices(a.AsString())
		}
		i := math.Trunc(eval(args[1], env).AsNumber())
		if !(i >= 0 && i < float64(len(items))) {
			return Str("")
		}
		return Str(items[int(i)])
	case fnSubstr:
		r := []rune(a.AsString())
		start := clampIndex(eval(args[1], env).AsNumber(), 0, len(r))
		end := len(r)
		if len(args) == 3 {
			end = clampIndex(eval(args[2], env).AsNumber(), len(r), len(r))
		}
		if end <= start {
			return Str("")
		}
		return Str(string(r[start:end]))
	}
	s, t := a.AsString(), eval(args[1], env).AsString()
	switch n.fn {
	case fnSelected:
		switch a.Kind {
		case KindNone:
			return Bool(false)
		case KindList:
			return Bool(slices.Contains(a.List, t))
		}
		return Bool(slices.Contains(splitChoices(s), t))
	case fnRegex:
		re := n.re
		if re == nil {
			if re, _ = compileRegex(t); re == nil {
				return Bool(false)
			}
		}
		return Bool(re.MatchString(s))
	case fnContains:
		return Bool(strings.Contains(s, t))
	case fnStartsWith:
		return Bool(strings.HasPrefix(s, t))
	}
	return Value{}
}

// NowLayout is how now() writes the current time: UTC, to the second.
const NowLayout = "2006-01-02T15:04:05Z"

// round rounds x to digits decimal places (negative: to tens, hundreds…), halves away from
// zero. digits is clamped to -15..15; NaN digits give NaN.
func round(x, digits float64) float64 {
	switch {
	case math.IsNaN(digits):
		return math.NaN()
	case digits > 15:
		digits = 15
	case digits < -15:
		digits = -15
	}
	if digits >= 0 {
		p := math.Pow10(int(digits))
		return math.Round(x*p) / p
	}
	p := math.Pow10(int(-digits))
	return math.Round(x/p) * p
}

// clampIndex truncates f to an index between 0 and n; NaN gives def.
func clampIndex(f float64, def, n int) int {
	switch f = math.Trunc(f); {
	case math.IsNaN(f):
		return def
	case f < 0:
		return 0
	case f > float64(n):
		return n
	}
	return int(f)
}
