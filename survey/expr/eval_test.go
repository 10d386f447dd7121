package expr

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

var nan = math.NaN()

// testEnv is the form the evaluation tests run against; "missing" is unanswered.
var testEnv = MapEnv{
	Answers: map[string]Value{
		"age":     Num(30),
		"zero":    Num(0),
		"nan":     Num(nan),
		"name":    Str("Ana"),
		"numstr":  Str("42"),
		"empty":   Str(""),
		"dob":     Str("1990-05-17"),
		"fruits":  List("apple", "pear"),
		"nolist":  List(),
		"yes":     Bool(true),
		"no":      Bool(false),
		"pattern": Str("^A"),
		"badpat":  Str("("),
	},
	Current: Str("abc123"),
	Date:    "2024-06-01",
	Time:    "2024-06-01T12:30:00Z",
}

// sameValue is Value equality where NaN equals NaN.
func sameValue(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindNumber:
		return a.Num == b.Num || math.IsNaN(a.Num) && math.IsNaN(b.Num)
	case KindString:
		return a.Str == b.Str
	case KindList:
		return slices.Equal(a.List, b.List)
	case KindBool:
		return a.Bool == b.Bool
	}
	return true
}

type evalCase struct {
	src  string
	want Value
}

func runEval(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := e.Eval(testEnv); !sameValue(got, tt.want) {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
			checkAgainstReference(t, e, []Env{testEnv})
		})
	}
}

func TestEvalOperands(t *testing.T) {
	runEval(t, []evalCase{
		{"1.5", Num(1.5)},
		{"'x'", Str("x")},
		{`"x"`, Str("x")},
		{"true()", Bool(true)},
		{"false()", Bool(false)},
		{".", Str("abc123")},
		{"${age}", Num(30)},
		{"${fruits}", List("apple", "pear")},
		{"${missing}", Value{}},
	})
}

func TestEvalArithmetic(t *testing.T) {
	runEval(t, []evalCase{
		{"1 + 2", Num(3)},
		{"5 - 7", Num(-2)},
		{"3 * 4", Num(12)},
		{"7 div 2", Num(3.5)},
		{"7 mod 3", Num(1)},
		{"-7 mod 3", Num(-1)},
		{"7 mod -3", Num(1)},
		{"5.5 mod 2", Num(1.5)},
		{"1 div 0", Num(math.Inf(1))},
		{"-1 div 0", Num(math.Inf(-1))},
		{"0 div 0", Num(nan)},
		{"1 mod 0", Num(nan)},
		{"${missing} + 1", Num(nan)},
		{"${numstr} + 1", Num(43)},
		{"${name} + 1", Num(nan)},
		{"true() + true()", Num(2)},
		{"--3", Num(3)},
		{"-${age}", Num(-30)},
		{"-'x'", Num(nan)},
		{"1 + 2 * 3", Num(7)},
		{"(1 + 2) * 3", Num(9)},
		{"10 - 4 - 3", Num(3)},
		{"10 - (4 - 3)", Num(9)},
		{"12 div 2 div 3", Num(2)},
		{"2 * 3 mod 4", Num(2)},
		{"-2 * 3", Num(-6)},
		{"-(2 + 3) * 2", Num(-10)},
	})
}

func TestEvalLogic(t *testing.T) {
	runEval(t, []evalCase{
		{"true() and false()", Bool(false)},
		{"true() or false()", Bool(true)},
		{"not(false())", Bool(true)},
		{"not(${name})", Bool(false)},
		{"not(${missing})", Bool(true)},
		{"${age} and ${name}", Bool(true)},
		{"${zero} or ${empty}", Bool(false)},
		{"${nan} or false()", Bool(false)},
		{"${fruits} and true()", Bool(true)},
		{"${nolist} or ${no}", Bool(false)},
		{"1 = 1 and 2 = 3 or 4 = 4", Bool(true)},
		{"1 = 1 or 2 = 3 and 4 = 5", Bool(true)},
		{"(1 = 1 or 2 = 3) and 4 = 5", Bool(false)},
		{"1 + 2 = 3", Bool(true)},
		{"1 < 2 = true()", Bool(true)},
		{"3 > 2 > 1", Bool(false)},
		{"1 < 2 < 3", Bool(true)},
	})
}

