package definition

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/palabre/palabre/survey"
)

// builder turns a decoded document into a form and its editions, collecting the problems it
// finds with the line they are on, and where each question, group and setting was written so
// that the problems survey.Compile finds can be placed too.
type builder struct {
	name     string
	tree     tree
	lang     string         // the default language
	seen     map[string]int // languages labels are written in → first line
	problems []located      // in the order found
	lines    map[string]int // Problem.Field → line
	twice    map[string]int // a question or group name defined twice → its second line
	scales   map[string][]survey.Choice
	explicit map[string]bool // the languages the file lists, when it does
}

type located struct {
	line int
	p    survey.Problem
}

func (b *builder) add(line int, field, format string, args ...any) {
	b.problems = append(b.problems, located{line, survey.Problem{
		Source: source(b.name, line), Field: field, Reason: fmt.Sprintf(format, args...)}})
}

var languageRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// text converts a label, trimming it; nil when it holds nothing.
func (b *builder) text(t text, field string) survey.Text {
	out := survey.Text{}
	if s := strings.TrimSpace(t.plain); s != "" {
		out[b.lang] = s
	}
	for lang, s := range t.langs {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !languageRE.MatchString(lang) {
			b.add(t.line, field, "%q is not a language code such as fr, en or es", lang)
			continue
		}
		out[lang] = s
	}
	for lang := range out {
		if _, ok := b.seen[lang]; !ok {
			b.seen[lang] = t.line
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (b *builder) choices(cs []choiceDoc, field string) []survey.Choice {
	if len(cs) == 0 {
		return nil
	}
	out := make([]survey.Choice, len(cs))
	for i, c := range cs {
		out[i] = survey.Choice{Key: strings.TrimSpace(c.Key), Label: b.text(c.Label, field), Columns: c.Columns}
	}
	return out
}

// document builds the form, the editions and the description.
func (b *builder) document(d *document) (*survey.Form, []survey.Edition) {
	t := b.tree
	for _, k := range []string{"survey", "version", "title", "default_language", "languages"} {
		b.lines[k] = t.keyLine(k)
	}
	b.lines["questions"] = t.keyLine("questions")
	b.lines["sections"] = b.lines["questions"]
	b.lang = strings.TrimSpace(d.DefaultLanguage)
	if b.lang == "" {
		b.lang = survey.DefaultLanguage
	}
	if d.Languages != nil {
		b.explicit = map[string]bool{}
		for _, l := range d.Languages {
			b.explicit[l] = true
		}
	}
	f := &survey.Form{
		SurveyID:        strings.TrimSpace(d.Survey),
		Version:         d.Version,
		Title:           b.text(d.Title, "title"),
		DefaultLanguage: b.lang,
	}
	if t.node("version") == nil {
		f.Version = 1
	} else if d.Version > math.MaxInt32 {
		b.add(t.keyLine("version"), "version", "%d is too large (at most %d)", d.Version, math.MaxInt32)
	}
	f.Description = b.text(d.Description, "description")
	f.Profile = b.profile(&d.Profile)
	b.scaleSet(d.Scales)
	f.Sections = b.entries(d.Questions)
	f.Languages = b.languages(d.Languages)
	editions := b.editions(d.Editions, f.SurveyID, f.Version)
	return f, editions
}

// languages returns the form's languages: those listed, else the default language followed by
// every language a label is written in (fr, en, es first, then alphabetically).
func (b *builder) languages(listed []string) []string {
	if listed != nil {
		for lang, line := range b.seen {
			if !b.explicit[lang] && lang != b.lang {
				b.add(line, "languages", "a text is written in %q, which is not one of the languages %v", lang, listed)
			}
		}
		return slices.Clone(listed)
	}
	out := []string{b.lang}
	for _, l := range []string{survey.French, survey.English, survey.Spanish} {
		if _, ok := b.seen[l]; ok && l != b.lang {
			out = append(out, l)
		}
	}
	var rest []string
	for l := range b.seen {
		if !slices.Contains(out, l) {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func (b *builder) profile(p *profileDoc) survey.Profile {
	t := b.tree
	b.lines["profile.countries"] = t.keyLine("countries", "profile")
	b.lines["profile.organisations"] = t.keyLine("organisations", "profile")
	b.lines["profile.roles"] = t.keyLine("roles", "profile")
	out := survey.Profile{
		Countries:     slices.Clone(p.Countries),
		Organisations: b.choices(p.Organisations, "profile.organisations"),
		Roles:         b.choices(p.Roles, "profile.roles"),
	}
	for i, c := range out.Countries {
		out.Countries[i] = strings.TrimSpace(c)
	}
	if t.node("profile", "countries") == nil {
		out.Countries = slices.Clone(survey.NetworkCountries)
	}
	if t.node("profile", "roles") == nil {
		out.Roles = cloneChoices(survey.DefaultRoles)
	}
	return out
}

// DefaultScale is the scale of a Likert or matrix question that names none: five points
// from strong disagreement to strong agreement. A definition may also refer to it as
// `scale: agreement`, unless it defines a scale of that name itself.
func DefaultScale() []survey.Choice {
	return []survey.Choice{
		{Key: "strongly_disagree", Label: survey.Text{"fr": "Pas du tout d'accord", "en": "Strongly disagree", "es": "Totalmente en desacuerdo"}},
		{Key: "disagree", Label: survey.Text{"fr": "Plutôt pas d'accord", "en": "Disagree", "es": "En desacuerdo"}},
		{Key: "neutral", Label: survey.Text{"fr": "Ni d'accord ni pas d'accord", "en": "Neither agree nor disagree", "es": "Ni de acuerdo ni en desacuerdo"}},
		{Key: "agree", Label: survey.Text{"fr": "Plutôt d'accord", "en": "Agree", "es": "De acuerdo"}},
		{Key: "strongly_agree", Label: survey.Text{"fr": "Tout à fait d'accord", "en": "Strongly agree", "es": "Totalmente de acuerdo"}},
	}
}

// DefaultScaleName is the name under which DefaultScale can be referred to.
const DefaultScaleName = "agreement"

func (b *builder) scaleSet(scales map[string][]choiceDoc) {
	b.scales = map[string][]survey.Choice{DefaultScaleName: DefaultScale()}
	names := make([]string, 0, len(scales))
	for name := range scales {
		names = append(names, name)
	}
	sort.Strings(names) // so problems come in a stable order
	for _, name := range names {
		field := "scales." + name
		line := b.tree.keyLine(name, "scales")
		if len(scales[name]) < 2 {
			b.add(line, field, "a scale needs at least 2 points")
		}
		b.scales[name] = b.choices(scales[name], field)
	}
}

func cloneChoices(cs []survey.Choice) []survey.Choice {
	if cs == nil {
		return nil
	}
	out := make([]survey.Choice, len(cs))
	for i, c := range cs {
		out[i] = survey.Choice{Key: c.Key, Label: cloneText(c.Label)}
	}
	return out
}

func cloneText(t survey.Text) survey.Text {
	if t == nil {
		return nil
	}
	out := make(survey.Text, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// DefaultListNames names the default scale's choices when a form is written back as an
// XLSForm (xlsform.Options.ListNames), so that its list reads as a definition would name it.
func DefaultListNames() map[string]string {
	var keys []string
	for _, c := range DefaultScale() {
		keys = append(keys, c.Key)
	}
	return map[string]string{strings.Join(keys, " "): DefaultScaleName}
}
