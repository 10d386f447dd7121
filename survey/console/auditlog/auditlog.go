// Package auditlog is the console's view of the audit log, for admins: the entries newest
// first, filtered by period, account, action and survey, a page at a time, and their export
// as CSV for a spreadsheet.
package auditlog

import (
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey/audit"
	"github.com/palabre/palabre/survey/console"
)

//go:embed templates/*.html
var templateFS embed.FS

// PageSize is the number of entries a page shows.
const PageSize = 50

// Mount adds GET /console/audit and /console/audit.csv (admins only) and their menu entry.
func Mount(k *console.Console, store audit.Store) error {
	if store == nil {
		return errors.New("auditlog: a store is required")
	}
	pages, err := console.ParseTemplates(templateFS, "templates/audit.html")
	if err != nil {
		return err
	}
	s := &section{k: k, store: store, pages: pages}
	k.Mount(func(g *gin.RouterGroup) {
		g.GET("/audit", k.RequireAdmin, s.list)
		g.GET("/audit.csv", k.RequireAdmin, s.export)
	}, console.NavLink{Path: "/audit", Key: "audit_nav", AdminOnly: true})
	return nil
}

type section struct {
	k     *console.Console
	store audit.Store
	pages *console.Templates
}

// query is the filter as the form gives it.
type query struct {
	From, To, Email, Action, Survey string
	Page                            int
}

// filter reads the query; a date is a day in UTC, To included.
func (s *section) filter(c *gin.Context) (query, audit.Filter, string) {
	q := query{From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to")),
		Email: strings.TrimSpace(c.Query("email")), Action: strings.TrimSpace(c.Query("action")),
		Survey: strings.TrimSpace(c.Query("survey"))}
	q.Page, _ = strconv.Atoi(c.Query("page"))
	q.Page = max(q.Page, 1)
	f := audit.Filter{Email: strings.ToLower(q.Email), Action: q.Action, Survey: q.Survey}
	if q.From != "" {
		d, err := time.Parse(time.DateOnly, q.From)
		if err != nil {
			return q, f, "audit_bad_date"
		}
		f.From = d
	}
	if q.To != "" {
		d, err := time.Parse(time.DateOnly, q.To)
		if err != nil {
			return q, f, "audit_bad_date"
		}
		f.To = d.AddDate(0, 0, 1)
	}
	return q, f, ""
}

// body is the list page.
type body struct {
	Query           query
	Entries         []audit.Entry
	Problem         string
	Prev, Next, CSV string
	Page            int
}

func (s *section) list(c *gin.Context) {
	q, f, problem := s.filter(c)
	b := body{Query: q, Page: q.Page}
	status := http.StatusOK
	if problem != "" {
		b.Problem, status = console.T(console.Language(c), problem), http.StatusUnprocessableEntity
	} else {
		f.Limit, f.Offset = PageSize+1, (q.Page-1)*PageSize
		entries, err := s.store.Entries(c, f)
		if err != nil {
			s.k.Fail(c, err)
			return
		}
		if len(entries) > PageSize {
			entries, b.Next = entries[:PageSize], s.link("/audit", q, q.Page+1)
		}
		if q.Page > 1 {
			b.Prev = s.link("/audit", q, q.Page-1)
		}
		b.Entries, b.CSV = entries, s.link("/audit.csv", q, 0)
	}
	s.k.Render(c, status, s.pages, "audit.html", s.k.NewPage(c, "audit_title", b))
}

func (s *section) link(path string, q query, page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"from": q.From, "to": q.To, "email": q.Email, "action": q.Action, "survey": q.Survey} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return console.Base + path
	}
	return console.Base + path + "?" + v.Encode()
}

// export streams every entry the filter selects as CSV (audit.Export: UTF-8 with BOM,
// formulas neutralised).
func (s *section) export(c *gin.Context) {
	_, f, problem := s.filter(c)
	if problem != "" {
		s.k.Message(c, http.StatusUnprocessableEntity, "audit_title", problem)
		return
	}
	name := fmt.Sprintf("palabre-audit-%s.csv", s.k.Now().UTC().Format("2006-01-02"))
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Status(http.StatusOK)
	if err := audit.Export(c, c.Writer, s.store, f); err != nil {
		_ = c.Error(err) // the status is sent: the truncated file is all the client gets
	}
}
