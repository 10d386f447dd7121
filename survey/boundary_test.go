package survey_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// Where a bound decides, both sides of it are pinned: the bound itself, one step inside and
// one step outside, for every kind of bound validation applies.

// boundsForm has one question per kind of bound.
func boundsForm() *survey.Form {
	scale := []survey.Choice{{Key: "low", Label: fr("Bas")}, {Key: "mid", Label: fr("Moyen")}, {Key: "high", Label: fr("Haut")}}
	picks := []survey.Choice{{Key: "a", Label: fr("A")}, {Key: "b", Label: fr("B")}, {Key: "c", Label: fr("C")}, {Key: "d", Label: fr("D")}, {Key: "e", Label: fr("E")}}
	return &survey.Form{
		SurveyID: "bounds", Version: 1, Title: fr("Bornes"), DefaultLanguage: "fr", Languages: []string{"fr", "en", "es"},
		Profile: survey.Profile{Countries: survey.NetworkCountries, Roles: survey.DefaultRoles},
		Sections: []survey.Section{{Questions: []survey.Question{
			{Key: "nps", Type: survey.Rating, Label: fr("Recommandation")},
			{Key: "stars", Type: survey.Rating, Label: fr("Étoiles"), Min: ptr(1), Max: ptr(5)},
			{Key: "count", Type: survey.Number, Label: fr("Nombre"), Integer: true, Min: ptr(0), Max: ptr(500)},
			{Key: "dose", Type: survey.Number, Label: fr("Dose"), Min: ptr(0.5), Max: ptr(2.5)},
			{Key: "free", Type: survey.Number, Label: fr("Libre")},
			{Key: "above", Type: survey.Number, Label: fr("Au moins"), Min: ptr(-3)},
			{Key: "agree", Type: survey.Likert, Label: fr("Accord"), Choices: scale},
			{Key: "rows", Type: survey.Matrix, Label: fr("Lignes"), Choices: scale,
				Items: []survey.Choice{{Key: "r1", Label: fr("Un")}, {Key: "r2", Label: fr("Deux")}}},
			{Key: "some", Type: survey.MultipleChoice, Label: fr("Quelques"), MinSelected: 2, MaxSelected: 3, Choices: picks},
			{Key: "any", Type: survey.MultipleChoice, Label: fr("N'importe"), Choices: picks},
			{Key: "short", Type: survey.ShortText, Label: fr("Court"), MaxLength: 10},
			{Key: "default_short", Type: survey.ShortText, Label: fr("Court par défaut")},
			{Key: "default_long", Type: survey.LongText, Label: fr("Long par défaut")},
		}}},
	}
}

