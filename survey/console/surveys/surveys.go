// Package surveys is the console's section for surveys and their editions: the list of
// surveys, each survey's form versions and editions, uploading a definition (YAML, JSON or
// XLSForm, checked as `palabre validate` checks it), previewing a form as participants see
// it, and creating, changing, opening and closing editions. Every change goes through the
// console's audit log before it is made.
package surveys

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// MaxUpload is the largest definition file the console takes, in bytes (the server's limit
// on request bodies applies too).
const MaxUpload = definition.MaxSize

// section serves the pages.
type section struct {
	k     *console.Console
	forms *web.Forms
	pages *console.Templates
}

// Mount adds the surveys section to k; forms renders previews and gives the participants'
// links, and must be registered on the same server. Routes, under /console:
//
//	GET  /surveys                                 the surveys the viewer may see
//	POST /surveys/upload                          upload a definition (multipart, field "definition")
//	GET  /surveys/:survey                         its form versions and editions
//	GET  /surveys/:survey/preview[?version=N]     a form version as participants see it (latest by default)
//	POST /surveys/:survey/editions                create an edition
//	GET  /surveys/:survey/editions/:year          an edition's page
//	POST /surveys/:survey/editions/:year          change its dates, place, invited, form version
//	POST /surveys/:survey/editions/:year/open     open it now
//	POST /surveys/:survey/editions/:year/close    close it now
func Mount(k *console.Console, forms *web.Forms) error {
	pages, err := console.ParseTemplates(templateFS, "templates/surveys.html", "templates/survey.html",
		"templates/edition.html", "templates/problems.html")
	if err != nil {
		return err
	}
	s := &section{k: k, forms: forms, pages: pages}
	k.Mount(func(g *gin.RouterGroup) {
		g.GET("/surveys", s.list)
		g.POST("/surveys/upload", s.upload)
		g.GET("/surveys/:survey", s.detail)
		g.GET("/surveys/:survey/preview", s.preview)
		g.POST("/surveys/:survey/editions", s.createEdition)
		g.GET("/surveys/:survey/editions/:year", s.editionPage)
		g.POST("/surveys/:survey/editions/:year", s.saveEdition)
		g.POST("/surveys/:survey/editions/:year/open", s.openEdition)
		g.POST("/surveys/:survey/editions/:year/close", s.closeEdition)
	}, console.NavLink{Path: "/surveys", Key: "surveys_nav"})
	return nil
}

// surveyPath is a survey's page in the console.
func surveyPath(id string) string { return console.Base + "/surveys/" + url.PathEscape(id) }

// editionPath is an edition's page in the console.
func editionPath(id string, year int) string {
	return surveyPath(id) + "/editions/" + strconv.Itoa(year)
}

// maxProbes bounds the form versions looked for, and misses how many missing versions in a
// row past the editions' ones end the search.
const (
	maxProbes = 1000
	misses    = 3
)

// formVersions lists the survey's stored form versions. The catalog lists surveys, not
// versions, so versions are asked for in turn: every one up to the highest an edition uses,
// then on until a few in a row are missing.
func formVersions(ctx context.Context, cat survey.Catalog, s survey.Survey) ([]int, error) {
	known := 0
	for _, e := range s.Editions {
		known = max(known, e.FormVersion)
	}
	var out []int
	missing := 0
	for v := 1; v <= maxProbes && missing < misses; v++ {
		_, err := cat.Form(ctx, s.ID, v)
		switch {
		case err == nil:
			out = append(out, v)
			missing = 0
		case survey.ErrorCode(err) != survey.CodeNotFound:
			return nil, err
		case v >= known:
			missing++
		}
	}
	return out, nil
}

// row is a survey in the list.
type row struct {
	survey.Survey
	Versions []int
	Editions []editionRow
}

// editionRow is an edition as lists show it.
type editionRow struct {
	survey.Edition
	Status  string // a text key
	Opens   string // the first day, YYYY-MM-DD, or empty
	LastDay string // the last open day, YYYY-MM-DD, or empty
	Href    string // its console page
	Form    string // the participants' form
}

func (s *section) editionRow(e survey.Edition, now time.Time) editionRow {
	return editionRow{Edition: e, Status: statusKey(e, now), Opens: dayOf(e.Opens), LastDay: lastDay(e.Closes),
		Href: editionPath(e.SurveyID, e.Year), Form: s.forms.EditionPath(e.SurveyID, e.Year)}
}

