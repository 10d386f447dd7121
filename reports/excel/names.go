package excel

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSheetName is the longest sheet name Excel accepts, in characters.
const MaxSheetName = 31

// MaxCellText is the longest text a cell holds, in UTF-16 units as Excel counts.
const MaxCellText = 32767

// sheetNames hands out valid, unique sheet names.
type sheetNames struct{ used map[string]bool }

// name returns a valid sheet name for want, unique in the workbook: without : \ / ? * [ ],
// not starting or ending with an apostrophe, at most 31 characters, " (2)" and on appended
// when a name (ignoring case) is taken.
func (s *sheetNames) name(want string) string {
	if s.used == nil {
		s.used = map[string]bool{}
	}
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			return '_'
		}
		if r < 0x20 {
			return ' '
		}
		return r
	}, want)
	clean = strings.Trim(strings.TrimSpace(clean), "'")
	if clean == "" || strings.EqualFold(clean, "History") {
		clean = "_" + clean
	}
	for i := 1; ; i++ {
		suffix := ""
		if i > 1 {
			suffix = fmt.Sprintf(" (%d)", i)
		}
		name := cutUTF16(clean, MaxSheetName-len(suffix)) + suffix
		name = strings.TrimRight(name, "'")
		if !s.used[strings.ToLower(name)] {
			s.used[strings.ToLower(name)] = true
			return name
		}
	}
}

var plainSheet = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
var cellLike = regexp.MustCompile(`^(?i:[a-z]{1,3}[0-9]+|r[0-9]*c[0-9]*|true|false)$`)

// ref is a reference to a range of a sheet, the sheet's name quoted when it holds anything
// but letters, digits, _ and . (spaces, accents, apostrophes…) or looks like a cell.
func ref(sheet, rng string) string {
	if plainSheet.MatchString(sheet) && !cellLike.MatchString(sheet) {
		return sheet + "!" + rng
	}
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + rng
}

// utf16Len counts s as Excel does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cutUTF16 keeps the longest prefix of s that is at most max UTF-16 units.
func cutUTF16(s string, max int) string {
	n := 0
	for i, r := range s {
		l := utf16.RuneLen(r)
		if l < 0 {
			l = 1
		}
		if n+l > max {
			return s[:i]
		}
		n += l
	}
	return s
}

// fitText returns s as a cell may hold it: when longer than MaxCellText, cut so that the
// mark (which says the full length) fits, and the full length; else s and 0.
func fitText(s string, mark string) (string, int) {
	if len(s) <= MaxCellText || utf8.RuneCountInString(s) <= MaxCellText/2 {
		return s, 0
	}
	n := utf16Len(s)
	if n <= MaxCellText {
		return s, 0
	}
	m := fmt.Sprintf(mark, n)
	return cutUTF16(s, MaxCellText-utf16Len(m)) + m, n
}