func TestEvalEquality(t *testing.T) {
	runEval(t, []evalCase{
		{"${missing} = ''", Bool(true)},
		{"${missing} != ''", Bool(false)},
		{"'' = ${missing}", Bool(true)},
		{"${empty} = ''", Bool(true)},
		{"${nolist} = ''", Bool(true)},
		{"${missing} = 3", Bool(false)},
		{"${missing} != 3", Bool(true)},
		{"${missing} = 'x'", Bool(false)},
		{"${missing} = ${empty}", Bool(true)},
		{"${missing} = false()", Bool(true)},
		{"${age} = 30", Bool(true)},
		{"${age} = '30'", Bool(true)},
		{"${age} = '30.0'", Bool(true)},
		{"${age} = ' 30 '", Bool(true)},
		{"${age} != '30'", Bool(false)},
		{"${age} = 'abc'", Bool(false)},
		{"'abc' != ${age}", Bool(true)},
		{"${name} = 'Ana'", Bool(true)},
		{"${name} = 'ana'", Bool(false)},
		{"${numstr} = 42", Bool(true)},
		{"${numstr} = '42.0'", Bool(false)},
		{"${yes} = 'x'", Bool(true)},
		{"${no} = ''", Bool(true)},
		{"true() = 1", Bool(true)},
		{"${fruits} = 'apple pear'", Bool(true)},
		{"${fruits} = 'apple'", Bool(false)},
		{"${nan} = ${nan}", Bool(false)},
		{"${nan} != ${nan}", Bool(true)},
		{"number('x') = 'NaN'", Bool(true)},
		{"1 = 1.0", Bool(true)},
	})
}

func TestEvalOrdering(t *testing.T) {
	runEval(t, []evalCase{
		{"${age} > 18", Bool(true)},
		{"${age} >= 30", Bool(true)},
		{"${age} < 30", Bool(false)},
		{"${age} <= 30", Bool(true)},
		{"${missing} > 18", Bool(false)},
		{"${missing} < 18", Bool(false)},
		{"${missing} <= 18", Bool(false)},
		{"${missing} >= ${missing}", Bool(false)},
		{"${empty} < 18", Bool(false)},
		{"${missing} < '2024-01-01'", Bool(false)},
		{"'' < 'a'", Bool(false)},
		{"${nolist} < 'z'", Bool(false)},
		{"${age} > 'abc'", Bool(false)},
		{"${age} < 'abc'", Bool(false)},
		{"'abc' < 5", Bool(false)},
		{"${numstr} > 5", Bool(true)},
		{"${numstr} > '5'", Bool(true)},
		{"'10' > '9'", Bool(true)},
		{"'b' > 'a'", Bool(true)},
		{"'B' < 'a'", Bool(true)},
		{"'é' > 'z'", Bool(true)},
		{"${dob} < '2000-01-01'", Bool(true)},
		{"${dob} > '1990-05-16'", Bool(true)},
		{"${dob} >= '1990-05-17'", Bool(true)},
		{"${dob} <= '1990-05-17'", Bool(true)},
		{"today() > ${dob}", Bool(true)},
		{"true() > false()", Bool(true)},
		{"true() >= 1", Bool(true)},
		{"${yes} > 'x'", Bool(false)},
		{"${nan} < 1", Bool(false)},
		{"${nan} >= ${nan}", Bool(false)},
		{"${fruits} > 'a'", Bool(true)},
		{"1 div 0 > 1000000", Bool(true)},
	})
}

