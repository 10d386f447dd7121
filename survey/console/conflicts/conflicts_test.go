package conflicts_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/conflicts"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/surveytest"
)

type store struct {
	byEdition map[string][]conflicts.Conflict
	err       error
	asked     []int
}

func (s *store) Conflicts(_ context.Context, surveyID string, edition, limit int) ([]conflicts.Conflict, error) {
	s.asked = append(s.asked, limit)
	if s.err != nil {
		return nil, s.err
	}
	return s.byEdition[surveyID+"/"+time.Date(edition, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006")], nil
}

func harness(t *testing.T, s conflicts.Store) *consoletest.Harness {
	catalog := surveytest.NewCatalog([]*survey.Form{surveytest.FeedbackForm("feedback"), surveytest.FeedbackForm("other")},
		survey.Edition{SurveyID: "feedback", Year: 2026, FormVersion: 1},
		survey.Edition{SurveyID: "other", Year: 2026, FormVersion: 1})
	return consoletest.New(t, catalog, func(k *console.Console) {
		if err := conflicts.Mount(k, s); err != nil {
			t.Fatal(err)
		}
	})
}

func loser(t *testing.T) conflicts.Conflict {
	at := time.Date(2026, 11, 20, 9, 0, 7, 0, time.UTC)
	r := survey.Response{ID: survey.NewResponseID(), SurveyID: "feedback", Edition: 2026,
		Respondent: survey.Respondent{Country: "SN", Organisation: "samu", Role: "social_worker"},
		Answers:    []survey.Answer{{Question: "recommend", Num: 3, HasNum: true}, {Question: "comment", Text: "trop long"}}}
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return conflicts.Conflict{ID: r.ID, ReceivedAt: at, AcceptedBy: "web-2", WinnerReceivedAt: at.Add(-time.Second),
		RecordedAt: at.Add(3 * time.Second), Body: string(body)}
}

func TestTheCoordinatorSeesTheEditionsConflicts(t *testing.T) {
	c1 := loser(t)
	s := &store{byEdition: map[string][]conflicts.Conflict{"feedback/2026": {c1}}}
	h := harness(t, s)
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	r := c.Get("/console/surveys/feedback/editions/2026/conflicts?lang=en")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{c1.ID.String(), "web-2", "SN · samu · social_worker", "Answers left out (2)", "trop long",
		"<code>recommend</code> : 3", "The version received first is kept"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if len(s.asked) != 1 || s.asked[0] != conflicts.Limit+1 {
		t.Errorf("asked for %v conflicts", s.asked)
	}
	r = c.Get("/console/surveys/feedback/editions/2026/conflicts?lang=fr")
	if !strings.Contains(r.Body, "Réponses écartées (2)") {
		t.Error("the page is not in French")
	}
}

func TestNoConflict(t *testing.T) {
	h := harness(t, &store{})
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	r := c.Get("/console/surveys/feedback/editions/2026/conflicts?lang=es")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Ninguna respuesta en conflicto") {
		t.Fatalf("status %d\n%s", r.Status, r.Body)
	}
}

func TestOnlyTheSurveysPeopleSeeItsConflicts(t *testing.T) {
	s := &store{byEdition: map[string][]conflicts.Conflict{"feedback/2026": {loser(t)}}}
	h := harness(t, s)
	if r := h.NewClient(t).Get("/console/surveys/feedback/editions/2026/conflicts"); r.Status != http.StatusSeeOther ||
		!strings.HasPrefix(r.Location, "/console/login") {
		t.Errorf("without a session: %d %q, want 303 to the login page", r.Status, r.Location)
	}
	other := h.SignIn(t, "bob@example.org", access.Coordinator, "other")
	if r := other.Get("/console/surveys/feedback/editions/2026/conflicts"); r.Status != http.StatusForbidden {
		t.Errorf("a coordinator of another survey: %d, want 403", r.Status)
	}
	admin := h.SignIn(t, "root@example.org", access.Admin)
	if r := admin.Get("/console/surveys/feedback/editions/2026/conflicts"); r.Status != http.StatusOK {
		t.Errorf("an admin: %d, want 200", r.Status)
	}
	for _, path := range []string{"/console/surveys/feedback/editions/2031/conflicts", "/console/surveys/feedback/editions/x/conflicts"} {
		if r := admin.Get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
	if len(s.asked) != 1 {
		t.Errorf("the store was asked %d times, want once (for the admin)", len(s.asked))
	}
}

func TestStoreFailureIsAnError(t *testing.T) {
	h := harness(t, &store{err: errors.New("clickhouse away")})
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	if r := c.Get("/console/surveys/feedback/editions/2026/conflicts"); r.Status < 500 {
		t.Errorf("status %d, want 5xx", r.Status)
	}
}
