package web_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/survey/surveytest"
	"github.com/palabre/palabre/survey/web"
)

// now is the tests' clock: the "meeting" survey's 2026 edition is open, 2025 closed and
// 2027 not yet open.
var now = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

const maxBody = 64 << 10

type fixture struct {
	catalog *surveytest.Catalog
	sink    *surveytest.Sink
	engine  *gin.Engine
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	fx := &fixture{catalog: surveytest.Seed("meeting", now), sink: &surveytest.Sink{}}
	forms, err := web.NewForms(web.FormsConfig{Catalog: fx.catalog, Sink: fx.sink, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.TestMode)
	fx.engine = gin.New()
	fx.engine.HandleMethodNotAllowed = true
	fx.engine.Use(web.RequestIDs(), web.NoSniff(), web.LimitBody(maxBody))
	forms.Register(fx.engine)
	fx.engine.NoRoute(forms.NotFound)
	fx.engine.NoMethod(forms.NoMethod)
	return fx
}

// server serves the fixture over HTTP on loopback for as long as the test runs.
func (fx *fixture) server(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(fx.engine)
	t.Cleanup(srv.Close)
	return srv
}
