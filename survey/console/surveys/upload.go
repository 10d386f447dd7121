package surveys

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/definition"
)

// problemList is what is wrong with an uploaded file, as `palabre validate` lists it.
type problemList struct {
	File     string
	Heading  string
	Problems []survey.Problem
	Note     bool // the problems come from the definition's checks (in English)
}

type problemsBody struct {
	List    problemList
	MaxSize string
}

// upload checks a definition file and saves its form version and editions, or lists its
// problems (422).
func (s *section) upload(c *gin.Context) {
	lang := console.Language(c)
	fh, err := c.FormFile("definition")
	if err != nil || fh.Size == 0 {
		s.problems(c, http.StatusUnprocessableEntity, "", console.T(lang, "surveys_no_file"))
		return
	}
	name := fileName(fh.Filename)
	if fh.Size > s.maxUpload {
		s.problems(c, http.StatusRequestEntityTooLarge, name, console.T(lang, "surveys_too_large", size(s.maxUpload, lang)))
		return
	}
	format, ok := definition.FormatOf(name)
	if !ok {
		s.problems(c, http.StatusUnprocessableEntity, name, console.T(lang, "surveys_not_definition"))
		return
	}
	drop := c.PostForm("drop_unsupported") == "yes"
	d, err := parse(fh, format, name, definition.Options{DropUnsupported: drop})
	var de *survey.DefinitionError
	if errors.As(err, &de) {
		list := problemList{File: name, Problems: de.Problems, Note: true,
			Heading: console.T(lang, "surveys_problems_head", name, len(de.Problems))}
		p := s.k.NewPage(c, "surveys_upload_failed", problemsBody{List: list, MaxSize: size(s.maxUpload, console.Language(c))})
		s.k.Render(c, http.StatusUnprocessableEntity, s.pages, "problems.html", p)
		return
	}
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	id, v := d.Form.SurveyID, d.Form.Version
	if !s.k.Authorize(c, id) {
		return
	}
	again := false
	old, err := s.k.Catalog().Form(c, id, v)
	switch {
	case err == nil && old.Digest() != d.Form.Digest():
		s.problems(c, http.StatusConflict, name, console.T(lang, "surveys_version_taken", v, id, s.nextVersion(c, id, v)))
		return
	case err == nil:
		again = true
	case survey.ErrorCode(err) != survey.CodeNotFound:
		s.k.Fail(c, err)
		return
	}
	detail := fmt.Sprintf("%s: version %d (%s), %d questions, editions %s", name, v,
		map[bool]string{false: "new", true: "unchanged"}[again], len(d.Form.Questions()), years(d.Editions))
	if len(d.Dropped) > 0 {
		left := make([]string, len(d.Dropped))
		for i, q := range d.Dropped {
			left[i] = q.String()
		}
		detail += fmt.Sprintf("; left out %d questions palabre cannot collect: %s", len(d.Dropped), strings.Join(left, "; "))
	}
	if err := s.k.Audit(c, audit.Entry{Action: "survey.upload", Survey: id, Target: fmt.Sprintf("version %d", v), Detail: detail}); err != nil {
		s.k.Fail(c, fmt.Errorf("audit survey.upload: %w", err))
		return
	}
	if err := d.Save(c, s.k.Catalog()); err != nil {
		if survey.ErrorCode(err) == survey.CodeConflict { // saved meanwhile by someone else
			s.problems(c, http.StatusConflict, name, console.T(lang, "surveys_version_taken", v, id, s.nextVersion(c, id, v)))
			return
		}
		s.k.Fail(c, err)
		return
	}
	done := "surveys_uploaded"
	if len(d.Dropped) > 0 {
		done = "surveys_uploaded_dropped"
	}
	c.Redirect(http.StatusSeeOther, surveyPath(id)+"?done="+done)
}

// parse reads an uploaded definition as `palabre validate` reads a file.
func parse(fh *multipart.FileHeader, format definition.Format, name string, opts definition.Options) (*definition.Definition, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	return definition.ParseWith(f, format, name, opts)
}

// nextVersion is the version after the survey's last one (after v when none is found).
func (s *section) nextVersion(c *gin.Context, id string, v int) int {
	all, err := s.k.Catalog().Surveys(c)
	if err != nil {
		return v + 1
	}
	for _, sv := range all {
		if sv.ID == id {
			if versions, err := formVersions(c, s.k.Catalog(), sv); err == nil && len(versions) > 0 {
				return max(v, versions[len(versions)-1]) + 1
			}
		}
	}
	return v + 1
}

// problems answers with the upload page listing one problem of the console's own.
func (s *section) problems(c *gin.Context, status int, name, reason string) {
	lang := console.Language(c)
	list := problemList{File: name, Heading: console.T(lang, "surveys_upload_failed"),
		Problems: []survey.Problem{{Source: name, Reason: reason}}}
	p := s.k.NewPage(c, "surveys_upload_failed", problemsBody{List: list, MaxSize: size(s.maxUpload, console.Language(c))})
	s.k.Render(c, status, s.pages, "problems.html", p)
}

// fileName keeps the base name of an uploaded file, without what a browser may put before
// it, at most 100 characters long.
func fileName(s string) string {
	s = path.Base(strings.ReplaceAll(s, `\`, "/"))
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 100 {
		s = string(r[len(r)-100:])
	}
	if s == "." || s == "/" || s == "" {
		s = "upload"
	}
	return s
}

func years(es []survey.Edition) string {
	if len(es) == 0 {
		return "none"
	}
	ys := make([]int, len(es))
	for i, e := range es {
		ys[i] = e.Year
	}
	return joinInts(ys)
}

// size writes a number of bytes in KiB or MiB, as people of lang write numbers.
func size(n int64, lang string) string {
	unit, v := "Mio", float64(n)/(1<<20)
	if lang != survey.French {
		unit = "MiB"
	}
	if n < 1<<20 {
		unit, v = "Kio", float64(n)/(1<<10)
		if lang != survey.French {
			unit = "KiB"
		}
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang != survey.English {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + "\u00a0" + unit
}
