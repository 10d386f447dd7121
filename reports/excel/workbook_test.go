package excel_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
	"github.com/palabre/palabre/survey"
)

// expectedFigures are a cell's figures in the order a question sheet shows them after n:
// *float64 for numbers (nil: empty), string for dates.
func expectedFigures(q *analytics.QuestionInfo, c *analytics.Cell) []any {
	var out []any
	iv := func(i *analytics.Interval) []any {
		if i == nil {
			return []any{(*float64)(nil), (*float64)(nil)}
		}
		return []any{f64(i.Low), f64(i.High)}
	}
	switch q.Type {
	case survey.SingleChoice, survey.YesNo, survey.MultipleChoice:
		for _, ch := range q.Choices {
			i := slices.IndexFunc(c.Choices, func(s analytics.ChoiceStat) bool { return s.Key == ch.Key })
			if i < 0 {
				out = append(out, (*float64)(nil), (*float64)(nil), (*float64)(nil))
				continue
			}
			out = append(out, f64(c.Choices[i].Share))
			out = append(out, iv(c.Choices[i].CI)...)
		}
	case survey.Likert, survey.Matrix, survey.Rating, survey.Number:
		s := c.Scale
		if s == nil {
			s = &analytics.ScaleStat{}
		}
		num := func(v float64) any {
			if c.Scale == nil {
				return (*float64)(nil)
			}
			return f64(v)
		}
		out = append(out, num(s.Mean))
		out = append(out, iv(s.MeanCI)...)
		out = append(out, num(s.Median), num(s.Q1), num(s.Q3), num(s.SD), num(s.Min), num(s.Max))
		if q.Type == survey.Likert || q.Type == survey.Matrix {
			if s.Top2 == nil {
				out = append(out, (*float64)(nil), (*float64)(nil), (*float64)(nil))
			} else {
				out = append(out, f64(s.Top2.Share))
				out = append(out, iv(s.Top2.CI)...)
			}
		}
		if q.NPS {
			if c.NPS == nil {
				out = append(out, (*float64)(nil), (*float64)(nil), (*float64)(nil))
			} else {
				out = append(out, f64(c.NPS.Score))
				out = append(out, iv(c.NPS.CI)...)
			}
		}
	case survey.Date:
		if c.Dates == nil {
			out = append(out, "", "", "")
		} else {
			out = append(out, c.Dates.First, c.Dates.Median, c.Dates.Last)
		}
	}
	return out
}

// groupKey is how a question sheet shows a group: its dimensions' values, then the row.
func groupKey(w *built, g analytics.Group, by []analytics.Dimension, item string) string {
	var parts []string
	for _, d := range by {
		switch d {
		case analytics.Country:
			parts = append(parts, reports.CountryName(g.Country, w.report.Request.Language))
		case analytics.Role:
			parts = append(parts, w.report.RoleName(g.Role))
		default:
			parts = append(parts, g.Value(d))
		}
	}
	return strings.Join(append(parts, item), "|")
}

