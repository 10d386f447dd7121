package main

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// TestParticipantAnswersOrOtherAndNestedGroups imports an XLSForm with a select_one …
// or_other and groups nested two deep (the inner one asked only when the outer answer
// allows), answers it in headless Chromium with and without JavaScript on the real program,
// and reads the stored answers back from ClickHouse.
func TestParticipantAnswersOrOtherAndNestedGroups(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	today := time.Now().UTC()
	year := today.Year()
	book := filepath.Join(t.TempDir(), "travel.xlsx")
	writeSheets(t, book, map[string]string{
		"survey": `type|name|label|relevant
select_one transport or_other|transport|How did you come?|
begin_group|travel|Travel|
integer|nights|Nights away|
begin group|hotel|Hotel|${nights} > 0
select_one fine|hotel_ok|Was the hotel fine?|
text|hotel_issue|What went wrong?|${hotel_ok} = 'no'
end group||
end_group||
text|last|Anything else?|`,
		"choices": `list_name|name|label
transport|bus|Bus
transport|plane|Plane
fine|good|Good
fine|poor|Poor
fine|no|Not at all`,
		"settings": "form_id|form_title|default_language\ntravel|Travel|en",
		"editions": "year|opens|closes\n" + strconv.Itoa(year) + "|" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "|" + today.AddDate(0, 0, 30).Format(time.DateOnly),
	})
	if err := run(context.Background(), []string{"import", book}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import: %v", err)
	}
	base, _, stop := startServe(t, env)
	defer stop()
	profile := []browsertest.Field{browsertest.F("profile.country", "SN"), browsertest.F("profile.organisation", "Samusocial Sénégal"),
		browsertest.F("profile.role", "psychologist")}

	for _, tt := range []struct {
		name    string
		noJS    bool
		answers []browsertest.Field
		want    map[string]string // question → stored text ("" for not stored)
	}{
		{"javascript", false, []browsertest.Field{browsertest.F("transport", "other"), browsertest.F("transport_other", "Boat"),
			browsertest.F("nights", "2"), browsertest.F("hotel_ok", "no"), browsertest.F("hotel_issue", "Noisy"), browsertest.F("last", "Thanks")},
			map[string]string{"transport": "other", "transport_other": "Boat", "nights": "2", "hotel_ok": "no", "hotel_issue": "Noisy", "last": "Thanks"}},
		{"no-javascript", true, []browsertest.Field{browsertest.F("transport", "bus"), browsertest.F("nights", "0"), browsertest.F("last", "Fine")},
			map[string]string{"transport": "bus", "transport_other": "", "nights": "0", "hotel_ok": "", "hotel_issue": "", "last": "Fine"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			if !tt.noJS {
				// Skip logic in the page: the hotel's questions wait for the nights, the other
				// transport's text for "other".
				if err := chromedp.Do(ctx, chromedp.Navigate(base+"/s/travel/"+strconv.Itoa(year))); err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{"transport_other", "hotel_ok", "hotel_issue"} {
					if shown, _ := browsertest.Shown(ctx, key); shown {
						t.Errorf("%s is shown before the answers that ask it", key)
					}
				}
			}
			end, err := browsertest.FillAndSubmit(ctx, base+"/s/travel/"+strconv.Itoa(year), append(profile, tt.answers...)...)
			if err != nil {
				t.Fatal(err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "or-other-nested-"+tt.name)
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
			if strings.Contains(strings.Join(mapKeys(stored), " "), "travel") {
				t.Errorf("a group was stored as an answer: %v", stored)
			}
		})
	}
}

func mapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
