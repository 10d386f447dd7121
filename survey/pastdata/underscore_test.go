package pastdata_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/pastdata"
)

// underscoreForm has a group and questions whose names start with '_', as XLSForms may name
// them ("_1"), one of them close to a meta column ("_uuid2").
const underscoreForm = `survey: underscore
title: Noms
editions: [{year: 2024, opens: 2024-03-01}]
questions:
  - group: _grp
    label: Groupe
    questions:
      - {key: _1, type: text, label: Premier}
      - {key: _score, type: number, integer: true, min: 0, max: 10, label: Note}
      - {key: _uuid2, type: single_choice, label: Choix, choices: [a, b]}
`

// Questions named with a leading '_' go through a Kobo export's import, into ClickHouse,
// its analytics and the report workbook's data sheet as any other: the export's own meta
// columns (_uuid, _submission_time, _index) are still read as such beside them.
func TestUnderscoreKeysImportAnalyseExport(t *testing.T) {
	d, err := definition.Parse(strings.NewReader(underscoreForm), definition.YAML, "underscore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db := clickhousetest.Open(t)
	ctx := context.Background()
	if err := d.Save(ctx, db); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"_uuid", "_submission_time", "_index", "country", "organisation", "role", "language", "_grp/_1", "_grp/_score", "_grp/_uuid2"}}
	var want []*survey.Response
	opens := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		uuid := fmt.Sprintf("00000000-0000-4000-a000-%012d", i)
		at := opens.Add(time.Duration(i) * time.Hour)
		country := []string{"SN", "PE", "FR"}[i%3]
		r := &survey.Response{ID: pastdata.ResponseID("underscore", uuid), SurveyID: "underscore", Edition: 2024,
			FormVersion: 1, SubmittedAt: at, Channel: survey.ChannelImport,
			Respondent: survey.Respondent{Country: country, Organisation: "Org " + strconv.Itoa(i%4), Role: "lawyer", Language: "fr"}}
		text, score, pick := "", "", ""
		if i%5 != 0 {
			text = "réponse " + strconv.Itoa(i)
			r.Answers = append(r.Answers, survey.Answer{Question: "_1", Text: text})
		}
		if i%7 != 0 {
			score = strconv.Itoa(i % 11)
			r.Answers = append(r.Answers, survey.Answer{Question: "_score", Num: float64(i % 11), HasNum: true})
		}
		pick = []string{"a", "b", "a"}[i%3]
		r.Answers = append(r.Answers, survey.Answer{Question: "_uuid2", Text: pick})
		rows = append(rows, []string{uuid, at.Format("2006-01-02T15:04:05"), strconv.Itoa(i + 1), country, r.Organisation, "lawyer", "fr", text, score, pick})
		want = append(want, r)
	}
	data := writeExport(t, rows, exportStyle{csv: true})
	target, err := pastdata.Prepare(ctx, db, "underscore", 2024)
	if err != nil {
		t.Fatal(err)
	}
	set, err := pastdata.Read(readFile(t, "kobo.csv", data), target, nil, importNow)
	if err != nil {
		t.Fatal(err)
	}
	sameResponses(t, set.Responses, want)
	if got, err := pastdata.Load(ctx, db, set); err != nil || got.New != 40 {
		t.Fatalf("Load = %+v, %v", got, err)
	}

	svc := analytics.NewService(db, db, analytics.DefaultThreshold)
	for _, q := range []string{"", "_1", "_score", "_uuid2"} {
		req := analytics.Request{Survey: "underscore", Question: q, By: []analytics.Dimension{analytics.Country},
			Audience: analytics.Coordinator}
		got, err := svc.Analyze(ctx, req)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		ref, err := analyticstest.Reference(ctx, db, analytics.DefaultThreshold, req, want)
		if err != nil {
			t.Fatal(err)
		}
		if diff := analyticstest.DiffResult(got, ref); diff != "" {
			t.Fatalf("question %q: analytics differ from the file's:\n%s", q, diff)
		}
	}

	// The report workbook's data sheet: one column per question, named by its key, beside
	// the data sheet's own columns.
	b := reports.NewBuilder(db, svc, "test")
	rep, err := b.Build(ctx, reports.Request{Survey: "underscore", Language: "en", Audience: analytics.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := excel.Write(ctx, &buf, rep, excel.Options{}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if !slices.Contains(x.GetSheetList(), "Data") {
		t.Fatalf("no data sheet among %q", x.GetSheetList())
	}
	got, err := x.GetRows("Data", excelize.Options{RawCellValue: true})
	if err != nil || len(got) != 2+len(want) {
		t.Fatalf("data sheet: %d rows, %v", len(got), err)
	}
	header := got[1]
	col := func(k string) int {
		i := slices.Index(header, k)
		if i < 0 || slices.Index(header[i+1:], k) >= 0 {
			t.Fatalf("data sheet header %q: %q not once", header, k)
		}
		return i
	}
	byID := map[string][]string{}
	for _, r := range got[2:] {
		byID[r[col("_response_id")]] = r
	}
	cell := func(r []string, i int) string {
		if i < len(r) {
			return r[i]
		}
		return ""
	}
	for _, w := range want {
		r := byID[w.ID.String()]
		if r == nil {
			t.Fatalf("response %s not in the data sheet", w.ID)
		}
		wantCells := map[string]string{"_1": "", "_score": "", "_uuid2": "", "_country": w.Country}
		for _, a := range w.Answers {
			wantCells[a.Question] = a.Text
			if a.HasNum {
				wantCells[a.Question] = strconv.FormatFloat(a.Num, 'f', -1, 64)
			}
		}
		for k, v := range wantCells {
			if g := cell(r, col(k)); g != v {
				t.Errorf("response %s column %s = %q, want %q", w.ID, k, g, v)
			}
		}
	}
}

// A mapping file names questions starting with '_' as any other, and a column mapped to
// one is read as it even when its header is a meta column's.
func TestUnderscoreKeysInAMappingFile(t *testing.T) {
	d, err := definition.Parse(strings.NewReader(underscoreForm), definition.YAML, "underscore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := pastdata.ParseMapping(strings.NewReader(`
columns:
  Ref: meta.id
  Q1: _1
  _index: _score
  Choice: _uuid2
constants: {country: SN, organisation: Org, role: lawyer}
`))
	if err != nil {
		t.Fatal(err)
	}
	target := &pastdata.Target{Survey: survey.Survey{ID: "underscore"}, Edition: d.Editions[0], Form: d.Compiled}
	csv := "Ref;Q1;_index;Choice\nr1;Bonjour;7;b\n"
	set, err := pastdata.Read(readFile(t, "m.csv", []byte(csv)), target, m, importNow)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range set.Responses[0].Answers {
		got[a.Question] = a.Text
		if a.HasNum {
			got[a.Question] = strconv.FormatFloat(a.Num, 'f', -1, 64)
		}
	}
	if got["_1"] != "Bonjour" || got["_score"] != "7" || got["_uuid2"] != "b" || len(got) != 3 {
		t.Errorf("answers %v", got)
	}
}
