package expr

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// realistic are expressions of the kind found in real forms; they seed the fuzzer too.
var realistic = []string{
	"${age} >= 18",
	"${consent} = 'yes'",
	"selected(${symptoms}, 'fever') and ${age} < 5",
	"count-selected(${crops}) >= 1 and count-selected(${crops}) <= 3",
	"not(selected(${roles}, 'minor'))",
	". >= 0 and . <= 120",
	"regex(., '^[0-9]{10}$')",
	"string-length(.) <= 140",
	". <= today()",
	"${end_date} >= ${start_date}",
	"${household_size} > 0 and ${children} <= ${household_size}",
	"if(${country} = 'FR', ${age} >= 15, ${age} >= 18)",
	"coalesce(${nickname}, ${name}) != ''",
	"contains(${email}, '@') and starts-with(${phone}, '+33')",
	"int(${income} div 12) > 1000",
	"number(${score}) mod 2 = 0",
	"${q1} = '' or ${q2} != ''",
	"-${delta} < 0.5",
	`string(${code}) = "A-01"`,
	"true() and not(false())",
	"(${a} + ${b}) * 2 div 3 - 1 = 7",
	"${visited} = 'no' or (${visited} = 'yes' and ${visits} > 0)",
	"regex(${id}, ${id_pattern})",
	"${dob} < '2006-01-01' and ${dob} > '1900-01-01'",
	"concat(${first}, ' ', ${last})",
	"round(${weight} div (${height} * ${height}), 1)",
	"if(count-selected(${crops}) > 0, selected-at(${crops}, 0), 'none')",
	"substr(${phone}, 0, 3) = '+33'",
	"now() > ${start}",
	"boolean-from-string(${flag}) and round(${x}) = 3",
}

