package responses_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/consoletest"
	"github.com/palabre/palabre/survey/console/responses"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/surveytest"
)

// What palabre serve mounts the page with.
var (
	_ responses.Store    = (*clickhouse.DB)(nil)
	_ responses.Delivery = (*ingest.Pipeline)(nil)
)

// store is the page's Store in memory: counts from analyticstest's store, the latest
// arrivals from the same responses.
type store struct {
	*analyticstest.Store
	mu        sync.Mutex
	responses []*survey.Response
	asked     []int // the n of each LatestArrivals call
}

func newStore(rs ...*survey.Response) *store {
	return &store{Store: analyticstest.NewStore(rs...), responses: rs}
}

func (s *store) LatestArrivals(ctx context.Context, surveyID string, year, n int) ([]analytics.Arrival, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, n)
	if _, err := s.ResponseCounts(ctx, analytics.Query{Survey: surveyID}); err != nil {
		return nil, err // FailWith applies here too
	}
	seen := map[survey.ResponseID]bool{}
	var out []analytics.Arrival
	for _, r := range s.responses {
		if r.SurveyID == surveyID && r.Edition == year && !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, analytics.Arrival{At: r.SubmittedAt, Country: r.Country, Organisation: r.Organisation})
		}
	}
	slices.SortStableFunc(out, func(a, b analytics.Arrival) int { return b.At.Compare(a.At) })
	return out[:min(n, len(out))], nil
}

type delivery struct{ st ingest.Status }

func (d *delivery) Status() ingest.Status { return d.st }

var start = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// response is a response to feedback's edition year, arrived minutes after start.
func response(surveyID string, year int, country, org string, minutes int) *survey.Response {
	at := start.Add(time.Duration(minutes) * time.Minute)
	return &survey.Response{ID: survey.NewResponseID(), SurveyID: surveyID, Edition: year, FormVersion: 1,
		Respondent:  survey.Respondent{Country: country, Organisation: org, Role: "social_worker", Language: "fr"},
		SubmittedAt: at, ReceivedAt: at, Channel: survey.ChannelWeb,
		Answers: []survey.Answer{{Question: "attended", Text: "yes"}}}
}

func catalog() *surveytest.Catalog {
	f := surveytest.FeedbackForm("feedback")
	f.Profile.Organisations = []survey.Choice{
		{Key: "samu", Label: surveytest.T("Samusocial Sénégal", "Samusocial Senegal", "Samusocial Senegal")},
		{Key: "keur", Label: surveytest.T("Keur Xaleyi", "Keur Xaleyi", "Keur Xaleyi")},
	}
	return surveytest.NewCatalog([]*survey.Form{f, surveytest.FeedbackForm("other")},
		survey.Edition{SurveyID: "feedback", Year: 2025, FormVersion: 1},
		survey.Edition{SurveyID: "feedback", Year: 2026, FormVersion: 1, Place: "Dakar", Invited: 40},
		survey.Edition{SurveyID: "other", Year: 2026, FormVersion: 1, Invited: 10})
}

// fixture: 2026 has 3 responses from samu (one stored twice), 2 from keur, 1 from a typed
// organisation in Peru, 1 without a country; 2025 and the other survey have their own.
func fixture() (*store, []*survey.Response) {
	samu := response("feedback", 2026, "SN", "samu", 1)
	rs := []*survey.Response{
		samu,
		response("feedback", 2026, "SN", "samu", 5),
		response("feedback", 2026, "SN", "keur", 3),
		response("feedback", 2026, "PE", "Casa Abierta", 9),
		response("feedback", 2026, "SN", "samu", 7),
		response("feedback", 2026, "SN", "keur", 2),
		response("feedback", 2026, "", "", 4),
		samu, // a copy of a response delivered twice
		response("feedback", 2025, "SN", "samu", 30),
		response("other", 2026, "SN", "samu", 40),
	}
	return newStore(rs...), rs
}

func harness(t *testing.T, s responses.Store, d responses.Delivery) *consoletest.Harness {
	return consoletest.New(t, catalog(), func(k *console.Console) { responses.Mount(k, s, d) })
}

const page2026 = "/console/surveys/feedback/editions/2026/responses"

