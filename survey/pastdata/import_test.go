package pastdata_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/pastdata"
)

var importNow = time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)

// readFile writes data to a temporary file, as the command line gets it, and reads it back.
func readFile(t testing.TB, name string, data []byte) *pastdata.Table {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := pastdata.ReadTable(path, b)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// sameResponses checks that got holds exactly the responses of want, answers, profile and
// times included.
func sameResponses(t *testing.T, got, want []*survey.Response) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d responses, want %d", len(got), len(want))
	}
	byID := map[survey.ResponseID]*survey.Response{}
	for _, r := range got {
		byID[r.ID] = r
	}
	for i, w := range want {
		g := byID[w.ID]
		switch {
		case g == nil:
			t.Fatalf("response %d (%s) missing", i, w.ID)
		case g.Digest() != w.Digest():
			t.Fatalf("response %d differs:\n got %+v\nwant %+v", i, *g, *w)
		case !g.SubmittedAt.Equal(w.SubmittedAt) || g.Channel != survey.ChannelImport:
			t.Fatalf("response %d: submitted %v via %q, want %v via import", i, g.SubmittedAt, g.Channel, w.SubmittedAt)
		}
	}
}

func TestReadKoboLabelsXLSX(t *testing.T) {
	d := loadDemo(t)
	data, want := genExport(t, d, 2019, 300, exportStyle{labels: true, sep: "/", split: true}, 1)
	set, err := pastdata.Read(readFile(t, "export.xlsx", data), d.target(t, 2019), nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	sameResponses(t, set.Responses, want)
	if set.Rows != 300 || set.Answers == 0 {
		t.Fatalf("rows %d, answers %d", set.Rows, set.Answers)
	}
}

func TestReadODKValuesCSV(t *testing.T) {
	d := loadDemo(t)
	data, want := genExport(t, d, 2021, 300, exportStyle{sep: "-", csv: true}, 2)
	if !strings.HasPrefix(string(data), "\uFEFF") || !strings.Contains(strings.SplitN(string(data), "\n", 2)[0], "content-sessions-pooling_tools;") {
		t.Fatalf("the generator's CSV is not what the test means: %.200s", data)
	}
	set, err := pastdata.Read(readFile(t, "export.csv", data), d.target(t, 2021), nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	sameResponses(t, set.Responses, want)
}

func TestReadSplitOnlyAndCommaCSV(t *testing.T) {
	d := loadDemo(t)
	csv := "_uuid,end,country,organisation,role,first_meeting,overall_satisfaction,sessions/sharing_experiences,sessions/questioning_practices," +
		"sessions/pooling_tools,sessions/building_tools,sessions/partner_visit,sessions/guide_handover,take_back/tools,take_back/contacts,recommend\n" +
		"A1,2022-11-03T10:00:00.000+01:00,Pérou,Asociación Wawa,Psicólogo·a,Sí,Muy satisfecho·a,Muy útil,Útil,Poco útil,Nada útil,Útil,Útil,1,True,9\n"
	set, err := pastdata.Read(readFile(t, "x.csv", []byte(csv)), d.target(t, 2022), nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	r := set.Responses[0]
	if r.Country != "PE" || r.Role != "psychologist" || r.Language != "fr" || !r.SubmittedAt.Equal(time.Date(2022, 11, 3, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("profile %+v at %v", r.Respondent, r.SubmittedAt)
	}
	got := map[string]survey.Answer{}
	for _, a := range r.Answers {
		got[a.Question+"."+a.Item] = a
	}
	if a := got["take_back."]; !slices.Equal(a.Choices, []string{"tools", "contacts"}) {
		t.Fatalf("take_back = %v", a.Choices)
	}
	if a := got["sessions.pooling_tools"]; a.Text != "slightly_useful" || a.Num != 2 {
		t.Fatalf("sessions.pooling_tools = %+v", a)
	}
	if got["first_meeting."].Text != "yes" || got["overall_satisfaction."].Text != "very_satisfied" {
		t.Fatalf("answers %+v", r.Answers)
	}
	if r.ID != pastdata.ResponseID("partners-meeting", "a1") {
		t.Fatal("the id is not derived from the survey and the export's _uuid")
	}
}

func TestMappingFile(t *testing.T) {
	d := loadDemo(t)
	m, err := pastdata.ParseMapping(strings.NewReader(`
columns:
  ID: meta.id
  Q1: first_meeting
  Satisf: overall_satisfaction
  Reco: recommend
  "Useful sharing": sessions.sharing_experiences
  "Took tools": take_back.tools
  Remarks: "-"
values:
  overall_satisfaction: {"Très content": very_satisfied}
constants:
  country: SN
  organisation: Foyer Saint-Paul
  role: lawyer
`))
	if err != nil {
		t.Fatal(err)
	}
	// A column the mapping names is read as it says, even one that looks like a meta column.
	m.Columns["_uuid"] = "-"
	csv := "ID;_uuid;Q1;Satisf;Reco;Useful sharing;Took tools;Remarks;s_q;s_p;s_b;s_v;s_g\n" +
		"x;B2;non;Très content;10;Utile;1;Très bien;useful;useful;useful;useful;useful\n"
	for col, it := range map[string]string{"s_q": "questioning_practices", "s_p": "pooling_tools", "s_b": "building_tools", "s_v": "partner_visit", "s_g": "guide_handover"} {
		m.Columns[col] = "sessions." + it
	}
	set, err := pastdata.Read(readFile(t, "m.csv", []byte(csv)), d.target(t, 2023), m, importNow)
	if err != nil {
		t.Fatal(err)
	}
	r := set.Responses[0]
	if r.ID != pastdata.ResponseID("partners-meeting", "x") {
		t.Fatal("the id does not come from the column mapped to meta.id")
	}
	if r.Country != "SN" || r.Role != "lawyer" || r.Organisation != "Foyer Saint-Paul" {
		t.Fatalf("constants not applied: %+v", r.Respondent)
	}
	if !slices.ContainsFunc(r.Answers, func(a survey.Answer) bool { return a.Question == "overall_satisfaction" && a.Text == "very_satisfied" }) {
		t.Fatalf("value mapping not applied: %+v", r.Answers)
	}
	if _, err := pastdata.ParseMapping(strings.NewReader("colums: {}\n")); err == nil {
		t.Fatal("a misspelt key is accepted")
	}
	if _, err := pastdata.ParseMapping(strings.NewReader("constants: {city: Dakar}\n")); err == nil {
		t.Fatal("an unknown constant is accepted")
	}
}

func TestProblemsNameRowColumnValue(t *testing.T) {
	d := loadDemo(t)
	data, _ := genExport(t, d, 2019, 20, exportStyle{sep: "/", csv: true}, 3)
	data = editCSV(t, data, func(recs [][]string) {
		recs[7][slices.Index(recs[0], "recommend")] = "11" // row 8 of the file
	})
	_, err := pastdata.Read(readFile(t, "bad.csv", data), d.target(t, 2019), nil, importNow)
	var refused *pastdata.Refused
	if !errors.As(err, &refused) || len(refused.Problems) != 1 {
		t.Fatalf("err = %v", err)
	}
	p := refused.Problems[0]
	if p.Row != 8 || p.Column != "recommend" || p.Value != "11" || !strings.Contains(p.Reason, "10") {
		t.Fatalf("problem %+v", p)
	}

	// Columns that name nothing, a missing id column, an unknown choice, a duplicate id,
	// and a profile no column gives.
	csv := "mystery;first_meeting\n1;yes\n"
	_, err = pastdata.Read(readFile(t, "c.csv", []byte(csv)), d.target(t, 2019), nil, importNow)
	if !errors.As(err, &refused) || len(refused.Problems) != 2 || refused.Problems[0].Column != "mystery" || refused.Problems[1].Row != 1 {
		t.Fatalf("err = %v", err)
	}
	csv = "_uuid;_id;_index;_validation_status;start;end;first_meeting;country;role;organisation;overall_satisfaction\n" +
		"u1;1;1;;;;yes;SN;lawyer;A;peut-être\n" +
		"u1;2;2;;;;yes;SN;lawyer;A;satisfied\n" +
		"u3;3;3;;;;yes;;lawyer;A;satisfied\n"
	_, err = pastdata.Read(readFile(t, "d.csv", []byte(csv)), d.target(t, 2019), nil, importNow)
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, p := range refused.Problems {
		got = append(got, fmt.Sprintf("%d|%s|%s", p.Row, p.Column, p.Value))
	}
	for _, w := range []string{"2|overall_satisfaction|peut-être", "3|_uuid|u1", "4||"} {
		if !slices.Contains(got, w) {
			t.Errorf("no problem %s among %q", w, got)
		}
	}
}

// memStore is an in-memory Store; failAfter > 0 makes WriteResponses write that many
// responses, then fail.
type memStore struct {
	rows      map[survey.ResponseID]*survey.Response
	erased    []survey.ResponseID
	failAfter int
	deleted   int
}

func (m *memStore) ExistingResponses(_ context.Context, _ string, ids []survey.ResponseID) (map[survey.ResponseID]int, error) {
	out := map[survey.ResponseID]int{}
	for _, id := range ids {
		if r, ok := m.rows[id]; ok {
			out[id] = r.Edition
		}
	}
	return out, nil
}

func (m *memStore) ErasedResponses(_ context.Context, fn func(survey.ResponseID)) error {
	for _, id := range m.erased {
		fn(id)
	}
	return nil
}

func (m *memStore) WriteResponses(_ context.Context, batch []*survey.Response) error {
	for i, r := range batch {
		if m.failAfter > 0 && i == m.failAfter {
			return errors.New("connection reset")
		}
		m.rows[r.ID] = r
	}
	return nil
}

func (m *memStore) DeleteResponses(_ context.Context, ids []survey.ResponseID) error {
	for _, id := range ids {
		if _, ok := m.rows[id]; ok {
			m.deleted++
		}
		delete(m.rows, id)
	}
	return nil
}

func TestLoadOnceAllOrNothing(t *testing.T) {
	d := loadDemo(t)
	data, _ := genExport(t, d, 2019, 50, exportStyle{sep: "/", csv: true}, 4)
	set, err := pastdata.Read(readFile(t, "e.csv", data), d.target(t, 2019), nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := &memStore{rows: map[survey.ResponseID]*survey.Response{}}
	// 10 responses there before (an earlier partial load), one erased.
	for _, r := range set.Responses[:10] {
		st.rows[r.ID] = r
	}
	st.erased = []survey.ResponseID{set.Responses[10].ID}
	st.failAfter = 20
	if _, err := pastdata.Load(ctx, st, set); err == nil || len(st.rows) != 10 || st.deleted != 20 {
		t.Fatalf("failed write: err %v, %d rows left (want the 10 there before), %d deleted", err, len(st.rows), st.deleted)
	}
	st.failAfter = 0
	got, err := pastdata.Load(ctx, st, set)
	if err != nil || got.New != 39 || got.Already != 10 || got.Erased != 1 {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	got, err = pastdata.Load(ctx, st, set)
	if err != nil || got.New != 0 || got.Already != 49 || len(st.rows) != 49 {
		t.Fatalf("second Load = %+v, %v", got, err)
	}
	// The same file as another edition: refused, nothing written.
	other, err := pastdata.Read(readFile(t, "e.csv", data), d.target(t, 2020), nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pastdata.Load(ctx, st, other); err == nil || !strings.Contains(err.Error(), "edition 2019") {
		t.Fatalf("loading into another edition: %v", err)
	}
}

// importDB is a real ClickHouse database holding the demo survey's definition.
func importDB(t testing.TB, d demoForm) *clickhouse.DB {
	t.Helper()
	db := clickhousetest.Open(t)
	if err := d.def.Save(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// checkAnalytics holds the analytics of edition year over db to those the reference
// computation gives over the file's responses, and checks the counts by country against a
// plain count of them.
func checkAnalytics(t testing.TB, db *clickhouse.DB, year int, want []*survey.Response) {
	t.Helper()
	ctx := context.Background()
	svc := analytics.NewService(db, db, analytics.DefaultThreshold)
	filter := analytics.Filter{analytics.Edition: {fmt.Sprint(year)}}
	for _, q := range []string{"", "interpretation", "overall_satisfaction", "recommend", "sessions", "take_back", "colleagues_to_share", "first_meeting"} {
		req := analytics.Request{Survey: "partners-meeting", Question: q, By: []analytics.Dimension{analytics.Country},
			Filter: filter, Audience: analytics.Coordinator}
		got, err := svc.Analyze(ctx, req)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		ref, err := analyticstest.Reference(ctx, db, analytics.DefaultThreshold, req, want)
		if err != nil {
			t.Fatal(err)
		}
		if diff := analyticstest.DiffResult(got, ref); diff != "" {
			t.Fatalf("question %q by country: analytics differ from the file's:\n%s", q, diff)
		}
		if q == "" {
			byCountry := map[string]int{}
			for _, r := range want {
				byCountry[r.Country]++
			}
			for _, c := range got.Responses {
				if c.N == nil || *c.N != byCountry[c.Group.Country] {
					t.Fatalf("country %v: %v responses, the file has %d", c.Group, c.N, byCountry[c.Group.Country])
				}
			}
		}
	}
}

// TestImportIntoClickHouse loads a 1,000-response export into a real database: the
// analytics of the edition equal the file's; a second load changes nothing; a file with
// one bad row loads nothing.
func TestImportIntoClickHouse(t *testing.T) {
	d := loadDemo(t)
	db := importDB(t, d)
	ctx := context.Background()
	data, want := genExport(t, d, 2019, 1000, exportStyle{labels: true, sep: "/", split: true}, 5)
	target, err := pastdata.Prepare(ctx, db, "partners-meeting", 2019)
	if err != nil {
		t.Fatal(err)
	}
	tb := readFile(t, "kobo.xlsx", data)
	set, err := pastdata.Read(tb, target, nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pastdata.Load(ctx, db, set)
	if err != nil || got.New != 1000 || got.Already != 0 {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	checkAnalytics(t, db, 2019, want)

	again, err := pastdata.Load(ctx, db, set)
	if err != nil || again.New != 0 || again.Already != 1000 {
		t.Fatalf("second Load = %+v, %v", again, err)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2019); err != nil || n != 1000 {
		t.Fatalf("after a second load: %d responses, %v", n, err)
	}
	checkAnalytics(t, db, 2019, want)

	// One bad row among 1,000 (a rating of 11): nothing of 2020 is loaded, the row is named.
	bad, _ := genExport(t, d, 2020, 1000, exportStyle{sep: "/", csv: true}, 6)
	bad = editCSV(t, bad, func(recs [][]string) {
		recs[617][slices.Index(recs[0], "recommend")] = "11" // row 618 of the file
	})
	target20, err := pastdata.Prepare(ctx, db, "partners-meeting", 2020)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pastdata.Read(readFile(t, "bad.csv", bad), target20, nil, importNow)
	var refused *pastdata.Refused
	if !errors.As(err, &refused) || len(refused.Problems) != 1 || refused.Problems[0].Row != 618 ||
		refused.Problems[0].Column != "recommend" || refused.Problems[0].Value != "11" {
		t.Fatalf("bad row: %v", err)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2020); err != nil || n != 0 {
		t.Fatalf("a refused file left %d responses (%v)", n, err)
	}
}

// pastdataRun is one load the benchmark keeps to check.
type pastdataRun struct {
	db  *clickhouse.DB
	set *pastdata.Set
}

// failingDB writes the first half of a batch for real, then fails, as a connection lost
// between the two inserts would.
type failingDB struct{ *clickhouse.DB }

func (f failingDB) WriteResponses(ctx context.Context, batch []*survey.Response) error {
	if err := f.DB.WriteResponses(ctx, batch[:len(batch)/2]); err != nil {
		return err
	}
	return errors.New("connection lost")
}

func TestImportUndoesAFailedWrite(t *testing.T) {
	d := loadDemo(t)
	db := importDB(t, d)
	ctx := context.Background()
	data, _ := genExport(t, d, 2021, 200, exportStyle{sep: "/", csv: true}, 7)
	target, err := pastdata.Prepare(ctx, db, "partners-meeting", 2021)
	if err != nil {
		t.Fatal(err)
	}
	set, err := pastdata.Read(readFile(t, "u.csv", data), target, nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	// 30 responses were there before: the undo leaves them.
	if err := db.WriteResponses(ctx, set.Responses[:30]); err != nil {
		t.Fatal(err)
	}
	if _, err := pastdata.Load(ctx, failingDB{db}, set); err == nil || !strings.Contains(err.Error(), "nothing loaded") {
		t.Fatalf("Load = %v", err)
	}
	if n, err := db.CountResponses(ctx, "partners-meeting", 2021); err != nil || n != 30 {
		t.Fatalf("after the undo: %d responses, %v", n, err)
	}
	for _, r := range set.Responses[30:120] {
		if n, err := db.ResponseRows(ctx, "partners-meeting", r.ID); err != nil || n != 0 {
			t.Fatalf("response %s: %d rows left, %v", r.ID, n, err)
		}
	}
	got, err := pastdata.Load(ctx, db, set)
	if err != nil || got.New != 170 || got.Already != 30 {
		t.Fatalf("Load again = %+v, %v", got, err)
	}
	checkFileFigures(t, db, 2021, data, "/")
}

// editCSV changes the records of a ";"-separated CSV export.
func editCSV(t testing.TB, data []byte, edit func([][]string)) []byte {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	edit(recs)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadTypedXLSXCells reads a workbook whose numbers and dates are typed cells, as
// spreadsheet software saves them, rather than text.
func TestReadTypedXLSXCells(t *testing.T) {
	d := loadDemo(t)
	x := excelize.NewFile()
	defer x.Close()
	rows := [][]any{
		{"_uuid", "_submission_time", "country", "organisation", "role", "arrival_date", "first_meeting", "overall_satisfaction",
			"sessions/sharing_experiences", "sessions/questioning_practices", "sessions/pooling_tools", "sessions/building_tools",
			"sessions/partner_visit", "sessions/guide_handover", "take_back", "recommend", "colleagues_to_share"},
		{"U-1", time.Date(2024, 11, 2, 8, 30, 0, 0, time.UTC), "MG", "Centre Ndaari", "head_of_service", time.Date(2024, 10, 28, 0, 0, 0, 0, time.UTC),
			"no", "satisfied", "useful", "useful", "useful", "useful", "useful", "useful", "tools contacts", 8, 12.0},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	style, _ := x.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yy, as a spreadsheet shows dates
	x.SetCellStyle("Sheet1", "F2", "F2", style)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	set, err := pastdata.Read(readFile(t, "typed.xlsx", buf.Bytes()), d.target(t, 2024), nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	r := set.Responses[0]
	if !r.SubmittedAt.Equal(time.Date(2024, 11, 2, 8, 30, 0, 0, time.UTC)) {
		t.Fatalf("submitted at %v", r.SubmittedAt)
	}
	for _, a := range r.Answers {
		switch a.Question {
		case "arrival_date":
			if a.Text != "2024-10-28" {
				t.Fatalf("arrival_date = %q", a.Text)
			}
		case "recommend", "colleagues_to_share":
			if !a.HasNum || (a.Num != 8 && a.Num != 12) {
				t.Fatalf("%s = %+v", a.Question, a)
			}
		}
	}
}

// checkFileFigures computes, straight from a CSV export written with names (sep its group
// separator), the responses by country, the shares of interpretation and the mean of
// recommend by country, and holds the analytics of edition year to them.
func checkFileFigures(t testing.TB, db *clickhouse.DB, year int, data []byte, sep string) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("no column %s", name)
		}
		return i
	}
	country, interp, rec := col("profile"+sep+"country"), col("organisation"+sep+"interpretation"), col("recommend")
	type fig struct {
		n, answered, recN int
		choices           map[string]int
		recSum            float64
	}
	want := map[string]*fig{}
	for _, row := range recs[1:] {
		f := want[row[country]]
		if f == nil {
			f = &fig{choices: map[string]int{}}
			want[row[country]] = f
		}
		f.n++
		if row[interp] != "" {
			f.answered++
			f.choices[row[interp]]++
		}
		if v, err := strconv.ParseFloat(row[rec], 64); err == nil {
			f.recN++
			f.recSum += v
		}
	}
	ctx := context.Background()
	svc := analytics.NewService(db, db, analytics.DefaultThreshold)
	ask := func(q string) *analytics.Result {
		res, err := svc.Analyze(ctx, analytics.Request{Survey: "partners-meeting", Question: q, By: []analytics.Dimension{analytics.Country},
			Filter: analytics.Filter{analytics.Edition: {fmt.Sprint(year)}}, Audience: analytics.Coordinator})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	counts := ask("")
	if len(counts.Responses) != len(want) {
		t.Fatalf("%d countries in the analytics, %d in the file", len(counts.Responses), len(want))
	}
	for _, c := range counts.Responses {
		if f := want[c.Group.Country]; f == nil || c.N == nil || *c.N != f.n {
			t.Fatalf("%s: %v responses, the file has %+v", c.Group.Country, c.N, f)
		}
	}
	checked := 0
	for _, c := range ask("interpretation").Cells {
		f := want[c.Group.Country]
		if c.N == nil || *c.N != f.answered {
			t.Fatalf("interpretation, %s: %v answered, the file has %d", c.Group.Country, c.N, f.answered)
		}
		for _, ch := range c.Choices {
			if ch.Count != f.choices[ch.Key] || math.Abs(ch.Share-float64(f.choices[ch.Key])/float64(f.answered)) > 1e-12 {
				t.Fatalf("interpretation, %s, %s: %d (%.4f), the file has %d of %d", c.Group.Country, ch.Key, ch.Count, ch.Share, f.choices[ch.Key], f.answered)
			}
			checked++
		}
	}
	for _, c := range ask("recommend").Cells {
		f := want[c.Group.Country]
		if c.Scale == nil || math.Abs(c.Scale.Mean-f.recSum/float64(f.recN)) > 1e-9 {
			t.Fatalf("recommend, %s: mean %+v, the file's is %v", c.Group.Country, c.Scale, f.recSum/float64(f.recN))
		}
		checked++
	}
	if checked < len(want)*5 {
		t.Fatalf("only %d figures checked", checked)
	}
}
