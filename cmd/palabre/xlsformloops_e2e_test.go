package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/web/browsertest"
)

const townsCSV = "name,label,region,code\nport,Port,north,P1\nhill,Hill,south,H2\ncove,Cove,north,C3\n"

// TestParticipantAnswersXLSFormLoops imports an XLSForm with the constructs of pyxform's
// examples palabre reads by expanding or mapping them: a loop over a choices list (its
// questions once per choice, with %(label)s put in), a hidden field with a default, a note
// with a calculation that a later skip reads, choices from a CSV file beside the workbook
// filtered by an earlier answer, pulldata() from that file, a barcode typed, the questions
// of another workbook included and a trigger.
// It answers the form in headless Chromium with JavaScript and without, and reads the stored
// answers back from ClickHouse.
func TestParticipantAnswersXLSFormLoops(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	dir := t.TempDir()
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	today := time.Now().UTC()
	year := today.Year()
	book := filepath.Join(dir, "rooms.xlsx")
	writeSheets(t, book, map[string]string{
		"survey": `type|name|label|calculation|default|choice_filter|relevant|required
select_one places|place|Place|||||yes
begin loop over furniture|rooms|Rooms||||
integer|count|How many %(label)s?|||||yes
text|%(name)s_note|What is wrong with the %(label)s?||||${count} > 0|
end loop
hidden|campaign|||spring|||
note|total|Pieces of furniture|${rooms_chairs_count} + ${rooms_tables_count}||||
text|why_many|Why so many?||||${total} > 5|
select_one_from_file towns.csv|town|Town|||region = ${place}||yes
calculate|code||pulldata('towns', 'code', 'name', ${town})||||
barcode|ticket|Ticket number|||||
include|visit_mood||||||
trigger|seen|I have read the instructions|||||yes`,
		"choices": `list_name|name|label
places|north|North
places|south|South
furniture|chairs|chairs
furniture|tables|tables`,
		"settings": "form_id|form_title|default_language\nrooms|Rooms|en",
		"editions": "year|opens|closes\n" + strconv.Itoa(year) + "|" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "|" + today.AddDate(0, 0, 30).Format(time.DateOnly),
	})
	writeSheets(t, filepath.Join(dir, "visit_mood.xlsx"), map[string]string{
		"survey":  "type|name|label\nselect_one moods|mood|How was the visit?",
		"choices": "list_name|name|label\nmoods|calm|Calm\nmoods|tense|Tense",
	})
	if err := os.WriteFile(filepath.Join(dir, "towns.csv"), []byte(townsCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"import", book}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import: %v", err)
	}
	base, _, stop := startServe(t, env)
	defer stop()

	page := base + "/s/rooms/" + strconv.Itoa(year)
	for _, tt := range []struct {
		name   string
		noJS   bool
		chairs string
	}{{"javascript", false, "7"}, {"no-javascript", true, "2"}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			fields := []browsertest.Field{browsertest.F("profile.country", "SN"), browsertest.F("profile.organisation", "Samusocial Sénégal"),
				browsertest.F("profile.role", "psychologist"), browsertest.F("place", "north"),
				browsertest.F("rooms_chairs_count", tt.chairs), browsertest.F("chairs_note", "wobbly"),
				browsertest.F("rooms_tables_count", "0")}
			if err := chromedp.Do(ctx, chromedp.Navigate(page), browsertest.Fill(fields...)); err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Rooms: chairs", "How many chairs?", "Rooms: tables", "How many tables?", "Pieces of furniture", "Ticket number", "How was the visit?"} {
				if !strings.Contains(text, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if !tt.noJS {
				// Live: the note's value, the skip it drives, the towns of the place chosen.
				total, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#q-total")))
				offered, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.prototype.filter.call(document.getElementsByName('town'), function (e) { return !e.disabled; }).map(function (e) { return e.value; }).join(' ')`))
				tablesNote, _ := browsertest.Shown(ctx, "tables_note")
				if total != "7" || offered != "port cove" || tablesNote {
					t.Errorf("live: total %q, towns offered %q, tables_note shown %v", total, offered, tablesNote)
				}
			} else {
				// Without a script every town is listed: one of the other place is refused.
				if err := chromedp.Do(ctx, browsertest.Fill(browsertest.F("town", "hill")), browsertest.Submit()); err != nil {
					t.Fatal(err)
				}
				summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#errors")))
				if !strings.Contains(summary, "does not match your earlier answers") {
					t.Errorf("after a town of the other place: errors %q", summary)
				}
			}
			more := []browsertest.Field{browsertest.F("town", "cove"), browsertest.F("ticket", "ABC-123"), browsertest.F("mood", "tense"), browsertest.F("seen", "OK")}
			if tt.chairs == "7" {
				more = append([]browsertest.Field{browsertest.F("why_many", "a meeting room")}, more...)
			}
			if err := chromedp.Do(ctx, browsertest.Fill(more...)); err != nil {
				t.Fatal(err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "xlsform-loops-form-"+tt.name)
			if err := chromedp.Do(ctx, browsertest.Submit()); err != nil {
				t.Fatal(err)
			}
			end, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			got := storedResponse(t, db, end)
			a := map[string]survey.Answer{}
			for _, x := range got.Answers {
				a[x.Question] = x
			}
			n, _ := strconv.Atoi(tt.chairs)
			for key, want := range map[string]survey.Answer{
				"place":              {Text: "north"},
				"rooms_chairs_count": {Num: float64(n), HasNum: true},
				"chairs_note":        {Text: "wobbly"},
				"rooms_tables_count": {Num: 0, HasNum: true},
				"campaign":           {Text: "spring"},
				"total":              {Text: tt.chairs, Num: float64(n), HasNum: true},
				"town":               {Text: "cove"},
				"code":               {Text: "C3"},
				"ticket":             {Text: "ABC-123"},
				"mood":               {Text: "tense"},
				"seen":               {Text: "OK", Num: 1, HasNum: true},
			} {
				if x, ok := a[key]; !ok || x.Text != want.Text || x.Num != want.Num || x.HasNum != want.HasNum {
					t.Errorf("%s stored %+v (found %v), want %+v", key, x, ok, want)
				}
			}
			if _, ok := a["tables_note"]; ok {
				t.Errorf("tables_note stored though not asked: %+v", a["tables_note"])
			}
			if w, ok := a["why_many"]; (tt.chairs == "7") != ok || (ok && w.Text != "a meeting room") {
				t.Errorf("why_many %+v (stored %v)", w, ok)
			}
		})
	}

	// The report over these answers: the loop's questions, the note's value and the hidden
	// field are analysed like any other.
	report := filepath.Join(dir, "report.xlsx")
	if err := run(context.Background(), []string{"report", "--survey", "rooms", "--lang", "en", "-o", report}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("report: %v", err)
	}
	x, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var all strings.Builder
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, r := range rows {
			all.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	for _, want := range []string{"How many chairs?", "How many tables?", "Pieces of furniture", "How was the visit?", "ABC-123", "spring", "C3"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}
