package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
)

// FormsConfig is what the participant's side needs.
type FormsConfig struct {
	// Catalog gives surveys, editions and forms. Surveys is read on every request that needs
	// an edition: wrap the catalog in a cache if that is slow. Forms are cached here.
	Catalog survey.Catalog
	// Sink makes accepted responses durable.
	Sink survey.Sink
	// Log receives what the access log cannot say (a form that does not compile); nil
	// discards.
	Log *slog.Logger
	// Now is the clock deciding whether an edition is open; nil means time.Now.
	Now func() time.Time
	// Invitations checks and spends the invitations of editions by invitation; nil refuses
	// every response to such an edition. The Sink must then be a survey.Recognizer.
	Invitations *invite.Service
}

// Forms serves the participant's side: the list of open surveys, the HTML form of each
// edition (which works without JavaScript), its script and style sheet, and the JSON API
// that lists surveys, describes a form and takes responses.
type Forms struct {
	catalog survey.Catalog
	sink    survey.Sink
	// invites and recognizer serve the editions by invitation.
	invites    *invite.Service
	recognizer survey.Recognizer
	log        *slog.Logger
	now        func() time.Time
	pages      *template.Template
	assets     map[string]*asset
	base       string // the path Register was given, for the links of pages

	mu    sync.Mutex
	forms map[formKey]*formEntry
}

type formKey struct {
	survey  string
	version int
}

// formEntry is a compiled form version with what its pages reuse.
type formEntry struct {
	cf    *survey.Compiled
	logic logic
}

// NewForms checks cfg and prepares the templates and assets.
func NewForms(cfg FormsConfig) (*Forms, error) {
	if cfg.Catalog == nil || cfg.Sink == nil {
		return nil, errors.New("web: forms need a catalog and a sink")
	}
	f := &Forms{catalog: cfg.Catalog, sink: cfg.Sink, log: cfg.Log, now: cfg.Now, forms: map[formKey]*formEntry{},
		invites: cfg.Invitations}
	if f.invites != nil {
		var ok bool
		if f.recognizer, ok = cfg.Sink.(survey.Recognizer); !ok {
			return nil, errors.New("web: invitations need a sink that recognises responses already stored (survey.Recognizer)")
		}
	}
	if f.log == nil {
		f.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if f.now == nil {
		f.now = time.Now
	}
	var err error
	if f.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if f.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	return f, nil
}

// Register adds the participant's routes to r:
//
//	GET  /                                              open surveys
//	GET  /s/:survey                                     redirect to the latest open edition
//	GET  /s/:survey/:year                               the form (?t=token for an edition by invitation)
//	POST /s/:survey/:year                               submit it (urlencoded), 303 to done
//	GET  /s/:survey/:year/done?id=…                     thank-you page
//	GET  /static/form.js, /static/form.css              assets (?v=hash: cached for a year)
//	GET  /api/v1/surveys                                surveys and editions (JSON)
//	GET  /api/v1/surveys/:survey/editions/:year/form    the form (JSON)
//	POST /api/v1/surveys/:survey/editions/:year/responses  submit a response (JSON)
//
// An edition by invitation (survey.AccessInvitation) shows its form and takes a response only
// with an unused invitation's token: ?t= on the pages (the form posts back to its link), the
// X-Palabre-Invitation header on the API. Without one it answers 403, with a used one 410,
// each with a message in the participant's language; a response already stored is a
// duplicate (200, or the thank-you page) whatever its link.
//
// Give the engine NotFound as its NoRoute handler and NoMethod as its NoMethod handler, so
// the API answers them in its JSON error shape.
func (f *Forms) Register(r gin.IRouter) {
	if g, ok := r.(interface{ BasePath() string }); ok {
		f.base = strings.TrimSuffix(g.BasePath(), "/")
	}
	r.GET("/", f.index)
	r.GET("/s/:survey", f.latest)
	r.GET("/s/:survey/:year", f.formPage)
	r.POST("/s/:survey/:year", f.postPage)
	r.GET("/s/:survey/:year/done", f.donePage)
	r.GET("/static/:file", f.static)
	api := r.Group("/api/v1")
	api.GET("/surveys", f.listJSON)
	api.GET("/surveys/:survey/editions/:year/form", f.formJSON)
	api.POST("/surveys/:survey/editions/:year/responses", RequireJSON, f.submitJSON)
}

// edition is a survey's edition with its compiled form, as a request resolved it.
type edition struct {
	survey survey.Survey
	survey.Edition
	form *formEntry
}

// resolve finds a survey's edition and its compiled form; unknown ones are CodeNotFound.
func (f *Forms) resolve(ctx context.Context, surveyID, year string) (*edition, error) {
	s, err := f.survey(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	y, err := strconv.Atoi(year)
	if err != nil {
		return nil, survey.Errorf(survey.CodeNotFound, survey.MsgNotFound)
	}
	e, ok := s.Edition(y)
	if !ok {
		return nil, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownEdition, surveyID, y)
	}
	fe, err := f.form(ctx, surveyID, e.FormVersion)
	if err != nil {
		return nil, err
	}
	return &edition{survey: s, Edition: e, form: fe}, nil
}

func (f *Forms) survey(ctx context.Context, id string) (survey.Survey, error) {
	if !survey.ValidSlug(id) {
		return survey.Survey{}, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, id)
	}
	all, err := f.catalog.Surveys(ctx)
	if err != nil {
		return survey.Survey{}, fmt.Errorf("list surveys: %w", err)
	}
	for _, s := range all {
		if s.ID == id {
			return s, nil
		}
	}
	return survey.Survey{}, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, id)
}

// form returns a compiled form version, from the cache when it was compiled before: a
// version never changes.
func (f *Forms) form(ctx context.Context, surveyID string, version int) (*formEntry, error) {
	k := formKey{surveyID, version}
	f.mu.Lock()
	fe, ok := f.forms[k]
	f.mu.Unlock()
	if ok {
		return fe, nil
	}
	form, err := f.catalog.Form(ctx, surveyID, version)
	if err != nil {
		return nil, err
	}
	cf, err := survey.Compile(form)
	if err != nil {
		f.log.Error("stored form does not compile", slog.String("survey", surveyID),
			slog.Int("version", version), slog.String("error", err.Error()))
		return nil, fmt.Errorf("form %s v%d: %w", surveyID, version, err)
	}
	fe = &formEntry{cf: cf, logic: newLogic(cf)}
	f.mu.Lock()
	f.forms[k] = fe
	f.mu.Unlock()
	return fe, nil
}

// acceptError says why e takes no responses at now, or nil when it does, in lang (the date
// is written out in that language).
func acceptError(e survey.Edition, now time.Time, lang string) *survey.Error {
	switch e.StatusAt(now) {
	case survey.StatusClosed:
		return survey.Errorf(survey.CodeClosed, survey.MsgClosed, formatDate(e.Closes, lang))
	case survey.StatusNotYetOpen:
		return survey.Errorf(survey.CodeClosed, survey.MsgNotYetOpen, formatDate(e.Opens, lang))
	}
	return nil
}

// openEditions returns the editions of s open at now, latest first.
func openEditions(s survey.Survey, now time.Time) []survey.Edition {
	var out []survey.Edition
	for _, e := range s.Editions {
		if e.StatusAt(now) == survey.StatusOpen {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year > out[j].Year })
	return out
}

// languageFor picks the language to show a form in: ?lang= when the form has it, else the
// best of Accept-Language among the form's languages, else the form's default.
func languageFor(c *gin.Context, form *survey.Form) string {
	return Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"), form.Languages, form.DefaultLanguage)
}
