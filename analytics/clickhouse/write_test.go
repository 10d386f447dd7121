package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

func testResponse(country string, answers ...survey.Answer) *survey.Response {
	now := time.Date(2025, 11, 2, 10, 30, 0, 0, time.UTC)
	return &survey.Response{
		ID: survey.NewResponseID(), SurveyID: "partners-meeting", Edition: 2025, FormVersion: 3,
		Respondent:  survey.Respondent{Country: country, Organisation: "100% Mamans", Role: "psychologist", Language: "fr"},
		SubmittedAt: now, ReceivedAt: now.Add(time.Second), Channel: survey.ChannelWeb,
		Answers: answers,
	}
}

func TestWriteResponsesRoundTrip(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	tricky := "l'atelier \\ \"famille\"; -- DROP TABLE answers"
	r1 := testResponse("MA",
		survey.Answer{Question: "workshops", Num: 4, HasNum: true},
		survey.Answer{Question: "comment", Text: tricky},
		survey.Answer{Question: "take_back", Choices: []string{"tools", "network"}},
		survey.Answer{Question: "sessions", Item: "families", Num: 5, HasNum: true},
		survey.Answer{Question: "nps", Num: 0, HasNum: true},
	)
	r2 := testResponse("PE", survey.Answer{Question: "workshops", Num: 2, HasNum: true})
	batch := []*survey.Response{r1, r2}
	if err := db.WriteResponses(ctx, batch); err != nil {
		t.Fatalf("WriteResponses: %v", err)
	}
	// A retried batch stores the rows again; reads must still count each response once.
	if err := db.WriteResponses(ctx, batch); err != nil {
		t.Fatalf("WriteResponses again: %v", err)
	}

	got, err := db.ReadResponse(ctx, r1.ID)
	if err != nil {
		t.Fatalf("ReadResponse: %v", err)
	}
	if got.Digest() != r1.Digest() {
		t.Errorf("read back response differs:\n got %+v\nwant %+v", got, r1)
	}
	if got.Country != "MA" || got.Organisation != "100% Mamans" || !got.SubmittedAt.Equal(r1.SubmittedAt) {
		t.Errorf("profile or time lost: %+v", got)
	}
	var text string
	for _, a := range got.Answers {
		if a.Question == "comment" {
			text = a.Text
		}
	}
	if text != tricky {
		t.Errorf("text answer = %q, want %q", text, tricky)
	}

	n, err := db.CountResponses(ctx, "partners-meeting", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("CountResponses = %d after a duplicated batch, want 2", n)
	}
	in, err := db.Integrity(ctx, "partners-meeting", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if in.Responses != 2 || in.Answers != 6 || in.AnswerRows < in.Answers {
		t.Errorf("Integrity = %+v, want 2 responses and 6 distinct answers", in)
	}
	if _, err := db.ReadResponse(ctx, survey.NewResponseID()); survey.ErrorCode(err) != survey.CodeNotFound {
		t.Errorf("ReadResponse(unknown) error = %v, want not_found", err)
	}
}

func TestWriteLargeBatch(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	var batch []*survey.Response
	countries := []string{"SN", "MG", "PE", "FR", "MA"}
	for i := 0; i < 2000; i++ {
		var answers []survey.Answer
		for q := 0; q < 30; q++ {
			answers = append(answers, survey.Answer{Question: "q" + string(rune('a'+q%26)) + string(rune('a'+q/26)), Num: float64(q % 5), HasNum: true})
		}
		batch = append(batch, testResponse(countries[i%len(countries)], answers...))
	}
	if err := db.WriteResponses(ctx, batch); err != nil {
		t.Fatalf("WriteResponses: %v", err)
	}
	n, err := db.CountResponses(ctx, "partners-meeting", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2000 {
		t.Errorf("CountResponses = %d, want 2000", n)
	}
}

func TestResponseDigests(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	r := testResponse("SN", survey.Answer{Question: "nps", Num: 10, HasNum: true})
	for i := 0; i < 2; i++ { // stored twice, listed once
		if err := db.WriteResponses(ctx, []*survey.Response{r}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[survey.ResponseID]uint64{}
	err := db.ResponseDigests(ctx, func(id survey.ResponseID, digest uint64, at time.Time) {
		got[id] = digest
		if !at.Equal(r.SubmittedAt) {
			t.Errorf("submitted at %v, want %v", at, r.SubmittedAt)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[r.ID] != r.Digest() {
		t.Errorf("ResponseDigests = %v, want {%s: %d}", got, r.ID, r.Digest())
	}
}
