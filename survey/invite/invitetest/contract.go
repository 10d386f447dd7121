package invitetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/invite"
)

// StoreContract checks that store, empty, keeps invitations as the Service relies on: run
// on Memory and on the ClickHouse store, it keeps the fake honest.
func StoreContract(t *testing.T, store invite.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	inv := func(hash, surveyID string, year int) invite.Invitation {
		return invite.Invitation{Hash: hash, SurveyID: surveyID, Year: year, Batch: "b1", Created: t0}
	}
	if err := store.Add(ctx, []invite.Invitation{inv("h1", "meeting", 2026), inv("h2", "meeting", 2026),
		inv("h3", "meeting", 2025), inv("h4", "other", 2026), inv("race", "meeting", 2027)}); err != nil {
		t.Fatal(err)
	}

	t.Run("lookup", func(t *testing.T) {
		got, used, err := store.Lookup(ctx, "h3")
		if err != nil || used || got != inv("h3", "meeting", 2025) {
			t.Errorf("lookup h3: %+v, used %v, %v", got, used, err)
		}
		if _, _, err := store.Lookup(ctx, "nope"); !errors.Is(err, invite.ErrNotFound) {
			t.Errorf("unknown hash: %v", err)
		}
	})

	t.Run("claim once", func(t *testing.T) {
		id, err := store.Claim(ctx, "h1")
		if err != nil || id == "" {
			t.Fatalf("first claim: %q, %v", id, err)
		}
		if _, used, err := store.Lookup(ctx, "h1"); err != nil || !used {
			t.Errorf("after a claim: used %v, %v", used, err)
		}
		if _, err := store.Claim(ctx, "h1"); !errors.Is(err, invite.ErrUsed) {
			t.Errorf("second claim: %v", err)
		}
		if _, err := store.Claim(ctx, "nope"); !errors.Is(err, invite.ErrNotFound) {
			t.Errorf("claim of an unknown hash: %v", err)
		}
		c, err := store.Counts(ctx, "meeting", 2026)
		if err != nil || c != (invite.Counts{Generated: 2, Used: 1}) {
			t.Errorf("counts: %+v, %v", c, err)
		}
		if c, err := store.Counts(ctx, "meeting", 2024); err != nil || c != (invite.Counts{}) {
			t.Errorf("counts of an edition without invitations: %+v, %v", c, err)
		}
	})

	t.Run("release", func(t *testing.T) {
		id, err := store.Claim(ctx, "h2")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Release(ctx, "h2", id); err != nil {
			t.Fatal(err)
		}
		if _, used, err := store.Lookup(ctx, "h2"); err != nil || used {
			t.Errorf("after release: used %v, %v", used, err)
		}
		again, err := store.Claim(ctx, "h2")
		if err != nil || again == id {
			t.Fatalf("claim after release: %q, %v", again, err)
		}
		if _, err := store.Claim(ctx, "h2"); !errors.Is(err, invite.ErrUsed) {
			t.Errorf("claim after a claim after release: %v", err)
		}
		// Releasing a stale claim again does not free the newer one.
		if err := store.Release(ctx, "h2", id); err != nil {
			t.Fatal(err)
		}
		if _, used, _ := store.Lookup(ctx, "h2"); !used {
			t.Error("releasing an old claim freed the newer one")
		}
	})

	t.Run("concurrent claims", func(t *testing.T) {
		ConcurrentClaims(t, store, "race", 8)
	})
}

// ConcurrentClaims claims hash from n goroutines at once, and checks that at most one wins
// and that the losers left it free or spent by the winner: when none won, one more claim
// must win.
func ConcurrentClaims(t *testing.T, store invite.Store, hash string, n int) {
	ctx := context.Background()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		won   int
	)
	for range n {
		wg.Go(func() {
			<-start
			_, err := store.Claim(ctx, hash)
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, invite.ErrUsed):
				t.Errorf("claim: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if won > 1 {
		t.Fatalf("%d of %d concurrent claims won", won, n)
	}
	_, err := store.Claim(ctx, hash)
	if won == 0 && err != nil {
		t.Errorf("no claim won, and the invitation stays spent: %v", err)
	}
	if won == 1 && !errors.Is(err, invite.ErrUsed) {
		t.Errorf("a claim won, yet one more claim answers %v", err)
	}
}
