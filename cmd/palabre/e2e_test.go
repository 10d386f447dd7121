package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
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

// TestShutdownFlushesPendingResponses stops palabre (as Ctrl-C does) while acknowledged
// responses wait for their batch: they must be in ClickHouse when serve returns, and the
// journal left with nothing pending.
func TestShutdownFlushesPendingResponses(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(),
		"PALABRE_BATCH_INTERVAL": "1h", "PALABRE_BATCH_ANSWERS": "1000000"}
	if err := run(context.Background(), []string{"import", "--demo"}, envFrom(env), io.Discard); err != nil {
		t.Fatal(err)
	}
	base, _, stop := startServe(t, env)
	const n = 20
	for i := 0; i < n; i++ {
		body := `{"id":"` + survey.NewResponseID().String() + `",
		  "respondent":{"country":"SN","organisation":"Samusocial Sénégal","role":"social_worker","language":"fr"},
		  "answers":{"first_meeting":"no","overall_satisfaction":"satisfied","take_back":["tools"],"recommend":8,
		    "sessions":{"sharing_experiences":"useful","questioning_practices":"useful","pooling_tools":"very_useful",
		      "building_tools":"useful","partner_visit":"very_useful","guide_handover":"useful"}}}`
		resp, err := http.Post(base+"/api/v1/surveys/partners-meeting/editions/2026/responses", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST = %d %s", resp.StatusCode, b)
		}
	}
	if got, _ := db.CountResponses(context.Background(), "partners-meeting", 2026); got != 0 {
		t.Fatalf("%d responses delivered before the batch was due; the test cannot tell a flush", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	got, err := db.CountResponses(context.Background(), "partners-meeting", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("%d responses in ClickHouse after shutdown, want %d", got, n)
	}
}
