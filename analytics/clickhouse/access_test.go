package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
)

// cheap are argon2id parameters that keep tests fast; production uses access.DefaultParams.
var cheap = accesstest.CheapParams

// clock is a settable time shared by the services of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// twoProcesses opens one migrated database through two connection pools, as two palabre
// processes would, and returns a service on each sharing c.
func twoProcesses(t *testing.T, c *clock, opts ...access.Option) (a, b *access.Service, dbA, dbB *clickhouse.DB) {
	t.Helper()
	dsn := clickhousetest.NewDSN(t)
	dbA = clickhousetest.OpenDSN(t, dsn)
	if _, err := dbA.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbB, err := clickhouse.Open(context.Background(), clickhouse.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbB.Close() })
	opts = append([]access.Option{access.WithParams(cheap), access.WithClock(c.Now)}, opts...)
	return access.New(dbA.Access(), opts...), access.New(dbB.Access(), opts...), dbA, dbB
}

// addWithPassword adds a user and sets their password through their invitation.
func addWithPassword(t *testing.T, svc *access.Service, n access.NewUser, password string) access.User {
	t.Helper()
	ctx := context.Background()
	_, token, err := svc.AddUser(ctx, n)
	if err != nil {
		t.Fatalf("add %s: %v", n.Email, err)
	}
	u, err := svc.AcceptInvitation(ctx, token, password)
	if err != nil {
		t.Fatalf("accept invitation of %s: %v", n.Email, err)
	}
	return u
}

