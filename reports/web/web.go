// Package web serves a survey's Excel workbook over HTTP with Gin:
//
//	GET /api/v1/surveys/:survey/report.xlsx
//
// with the analytics API's parameters (by, the dimensions' filters, lang) and audience
// (coordinator by default, or funder to see what funders would get). Only coordinators may
// download it. A workbook is built once per request and data version: a repeated request
// on unchanged data is answered from a file cache, or with 304 when the client holds the
// same ETag.
package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
	"github.com/palabre/palabre/survey"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// Config is what the workbook route needs.
type Config struct {
	Builder *reports.Builder
	// Coordinator says whether a request comes from a coordinator; when nil, every request
	// is refused (401).
	Coordinator func(*http.Request) bool
	// CacheDir holds built workbooks; a directory under os.TempDir() when empty.
	CacheDir string
	// CacheEntries is how many workbooks the cache keeps (8 when 0); the oldest go first.
	CacheEntries int
	// Version is palabre's: a new version builds workbooks again.
	Version string
	// Now dates file names; time.Now when nil.
	Now func() time.Time
	// VersionTTL is how long a survey's data version is trusted before it is read again
	// (2 s when 0): a burst of downloads costs one count.
	VersionTTL time.Duration
}

// Handler serves workbooks.
type Handler struct {
	cfg Config

	mu       sync.Mutex
	building map[string]*build // by cache key
	cached   []string          // keys, oldest first
	versions map[string]dataVersion
}

type dataVersion struct {
	version string
	at      time.Time
}

type build struct {
	done chan struct{}
	path string
	err  error
}

// New returns a Handler; Register adds its route.
func New(cfg Config) (*Handler, error) {
	if cfg.CacheDir == "" {
		cfg.CacheDir = filepath.Join(os.TempDir(), "palabre-reports")
	}
	if cfg.CacheEntries <= 0 {
		cfg.CacheEntries = 8
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.VersionTTL <= 0 {
		cfg.VersionTTL = 2 * time.Second
	}
	if err := os.MkdirAll(cfg.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("report cache: %w", err)
	}
	// Workbooks of an earlier run may come from other code: start empty.
	old, _ := filepath.Glob(filepath.Join(cfg.CacheDir, "*.xlsx"))
	for _, p := range old {
		os.Remove(p)
	}
	return &Handler{cfg: cfg, building: map[string]*build{}, versions: map[string]dataVersion{}}, nil
}

// Register adds GET /api/v1/surveys/:survey/report.xlsx to r.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/api/v1/surveys/:survey/report.xlsx", h.serve)
}

// buildTimeout bounds the writing of a response that builds a workbook.
const buildTimeout = 10 * time.Minute

// parameters a workbook URL may carry, besides the dimensions' filters.
var parameters = []string{"by", "audience", "lang"}

func (h *Handler) serve(c *gin.Context) {
	lang := surveyweb.Language(c)
	if h.cfg.Coordinator == nil || !h.cfg.Coordinator(c.Request) {
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnauthorized, Message: msgCoordinatorOnly.Message()}, lang)
		return
	}
	req, err := ParseRequest(c.Param("survey"), c.Request.URL.Query(), lang)
	if err == nil {
		err = h.Send(c, req, nil)
	}
	if err != nil {
		surveyweb.AbortJSON(c, err, lang)
	}
}