// check validates one value for one field and reports whether it was accepted; when it was
// refused, the field's error code must be want.
func check(t *testing.T, cf *survey.Compiled, field string, values []string, want survey.MessageKey) {
	t.Helper()
	sub := submission(map[string][]string{field: values})
	r, err := cf.Validate(sub, 2025)
	if want == "" {
		if err != nil {
			t.Errorf("%s = %q refused: %v", field, values, err)
			return
		}
		key, item, _ := strings.Cut(field, ".")
		if !slices.ContainsFunc(r.Answers, func(a survey.Answer) bool { return a.Question == key && a.Item == item }) {
			t.Errorf("%s = %q accepted but not stored: %+v", field, values, r.Answers)
		}
		return
	}
	var e *survey.Error
	if !errors.As(err, &e) || e.Code != survey.CodeInvalid {
		t.Errorf("%s = %q accepted, want %s", field, values, want)
		return
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != field || e.Fields[0].Code != string(want) {
		t.Errorf("%s = %q: errors %+v, want one %s", field, values, e.Fields, want)
	}
}

func TestValidateNumericBounds(t *testing.T) {
	cf, err := survey.Compile(boundsForm())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field string
		value string
		want  survey.MessageKey // "" when accepted
	}{
		// A 0–10 rating: 0 is a valid answer, the lowest of all.
		{"nps", "-1", survey.MsgBelowMin}, {"nps", "0", ""}, {"nps", "1", ""},
		{"nps", "9", ""}, {"nps", "10", ""}, {"nps", "11", survey.MsgAboveMax},
		{"nps", "-0", ""}, {"nps", "0.5", survey.MsgNotAnInteger},
		{"stars", "0", survey.MsgBelowMin}, {"stars", "1", ""}, {"stars", "2", ""},
		{"stars", "4", ""}, {"stars", "5", ""}, {"stars", "6", survey.MsgAboveMax},
		{"count", "-1", survey.MsgBelowMin}, {"count", "0", ""}, {"count", "1", ""},
		{"count", "499", ""}, {"count", "500", ""}, {"count", "501", survey.MsgAboveMax},
		{"count", "12.0", ""}, {"count", "12.5", survey.MsgNotAnInteger},
		{"dose", "0.49", survey.MsgBelowMin}, {"dose", "0.5", ""}, {"dose", "0,51", ""},
		{"dose", "2.49", ""}, {"dose", "2.5", ""}, {"dose", "2.51", survey.MsgAboveMax},
		{"above", "-3.01", survey.MsgBelowMin}, {"above", "-3", ""}, {"above", "1e14", ""},
		// Without bounds, numbers are kept within ±10^15.
		{"free", "1e15", ""}, {"free", "-1e15", ""}, {"free", "1000000000000001", survey.MsgNotANumber},
		{"free", "-1000000000000001", survey.MsgNotANumber}, {"free", "NaN", survey.MsgNotANumber},
		{"free", "1e400", survey.MsgNotANumber}, {"free", "-2.5", ""},
		// Scales: the first and last points, and just beyond.
		{"agree", "low", ""}, {"agree", "high", ""}, {"agree", "higher", survey.MsgNotAChoice}, {"agree", "0", survey.MsgNotAChoice},
		{"rows.r1", "low", ""}, {"rows.r2", "high", ""}, {"rows.r2", "4", survey.MsgNotAChoice},
	}
	for _, tt := range tests {
		check(t, cf, tt.field, []string{tt.value}, tt.want)
	}
	// The stored value is the number given, and a scale's position counts from 1.
	r, err := cf.Validate(submission(map[string][]string{"nps": {"0"}, "agree": {"low"}, "rows.r2": {"high"}, "count": {"500"}}), 2025)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"nps.": 0, "agree.": 1, "rows.r2": 3, "count.": 500}
	for _, a := range r.Answers {
		if w, ok := want[a.Question+"."+a.Item]; !ok || !a.HasNum || a.Num != w {
			t.Errorf("answer %+v, want num %v", a, w)
		}
	}
	if len(r.Answers) != len(want) {
		t.Errorf("%d answers stored, want %d", len(r.Answers), len(want))
	}
}

func TestValidateSelectionBounds(t *testing.T) {
	cf, err := survey.Compile(boundsForm())
	if err != nil {
		t.Fatal(err)
	}
	// some: at least 2, at most 3.
	check(t, cf, "some", []string{"a"}, survey.MsgTooFewChoices)
	check(t, cf, "some", []string{"a", "a"}, survey.MsgTooFewChoices) // one choice, sent twice
	check(t, cf, "some", []string{"a", "b"}, "")
	check(t, cf, "some", []string{"a", "b", "c"}, "")
	check(t, cf, "some", []string{"a", "b", "c", "a"}, "") // three distinct
	check(t, cf, "some", []string{"a", "b", "c", "d"}, survey.MsgTooManyChoices)
	// any: no bounds, every choice may be selected.
	check(t, cf, "any", []string{"e"}, "")
	check(t, cf, "any", []string{"a", "b", "c", "d", "e"}, "")
	check(t, cf, "any", []string{"a", "f"}, survey.MsgNotAChoice)
	r, err := cf.Validate(submission(map[string][]string{"some": {"c", "a", "c"}}), 2025)
	if err != nil || len(r.Answers) != 1 || !slices.Equal(r.Answers[0].Choices, []string{"c", "a"}) {
		t.Errorf("duplicates are kept once, in order: %+v, %v", r, err)
	}
}

