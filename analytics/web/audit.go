package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// AuditConfig is what the audit log's routes need.
type AuditConfig struct {
	Store audit.Store
	// Authorize lets admins read the log: nil for an admin, else a *survey.Error with
	// CodeUnauthorized or CodeForbidden. When nil, every request is refused with 401.
	Authorize func(r *http.Request) error
	Now       func() time.Time // the export's file name; time.Now when nil
}

// AuditEntry is an entry of the log as the API gives it.
type AuditEntry struct {
	At      time.Time `json:"time"`
	UserID  string    `json:"user_id,omitempty"`
	Email   string    `json:"email,omitempty"`
	Action  string    `json:"action"`
	Survey  string    `json:"survey,omitempty"`
	Target  string    `json:"target,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Address string    `json:"address,omitempty"`
	Request string    `json:"request,omitempty"`
}

// RegisterAudit adds the audit log's routes, for admins:
//
//	GET /api/v1/audit       {"entries": [...]} newest first, one page (limit, offset)
//	GET /api/v1/audit.csv   every selected entry as CSV (audit.WriteCSV), newest first
//
// Both take the filters from (inclusive) and to (exclusive), as RFC 3339 times or
// YYYY-MM-DD dates in UTC, user (an account id), email, action (exact, or a prefix ending in
// "."), survey; the JSON route also limit (at most audit.MaxLimit) and offset.
func RegisterAudit(r gin.IRouter, cfg AuditConfig) {
	h := &auditHandler{cfg: cfg}
	r.GET("/api/v1/audit", h.list)
	r.GET("/api/v1/audit.csv", h.export)
}

type auditHandler struct{ cfg AuditConfig }

func (h *auditHandler) filter(c *gin.Context, lang string) (audit.Filter, bool) {
	if h.cfg.Authorize == nil {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnauthorized, Message: msgAdminOnly.Message()}, lang)
		return audit.Filter{}, false
	}
	if err := h.cfg.Authorize(c.Request); err != nil {
		surveyweb.AbortJSON(c, err, lang)
		return audit.Filter{}, false
	}
	q := c.Request.URL.Query()
	for name := range q {
		switch name {
		case "from", "to", "user", "email", "action", "survey", "limit", "offset", "lang":
		default:
			surveyweb.AbortJSON(c, badRequest(msgAuditParameter, name), lang)
			return audit.Filter{}, false
		}
	}
	f := audit.Filter{UserID: q.Get("user"), Email: q.Get("email"), Action: q.Get("action"), Survey: q.Get("survey")}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := q.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t, err = time.Parse(time.DateOnly, s)
			}
			if err != nil {
				surveyweb.AbortJSON(c, badRequest(msgAuditTime, name), lang)
				return f, false
			}
			*dst = t.UTC()
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				surveyweb.AbortJSON(c, badRequest(msgBadNumber, name), lang)
				return f, false
			}
			*dst = n
		}
	}
	return f, true
}

func (h *auditHandler) list(c *gin.Context) {
	lang := surveyweb.Language(c)
	f, ok := h.filter(c, lang)
	if !ok {
		return
	}
	entries, err := h.cfg.Store.Entries(c.Request.Context(), f)
	if err != nil {
		surveyweb.AbortJSON(c, err, lang)
		return
	}
	out := make([]AuditEntry, len(entries))
	for i, e := range entries {
		out[i] = AuditEntry(e)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

func (h *auditHandler) export(c *gin.Context) {
	lang := surveyweb.Language(c)
	f, ok := h.filter(c, lang)
	if !ok {
		return
	}
	now := time.Now
	if h.cfg.Now != nil {
		now = h.cfg.Now
	}
	// The first page is read before anything is written, so that a database away is a JSON
	// error, not a truncated file.
	if _, err := h.cfg.Store.Entries(c.Request.Context(), audit.Filter{Limit: 1}); err != nil {
		surveyweb.AbortJSON(c, err, lang)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="palabre-audit-`+now().UTC().Format("2006-01-02")+`.csv"`)
	c.Status(http.StatusOK)
	if err := audit.Export(c.Request.Context(), c.Writer, h.cfg.Store, f); err != nil {
		_ = c.Error(err) // the status is sent: the access log tells
	}
}
