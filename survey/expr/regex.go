package expr

import (
	"errors"
	"regexp"
	"regexp/syntax"
)

// maxRegexSize bounds a pattern's size once its repetitions are expanded, so that a short
// pattern such as \pL{1000}\pL{1000}... cannot make the server spend much memory, and
// matching (proportional to pattern size times answer length) stays cheap. Real
// constraints (^[0-9]{10}$, an e-mail shape) stay far below it; lengths are better checked
// with string-length.
const maxRegexSize = 1000

// compileRegex compiles a regex() pattern. When it cannot, it returns the reason.
func compileRegex(pattern string) (*regexp.Regexp, string) {
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, "invalid regular expression: " + string(se.Code)
		}
		return nil, "invalid regular expression"
	}
	if regexSize(tree) > maxRegexSize {
		return nil, "regular expression too large"
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, "invalid regular expression"
	}
	return re, ""
}

// regexSize estimates the number of instructions the pattern compiles to, stopping
// just past maxRegexSize.
func regexSize(re *syntax.Regexp) int {
	n := 1
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpRepeat:
		times := re.Max
		if times < 0 {
			times = re.Min + 1
		}
		return min(maxRegexSize+1, 1+times*regexSize(re.Sub[0]))
	}
	for _, sub := range re.Sub {
		n += regexSize(sub)
	}
	return min(maxRegexSize+1, n)
}