func TestThePageCountsByCountryAndOrganisationAgainstInvited(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, &delivery{})
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	r := c.Get(page2026 + "?lang=fr")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", r.Status, r.Body)
	}
	doc := parse(t, r.Body)
	want := []string{
		"Structure|Réponses",
		"Pérou",
		"Casa Abierta|1",
		"Sous-total Pérou|1",
		"Sénégal",
		"Keur Xaleyi|2",
		"Samusocial Sénégal|3",
		"Sous-total Sénégal|5",
		"(non renseigné)",
		"(non renseigné)|1",
		"Sous-total (non renseigné)|1",
		"Total|7",
	}
	if got := rows(doc, "responses-counts"); !slices.Equal(got, want) {
		t.Errorf("counts table:\n got  %q\n want %q", got, want)
	}
	for _, text := range []string{"Réponses enregistrées : 7", "Réponses : 7 sur 40 personnes invitées, taux de réponse 18\u00a0%.",
		"le taux est donné pour le total seulement"} {
		if !strings.Contains(r.Body, text) {
			t.Errorf("the page lacks %q", text)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") ||
		!strings.HasSuffix(csp, "; connect-src 'self'") {
		t.Errorf("the page's policy: %q; want the console's, and fetching from this site", csp)
	}
	head := r.Body[:strings.Index(r.Body, "</head>")]
	if !strings.Contains(head, `<noscript><meta http-equiv="refresh" content="15"></noscript>`) ||
		!regexp.MustCompile(`<script src="/console/static/responses.js\?v=[A-Za-z0-9_-]+" defer></script>`).MatchString(head) {
		t.Errorf("the head has no refresh without script, or no script:\n%s", head)
	}

	enPage := c.Get(page2026 + "?lang=en")
	if !strings.Contains(enPage.Body, "Responses: 7 of 40 people invited, response rate 18%.") {
		t.Error("no rate in English")
	}
	en := parse(t, enPage.Body)
	if got := rows(en, "responses-counts"); !slices.Contains(got, "Samusocial Senegal|3") || !slices.Contains(got, "Subtotal Peru|1") {
		t.Errorf("English counts: %q", got)
	}
}

func TestThePageListsTheLatestArrivalsNewestFirstWithoutAnswers(t *testing.T) {
	s, rs := fixture()
	h := harness(t, s, nil)
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	r := c.Get(page2026 + "?lang=fr")
	want := []string{
		"Arrivée (UTC)|Pays|Structure",
		"2026-11-20 09:09|Pérou|Casa Abierta",
		"2026-11-20 09:07|Sénégal|Samusocial Sénégal",
		"2026-11-20 09:05|Sénégal|Samusocial Sénégal",
		"2026-11-20 09:04|(non renseigné)|(non renseigné)",
		"2026-11-20 09:03|Sénégal|Keur Xaleyi",
		"2026-11-20 09:02|Sénégal|Keur Xaleyi",
		"2026-11-20 09:01|Sénégal|Samusocial Sénégal",
	}
	if got := rows(parse(t, r.Body), "responses-latest"); !slices.Equal(got, want) {
		t.Errorf("latest arrivals:\n got  %q\n want %q", got, want)
	}
	if !slices.Equal(s.asked, []int{responses.Latest}) {
		t.Errorf("asked for %v arrivals, want [%d]", s.asked, responses.Latest)
	}
	for _, leak := range []string{rs[0].ID.String(), "social_worker", "attended"} {
		if strings.Contains(r.Body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	if strings.Contains(r.Body, "responses-delivery") {
		t.Error("a delivery status without a Delivery")
	}
}

func TestThePageCountsWaitingResponsesApart(t *testing.T) {
	s, _ := fixture()
	d := &delivery{st: ingest.Status{PendingResponses: 12, Lag: 95 * time.Second}}
	h := harness(t, s, d)
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	r := c.Get(page2026 + "?lang=en")
	if !strings.Contains(r.Body, "12 responses received are waiting to be written to the database (all surveys together); the oldest has waited 1 min. They are not counted on this page yet.") {
		t.Errorf("no waiting count:\n%s", r.Body)
	}
	if got := rows(parse(t, r.Body), "responses-counts"); got[len(got)-1] != "Total|7" {
		t.Errorf("waiting responses went into the total: %q", got)
	}
	if strings.Contains(r.Body, "failing") || strings.Contains(r.Body, "refusing") {
		t.Error("a healthy delivery is reported failing")
	}

	d.st = ingest.Status{PendingResponses: 3, Lag: 2*time.Hour + 5*time.Minute, LastError: errors.New("dial tcp: connection refused"),
		Accepting: errors.New("journal: disk budget exhausted")}
	r = c.Get(page2026 + "?lang=en")
	for _, text := range []string{"oldest has waited 2 h 05 min", "Writing to the database is failing", "palabre is refusing new responses"} {
		if !strings.Contains(r.Body, text) {
			t.Errorf("the page lacks %q", text)
		}
	}
	if strings.Contains(r.Body, "connection refused") || strings.Contains(r.Body, "disk budget") {
		t.Error("the page shows an internal error")
	}

	d.st = ingest.Status{PendingResponses: 1, Lag: 4 * time.Minute}
	if r := c.Get(page2026 + "?lang=fr"); !strings.Contains(r.Body, "Une réponse reçue attend d&#39;être écrite dans la base de données (toutes enquêtes confondues), depuis 4 min.") {
		t.Errorf("one waiting response:\n%s", r.Body)
	}
	d.st = ingest.Status{}
	if r := c.Get(page2026 + "?lang=en"); !strings.Contains(r.Body, "No response is waiting") {
		t.Error("nothing waiting is not said")
	}
}

func TestTheFiguresAloneForTheScript(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, &delivery{st: ingest.Status{PendingResponses: 2, Lag: 3 * time.Second}})
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	live := page2026 + "/live?lang=en"
	r := c.Get(live)
	if r.Status != http.StatusOK || strings.Contains(r.Body, "<html") || strings.Contains(r.Body, "Sign out") {
		t.Fatalf("%d: not the figures alone\n%s", r.Status, r.Body)
	}
	doc := parse(t, r.Body)
	if got := rows(doc, "responses-counts"); len(got) == 0 || got[len(got)-1] != "Total|7" {
		t.Errorf("counts: %q", got)
	}
	if got := rows(doc, "responses-latest"); len(got) != 8 {
		t.Errorf("latest: %q", got)
	}
	if !strings.Contains(r.Body, "2 responses received are waiting to be written to the database (all surveys together); the oldest has waited 3 s.") {
		t.Error("no waiting count")
	}
	page := c.Get(page2026 + "?lang=en")
	if !strings.Contains(page.Body, `<div id="live" data-src="/console/surveys/feedback/editions/2026/responses/live?lang=en" data-every="10">`) {
		t.Errorf("the page does not name its figures' address:\n%s", page.Body)
	}
	js := c.Get("/console/static/responses.js")
	if js.Status != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body, "visibilitychange") {
		t.Errorf("script: %d %s", js.Status, js.Header.Get("Content-Type"))
	}

	other := h.SignIn(t, "eve@example.org", access.Coordinator, "other")
	if r := other.Get(live); r.Status != http.StatusForbidden || strings.Contains(r.Body, "Samusocial") {
		t.Errorf("a coordinator of another survey: %d", r.Status)
	}
	if r := h.NewClient(t).Get(live); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/console/login") {
		t.Errorf("without a session: %d to %q", r.Status, r.Location)
	}
	if r := c.Get("/console/surveys/feedback/editions/2019/responses/live"); r.Status != http.StatusNotFound {
		t.Errorf("unknown edition: %d", r.Status)
	}
}

