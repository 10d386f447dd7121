// Package surveys is the console's section for surveys and their editions: the list of
// surveys, each survey's form versions and editions, uploading a definition (YAML, JSON or
// XLSForm, checked as `palabre validate` checks it), previewing a form as participants see
// it, and creating, changing, opening and closing editions. Every change goes through the
// console's audit log before it is made.
package surveys

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/invite/invitesheet"
	"github.com/palabre/palabre/survey/web"
	"github.com/palabre/palabre/survey/xlsform"
)

//go:embed templates/*.html
var templateFS embed.FS

// DefaultMaxUpload is the largest definition file taken when Config.MaxUpload is zero: 1 MiB,
// palabre serve's default limit on request bodies.
const DefaultMaxUpload = 1 << 20

// Config is what the section needs.
type Config struct {
	// Forms renders previews and gives the participants' links; it must be registered on
	// the same server. Required.
	Forms *web.Forms
	// MaxUpload is the largest definition file taken, in bytes: DefaultMaxUpload when zero,
	// never more than definition.MaxSize. Give the server's limit on request bodies, which
	// refuses larger uploads before they reach the section.
	MaxUpload int64
	// Invitations, when set, lets coordinators generate the single-use links of editions by
	// invitation (a printable page of QR codes, or CSV) and see how many were used.
	Invitations *invite.Service
	// BaseURL is the address participants open palabre at, for those links; the address of
	// the coordinator's request when empty.
	BaseURL string
}

// section serves the pages.
type section struct {
	k         *console.Console
	forms     *web.Forms
	invites   *invite.Service
	pages     *console.Templates
	maxUpload int64
}

// Mount adds the surveys section to k. Routes, under /console:
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
func Mount(k *console.Console, cfg Config) error {
	if cfg.Forms == nil {
		return errors.New("console surveys: Forms is required")
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	cfg.MaxUpload = min(cfg.MaxUpload, definition.MaxSize)
	pages, err := console.ParseTemplatesWith(templateFS, []string{"templates/fields.html"}, "templates/surveys.html", "templates/survey.html",
		"templates/edition.html", "templates/problems.html")
	if err != nil {
		return err
	}
	s := &section{k: k, forms: cfg.Forms, invites: cfg.Invitations, pages: pages, maxUpload: cfg.MaxUpload}
	var generate gin.HandlerFunc
	if cfg.Invitations != nil {
		generate = invitesheet.Handler(invitesheet.Config{Service: cfg.Invitations, Catalog: k.Catalog(), BaseURL: cfg.BaseURL,
			Log: k.Log(), Generated: func(c *gin.Context, sh invitesheet.Sheet) error {
				return k.Audit(c, audit.Entry{Action: "invitations.generate", Survey: sh.SurveyID, Target: strconv.Itoa(sh.Year),
					Detail: fmt.Sprintf("%d single-use links, batch %s", len(sh.Links), sh.Batch)})
			}})
	}
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
		g.GET("/surveys/:survey/form.xlsx", s.downloadXLSForm)
		if generate != nil {
			g.POST("/surveys/:survey/editions/:year/invitations", func(c *gin.Context) {
				if k.Authorize(c, c.Param("survey")) {
					generate(c)
				}
			})
		}
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
	VersionList string // "1, 2"
	Editions    []editionRow
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
	return editionRow{Edition: e, Status: console.StatusKey(e, now), Opens: dayOf(e.Opens), LastDay: lastDay(e.Closes),
		Href: editionPath(e.SurveyID, e.Year), Form: s.forms.EditionPath(e.SurveyID, e.Year)}
}

type listBody struct {
	Surveys  []row
	MaxSize  string
	Problems *problemList
}

func (s *section) list(c *gin.Context) {
	all, err := s.k.Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	now := s.k.Now()
	body := listBody{MaxSize: size(s.maxUpload, console.Language(c))}
	for _, sv := range all {
		versions, err := formVersions(c, s.k.Catalog(), sv)
		if err != nil {
			s.k.Fail(c, err)
			return
		}
		r := row{Survey: sv, VersionList: joinInts(versions)}
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
	MaxSize  string
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
	body := detailBody{Survey: sv, Title: sv.Title.In(lang, sv.DefaultLanguage), New: form, Problems: problems, MaxSize: size(s.maxUpload, console.Language(c))}
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

func joinInts(ns []int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, ", ")
}

// downloadXLSForm sends a form version (the latest unless ?version=N) with the survey's
// editions as an XLSForm workbook, which KoboToolbox and ODK accept and palabre imports back
// unchanged.
func (s *section) downloadXLSForm(c *gin.Context) {
	sv, ok := s.find(c)
	if !ok {
		return
	}
	versions, err := formVersions(c, s.k.Catalog(), sv)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	if len(versions) == 0 {
		s.k.NotFound(c)
		return
	}
	version := versions[len(versions)-1]
	if q := c.Query("version"); q != "" {
		if version, err = strconv.Atoi(q); err != nil || !slices.Contains(versions, version) {
			s.k.NotFound(c)
			return
		}
	}
	form, err := s.k.Catalog().Form(c, sv.ID, version)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	var editions []survey.Edition
	for _, e := range sv.Editions {
		if e.FormVersion <= version {
			editions = append(editions, e)
		}
	}
	var buf bytes.Buffer
	if err := xlsform.Write(&buf, form, editions, xlsform.Options{ListNames: definition.DefaultListNames()}); err != nil {
		s.k.Fail(c, err)
		return
	}
	name := fmt.Sprintf("%s-v%d.xlsx", sv.ID, version)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