func TestEvalFunctions(t *testing.T) {
	runEval(t, []evalCase{
		{"selected(${fruits}, 'pear')", Bool(true)},
		{"selected(${fruits}, 'kiwi')", Bool(false)},
		{"selected(${fruits}, 'apple pear')", Bool(false)},
		{"selected(${missing}, 'pear')", Bool(false)},
		{"selected(${missing}, '')", Bool(false)},
		{"selected(${nolist}, '')", Bool(false)},
		{"selected('a b  c', 'c')", Bool(true)},
		{"selected(' a ', 'a')", Bool(true)},
		{"selected(${name}, 'Ana')", Bool(true)},
		{"selected(${age}, 30)", Bool(true)},
		{"count-selected(${fruits})", Num(2)},
		{"count-selected(${missing})", Num(0)},
		{"count-selected(${nolist})", Num(0)},
		{"count-selected('a b  c ')", Num(3)},
		{"count-selected('')", Num(0)},
		{"string-length('héllo')", Num(5)},
		{"string-length(${missing})", Num(0)},
		{"string-length(${age})", Num(2)},
		{"string-length(${fruits})", Num(10)},
		{"string(${age})", Str("30")},
		{"string(1 div 3)", Str("0.3333333333333333")},
		{"string(0.1 + 0.2)", Str("0.30000000000000004")},
		{"string(1 div 0)", Str("Infinity")},
		{"string(-1 div 0)", Str("-Infinity")},
		{"string(0 div 0)", Str("NaN")},
		{"string(-0)", Str("0")},
		{"string(-2.50)", Str("-2.5")},
		{"string(true())", Str("true")},
		{"string(${missing})", Str("")},
		{"string(${fruits})", Str("apple pear")},
		{"number('12.5')", Num(12.5)},
		{"number(' -3 ')", Num(-3)},
		{"number('.5')", Num(0.5)},
		{"number('5.')", Num(5)},
		{"number('1e3')", Num(nan)},
		{"number('')", Num(nan)},
		{"number('-')", Num(nan)},
		{"number('+5')", Num(nan)},
		{"number('1,5')", Num(nan)},
		{"number('- 5')", Num(nan)},
		{"number(${missing})", Num(nan)},
		{"number(true())", Num(1)},
		{"int(3.7)", Num(3)},
		{"int(-3.7)", Num(-3)},
		{"int('12.9')", Num(12)},
		{"int(${missing})", Num(nan)},
		{"int(1 div 0)", Num(math.Inf(1))},
		{"if(${age} > 18, 'adult', 'minor')", Str("adult")},
		{"if(${missing}, 1, 2)", Num(2)},
		{"if(true(), ${fruits}, 'x')", List("apple", "pear")},
		{"regex(., '^[a-z]+[0-9]+$')", Bool(true)},
		{"regex(., '^[0-9]+$')", Bool(false)},
		{"regex(., '[0-9]')", Bool(true)},
		{"regex(${missing}, '^$')", Bool(true)},
		{"regex(${name}, ${pattern})", Bool(true)},
		{"regex(${name}, ${badpat})", Bool(false)},
		{"today()", Str("2024-06-01")},
		{"coalesce(${missing}, 'def')", Str("def")},
		{"coalesce(${empty}, 5)", Num(5)},
		{"coalesce(${age}, 5)", Num(30)},
		{"coalesce(${zero}, 1)", Num(0)},
		{"coalesce(${nolist}, 'x')", Str("x")},
		{"coalesce(${fruits}, 'x')", List("apple", "pear")},
		{"coalesce(${missing}, ${missing})", Value{}},
		{"contains(${name}, 'n')", Bool(true)},
		{"contains(${name}, '')", Bool(true)},
		{"contains(${missing}, 'a')", Bool(false)},
		{"contains(${fruits}, 'e p')", Bool(true)},
		{"starts-with(${dob}, '1990')", Bool(true)},
		{"starts-with(${name}, 'n')", Bool(false)},
		{"starts-with(${age}, 3)", Bool(true)},
	})
}

