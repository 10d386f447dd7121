package xlsform_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/xlsform"
)

// roundTrip writes a form and its editions, reads the workbook back, and fails unless the
// form read compiles and is the same (same digest, so that importing it again is a no-op)
// with the same editions.
func roundTrip(t *testing.T, f *survey.Form, editions []survey.Edition, opt xlsform.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, f, editions, opt); err != nil {
		t.Fatalf("write: %v", err)
	}
	res, err := xlsform.Read(bytes.NewReader(buf.Bytes()), f.SurveyID+".xlsx")
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if _, err := survey.Compile(res.Form); err != nil {
		t.Fatalf("read back, does not compile: %v", err)
	}
	if got, want := res.Form.Digest(), f.Digest(); got != want {
		a, _ := json.MarshalIndent(f, "", " ")
		b, _ := json.MarshalIndent(res.Form, "", " ")
		t.Fatalf("the form read back differs:\n%s", firstDifference(a, b))
	}
	editions = slices.Clone(editions)
	slices.SortFunc(editions, func(a, b survey.Edition) int { return a.Year - b.Year })
	if len(editions) == 0 {
		editions = nil
	}
	if !reflect.DeepEqual(res.Editions, editions) {
		t.Fatalf("editions read back differ:\n got %+v\nwant %+v", res.Editions, editions)
	}
	if !opt.Metadata && len(res.Warnings) > 0 {
		t.Errorf("warnings reading the workbook back: %v", res.Warnings)
	}
	return buf.Bytes()
}

func firstDifference(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			from := max(0, i-6)
			return fmt.Sprintf("line %d:\nwritten:\n%s\nread:\n%s", i+1, bytes.Join(la[from:i+1], []byte("\n")), bytes.Join(lb[from:i+1], []byte("\n")))
		}
	}
	return "one is longer"
}

// TestWriteDemoSurveys round-trips the demo surveys, as the YAML files and the workbook
// define them, with their editions.
func TestWriteDemoSurveys(t *testing.T) {
	for _, name := range []string{"partners-meeting.yaml", "family-support.yaml", "partners-meeting.xlsx"} {
		t.Run(name, func(t *testing.T) {
			d, err := demo.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, d.Form, d.Editions, xlsform.Options{})
			roundTrip(t, d.Form, d.Editions, xlsform.Options{Metadata: true,
				ListNames: map[string]string{"strongly_disagree disagree neutral agree strongly_agree": definition.DefaultScaleName}})
		})
	}
}

// TestWriteFeedbackForm round-trips the test fixture with every question type.
func TestWriteFeedbackForm(t *testing.T) {
	f := surveytest.FeedbackForm("feedback")
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	roundTrip(t, f, []survey.Edition{
		{SurveyID: "feedback", Year: 2026, Place: "Lima", FormVersion: 1, Opens: day(3, 1), Closes: day(4, 1), Invited: 80},
		{SurveyID: "feedback", Year: 2025, FormVersion: 1},
	}, xlsform.Options{})
}

// TestWriteRandomForms round-trips generated forms that use every construct a form can
// have, and the corners where standard XLSForm would read something else back: limits
// beside a constraint of the question's own, a constraint that looks like limits, a single
// choice between yes and no, a rating with its own range, languages in an unusual order, and
// names and labels that look like numbers, booleans or formulas.
func TestWriteRandomForms(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 30
	}
	for seed := range n {
		rng := rand.New(rand.NewPCG(uint64(seed), 13))
		f, editions := randomForm(rng)
		if _, err := survey.Compile(f); err != nil {
			t.Fatalf("seed %d: the generated form does not compile: %v", seed, err)
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			roundTrip(t, f, editions, xlsform.Options{Metadata: seed%3 == 0})
		})
	}
}

