package survey_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// calcForm has calculations of each result type and a cascading select: cities filtered by
// the country chosen before.
func calcForm() *survey.Form {
	cities := []survey.Choice{
		{Key: "dakar", Label: fr("Dakar"), Columns: map[string]string{"country": "SN"}},
		{Key: "thies", Label: fr("Thiès"), Columns: map[string]string{"country": "SN"}},
		{Key: "bamako", Label: fr("Bamako"), Columns: map[string]string{"country": "ML"}},
		{Key: "elsewhere", Label: fr("Ailleurs")},
	}
	return &survey.Form{
		SurveyID: "calc", Version: 1, Title: fr("Calculs"), DefaultLanguage: "fr", Languages: []string{"fr", "en", "es"},
		Profile: survey.Profile{Countries: survey.NetworkCountries, Roles: survey.DefaultRoles},
		Sections: []survey.Section{{Questions: []survey.Question{
			{Key: "adults", Type: survey.Number, Label: fr("Adultes"), Integer: true},
			{Key: "children", Type: survey.Number, Label: fr("Enfants"), Integer: true},
			{Key: "household", Type: survey.Calculate, Calculation: "${adults} + coalesce(${children}, 0)"},
			{Key: "ratio", Type: survey.Calculate, Calculation: "round(${children} div ${household}, 2)"},
			{Key: "size", Type: survey.Calculate, Calculation: "if(${household} > 4, 'large', 'small')"},
			{Key: "big", Type: survey.YesNo, Label: fr("Grande famille ?"), Relevant: "${size} = 'large'"},
			{Key: "country", Type: survey.SingleChoice, Label: fr("Pays"), Choices: []survey.Choice{
				{Key: "SN", Label: fr("Sénégal")}, {Key: "ML", Label: fr("Mali")}}},
			{Key: "city", Type: survey.SingleChoice, Label: fr("Ville"), Choices: cities,
				ChoiceFilter: "country = ${country} or name = 'elsewhere'"},
			{Key: "visited", Type: survey.MultipleChoice, Label: fr("Villes visitées"), Choices: cities,
				ChoiceFilter: "country = ${country}"},
			{Key: "summary", Type: survey.Calculate, Label: fr("Résumé"),
				Calculation: "concat(${city}, ' / ', count-selected(${visited}), ' / ', selected-at(${visited}, 0))"},
		}}},
	}
}

func answers(t *testing.T, values map[string][]string) (map[string]survey.Answer, error) {
	t.Helper()
	cf, err := survey.Compile(calcForm())
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	r, err := cf.Validate(submission(values), 2026)
	if err != nil {
		return nil, err
	}
	got := map[string]survey.Answer{}
	for _, a := range r.Answers {
		got[a.Question] = a
	}
	return got, nil
}

func TestCalculateStoresTheServersValue(t *testing.T) {
	got, err := answers(t, map[string][]string{
		"adults": {"2"}, "children": {"3"},
		"household": {"999"}, // sent by a client: ignored, the server computes its own
		"big":       {"yes"}, "country": {"SN"}, "city": {"thies"}, "visited": {"dakar", "thies"},
	})
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for key, want := range map[string]survey.Answer{
		"household": {Text: "5", Num: 5, HasNum: true},
		"ratio":     {Text: "0.6", Num: 0.6, HasNum: true},
		"size":      {Text: "large"},
		"big":       {Text: "yes", Num: 1, HasNum: true}, // shown because of a calculation
		"summary":   {Text: "thies / 2 / dakar"},
	} {
		a := got[key]
		if a.Text != want.Text || a.Num != want.Num || a.HasNum != want.HasNum {
			t.Errorf("%s = %+v, want %+v", key, a, want)
		}
	}
}

func TestCalculateWithoutAValueStoresNothing(t *testing.T) {
	got, err := answers(t, map[string][]string{"children": {"0"}})
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	// household is NaN (no adults), ratio 0 div NaN; size is 'small'.
	for _, key := range []string{"household", "ratio", "big"} {
		if a, ok := got[key]; ok {
			t.Errorf("%s stored as %+v, want no answer", key, a)
		}
	}
	if got["size"].Text != "small" || got["size"].HasNum {
		t.Errorf("size = %+v", got["size"])
	}
	if got["summary"].Text != " / 0 / " {
		t.Errorf("summary = %+v", got["summary"])
	}
}

