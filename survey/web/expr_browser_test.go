package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/survey/expr"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// TestBrowserExpressions checks that the page's script evaluates skip-logic trees as the
// server does, on expressions that exercise each rule of the survey/expr documentation.
func TestBrowserExpressions(t *testing.T) {
	env := map[string]expr.Value{
		"n": expr.Num(7), "zero": expr.Num(0), "half": expr.Num(0.5), "s": expr.Str("Ana"), "numstr": expr.Str("42"),
		"date": expr.Str("2024-05-17"), "list": expr.List("a", "other"), "empty": expr.List(), "yes": expr.Str("yes"), "pat": expr.Str("("),
	}
	self := expr.Str("abc123")
	sources := []string{
		"${n} = 7", "${n} = '7'", "${n} = '7.0'", "${n} = 'x'", "${n} != 3", "${numstr} = 42", "${numstr} > 5",
		"${missing} = ''", "${missing} != ''", "${missing} = 3", "${missing} != 3", "${missing} < 1", "${missing} > -1",
		"${s} < 'B'", "'10' < '9'", "'b' > 'a'", "${date} < '2024-10-01'", "${date} >= '2024-05-17'", "'abc' < 1", "true() < 2",
		"true() = 'x'", "false() = ''", "${zero} = false()", "${list} = 'a other'", "selected(${list}, 'other')",
		"selected(${list}, 'b')", "selected(${missing}, 'a')", "selected('a  b', 'b')", "count-selected(${list})",
		"count-selected(${empty})", "count-selected(${missing})", "count-selected('x y  z')", "string-length('héllo😀')",
		"string-length(${missing})", "1 div 0", "0 div 0", "-1 div 0", "7 mod 3", "-7 mod 3", "7 mod -3", "1 mod 0", "-${n}",
		"${missing} + 1", "${half} * 3", "0.1 + 0.2", "string(0.1 + 0.2)", "string(1 div 3)", "string(123456789012345678901234)",
		"string(0.0000001)", "string(${list})", "string(true())", "string(-0)", "number('12.5')", "number('1e3')", "number('')",
		"number(' .5 ')", "int(-3.7)", "int(${n} div 2)", "if(${n} > 5, 'big', 'small')", "if(${missing}, 1, 2)",
		"coalesce(${missing}, 'fallback')", "coalesce(${s}, 'fallback')", "regex(${s}, '^A')", "regex(., '^[a-z]+[0-9]{3}$')",
		"regex(${s}, ${pat})", "contains(${s}, 'n')", "starts-with(${date}, '2024')", "not(${missing})", "not(${yes} = 'yes')",
		"${yes} = 'yes' and ${n} >= 7 or ${s} = 'x'", "string-length(.) = 6", ". = 'abc123'", "${n} * 2 = 14 and not(${n} = 8)",
		// calculations
		"concat()", "concat(${s}, ' ', ${n}, ${missing}, ${list}, true(), 0.1 + 0.2)", "concat(1 div 0, 0 div 0)",
		"round(2.5)", "round(-2.5)", "round(-0.4)", "round(3.14159, 2)", "round(1.005, 2)", "round(1234.5, -2)", "round(2.55, 1.9)",
		"round('7.25', 1)", "round(${missing})", "round(${s})", "round(1.5, ${missing})", "round(1.5, 400)", "round(123456, -400)",
		"round(${n} div 3, 3)", "round(1 div 0)", "int(${n} div 2) + round(${half})",
		"selected-at(${list}, 0)", "selected-at(${list}, 1)", "selected-at(${list}, 1.9)", "selected-at(${list}, 2)",
		"selected-at(${list}, -1)", "selected-at(${list}, 'x')", "selected-at(${missing}, 0)", "selected-at(${empty}, 0)",
		"selected-at(' a  b ', 1)", "selected-at(${n}, 0)", "count-selected(${list}) + count-selected(${n})",
		"substr('héllo😀x', 1)", "substr('héllo😀x', 1, 6)", "substr('héllo', -5, 100)", "substr('héllo', 3, 1)",
		"substr('héllo', 'x', 2)", "substr('héllo', 2, 'x')", "substr(${missing}, 0, 2)", "substr(${n}, 0, 1)", "substr(${list}, 2)",
		"boolean-from-string('true')", "boolean-from-string('1')", "boolean-from-string(1)", "boolean-from-string('yes')",
		"boolean-from-string(${missing})", "string-length(now()) = 20", "substr(now(), 10, 11)",
		"if(${n} >= 7, concat('big ', ${s}), 'small')", "coalesce(${missing}, round(2.5))", "coalesce(${empty}, 'none')",
		// dates in arithmetic: days since 1970-01-01
		"number('1970-01-01')", "number('1969-12-31')", "${date} - '2024-01-01'", "int((${date} - '1990-05-18') div 365.25)",
		"number('2024-02-30')", "number('2023-02-29')", "number('2024-02-29')", "number('0050-01-01')", "number('0000-03-01')",
		"number('9999-12-31')", "number(' 2024-01-01')", "number('2024-1-01')", "${date} + 1", "${date} > 19000", "${date} = 19860",
		"count-selected(${list}) + number('2024-05-17')", "abs(-${n})", "abs(${missing})", "abs('-0.5')", "once(${list})", "once(${missing})",
	}
	srv := newFixture(t).server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/meeting/2026")); err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	for k, v := range env {
		values[k] = jsValue(v)
	}
	valuesJSON, _ := json.Marshal(values)
	selfJSON, _ := json.Marshal(jsValue(self))
	for _, src := range sources {
		e, err := expr.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		want := e.Eval(expr.MapEnv{Answers: env, Current: self})
		tree, _ := e.MarshalJSON()
		js := fmt.Sprintf(`(function () {
	var r = palabre.eval(%s, %s, %s);
	if (r === null) return 'none';
	if (typeof r === 'number') return 'num:' + String(r);
	return typeof r + ':' + JSON.stringify(r);
})()`, tree, valuesJSON, selfJSON)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !same(want, got) {
			t.Errorf("%s: the browser says %s, the server %v", src, got, want)
		}
	}
}

