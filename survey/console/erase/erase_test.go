package erase_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/console/erase"
	"github.com/palabre/palabre/survey/erasure"
	"github.com/palabre/palabre/survey/surveytest"
)

// store holds responses by survey and remembers erased ids.
type store struct {
	mu        sync.Mutex
	responses map[survey.ResponseID]string
	erased    map[survey.ResponseID]bool
	fail      error
}

func (s *store) HasResponse(_ context.Context, surveyID string, id survey.ResponseID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.responses[id] == surveyID, s.fail
}

func (s *store) ResponseErased(_ context.Context, id survey.ResponseID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.erased[id], s.fail
}

func (s *store) EraseResponse(_ context.Context, surveyID string, id survey.ResponseID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return false, s.fail
	}
	found := s.responses[id] == surveyID
	delete(s.responses, id)
	s.erased[id] = true
	return found, nil
}

func setup(t *testing.T) (*consoletest.Harness, *store, survey.ResponseID, survey.ResponseID) {
	t.Helper()
	a, b := survey.NewResponseID(), survey.NewResponseID()
	st := &store{responses: map[survey.ResponseID]string{a: "feedback", b: "other"}, erased: map[survey.ResponseID]bool{}}
	cat := surveytest.NewCatalog([]*survey.Form{surveytest.FeedbackForm("feedback"), surveytest.FeedbackForm("other")})
	var h *consoletest.Harness
	h = consoletest.New(t, cat, func(k *console.Console) {
		if err := erase.Mount(k, &erasure.Eraser{Store: st, Log: auditOf(&h)}); err != nil {
			t.Fatal(err)
		}
	})
	return h, st, a, b
}

// auditOf defers to the harness's recorder, which exists once New returns.
type lateAudit struct{ h **consoletest.Harness }

func (l lateAudit) Record(ctx context.Context, e audit.Entry) error {
	return (*l.h).Audit.Record(ctx, e)
}

func auditOf(h **consoletest.Harness) lateAudit { return lateAudit{h} }

func form(id, reason string, confirm bool) url.Values {
	v := url.Values{"response": {id}, "reason": {reason}}
	if confirm {
		v.Set("confirm", "yes")
	}
	return v
}

func TestACoordinatorErasesAResponse(t *testing.T) {
	h, st, a, _ := setup(t)
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	if r := c.Get("/console/surveys/feedback/erase"); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="response"`) {
		t.Fatalf("form: %d", r.Status)
	}
	for _, bad := range []struct {
		form url.Values
		want string
	}{
		{form("not-an-id", "mail of 3 March", true), "36 caract"},
		{form(a.String(), " ", true), "Indiquez le motif"},
		{form(a.String(), "mail of 3 March", false), "Cochez la case"},
	} {
		if r := c.Post("/console/surveys/feedback/erase", bad.form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, bad.want) {
			t.Fatalf("%v: %d", bad.form, r.Status)
		}
	}
	if len(h.Audit.Entries()) != 0 || st.erased[a] {
		t.Fatal("a refused form erased or recorded something")
	}
	r := c.Post("/console/surveys/feedback/erase", form(a.String(), "mail of 3 March", true))
	if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "done=erase_done") {
		t.Fatalf("erase: %d to %q", r.Status, r.Location)
	}
	if !st.erased[a] || st.responses[a] != "" {
		t.Fatal("not erased")
	}
	got := h.Audit.Entries()
	if len(got) != 1 || got[0].Action != "response.erase" || got[0].Email != "ana@example.org" || got[0].Target != a.String() ||
		got[0].Survey != "feedback" || got[0].Detail != "mail of 3 March" || got[0].Address == "" {
		t.Fatalf("audit: %+v", got)
	}
	if r := c.Get(r.Location); !strings.Contains(r.Body, "La réponse a été effacée") {
		t.Fatal("no confirmation after the redirect")
	}
	if r := c.Post("/console/surveys/feedback/erase?lang=en", form(a.String(), "again", true)); r.Status != http.StatusGone {
		t.Fatalf("erased twice: %d", r.Status)
	}
	if r := c.Post("/console/surveys/feedback/erase", form(survey.NewResponseID().String(), "unknown", true)); r.Status != http.StatusNotFound {
		t.Fatalf("unknown id: %d", r.Status)
	}
	if len(h.Audit.Entries()) != 1 {
		t.Fatal("an erasure that changed nothing was recorded")
	}
}

func TestAnotherSurveysResponseIsNotErased(t *testing.T) {
	h, st, _, b := setup(t)
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	// Through its own survey's page, another survey's response is simply not found.
	if r := c.Post("/console/surveys/feedback/erase", form(b.String(), "x", true)); r.Status != http.StatusNotFound || st.erased[b] {
		t.Fatalf("another survey's response: %d", r.Status)
	}
	for _, path := range []string{"/console/surveys/other/erase"} {
		if r := c.Get(path); r.Status != http.StatusForbidden {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		if r := c.Post(path, form(b.String(), "x", true)); r.Status != http.StatusForbidden || st.erased[b] {
			t.Fatalf("POST %s: %d", path, r.Status)
		}
	}
	if r := c.Post("/console/surveys/feedback/erase", url.Values{"csrf": {""}, "response": {b.String()}}); r.Status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", r.Status)
	}
	if r := h.NewClient(t).Post("/console/surveys/feedback/erase", form(b.String(), "x", true)); r.Status != http.StatusSeeOther {
		t.Fatalf("no session: %d", r.Status)
	}
	if r := c.Get("/console/surveys/nope/erase"); r.Status != http.StatusForbidden {
		t.Fatalf("unknown survey for a limited coordinator: %d", r.Status)
	}
	admin := h.SignIn(t, "root@example.org", access.Admin)
	if r := admin.Get("/console/surveys/nope/erase"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown survey: %d", r.Status)
	}
}

func TestNothingIsErasedUnrecorded(t *testing.T) {
	h, st, a, _ := setup(t)
	h.Audit.Err = errors.New("audit log down")
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	if r := c.Post("/console/surveys/feedback/erase", form(a.String(), "x", true)); r.Status != http.StatusServiceUnavailable || st.erased[a] {
		t.Fatalf("audit down: %d, erased %v", r.Status, st.erased[a])
	}
}