func TestValidateLengthBounds(t *testing.T) {
	cf, err := survey.Compile(boundsForm())
	if err != nil {
		t.Fatal(err)
	}
	// Lengths count characters, not bytes, after trimming.
	for _, tt := range []struct {
		field string
		limit int
	}{{"short", 10}, {"default_short", survey.DefaultShortTextMax}, {"default_long", survey.DefaultLongTextMax}} {
		check(t, cf, tt.field, []string{strings.Repeat("é", tt.limit-1)}, "")
		check(t, cf, tt.field, []string{"  " + strings.Repeat("é", tt.limit) + " "}, "")
		check(t, cf, tt.field, []string{strings.Repeat("é", tt.limit+1)}, survey.MsgTooLong)
	}
	// The organisation typed in the profile.
	for _, tt := range []struct {
		n    int
		want bool
	}{{survey.MaxOrganisationLength - 1, true}, {survey.MaxOrganisationLength, true}, {survey.MaxOrganisationLength + 1, false}} {
		sub := submission(map[string][]string{})
		sub.Respondent.Organisation = strings.Repeat("ñ", tt.n)
		_, err := cf.Validate(sub, 2025)
		if (err == nil) != tt.want {
			t.Errorf("organisation of %d characters: %v", tt.n, err)
		}
	}
}

// digestResponse has every shape of answer: a scale point with its text, matrix rows, a
// multiple choice, a number, text and a date.
func digestResponse() *survey.Response {
	return &survey.Response{ID: survey.NewResponseID(), SurveyID: "partners-meeting", Edition: 2025, FormVersion: 2,
		Respondent:  survey.Respondent{Country: "SN", Organisation: "Samusocial Sénégal", Role: "psychologist", Language: "fr"},
		SubmittedAt: time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC), ReceivedAt: time.Date(2025, 11, 20, 10, 0, 1, 0, time.UTC),
		Channel: survey.ChannelWeb,
		Answers: []survey.Answer{
			{Question: "satisfaction", Text: "4", Num: 4, HasNum: true},
			{Question: "topics", Item: "advocacy", Text: "2", Num: 2, HasNum: true},
			{Question: "topics", Item: "families", Text: "3", Num: 3, HasNum: true},
			{Question: "take_back", Choices: []string{"tools", "network"}},
			{Question: "colleagues", Num: 0, HasNum: true},
			{Question: "comment", Text: "Merci"},
			{Question: "arrival", Text: "2025-10-27"},
		}}
}

func cloneResponse(r *survey.Response) *survey.Response {
	c := *r
	c.Answers = slices.Clone(r.Answers)
	for i := range c.Answers {
		c.Answers[i].Choices = slices.Clone(r.Answers[i].Choices)
	}
	return &c
}

// Every change to what a response says changes its digest: each profile field, and each
// answer's question, row, number, text and choices, whatever shape the answer has.
func TestDigestChangesWithContent(t *testing.T) {
	base := digestResponse()
	type edit struct {
		name string
		f    func(r *survey.Response)
	}
	edits := []edit{
		{"survey", func(r *survey.Response) { r.SurveyID = "other" }},
		{"edition", func(r *survey.Response) { r.Edition++ }},
		{"form version", func(r *survey.Response) { r.FormVersion++ }},
		{"country", func(r *survey.Response) { r.Country = "PE" }},
		{"organisation", func(r *survey.Response) { r.Organisation += "." }},
		{"role", func(r *survey.Response) { r.Role = "lawyer" }},
		{"language", func(r *survey.Response) { r.Language = "es" }},
		{"an answer removed", func(r *survey.Response) { r.Answers = r.Answers[1:] }},
		{"an answer added", func(r *survey.Response) { r.Answers = append(r.Answers, survey.Answer{Question: "extra", Text: "x"}) }},
		{"matrix rows swapped", func(r *survey.Response) { r.Answers[1].Item, r.Answers[2].Item = r.Answers[2].Item, r.Answers[1].Item }},
		{"matrix row renamed", func(r *survey.Response) { r.Answers[1].Item = "youth" }},
		{"matrix row moved to a plain answer", func(r *survey.Response) { r.Answers[1].Item = "" }},
		{"a choice added", func(r *survey.Response) { r.Answers[3].Choices = append(r.Answers[3].Choices, "other") }},
		{"a choice removed", func(r *survey.Response) { r.Answers[3].Choices = r.Answers[3].Choices[:1] }},
		{"a choice replaced", func(r *survey.Response) { r.Answers[3].Choices[0] = "venue" }},
		{"choices to text", func(r *survey.Response) { r.Answers[3].Choices, r.Answers[3].Text = nil, "toolsnetwork" }},
		{"zero to no number", func(r *survey.Response) { r.Answers[4].HasNum = false }},
		{"zero to one", func(r *survey.Response) { r.Answers[4].Num = 1 }},
		{"text", func(r *survey.Response) { r.Answers[5].Text = "Merci !" }},
		{"text emptied", func(r *survey.Response) { r.Answers[5].Text = "" }},
		{"date", func(r *survey.Response) { r.Answers[6].Text = "2025-10-28" }},
		{"question key", func(r *survey.Response) { r.Answers[5].Question = "comments" }},
		{"text moved between key and row", func(r *survey.Response) { r.Answers[1].Question, r.Answers[1].Item = "topicsadvocacy", "" }},
		{"scale point", func(r *survey.Response) { r.Answers[0].Num = 5 }},
	}
	want := base.Digest()
	seen := map[uint64]string{want: "base"}
	for _, e := range edits {
		r := cloneResponse(base)
		e.f(r)
		got := r.Digest()
		if other, dup := seen[got]; dup {
			t.Errorf("%s: digest equal to %s's", e.name, other)
		}
		seen[got] = e.name
	}
	if base.Digest() != want {
		t.Fatal("the edits changed the base response")
	}
}

