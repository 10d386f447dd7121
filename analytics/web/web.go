// Package web serves analytics over HTTP with Gin: one survey's response counts, any
// question broken down and filtered by country, organisation, role, edition and language,
// year-over-year comparisons, and a whole dashboard, as JSON (documented in the README, "Analytics API").
//
// Every route answers coordinators only: 401 without credentials (see survey/access/gate), 403
// to a user who may not work on the survey. Funders see the dashboards a coordinator
// published (reports/publish), never a query of their own, so that no one can subtract one
// filtered result from another. A coordinator may ask for audience=funder to
// see what funders would be shown; audience=coordinator is every figure.
package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access/gate"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// Config is what the analytics routes need.
type Config struct {
	Catalog survey.Catalog
	Store   analytics.Store
	// Threshold is the smallest cell shown to funders; analytics.DefaultThreshold when 0.
	Threshold int
	// Gate identifies requests; every route wants a user who may work on the survey. When
	// nil, every request is refused with 401.
	Gate *gate.Gate
}

// Register adds the analytics routes to r:
//
//	GET /api/v1/surveys/:survey/analytics            response counts, or one question's results
//	GET /api/v1/surveys/:survey/analytics/dashboard  response counts and every question's results
func Register(r gin.IRouter, cfg Config) {
	h := &handler{svc: analytics.NewService(cfg.Catalog, cfg.Store, cfg.Threshold), gate: cfg.Gate}
	r.GET("/api/v1/surveys/:survey/analytics", h.analytics)
	r.GET("/api/v1/surveys/:survey/analytics/dashboard", h.dashboard)
}

type handler struct {
	svc  *analytics.Service
	gate *gate.Gate
}

func (h *handler) analytics(c *gin.Context) {
	lang := surveyweb.Language(c)
	req, ok := h.request(c, lang, true)
	if !ok {
		return
	}
	r, err := h.svc.Analyze(c.Request.Context(), req)
	if err != nil {
		abort(c, err, lang)
		return
	}
	c.JSON(http.StatusOK, r)
}

// abort ends a request the service could not answer. A fault of palabre's or of its
// database is told in the client's language alone, in words about results; its cause goes
// to the log.
func abort(c *gin.Context, err error, lang string) {
	if survey.ErrorCode(err) == survey.CodeInternal {
		err = &survey.Error{Code: survey.CodeInternal, Message: msgFailed.Message(), Err: err}
	}
	surveyweb.AbortJSON(c, err, lang)
}

func (h *handler) dashboard(c *gin.Context) {
	lang := surveyweb.Language(c)
	req, ok := h.request(c, lang, false)
	if !ok {
		return
	}
	d, err := h.svc.Dashboard(c.Request.Context(), req)
	if err != nil {
		abort(c, err, lang)
		return
	}
	c.JSON(http.StatusOK, d)
}

// parameters every analytics URL may carry, besides the dimensions' filters.
var parameters = []string{"question", "by", "compare", "audience", "lang", "limit", "offset"}

// request checks the credential and reads the query string. It answers the request itself
// (401, 403 or 400) and returns false when either is wrong.
func (h *handler) request(c *gin.Context, lang string, withQuestion bool) (analytics.Request, bool) {
	if _, ok := h.gate.Require(c, c.Param("survey"), msgCoordinatorOnly); !ok {
		return analytics.Request{}, false
	}
	query := c.Request.URL.Query()
	req := analytics.Request{Survey: c.Param("survey"), Language: lang, Filter: analytics.Filter{}}
	for name := range query {
		if !slices.Contains(parameters, name) && !analytics.Dimension(name).Valid() || name == "question" && !withQuestion {
			surveyweb.AbortJSON(c, badRequest(msgUnknownParameter, name), lang)
			return req, false
		}
	}
	req.Question = strings.TrimSpace(query.Get("question"))
	for _, d := range surveyweb.QueryValues(query["by"]) {
		req.By = append(req.By, analytics.Dimension(d))
	}
	for _, d := range analytics.Dimensions {
		if vals, ok := query[string(d)]; ok {
			req.Filter[d] = surveyweb.QueryValues(vals)
		}
	}
	switch v := query.Get("compare"); v {
	case "":
	case string(analytics.Edition):
		req.Compare = true
	default:
		surveyweb.AbortJSON(c, badRequest(msgBadCompare, v), lang)
		return req, false
	}
	req.Audience = analytics.Audience(query.Get("audience"))
	for name, dst := range map[string]*int{"limit": &req.Page.Limit, "offset": &req.Page.Offset} {
		if s := query.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				surveyweb.AbortJSON(c, badRequest(msgBadNumber, name), lang)
				return req, false
			}
			*dst = n
		}
	}
	return req, true
}