// TestWriteIsStable proves that one form always gives the same bytes, so that a workbook
// kept in git changes only when the form does.
func TestWriteIsStable(t *testing.T) {
	f := surveytest.FeedbackForm("feedback")
	var a, b bytes.Buffer
	if err := xlsform.Write(&a, f, nil, xlsform.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := xlsform.Write(&b, surveytest.Clone(f), nil, xlsform.Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same form gave two different workbooks")
	}
}

// TestWriteStandardColumns checks the workbook speaks standard XLSForm where it can: ODK's
// column names, languages as "French (fr)", limits as constraints, a matrix as a table-list
// group, and palabre's column only where XLSForm cannot say it.
func TestWriteStandardColumns(t *testing.T) {
	f := surveytest.FeedbackForm("feedback")
	rating := survey.Question{Key: "stars", Type: survey.Rating, Min: ptr(1), Max: ptr(5),
		Label: surveytest.T("Étoiles", "Stars", "Estrellas")}
	f.Sections[len(f.Sections)-1].Questions = append(f.Sections[len(f.Sections)-1].Questions, rating)
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, f, nil, xlsform.Options{}); err != nil {
		t.Fatal(err)
	}
	sheets := readSheets(t, buf.Bytes())
	head := sheets["survey"][0]
	for _, want := range []string{"type", "name", "label::French (fr)", "label::English (en)", "label::Spanish (es)",
		"hint::French (fr)", "required", "relevant", "constraint", "constraint_message::Spanish (es)", "appearance", "parameters", "palabre"} {
		if !slices.Contains(head, want) {
			t.Errorf("survey header lacks %q: %q", want, head)
		}
	}
	if want := []string{"list_name", "name", "label::French (fr)", "label::English (en)", "label::Spanish (es)"}; !slices.Equal(sheets["choices"][0], want) {
		t.Errorf("choices header %q, want %q", sheets["choices"][0], want)
	}
	settings := map[string]string{}
	for i, h := range sheets["settings"][0] {
		settings[h] = sheets["settings"][1][i]
	}
	if settings["form_id"] != "feedback" || settings["version"] != "1" || settings["default_language"] != "French (fr)" ||
		settings["form_title"] != "Rencontre des partenaires" || settings["translated_title::English (en)"] != "Partners' meeting" {
		t.Errorf("settings %v", settings)
	}
	rows := map[string]map[string]string{}
	for _, r := range sheets["survey"][1:] {
		m := map[string]string{}
		for i, h := range head {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		rows[m["name"]] = m
	}
	for name, want := range map[string]map[string]string{
		"attended":     {"type": "select_one yes_no", "required": "yes"},
		"sessions":     {"type": "select_multiple sessions", "constraint": "count-selected(.) >= 1 and count-selected(.) <= 3", "palabre": ""},
		"organisation": {"type": "select_one organisation", "appearance": "likert"},
		"topics":       {"type": "begin_group", "appearance": "table-list"},
		"recommend":    {"type": "range", "parameters": "start=0 end=10 step=1", "palabre": ""},
		"families":     {"type": "integer", "constraint": ". >= 0 and . <= 100000"},
		"first_action": {"type": "date", "constraint": ". <= today()", "constraint_message::English (en)": "The date cannot be in the future."},
		"improve":      {"type": "text", "appearance": "multiline", "constraint": "string-length(.) <= 1000"},
		"stars":        {"type": "range", "parameters": "start=1 end=5 step=1", "palabre": "type=rating min=1 max=5"},
	} {
		for col, v := range want {
			if got := rows[name][col]; got != v {
				t.Errorf("%s %s = %q, want %q", name, col, got, v)
			}
		}
	}
	if rows["child_protection"]["type"] != "select_one topics" || rows["child_protection"]["appearance"] != "list-nolabel" {
		t.Errorf("matrix row %v", rows["child_protection"])
	}
}

// TestWriteRefusesOtherEditions: editions of another survey, or answered with a later
// version than the form written, have no place in its workbook.
func TestWriteRefusesOtherEditions(t *testing.T) {
	f := surveytest.FeedbackForm("feedback")
	for _, e := range []survey.Edition{
		{SurveyID: "other", Year: 2025, FormVersion: 1},
		{SurveyID: "feedback", Year: 2025, FormVersion: 2},
	} {
		if err := xlsform.Write(&bytes.Buffer{}, f, []survey.Edition{e}, xlsform.Options{}); err == nil {
			t.Errorf("edition %+v written", e)
		}
	}
}

func ptr(f float64) *float64 { return &f }
