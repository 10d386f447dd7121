package excel

import (
	"strings"
	"testing"
)

func TestSheetNamesAreValidAndUnique(t *testing.T) {
	var s sheetNames
	long := strings.Repeat("é", 40)
	cases := []struct{ in, want string }{
		{"Synthèse", "Synthèse"},
		{"synthèse", "synthèse (2)"},
		{"a:b\\c/d?e*f[g]h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{long, strings.Repeat("é", 31)},
		{long, strings.Repeat("é", 27) + " (2)"},
		{"", "_"},
		{"History", "_History"},
	}
	for _, c := range cases {
		if got := s.name(c.in); got != c.want {
			t.Errorf("name(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRefQuotesSheetNamesThatNeedIt(t *testing.T) {
	cases := map[string]string{
		"Data":          "Data!$A$1:$A$2",
		"Synthèse":      "'Synthèse'!$A$1:$A$2",
		"01 recommend":  "'01 recommend'!$A$1:$A$2",
		"l'an":          "'l''an'!$A$1:$A$2",
		"A1":            "'A1'!$A$1:$A$2",
		"Libro_códigos": "'Libro_códigos'!$A$1:$A$2",
	}
	for sheet, want := range cases {
		if got := ref(sheet, "$A$1:$A$2"); got != want {
			t.Errorf("ref(%q) = %q, want %q", sheet, got, want)
		}
	}
}

func TestFitTextCutsLongTextWithAMark(t *testing.T) {
	short := strings.Repeat("a", MaxCellText)
	if got, n := fitText(short, " [cut %d]"); got != short || n != 0 {
		t.Errorf("a text of exactly the limit was changed (n=%d)", n)
	}
	long := strings.Repeat("😀", 20000) // 40,000 UTF-16 units
	got, n := fitText(long, " [cut %d]")
	if n != 40000 {
		t.Errorf("full length = %d, want 40000", n)
	}
	if utf16Len(got) > MaxCellText || !strings.HasSuffix(got, " [cut 40000]") {
		t.Errorf("cut text is %d units, ends %q", utf16Len(got), got[len(got)-20:])
	}
}