func TestParseCanonical(t *testing.T) {
	tests := []struct{ src, want string }{
		{"${a}='x'", "${a} = 'x'"},
		{`"x"`, "'x'"},
		{`"it's"`, `"it's"`},
		{`'say "hi"'`, `'say "hi"'`},
		{".5", "0.5"},
		{"1.50", "1.5"},
		{"007", "7"},
		{"3.", "3"},
		{"0.000", "0"},
		{"((1))", "1"},
		{"1+2*3", "1 + 2 * 3"},
		{"(1+2)*3", "(1 + 2) * 3"},
		{"1-(2-3)", "1 - (2 - 3)"},
		{"(1-2)-3", "1 - 2 - 3"},
		{"1-(2+3)", "1 - (2 + 3)"},
		{"1 div (2 mod 3)", "1 div (2 mod 3)"},
		{"(1 div 2) mod 3", "1 div 2 mod 3"},
		{"-(1)", "-1"},
		{"-(-1)", "--1"},
		{"- - 1", "--1"},
		{"-(1*2)", "-(1 * 2)"},
		{"-1*2", "-1 * 2"},
		{"1--1", "1 - -1"},
		{"${a} or (${b} and ${c})", "${a} or ${b} and ${c}"},
		{"(${a} or ${b}) and ${c}", "(${a} or ${b}) and ${c}"},
		{"(1 = 2) = 3", "1 = 2 = 3"},
		{"1 = (2 = 3)", "1 = (2 = 3)"},
		{"1 < 2 = 2 > 1", "1 < 2 = 2 > 1"},
		{"(1 < 2) + 1", "(1 < 2) + 1"},
		{"not(${a}=1)", "not(${a} = 1)"},
		{"true( )", "true()"},
		{"false()", "false()"},
		{"selected( ${q} ,'a' )", "selected(${q}, 'a')"},
		{"count-selected(.)>=2", "count-selected(.) >= 2"},
		{"if(${a},1,2)", "if(${a}, 1, 2)"},
		{"\t${a}\n=\r\n1 ", "${a} = 1"},
		{"3div 2", "3 div 2"},
		{"${a.b-c_d} != ${_x1}", "${a.b-c_d} != ${_x1}"},
		{"${prénom} = 'Zoë'", "${prénom} = 'Zoë'"},
		{"today()", "today()"},
		{"regex(.,'a|b')", "regex(., 'a|b')"},
		{`"'a" = .`, `"'a" = .`}, // a quote first: the literal keeps double quotes
		{"1 != 2 and 3 <= 4 or 5 >= 6", "1 != 2 and 3 <= 4 or 5 >= 6"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	deepParens := strings.Repeat("(", MaxDepth+1) + "1" + strings.Repeat(")", MaxDepth+1)
	tests := []struct {
		name, src string
		offset    int
		reason    string
	}{
		{"empty", "", 0, "empty expression"},
		{"blank", "   ", 3, "empty expression"},
		{"dangling operator", "1 +", 3, "unexpected end of expression"},
		{"unclosed paren", "(1 + 2", 6, `expected ")"`},
		{"unclosed call", "not(1", 5, `expected "," or ")"`},
		{"too many args", "not(1, 2)", 0, "not() takes 1 argument, not 2"},
		{"too few args", "if(1, 2)", 0, "if() takes 3 arguments, not 2"},
		{"args to today", "today(1)", 0, "today() takes 0 arguments, not 1"},
		{"no args to selected", "selected()", 0, "selected() takes 2 arguments, not 0"},
		{"round with three args", "round(1, 2, 3)", 0, "round() takes 1 or 2 arguments, not 3"},
		{"substr with one arg", "substr('abc')", 0, "substr() takes 2 or 3 arguments, not 1"},
		{"selected-at with one arg", "selected-at(${a})", 0, "selected-at() takes 2 arguments, not 1"},
		{"args to now", "now(1)", 0, "now() takes 0 arguments, not 1"},
		{"bare column outside a filter", "country = ${c}", 0, `unexpected name "country" (quote text as 'country')`},
		{"unknown function", "1 + foo(2)", 4, `unknown function "foo"`},
		{"function names are lowercase", "NOT(1)", 0, `unknown function "NOT"`},
		{"bare word", "${a} = yes", 7, `unexpected name "yes" (quote text as 'yes')`},
		{"uppercase and", "${a} AND ${b}", 5, `unknown operator "AND" (use "and")`},
		{"uppercase div", "1 DIV 2", 2, `unknown operator "DIV" (use "div")`},
		{"unterminated string", "'abc", 0, "unterminated string"},
		{"unterminated double-quoted", `1 = "abc`, 4, "unterminated string"},
		{"unterminated ref", "${a", 0, `missing "}" after "${"`},
		{"empty ref", "${} = 1", 0, `invalid question name ""`},
		{"ref starting with digit", "${1a}", 0, `invalid question name "1a"`},
		{"ref with space", "1 + ${a b}", 4, `invalid question name "a b"`},
		{"dollar without brace", "$a", 0, `unexpected character "$"`},
		{"double equals", "1 == 1", 2, `"==" is not an operator (use "=")`},
		{"bang", "!${a}", 0, `unexpected character "!" (use not(...) or "!=")`},
		{"double ampersand", "${a} && ${b}", 5, `unexpected character "&" (use "and")`},
		{"double bar", "${a} || ${b}", 5, `unexpected character "|" (use "or")`},
		{"slash", "${a} / 2", 5, `"/" is not an operator (use "div")`},
		{"percent", "${a} % 2", 5, `"%" is not an operator (use "mod")`},
		{"stray character", "1 # 2", 2, `unexpected character "#"`},
		{"no-break space", "1 \u00a0 2", 2, `unexpected character "\u00a0"`},
		{"parent path", "../a = 1", 0, "paths are not supported (refer to questions as ${name})"},
		{"two numbers", "1 2", 2, "unexpected number 2"},
		{"missing operator", "${a} 'x'", 5, "unexpected string 'x'"},
		{"missing operator before ref", "1 ${a}", 2, "unexpected ${a}"},
		{"extra paren", "(1))", 3, `unexpected ")"`},
		{"lone paren", ")", 0, `unexpected ")"`},
		{"comma as operand", "1 + ,", 4, `unexpected ","`},
		{"trailing comma", "not(1,)", 6, `unexpected ")"`},
		{"function without parens", "not", 3, `expected "(" after not`},
		{"true without parens", "true", 4, `expected "(" after true`},
		{"keyword as operand", "and 1", 0, `unexpected "and"`},
		{"two decimal points", "1.2.3", 3, "unexpected number .3"},
		{"self followed by name", ". a", 2, `unexpected name "a"`},
		{"bad regex", "regex(., '[a-')", 9, "invalid regular expression: missing closing ]"},
		{"bad regex repetition", "regex(${q}, 'a**')", 12, "invalid regular expression: invalid nested repetition operator"},
		{"huge regex", "regex(., 'a{600}b{600}')", 9, "regular expression too large"},
		{"regex just too large", "regex(., 'a{998}b{0}')", 9, "regular expression too large"},
		{"regex repeated too often", "regex(., 'a{1000}')", 9, "regular expression too large"},
		{"regex group repeated too often", "regex(., '(ab){334}')", 9, "regular expression too large"},
		{"regex group repeated up to too often", "regex(., '(ab){1,334}')", 9, "regular expression too large"},
		{"ends after =", "${a} =", 6, "unexpected end of expression"},
		{"ends after <", "${a} <", 6, "unexpected end of expression"},
		{"ends after >", "${a} >", 6, "unexpected end of expression"},
		{"invalid UTF-8", "'\xff'", 1, "invalid UTF-8"},
		{"number out of range", strings.Repeat("9", 400), 0, "number out of range"},
		{"too long", strings.Repeat("1+", MaxLen/2) + "1", MaxLen, "expression longer than 4096 bytes"},
		{"too deep parens", deepParens, MaxDepth, "nested more than 64 deep"},
		{"too deep minus", strings.Repeat("-", MaxDepth+1) + "1", MaxDepth, "nested more than 64 deep"},
		{"too deep calls", strings.Repeat("not(", MaxDepth+1) + "1" + strings.Repeat(")", MaxDepth+1), MaxDepth*4 + 3, "nested more than 64 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error", tt.src, e)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v, want *SyntaxError", err, err)
			}
			if se.Offset != tt.offset || se.Reason != tt.reason {
				t.Errorf("error = offset %d %q, want offset %d %q", se.Offset, se.Reason, tt.offset, tt.reason)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("(${a} = 'x' ")
	if got, want := err.Error(), `expected ")" at offset 12`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestLimitsAccepted(t *testing.T) {
	for name, src := range map[string]string{
		"longest":      strings.Repeat("1+", MaxLen/2-1) + "10",
		"long or":      strings.TrimSuffix(strings.Repeat("${q} = 'x' or ", 290), " or "),
		"deepest":      strings.Repeat("(", MaxDepth) + "1" + strings.Repeat(")", MaxDepth),
		"deepest mix":  strings.Repeat("-not(", MaxDepth/2) + "1" + strings.Repeat(")", MaxDepth/2),
		"deep in args": strings.Repeat("if(1, 2, ", MaxDepth) + "3" + strings.Repeat(")", MaxDepth),
		// Closing a level frees it: many groups side by side are never deep.
		"side by side": strings.Repeat("(-1) + abs(1) + ", MaxDepth) + "1",
		// Regular expressions estimated at exactly the limit (1 + 998 + 1 instructions, and
		// 1 + 333 × 3); one more repetition is refused (TestParseErrors).
		"largest regex":          "regex(., 'a{997}b{0}')",
		"largest repeated group": "regex(., '(ab){333}')",
		"largest repeated range": "regex(., '(ab){1,333}')",
	} {
		t.Run(name, func(t *testing.T) {
			if len(src) > MaxLen {
				t.Fatalf("test source is %d bytes", len(src))
			}
			e, err := Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			e.Eval(nil)
		})
	}
}

func TestRoundTrip(t *testing.T) {
	for _, src := range realistic {
		t.Run(src, func(t *testing.T) {
			e := MustParse(src)
			e2, err := Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(%q): %v", e.String(), err)
			}
			if e2.String() != e.String() {
				t.Errorf("String() = %q after round trip, want %q", e2.String(), e.String())
			}
		})
	}
}

func TestRefsAndSelf(t *testing.T) {
	tests := []struct {
		src  string
		refs []string
		self bool
	}{
		{"1 + 2", nil, false},
		{". > 0", nil, true},
		{"${b} + ${a} + ${b} > .", []string{"a", "b"}, true},
		{"selected(${q}, 'x') and if(${c}, ${a}, 1)", []string{"a", "c", "q"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e := MustParse(tt.src)
			if got := e.Refs(); !slices.Equal(got, tt.refs) {
				t.Errorf("Refs() = %q, want %q", got, tt.refs)
			}
			if got := e.UsesSelf(); got != tt.self {
				t.Errorf("UsesSelf() = %v, want %v", got, tt.self)
			}
		})
	}
	e := MustParse("${a} = ${b}")
	e.Refs()[0] = "changed"
	if e.Refs()[0] != "a" {
		t.Error("changing the slice returned by Refs changed the expression")
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("MustParse did not panic on a bad expression")
		}
	}()
	MustParse("1 +")
}

func TestNilExpr(t *testing.T) {
	var e *Expr
	if e.String() != "" || e.Refs() != nil || e.UsesSelf() || e.Eval(nil).Kind != KindNone || e.True(nil) {
		t.Error("a nil *Expr should be empty and evaluate to nothing")
	}
	if b, err := e.MarshalJSON(); string(b) != "null" || err != nil {
		t.Errorf("MarshalJSON() = %s, %v", b, err)
	}
}
