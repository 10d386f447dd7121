package surveytest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

func TestFeedbackFormValidates(t *testing.T) {
	cf, err := survey.Compile(surveytest.FeedbackForm("meeting"))
	if err != nil {
		t.Fatal(err)
	}
	types := map[survey.QuestionType]bool{}
	for _, q := range cf.Form.Questions() {
		types[q.Type] = true
	}
	// Every type of the feedback survey; those XLSForm forms bring (time, datetime,
	// geopoint, acknowledge) have their own forms in the tests of each package.
	xlsformOnly := map[survey.QuestionType]bool{survey.Time: true, survey.DateTime: true, survey.Geopoint: true, survey.Acknowledge: true}
	for _, qt := range survey.QuestionTypes {
		if qt == survey.Calculate {
			continue // not asked; its forms are in survey/calculate_test.go and the web package's tests
		}
		if !types[qt] && !xlsformOnly[qt] {
			t.Errorf("no %s question", qt)
		}
	}
	sub := survey.Submission{ID: survey.NewResponseID().String(), Respondent: surveytest.ValidRespondent(),
		Values: surveytest.ValidValues()}
	r, err := cf.Validate(sub, 2026)
	if err != nil {
		t.Fatalf("ValidValues do not validate: %v", err)
	}
	if got, want := len(r.Answers), 13; got != want {
		t.Errorf("%d answers, want %d: %v", got, want, surveytest.Keys(r))
	}
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	c := surveytest.Seed("meeting", now)
	ss, err := c.Surveys(ctx)
	if err != nil || len(ss) != 1 || len(ss[0].Editions) != 3 {
		t.Fatalf("Surveys() = %+v, %v", ss, err)
	}
	var status []survey.Status
	for _, e := range ss[0].Editions {
		status = append(status, e.StatusAt(now))
	}
	if status[0] != survey.StatusClosed || status[1] != survey.StatusOpen || status[2] != survey.StatusNotYetOpen {
		t.Errorf("statuses %v", status)
	}
	f, err := c.Form(ctx, "meeting", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SaveForm(ctx, f); err != nil {
		t.Errorf("saving the same form again: %v", err)
	}
	f.Title = surveytest.T("Autre", "Other", "Otro")
	if code := survey.ErrorCode(c.SaveForm(ctx, f)); code != survey.CodeConflict {
		t.Errorf("saving a changed version: code %q, want conflict", code)
	}
	if _, err := c.Form(ctx, "meeting", 2); survey.ErrorCode(err) != survey.CodeNotFound {
		t.Errorf("Form(v2) error %v, want not found", err)
	}
	if err := c.SaveEdition(ctx, survey.Edition{SurveyID: "meeting", Year: 1990, FormVersion: 1}); survey.ErrorCode(err) != survey.CodeInvalid {
		t.Errorf("SaveEdition(1990) error %v, want invalid", err)
	}
}

func TestSink(t *testing.T) {
	ctx := context.Background()
	var s surveytest.Sink
	first := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := &survey.Response{ID: survey.NewResponseID(), SurveyID: "meeting", Edition: 2026, FormVersion: 1,
		SubmittedAt: first, Answers: []survey.Answer{{Question: "q", Text: "a"}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Submit(ctx, r); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(s.Responses()); n != 1 {
		t.Fatalf("%d responses stored, want 1", n)
	}
	again := *r
	again.SubmittedAt = first.Add(time.Hour)
	rc, err := s.Submit(ctx, &again)
	if err != nil || !rc.Duplicate || !rc.SubmittedAt.Equal(first) {
		t.Errorf("resubmission: %+v, %v; want a duplicate first submitted at %v", rc, err, first)
	}
	again.Answers = []survey.Answer{{Question: "q", Text: "b"}}
	if _, err := s.Submit(ctx, &again); survey.ErrorCode(err) != survey.CodeConflict {
		t.Errorf("other answers: error %v, want conflict", err)
	}
	s.Unavailable(7)
	_, err = s.Submit(ctx, r)
	if e := survey.AsError(err); e.Code != survey.CodeUnavailable || e.RetryAfter != 7 {
		t.Errorf("unavailable: %v", err)
	}
	if s.Calls() != 11 {
		t.Errorf("Calls() = %d, want 11", s.Calls())
	}
}
