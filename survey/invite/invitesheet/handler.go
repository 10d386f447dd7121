package invitesheet

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/web"
)

// Config is what Handler needs.
type Config struct {
	Service *invite.Service
	Catalog survey.Catalog
	// BaseURL is the public address participants reach palabre at, e.g.
	// https://surveys.example.org (with the path palabre is served under, if any). When
	// empty, the address the coordinator's request came to is used (scheme from TLS, host
	// from the request): set it when palabre is behind a proxy.
	BaseURL string
	// Generated, when set, is called once links were generated and before they are shown,
	// with the request and the sheet (to record who generated how many for which edition in
	// the audit log: Sheet.Batch, len(Sheet.Links); never the links). When it fails, the
	// links are not shown (they stay generated, unused, counted).
	Generated func(c *gin.Context, s Sheet) error
	Log       *slog.Logger // nil discards
}

// Handler generates invitations and answers with them, on a POST whose route has the
// parameters :survey and :year and whose form has:
//
//	count   how many links, 1 to invite.MaxBatch
//	format  "page" (the printable page with QR codes, the default) or "csv"
//	lang    the page's language (fr, en, es); else ?lang= and Accept-Language
//
// It answers 400 for a count or format out of range and 404 for an unknown edition, with a
// short message in the coordinator's language. It checks nothing about who asks: mount it
// behind the console's sign-in, survey authorisation and CSRF check.
func Handler(cfg Config) gin.HandlerFunc {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(c *gin.Context) {
		lang := c.PostForm("lang")
		if lang != survey.French && lang != survey.English && lang != survey.Spanish {
			lang = web.Language(c)
		}
		fail := func(status int, key string, args ...any) {
			c.Header("Cache-Control", "no-store")
			c.String(status, fmt.Sprintf(refusals[key].In(lang, survey.DefaultLanguage), args...))
		}
		n, err := strconv.Atoi(strings.TrimSpace(c.PostForm("count")))
		if err != nil || n < 1 || n > invite.MaxBatch {
			fail(http.StatusBadRequest, "count", invite.MaxBatch)
			return
		}
		format := c.DefaultPostForm("format", "page")
		if format != "page" && format != "csv" {
			fail(http.StatusBadRequest, "format")
			return
		}
		year, err := strconv.Atoi(c.Param("year"))
		if err != nil {
			fail(http.StatusNotFound, "edition")
			return
		}
		base := cfg.BaseURL
		if base == "" {
			base = requestBase(c.Request)
		}
		sheet, err := Generate(c.Request.Context(), cfg.Service, cfg.Catalog, base, c.Param("survey"), year, n)
		if errors.Is(err, ErrNoEdition) {
			fail(http.StatusNotFound, "edition")
			return
		}
		if err != nil {
			_ = c.Error(err)
			log.Error("generate invitations", slog.String("survey", c.Param("survey")), slog.Int("year", year), slog.String("error", err.Error()))
			fail(http.StatusInternalServerError, "failed")
			return
		}
		if cfg.Generated != nil {
			if err := cfg.Generated(c, sheet); err != nil {
				_ = c.Error(err)
				log.Error("generated invitations not shown: their record failed", slog.String("survey", sheet.SurveyID),
					slog.Int("year", year), slog.String("error", err.Error()))
				fail(http.StatusInternalServerError, "failed")
				return
			}
		}
		if format == "csv" {
			err = ServeCSV(c.Writer, sheet)
		} else {
			err = ServePage(c.Writer, sheet, lang)
		}
		if err != nil {
			_ = c.Error(err)
		}
	}
}

// requestBase is the address a request came to: its scheme and host.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

var refusals = map[string]survey.Text{
	"count": {"fr": "Indiquez un nombre de liens entre 1 et %d.", "en": "Give a number of links from 1 to %d.",
		"es": "Indique un número de enlaces entre 1 y %d."},
	"format": {"fr": "Choisissez la page à imprimer ou le fichier CSV.", "en": "Choose the printable page or the CSV file.",
		"es": "Elija la página para imprimir o el archivo CSV."},
	"edition": {"fr": "Cette édition n'existe pas.", "en": "This edition does not exist.", "es": "Esta edición no existe."},
	"failed": {"fr": "Les liens n'ont pas pu être créés. Réessayez dans un moment.",
		"en": "The links could not be created. Please try again in a moment.",
		"es": "No se pudieron crear los enlaces. Vuelva a intentarlo en un momento."},
}
