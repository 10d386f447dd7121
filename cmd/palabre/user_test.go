package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
)

var inviteRE = regexp.MustCompile(`https://surveys\.example\.org/console/invite/([A-Za-z0-9_-]{43})\n`)

// TestUserCommand runs palabre user as an admin would: add the first admin and a coordinator,
// set their passwords through the printed links, list, reset, disable and enable; no
// password or hash is ever printed.
func TestUserCommand(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn) // the command migrates it
	env := envFrom(map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_BASE_URL": "https://surveys.example.org/"})
	ctx := context.Background()
	var all bytes.Buffer
	palabre := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"user"}, args...), env, &out)
		all.Write(out.Bytes())
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := palabre(args...)
		if err != nil {
			t.Fatalf("palabre user %v: %v\n%s", args, err, out)
		}
		return out
	}
	token := func(out string) string {
		t.Helper()
		m := inviteRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no invitation link in:\n%s", out)
		}
		return m[1]
	}

	if out := must("list"); !strings.Contains(out, "no user yet") {
		t.Errorf("list of none:\n%s", out)
	}
	out := must("add", "--email", "Root@Example.org", "--role", "admin", "--name", "Awa Ndiaye")
	if !strings.Contains(out, "added admin root@example.org (all surveys)") || !strings.Contains(out, "7 days") {
		t.Errorf("add admin:\n%s", out)
	}
	adminLink := token(out)
	out = must("add", "--email", "coord@example.org", "--role", "coordinator", "--surveys", "families, partners-meeting")
	if !strings.Contains(out, "surveys families, partners-meeting") || !strings.Contains(out, `note: survey "families" is not in the catalog yet`) {
		t.Errorf("add coordinator:\n%s", out)
	}
	coordLink := token(out)

	svc := access.New(db.Access(), access.WithParams(accesstest.CheapParams))
	const adminPassword, coordPassword = "the admin's own password", "coordinator's password"
	if _, err := svc.AcceptInvitation(ctx, adminLink, adminPassword); err != nil {
		t.Fatalf("the admin's link: %v", err)
	}
	out = must("list")
	for _, want := range []string{
		"EMAIL", "root@example.org   Awa Ndiaye  admin        all", "active",
		"coord@example.org", "coordinator  families,partners-meeting  invited",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}

	// reset: a new link replaces the unused one.
	newLink := token(must("reset", "--email", "coord@example.org"))
	if _, err := svc.AcceptInvitation(ctx, coordLink, coordPassword); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("the replaced link: %v", err)
	}
	coord, err := svc.AcceptInvitation(ctx, newLink, coordPassword)
	if err != nil {
		t.Fatalf("the reset link: %v", err)
	}

	// disable revokes sessions and tokens; enable does not bring them back.
	session, _, _ := svc.StartSession(ctx, coord, "")
	apiToken, _, _ := svc.CreateToken(ctx, coord, "script")
	if out := must("disable", "--email", "COORD@example.org"); !strings.Contains(out, "disabled coord@example.org") {
		t.Errorf("disable:\n%s", out)
	}
	if out := must("list"); !strings.Contains(out, "families,partners-meeting  disabled") {
		t.Errorf("list after disable:\n%s", out)
	}
	if _, err := svc.Login(ctx, "coord@example.org", coordPassword, ""); !errors.Is(err, access.ErrBadCredentials) {
		t.Errorf("login while disabled: %v", err)
	}
	must("enable", "--email", "coord@example.org")
	if _, _, err := svc.Session(ctx, session); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("session after disable and enable: %v", err)
	}
	if _, _, err := svc.TokenUser(ctx, apiToken); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("token after disable and enable: %v", err)
	}
	if _, err := svc.Login(ctx, "coord@example.org", coordPassword, ""); err != nil {
		t.Errorf("login after enable: %v", err)
	}
	if out := must("list"); !strings.Contains(out, "families,partners-meeting  active") {
		t.Errorf("list after enable:\n%s", out)
	}

	// Mistakes are usage errors (exit status 2).
	for _, args := range [][]string{
		{"add", "--email", "root@example.org", "--role", "coordinator"},
		{"add", "--email", "x@example.org", "--role", "owner"},
		{"add", "--email", "x@example.org", "--role", "admin", "--surveys", "families"},
		{"add", "--email", "not an address", "--role", "admin"},
		{"add", "--role", "admin"},
		{"reset", "--email", "nobody@example.org"},
		{"disable", "--email", "nobody@example.org"},
		{"add", "--email", "x@example.org", "--role", "admin", "--password", "secret"},
		{"remove", "--email", "root@example.org"},
		{"token", "--email", "nobody@example.org"},
		{"token"},
		{"tokens", "--email", "nobody@example.org"},
		{"revoke-token", "--email", "root@example.org"},
		{"revoke-token", "--email", "root@example.org", "--id", "no-such-token"},
		{"token", "--email", "root@example.org", "--surveys", "families"},
	} {
		out, err := palabre(args...)
		if exitCode(err) != 2 {
			t.Errorf("palabre user %v: %v (exit %d), want a usage error\n%s", args, err, exitCode(err), out)
		}
	}

	// A disabled user gets no new token.
	must("disable", "--email", "coord@example.org")
	if out, err := palabre("token", "--email", "coord@example.org"); exitCode(err) != 2 || strings.Contains(out, "plb_") {
		t.Errorf("a token for a disabled user: %v\n%s", err, out)
	}
	must("enable", "--email", "coord@example.org")

	for _, secret := range []string{adminPassword, coordPassword, "$argon2id$"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("palabre user printed %q", secret)
		}
	}
	// What the command wrote is what a second process reads.
	other, err := clickhouse.Open(ctx, clickhouse.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	users, err := other.Access().Users(ctx)
	if err != nil || len(users) != 2 || users[0].Email != "coord@example.org" || users[1].Name != "Awa Ndiaye" {
		t.Errorf("users: %+v %v", users, err)
	}
}
