package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/access"
)

var apiTokenRE = regexp.MustCompile(`(?m)^(plb_[A-Za-z0-9_-]{43})$`)

// TestAPIWithPersonalTokens runs what an admin and two coordinators do with the real binary:
// accounts and tokens made with `palabre user`, the analytics, workbook and dashboards API
// answering each for the surveys they may work on (403 elsewhere, 401 without credentials);
// the console's session reads but changes nothing; a token revoked, or a user disabled, from
// the command line while serve runs is refused at once; the deprecated shared token still
// works, warned about and counted.
func TestAPIWithPersonalTokens(t *testing.T) {
	dsn, db := demoDatabase(t)
	p := startProcess(t, map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(),
		"PALABRE_COORDINATOR_TOKEN": "s3cret", "PALABRE_LOG_LEVEL": "info"})
	p.waitReady(time.Now())

	palabre := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(palabreBinary(t), append([]string{"user"}, args...)...)
		cmd.Env = []string{"PALABRE_CLICKHOUSE=" + dsn, "HOME=/tmp"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("palabre user %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	newToken := func(email string) (token, id string) {
		t.Helper()
		out := palabre("token", "--email", email, "--name", "e2e")
		m := apiTokenRE.FindStringSubmatch(out)
		ids := regexp.MustCompile(`new API token (\S+) for`).FindStringSubmatch(out)
		if m == nil || ids == nil {
			t.Fatalf("no token in:\n%s", out)
		}
		return m[1], ids[1]
	}
	palabre("add", "--email", "lea@example.org", "--role", "coordinator", "--surveys", "partners-meeting")
	palabre("add", "--email", "root@example.org", "--role", "admin")
	lea, leaID := newToken("lea@example.org")
	root, _ := newToken("root@example.org")

	do := func(method, path, body string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, p.base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	const (
		mine   = "/api/v1/surveys/partners-meeting/analytics?by=country"
		other  = "/api/v1/surveys/family-support/analytics"
		report = "/api/v1/surveys/partners-meeting/report.xlsx?lang=en"
	)
	for _, tt := range []struct {
		name, path string
		header     []string
		status     int
	}{
		{"lea, her survey", mine, bearer(lea), 200},
		{"lea, her survey's workbook", report, bearer(lea), 200},
		{"lea, another survey", other, bearer(lea), 403},
		{"lea, another survey's workbook", "/api/v1/surveys/family-support/report.xlsx", bearer(lea), 403},
		{"the admin, another survey", other, bearer(root), 200},
		{"nobody", mine, nil, 401},
		{"a made-up token", mine, bearer("plb_" + strings.Repeat("A", 43)), 401},
		{"the deprecated shared token", other, bearer("s3cret"), 200},
	} {
		if code, body := do("GET", tt.path, "", tt.header...); code != tt.status {
			t.Errorf("%s: %d %.300s, want %d", tt.name, code, body, tt.status)
		}
	}
	if _, body := do("GET", other, "", append(bearer(lea), "Accept-Language", "en")...); !strings.Contains(body, "Your account has no access to survey “family-support”.") {
		t.Errorf("403 body: %s", body)
	}

	// Dashboards: each publishes for the surveys they may; lea lists hers only.
	if code, body := do("POST", "/api/v1/surveys/partners-meeting/dashboards", `{"lang":"en"}`, bearer(lea)...); code != http.StatusCreated {
		t.Fatalf("lea publishes her survey: %d %s", code, body)
	}
	if code, _ := do("POST", "/api/v1/surveys/family-support/dashboards", `{"lang":"en"}`, bearer(lea)...); code != http.StatusForbidden {
		t.Errorf("lea publishes another survey: %d", code)
	}
	if code, body := do("POST", "/api/v1/surveys/family-support/dashboards", `{"lang":"en"}`, bearer(root)...); code != http.StatusCreated {
		t.Fatalf("the admin publishes: %d %s", code, body)
	}
	listed := func(token string) []string {
		t.Helper()
		code, body := do("GET", "/api/v1/dashboards", "", bearer(token)...)
		var l struct {
			Dashboards []struct {
				Scope struct{ Survey string }
			}
		}
		if err := json.Unmarshal([]byte(body), &l); code != 200 || err != nil {
			t.Fatalf("list: %d %s", code, body)
		}
		var out []string
		for _, d := range l.Dashboards {
			out = append(out, d.Scope.Survey)
		}
		return out
	}
	if got := listed(lea); len(got) != 1 || got[0] != "partners-meeting" {
		t.Errorf("lea lists %v, want her survey's dashboard only", got)
	}
	if got := listed(root); len(got) != 2 {
		t.Errorf("the admin lists %v, want both", got)
	}

	// The console's session (made as its login does): it reads, it changes nothing.
	svc := access.New(db.Access())
	u, err := svc.User(context.Background(), "lea@example.org")
	if err != nil {
		t.Fatal(err)
	}
	session, _, err := svc.StartSession(context.Background(), u, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cookie := []string{"Cookie", access.SessionCookie + "=" + session}
	if code, body := do("GET", mine, "", cookie...); code != 200 {
		t.Errorf("the session reads: %d %.200s", code, body)
	}
	if code, body := do("POST", "/api/v1/surveys/partners-meeting/dashboards", `{"lang":"en"}`, cookie...); code != http.StatusUnauthorized {
		t.Errorf("the session publishes: %d %.200s, want 401", code, body)
	}

	// Tokens listed, revoked from the command line: refused at once.
	if out := palabre("tokens", "--email", "lea@example.org"); !strings.Contains(out, leaID) || !strings.Contains(out, "e2e") ||
		strings.Contains(out, "never") || strings.Contains(out, lea) {
		t.Errorf("palabre user tokens (used, and without the token itself):\n%s", out)
	}
	palabre("revoke-token", "--email", "lea@example.org", "--id", leaID)
	if code, _ := do("GET", mine, "", bearer(lea)...); code != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", code)
	}
	if out := palabre("tokens", "--email", "lea@example.org"); !strings.Contains(out, "revoked") {
		t.Errorf("palabre user tokens after revoking:\n%s", out)
	}
	palabre("disable", "--email", "root@example.org")
	if code, _ := do("GET", other, "", bearer(root)...); code != http.StatusUnauthorized {
		t.Errorf("a disabled user's token: %d, want 401", code)
	}

	// The shared token: warned about at start and when used, counted, never logged.
	resp, err := http.Get(p.ops + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(b)
	if !strings.Contains(metrics, "\npalabre_coordinator_token_uses_total 1\n") || !strings.Contains(metrics, "\npalabre_api_credentials_refused_total 3\n") {
		t.Errorf("/metrics lacks the shared token's use or the 3 refused credentials:\n%s", grepLines(metrics, "palabre_coordinator|palabre_api"))
	}
	log := p.out.String()
	if strings.Count(log, "coordinator-token (PALABRE_COORDINATOR_TOKEN) is deprecated") != 1 ||
		strings.Count(log, "used the deprecated --coordinator-token") != 1 {
		t.Errorf("deprecation warnings:\n%s", grepLines(log, "coordinator-token"))
	}
	for _, secret := range []string{"s3cret", lea, root, session} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %.8s…", secret)
		}
	}
}

func grepLines(s, pattern string) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
