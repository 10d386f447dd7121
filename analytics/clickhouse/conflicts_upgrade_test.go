package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// A response stored before answers carried their digest (its answer rows read digest 0)
// loses to a version received earlier and delivered late: its answer rows go too.
func TestAVersionStoredBeforeTheUpgradeLosesWhole(t *testing.T) {
	dsn := os.Getenv("PALABRE_TEST_CLICKHOUSE")
	if dsn == "" {
		t.Skip("PALABRE_TEST_CLICKHOUSE is not set")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	db, err := Open(ctx, Config{DSN: dsn + "/test_upgrade_conflict_" + hex.EncodeToString(b), DialTimeout: 2 * time.Second})
	if err != nil {
		unreachable(t, err)
	}
	t.Cleanup(func() { db.DropDatabase(context.Background()); db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	old := &survey.Response{ID: survey.NewResponseID(), SurveyID: "s", Edition: 2026, FormVersion: 1,
		Respondent: survey.Respondent{Country: "SN"}, SubmittedAt: t0, ReceivedAt: t0, Channel: survey.ChannelWeb,
		Answers: []survey.Answer{{Question: "q", Num: 1, HasNum: true}, {Question: "r", Text: "old"}}}
	// As an earlier version stored it: no digest on its answers, none in the keys.
	if err := db.conn.Exec(ctx, `INSERT INTO answers (survey_id, edition, form_version, response_id, submitted_at, country,
 question_key, item_key, value_num, value_text, value_choices)
SELECT 's', 2026, 1, toUUID(?), toDateTime(?), 'SN', 'q', '', toNullable(1.0), '', emptyArrayString()
UNION ALL SELECT 's', 2026, 1, toUUID(?), toDateTime(?), 'SN', 'r', '', CAST(NULL AS Nullable(Float64)), 'old', emptyArrayString()`,
		old.ID.String(), t0.Unix(), old.ID.String(), t0.Unix()); err != nil {
		t.Fatal(err)
	}
	if err := db.conn.Exec(ctx, `INSERT INTO responses (survey_id, edition, form_version, response_id, submitted_at, received_at,
 country, channel, digest, answer_count) SELECT 's', 2026, 1, toUUID(?), toDateTime(?), toDateTime(?), 'SN', 'web', toUInt64(?), 2`,
		old.ID.String(), t0.Unix(), t0.Unix(), old.Digest()); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ReadResponse(ctx, old.ID); err != nil || got.Digest() != old.Digest() {
		t.Fatalf("the old version reads back as %+v (err %v)", got, err)
	}
	earlier := *old
	earlier.Answers = []survey.Answer{{Question: "q", Num: 2, HasNum: true}}
	earlier.ReceivedAt = t0.Add(-time.Minute)
	if err := db.Delivery("late").WriteResponses(ctx, []*survey.Response{&earlier}); err != nil {
		t.Fatal(err)
	}
	got, err := db.ReadResponse(ctx, old.ID)
	if err != nil || got.Digest() != earlier.Digest() {
		t.Fatalf("stored %+v (err %v), want the earlier version alone", got, err)
	}
	cs, err := db.Conflicts(ctx, "s", 2026, 10)
	if err != nil || len(cs) != 1 || cs[0].Digest != old.Digest() || cs[0].Answers != 2 {
		t.Fatalf("conflicts %+v (err %v), want the old version with its 2 answers", cs, err)
	}
}

// unreachable skips t because the test ClickHouse cannot be reached, or fails it under CI
// (any non-empty CI), as clickhousetest.Unavailable does for the other packages' tests:
// `make mutate` runs this package's tests without a ClickHouse.
func unreachable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("ClickHouse is required under CI (CI=%q): %v", os.Getenv("CI"), err)
	}
	t.Skipf("ClickHouse not reachable (start it with `make clickhouse`): %v", err)
}
