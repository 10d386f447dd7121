package survey

import "sort"

// The languages palabre's own interface speaks. A definition may add others for its labels.
const (
	French  = "fr"
	English = "en"
	Spanish = "es"
)

// DefaultLanguage is used when a definition names none.
const DefaultLanguage = French

// Text is a piece of text in several languages, keyed by language code ("fr", "en", "es").
type Text map[string]string

// In returns the text in lang, else in fallback, else in any language present (the
// alphabetically first, so the choice is stable), else "".
func (t Text) In(lang, fallback string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t[fallback]; ok && s != "" {
		return s
	}
	langs := make([]string, 0, len(t))
	for l, s := range t {
		if s != "" {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		return ""
	}
	sort.Strings(langs)
	return t[langs[0]]
}

// Empty reports whether t holds no text in any language.
func (t Text) Empty() bool {
	for _, s := range t {
		if s != "" {
			return false
		}
	}
	return true
}

// Equal reports whether t and u hold the same text in every language.
func (t Text) Equal(u Text) bool {
	for l, s := range t {
		if u[l] != s {
			return false
		}
	}
	for l, s := range u {
		if t[l] != s {
			return false
		}
	}
	return true
}

// Languages returns the languages t has text in, sorted.
func (t Text) Languages() []string {
	out := make([]string, 0, len(t))
	for l, s := range t {
		if s != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}
