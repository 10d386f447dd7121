package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/web"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
	"github.com/palabre/palabre/survey/access/gate"
	"github.com/palabre/palabre/survey/demo"
	"github.com/palabre/palabre/survey/surveytest"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// testAccounts are the users the tests' requests identify as, in an in-memory store.
type testAccounts struct {
	gate *gate.Gate
	// all: a coordinator of every survey; limited: of partners-meeting only; revoked: a
	// token revoked; disabled: a token of a user disabled since.
	all, limited, revoked, disabled string
	// session is the limited coordinator's session id (the console's cookie).
	session string
}

const sharedToken = "s3cret-shared"

var accounts = sync.OnceValue(func() testAccounts {
	ctx := context.Background()
	svc := accesstest.NewService()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	token := func(email string, surveys ...string) (access.User, string, string) {
		return accesstest.Coordinator(svc, email, surveys...)
	}
	var a testAccounts
	_, a.all, _ = token("all@example.org")
	lim, limited, _ := token("limited@example.org", "partners-meeting")
	a.limited = limited
	sess, _, err := svc.StartSession(ctx, lim, "")
	must(err)
	a.session = sess
	rev, revoked, id := token("revoked@example.org")
	a.revoked = revoked
	must(svc.RevokeToken(ctx, rev.ID, id))
	_, a.disabled, _ = token("disabled@example.org")
	_, err = svc.SetDisabled(ctx, "disabled@example.org", true)
	must(err)
	a.gate, err = gate.New(gate.Config{Access: svc, SharedToken: sharedToken, Log: slog.New(slog.DiscardHandler)})
	must(err)
	return a
})

// TestAnalyticsPerSurvey: a coordinator given one survey reads its figures and is refused
// another's (403, in the reader's language); a coordinator of every survey, the console's
// session and the deprecated shared token read what they may.
func TestAnalyticsPerSurvey(t *testing.T) {
	defs, err := demo.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	var forms []*survey.Form
	var editions []survey.Edition
	for _, d := range defs {
		forms, editions = append(forms, d.Form), append(editions, d.Editions...)
	}
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(surveyweb.RequestIDs())
	web.Register(r, web.Config{Catalog: surveytest.NewCatalog(forms, editions...), Store: analyticstest.NewStore(), Gate: accounts().gate})
	const (
		mine  = "/api/v1/surveys/partners-meeting/analytics"
		other = "/api/v1/surveys/family-support/analytics"
	)
	a := accounts()
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	for _, tt := range []struct {
		name   string
		url    string
		header []string
		status int
	}{
		{"limited, own survey", mine, bearer(a.limited), 200},
		{"limited, own survey's dashboard", mine + "/dashboard", bearer(a.limited), 200},
		{"limited, another survey", other, bearer(a.limited), 403},
		{"limited, another survey's dashboard", other + "/dashboard", bearer(a.limited), 403},
		{"limited, an unknown survey", "/api/v1/surveys/nope/analytics", bearer(a.limited), 403},
		{"every survey, one", mine, bearer(a.all), 200},
		{"every survey, another", other, bearer(a.all), 200},
		{"every survey, an unknown survey", "/api/v1/surveys/nope/analytics", bearer(a.all), 404},
		{"session, own survey", mine, []string{"Cookie", a.session}, 200},
		{"session, another survey", other, []string{"Cookie", a.session}, 403},
		{"shared token", other, bearer(sharedToken), 200},
		{"revoked token", mine, bearer(a.revoked), 401},
		{"disabled user", mine, bearer(a.disabled), 401},
	} {
		w := anonymous(r, tt.url, append(tt.header, "Accept-Language", "es")...)
		if w.Code != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.status == http.StatusForbidden {
			var body surveyweb.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "forbidden" ||
				body.Error.Message == "" || body.Error.Message[:4] != "Su c" {
				t.Errorf("%s: %s (%v), want the Spanish 403", tt.name, w.Body, err)
			}
		}
	}
}