// TestBrowserChoiceFilters checks that the page's script evaluates choice filters, whose
// bare names are the columns of the choice being checked, as the server does.
func TestBrowserChoiceFilters(t *testing.T) {
	answers := map[string]expr.Value{"country": expr.Str("SN"), "n": expr.Num(2), "list": expr.List("SN", "ML")}
	choices := []map[string]expr.Value{
		{"name": expr.Str("dakar"), "country": expr.Str("SN"), "size": expr.Str("2")},
		{"name": expr.Str("bamako"), "country": expr.Str("ML"), "size": expr.Str("1")},
		{"name": expr.Str("other")},
		{},
	}
	filters := []string{"country = ${country}", "country = ${country} or name = 'other'", "size >= ${n}",
		"selected(${list}, country)", "country != ''", "name = 'dakar' and ${missing} = ''", "country = ${missing}"}
	srv := newFixture(t).server(t)
	ctx := browsertest.NewContext(t, browsertest.Options{})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/s/meeting/2026")); err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	for k, v := range answers {
		values[k] = jsValue(v)
	}
	valuesJSON, _ := json.Marshal(values)
	for _, src := range filters {
		e, err := expr.ParseFilter(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		tree, _ := e.MarshalJSON()
		for _, cols := range choices {
			want := e.True(expr.MapEnv{Answers: answers, Columns: cols})
			colsJS := map[string]any{}
			for k, v := range cols {
				colsJS[k] = jsValue(v)
			}
			colsJSON, _ := json.Marshal(colsJS)
			js := fmt.Sprintf(`(function () { var r = palabre.eval(%s, %s, null, %s); return r === true || (r !== false && r !== null && r !== '' && r !== 0 && r === r); })()`,
				tree, valuesJSON, colsJSON)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if got != want {
				t.Errorf("%s with columns %s: the browser says %v, the server %v", src, colsJSON, got, want)
			}
		}
	}
}

func jsValue(v expr.Value) any {
	switch v.Kind {
	case expr.KindNumber:
		return v.Num
	case expr.KindString:
		return v.Str
	case expr.KindList:
		return v.List
	case expr.KindBool:
		return v.Bool
	}
	return nil
}

// same compares a server value with the browser's description of its own.
func same(v expr.Value, got string) bool {
	switch v.Kind {
	case expr.KindNumber:
		s, ok := cutPrefix(got, "num:")
		f, err := strconv.ParseFloat(s, 64)
		return ok && err == nil && (f == v.Num || math.IsNaN(f) && math.IsNaN(v.Num))
	case expr.KindString:
		b, _ := json.Marshal(v.Str)
		return got == "string:"+string(b)
	case expr.KindBool:
		return got == "boolean:"+strconv.FormatBool(v.Bool)
	case expr.KindList:
		var list []string
		s, ok := cutPrefix(got, "object:")
		return ok && json.Unmarshal([]byte(s), &list) == nil && slices.Equal(list, v.List)
	}
	return got == "none"
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return "", false
	}
	return s[len(prefix):], true
}