func TestAccessUsersRoundTrip(t *testing.T) {
	a, b, _, _ := twoProcesses(t, newClock())
	ctx := context.Background()
	name := `Aïcha "l'adjointe" \ Diallo; -- DROP TABLE users`
	coord, token, err := a.AddUser(ctx, access.NewUser{Email: "  Aicha.Diallo@Example.ORG ", Name: name,
		Role: access.Coordinator, Surveys: []string{"partners-meeting", " ", "families", "families"}})
	if err != nil {
		t.Fatal(err)
	}
	if token == "" || coord.Email != "aicha.diallo@example.org" || !slices.Equal(coord.Surveys, []string{"families", "partners-meeting"}) {
		t.Fatalf("added %+v with token %q", coord, token)
	}
	admin, _, err := a.AddUser(ctx, access.NewUser{Email: "root@example.org", Role: access.Admin, Surveys: []string{"ignored"}})
	if err != nil {
		t.Fatal(err)
	}
	// Seen from the other process, by address and by id.
	got, err := b.User(ctx, "AICHA.DIALLO@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != coord.ID || got.Name != name || got.Role != access.Coordinator || got.Disabled ||
		!slices.Equal(got.Surveys, coord.Surveys) || !got.Created.Equal(coord.Created) || got.PasswordHash != "" {
		t.Errorf("read back %+v, want %+v", got, coord)
	}
	list, err := b.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != coord.ID || list[1].ID != admin.ID || list[1].Role != access.Admin || list[1].Surveys != nil {
		t.Errorf("users: %+v", list)
	}
	for _, email := range []string{"aicha.diallo@example.org", "Aicha.Diallo@EXAMPLE.org"} {
		if _, _, err := b.AddUser(ctx, access.NewUser{Email: email, Role: access.Admin}); !errors.Is(err, access.ErrEmailTaken) {
			t.Errorf("adding %s again: %v, want ErrEmailTaken", email, err)
		}
	}
	for _, n := range []access.NewUser{{Email: "not an address", Role: access.Admin}, {Email: "Name <x@example.org>", Role: access.Admin}} {
		if _, _, err := a.AddUser(ctx, n); !errors.Is(err, access.ErrBadEmail) {
			t.Errorf("adding %q: %v, want ErrBadEmail", n.Email, err)
		}
	}
	if _, _, err := a.AddUser(ctx, access.NewUser{Email: "x@example.org", Role: "owner"}); !errors.Is(err, access.ErrBadRole) {
		t.Errorf("role owner: %v", err)
	}
	if _, err := a.SetDisabled(ctx, "aicha.diallo@example.org", true); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.User(ctx, "aicha.diallo@example.org"); !got.Disabled || got.ID != coord.ID {
		t.Errorf("after disable: %+v", got)
	}
	if _, err := b.SetDisabled(ctx, "aicha.diallo@example.org", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.User(ctx, "aicha.diallo@example.org"); got.Disabled {
		t.Errorf("after enable: %+v", got)
	}
	if _, err := a.User(ctx, "nobody@example.org"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestAccessPasswordsAndInvitations(t *testing.T) {
	c := newClock()
	a, b, _, _ := twoProcesses(t, c)
	ctx := context.Background()
	u, token, err := a.AddUser(ctx, access.NewUser{Email: "ana@example.org", Role: access.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Login(ctx, "ana@example.org", "", "192.0.2.1"); !errors.Is(err, access.ErrBadCredentials) {
		t.Errorf("login before a password is set: %v", err)
	}
	if got, err := b.CheckInvitation(ctx, token); err != nil || got.ID != u.ID || got.Email != "ana@example.org" {
		t.Errorf("check the new invitation: %+v %v", got, err)
	}
	if _, err := b.AcceptInvitation(ctx, token, "short"); !errors.Is(err, access.ErrWeakPassword) {
		t.Errorf("short password: %v", err)
	}
	const password = "correct horse battery"
	if _, err := b.AcceptInvitation(ctx, token, password); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if _, err := a.AcceptInvitation(ctx, token, "another long password"); !errors.Is(err, access.ErrUsed) {
		t.Errorf("second use: %v, want ErrUsed", err)
	}
	if _, err := a.CheckInvitation(ctx, token); !errors.Is(err, access.ErrUsed) {
		t.Errorf("check a used invitation: %v, want ErrUsed", err)
	}
	stored, _ := a.User(ctx, "ana@example.org")
	if p, _, _, err := access.ParseHash(stored.PasswordHash); err != nil || p != cheap {
		t.Errorf("stored hash %q: params %+v, %v", stored.PasswordHash, p, err)
	}
	got, err := a.Login(ctx, " ANA@example.org", password, "192.0.2.1")
	if err != nil || got.ID != u.ID {
		t.Fatalf("login with the right password: %+v, %v", got, err)
	}
	for _, try := range []struct{ email, password string }{
		{"ana@example.org", "correct horse battery "}, {"ana@example.org", ""}, {"nobody@example.org", password},
		{"ana@example.org", strings.Repeat("x", 10_000)},
	} {
		if _, err := b.Login(ctx, try.email, try.password, "192.0.2.1"); !errors.Is(err, access.ErrBadCredentials) {
			t.Errorf("login %s / %.20q: %v, want ErrBadCredentials", try.email, try.password, err)
		}
	}
	if _, err := a.AcceptInvitation(ctx, "no such token", password); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}

	// A reset: the first new link is replaced by the second, which expires after 7 days.
	first, err := a.Invite(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Invite(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CheckInvitation(ctx, first); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("check a replaced invitation: %v, want ErrNotFound", err)
	}
	if _, err := a.AcceptInvitation(ctx, first, "a replaced link's password"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("replaced invitation: %v, want ErrNotFound", err)
	}
	c.Add(7*24*time.Hour + time.Second)
	if _, err := b.CheckInvitation(ctx, second); !errors.Is(err, access.ErrExpired) {
		t.Errorf("check an expired invitation: %v, want ErrExpired", err)
	}
	if _, err := a.AcceptInvitation(ctx, second, "an expired link's password"); !errors.Is(err, access.ErrExpired) {
		t.Errorf("expired invitation: %v, want ErrExpired", err)
	}
	third, _ := a.Invite(ctx, "ana@example.org")
	c.Add(7*24*time.Hour - time.Second)
	if _, err := b.AcceptInvitation(ctx, third, "the new password here"); err != nil {
		t.Errorf("invitation one second before expiry: %v", err)
	}
	if _, err := a.Login(ctx, "ana@example.org", password, ""); !errors.Is(err, access.ErrBadCredentials) {
		t.Errorf("old password after a reset: %v", err)
	}
	if _, err := a.Login(ctx, "ana@example.org", "the new password here", ""); err != nil {
		t.Errorf("new password after a reset: %v", err)
	}
}

// TestAccessInvitationUsedOnce uses one link from two processes at once: at most one sets the
// password, and the other is told the link was used.
func TestAccessInvitationUsedOnce(t *testing.T) {
	a, b, _, _ := twoProcesses(t, newClock())
	ctx := context.Background()
	succeeded := 0
	for round := range 10 {
		_, token, err := a.AddUser(ctx, access.NewUser{Email: "race" + string(rune('a'+round)) + "@example.org", Role: access.Coordinator})
		if err != nil {
			t.Fatal(err)
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, svc := range []*access.Service{a, b} {
			wg.Go(func() { _, errs[i] = svc.AcceptInvitation(ctx, token, "password number "+string(rune('0'+i))) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, access.ErrUsed):
				t.Errorf("round %d: %v", round, err)
			}
		}
		if ok > 1 {
			t.Errorf("round %d: %d uses succeeded, want at most 1", round, ok)
		}
		succeeded += ok
	}
	t.Logf("%d of 10 contested links set a password; the others are spent", succeeded)
}

func TestAccessRehashOnLogin(t *testing.T) {
	c := newClock()
	a, _, _, dbB := twoProcesses(t, c)
	ctx := context.Background()
	addWithPassword(t, a, access.NewUser{Email: "old@example.org", Role: access.Admin}, "a password from before")
	stronger := cheap
	stronger.Time = 2
	newer := access.New(dbB.Access(), access.WithParams(stronger), access.WithClock(c.Now))
	if _, err := newer.Login(ctx, "old@example.org", "a password from before", ""); err != nil {
		t.Fatal(err)
	}
	u, _ := a.User(ctx, "old@example.org")
	if p, _, _, _ := access.ParseHash(u.PasswordHash); p != stronger {
		t.Errorf("after login the hash has %+v, want %+v", p, stronger)
	}
	if _, err := a.Login(ctx, "old@example.org", "a password from before", ""); err != nil {
		t.Errorf("login after the rehash: %v", err)
	}
}

func TestAccessSessionsAcrossProcesses(t *testing.T) {
	c := newClock()
	a, b, dbA, _ := twoProcesses(t, c)
	ctx := context.Background()
	u := addWithPassword(t, a, access.NewUser{Email: "sam@example.org", Role: access.Coordinator}, "sam's long password")
	id, sess, err := a.StartSession(ctx, u, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 43 || sess.Hash != access.HashSecret(id) {
		t.Fatalf("session id %q (%d chars), hash %s", id, len(id), sess.Hash)
	}
	got, gs, err := b.Session(ctx, id)
	if err != nil || got.ID != u.ID || gs.Address != "198.51.100.7" || !gs.Expires.Equal(sess.Expires) {
		t.Fatalf("session seen from the other process: %+v %+v %v", got, gs, err)
	}
	if _, _, err := b.Session(ctx, id+"x"); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("unknown id: %v", err)
	}

	// Idle: seen every 7 hours it lives on, until its absolute end after 7 days.
	for range 23 {
		c.Add(7 * time.Hour)
		if _, _, err := b.Session(ctx, id); err != nil {
			t.Fatalf("session seen after %v: %v", c.Now().Sub(sess.Created), err)
		}
	}
	c.Add(7 * time.Hour) // 161 h > 7 days
	if _, _, err := a.Session(ctx, id); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("session past its absolute end: %v", err)
	}
	id2, _, _ := a.StartSession(ctx, u, "")
	c.Add(8*time.Hour - time.Second)
	if _, _, err := b.Session(ctx, id2); err != nil {
		t.Errorf("session idle just under 8 h: %v", err)
	}
	c.Add(8 * time.Hour)
	if _, _, err := b.Session(ctx, id2); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("session idle 8 h: %v", err)
	}

	// Logging out on one process ends the session on the other; the other session lives on.
	one, _, _ := a.StartSession(ctx, u, "")
	other, _, _ := a.StartSession(ctx, u, "")
	if err := a.EndSession(ctx, one); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Session(ctx, one); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("ended session from the other process: %v", err)
	}
	if _, _, err := b.Session(ctx, other); err != nil {
		t.Errorf("the user's other session: %v", err)
	}
	// A visit written after the revocation does not bring it back, merged or not.
	revoked, err := dbA.Access().Session(ctx, access.HashSecret(one))
	if err != nil {
		t.Fatal(err)
	}
	revoked.Revoked, revoked.LastSeen = false, c.Now()
	if err := dbA.Access().SaveSession(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	if err := dbA.OptimizeFinal(ctx, "sessions"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Session(ctx, one); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("revoked session after a later write and a merge: %v", err)
	}

	// Revoking all, and disabling, end every session everywhere.
	third, _, _ := b.StartSession(ctx, u, "")
	if err := b.RevokeSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{other, third} {
		if _, _, err := a.Session(ctx, s); !errors.Is(err, access.ErrUnauthorized) {
			t.Errorf("session after revoking all: %v", err)
		}
	}
	fourth, _, _ := a.StartSession(ctx, u, "")
	if _, err := a.SetDisabled(ctx, u.Email, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetDisabled(ctx, u.Email, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Session(ctx, fourth); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("session opened before a disable, after enabling again: %v", err)
	}
}

func TestAccessThrottling(t *testing.T) {
	c := newClock()
	limits := access.DefaultLimits
	limits.AddressFailures = 30
	a, b, _, _ := twoProcesses(t, c, access.WithLimits(limits))
	ctx := context.Background()
	addWithPassword(t, a, access.NewUser{Email: "target@example.org", Role: access.Admin}, "target's password")
	addWithPassword(t, a, access.NewUser{Email: "other@example.org", Role: access.Admin}, "other's password")
	// 20 wrong passwords from 20 addresses, alternately on each process.
	for i := range 20 {
		svc := []*access.Service{a, b}[i%2]
		addr := "203.0.113." + string(rune('a'+i))
		if _, err := svc.Login(ctx, "target@example.org", "guess", addr); !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	for _, svc := range []*access.Service{a, b} {
		if _, err := svc.Login(ctx, "target@example.org", "target's password", "192.0.2.50"); !errors.Is(err, access.ErrLocked) {
			t.Errorf("right password after 20 failures: %v, want ErrLocked", err)
		}
		if _, err := svc.Login(ctx, "other@example.org", "other's password", "203.0.113.a"); err != nil {
			t.Errorf("another account, from an attacking address: %v", err)
		}
	}
	c.Add(15*time.Minute + time.Second)
	if _, err := b.Login(ctx, "target@example.org", "target's password", "192.0.2.50"); err != nil {
		t.Errorf("right password 15 min later: %v", err)
	}

	// One address failing on many accounts is stopped, on every account, from that address only.
	for i := range 30 {
		if _, err := a.Login(ctx, "user"+string(rune('a'+i))+"@example.org", "guess", "198.51.100.9"); !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("spray %d: %v", i+1, err)
		}
	}
	if _, err := b.Login(ctx, "other@example.org", "other's password", "198.51.100.9"); !errors.Is(err, access.ErrLocked) {
		t.Errorf("from a spraying address: %v, want ErrLocked", err)
	}
	if _, err := b.Login(ctx, "other@example.org", "other's password", "198.51.100.10"); err != nil {
		t.Errorf("from another address: %v", err)
	}
}

func TestAccessTokensAndSecretsStoredHashed(t *testing.T) {
	a, b, dbA, _ := twoProcesses(t, newClock())
	ctx := context.Background()
	u, invite, err := a.AddUser(ctx, access.NewUser{Email: "tok@example.org", Role: access.Coordinator, Surveys: []string{"families"}})
	if err != nil {
		t.Fatal(err)
	}
	const password = "the token owner's password"
	if _, err := a.AcceptInvitation(ctx, invite, password); err != nil {
		t.Fatal(err)
	}
	raw, tok, err := a.CreateToken(ctx, u, "nightly export")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, access.TokenPrefix) || len(raw) != len(access.TokenPrefix)+43 {
		t.Errorf("token %q", raw)
	}
	raw2, _, _ := a.CreateToken(ctx, u, "spreadsheet")
	got, gt, err := b.TokenUser(ctx, raw)
	if err != nil || got.ID != u.ID || gt.ID != tok.ID || gt.Name != "nightly export" {
		t.Fatalf("token from the other process: %+v %+v %v", got, gt, err)
	}
	session, _, _ := a.StartSession(ctx, u, "")

	secrets := map[string]string{"invitation": invite, "token": raw, "session": session, "password": password}
	for _, table := range []string{"users", "invitations", "invitation_uses", "sessions", "api_tokens", "login_failures"} {
		rows, err := dbA.TableText(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for what, s := range secrets {
				if strings.Contains(row, s) {
					t.Errorf("table %s holds the %s in clear: %s", table, what, row)
				}
			}
		}
		if table == "api_tokens" && !slices.ContainsFunc(rows, func(r string) bool { return strings.Contains(r, access.HashSecret(raw)) }) {
			t.Errorf("api_tokens does not hold the token's hash: %q", rows)
		}
	}

	list, err := b.Tokens(ctx, u.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("tokens: %+v %v", list, err)
	}
	if err := b.RevokeToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.RevokeToken(ctx, "someone else", tok.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("revoking another user's token: %v", err)
	}
	if _, _, err := a.TokenUser(ctx, raw); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("revoked token: %v", err)
	}
	if _, _, err := a.TokenUser(ctx, raw2); err != nil {
		t.Errorf("the other token: %v", err)
	}
	for _, bad := range []string{"", "plb_", raw2[len(access.TokenPrefix):], raw2 + "x"} {
		if _, _, err := a.TokenUser(ctx, bad); !errors.Is(err, access.ErrUnauthorized) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if _, err := a.SetDisabled(ctx, u.Email, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetDisabled(ctx, u.Email, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.TokenUser(ctx, raw2); !errors.Is(err, access.ErrUnauthorized) {
		t.Errorf("token after disable and enable: %v", err)
	}
	list, _ = a.Tokens(ctx, u.ID)
	for _, tk := range list {
		if !tk.Revoked {
			t.Errorf("token %s not revoked after disable", tk.Name)
		}
	}
}

// BenchmarkAccessSession measures what authenticating one console request costs: a session
// looked up by its id among 200 users' sessions, and its user read, from ClickHouse.
//
//	go test -run '^$' -bench AccessSession -benchtime 200x ./analytics/clickhouse
func BenchmarkAccessSession(b *testing.B) {
	db := clickhousetest.Open(b)
	ctx := context.Background()
	svc := access.New(db.Access(), access.WithParams(cheap))
	var id string
	for i := range 200 {
		u, _, err := svc.AddUser(ctx, access.NewUser{Email: fmt.Sprintf("user%03d@example.org", i), Role: access.Coordinator})
		if err != nil {
			b.Fatal(err)
		}
		if id, _, err = svc.StartSession(ctx, u, ""); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, _, err := svc.Session(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccessToken measures what identifying one API request by a personal token costs:
// the token looked up by its hash among 200 users' tokens, and its user read, from ClickHouse.
//
//	go test -run '^$' -bench AccessToken -benchtime 200x ./analytics/clickhouse
func BenchmarkAccessToken(b *testing.B) {
	db := clickhousetest.Open(b)
	ctx := context.Background()
	svc := access.New(db.Access(), access.WithParams(cheap))
	var token string
	for i := range 200 {
		u, _, err := svc.AddUser(ctx, access.NewUser{Email: fmt.Sprintf("user%03d@example.org", i), Role: access.Coordinator})
		if err != nil {
			b.Fatal(err)
		}
		if token, _, err = svc.CreateToken(ctx, u, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, _, err := svc.TokenUser(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAccessStoreContract runs on ClickHouse the checks the in-memory fake passes too.
func TestAccessStoreContract(t *testing.T) {
	accesstest.StoreContract(t, clickhousetest.Open(t).Access())
}

func TestAccessPruneFailures(t *testing.T) {
	db := clickhousetest.Open(t)
	store := db.Access()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 5, 0, 0, time.UTC)
	for _, at := range []time.Time{now.AddDate(0, -2, 0), now.Add(-10 * time.Minute), now} {
		if err := store.RecordFailure(ctx, access.Failure{Email: "a@example.org", Address: "192.0.2.1", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	dropped, err := store.PruneFailures(ctx, now.Add(-15*time.Minute))
	if err != nil || dropped != 1 {
		t.Fatalf("pruned %d months, %v; want 1 (January)", dropped, err)
	}
	n, _, err := store.CountFailures(ctx, "a@example.org", "", time.Unix(0, 0))
	if err != nil || n != 2 {
		t.Errorf("%d failures left, %v; want the 2 of February and March", n, err)
	}
}
