// Package responses is the console's live responses page: for one edition, the responses
// stored by country and organisation against the number invited, the latest arrivals, and
// how many responses wait to be written to the database.
package responses

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/ingest"
)

// Store reads an edition's responses as the page shows them. analytics/clickhouse's DB
// implements it.
type Store interface {
	// ResponseCounts counts distinct responses per group (analytics.Store's method); the page
	// asks for one edition by country × organisation.
	ResponseCounts(ctx context.Context, q analytics.Query) ([]analytics.Count, error)
	// LatestArrivals lists the n latest responses of an edition, newest first.
	LatestArrivals(ctx context.Context, surveyID string, year, n int) ([]analytics.Arrival, error)
}

// Delivery tells how far writing responses to the database is behind; *ingest.Pipeline
// implements it.
type Delivery interface {
	Status() ingest.Status
}

// Latest is how many arrivals the page lists.
const Latest = 20

// Refresh is how often, in seconds, the page reloads itself when the browser runs no
// script; Every is how often the script reloads the figures while the tab is visible.
const (
	Refresh = 15
	Every   = 10
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/responses.js
var script []byte

// scriptPath is the script's address, versioned by its content so that it can be cached.
var scriptPath = func() string {
	sum := sha256.Sum256(script)
	return console.Base + "/static/responses.js?v=" + base64.RawURLEncoding.EncodeToString(sum[:6])
}()

type section struct {
	k        *console.Console
	store    Store
	delivery Delivery
	pages    *console.Templates
	live     *template.Template // the figures alone, for the script
}

// Mount adds to k, signed in only:
//
//	GET /console/surveys/:survey/editions/:year/responses       the page
//	GET /console/surveys/:survey/editions/:year/responses/live  its figures alone (for its script)
//	GET /console/static/responses.js                             the script
//
// delivery may be nil (no delivery status is shown then); store may not.
func Mount(k *console.Console, store Store, delivery Delivery) {
	if store == nil {
		panic("responses: Mount needs a Store")
	}
	pages, err := console.ParseTemplates(templateFS, "templates/responses.html")
	if err != nil {
		panic(err) // embedded templates: a build defect
	}
	live := template.Must(template.New("responses").Funcs(console.Funcs).ParseFS(templateFS, "templates/responses.html"))
	s := &section{k: k, store: store, delivery: delivery, pages: pages, live: live}
	k.Mount(func(g *gin.RouterGroup) {
		g.GET("/surveys/:survey/editions/:year/responses", s.page)
		g.GET("/surveys/:survey/editions/:year/responses/live", s.figures)
		g.GET("/static/responses.js", serveScript)
	})
}

func serveScript(c *gin.Context) {
	c.Header("Cache-Control", "private, max-age=31536000, immutable")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", script)
}

// body is what the page's template shows.
type body struct {
	Survey      survey.Survey
	Edition     survey.Edition
	Unavailable bool // the figures could not be read
	Countries   []country
	Total       int
	Rate        string // the total's response rate, "" when the number invited is unknown
	Latest      []arrival
	Delivery    *delivery
	Updated     string // when the figures were read, UTC, to the second
	Refresh     int
	Every       int
	LatestMax   int
	Script      string
}

type country struct {
	Code          string
	Name          string
	Organisations []organisation
	Subtotal      int
}

type organisation struct {
	Name string
	N    int
}

type arrival struct {
	When                  string // UTC, to the minute
	Country, Organisation string
}

type delivery struct {
	Waiting  uint64
	One      bool   // Waiting is 1
	Oldest   string // how long the oldest has waited, "" when none waits
	Failing  bool   // the last attempt to write to the database failed
	Refusing bool   // new responses are refused
}

func (s *section) page(c *gin.Context) {
	b, ok := s.read(c)
	if !ok {
		return
	}
	// The console's policy lets a page fetch nothing; this one's script fetches its figures.
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", h.Get("Content-Security-Policy")+"; connect-src 'self'")
	s.k.Render(c, status(b), s.pages, "responses.html", s.k.NewPage(c, "responses_title", b))
}

// figures answers the page's figures alone, which its script puts in place of the shown ones.
func (s *section) figures(c *gin.Context) {
	b, ok := s.read(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := s.live.ExecuteTemplate(&buf, "live", s.k.NewPage(c, "responses_title", b)); err != nil {
		s.k.Fail(c, err)
		return
	}
	c.Data(status(b), "text/html; charset=utf-8", buf.Bytes())
}

// status is 503 when the figures could not be read.
func status(b body) int {
	if b.Unavailable {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// read checks the request and reads what the page shows; when it returns false, it has
// answered. Figures that cannot be read leave the page with a note in their place.
func (s *section) read(c *gin.Context) (body, bool) {
	surveyID := c.Param("survey")
	if !s.k.Authorize(c, surveyID) {
		return body{}, false
	}
	sv, ed, ok, err := s.edition(c, surveyID, c.Param("year"))
	if err != nil {
		s.k.Fail(c, err)
		return body{}, false
	}
	if !ok {
		s.k.NotFound(c)
		return body{}, false
	}
	lang := console.Language(c)
	b := body{Survey: sv, Edition: ed, Updated: s.k.Now().UTC().Format("15:04:05 UTC"), Refresh: Refresh, Every: Every,
		LatestMax: Latest, Script: scriptPath}
	if s.delivery != nil {
		st := s.delivery.Status()
		d := &delivery{Waiting: st.PendingResponses, One: st.PendingResponses == 1, Failing: st.LastError != nil, Refusing: st.Accepting != nil}
		if st.PendingResponses > 0 {
			d.Oldest = age(st.Lag, lang)
		}
		b.Delivery = d
	}
	counts, err := s.store.ResponseCounts(c, analytics.Query{Survey: surveyID,
		By:     []analytics.Dimension{analytics.Country, analytics.Organisation},
		Filter: analytics.Filter{analytics.Edition: {strconv.Itoa(ed.Year)}}})
	var latest []analytics.Arrival
	if err == nil {
		latest, err = s.store.LatestArrivals(c, surveyID, ed.Year, Latest)
	}
	if err != nil {
		// The page still says what waits, and keeps refreshing until the figures are back.
		_ = c.Error(err)
		b.Unavailable = true
		return b, true
	}
	names := s.organisationNames(c, ed, lang)
	b.Countries, b.Total = table(counts, names, lang)
	if ed.Invited > 0 {
		b.Rate = percent(b.Total, ed.Invited, lang)
	}
	for _, a := range latest {
		b.Latest = append(b.Latest, arrival{When: a.At.UTC().Format("2006-01-02 15:04"), Country: countryName(a.Country, lang),
			Organisation: orgName(a.Organisation, names, lang)})
	}
	return b, true
}

// edition finds a survey and one of its editions.
func (s *section) edition(ctx context.Context, surveyID, yearParam string) (survey.Survey, survey.Edition, bool, error) {
	year, err := strconv.Atoi(yearParam)
	if err != nil || year < survey.MinYear || year > survey.MaxYear {
		return survey.Survey{}, survey.Edition{}, false, nil
	}
	all, err := s.k.Catalog().Surveys(ctx)
	if err != nil {
		return survey.Survey{}, survey.Edition{}, false, err
	}
	i := slices.IndexFunc(all, func(sv survey.Survey) bool { return sv.ID == surveyID })
	if i < 0 {
		return survey.Survey{}, survey.Edition{}, false, nil
	}
	ed, ok := all[i].Edition(year)
	return all[i], ed, ok, nil
}

// organisationNames maps the organisations of the edition's form, when it lists them, to
// their names in lang; organisations typed by participants are shown as typed.
func (s *section) organisationNames(ctx context.Context, ed survey.Edition, lang string) map[string]string {
	f, err := s.k.Catalog().Form(ctx, ed.SurveyID, ed.FormVersion)
	if err != nil {
		// The names are a nicety: the keys stand in for them.
		s.k.Log().Warn("responses: edition's form unreadable; organisations shown by key", "survey", ed.SurveyID,
			"version", ed.FormVersion, "error", err)
		return nil
	}
	names := map[string]string{}
	for _, o := range f.Profile.Organisations {
		names[o.Key] = o.Label.In(lang, f.DefaultLanguage)
	}
	return names
}

// table groups counts by country, with subtotals and the total, countries and organisations
// in the alphabetical order of lang.
func table(counts []analytics.Count, names map[string]string, lang string) ([]country, int) {
	byCode := map[string]*country{}
	var codes []string
	total := 0
	for _, n := range counts {
		code := n.Group.Country
		cr, ok := byCode[code]
		if !ok {
			cr = &country{Code: code, Name: countryName(code, lang)}
			byCode[code] = cr
			codes = append(codes, code)
		}
		cr.Organisations = append(cr.Organisations, organisation{Name: orgName(n.Group.Organisation, names, lang), N: n.N})
		cr.Subtotal += n.N
		total += n.N
	}
	col := collate.New(language.Make(lang), collate.IgnoreCase)
	out := make([]country, 0, len(codes))
	for _, code := range codes {
		cr := byCode[code]
		slices.SortFunc(cr.Organisations, func(a, b organisation) int { return col.CompareString(a.Name, b.Name) })
		out = append(out, *cr)
	}
	slices.SortFunc(out, func(a, b country) int {
		if (a.Code == "") != (b.Code == "") { // responses without a country last
			return cmp.Compare(len(b.Code), len(a.Code))
		}
		return col.CompareString(a.Name, b.Name)
	})
	return out, total
}

func countryName(code, lang string) string {
	if code == "" {
		return console.T(lang, "responses_not_given")
	}
	return survey.CountryName(code, lang)
}

func orgName(key string, names map[string]string, lang string) string {
	if key == "" {
		return console.T(lang, "responses_not_given")
	}
	if n, ok := names[key]; ok && n != "" {
		return n
	}
	return key
}

// percent writes n of of as a whole percentage, as lang writes it.
func percent(n, of int, lang string) string {
	p := strconv.Itoa(int(math.Round(100 * float64(n) / float64(of))))
	if lang == survey.English {
		return p + "%"
	}
	return p + "\u00a0%"
}

// age writes how long the oldest waiting response has waited.
func age(d time.Duration, lang string) string {
	switch {
	case d < time.Minute:
		return console.T(lang, "responses_age_seconds", int(d.Seconds()))
	case d < time.Hour:
		return console.T(lang, "responses_age_minutes", int(d.Minutes()))
	}
	return console.T(lang, "responses_age_hours", int(d.Hours()), int(d.Minutes())%60)
}