func TestAnEditionWithoutInvitedHasNoRate(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, nil)
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	r := c.Get("/console/surveys/feedback/editions/2025/responses?lang=en")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "The number of people invited is not set") || strings.Contains(r.Body, "invited: response rate") {
		t.Fatalf("%d\n%s", r.Status, r.Body)
	}
	if got := rows(parse(t, r.Body), "responses-counts"); !slices.Equal(got, []string{"Organisation|Responses", "Senegal", "Samusocial Senegal|1", "Subtotal Senegal|1", "Total|1"}) {
		t.Errorf("2025: %q", got)
	}
	empty := harness(t, newStore(), nil).SignIn(t, "bo@example.org", access.Admin)
	if r := empty.Get(page2026 + "?lang=en"); r.Status != http.StatusOK || strings.Count(r.Body, "No response stored yet.") != 2 {
		t.Errorf("an edition without responses: %d\n%s", r.Status, r.Body)
	}
}

func TestOnlyCoordinatorsOfTheSurveySeeIt(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, nil)
	other := h.SignIn(t, "eve@example.org", access.Coordinator, "other")
	if r := other.Get(page2026); r.Status != http.StatusForbidden || strings.Contains(r.Body, "Samusocial") {
		t.Errorf("a coordinator of another survey: %d", r.Status)
	}
	if r := other.Get("/console/surveys/other/editions/2026/responses"); r.Status != http.StatusOK {
		t.Errorf("the same coordinator on her survey: %d", r.Status)
	}
	anon := h.NewClient(t)
	r := anon.Get(page2026)
	if r.Status != http.StatusSeeOther || r.Location != "/console/login?next="+url.QueryEscape(page2026) {
		t.Errorf("without a session: %d to %q", r.Status, r.Location)
	}
	if len(s.asked) != 1 {
		t.Errorf("the store was read %d times; only the allowed request reads it", len(s.asked))
	}
}

