package expr

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// This file interprets the JSON tree following the package documentation alone, as the
// browser's evaluator does, without using the package's own evaluator. Tests and the fuzz
// target check that it agrees with Eval and that the tree holds the whole expression.

var refDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

var refNumber = regexp.MustCompile(`^[ \t\r\n]*-?(\d+(\.\d*)?|\.\d+)[ \t\r\n]*$`)

// decodeTree marshals e and decodes the JSON the way JSON.parse would.
func decodeTree(t testing.TB, e *Expr) any {
	t.Helper()
	b, err := e.MarshalJSON()
	if err != nil || !json.Valid(b) {
		t.Fatalf("MarshalJSON() = %s, %v: not valid JSON", b, err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	return tree
}

// refValue turns a Value into what a JavaScript evaluator holds: nil, float64, string,
// []string or bool.
func refValue(v Value) any {
	switch v.Kind {
	case KindNumber:
		return v.Num
	case KindString:
		return v.Str
	case KindList:
		return v.List
	case KindBool:
		return v.Bool
	}
	return nil
}

func fromRef(x any) Value {
	switch x := x.(type) {
	case float64:
		return Num(x)
	case string:
		return Str(x)
	case []string:
		return List(x...)
	case bool:
		return Bool(x)
	}
	return Value{}
}

func refString(x any) string {
	switch x := x.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, " ")
	case bool:
		return strconv.FormatBool(x)
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		case x == 0:
			return "0"
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func refNum(x any) float64 {
	switch x := x.(type) {
	case nil:
		return math.NaN()
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	}
	s := refString(x)
	if refDate.MatchString(s) {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return math.Floor(float64(t.Unix()) / 86400)
		}
	}
	if !refNumber.MatchString(s) {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(strings.Trim(s, " \t\r\n"), 64)
	return f
}

func refBool(x any) bool {
	switch x := x.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	}
	return refString(x) != ""
}

func refEqual(a, b any) bool {
	_, ab := a.(bool)
	_, bb := b.(bool)
	if ab || bb {
		return refBool(a) == refBool(b)
	}
	x, an := a.(float64)
	y, bn := b.(float64)
	switch {
	case an && bn:
		return x == y
	case bn:
		a, b, x, an = b, a, y, true
	}
	if an {
		if s := refString(b); refNumber.MatchString(s) {
			return x == refNum(s)
		}
	}
	return refString(a) == refString(b)
}

func refOrder(op string, a, b any) bool {
	if refString(a) == "" || refString(b) == "" {
		return false
	}
	_, ab := a.(bool)
	_, bb := b.(bool)
	_, an := a.(float64)
	_, bn := b.(float64)
	x, y := refNum(a), refNum(b)
	if !ab && !bb && !an && !bn && (!refNumber.MatchString(refString(a)) || !refNumber.MatchString(refString(b))) {
		x, y = float64(slices.Compare([]rune(refString(a)), []rune(refString(b)))), 0
	}
	switch op {
	case "<":
		return x < y
	case "<=":
		return x <= y
	case ">":
		return x > y
	}
	return x >= y
}

func refChoices(x any) []string {
	if l, ok := x.([]string); ok {
		return l
	}
	return strings.FieldsFunc(refString(x), func(r rune) bool { return strings.ContainsRune(" \t\r\n", r) })
}

func refEval(tree any, env Env) any {
	n := tree.([]any)
	arg := func(i int) any { return refEval(n[i], env) }
	switch n[0] {
	case "ref":
		return refValue(env.Lookup(n[1].(string)))
	case "self":
		return refValue(env.Self())
	case "col":
		if c, ok := env.(ColumnEnv); ok {
			return refValue(c.Column(n[1].(string)))
		}
		return nil
	case "num", "str", "bool":
		return n[1]
	case "not":
		return !refBool(arg(1))
	case "neg":
		return -refNum(arg(1))
	case "op":
		switch op := n[1].(string); op {
		case "or":
			return refBool(arg(2)) || refBool(arg(3))
		case "and":
			return refBool(arg(2)) && refBool(arg(3))
		case "=":
			return refEqual(arg(2), arg(3))
		case "!=":
			return !refEqual(arg(2), arg(3))
		case "<", "<=", ">", ">=":
			return refOrder(op, arg(2), arg(3))
		default:
			x, y := refNum(arg(2)), refNum(arg(3))
			return map[string]float64{"+": x + y, "-": x - y, "*": x * y, "div": x / y, "mod": math.Mod(x, y)}[op]
		}
	}
	switch n[1] {
	case "selected":
		a := arg(2)
		return a != nil && slices.Contains(refChoices(a), refString(arg(3)))
	case "count-selected":
		return float64(len(refChoices(arg(2))))
	case "string-length":
		return float64(utf8.RuneCountInString(refString(arg(2))))
	case "string":
		return refString(arg(2))
	case "number":
		return refNum(arg(2))
	case "int":
		return math.Trunc(refNum(arg(2)))
	case "if":
		if refBool(arg(2)) {
			return arg(3)
		}
		return arg(4)
	case "regex":
		re, _ := compileRegex(refString(arg(3))) // the server's size limit is not part of the semantics
		return re != nil && re.MatchString(refString(arg(2)))
	case "today":
		return env.Today()
	case "coalesce":
		if a := arg(2); refString(a) != "" {
			return a
		}
		return arg(3)
	case "contains":
		return strings.Contains(refString(arg(2)), refString(arg(3)))
	case "starts-with":
		return strings.HasPrefix(refString(arg(2)), refString(arg(3)))
	case "concat":
		var b strings.Builder
		for i := 2; i < len(n); i++ {
			b.WriteString(refString(arg(i)))
		}
		return b.String()
	case "round":
		d := 0.0
		if len(n) > 3 {
			d = math.Trunc(refNum(arg(3)))
		}
		x := refNum(arg(2))
		if math.IsNaN(d) {
			return math.NaN()
		}
		d = math.Max(-15, math.Min(15, d))
		if d >= 0 {
			return math.Round(x*math.Pow(10, d)) / math.Pow(10, d)
		}
		return math.Round(x/math.Pow(10, -d)) * math.Pow(10, -d)
	case "selected-at":
		l, i := refChoices(arg(2)), math.Trunc(refNum(arg(3)))
		if i >= 0 && i < float64(len(l)) {
			return l[int(i)]
		}
		return ""
	case "substr":
		r := []rune(refString(arg(2)))
		at := func(f float64, def int) int {
			f = math.Trunc(f)
			if math.IsNaN(f) {
				return def
			}
			return int(math.Max(0, math.Min(float64(len(r)), f)))
		}
		i, j := at(refNum(arg(3)), 0), len(r)
		if len(n) > 4 {
			j = at(refNum(arg(4)), len(r))
		}
		if j <= i {
			return ""
		}
		return string(r[i:j])
	case "now":
		return env.(NowEnv).Now()
	case "abs":
		return math.Abs(refNum(arg(2)))
	case "once":
		return arg(2)
	case "boolean-from-string":
		s := refString(arg(2))
		return s == "true" || s == "1"
	}
	panic("unknown node " + refString(n[1]))
}

var refPrec = map[string]int{"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
	"+": 5, "-": 5, "*": 6, "div": 6, "mod": 6}

// refSource writes the tree back as source, in the canonical form String documents.
func refSource(tree any) (src string, prec int) {
	n := tree.([]any)
	operand := func(x any, min int) string {
		s, p := refSource(x)
		if p < min {
			return "(" + s + ")"
		}
		return s
	}
	switch n[0] {
	case "ref":
		return "${" + n[1].(string) + "}", 8
	case "self":
		return ".", 8
	case "col":
		return n[1].(string), 8
	case "num":
		return refString(n[1]), 8
	case "str":
		return quoteLiteral(n[1].(string)), 8
	case "bool":
		return refString(n[1]) + "()", 8
	case "neg":
		return "-" + operand(n[1], 7), 7
	case "op":
		p := refPrec[n[1].(string)]
		return operand(n[2], p) + " " + n[1].(string) + " " + operand(n[3], p+1), p
	}
	name, args := "not", n[1:]
	if n[0] == "call" {
		name, args = n[1].(string), n[2:]
	}
	var parts []string
	for _, a := range args {
		s, _ := refSource(a)
		parts = append(parts, s)
	}
	return name + "(" + strings.Join(parts, ", ") + ")", 8
}
