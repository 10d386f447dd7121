package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/invite/invitetest"
	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// inviteFixture serves the "meeting" survey, whose 2026 edition is by invitation, beside the
// "open" survey, whose 2026 edition is open as usual.
type inviteFixture struct {
	*fixture
	store   *invitetest.Memory
	invites *invite.Service
	tokens  []string
}

func newInviteFixture(t testing.TB) *inviteFixture {
	t.Helper()
	ctx := context.Background()
	catalog := surveytest.Seed("meeting", now)
	all, _ := catalog.Surveys(ctx)
	e, _ := all[0].Edition(2026)
	e.Access = survey.AccessInvitation
	if err := catalog.SaveEdition(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := catalog.SaveForm(ctx, surveytest.FeedbackForm("open")); err != nil {
		t.Fatal(err)
	}
	if err := catalog.SaveEdition(ctx, surveytest.Edition("open", 2026, "Lomé", now.Add(-time.Hour), time.Time{})); err != nil {
		t.Fatal(err)
	}
	fx := &inviteFixture{fixture: &fixture{catalog: catalog, sink: &surveytest.Sink{}}, store: &invitetest.Memory{}}
	fx.invites = invite.NewService(fx.store)
	forms, err := web.NewForms(web.FormsConfig{Catalog: catalog, Sink: fx.sink, Now: func() time.Time { return now },
		Invitations: fx.invites})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	fx.engine = gin.New()
	fx.engine.Use(web.RequestIDs(), web.LimitBody(maxBody))
	forms.Register(fx.engine)
	b, err := fx.invites.Generate(ctx, "meeting", 2026, 3)
	if err != nil {
		t.Fatal(err)
	}
	fx.tokens = b.Tokens
	return fx
}

func postInvited(fx *inviteFixture, path string, v url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	fx.engine.ServeHTTP(w, req)
	return w
}

func inviteHeader(token string) http.Header { return http.Header{invite.TokenHeader: {token}} }

const inviteResponses = "/api/v1/surveys/meeting/editions/2026/responses"

func TestInvitationJSON(t *testing.T) {
	fx := newInviteFixture(t)
	tok := fx.tokens[0]
	id := survey.NewResponseID().String()
	used := "already been used"

	// An open edition is as it was: no token asked.
	if w := post(fx.fixture, "/api/v1/surveys/open/editions/2026/responses", response(survey.NewResponseID().String(), nil), nil); w.Code != http.StatusCreated {
		t.Fatalf("open edition: %d %s", w.Code, w.Body)
	}
	for _, tc := range []struct {
		name, token, lang string
		status            int
		message           string
	}{
		{"no token", "", "en", http.StatusForbidden, "answered by invitation"},
		{"no token, in French", "", "fr", http.StatusForbidden, "sur invitation"},
		{"malformed token", "abc", "es", http.StatusForbidden, "no es válido"},
		{"unknown token", strings.Repeat("A", invite.TokenLength), "en", http.StatusForbidden, "not valid"},
	} {
		h := inviteHeader(tc.token)
		h.Set("Accept-Language", tc.lang)
		w := post(fx.fixture, inviteResponses, response(id, nil), h)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.message) {
			t.Errorf("%s: %d %s", tc.name, w.Code, w.Body)
		}
	}
	if n := len(fx.sink.Responses()); n != 1 {
		t.Fatalf("%d responses stored after refusals", n)
	}

	// An invalid response is told what to fix, and spends nothing.
	bad := response(survey.NewResponseID().String(), func(a map[string]any) { a["recommend"] = 11 })
	if w := post(fx.fixture, inviteResponses, bad, inviteHeader(tok)); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid response: %d %s", w.Code, w.Body)
	}
	if err := fx.invites.Check(context.Background(), "meeting", 2026, tok); err != nil {
		t.Fatalf("an invalid response spent the invitation: %v", err)
	}

	if w := post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(tok)); w.Code != http.StatusCreated {
		t.Fatalf("with a token: %d %s", w.Code, w.Body)
	}
	// Sent again (its confirmation was lost): a duplicate, though the token is now used.
	if w := post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(tok)); w.Code != http.StatusOK ||
		!strings.Contains(w.Body.String(), `"status":"duplicate"`) {
		t.Fatalf("resubmission: %d %s", w.Code, w.Body)
	}
	// Another response with the same token is refused.
	h := inviteHeader(tok)
	h.Set("Accept-Language", "en")
	if w := post(fx.fixture, inviteResponses, response(survey.NewResponseID().String(), nil), h); w.Code != http.StatusGone ||
		!strings.Contains(w.Body.String(), used) {
		t.Fatalf("second response with one token: %d %s", w.Code, w.Body)
	}
	// The token is for this edition only.
	if w := post(fx.fixture, "/api/v1/surveys/open/editions/2026/responses", response(survey.NewResponseID().String(), nil), inviteHeader(fx.tokens[1])); w.Code != http.StatusCreated {
		t.Fatalf("a token sent to an open edition is ignored: %d %s", w.Code, w.Body)
	}
	if c, _ := fx.invites.Counts(context.Background(), "meeting", 2026); c != (invite.Counts{Generated: 3, Used: 1}) {
		t.Errorf("counts %+v", c)
	}
	// Nothing of the token is stored with the answers.
	for _, r := range fx.sink.Responses() {
		b, _ := json.Marshal(r)
		if bytes.Contains(b, []byte(tok)) || bytes.Contains(b, []byte(invite.Hash(tok))) || strings.Contains(r.ID.String(), tok[:8]) {
			t.Errorf("a stored response holds its invitation: %s", b)
		}
	}
	// The edition says how to answer it.
	if w := get(fx.fixture, "/api/v1/surveys", nil); !strings.Contains(w.Body.String(), `"access":"invitation"`) {
		t.Errorf("the list does not say the edition is by invitation: %s", w.Body)
	}
}

