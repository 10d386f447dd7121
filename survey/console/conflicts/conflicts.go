// Package conflicts is the console's page listing an edition's conflicting responses: one
// response id accepted with different answers by two palabre processes before either was
// stored. The version received first was kept (ties: the smaller digest of the answers);
// each other version is listed here, whole, and is not counted in the results.
package conflicts

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/console"
)

//go:embed templates/*.html
var templateFS embed.FS

// Limit is the most conflicts the page lists, the latest first.
const Limit = 500

// Conflict is a version of a response that lost.
type Conflict struct {
	ID               survey.ResponseID
	ReceivedAt       time.Time
	AcceptedBy       string // the process that accepted it
	WinnerReceivedAt time.Time
	RecordedAt       time.Time
	Body             string // the response as JSON (survey.Response)
}

// Store lists an edition's conflicts, the latest first.
type Store interface {
	Conflicts(ctx context.Context, surveyID string, edition, limit int) ([]Conflict, error)
}

// Mount adds GET /console/surveys/:survey/editions/:year/conflicts, for the coordinators of
// the survey and admins.
func Mount(k *console.Console, store Store) error {
	if store == nil {
		return errors.New("conflicts: a Store is required")
	}
	pages, err := console.ParseTemplates(templateFS, "templates/conflicts.html")
	if err != nil {
		return err
	}
	s := &section{k: k, store: store, pages: pages}
	k.Mount(func(g *gin.RouterGroup) {
		g.GET("/surveys/:survey/editions/:year/conflicts", s.page)
	})
	return nil
}

type section struct {
	k     *console.Console
	store Store
	pages *console.Templates
}

type body struct {
	Survey  survey.Survey
	Year    int
	Rows    []row
	Limited bool
}

type row struct {
	Conflict
	Profile string // country · organisation · role
	Answers []survey.Answer
}

func (s *section) page(c *gin.Context) {
	surveyID := c.Param("survey")
	if !s.k.Authorize(c, surveyID) {
		return
	}
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || year < survey.MinYear || year > survey.MaxYear {
		s.k.NotFound(c)
		return
	}
	all, err := s.k.Catalog().Surveys(c)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	i := slices.IndexFunc(all, func(sv survey.Survey) bool { return sv.ID == surveyID })
	if i < 0 {
		s.k.NotFound(c)
		return
	}
	if _, ok := all[i].Edition(year); !ok {
		s.k.NotFound(c)
		return
	}
	cs, err := s.store.Conflicts(c, surveyID, year, Limit+1)
	if err != nil {
		s.k.Fail(c, err)
		return
	}
	b := body{Survey: all[i], Year: year}
	if len(cs) > Limit {
		cs, b.Limited = cs[:Limit], true
	}
	for _, cf := range cs {
		r := row{Conflict: cf}
		var resp survey.Response
		if json.Unmarshal([]byte(cf.Body), &resp) == nil {
			r.Answers = resp.Answers
			for _, p := range []string{resp.Country, resp.Organisation, resp.Role} {
				if p == "" {
					continue
				}
				if r.Profile != "" {
					r.Profile += " · "
				}
				r.Profile += p
			}
		}
		b.Rows = append(b.Rows, r)
	}
	s.k.Render(c, http.StatusOK, s.pages, "conflicts.html", s.k.NewPage(c, "conflicts_title", b))
}
