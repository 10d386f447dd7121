package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/web/browsertest"
)

// fieldVisitSurvey is an XLSForm with the types ODK forms bring: time, dateTime, geopoint,
// acknowledge, ranges of decimal and whole steps, and choices from CSV files beside it.
var fieldVisitSurvey = [][]string{
	{"type", "name", "label", "required", "parameters"},
	{"acknowledge", "consent", "J'accepte que mes réponses soient utilisées", "yes"},
	{"time", "arrived", "Heure d'arrivée", "yes"},
	{"dateTime", "visit", "Date et heure de la visite", "yes"},
	{"geopoint", "place", "Lieu de la visite", "yes"},
	{"range", "share", "Part du temps passé avec les familles", "yes", "start=0 end=1 step=0.25"},
	{"range", "score", "Note", "yes", "start=0 end=100 step=5"},
	{"select_one_from_file villages.csv", "village", "Village", "yes"},
	{"select_one_external city", "city", "Ville", "yes"},
}

const villagesCSV = "name,label\ndakar,Dakar\nthies,Thiès\nziguinchor,Ziguinchor\n"
const itemsetsCSV = "list_name,name,label,region\ncity,pikine,Pikine,dk\ncity,rufisque,Rufisque,dk\n"

func writeFieldVisit(t *testing.T, dir string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheets := map[string][][]string{
		"survey":   fieldVisitSurvey,
		"settings": {{"form_id", "form_title", "version"}, {"field-visit", "Visite de terrain", "1"}},
		"editions": {{"year"}, {"2026"}},
	}
	if err := f.SetSheetName("Sheet1", "survey"); err != nil {
		t.Fatal(err)
	}
	for name, rows := range sheets {
		if name != "survey" {
			if _, err := f.NewSheet(name); err != nil {
				t.Fatal(err)
			}
		}
		for r, cells := range rows {
			for c, v := range cells {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	path := filepath.Join(dir, "field-visit.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"villages.csv": villagesCSV, "itemsets.csv": itemsetsCSV} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestParticipantAnswersXLSFormTypes imports an XLSForm with time, dateTime, geopoint,
// acknowledge, ranges and choices from CSV files into the real program, answers it in
// headless Chromium with JavaScript (the position from the device, through the DevTools
// protocol's geolocation override) and without (the position typed), and reads the stored
// answers back from ClickHouse; the report of the edition is then written without error.
func TestParticipantAnswersXLSFormTypes(t *testing.T) {
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	env := map[string]string{"PALABRE_CLICKHOUSE": dsn, "PALABRE_DATA": t.TempDir(), "PALABRE_BATCH_INTERVAL": "50ms"}
	dir := t.TempDir()
	form := writeFieldVisit(t, dir)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", form}, envFrom(env), &out); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	base, _, stop := startServe(t, env)
	defer stop()

	for _, tt := range []struct {
		name  string
		noJS  bool
		place []browsertest.Field // typed without JavaScript; with it, the button fills it
		want  string              // the position stored
	}{
		{"javascript", false, nil, "14.6937 -17.4441 0 12"},
		{"no-javascript", true, []browsertest.Field{browsertest.F("place", "12.5833, -16.2719")}, "12.5833 -16.2719 0 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.NewContext(t, browsertest.Options{NoJavaScript: tt.noJS})
			page := base + "/s/field-visit/2026"
			if !tt.noJS {
				lat, lon, acc := 14.6937, -17.4441, 12.0
				err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					u, _ := url.Parse(base)
					if _, err := cdp.Call(ctx, tg, browser.SetPermission, browser.SetPermissionParams{
						Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted,
						Origin: u.Scheme + "://" + u.Host}); err != nil {
						return err
					}
					_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
						Latitude: &lat, Longitude: &lon, Accuracy: &acc})
					return err
				}))
				if err != nil {
					t.Fatalf("grant geolocation: %v", err)
				}
			}
			fields := []browsertest.Field{
				browsertest.F("profile.country", "SN"),
				browsertest.F("profile.organisation", "Samusocial Sénégal"),
				browsertest.F("profile.role", "social_worker"),
				browsertest.F("consent", "OK"),
				browsertest.F("arrived", "09:45"),
				browsertest.F("visit", "2026-03-14T16:30"),
			}
			fields = append(fields, tt.place...)
			fields = append(fields,
				browsertest.F("share", "0.75"),
				browsertest.F("score", "85"),
				browsertest.F("village", "thies"),
				browsertest.F("city", "rufisque"))
			steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(page), browsertest.Fill(fields...)}
			if !tt.noJS {
				steps = append(steps, chromedp.Click(chromedp.CSS(`button.geo`)),
					chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
						_, err := chromedp.Poll[bool](`document.getElementById('q-place').value !== ''`)(ctx, tg)
						return err
					}))
			}
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatalf("fill: %v", err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "xlsform-types-form-"+tt.name)
			if err := chromedp.Do(ctx, browsertest.Submit()); err != nil {
				t.Fatalf("submit: %v", err)
			}
			browsertest.Screenshot(ctx, t, browsertest.Dir(t), "xlsform-types-"+tt.name)
			end, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			got := storedResponse(t, db, end)
			answers := map[string]survey.Answer{}
			for _, a := range got.Answers {
				answers[a.Question] = a
			}
			for key, want := range map[string]survey.Answer{
				"consent": {Question: "consent", Text: "OK", Num: 1, HasNum: true},
				"arrived": {Question: "arrived", Text: "09:45"},
				"visit":   {Question: "visit", Text: "2026-03-14T16:30"},
				"place":   {Question: "place", Text: tt.want},
				"share":   {Question: "share", Num: 0.75, HasNum: true},
				"score":   {Question: "score", Num: 85, HasNum: true},
				"village": {Question: "village", Text: "thies"},
				"city":    {Question: "city", Text: "rufisque"},
			} {
				if a := answers[key]; a.Text != want.Text || a.Num != want.Num || a.HasNum != want.HasNum {
					t.Errorf("%s stored %+v, want %+v", key, a, want)
				}
			}
		})
	}
	report := filepath.Join(t.TempDir(), "report.xlsx")
	out.Reset()
	if err := run(context.Background(), []string{"report", "--survey", "field-visit", "-o", report}, envFrom(env), &out); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	wb, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	var all strings.Builder
	for _, sh := range wb.GetSheetList() {
		rows, _ := wb.GetRows(sh)
		for _, r := range rows {
			all.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	for _, want := range []string{"12.5833 -16.2719 0 0", "2026-03-14T16:30", "09:45", "Confirmé"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}
