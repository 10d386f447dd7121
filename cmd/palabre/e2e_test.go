package main

import (
	"context"
	"io"
	"net/url"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// TestParticipantAnswersTheDemoSurvey is the participant's whole path on the real program: the
// demo survey is imported, a phone-sized headless Chromium answers it (taking a skip-logic
// branch), submits, and the response's rows are read back from ClickHouse, with JavaScript
// and without.
func TestParticipantAnswersTheDemoSurvey(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	if err := run(context.Background(), []string{"import", "--demo"}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import --demo: %v", err)
	}
	base, _, stop := startServe(t, env)
	defer stop()

	fields := []browsertest.Field{
		browsertest.F("profile.country", "MA"),
		browsertest.F("profile.organisation", "100% Mamans"),
		browsertest.F("profile.role", "psychologist"),
		browsertest.F("first_meeting", "no"),
		browsertest.F("overall_satisfaction", "very_satisfied"),
		browsertest.F("sessions.sharing_experiences", "very_useful"),
		browsertest.F("sessions.questioning_practices", "useful"),
		browsertest.F("sessions.pooling_tools", "useful"),
		browsertest.F("sessions.building_tools", "slightly_useful"),
		browsertest.F("sessions.partner_visit", "very_useful"),
		browsertest.F("sessions.guide_handover", "very_useful"),
		browsertest.F("interpretation", "good"),
		browsertest.F("take_back", "tools", "other"),
		browsertest.F("take_back_other", "Une grille d'observation des familles"),
		browsertest.F("recommend", "9"),
		browsertest.F("comments", "Merci pour l'accueil à Tanger.\nÀ l'année prochaine !"),
	}
	for _, tt := range []struct {
		name string
		noJS bool
	}{{"javascript", false}, {"no-javascript", true}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			end, err := browsertest.FillAndSubmit(ctx, base+"/s/partners-meeting/2026", fields...)
			if err != nil {
				t.Fatalf("fill and submit: %v", err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "e2e-thanks-"+tt.name)
			u, err := url.Parse(end)
			if err != nil {
				t.Fatal(err)
			}
			id, err := survey.ParseResponseID(u.Query().Get("id"))
			if err != nil {
				t.Fatalf("ended on %s, not on the thank-you page: %v", end, err)
			}
			var got *survey.Response
			waitFor(t, "the response in ClickHouse", func() bool {
				got, err = db.ReadResponse(context.Background(), id)
				return err == nil
			})
			if got.Country != "MA" || got.Organisation != "100% Mamans" || got.Role != "psychologist" || got.Edition != 2026 {
				t.Errorf("stored profile = %+v", got.Respondent)
			}
			answers := map[string]survey.Answer{}
			for _, a := range got.Answers {
				answers[a.Question+"/"+a.Item] = a
			}
			if a := answers["take_back_other/"]; a.Text != "Une grille d'observation des familles" {
				t.Errorf("the skip-logic branch's answer = %+v", a)
			}
			if a := answers["sessions/building_tools"]; a.Text != "slightly_useful" || a.Num != 2 {
				t.Errorf("matrix row = %+v", a)
			}
			if a := answers["recommend/"]; !a.HasNum || a.Num != 9 {
				t.Errorf("rating = %+v", a)
			}
			if _, ok := answers["felt_welcome/"]; ok {
				t.Error("a question of a group hidden by skip logic was stored")
			}
			if a := answers["comments/"]; a.Text != "Merci pour l'accueil à Tanger.\nÀ l'année prochaine !" {
				t.Errorf("comment = %q", a.Text)
			}
		})
	}
}