func TestChoiceFilterRefusesAChoiceItRulesOut(t *testing.T) {
	_, err := answers(t, map[string][]string{"country": {"SN"}, "city": {"bamako"}, "visited": {"dakar", "bamako"}})
	var e *survey.Error
	if !errors.As(err, &e) || e.Code != survey.CodeInvalid {
		t.Fatalf("Validate error = %v, want invalid", err)
	}
	fields := map[string]survey.FieldError{}
	for _, fe := range e.Fields {
		fields[fe.Field] = fe
	}
	for _, field := range []string{"city", "visited"} {
		fe, ok := fields[field]
		if !ok || fe.Code != string(survey.MsgChoiceFiltered) {
			t.Errorf("%s: %+v, want %s", field, fe, survey.MsgChoiceFiltered)
			continue
		}
		for lang, want := range map[string]string{"fr": "ne correspond pas à vos réponses précédentes", "en": "does not match your earlier answers", "es": "no corresponde a sus respuestas anteriores"} {
			if msg := fe.Message.In(lang); !strings.Contains(msg, want) || !strings.Contains(msg, "bamako") {
				t.Errorf("%s in %s: %q", field, lang, msg)
			}
		}
	}
	if len(e.Fields) != 2 {
		t.Errorf("fields = %+v, want city and visited only", e.Fields)
	}
	// A choice without the column passes only through the other side of the "or".
	if _, err := answers(t, map[string][]string{"country": {"ML"}, "city": {"elsewhere"}}); err != nil {
		t.Errorf("elsewhere refused: %v", err)
	}
	// Without a country, the cities of no country are offered.
	if _, err := answers(t, map[string][]string{"city": {"dakar"}}); err == nil {
		t.Error("a city accepted before any country was chosen")
	}
}

func TestLiveShowsCalculationsAndExcludedChoices(t *testing.T) {
	cf, err := survey.Compile(calcForm())
	if err != nil {
		t.Fatal(err)
	}
	live := cf.Live(map[string][]string{"adults": {"1"}, "children": {"5"}, "country": {"ML"}, "city": {"dakar"}})
	if live.Calculated["household"] != "6" || live.Calculated["size"] != "large" || !live.Visible["big"] {
		t.Errorf("live = %+v", live)
	}
	ex := live.Excluded["city"]
	if !ex["dakar"] || !ex["thies"] || ex["bamako"] || ex["elsewhere"] {
		t.Errorf("excluded cities = %v", ex)
	}
	if !live.Excluded["visited"]["elsewhere"] {
		t.Errorf("excluded visited = %v", live.Excluded["visited"])
	}
	if !strings.HasPrefix(live.Calculated["summary"], "dakar / 0") {
		t.Errorf("summary = %q: skip logic and calculations see values as sent", live.Calculated["summary"])
	}
}

func TestCompileChecksCalculationsAndFilters(t *testing.T) {
	f := calcForm()
	qs := f.Sections[0].Questions
	qs[2].Calculation = "${adults} + ${sumary}" // no such question
	qs[3].Calculation = ""                      // none
	qs[4].Required = true                       // not asked
	qs[5].Calculation = "1"                     // not a calculate
	qs[6].ChoiceFilter = "name = 'x'"           // not on a filtered list: fine
	qs[7].ChoiceFilter = "region = ${country}"  // no such column
	qs[8].ChoiceFilter = "country = "           // syntax
	qs[0].ChoiceFilter = "name = 'x'"           // a number has no choices
	qs[6].Choices[0].Columns = map[string]string{"name": "x"}
	_, err := survey.Compile(f)
	if err == nil {
		t.Fatal("Compile accepted the broken form")
	}
	msg := err.Error()
	for _, w := range []string{
		"household: calculation refers to ${sumary}, which is no question of this form (did you mean ${summary}?)",
		"ratio: a calculate question needs a calculation",
		"size: a calculate question is not asked",
		"big: only a calculate question has a calculation",
		`city: choice_filter reads the column "region", which no choice of this question has`,
		`visited: choice_filter "country = "`,
		"adults: only a single or multiple choice question has a choice filter",
		`country: choice "SN": "name" cannot name a choice column`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
}