func TestEvalCalculateFunctions(t *testing.T) {
	runEval(t, []evalCase{
		{"concat()", Str("")},
		{"concat(${name})", Str("Ana")},
		{"concat(${name}, ' is ', ${age})", Str("Ana is 30")},
		{"concat(${missing}, '-', ${fruits}, true(), 0.5)", Str("-apple peartrue0.5")},
		{"concat(1 div 0, 0 div 0)", Str("InfinityNaN")},
		{"round(2.5)", Num(3)},
		{"round(-2.5)", Num(-3)},
		{"round(2.4999)", Num(2)},
		{"round(-0.4)", Num(0)},
		{"round(3.14159, 2)", Num(3.14)},
		{"round(1234.5, -2)", Num(1200)},
		{"round(1250, -2)", Num(1300)},
		{"round(2.55, 1.9)", Num(2.6)},
		{"round('7.25', 1)", Num(7.3)},
		{"round(${missing})", Num(nan)},
		{"round(${name})", Num(nan)},
		{"round(1.5, ${missing})", Num(nan)},
		{"round(1.5, 400)", Num(1.5)},
		{"round(123456, -400)", Num(0)},
		{"round(1 div 0)", Num(math.Inf(1))},
		{"int(${age} div 7)", Num(4)},
		{"selected-at(${fruits}, 0)", Str("apple")},
		{"selected-at(${fruits}, 1)", Str("pear")},
		{"selected-at(${fruits}, 1.9)", Str("pear")},
		{"selected-at(${fruits}, 2)", Str("")},
		{"selected-at(${fruits}, -1)", Str("")},
		{"selected-at(${fruits}, 'x')", Str("")},
		{"selected-at(${missing}, 0)", Str("")},
		{"selected-at(${nolist}, 0)", Str("")},
		{"selected-at(' a  b ', 1)", Str("b")},
		{"selected-at(${age}, 0)", Str("30")},
		{"count-selected(${fruits}) + count-selected(${age})", Num(3)},
		{"string-length(${fruits})", Num(10)},
		{"string-length(concat(${name}, '😀'))", Num(4)},
		{"substr('héllo', 1)", Str("éllo")},
		{"substr('héllo', 1, 3)", Str("él")},
		{"substr('héllo', -5, 100)", Str("héllo")},
		{"substr('héllo', 3, 1)", Str("")},
		{"substr('héllo', 'x', 2)", Str("hé")},
		{"substr('héllo', 2, 'x')", Str("llo")},
		{"substr(${missing}, 0, 2)", Str("")},
		{"substr(${age}, 1)", Str("0")},
		{"now()", Str("2024-06-01T12:30:00Z")},
		{"now() > today()", Bool(true)},
		{"substr(now(), 0, 10) = today()", Bool(true)},
		{"boolean-from-string('true')", Bool(true)},
		{"boolean-from-string('1')", Bool(true)},
		{"boolean-from-string(1)", Bool(true)},
		{"boolean-from-string('yes')", Bool(false)},
		{"boolean-from-string(${missing})", Bool(false)},
		{"if(${age} >= 18, concat('adult ', ${name}), 'minor')", Str("adult Ana")},
		{"coalesce(${missing}, round(2.5))", Num(3)},
		{"abs(-2.5)", Num(2.5)},
		{"abs(${missing})", Num(nan)},
		{"abs('-3')", Num(3)},
		{"once(${fruits})", List("apple", "pear")},
		{"once(${missing})", Value{}},
	})
}

func TestEvalDatesAsNumbers(t *testing.T) {
	runEval(t, []evalCase{
		{"number('1970-01-01')", Num(0)},
		{"number('1970-01-02')", Num(1)},
		{"number('1969-12-31')", Num(-1)},
		{"number('2024-06-01')", Num(19875)},
		{"today() - ${dob}", Num(12434)},
		{"int((today() - ${dob}) div 365.25)", Num(34)},
		{"'2024-03-01' - '2024-02-28'", Num(2)},
		{"${dob} + 1", Num(7442)},
		{"number('2024-02-30')", Num(nan)},
		{"number('2024-2-3')", Num(nan)},
		{"number(' 2024-02-03')", Num(nan)},
		{"number('0000-01-01')", Num(-719528)},
		{"${dob} = '1990-05-17'", Bool(true)},
		{"${dob} = 7440", Bool(false)},
		{"${dob} < '2000-01-01'", Bool(true)},
		{"${dob} > 7000", Bool(true)},
		{"string(${dob})", Str("1990-05-17")},
	})
}

func TestEvalNowWithoutClock(t *testing.T) {
	got := MustParse("now()").Eval(nil).Str
	if _, err := time.Parse(NowLayout, got); err != nil {
		t.Fatalf("now() = %q: %v", got, err)
	}
}

