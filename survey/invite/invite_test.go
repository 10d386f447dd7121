package invite_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/invite/invitetest"
)

func TestMemoryStoreContract(t *testing.T) {
	invitetest.StoreContract(t, &invitetest.Memory{})
}

func TestGenerateStoresOnlyHashes(t *testing.T) {
	store := &invitetest.Memory{}
	svc := invite.NewService(store)
	ctx := context.Background()
	b, err := svc.Generate(ctx, "meeting", 2026, 50)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tok := range b.Tokens {
		if !invite.ValidToken(tok) || len(tok) != invite.TokenLength || seen[tok] {
			t.Fatalf("token %q", tok)
		}
		seen[tok] = true
		if _, _, err := store.Lookup(ctx, tok); !errors.Is(err, invite.ErrNotFound) {
			t.Fatalf("a token is stored as it is: %v", err)
		}
		inv, used, err := store.Lookup(ctx, invite.Hash(tok))
		if err != nil || used || inv.SurveyID != "meeting" || inv.Year != 2026 || inv.Batch != b.ID || inv.Hash == tok {
			t.Fatalf("stored %+v, used %v, %v", inv, used, err)
		}
	}
	if c, err := svc.Counts(ctx, "meeting", 2026); err != nil || c != (invite.Counts{Generated: 50}) {
		t.Errorf("counts %+v, %v", c, err)
	}
	for _, n := range []int{0, -1, invite.MaxBatch + 1} {
		if _, err := svc.Generate(ctx, "meeting", 2026, n); err == nil {
			t.Errorf("%d invitations generated", n)
		}
	}
	for _, e := range []struct {
		id   string
		year int
	}{{"Bad Id", 2026}, {"meeting", 1999}} {
		if _, err := svc.Generate(ctx, e.id, e.year, 1); err == nil {
			t.Errorf("generated for %q %d", e.id, e.year)
		}
	}
}

func TestCheckAndClaim(t *testing.T) {
	svc := invite.NewService(&invitetest.Memory{})
	ctx := context.Background()
	b, _ := svc.Generate(ctx, "meeting", 2026, 2)
	tok := b.Tokens[0]
	for _, tc := range []struct {
		name, survey string
		year         int
		token        string
		want         error
	}{
		{"missing", "meeting", 2026, "", invite.ErrMissing},
		{"malformed", "meeting", 2026, "short", invite.ErrInvalid},
		{"unknown", "meeting", 2026, strings.Repeat("a", 43), invite.ErrInvalid},
		{"other year", "meeting", 2025, tok, invite.ErrInvalid},
		{"other survey", "other", 2026, tok, invite.ErrInvalid},
		{"valid", "meeting", 2026, tok, nil},
	} {
		if err := svc.Check(ctx, tc.survey, tc.year, tc.token); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("check %s: %v, want %v", tc.name, err, tc.want)
		}
		if tc.want != nil {
			if _, err := svc.Claim(ctx, tc.survey, tc.year, tc.token); !errors.Is(err, tc.want) {
				t.Errorf("claim %s: %v, want %v", tc.name, err, tc.want)
			}
		}
	}
	claim, err := svc.Claim(ctx, "meeting", 2026, tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Check(ctx, "meeting", 2026, tok); !errors.Is(err, invite.ErrUsed) {
		t.Errorf("after a claim: %v", err)
	}
	if _, err := svc.Claim(ctx, "meeting", 2026, tok); !errors.Is(err, invite.ErrUsed) {
		t.Errorf("second claim: %v", err)
	}
	if err := claim.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := claim.Release(ctx); err != nil {
		t.Errorf("second release: %v", err)
	}
	if err := svc.Check(ctx, "meeting", 2026, tok); err != nil {
		t.Errorf("after release: %v", err)
	}
	if c, _ := svc.Counts(ctx, "meeting", 2026); c != (invite.Counts{Generated: 2}) {
		t.Errorf("counts %+v", c)
	}
}

// A store that fails is an error of its own, not a refusal of the participant.
func TestStoreFailureIsNoRefusal(t *testing.T) {
	store := &invitetest.Memory{}
	svc := invite.NewService(store)
	ctx := context.Background()
	b, _ := svc.Generate(ctx, "meeting", 2026, 1)
	down := errors.New("connection refused")
	store.FailWith(down)
	for _, err := range []error{svc.Check(ctx, "meeting", 2026, b.Tokens[0]), func() error {
		_, err := svc.Claim(ctx, "meeting", 2026, b.Tokens[0])
		return err
	}()} {
		if !errors.Is(err, down) || errors.Is(err, invite.ErrInvalid) || errors.Is(err, invite.ErrUsed) {
			t.Errorf("store down: %v", err)
		}
		if survey.ErrorCode(invite.Refusal(err)) != survey.CodeInternal {
			t.Errorf("refusal of a store failure: %v", invite.Refusal(err))
		}
	}
}

func TestRefusalMessages(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   survey.Code
		fr, es string
	}{
		{invite.ErrMissing, survey.CodeForbidden, "sur invitation", "por invitación"},
		{invite.ErrInvalid, survey.CodeForbidden, "pas valable", "no es válido"},
		{invite.ErrUsed, survey.CodeClosed, "déjà servi", "ya se usó"},
	} {
		e := survey.AsError(invite.Refusal(tc.err))
		if e.Code != tc.code || !strings.Contains(e.Message.In("fr"), tc.fr) || !strings.Contains(e.Message.In("es"), tc.es) ||
			e.Message.In("en") == e.Message.In("fr") || !errors.Is(e, tc.err) {
			t.Errorf("%v: %+v", tc.err, e)
		}
	}
}

func TestLinks(t *testing.T) {
	b := invite.Batch{SurveyID: "partners-meeting", Year: 2026, Tokens: []string{"tok-1", "tok_2"}}
	links := b.Links("https://surveys.example.org/base/")
	if len(links) != 2 || links[0].URL != "https://surveys.example.org/base/s/partners-meeting/2026?t=tok-1" || links[1].N != 2 || links[1].Token != "tok_2" {
		t.Errorf("links %+v", links)
	}
	u, err := url.Parse(links[1].URL)
	if err != nil || u.Query().Get(invite.TokenParam) != "tok_2" {
		t.Errorf("%v %v", u, err)
	}
}

// Lock makes attempts with one token wait for each other, and only those.
func TestLock(t *testing.T) {
	svc := invite.NewService(&invitetest.Memory{})
	unlock := svc.Lock("a")
	other := make(chan struct{})
	go func() { svc.Lock("b")(); close(other) }()
	select {
	case <-other:
	case <-time.After(5 * time.Second):
		t.Fatal("a lock on one token held another")
	}
	var mu sync.Mutex
	order := []string{}
	done := make(chan struct{})
	go func() {
		u := svc.Lock("a")
		mu.Lock()
		order = append(order, "second")
		mu.Unlock()
		u()
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	order = append(order, "first")
	mu.Unlock()
	unlock()
	<-done
	if strings.Join(order, ",") != "first,second" {
		t.Errorf("order %v", order)
	}
}

// Claims from many goroutines through the service: exactly one wins.
func TestConcurrentClaimsOneWins(t *testing.T) {
	svc := invite.NewService(&invitetest.Memory{})
	ctx := context.Background()
	b, _ := svc.Generate(ctx, "meeting", 2026, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 10 {
		wg.Go(func() {
			if _, err := svc.Claim(ctx, "meeting", 2026, b.Tokens[0]); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, invite.ErrUsed) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d claims won", won)
	}
}