// checkQuestions holds every question sheet to the analytics reference computed from the
// raw responses for the same request: every n, share, mean, quartile, interval, NPS, date,
// change and flag.
func checkQuestions(t *testing.T, fx *fixture, w *built) int {
	t.Helper()
	ctx := context.Background()
	req := w.report.Request
	checked := 0
	if len(w.sum.Questions) != len(w.report.Questions) || len(w.sum.Questions) == 0 {
		t.Fatalf("%d question sheets for %d questions", len(w.sum.Questions), len(w.report.Questions))
	}
	for key, sheet := range w.sum.Questions {
		want, err := fx.reference(ctx, analytics.Request{Survey: req.Survey, Question: key, By: req.By, Filter: req.Filter,
			Audience: req.Audience, Language: req.Language, Compare: slices.Contains(req.By, analytics.Edition),
			Page: analytics.Page{Limit: 1}}, fx.responses)
		if err != nil {
			t.Fatalf("reference for %s: %v", key, err)
		}
		rows := w.rows(t, sheet)
		if cell(rows[0], 0) != want.Question.Label {
			t.Errorf("%s: title %q, want %q", sheet, cell(rows[0], 0), want.Question.Label)
		}
		for _, nc := range want.NotCompared {
			if !slices.ContainsFunc(rows[:6], func(r []string) bool { return strings.Contains(cell(r, 0), nc.Message) }) {
				t.Errorf("%s: the reason %q (%d → %d) is not shown", sheet, nc.Message, nc.From, nc.To)
			}
		}
		h := slices.IndexFunc(rows, isGroupHeader)
		if h < 0 {
			t.Fatalf("%s: no table header", sheet)
		}
		end := h + 1
		for end < len(rows) && cell(rows[end], 0) != "" {
			end++
		}
		if len(want.Cells) == 0 {
			continue
		}
		if end-h-1 != len(want.Cells) {
			t.Fatalf("%s: %d rows, want %d cells", sheet, end-h-1, len(want.Cells))
		}
		items := map[string]string{}
		for _, it := range want.Question.Items {
			items[it.Key] = it.Label
		}
		matrix := want.Question.Type == survey.Matrix
		nCol := 1 + len(req.By)
		if matrix {
			nCol++
		}
		byKey := map[string][]string{}
		for _, r := range rows[h+1 : end] {
			k := strings.Join(r[1:1+len(req.By)], "|") + "|"
			if matrix {
				k += cell(r, nCol-1)
			}
			byKey[k] = r
		}
		for i := range want.Cells {
			c := &want.Cells[i]
			k := groupKey(w, c.Group, req.By, items[c.Item])
			r, ok := byKey[k]
			if !ok {
				t.Fatalf("%s: no row for %q (rows: %v)", sheet, k, keys(byKey))
			}
			if !sameNumber(cell(r, nCol), intPtr(c.N)) {
				t.Errorf("%s %s: n = %q, want %v", sheet, k, cell(r, nCol), c.N)
			}
			for j, fig := range expectedFigures(want.Question, c) {
				got := cell(r, nCol+1+j)
				switch x := fig.(type) {
				case *float64:
					if !sameNumber(got, x) {
						t.Errorf("%s %s: figure %d = %q, want %v", sheet, k, j, got, deref(x))
					}
				case string:
					if got != x {
						t.Errorf("%s %s: figure %d = %q, want %q", sheet, k, j, got, x)
					}
				}
				checked++
			}
		}
		// The changes, in the order analytics gives them.
		if len(want.Changes) == 0 {
			continue
		}
		h2 := end + slices.IndexFunc(rows[end:], isGroupHeader)
		if h2 < end {
			t.Fatalf("%s: no table of changes for %d changes", sheet, len(want.Changes))
		}
		got := rows[h2+1:]
		if len(got) != len(want.Changes) {
			t.Fatalf("%s: %d changes, want %d", sheet, len(got), len(want.Changes))
		}
		for i, ch := range want.Changes {
			r := got[i]
			if cell(r, 3) != strconv.Itoa(ch.From.Edition) || cell(r, 4) != strconv.Itoa(ch.To.Edition) {
				t.Errorf("%s change %d: editions %s → %s, want %d → %d", sheet, i, cell(r, 3), cell(r, 4), ch.From.Edition, ch.To.Edition)
			}
			var low, high *float64
			if ch.CI != nil {
				low, high = &ch.CI.Low, &ch.CI.High
			}
			for j, want := range []*float64{intPtr(ch.From.N), intPtr(ch.To.N), ch.From.Value, ch.To.Value, ch.Delta, low, high} {
				if !sameNumber(cell(r, 5+j), want) {
					t.Errorf("%s change %d (%s %s): column %d = %q, want %v", sheet, i, ch.Measure, ch.Choice, 5+j, cell(r, 5+j), deref(want))
				}
				checked++
			}
			if (cell(r, 12) == "✔") != ch.Significant {
				t.Errorf("%s change %d: flag %q, significant %v", sheet, i, cell(r, 12), ch.Significant)
			}
		}
	}
	return checked
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkOverview holds the overview's counts and rates to the reference.
func checkOverview(t *testing.T, fx *fixture, w *built) {
	t.Helper()
	req := w.report.Request
	byEdition, err := fx.reference(context.Background(), analytics.Request{Survey: req.Survey, By: []analytics.Dimension{analytics.Edition},
		Filter: req.Filter, Audience: req.Audience}, fx.responses)
	if err != nil {
		t.Fatal(err)
	}
	rows := w.rows(t, w.sum.Sheets[0])
	found := 0
	for _, want := range byEdition.Responses {
		for _, r := range rows {
			if cell(r, 0) == strconv.Itoa(want.Group.Edition) && len(r) >= 2 {
				found++
				if !sameNumber(cell(r, 1), intPtr(want.N)) || !sameNumber(cell(r, 3), want.Rate) {
					t.Errorf("overview %d: n %q rate %q, want %v %v", want.Group.Edition, cell(r, 1), cell(r, 3), want.N, deref(want.Rate))
				}
				break
			}
		}
	}
	if found != len(byEdition.Responses) || found == 0 {
		t.Errorf("overview shows %d of %d editions", found, len(byEdition.Responses))
	}
	// The breakdown: groups down, editions across.
	counts, err := fx.reference(context.Background(), analytics.Request{Survey: req.Survey, By: req.By,
		Filter: req.Filter, Audience: req.Audience}, fx.responses)
	if err != nil {
		t.Fatal(err)
	}
	var h int
	for i, r := range rows {
		if isGroupHeader(r) {
			h = i
			break
		}
	}
	col := map[string]int{}
	for j, v := range rows[h] {
		col[v] = j
	}
	seen := 0
	for _, c := range counts.Responses {
		var parts []string
		for _, d := range req.By {
			if d != analytics.Edition {
				parts = append(parts, strings.TrimSuffix(groupKey(w, c.Group, []analytics.Dimension{d}, ""), "|"))
			}
		}
		label := strings.Join(parts, " · ")
		j := col[strconv.Itoa(c.Group.Edition)]
		for _, r := range rows[h+1:] {
			if cell(r, 0) != label {
				continue
			}
			seen++
			if c.N == nil && cell(r, j) != "—" || c.N != nil && !sameNumber(cell(r, j), intPtr(c.N)) {
				t.Errorf("overview %s %d: %q, want %v", label, c.Group.Edition, cell(r, j), c.N)
			}
		}
	}
	if seen != len(counts.Responses) {
		t.Errorf("overview breakdown shows %d of %d cells", seen, len(counts.Responses))
	}
}

// checkData holds the data sheet to the raw responses: one row each, every answer in its
// column, labels in the workbook's language.
func checkData(t *testing.T, fx *fixture, w *built) {
	t.Helper()
	req := w.report.Request
	var sheets []string
	for _, s := range w.sum.Sheets {
		if s == "Données" || s == "Data" || s == "Datos" || strings.HasPrefix(s, "Données (") || strings.HasPrefix(s, "Data (") || strings.HasPrefix(s, "Datos (") {
			sheets = append(sheets, s)
		}
	}
	if len(sheets) == 0 {
		t.Fatal("no data sheet")
	}
	byID := map[string][]string{}
	var header []string
	for _, s := range sheets {
		rows := w.rows(t, s)
		if header == nil {
			header = rows[1]
		} else if !slices.Equal(rows[1], header) {
			t.Errorf("%s repeats another header", s)
		}
		for _, r := range rows[2:] {
			if _, dup := byID[r[0]]; dup {
				t.Errorf("response %s twice", r[0])
			}
			byID[r[0]] = r
		}
	}
	col := map[string]int{}
	for i, k := range header {
		col[k] = i
	}
	forms := map[int]*survey.Form{}
	for _, f := range analyticstest.Forms() {
		forms[f.Version] = f
	}
	lang := req.Language
	want := 0
	seen := map[survey.ResponseID]bool{}
	for _, resp := range fx.responses {
		g := analytics.Group{Edition: resp.Edition, Country: resp.Country, Organisation: resp.Organisation, Role: resp.Role, Language: resp.Language}
		if seen[resp.ID] || !req.Filter.Match(g) {
			continue
		}
		seen[resp.ID] = true
		want++
		r, ok := byID[resp.ID.String()]
		if !ok {
			t.Fatalf("response %s has no row", resp.ID)
		}
		if cell(r, col["_country"]) != resp.Country || cell(r, col["_edition"]) != strconv.Itoa(resp.Edition) ||
			cell(r, col["_organisation"]) != resp.Organisation || cell(r, col["_country_label"]) != reports.CountryName(resp.Country, lang) {
			t.Errorf("response %s: profile %v", resp.ID, r[:10])
		}
		f := forms[resp.FormVersion]
		for _, a := range resp.Answers {
			q, _, _ := f.Question(a.Question)
			label := func(code string) string {
				for _, c := range q.Choices {
					if c.Key == code {
						return c.Label.In(lang, f.DefaultLanguage)
					}
				}
				return map[string]string{"yes": map[string]string{"fr": "Oui", "en": "Yes", "es": "Sí"}[lang], "no": "No"}[code]
			}
			switch q.Type {
			case survey.SingleChoice, survey.YesNo:
				got, gotLabel := cell(r, col[a.Question]), cell(r, col[a.Question+":label"])
				wantLabel := label(a.Text)
				if q.Type == survey.YesNo && a.Text == "no" && lang == "fr" {
					wantLabel = "Non"
				}
				if got != a.Text || gotLabel != wantLabel {
					t.Errorf("response %s %s: %q %q, want %q %q", resp.ID, a.Question, got, gotLabel, a.Text, wantLabel)
				}
			case survey.MultipleChoice:
				for _, c := range q.Choices {
					flag := "0"
					if slices.Contains(a.Choices, c.Key) {
						flag = "1"
					}
					if got := cell(r, col[a.Question+"/"+c.Key]); got != flag {
						t.Errorf("response %s %s/%s = %q, want %s", resp.ID, a.Question, c.Key, got, flag)
					}
				}
			case survey.Likert:
				if got := cell(r, col[a.Question]); !sameNumber(got, f64(a.Num)) || cell(r, col[a.Question+":label"]) != q.Choices[int(a.Num)-1].Label.In(lang, "fr") {
					t.Errorf("response %s %s = %q, want %v", resp.ID, a.Question, got, a.Num)
				}
			case survey.Matrix:
				k := a.Question + "/" + a.Item
				if got := cell(r, col[k]); !sameNumber(got, f64(a.Num)) || cell(r, col[k+":label"]) != q.Choices[int(a.Num)-1].Label.In(lang, "fr") {
					t.Errorf("response %s %s = %q, want %v", resp.ID, k, got, a.Num)
				}
			case survey.Rating, survey.Number:
				if got := cell(r, col[a.Question]); !sameNumber(got, f64(a.Num)) {
					t.Errorf("response %s %s = %q, want %v", resp.ID, a.Question, got, a.Num)
				}
			default:
				if got := cell(r, col[a.Question]); got != a.Text {
					t.Errorf("response %s %s = %q, want %q", resp.ID, a.Question, got, a.Text)
				}
			}
		}
	}
	if len(byID) != want || want == 0 {
		t.Errorf("%d data rows, want %d", len(byID), want)
	}
}

// checkComments compares the comments sheets with the reference's comments of every text
// question.
func checkComments(t *testing.T, fx *fixture, w *built) {
	t.Helper()
	req := w.report.Request
	got := map[string][]string{}
	for _, s := range w.sum.Sheets {
		if !strings.HasPrefix(s, "Commentaires") && !strings.HasPrefix(s, "Comments") && !strings.HasPrefix(s, "Comentarios") {
			continue
		}
		rows := w.rows(t, s)
		for _, r := range rows[2:] {
			got[r[0]] = append(got[r[0]], r[len(r)-1])
		}
	}
	for _, key := range []string{"improve", "one_word", "sessions_other"} {
		want, err := fx.reference(context.Background(), analytics.Request{Survey: req.Survey, Question: key,
			By: []analytics.Dimension{analytics.Edition}, Filter: req.Filter, Audience: req.Audience, Language: req.Language,
			Page: analytics.Page{Limit: analytics.MaxComments}}, fx.responses)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, c := range want.Comments.List {
			texts = append(texts, c.Text)
		}
		if !slices.Equal(got[key], texts) {
			t.Errorf("comments on %s: %d shown, want %d (first %q / %q)", key, len(got[key]), len(texts), first(got[key]), first(texts))
		}
	}
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// TestWorkbookFiguresMatchAnalytics builds coordinators' and funders' workbooks in the three
// languages, with and without a filter, reads them back with excelize, and holds every
// figure to the analytics reference computed from the raw responses; then LibreOffice opens
// each: every sheet converts and the charts are in the file.
func TestWorkbookFiguresMatchAnalytics(t *testing.T) {
	fx := newFixture(analyticstest.Responses(11, 45))
	cases := []reports.Request{
		{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "fr"},
		{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "es",
			Filter: analytics.Filter{analytics.Country: {"SN", "PE", "MA"}, analytics.Edition: {"2024", "2025"}}},
		{Survey: analyticstest.SurveyID, Audience: analytics.Funder, Language: "en"},
		{Survey: analyticstest.SurveyID, Audience: analytics.Funder, Language: "fr", By: []analytics.Dimension{analytics.Role, analytics.Edition}},
	}
	var paths []string
	var books []*built
	for _, req := range cases {
		name := fmt.Sprintf("%s-%s-%v-%v", req.Audience, req.Language, req.By, req.Filter)
		w := fx.write(t, req, excel.Options{})
		t.Run(name, func(t *testing.T) {
			n := checkQuestions(t, fx, w)
			if n < 500 {
				t.Errorf("only %d figures checked", n)
			}
			checkOverview(t, fx, w)
			checkComments(t, fx, w)
			coordinator := req.Audience == analytics.Coordinator
			hasData := slices.ContainsFunc(w.sum.Sheets, func(s string) bool { return s == "Données" || s == "Datos" || s == "Data" })
			hasOrg := slices.ContainsFunc(w.sum.Sheets, func(s string) bool { return s == "Structures" || s == "Organizaciones" || s == "Organisations" })
			if hasData != coordinator || hasOrg != coordinator {
				t.Errorf("%s workbook: data sheet %v, organisations sheet %v", req.Audience, hasData, hasOrg)
			}
			if coordinator {
				checkData(t, fx, w)
			}
			props, err := w.f.GetDocProps()
			if err != nil || props.Identifier != w.report.DataVersion || props.Title == "" || !strings.Contains(props.Description, "survey="+analyticstest.SurveyID) {
				t.Errorf("document properties %+v (%v)", props, err)
			}
		})
		paths, books = append(paths, w.path), append(books, w)
	}
	t.Run("LibreOffice", func(t *testing.T) {
		converted := sheetCSV(t, paths...)
		for i, w := range books {
			sheets := converted[w.path]
			for _, s := range w.sum.Sheets {
				if len(sheets[s]) == 0 {
					t.Errorf("%s: LibreOffice gave nothing for sheet %q (got %d sheets)", cases[i].Language, s, len(sheets))
				}
			}
			if len(sheets) != len(w.sum.Sheets) {
				t.Errorf("LibreOffice converted %d sheets, the workbook has %d", len(sheets), len(w.sum.Sheets))
			}
			charts := 0
			for _, name := range zipNames(t, w.path) {
				if strings.HasPrefix(name, "xl/charts/chart") && strings.HasSuffix(name, ".xml") {
					charts++
				}
			}
			// The overview's chart, and one per question with figures to chart.
			want := 1
			for _, q := range w.report.Questions {
				switch q.Question.Type {
				case survey.ShortText, survey.LongText, survey.Date:
				default:
					if len(q.Cells) > 0 {
						want++
					}
				}
			}
			if charts != want {
				t.Errorf("%d charts in the file, want %d", charts, want)
			}
			// LibreOffice reads the same figures: the n of the first question's rows.
			rows := w.rows(t, w.sum.Sheets[2%len(w.sum.Sheets)])
			lo := sheets[w.sum.Sheets[2%len(w.sum.Sheets)]]
			if len(lo) < len(rows) {
				t.Errorf("LibreOffice read %d rows of %s, excelize %d", len(lo), w.sum.Sheets[2], len(rows))
			}
		}
	})
}

// TestRequestsRefused: funders never get organisation-level figures; unknown languages and
// audiences are refused in the request's terms.
func TestRequestsRefused(t *testing.T) {
	fx := newFixture(analyticstest.Responses(3, 10))
	for _, req := range []reports.Request{
		{Survey: analyticstest.SurveyID, By: []analytics.Dimension{analytics.Organisation}},
		{Survey: analyticstest.SurveyID, Filter: analytics.Filter{analytics.Organisation: {"100% Mamans"}}},
		{Survey: analyticstest.SurveyID, Language: "de"},
		{Survey: analyticstest.SurveyID, Audience: "public"},
		{Survey: "no-such-survey"},
	} {
		_, err := fx.builder.Build(context.Background(), req)
		if code := survey.ErrorCode(err); code != survey.CodeMalformed && code != survey.CodeNotFound {
			t.Errorf("%+v: error %v, want malformed or not found", req, err)
		}
	}
	if err := fx.svc.Responses(context.Background(), analytics.Request{Survey: analyticstest.SurveyID}, nil,
		func(*survey.Response) error { return nil }); survey.ErrorCode(err) != survey.CodeForbidden {
		t.Errorf("raw responses for funders: %v, want forbidden", err)
	}
}

// TestCodebookListsEveryQuestion: every question of every form in scope, with its type,
// labels in the three languages, choices and rows with codes, the editions that asked it
// and changed_in.
func TestCodebookListsEveryQuestion(t *testing.T) {
	fx := newFixture(analyticstest.Responses(2, 10))
	w := fx.write(t, reports.Request{Survey: analyticstest.SurveyID, Audience: analytics.Funder, Language: "es"}, excel.Options{})
	rows := w.rows(t, "Libro de códigos")
	byKey := map[string][]string{}
	codes := map[string]bool{}
	for _, r := range rows[1:] {
		if cell(r, 2) == "" {
			byKey[cell(r, 0)] = r
		} else {
			codes[cell(r, 0)+" "+cell(r, 2)] = true
		}
	}
	forms := analyticstest.Forms()
	latest := forms[len(forms)-1]
	for _, f := range forms {
		for _, q := range f.Questions() {
			r, ok := byKey[q.Key]
			if !ok {
				t.Errorf("no codebook row for %s", q.Key)
				continue
			}
			lq, _, inLatest := latest.Question(q.Key)
			if !inLatest {
				lq = q
			}
			if cell(r, 1) != string(q.Type) || cell(r, 3) != lq.Label["fr"] || cell(r, 4) != lq.Label["en"] || cell(r, 5) != lq.Label["es"] {
				t.Errorf("%s: %v", q.Key, r)
			}
			for _, it := range lq.Items {
				if !codes[q.Key+" "+q.Key+"/"+it.Key] {
					t.Errorf("%s: no row %s", q.Key, it.Key)
				}
			}
		}
	}
	if r := byKey["organisation"]; cell(r, 6) != "2023,2024,2025" || cell(r, 7) != "2025" {
		t.Errorf("organisation: editions %q, changed_in %q", cell(r, 6), cell(r, 7))
	}
	if r := byKey["duration"]; cell(r, 6) != "2025" {
		t.Errorf("duration: editions %q, want 2025 only", cell(r, 6))
	}
	if !codes["sessions plenary"] || !codes["topics topics/advocacy"] || !codes["attended yes"] {
		t.Errorf("choices and rows are missing their codes (%d codes)", len(codes))
	}
}
