package expr

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// fuzzEnvs gives e's references and "." a spread of values built from num and str: every
// kind, NaN, infinities and the empty list, rotated so that each reference meets each kind.
func fuzzEnvs(e *Expr, num float64, str string) []Env {
	values := []Value{
		{}, Num(num), Str(str), List(splitChoices(str)...), Bool(num > 0), Num(math.NaN()),
		Str(FormatNumber(num)), List(), Num(math.Inf(-1)), Str("2024-02-29"), Bool(false), Num(0),
	}
	refs := e.Refs()
	var envs []Env
	for k := range values {
		env := MapEnv{Answers: map[string]Value{}, Current: values[k], Date: "2024-06-01", Time: "2024-06-01T12:30:00Z"}
		for i, name := range refs {
			env.Answers[name] = values[(i+k+1)%len(values)]
		}
		envs = append(envs, env)
	}
	return envs
}

func FuzzParse(f *testing.F) {
	for _, src := range realistic {
		f.Add(src, 18.5, "fever cough")
	}
	f.Add("${a} mod ${b} div -${c} = ''", 0.0, "")
	f.Add("regex(${a}, ${b}) and selected(${b}, ${a})", -3.0, "(")
	f.Add("coalesce(${a}, .) < today()", math.Inf(1), "1990-01-01")
	f.Add("concat(round(${a}, ${b}), selected-at(${b}, 1), substr(${a}, 1, ${c}), now())", 2.5, "a b c")
	f.Fuzz(func(t *testing.T, src string, num float64, str string) {
		str = strings.ToValidUTF8(str, "?") // answers arrive as valid UTF-8
		e, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(src) || se.Reason == "" {
				t.Fatalf("Parse(%q) error %#v", src, err)
			}
			return
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			if len(canon) > MaxLen {
				return // the canonical spacing made a source near the limit too long
			}
			t.Fatalf("Parse(%q) accepted, its canonical form %q fails: %v", src, canon, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("String() = %q after round trip, want %q", got, canon)
		}
		if got, _ := refSource(decodeTree(t, e)); got != canon {
			t.Fatalf("source rebuilt from JSON = %q, want %q", got, canon)
		}
		envs := fuzzEnvs(e, num, str)
		for _, env := range envs {
			if v, v2 := e.Eval(env), e2.Eval(env); !sameValue(v, v2) {
				t.Fatalf("%q evaluates to %v, its canonical form to %v", src, v, v2)
			}
			e.True(env)
		}
		checkAgainstReference(t, e, envs)
		e.Eval(nil)
	})
}
