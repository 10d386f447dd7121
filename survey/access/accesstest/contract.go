package accesstest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/access"
)

// StoreContract checks that store, empty, keeps access state as Service relies on: run on
// Memory and on the ClickHouse store, it keeps the fake honest.
func StoreContract(t *testing.T, store access.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	t.Run("users", func(t *testing.T) {
		ana := access.User{ID: "u-ana", Email: "ana@example.org", Name: "Ana", Role: access.Coordinator,
			Surveys: []string{"families"}, Created: t0}
		bob := access.User{ID: "u-bob", Email: "bob@example.org", Role: access.Admin, Created: t0}
		for _, u := range []access.User{bob, ana} {
			if err := store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.CreateUser(ctx, access.User{ID: "u-other", Email: "ana@example.org", Role: access.Admin, Created: t0}); !errors.Is(err, access.ErrEmailTaken) {
			t.Errorf("second account for one address: %v", err)
		}
		ana.Disabled, ana.PasswordHash, ana.Surveys = true, "$argon2id$…", nil
		if err := store.SaveUser(ctx, ana); err != nil {
			t.Fatal(err)
		}
		for _, get := range []func() (access.User, error){
			func() (access.User, error) { return store.UserByID(ctx, "u-ana") },
			func() (access.User, error) { return store.UserByEmail(ctx, "ana@example.org") },
		} {
			got, err := get()
			if err != nil || got.ID != ana.ID || got.Name != "Ana" || !got.Disabled || got.Surveys != nil ||
				got.PasswordHash != ana.PasswordHash || !got.Created.Equal(t0) || got.Role != access.Coordinator {
				t.Errorf("read %+v, %v; want %+v", got, err, ana)
			}
		}
		list, err := store.Users(ctx)
		if err != nil || len(list) != 2 || list[0].Email != "ana@example.org" || list[1].Email != "bob@example.org" {
			t.Errorf("users %+v, %v", list, err)
		}
		if _, err := store.UserByID(ctx, "u-none"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		if _, err := store.UserByEmail(ctx, "none@example.org"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("unknown address: %v", err)
		}
	})

	t.Run("invitations", func(t *testing.T) {
		first := access.Invitation{Hash: "h1", UserID: "u-inv", Created: t0, Expires: t0.Add(time.Hour)}
		second := access.Invitation{Hash: "h2", UserID: "u-inv", Created: t0, Expires: t0.Add(2 * time.Hour)}
		other := access.Invitation{Hash: "h3", UserID: "u-else", Created: t0, Expires: t0.Add(time.Hour)}
		for _, inv := range []access.Invitation{first, second, other} {
			if err := store.SaveInvitation(ctx, inv); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := store.Invitation(ctx, "h1"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("replaced invitation: %v", err)
		}
		if _, err := store.UseInvitation(ctx, "h1"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("using a replaced invitation: %v", err)
		}
		inv, used, err := store.Invitation(ctx, "h2")
		if err != nil || used || inv.UserID != "u-inv" || !inv.Expires.Equal(second.Expires) {
			t.Errorf("invitation %+v used %v, %v", inv, used, err)
		}
		if inv, err := store.UseInvitation(ctx, "h2"); err != nil || inv.UserID != "u-inv" {
			t.Errorf("first use: %+v %v", inv, err)
		}
		if _, err := store.UseInvitation(ctx, "h2"); !errors.Is(err, access.ErrUsed) {
			t.Errorf("second use: %v", err)
		}
		if _, used, err := store.Invitation(ctx, "h2"); err != nil || !used {
			t.Errorf("after use: used %v, %v", used, err)
		}
		if _, err := store.UseInvitation(ctx, "h3"); err != nil {
			t.Errorf("another user's invitation: %v", err)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		s1 := access.Session{Hash: "s1", UserID: "u1", Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour), IdleTimeout: 30 * time.Minute, Address: "192.0.2.1"}
		s2 := access.Session{Hash: "s2", UserID: "u1", Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour)}
		s3 := access.Session{Hash: "s3", UserID: "u2", Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour)}
		for _, s := range []access.Session{s1, s2, s3} {
			if err := store.SaveSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		s1.LastSeen = t0.Add(time.Minute)
		store.SaveSession(ctx, s1)
		got, err := store.Session(ctx, "s1")
		if err != nil || got != s1 {
			t.Errorf("session %+v, %v; want %+v", got, err, s1)
		}
		if err := store.RevokeSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		s1.LastSeen = t0.Add(2 * time.Minute) // seen again by a process that read it before
		store.SaveSession(ctx, s1)
		if got, _ := store.Session(ctx, "s1"); !got.Revoked {
			t.Error("a write after the revocation brought the session back")
		}
		if got, _ := store.Session(ctx, "s2"); got.Revoked {
			t.Error("revoking one session revoked another")
		}
		if err := store.RevokeSessions(ctx, "u1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.Session(ctx, "s2"); !got.Revoked {
			t.Error("revoking a user's sessions left one")
		}
		if got, _ := store.Session(ctx, "s3"); got.Revoked {
			t.Error("revoking a user's sessions revoked another user's")
		}
		if err := store.RevokeSession(ctx, "none"); err != nil {
			t.Errorf("revoking an unknown session: %v", err)
		}
		if _, err := store.Session(ctx, "none"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("unknown session: %v", err)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		a := access.Token{ID: "t-a", Hash: "ha", UserID: "u1", Name: "first", Created: t0}
		b := access.Token{ID: "t-b", Hash: "hb", UserID: "u1", Name: "second", Created: t0.Add(time.Second)}
		c := access.Token{ID: "t-c", Hash: "hc", UserID: "u2", Name: "other", Created: t0}
		for _, tk := range []access.Token{b, a, c} {
			if err := store.SaveToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		a.LastUsed = t0.Add(time.Hour)
		store.SaveToken(ctx, a)
		if got, err := store.TokenByHash(ctx, "ha"); err != nil || got != a {
			t.Errorf("token %+v, %v; want %+v", got, err, a)
		}
		list, err := store.Tokens(ctx, "u1")
		if err != nil || len(list) != 2 || list[0].ID != "t-a" || list[1].ID != "t-b" {
			t.Errorf("tokens %+v, %v", list, err)
		}
		if err := store.RevokeToken(ctx, "u2", "t-a"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("revoking another user's token: %v", err)
		}
		if err := store.RevokeToken(ctx, "u1", "t-a"); err != nil {
			t.Fatal(err)
		}
		a.LastUsed = t0.Add(2 * time.Hour)
		store.SaveToken(ctx, a)
		if got, _ := store.TokenByHash(ctx, "ha"); !got.Revoked {
			t.Error("a write after the revocation brought the token back")
		}
		if err := store.RevokeTokens(ctx, "u1"); err != nil {
			t.Fatal(err)
		}
		list, _ = store.Tokens(ctx, "u1")
		if !slices.ContainsFunc(list, func(t access.Token) bool { return t.ID == "t-b" && t.Revoked }) {
			t.Errorf("after revoking all: %+v", list)
		}
		if got, _ := store.TokenByHash(ctx, "hc"); got.Revoked {
			t.Error("revoking a user's tokens revoked another user's")
		}
		if _, err := store.TokenByHash(ctx, "none"); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
	})

	t.Run("failures", func(t *testing.T) {
		for i, f := range []access.Failure{
			{Email: "a@example.org", Address: "192.0.2.1", At: t0},
			{Email: "a@example.org", Address: "192.0.2.2", At: t0.Add(time.Minute)},
			{Email: "b@example.org", Address: "192.0.2.1", At: t0.Add(2 * time.Minute)},
			{Email: "a@example.org", Address: "192.0.2.1", At: t0.Add(-time.Second)}, // before the window
		} {
			if err := store.RecordFailure(ctx, f); err != nil {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		byEmail, byAddress, err := store.CountFailures(ctx, "a@example.org", "192.0.2.1", t0)
		if err != nil || byEmail != 2 || byAddress != 2 {
			t.Errorf("counted %d for the account, %d for the address, %v; want 2, 2", byEmail, byAddress, err)
		}
		if e, a, _ := store.CountFailures(ctx, "c@example.org", "198.51.100.1", t0); e != 0 || a != 0 {
			t.Errorf("counted %d, %d for strangers", e, a)
		}
	})

	t.Run("pruning failures", func(t *testing.T) {
		for _, at := range []time.Time{
			time.Date(2025, 10, 15, 12, 0, 0, 0, time.UTC),
			time.Date(2025, 11, 15, 12, 0, 0, 0, time.UTC),
			time.Date(2025, 12, 15, 12, 0, 0, 0, time.UTC),
		} {
			if err := store.RecordFailure(ctx, access.Failure{Email: "old@example.org", Address: "192.0.2.9", At: at}); err != nil {
				t.Fatal(err)
			}
		}
		months, err := store.PruneFailures(ctx, time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC))
		if err != nil || months != 2 {
			t.Errorf("pruned %d months, %v; want 2 (October and November)", months, err)
		}
		if n, _, _ := store.CountFailures(ctx, "old@example.org", "", time.Unix(0, 0)); n != 1 {
			t.Errorf("%d failures of the account left, want December's", n)
		}
		if n, _, _ := store.CountFailures(ctx, "a@example.org", "", t0.Add(-time.Hour)); n != 3 {
			t.Errorf("pruning the past dropped %d recent failures", 3-n)
		}
	})
}