func statusKey(e survey.Edition, now time.Time) string {
	switch e.StatusAt(now) {
	case survey.StatusOpen:
		return "status_open"
	case survey.StatusClosed:
		return "status_closed"
	}
	return "status_not_yet"
}

type listBody struct {
	Surveys  []row
	MaxMiB   int
	Problems *problemList
}

func (s *section) list(c *gin.Context) {
	all, err := s.k.Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	now := s.k.Now()
	body := listBody{MaxMiB: MaxUpload >> 20}
	for _, sv := range all {
		versions, err := formVersions(c, s.k.Catalog(), sv)
		if err != nil {
			s.k.Fail(c, err)
			return
		}
		r := row{Survey: sv, Versions: versions}
		for _, e := range sv.Editions {
			r.Editions = append(r.Editions, s.editionRow(e, now))
		}
		body.Surveys = append(body.Surveys, r)
	}
	s.k.Render(c, http.StatusOK, s.pages, "surveys.html", s.k.NewPage(c, "surveys_title", body))
}

// find returns the survey of the request's :survey once the viewer is allowed to work on it;
// false when it answered (403, 404 or a failure).
func (s *section) find(c *gin.Context) (survey.Survey, bool) {
	id := c.Param("survey")
	if !s.k.Authorize(c, id) {
		return survey.Survey{}, false
	}
	all, err := s.k.Catalog().Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return survey.Survey{}, false
	}
	i := slices.IndexFunc(all, func(sv survey.Survey) bool { return sv.ID == id })
	if i < 0 {
		s.k.NotFound(c)
		return survey.Survey{}, false
	}
	return all[i], true
}

// version is a form version on a survey's page.
type version struct {
	Number   int
	Editions []int
	Preview  string
}

type detailBody struct {
	Survey   survey.Survey
	Title    string
	Versions []version
	Editions []editionRow
	New      editionForm
	Problems []string
	MaxMiB   int
}

func (s *section) detail(c *gin.Context) {
	sv, ok := s.find(c)
	if !ok {
		return
	}
	versions, err := formVersions(c, s.k.Catalog(), sv)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	s.renderDetail(c, http.StatusOK, sv, versions, newEditionForm(sv, versions, s.k.Now()), nil)
}

func (s *section) renderDetail(c *gin.Context, status int, sv survey.Survey, versions []int, form editionForm, problems []string) {
	now := s.k.Now()
	lang := console.Language(c)
	form.Lang = lang
	body := detailBody{Survey: sv, Title: sv.Title.In(lang, sv.DefaultLanguage), New: form, Problems: problems, MaxMiB: MaxUpload >> 20}
	for _, v := range versions {
		ver := version{Number: v, Preview: surveyPath(sv.ID) + "/preview?version=" + strconv.Itoa(v)}
		for _, e := range sv.Editions {
			if e.FormVersion == v {
				ver.Editions = append(ver.Editions, e.Year)
			}
		}
		body.Versions = append(body.Versions, ver)
	}
	for _, e := range sv.Editions {
		body.Editions = append(body.Editions, s.editionRow(e, now))
	}
	p := s.k.NewPage(c, "surveys_title", body)
	p.Title = body.Title
	s.k.Render(c, status, s.pages, "survey.html", p)
}

// preview shows a form version (the latest when ?version= is absent) as participants see it.
func (s *section) preview(c *gin.Context) {
	sv, ok := s.find(c)
	if !ok {
		return
	}
	v := 0
	if q := c.Query("version"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			s.k.NotFound(c)
			return
		}
		v = n
	} else {
		versions, err := formVersions(c, s.k.Catalog(), sv)
		if err != nil {
			s.k.Fail(c, err)
			return
		}
		if len(versions) == 0 {
			s.k.NotFound(c)
			return
		}
		v = versions[len(versions)-1]
	}
	form, err := s.k.Catalog().Form(c, sv.ID, v)
	if survey.ErrorCode(err) == survey.CodeNotFound {
		s.k.NotFound(c)
		return
	}
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	if err := s.forms.Preview(c, form, surveyPath(sv.ID)); err != nil {
		s.k.Fail(c, err)
	}
}

// dayOf writes t's day, YYYY-MM-DD in UTC; empty for the zero time.
func dayOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// lastDay is the last day an edition closing at closes is open (closes is the first moment
// closed); empty when it has no end.
func lastDay(closes time.Time) string {
	if closes.IsZero() {
		return ""
	}
	return dayOf(closes.Add(-time.Nanosecond))
}
