package main

import (
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/reports/reportsconsole"
	reportsweb "github.com/palabre/palabre/reports/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/console"
	"github.com/palabre/palabre/survey/console/auditlog"
	"github.com/palabre/palabre/survey/console/conflicts"
	erasepage "github.com/palabre/palabre/survey/console/erase"
	"github.com/palabre/palabre/survey/console/responses"
	"github.com/palabre/palabre/survey/console/surveys"
	"github.com/palabre/palabre/survey/console/users"
	"github.com/palabre/palabre/survey/erasure"
	"github.com/palabre/palabre/survey/ingest"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/web"
)

// consoleDeps is what the coordinators' console works with.
type consoleDeps struct {
	cfg          serveConfig
	log          *slog.Logger
	accounts     *access.Service
	catalog      survey.Catalog
	db           *clickhouse.DB
	forms        *web.Forms
	workbooks    *reportsweb.Handler
	publications *publish.Store
	eraser       *erasure.Eraser
	invites      *invite.Service
	pipeline     *ingest.Pipeline
}

// mountConsole serves the coordinators' console at /console with its sections.
func mountConsole(engine *gin.Engine, d consoleDeps) error {
	k, err := console.New(console.Config{Access: d.accounts, Catalog: d.catalog, Audit: d.db.Audit(), Log: d.log,
		SecureCookies: strings.HasPrefix(d.cfg.baseURL, "https://")})
	if err != nil {
		return err
	}
	if err := surveys.Mount(k, surveys.Config{Forms: d.forms, MaxUpload: d.cfg.maxBody,
		Invitations: d.invites, BaseURL: d.cfg.baseURL}); err != nil {
		return err
	}
	responses.Mount(k, d.db, d.pipeline)
	if err := reportsconsole.Mount(k, reportsconsole.Config{Workbooks: d.workbooks, Dashboards: d.publications, BaseURL: d.cfg.baseURL}); err != nil {
		return err
	}
	if err := users.Mount(k, d.cfg.baseURL); err != nil {
		return err
	}
	if err := erasepage.Mount(k, d.eraser); err != nil {
		return err
	}
	if err := auditlog.Mount(k, d.db.Audit()); err != nil {
		return err
	}
	if err := conflicts.Mount(k, conflictStore{d.db}); err != nil {
		return err
	}
	k.Register(engine)
	return nil
}
