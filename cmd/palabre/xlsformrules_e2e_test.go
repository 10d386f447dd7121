package main

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// TestParticipantAnswersForwardReferences imports an XLSForm whose first questions are
// asked only for answers given later in the form (a relevant on a later yes/no, a relevant
// on a calculation over a later number), with names starting with '_' and a select_one of
// one choice, as ODK accepts them. It answers it in headless Chromium with and without
// JavaScript, each way with the later answers showing and hiding the earlier questions, on
// the real program, and reads the stored answers back from ClickHouse.
func TestParticipantAnswersForwardReferences(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	today := time.Now().UTC()
	year := today.Year()
	book := filepath.Join(t.TempDir(), "contact.xlsx")
	writeSheets(t, book, map[string]string{
		"survey": `type|name|label|relevant|calculation
text|email|Your e-mail address|${contact} = 'yes'|
text|_1|Why so long?|${_double} > 6|
calculate|_double|Days counted twice||${nights} * 2
select_one yn|contact|May we write to you?||
integer|nights|Nights away||
select_one agree|consent|Consent||`,
		"choices": `list_name|name|label
yn|yes|Yes
yn|no|No
agree|ok|I agree`,
		"settings": "form_id|form_title|default_language\ncontact|Contact|en",
		"editions": "year|opens|closes\n" + strconv.Itoa(year) + "|" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "|" + today.AddDate(0, 0, 30).Format(time.DateOnly),
	})
	if err := run(context.Background(), []string{"import", book}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import: %v", err)
	}
	base, _, stop := startServe(t, env)
	defer stop()
	page := base + "/s/contact/" + strconv.Itoa(year)
	profile := []browsertest.Field{browsertest.F("profile.country", "SN"), browsertest.F("profile.organisation", "Samusocial Sénégal"),
		browsertest.F("profile.role", "psychologist")}
	F := browsertest.F

	for _, tt := range []struct {
		name    string
		noJS    bool
		answers []browsertest.Field // the later answers first: with script, they show the earlier questions
		want    map[string]string   // question → stored text ("" for not stored)
	}{
		{"javascript-shown", false, []browsertest.Field{F("contact", "yes"), F("nights", "4"), F("email", "ana@example.org"), F("_1", "A long trip"), F("consent", "ok")},
			map[string]string{"email": "ana@example.org", "_1": "A long trip", "_double": "8", "contact": "yes", "nights": "4", "consent": "ok"}},
		{"javascript-hidden", false, []browsertest.Field{F("contact", "no"), F("nights", "1")},
			map[string]string{"email": "", "_1": "", "_double": "2", "contact": "no", "nights": "1", "consent": ""}},
		{"no-javascript-shown", true, []browsertest.Field{F("email", "bob@example.org"), F("_1", "Far away"), F("contact", "yes"), F("nights", "5"), F("consent", "ok")},
			map[string]string{"email": "bob@example.org", "_1": "Far away", "_double": "10", "contact": "yes", "nights": "5", "consent": "ok"}},
		{"no-javascript-hidden", true, []browsertest.Field{F("email", "eve@example.org"), F("_1", "Not asked"), F("contact", "no"), F("nights", "2")},
			map[string]string{"email": "", "_1": "", "_double": "4", "contact": "no", "nights": "2", "consent": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			if !tt.noJS {
				// Skip logic in the page: the earlier questions wait for the later answers.
				if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{"email", "_1"} {
					if shown, _ := browsertest.Shown(ctx, key); shown {
						t.Errorf("%s is shown before the later answer that asks it", key)
					}
				}
				if err := chromedp.Do(ctx, browsertest.Fill(tt.answers[:2]...)); err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{"email", "_1"} {
					if shown, _ := browsertest.Shown(ctx, key); shown != (tt.want[key] != "") {
						t.Errorf("%s shown %v after %v", key, shown, tt.answers[:2])
					}
				}
				calc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-calc="_double"]').textContent`))
				if err != nil || calc != tt.want["_double"] {
					t.Errorf("_double shows %q (%v), want %q", calc, err, tt.want["_double"])
				}
			}
			end, err := browsertest.FillAndSubmit(ctx, page, append(profile, tt.answers...)...)
			if err != nil {
				t.Fatal(err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "forward-references-"+tt.name)
			got := storedResponse(t, db, end)
			stored := map[string]string{}
			for _, a := range got.Answers {
				stored[a.Question] = a.Text
				if a.HasNum && a.Text == "" {
					stored[a.Question] = strconv.FormatFloat(a.Num, 'f', -1, 64)
				}
			}
			for q, want := range tt.want {
				if stored[q] != want {
					t.Errorf("%s stored %q, want %q (all: %v)", q, stored[q], want, stored)
				}
			}
		})
	}
}