// A response that cannot be stored gives its invitation back: the participant sends it again.
func TestInvitationReleasedWhenNotStored(t *testing.T) {
	fx := newInviteFixture(t)
	tok := fx.tokens[0]
	id := survey.NewResponseID().String()
	fx.sink.Unavailable(30)
	if w := post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(tok)); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("journal full: %d %s", w.Code, w.Body)
	}
	if err := fx.invites.Check(context.Background(), "meeting", 2026, tok); err != nil {
		t.Fatalf("the invitation stays spent after a refusal: %v", err)
	}
	fx.sink.FailWith(nil)
	if w := post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(tok)); w.Code != http.StatusCreated {
		t.Fatalf("sent again: %d %s", w.Code, w.Body)
	}
	// Invitations that cannot be read (the database away) ask the participant to try again
	// shortly, and nothing is stored.
	fx.store.FailWith(context.DeadlineExceeded)
	if w := post(fx.fixture, inviteResponses, response(survey.NewResponseID().String(), nil), inviteHeader(fx.tokens[1])); w.Code != http.StatusServiceUnavailable ||
		w.Header().Get("Retry-After") != "30" {
		t.Fatalf("store down: %d %s", w.Code, w.Body)
	}
	if w := get(fx.fixture, "/s/meeting/2026?t="+fx.tokens[1], nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("form while the store is down: %d", w.Code)
	}
	if n := len(fx.sink.Responses()); n != 1 {
		t.Errorf("%d responses stored", n)
	}
}

// A form sent twice at once (a double click) is one response and one duplicate.
func TestInvitationConcurrentSameResponse(t *testing.T) {
	fx := newInviteFixture(t)
	id := survey.NewResponseID().String()
	codes := make(chan int, 2)
	for range 2 {
		go func() { codes <- post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(fx.tokens[0])).Code }()
	}
	got := map[int]int{<-codes: 1}
	got[<-codes]++
	if got[http.StatusCreated] != 1 || got[http.StatusOK] != 1 {
		t.Errorf("statuses %v, want one 201 and one 200", got)
	}
}

var actionRE = `action="/s/meeting/2026?t=`