// Send answers c with the workbook of req: from the cache when the survey's data did not
// change since it was built (or 304 when the client holds its ETag), else built once
// however many requests ask for it. Whoever may download it is the caller's to check. An
// error (*survey.Error for what the caller can fix) is returned before anything is
// written: the caller answers it in its own way. before, when not nil, runs once the
// workbook is ready and is about to be sent (not for a 304); its error is returned and
// nothing is sent.
func (h *Handler) Send(c *gin.Context, req reports.Request, before func() error) error {
	req, err := req.Normalise()
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	version, err := h.dataVersion(ctx, req.Survey)
	if err != nil {
		return err
	}
	key := cacheKey(req, version, h.cfg.Version)
	etag := `"` + key + `"`
	if match := c.GetHeader("If-None-Match"); match != "" && (match == etag || match == "*" || slices.Contains(splitTags(match), etag)) {
		c.Header("ETag", etag)
		c.Header("Cache-Control", "private, no-cache")
		c.Status(http.StatusNotModified)
		return nil
	}
	// A first build of a large workbook takes longer than the server's write timeout allows
	// an ordinary response.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(buildTimeout))
	path, err := h.workbook(ctx, key, req)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil { // evicted between build and read: build again
		if path, err = h.workbook(ctx, key, req); err == nil {
			f, err = os.Open(path)
		}
		if err != nil {
			return err
		}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	name := FileName(req, h.cfg.Now())
	c.Header("ETag", etag)
	c.Header("Cache-Control", "private, no-cache")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	http.ServeContent(c.Writer, c.Request, name, st.ModTime(), f)
	return nil
}

// dataVersion is a survey's data version, read again when older than VersionTTL.
func (h *Handler) dataVersion(ctx context.Context, surveyID string) (string, error) {
	h.mu.Lock()
	v, ok := h.versions[surveyID]
	h.mu.Unlock()
	if ok && time.Since(v.at) < h.cfg.VersionTTL {
		return v.version, nil
	}
	at := time.Now()
	version, err := h.cfg.Builder.DataVersion(ctx, surveyID)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	h.versions[surveyID] = dataVersion{version, at}
	h.mu.Unlock()
	return version, nil
}

// workbook returns the path of the cached workbook of key, building it once however many
// requests ask for it at the same time.
func (h *Handler) workbook(ctx context.Context, key string, req reports.Request) (string, error) {
	path := filepath.Join(h.cfg.CacheDir, key+".xlsx")
	h.mu.Lock()
	if b, ok := h.building[key]; ok {
		h.mu.Unlock()
		select {
		case <-b.done:
			return b.path, b.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	b := &build{done: make(chan struct{}), path: path}
	h.building[key] = b
	h.mu.Unlock()

	// The build goes on if this client leaves: others may be waiting for it.
	b.err = h.write(context.WithoutCancel(ctx), path, req)
	close(b.done)
	h.mu.Lock()
	if b.err != nil {
		delete(h.building, key)
	} else {
		h.cached = append(h.cached, key)
		for len(h.cached) > h.cfg.CacheEntries {
			old := h.cached[0]
			h.cached = h.cached[1:]
			delete(h.building, old)
			os.Remove(filepath.Join(h.cfg.CacheDir, old+".xlsx"))
		}
	}
	h.mu.Unlock()
	return b.path, b.err
}

func (h *Handler) write(ctx context.Context, path string, req reports.Request) error {
	r, err := h.cfg.Builder.Build(ctx, req)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(h.cfg.CacheDir, ".build-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = excel.Write(ctx, tmp, r, excel.Options{})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// cacheKey names a workbook: the request, the data version and palabre's version.
func cacheKey(req reports.Request, dataVersion, version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n%s\n%s\n%s\n", req.Survey, req.Language, req.Audience, dataVersion, version)
	for _, d := range req.By {
		b.WriteString(string(d) + ",")
	}
	for _, d := range req.Filter.Dimensions() {
		vals := slices.Clone(req.Filter[d])
		slices.Sort(vals)
		fmt.Fprintf(&b, "\n%s=%s", d, strings.Join(vals, ","))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(t), "W/"))
	}
	return out
}

// FileName is a readable name for a workbook: survey, editions, language, audience when
// funder, date, e.g. partners-meeting_2023-2025_fr_2026-01-20.xlsx.
func FileName(req reports.Request, now time.Time) string {
	parts := []string{req.Survey}
	if years := req.Filter.Years(); len(years) > 0 {
		slices.Sort(years)
		contiguous := years[len(years)-1]-years[0] == len(years)-1
		switch {
		case len(years) == 1:
			parts = append(parts, strconv.Itoa(years[0]))
		case contiguous:
			parts = append(parts, fmt.Sprintf("%d-%d", years[0], years[len(years)-1]))
		default:
			s := make([]string, len(years))
			for i, y := range years {
				s[i] = strconv.Itoa(y)
			}
			parts = append(parts, strings.Join(s, "+"))
		}
	} else {
		parts = append(parts, "all")
	}
	parts = append(parts, req.Language)
	if req.Audience == analytics.Funder {
		parts = append(parts, "funder")
	}
	parts = append(parts, now.UTC().Format(time.DateOnly))
	return strings.Join(parts, "_") + ".xlsx"
}

// ParseRequest reads a workbook request for surveyID in lang from a query string: by,
// audience (coordinator when absent) and the dimensions' filters, each a repeated or
// comma-separated parameter. The lang parameter is allowed but read by the caller, which
// passes the language it picked. Unknown parameters are refused; the values are checked
// when the workbook is built.
func ParseRequest(surveyID string, query url.Values, lang string) (reports.Request, error) {
	req := reports.Request{Survey: surveyID, Language: lang, Filter: analytics.Filter{}, Audience: analytics.Coordinator}
	for name := range query {
		if !slices.Contains(parameters, name) && !analytics.Dimension(name).Valid() {
			return req, &survey.Error{Code: survey.CodeMalformed, Message: msgUnknownParameter.Message(name)}
		}
	}
	for _, d := range surveyweb.QueryValues(query["by"]) {
		req.By = append(req.By, analytics.Dimension(d))
	}
	for _, d := range analytics.Dimensions {
		if vals, ok := query[string(d)]; ok {
			req.Filter[d] = surveyweb.QueryValues(vals)
		}
	}
	if a := query.Get("audience"); a != "" {
		req.Audience = analytics.Audience(a)
	}
	return req, nil
}

func phrase(key survey.MessageKey, fr, en, es string) survey.Phrase {
	return survey.Phrase{Key: key, FR: fr, EN: en, ES: es}
}

var (
	msgCoordinatorOnly = phrase("report_coordinator_only",
		"Les classeurs Excel sont réservés aux coordinateurs.",
		"Excel workbooks are for coordinators only.",
		"Los libros Excel están reservados a los coordinadores.")
	msgUnknownParameter = phrase("report_unknown_parameter",
		"Paramètre inconnu « %s » : utilisez by, audience, lang, ou une dimension (country, organisation, role, edition, language) pour filtrer.",
		"Unknown parameter “%s”: use by, audience, lang, or a dimension (country, organisation, role, edition, language) to filter.",
		"Parámetro desconocido «%s»: use by, audience, lang, o una dimensión (country, organisation, role, edition, language) para filtrar.")
)
