package xlsform

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/palabre/palabre/survey"
)

// languageNames maps the names of languages, in English, French, Spanish and in the
// language itself, lower-cased ("chinese", "chinois", "中文", "wolof"), to their ISO 639-1
// codes; a name that fits several codes maps to all of them, sorted.
var languageNames = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	add := func(name, code string) {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || slices.Contains(out[name], code) {
			return
		}
		out[name] = append(out[name], code)
		slices.Sort(out[name])
	}
	namers := []display.Namer{display.English.Languages(), display.French.Languages(), display.Spanish.Languages()}
	for a := 'a'; a <= 'z'; a++ {
		for b := 'a'; b <= 'z'; b++ {
			code := string([]rune{a, b})
			base, err := language.ParseBase(code)
			if err != nil || base.String() != code {
				continue
			}
			tag := language.Make(code) // canonical: deprecated codes (iw, in…) become others
			if b, _ := tag.Base(); b.String() != code {
				continue
			}
			for _, n := range namers {
				add(n.Name(tag), code)
			}
			add(display.Self.Name(tag), code)
		}
	}
	// Names coordinators write without their accents.
	for name, code := range map[string]string{"francais": "fr", "frances": "fr", "ingles": "en",
		"espanol": "es", "castellano": "es"} {
		add(name, code)
	}
	return out
})

// nameLanguage reads a language written as its name ("English", "Français", "chinese"):
// its code, and whether the name fits other codes too (the first in alphabetical order is
// taken).
func nameLanguage(s string) (code string, ambiguous, ok bool) {
	codes := languageNames()[strings.ToLower(strings.TrimSpace(s))]
	if len(codes) == 0 {
		return "", false, false
	}
	return codes[0], len(codes) > 1, true
}

// ownTag makes the tag of a language palabre knows neither by code nor by name, as a form
// names it ("Kreyòl" → kreyol, "Kreyòl ayisyen" → kreyol-ayisyen): lower case, without
// accents, its words joined by '-'. ok is false when that is no valid tag
// (survey.ValidLanguage): a name in another script, or too long.
func ownTag(s string) (tag string, ok bool) {
	s, _, _ = transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
	tag = strings.Join(words, "-")
	return tag, survey.ValidLanguage(tag)
}

// nearLanguage returns the English name and the code of a language palabre knows whose
// name s, an unknown name, is within two edits of (a likely typing mistake); "" when none is.
func nearLanguage(s string) (name, code string) {
	names := make([]string, 0, len(languageNames()))
	for n := range languageNames() {
		names = append(names, n)
	}
	slices.Sort(names)
	if name = survey.Nearest(strings.ToLower(strings.TrimSpace(s)), names); name == "" {
		return "", ""
	}
	code = languageNames()[name][0]
	if n := display.English.Languages().Name(language.Make(code)); n != "" {
		name = n
	}
	return name, code
}
