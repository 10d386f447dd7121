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
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/expr"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// writeSheets writes sheets of "|"-separated rows as an .xlsx file.
func writeSheets(t *testing.T, path string, sheets map[string]string) {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for _, name := range []string{"survey", "choices", "settings", "editions"} {
		if _, err := x.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, line := range strings.Split(strings.Trim(sheets[name], "\n"), "\n") {
			for c, v := range strings.Split(line, "|") {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := x.SetCellStr(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := x.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// TestParticipantAnswersCalculationsAndCascadingSelects imports an XLSForm with calculate
// rows and a choice_filter (cities by country), answers it in headless Chromium with and
// without JavaScript on the real program, reads the stored answers back from ClickHouse, and
// writes the survey's report over them.
func TestParticipantAnswersCalculationsAndCascadingSelects(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	dir := t.TempDir()
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	today := time.Now().UTC()
	year := today.Year()
	book := filepath.Join(dir, "cascade.xlsx")
	writeSheets(t, book, map[string]string{
		"survey": `type|name|label|calculation|choice_filter|relevant
integer|adults|Adults|||
integer|children|Children|||
calculate|household|Household size|${adults} + coalesce(${children}, 0)||
calculate|size||if(${household} > 4, 'large', 'small')||
note|large_note|A large household||||${size} = 'large'
select_one countries|country|Country|||
select_one cities|city|City||country=${country} or name='other'|
select_multiple cities|visited|Cities visited||country = ${country}|
calculate|first_visit|First city visited|selected-at(${visited}, 0)||`,
		"choices": `list_name|name|label|country
countries|SN|Senegal|
countries|ML|Mali|
cities|dakar|Dakar|SN
cities|thies|Thiès|SN
cities|bamako|Bamako|ML
cities|other|Elsewhere|`,
		"settings": "form_id|form_title|default_language\ncascade|Households|en",
		"editions": "year|opens|closes\n" + strconv.Itoa(year) + "|" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "|" + today.AddDate(0, 0, 30).Format(time.DateOnly),
	})
	if err := run(context.Background(), []string{"import", book}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("import: %v", err)
	}
	base, _, stop := startServe(t, env)
	defer stop()

	page := base + "/s/cascade/" + strconv.Itoa(year)
	for _, tt := range []struct {
		name     string
		noJS     bool
		children string
	}{{"javascript", false, "3"}, {"no-javascript", true, "1"}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			if err := chromedp.Do(ctx, chromedp.Navigate(page),
				browsertest.Fill(browsertest.F("profile.country", "SN"), browsertest.F("profile.organisation", "Samusocial Sénégal"),
					browsertest.F("profile.role", "psychologist"), browsertest.F("adults", "2"), browsertest.F("children", tt.children),
					browsertest.F("country", "SN"))); err != nil {
				t.Fatal(err)
			}
			if tt.noJS {
				// Every city is listed: one of another country is refused, with the server's
				// calculation on the page shown again.
				if err := chromedp.Do(ctx, browsertest.Fill(browsertest.F("city", "bamako")), browsertest.Submit()); err != nil {
					t.Fatal(err)
				}
				summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#errors")))
				out, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#q-household")))
				if !strings.Contains(summary, "does not match your earlier answers") || out != "3" {
					t.Errorf("after a city of another country: errors %q, household %q", summary, out)
				}
			} else {
				out, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#q-household")))
				offered, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.prototype.filter.call(document.getElementsByName('city'), function (e) { return !e.disabled; }).map(function (e) { return e.value; }).join(' ')`))
				if out != "5" || offered != "dakar thies other" {
					t.Errorf("live: household %q, cities offered %q", out, offered)
				}
			}
			if err := chromedp.Do(ctx, browsertest.Fill(browsertest.F("city", "thies"), browsertest.F("visited", "dakar", "thies")),
				browsertest.Submit()); err != nil {
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
			household, size := "5", "large"
			if tt.children == "1" {
				household, size = "3", "small"
			}
			if h := a["household"]; h.Text != household || !h.HasNum || expr.FormatNumber(h.Num) != household {
				t.Errorf("household = %+v, want %s", h, household)
			}
			if a["size"].Text != size || a["size"].HasNum || a["first_visit"].Text != "dakar" {
				t.Errorf("size = %+v, first_visit = %+v", a["size"], a["first_visit"])
			}
			if a["city"].Text != "thies" || strings.Join(a["visited"].Choices, ",") != "dakar,thies" {
				t.Errorf("city = %+v, visited = %+v", a["city"], a["visited"])
			}
		})
	}

	// The report over these answers: calculations counted as numbers or text, no failure.
	report := filepath.Join(dir, "report.xlsx")
	if err := run(context.Background(), []string{"report", "--survey", "cascade", "--lang", "en", "-o", report}, envFrom(env), io.Discard); err != nil {
		t.Fatalf("report: %v", err)
	}
	x, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	found := false
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, r := range rows {
			found = found || strings.Contains(strings.Join(r, "|"), "Household size")
		}
	}
	if !found {
		t.Errorf("the report has no row for the household size; sheets %v", x.GetSheetList())
	}
}