func TestUnknownSurveysAndEditionsAreNotFound(t *testing.T) {
	s, _ := fixture()
	h := harness(t, s, nil)
	admin := h.SignIn(t, "bo@example.org", access.Admin)
	for _, path := range []string{
		"/console/surveys/nosuch/editions/2026/responses",
		"/console/surveys/feedback/editions/2024/responses",
		"/console/surveys/feedback/editions/twenty/responses",
		"/console/surveys/feedback/editions/99999999999999999999/responses",
	} {
		if r := admin.Get(path); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	coord := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	if r := coord.Get("/console/surveys/feedback/editions/2024/responses"); r.Status != http.StatusNotFound {
		t.Errorf("an unknown edition of the coordinator's survey: %d", r.Status)
	}
}

func TestFiguresThatCannotBeReadLeaveThePageRefreshing(t *testing.T) {
	s, _ := fixture()
	s.FailWith(errors.New("code: 60, table palabre.responses doesn't exist"))
	h := harness(t, s, &delivery{st: ingest.Status{PendingResponses: 4, Lag: 30 * time.Second, LastError: errors.New("dial tcp: refused")}})
	c := h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	for _, path := range []string{page2026 + "?lang=en", page2026 + "/live?lang=en"} {
		r := c.Get(path)
		if r.Status != http.StatusServiceUnavailable || strings.Contains(r.Body, "doesn't exist") {
			t.Errorf("%s: %d\n%s", path, r.Status, r.Body)
		}
		for _, text := range []string{"The figures cannot be read right now", "4 responses received are waiting", "Writing to the database is failing"} {
			if !strings.Contains(r.Body, text) {
				t.Errorf("%s lacks %q", path, text)
			}
		}
		if strings.Contains(r.Body, "responses-counts") || strings.Contains(r.Body, "Responses stored") {
			t.Errorf("%s shows figures it could not read", path)
		}
	}
	if r := c.Get(page2026); !strings.Contains(r.Body, `<meta http-equiv="refresh"`) {
		t.Error("the page stops refreshing")
	}
	s.FailWith(nil)
	if r := c.Get(page2026 + "?lang=en"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Responses stored: 7") {
		t.Errorf("the figures are not back: %d", r.Status)
	}

	cat := catalog()
	cat.FailWith(errors.New("catalog: code 210, connection reset"))
	h = consoletest.New(t, cat, func(k *console.Console) { responses.Mount(k, newStore(), nil) })
	c = h.SignIn(t, "ana@example.org", access.Coordinator, "feedback")
	if r := c.Get(page2026); r.Status < 500 || strings.Contains(r.Body, "connection reset") {
		t.Errorf("catalog failure: %d\n%s", r.Status, r.Body)
	}
}

func parse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// rows returns the rows of the table of class class, each as its cells' texts joined by "|".
func rows(doc *html.Node, class string) []string {
	var table *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "table" && hasClass(n, class) {
			table = n
			break
		}
	}
	if table == nil {
		return nil
	}
	var out []string
	for tr := range table.Descendants() {
		if tr.Type != html.ElementNode || tr.Data != "tr" {
			continue
		}
		var cells []string
		for cell := range tr.ChildNodes() {
			if cell.Type == html.ElementNode && (cell.Data == "td" || cell.Data == "th") {
				cells = append(cells, strings.TrimSpace(text(cell)))
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && slices.Contains(strings.Fields(a.Val), class) {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
