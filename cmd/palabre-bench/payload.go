package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/palabre/palabre/survey"
)

// The benchmark's survey: 30 answers per response, as a yearly feedback form gives them: a
// satisfaction scale, a matrix of eight workshops, ten statements on an agreement scale, five
// single choices, two multiple choices, two 0–10 ratings, a number and a comment.
const (
	benchSurvey = "bench-feedback"
	benchYear   = 2026
)

var agreement = []survey.Choice{
	{Key: "strongly_disagree", Label: survey.Text{"fr": "Pas du tout d'accord"}},
	{Key: "disagree", Label: survey.Text{"fr": "Pas d'accord"}},
	{Key: "neutral", Label: survey.Text{"fr": "Neutre"}},
	{Key: "agree", Label: survey.Text{"fr": "D'accord"}},
	{Key: "strongly_agree", Label: survey.Text{"fr": "Tout à fait d'accord"}},
}

func label(s string) survey.Text { return survey.Text{"fr": s, "en": s, "es": s} }

func benchForm() *survey.Form {
	var qs []survey.Question
	qs = append(qs, survey.Question{Key: "satisfaction", Type: survey.Likert, Label: label("Satisfaction"), Required: true, Choices: agreement})
	var items []survey.Choice
	for i := 1; i <= 8; i++ {
		items = append(items, survey.Choice{Key: fmt.Sprintf("workshop_%d", i), Label: label(fmt.Sprintf("Atelier %d", i))})
	}
	qs = append(qs, survey.Question{Key: "workshops", Type: survey.Matrix, Label: label("Ateliers"), Choices: agreement, Items: items})
	for i := 1; i <= 10; i++ {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("statement_%d", i), Type: survey.Likert, Label: label(fmt.Sprintf("Affirmation %d", i)), Choices: agreement})
	}
	options := []survey.Choice{{Key: "a", Label: label("A")}, {Key: "b", Label: label("B")}, {Key: "c", Label: label("C")}, {Key: "d", Label: label("D")}}
	for i := 1; i <= 5; i++ {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("choice_%d", i), Type: survey.SingleChoice, Label: label(fmt.Sprintf("Choix %d", i)), Choices: options})
	}
	for i := 1; i <= 2; i++ {
		qs = append(qs, survey.Question{Key: fmt.Sprintf("multi_%d", i), Type: survey.MultipleChoice, Label: label(fmt.Sprintf("Plusieurs %d", i)), Choices: options, MaxSelected: 3})
	}
	qs = append(qs,
		survey.Question{Key: "nps", Type: survey.Rating, Label: label("Recommandation")},
		survey.Question{Key: "usefulness", Type: survey.Rating, Label: label("Utilité")},
		survey.Question{Key: "colleagues", Type: survey.Number, Label: label("Collègues"), Integer: true},
		survey.Question{Key: "comment", Type: survey.LongText, Label: label("Commentaires")},
	)
	return &survey.Form{SurveyID: benchSurvey, Version: 1, Title: label("Questionnaire de mesure"),
		DefaultLanguage: "fr", Languages: []string{"fr", "en", "es"},
		Profile:  survey.Profile{Countries: survey.NetworkCountries, Roles: survey.DefaultRoles},
		Sections: []survey.Section{{Questions: qs}}}
}

var comments = []string{
	"Les ateliers sur l'accompagnement des familles étaient très utiles ; merci pour l'organisation.",
	"Il faudrait plus de temps pour les échanges entre pays.",
	"La visite du dispositif partenaire a été le moment le plus fort de la semaine.",
	"Muy útil para nuestro trabajo con las familias en Lima.",
	"The guide will help our team follow each young person's path.",
}

// payload returns the JSON body of the i-th benchmark response.
func payload(i int) []byte {
	b, _ := payloadID(i)
	return b
}

// payloadID returns the JSON body of the i-th benchmark response and its id.
func payloadID(i int) ([]byte, survey.ResponseID) {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	point := func() string { return agreement[min(4, max(0, 2+r.IntN(3)-r.IntN(2)))].Key }
	answers := map[string]any{"satisfaction": point()}
	matrix := map[string]string{}
	for k := 1; k <= 8; k++ {
		matrix[fmt.Sprintf("workshop_%d", k)] = point()
	}
	answers["workshops"] = matrix
	for k := 1; k <= 10; k++ {
		answers[fmt.Sprintf("statement_%d", k)] = point()
	}
	opts := []string{"a", "b", "c", "d"}
	for k := 1; k <= 5; k++ {
		answers[fmt.Sprintf("choice_%d", k)] = opts[r.IntN(4)]
	}
	for k := 1; k <= 2; k++ {
		answers[fmt.Sprintf("multi_%d", k)] = opts[:1+r.IntN(3)]
	}
	answers["nps"] = r.IntN(11)
	answers["usefulness"] = 5 + r.IntN(6)
	answers["colleagues"] = r.IntN(40)
	answers["comment"] = comments[r.IntN(len(comments))]
	country := survey.NetworkCountries[r.IntN(len(survey.NetworkCountries))]
	id := survey.NewResponseID()
	body := map[string]any{
		"id": id.String(),
		"respondent": map[string]string{"country": country, "organisation": "Organisation " + country,
			"role": survey.DefaultRoles[r.IntN(len(survey.DefaultRoles))].Key, "language": "fr"},
		"answers": answers,
	}
	b, _ := json.Marshal(body)
	return b, id
}