// What a response says does not depend on the order of its answers or of a multiple
// choice's selections, nor on its id, times or channel.
func TestDigestIgnoresOrderAndDelivery(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := digestResponse()
	want := base.Digest()
	for i := range 50 {
		r := cloneResponse(base)
		rng.Shuffle(len(r.Answers), func(i, j int) { r.Answers[i], r.Answers[j] = r.Answers[j], r.Answers[i] })
		for _, a := range r.Answers {
			rng.Shuffle(len(a.Choices), func(i, j int) { a.Choices[i], a.Choices[j] = a.Choices[j], a.Choices[i] })
		}
		r.ID = survey.NewResponseID()
		r.SubmittedAt = r.SubmittedAt.Add(time.Duration(i) * time.Hour)
		r.ReceivedAt = time.Now()
		r.Channel = survey.ChannelAPI
		if got := r.Digest(); got != want {
			t.Fatalf("shuffle %d: digest %d, want %d: %+v", i, got, want, r.Answers)
		}
	}
	if slices.Equal(base.Answers[3].Choices, []string{"network", "tools"}) {
		t.Error("digesting sorted a response's own choices")
	}
}

// On random responses, any single change to an answer changes the digest.
func TestDigestPropertyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func() string { return fmt.Sprintf("w%d", rng.IntN(1000)) }
	for i := range 300 {
		r := digestResponse()
		r.Answers = nil
		for q := range 1 + rng.IntN(6) {
			a := survey.Answer{Question: fmt.Sprintf("q%d", q)}
			switch rng.IntN(4) {
			case 0:
				a.Num, a.HasNum = float64(rng.IntN(11)), true
			case 1:
				a.Text = word()
			case 2:
				a.Choices = []string{word(), word()}
			case 3:
				a.Item, a.Num, a.HasNum = word(), float64(1+rng.IntN(5)), true
			}
			r.Answers = append(r.Answers, a)
		}
		before := r.Digest()
		a := &r.Answers[rng.IntN(len(r.Answers))]
		switch {
		case a.Item != "" && rng.IntN(2) == 0:
			a.Item += "x"
		case a.HasNum:
			a.Num++
		case a.Text != "":
			a.Text += "x"
		default:
			a.Choices[rng.IntN(len(a.Choices))] += "x"
		}
		if r.Digest() == before {
			t.Fatalf("case %d: %+v changed without changing the digest", i, *a)
		}
	}
}

// Visible reports groups both ways, and only named sections.
func TestVisibleGroups(t *testing.T) {
	cf := compiled(t)
	for _, tt := range []struct {
		used  string
		shown bool
	}{{"yes", true}, {"no", false}} {
		vis := cf.Visible(map[string][]string{"used_tools": {tt.used}})
		if shown, ok := vis["followup"]; !ok || shown != tt.shown || vis["colleagues"] != tt.shown {
			t.Errorf("used_tools=%s: followup %v (listed %v), colleagues %v; want %v", tt.used, shown, ok, vis["colleagues"], tt.shown)
		}
		if _, ok := vis[""]; ok {
			t.Errorf("an unnamed section is listed: %v", vis)
		}
	}
}