func TestInvitationPages(t *testing.T) {
	fx := newInviteFixture(t)
	tok := fx.tokens[0]

	// The open survey's form is as it was; the index lists it, not the edition by invitation.
	if w := get(fx.fixture, "/s/open/2026", nil); w.Code != http.StatusOK || strings.Contains(w.Body.String(), "?t=") {
		t.Fatalf("open form: %d", w.Code)
	}
	if w := get(fx.fixture, "/?lang=en", nil); !strings.Contains(w.Body.String(), "/s/open/2026") || strings.Contains(w.Body.String(), "/s/meeting/2026") {
		t.Errorf("index: %s", w.Body)
	}
	for _, tc := range []struct {
		path, message string
		status        int
	}{
		{"/s/meeting/2026?lang=en", "answered by invitation", http.StatusForbidden},
		{"/s/meeting/2026?lang=es&t=" + strings.Repeat("x", invite.TokenLength), "no es válido", http.StatusForbidden},
		{"/s/meeting/2026?lang=fr&t=" + fx.tokens[1][:20], "pas valable", http.StatusForbidden},
	} {
		w := get(fx.fixture, tc.path, nil)
		if w.Code != tc.status || !strings.Contains(html.UnescapeString(w.Body.String()), tc.message) || strings.Contains(w.Body.String(), `id="survey"`) {
			t.Errorf("%s: %d %s", tc.path, w.Code, w.Body)
		}
	}

	// With the link: the form, posting back to the link; the token is in no field.
	w := get(fx.fixture, "/s/meeting/2026?lang=es&t="+tok, nil)
	body := html.UnescapeString(w.Body.String())
	if w.Code != http.StatusOK || !strings.Contains(body, actionRE+tok+`"`) {
		t.Fatalf("form with a token: %d %s", w.Code, body)
	}
	if strings.Count(body, tok) != 1+3 { // the action and the three language links
		t.Errorf("the token appears %d times in the page", strings.Count(body, tok))
	}
	id := idRE.FindStringSubmatch(w.Body.String())[1]

	// An invalid answer shows the form again, still posting with the token.
	v := formValues(id)
	v.Set("recommend", "12")
	w = postInvited(fx, "/s/meeting/2026?t="+tok, v)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(w.Body.String()), actionRE+tok+`"`) {
		t.Fatalf("invalid: %d %s", w.Code, w.Body)
	}
	// Posted without the token: refused, nothing stored.
	if w = postInvited(fx, "/s/meeting/2026", formValues(id)); w.Code != http.StatusForbidden {
		t.Fatalf("posted without the token: %d %s", w.Code, w.Body)
	}
	w = postInvited(fx, "/s/meeting/2026?t="+tok, formValues(id))
	if w.Code != http.StatusSeeOther || strings.Contains(w.Header().Get("Location"), tok) {
		t.Fatalf("posted: %d %v", w.Code, w.Header())
	}
	// Posted again (reloaded, or sent from the draft): the thank-you page, marked duplicate.
	if w = postInvited(fx, "/s/meeting/2026?t="+tok, formValues(id)); w.Code != http.StatusSeeOther ||
		!strings.Contains(w.Header().Get("Location"), "dup=1") {
		t.Fatalf("posted again: %d %v", w.Code, w.Header())
	}
	// The link is used: the page says so, in the participant's language, with 410.
	w = get(fx.fixture, "/s/meeting/2026?lang=fr&t="+tok, nil)
	if w.Code != http.StatusGone || !strings.Contains(html.UnescapeString(w.Body.String()), "a déjà servi") {
		t.Errorf("used link: %d %s", w.Code, w.Body)
	}
	// Another response through the used link is refused.
	w = postInvited(fx, "/s/meeting/2026?t="+tok, formValues(survey.NewResponseID().String()))
	if w.Code != http.StatusGone || !strings.Contains(html.UnescapeString(w.Body.String()), "ya se usó") {
		t.Errorf("second response: %d %s", w.Code, w.Body)
	}
	if n := len(fx.sink.Responses()); n != 1 {
		t.Errorf("%d responses stored", n)
	}
}

// An edition by invitation without an invitations store refuses rather than lets anyone in.
func TestInvitationWithoutStore(t *testing.T) {
	fx := newFixture(t)
	all, _ := fx.catalog.Surveys(context.Background())
	e, _ := all[0].Edition(2026)
	e.Access = survey.AccessInvitation
	if err := fx.catalog.SaveEdition(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if w := get(fx, "/s/meeting/2026", nil); w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), `id="survey"`) {
		t.Errorf("form: %d", w.Code)
	}
	if w := post(fx, inviteResponses, response(survey.NewResponseID().String(), nil), nil); w.Code != http.StatusInternalServerError {
		t.Errorf("submission: %d %s", w.Code, w.Body)
	}
	if n := len(fx.sink.Responses()); n != 0 {
		t.Errorf("%d responses stored", n)
	}
}

// The sink must recognise stored responses for invitations to be served.
func TestInvitationNeedsRecognizer(t *testing.T) {
	_, err := web.NewForms(web.FormsConfig{Catalog: surveytest.Seed("meeting", now), Sink: plainSink{},
		Invitations: invite.NewService(&invitetest.Memory{})})
	if err == nil {
		t.Error("a sink that cannot recognise responses was accepted")
	}
}

type plainSink struct{}

func (plainSink) Submit(context.Context, *survey.Response) (survey.Receipt, error) {
	return survey.Receipt{}, nil
}

// forgetfulSink recognises nothing, as when another process is storing the same response at
// the same moment: the submission after the claim then finds it stored.
type forgetfulSink struct{ *surveytest.Sink }

func (forgetfulSink) Recognize(context.Context, *survey.Response) (survey.Receipt, bool, error) {
	return survey.Receipt{}, false, nil
}

// A response found already stored after its invitation was claimed gives the claim back: a
// duplicate spends nothing.
func TestInvitationDuplicateAfterClaimGivesItBack(t *testing.T) {
	fx := newInviteFixture(t)
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: forgetfulSink{fx.sink}, Now: func() time.Time { return now },
		Invitations: fx.invites})
	if err != nil {
		t.Fatal(err)
	}
	fx.engine = gin.New()
	forms.Register(fx.engine)
	id := survey.NewResponseID().String()
	if w := post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(fx.tokens[0])); w.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", w.Code, w.Body)
	}
	if w := post(fx.fixture, inviteResponses, response(id, nil), inviteHeader(fx.tokens[1])); w.Code != http.StatusOK {
		t.Fatalf("the same response through another link: %d %s", w.Code, w.Body)
	}
	if err := fx.invites.Check(context.Background(), "meeting", 2026, fx.tokens[1]); err != nil {
		t.Errorf("a duplicate spent its invitation: %v", err)
	}
}