func TestChoiceFilter(t *testing.T) {
	e, err := ParseFilter("country = ${country} and name != 'other'")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Columns(); !slices.Equal(got, []string{"country", "name"}) {
		t.Fatalf("Columns() = %v", got)
	}
	if got := e.Refs(); !slices.Equal(got, []string{"country"}) {
		t.Fatalf("Refs() = %v", got)
	}
	if got := e.String(); got != "country = ${country} and name != 'other'" {
		t.Fatalf("String() = %q", got)
	}
	if b, _ := e.MarshalJSON(); !strings.Contains(string(b), `["col","country"]`) {
		t.Fatalf("MarshalJSON() = %s", b)
	}
	answers := map[string]Value{"country": Str("SN")}
	for _, tt := range []struct {
		cols map[string]Value
		want bool
	}{
		{map[string]Value{"country": Str("SN"), "name": Str("dakar")}, true},
		{map[string]Value{"country": Str("ML"), "name": Str("bamako")}, false},
		{map[string]Value{"country": Str("SN"), "name": Str("other")}, false},
		{map[string]Value{"name": Str("nowhere")}, false},
	} {
		if got := e.True(MapEnv{Answers: answers, Columns: tt.cols}); got != tt.want {
			t.Errorf("columns %v: %v, want %v", tt.cols, got, tt.want)
		}
	}
	if e.True(MapEnv{Columns: map[string]Value{"country": Str("SN")}}) {
		t.Error("unanswered ${country} matched a country")
	}
	if e.True(noColumns{}) {
		t.Error("an Env without columns matched")
	}
	if _, err := ParseFilter("country = "); err == nil {
		t.Error("ParseFilter accepted an incomplete expression")
	}
	if _, err := ParseFilter("nosuch(1)"); err == nil {
		t.Error("ParseFilter accepted an unknown function")
	}
}

// noColumns answers "SN" to every question and has no choice columns.
type noColumns struct{ noEnv }

func (noColumns) Lookup(string) Value { return Str("SN") }

// countingEnv records the questions looked up.
type countingEnv struct {
	MapEnv
	looked []string
}

func (c *countingEnv) Lookup(name string) Value {
	c.looked = append(c.looked, name)
	return c.MapEnv.Lookup(name)
}

func TestEvalIsLazy(t *testing.T) {
	tests := []struct {
		src    string
		looked []string
	}{
		{"false() and ${a}", nil},
		{"true() or ${a}", nil},
		{"true() and ${a}", []string{"a"}},
		{"if(true(), ${a}, ${b})", []string{"a"}},
		{"if(false(), ${a}, ${b})", []string{"b"}},
		{"coalesce('x', ${b})", nil},
		{"coalesce('', ${b})", []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			env := &countingEnv{}
			MustParse(tt.src).Eval(env)
			if !slices.Equal(env.looked, tt.looked) {
				t.Errorf("looked up %q, want %q", env.looked, tt.looked)
			}
		})
	}
}

func TestTrue(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"${age}", true},
		{"${zero}", false},
		{"${nan}", false},
		{"${name}", true},
		{"${empty}", false},
		{"${missing}", false},
		{"${fruits}", true},
		{"${nolist}", false},
		{"${yes}", true},
		{"'false'", true},
		{"string-length(.) <= 6", true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := MustParse(tt.src).True(testEnv); got != tt.want {
				t.Errorf("True = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvalNilEnv(t *testing.T) {
	e := MustParse("${a} = '' and . = '' and today() = '' and count-selected(${b}) = 0")
	if !e.True(nil) {
		t.Error("with a nil Env, every value should be unanswered")
	}
}

func TestMapEnvToday(t *testing.T) {
	if got := (MapEnv{}).Today(); len(got) != len("2006-01-02") || !MustParse("regex(today(), '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')").True(MapEnv{}) {
		t.Errorf("Today() = %q, want the current date", got)
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{}, "None"},
		{Num(1.5), "Num(1.5)"},
		{Str(`a"b`), `Str("a\"b")`},
		{List("a", "b"), `List("a", "b")`},
		{Bool(true), "Bool(true)"},
		{Value{Kind: 9}, "kind(9)"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestNumeric(t *testing.T) {
	for src, want := range map[string]bool{
		"${a} + ${b}": true, "-${a}": true, "round(${a} div ${b}, 2)": true, "int(${a})": true, "number(${a})": true,
		"count-selected(${a})": true, "string-length(${a})": true, "if(${a} > 1, 1, 0)": true, "coalesce(${a} * 2, 0)": true,
		"3": true, "${a}": false, "${a} > 1": false, "if(${a}, 1, 'x')": false, "coalesce(${a}, 0)": false,
		"concat(1, 2)": false, "abs(${a})": true, "once(${a} + 1)": true, "once(${a})": false, "'1'": false, "selected-at(${a}, 0)": false, "true()": false,
	} {
		if got := MustParse(src).Numeric(); got != want {
			t.Errorf("%s: Numeric() = %v, want %v", src, got, want)
		}
	}
	var nilExpr *Expr
	if nilExpr.Numeric() {
		t.Error("a nil expression is numeric")
	}
}
