package clickhouse_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/invite"
	"github.com/palabre/palabre/survey/invite/invitetest"
	"github.com/palabre/palabre/survey/surveytest"
)

func TestInviteStoreContract(t *testing.T) {
	invitetest.StoreContract(t, clickhousetest.Open(t).Invitations())
}

// Two requests claiming one token at once through the service, over the real store: exactly
// one wins, whatever the timing, and the loser is told the link was used.
func TestInviteConcurrentClaimsExactlyOneWins(t *testing.T) {
	svc := invite.NewService(clickhousetest.Open(t).Invitations())
	ctx := context.Background()
	for round := range 5 {
		b, err := svc.Generate(ctx, "meeting", 2026, 1)
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, 2)
		)
		for i := range errs {
			wg.Go(func() {
				<-start
				_, errs[i] = svc.Claim(ctx, "meeting", 2026, b.Tokens[0])
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, invite.ErrUsed):
				t.Fatalf("round %d: claim: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of 2 concurrent claims won (%v)", round, won, errs)
		}
	}
	c, err := svc.Counts(ctx, "meeting", 2026)
	if err != nil || c != (invite.Counts{Generated: 5, Used: 5}) {
		t.Errorf("counts %+v, %v", c, err)
	}
}

// Many claims at once on the raw store: at most one wins, and none leaves the invitation
// spent without a winner.
func TestInviteStoreManyConcurrentClaims(t *testing.T) {
	store := clickhousetest.Open(t).Invitations()
	if err := store.Add(context.Background(), []invite.Invitation{{Hash: "x", SurveyID: "meeting", Year: 2026, Batch: "b", Created: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	invitetest.ConcurrentClaims(t, store, "x", 16)
}

// A batch of the largest size goes in one insert (an inline query would pass ClickHouse's
// query size limit).
func TestInviteGenerateLargestBatch(t *testing.T) {
	svc := invite.NewService(clickhousetest.Open(t).Invitations())
	ctx := context.Background()
	b, err := svc.Generate(ctx, "meeting", 2026, invite.MaxBatch)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Check(ctx, "meeting", 2026, b.Tokens[invite.MaxBatch-1]); err != nil {
		t.Errorf("last token: %v", err)
	}
	if c, err := svc.Counts(ctx, "meeting", 2026); err != nil || c.Generated != invite.MaxBatch || c.Used != 0 {
		t.Errorf("counts %+v, %v", c, err)
	}
}

// The edition's access mode is stored and read back; an edition saved before the column
// existed reads as open.
func TestEditionAccessRoundTrip(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	f := clickhouseForm(t, db)
	open := survey.Edition{SurveyID: f.SurveyID, Year: 2025, FormVersion: f.Version}
	closed := survey.Edition{SurveyID: f.SurveyID, Year: 2026, FormVersion: f.Version, Access: survey.AccessInvitation}
	for _, e := range []survey.Edition{open, closed} {
		if err := db.SaveEdition(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveEdition(ctx, survey.Edition{SurveyID: f.SurveyID, Year: 2027, FormVersion: f.Version, Access: "secret"}); survey.ErrorCode(err) != survey.CodeInvalid {
		t.Errorf("unknown access mode: %v", err)
	}
	all, err := db.Surveys(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("surveys %+v, %v", all, err)
	}
	got := all[0].Editions
	if len(got) != 2 || got[0].Access != survey.AccessOpen || got[1].Access != survey.AccessInvitation {
		t.Errorf("editions %+v", got)
	}
	// Opening an edition again replaces its access mode.
	closed.Access = survey.AccessOpen
	if err := db.SaveEdition(ctx, closed); err != nil {
		t.Fatal(err)
	}
	if all, _ = db.Surveys(ctx); all[0].Editions[1].Access != survey.AccessOpen {
		t.Errorf("after reopening: %+v", all[0].Editions[1])
	}
}

// Migrating a database whose editions table already has the column (another process added it
// first) succeeds: ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS.
func TestMigrateAccessColumnTwice(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	if err := clickhouse.ApplyMigration(ctx, db, 14); err != nil {
		t.Fatalf("adding the access column again: %v", err)
	}
	// Other failures still fail: only an existing column is excused.
	if err := clickhouse.ApplySQL(ctx, db, "ALTER TABLE editions ADD COLUMN other NoSuchType"); err == nil {
		t.Error("a column of an unknown type was added")
	}
	if err := clickhouse.ApplySQL(ctx, db, "ALTER TABLE no_such_table ADD COLUMN access String"); err == nil {
		t.Error("a column was added to a missing table")
	}
}

func clickhouseForm(t *testing.T, db *clickhouse.DB) *survey.Form {
	t.Helper()
	f := surveytest.FeedbackForm("meeting")
	if err := db.SaveForm(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

// BenchmarkInviteClaim is what an edition by invitation adds to one new response: the claim
// of its link (the link's lookup and use count, then the claim's check, insert and read).
func BenchmarkInviteClaim(b *testing.B) {
	svc := invite.NewService(clickhousetest.Open(b).Invitations())
	ctx := context.Background()
	batch, err := svc.Generate(ctx, "meeting", 2026, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := svc.Claim(ctx, "meeting", 2026, batch.Tokens[i]); err != nil {
			b.Fatal(err)
		}
	}
}
