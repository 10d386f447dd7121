package expr

import (
	"encoding/json"
	"testing"
)

func TestMarshalJSON(t *testing.T) {
	tests := []struct{ src, want string }{
		{"${age} >= 18 and not(selected(${roles}, 'minor'))",
			`["op","and",["op",">=",["ref","age"],["num",18]],["not",["call","selected",["ref","roles"],["str","minor"]]]]`},
		{".", `["self"]`},
		{"-1.5", `["neg",["num",1.5]]`},
		{".5", `["num",0.5]`},
		{`'x' != "it's"`, `["op","!=",["str","x"],["str","it's"]]`},
		{`'say "hi" \o/'`, `["str","say \"hi\" \\o/"]`},
		{"'a\tb\n\u2028'", `["str","a\u0009b\u000a\u2028"]`},
		{"'<&> é'", `["str","<&> é"]`},
		{"true() or false()", `["op","or",["bool",true],["bool",false]]`},
		{"if(${a} < 3, today(), coalesce(${b}, 'n/a'))",
			`["call","if",["op","<",["ref","a"],["num",3]],["call","today"],["call","coalesce",["ref","b"],["str","n/a"]]]`},
		{"1 + 2 * 3 div 4 mod 5 - 6",
			`["op","-",["op","+",["num",1],["op","mod",["op","div",["op","*",["num",2],["num",3]],["num",4]],["num",5]]],["num",6]]`},
		{"(1 = 2) != (3 <= 4)", `["op","!=",["op","=",["num",1],["num",2]],["op","<=",["num",3],["num",4]]]`},
		{`regex(., '^\d+$')`, `["call","regex",["self"],["str","^\\d+$"]]`},
		{"count-selected(${m}) > string-length(string(number(int(${n}))))",
			`["op",">",["call","count-selected",["ref","m"]],["call","string-length",["call","string",["call","number",["call","int",["ref","n"]]]]]]`},
		{"contains(${a}, 'x') or starts-with(${a}, 'y')",
			`["op","or",["call","contains",["ref","a"],["str","x"]],["call","starts-with",["ref","a"],["str","y"]]]`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e := MustParse(tt.src)
			got, err := e.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("MarshalJSON() =\n%s\nwant\n%s", got, tt.want)
			}
			if src, _ := refSource(decodeTree(t, e)); src != e.String() {
				t.Errorf("source rebuilt from JSON = %q, want %q", src, e.String())
			}
		})
	}
}

func TestMarshalJSONEmbedded(t *testing.T) {
	b, err := json.Marshal(struct {
		Relevant *Expr `json:"relevant"`
		Missing  *Expr `json:"constraint"`
	}{MustParse("${a} = 1"), nil})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"relevant":["op","=",["ref","a"],["num",1]],"constraint":null}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
}

// TestReferenceEvaluator checks that the documented semantics, as implemented from the
// JSON tree in jsonref_test.go, agree with Eval on realistic expressions.
func TestReferenceEvaluator(t *testing.T) {
	for _, src := range realistic {
		t.Run(src, func(t *testing.T) {
			checkAgainstReference(t, MustParse(src), fuzzEnvs(MustParse(src), 17, "yes no"))
		})
	}
}

func checkAgainstReference(t *testing.T, e *Expr, envs []Env) {
	t.Helper()
	tree := decodeTree(t, e)
	for _, env := range envs {
		got, want := e.Eval(env), fromRef(refEval(tree, env))
		if !sameValue(got, want) {
			t.Fatalf("%s: Eval = %v, reference evaluator = %v (env %v)", e, got, want, env)
		}
	}
}
