// Package expr parses and evaluates the expressions of XLSForm "relevant" (skip logic) and
// "constraint" cells: the small part of XPath 1.0 that ODK and KoboToolbox forms use.
//
// An expression is parsed once (Parse), evaluated on the server (Eval, True) and sent to
// the browser as a JSON tree (MarshalJSON) that a JavaScript evaluator interprets with the
// same results. This comment is the specification of both.
//
// # Syntax
//
//	${name}           the answer to the question called name
//	.                 the value of the question whose constraint is checked
//	'text' "text"     strings, without escapes
//	12  1.5  .5       numbers, without sign or exponent
//	true() false()    booleans
//	(x)  f(x, y)      grouping, function calls
//
// Operators, loosest first; binary ones associate to the left:
//
//	or
//	and
//	=  !=
//	<  <=  >  >=
//	+  -
//	*  div  mod
//	-x
//
// Names start with a (Unicode) letter or "_" and go on with letters, digits, "_", "-" and
// ".". Keywords and function names are lowercase. Whitespace is space, tab, CR and LF.
// Parse rejects, as a *SyntaxError with a byte offset: source longer than MaxLen bytes or
// not UTF-8, nesting (parentheses, calls, unary minus) deeper than MaxDepth, unknown
// functions, wrong argument counts, and literal regex() patterns invalid or too large.
//
// # Values
//
// A value is unanswered (KindNone), a number (IEEE 754 double), a string, a list (the
// choice names selected in a multiple-choice question, each non-empty and without spaces)
// or a boolean. Dates are "YYYY-MM-DD" strings. Unanswered behaves exactly like "".
// Conversions:
//
//   - to string: unanswered is ""; a list joins its items with one space; booleans are
//     'true' and 'false'; numbers are 'NaN', 'Infinity', '-Infinity', '0' for both zeros,
//     else the shortest decimal that reads back exactly, without exponent (JS String(n)
//     agrees for 1e-6 <= |n| < 1e21).
//   - to number: true is 1, false 0, unanswered NaN; a string (a list through its string
//     form) that is exactly a valid date "YYYY-MM-DD" (years 0000 to 9999, no spaces) is the
//     number of days from 1970-01-01 to it, negative before, so that
//     (today() - ${birth}) div 365.25 is an age as in ODK; another string is its value when
//     it matches /^[ \t\r\n]*-?(\d+(\.\d*)?|\.\d+)[ \t\r\n]*$/, else NaN. (JS Number()
//     differs: Number("") is 0 and Number('1e3') is 1000. In JS, a date's days are
//     Date.UTC of a date set with setUTCFullYear, divided by 86400000.) Only conversions
//     to number read dates: "=" and the orderings still compare two strings as strings.
//   - to boolean: a number is true unless 0 or NaN; a string or list unless its string
//     form is ""; unanswered is false.
//
// # Operators
//
//   - or, and: boolean of each side, right side evaluated only when needed; boolean result.
//   - a = b: if either side is a boolean, compare both as booleans. Else if both are
//     numbers, compare numerically (NaN equals nothing). Else if one is a number and the
//     other's string form reads as a number, compare numerically; if it does not, compare
//     the number's string form with it. Otherwise compare string forms.
//   - a != b is always the negation of a = b. Unanswered: ${q} = "" is true, ${q} != ""
//     false, ${q} = 3 false, ${q} != 3 true.
//   - <, <=, >, >=: false when either side's string form is "" (so when unanswered).
//     Else if either side is a boolean or a number, compare both as numbers (false when
//     either is NaN). Else, two strings: numerically when both read as numbers, otherwise
//     by Unicode code point, which orders "YYYY-MM-DD" dates; a non-numeric string never
//     orders against a number.
//   - +, -, *, div, mod: both sides to numbers, IEEE 754 result without error: 1 div 0 is
//     Infinity, 0 div 0 and 1 mod 0 are NaN. mod is the remainder truncated toward zero,
//     like JS %. Arithmetic with an unanswered value is NaN.
//   - -x: the number of x, negated.
//
// # Functions
//
//	not(x)             not the boolean of x
//	selected(l, c)     whether l has a choice equal to the string of c: a list's items; for
//	                   other values the string form split on whitespace; unanswered: false
//	count-selected(l)  number of choices, counted the same way; unanswered: 0
//	string-length(s)   number of Unicode code points of the string of s (JS: [...s].length)
//	string(x)          the string of x
//	number(x)          the number of x
//	int(x)             the number of x truncated toward zero (JS Math.trunc)
//	if(c, a, b)        a when the boolean of c is true, else b; only that branch is evaluated
//	regex(s, p)        whether the string of s contains a match of pattern p, unanchored
//	                   (use ^ and $); an invalid or too large pattern gives false
//	today()            the current date as a "YYYY-MM-DD" string
//	coalesce(a, b)     a, unchanged, unless its string form is ""; else b
//	contains(a, b)     whether the string of a contains the string of b
//	starts-with(a, b)  whether the string of a starts with the string of b
//	concat(a, ...)     the strings of its arguments (any number) joined, unanswered as ""
//	round(x)           the number of x rounded to a whole number, halves away from zero
//	round(x, d)        rounded to d decimals (d truncated, clamped to -15..15; negative d
//	                   rounds to tens, hundreds…): Round(x*10^d)/10^d, or Round(x/10^-d)*10^-d
//	                   (JS: Math.round of the absolute value, sign put back); NaN d gives NaN
//	selected-at(l, i)  the choice at 0-based position i of l (counted as selected() does),
//	                   "" when i is out of range or not a number
//	substr(s, i)       the code points of the string of s from 0-based position i
//	substr(s, i, j)    from i to j, excluded; positions truncated and clamped to 0..length,
//	                   NaN i is 0 and NaN j the length; j <= i gives ""
//	now()              the current UTC time as a "YYYY-MM-DDTHH:MM:SSZ" string
//	boolean-from-string(s)  whether the string of s is 'true' or '1'
//	abs(x)             the absolute value of the number of x
//	once(x)            x (ODK keeps a value computed once; palabre computes a calculation
//	                   once, when the response is submitted)
//
// Patterns use Go's RE2 syntax on the server; in the browser use new RegExp(p).test(s),
// which agrees on common patterns ([0-9]{3}, \d, ^, $, alternation, classes). Where the
// two engines differ, the server's check when a response is submitted decides. The server
// refuses patterns larger than about 1000 elements once repetitions are expanded
// (a{600}b{600} is too large): a parse error when the pattern is a literal, false otherwise.
//
// # Choice filters
//
// ParseFilter reads the choice_filter of a select question: the same syntax, where a bare
// name that is not a function or an operator, such as country in country = ${country},
// is the value (a string) of that column of the choice being checked, "" when the choice
// has no such column. The filter is evaluated once per choice; a choice is offered when it
// holds.
//
// # JSON tree
//
// MarshalJSON writes the expression as nested arrays whose first element names the node:
//
//	["ref", name]            ${name}
//	["self"]                 .
//	["num", n]               number literal, finite and not negative
//	["str", s]               string literal
//	["bool", b]              true() or false()
//	["op", op, a, b]         binary operator op, one of "or" "and" "=" "!=" "<" "<="
//	                         ">" ">=" "+" "-" "*" "div" "mod"
//	["not", x]               not(x)
//	["neg", x]               -x
//	["call", f, args...]     any other function f from the table above, arguments in order
//	["col", name]            in a choice filter (ParseFilter), the bare name of a column of
//	                         the choice being checked ("name" is the choice's name)
//
// For example ${age} >= 18 and not(selected(${roles}, 'minor')) is
//
//	["op","and",["op",">=",["ref","age"],["num",18]],["not",["call","selected",["ref","roles"],["str","minor"]]]]
//
// In JavaScript, represent unanswered as null, numbers as numbers, lists as arrays of
// strings, booleans as booleans and everything else, dates included, as strings: the
// browser must give each question the same kind of value as the server's Env does.
// Nesting is at most MaxDepth deep, but a chain such as a or b or c nests on its left side
// once per operator, up to about MaxLen/2 levels: a recursive evaluator is fine.
package expr
