package xlsform

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

// A language column whose name palabre knows neither as a code nor as a language's name
// ("label::Kreyol") is a language of its own, tagged by its name; without a warning, unless
// the name is a likely misspelling of a language palabre knows. The tag is kept through a
// round trip (palabre export-form writes it as it is).
func TestUnknownLanguageKeptAsItsOwnTag(t *testing.T) {
	res, err := FromSheets(Sheets{
		"survey":   table("type|name|label::English|label::Kreyòl ayisyen|hint::Kreyol\ntext|q|Name?|Non?|Ekri non ou"),
		"settings": table("form_id|form_title|default_language\ns|S|English"),
	}, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %v", res.Warnings)
	}
	if want := []string{"en", "kreyol", "kreyol-ayisyen"}; !slices.Equal(sortedCopy(res.Form.Languages), want) {
		t.Errorf("languages %v, want %v", res.Form.Languages, want)
	}
	q := res.Form.Sections[0].Questions[0]
	if q.Label["kreyol-ayisyen"] != "Non?" || q.Hint["kreyol"] != "Ekri non ou" {
		t.Errorf("question %+v", q)
	}
	cf, err := survey.Compile(res.Form)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, cf.Form, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	back, err := Read(bytes.NewReader(buf.Bytes()), "s.xlsx")
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if back.Form.Digest() != res.Form.Digest() {
		t.Errorf("read back: languages %v, labels %v", back.Form.Languages, back.Form.Sections[0].Questions[0].Label)
	}

	// The default language and the languages setting may name one too.
	res, err = FromSheets(Sheets{
		"survey":   table("type|name|label::Kreyol|label::fr\ntext|q|Non?|Nom ?"),
		"settings": table("form_id|form_title|default_language|languages\ns|S|Kreyol|Kreyol fr"),
	}, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if res.Form.DefaultLanguage != "kreyol" || !slices.Equal(res.Form.Languages, []string{"kreyol", "fr"}) {
		t.Errorf("default %q, languages %v", res.Form.DefaultLanguage, res.Form.Languages)
	}

	// A misspelt name is kept too, with a warning naming the language it may be.
	res, err = FromSheets(Sheets{"survey": table("type|name|label::Frnch|label::English\ntext|q|Q|Q")}, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	want := `f.xlsx, survey sheet, row 1, column "label::Frnch": "Frnch" is no language palabre knows: read as a language of its own, frnch; if you meant French, write it with its code, such as "French (fr)"`
	if !slices.Contains(got, want) {
		t.Errorf("warnings %q lack %q", got, want)
	}

	// A name that makes no tag (another script, a number, too long) is refused as before.
	_, err = FromSheets(Sheets{"survey": table("type|name|label::ⵜⴰⵎⴰⵣⵉⵖⵜ|label::42|label::" + strings.Repeat("a", 33) + "\ntext|q|Q|Q|Q")}, "f.xlsx")
	surveytest.CheckProblems(t, err, []string{
		`f.xlsx, survey sheet, row 1, column "label::ⵜⴰⵎⴰⵣⵉⵖⵜ": cannot tell the language of "ⵜⴰⵎⴰⵣⵉⵖⵜ": write it with its code, such as "Wolof (wo)"`,
		`f.xlsx, survey sheet, row 1, column "label::42": cannot tell the language of "42": write it with its code, such as "Wolof (wo)"`,
		`f.xlsx, survey sheet, row 1, column "label::` + strings.Repeat("a", 33) + `": cannot tell the language of "` + strings.Repeat("a", 33) + `": write it with its code, such as "Wolof (wo)"`,
	})
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
