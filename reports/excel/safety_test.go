package excel_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
)

// formulaLike are answers a spreadsheet would run as formulas if they were written as such.
var formulaLike = []string{"=1+1", "+1+1", "-1+1", "@SUM(1,1)", "=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"}

// TestParticipantTextStaysText: answers and organisation names that look like formulas are
// written as text, read back as typed by excelize and by LibreOffice, and no worksheet holds
// a formula; a text over 32,767 characters is cut with a mark and listed on the overview.
func TestParticipantTextStaysText(t *testing.T) {
	responses := analyticstest.Responses(5, 20)
	long := strings.Repeat("Une très longue réponse. ", 1600) // 40,000 characters
	next := 0
	for _, r := range responses {
		for i := range r.Answers {
			if r.Answers[i].Question != "improve" || next > len(formulaLike) {
				continue
			}
			if next == len(formulaLike) {
				r.Answers[i].Text = long
			} else {
				r.Answers[i].Text = formulaLike[next]
			}
			next++
		}
	}
	if next <= len(formulaLike) {
		t.Fatalf("only %d answers to improve", next)
	}
	responses[0].Organisation = "=HYPERLINK(\"http://example.org\",\"x\")"
	fx := newFixture(responses)
	w := fx.write(t, reports.Request{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "en"}, excel.Options{})

	if xml := zipText(t, w.path, regexp.MustCompile(`^xl/worksheets/sheet[0-9]+\.xml$`)); strings.Contains(xml, "<f>") || strings.Contains(xml, "<f ") {
		t.Error("a worksheet holds a formula")
	}
	comments := w.rows(t, "Comments")
	var texts []string
	for _, r := range comments[2:] {
		texts = append(texts, r[len(r)-1])
	}
	for _, v := range formulaLike {
		if !slices.Contains(texts, v) {
			t.Errorf("excelize does not read %q back from the comments", v)
		}
	}
	data := w.rows(t, "Data")
	if !slices.ContainsFunc(data, func(r []string) bool { return slices.Contains(r, responses[0].Organisation) }) {
		t.Errorf("the organisation %q is not in the data as typed", responses[0].Organisation)
	}

	// The long text, cut in the comments and in the data, and listed.
	if len(w.sum.Truncated) != 2 {
		t.Errorf("truncations %+v, want one in the comments and one in the data", w.sum.Truncated)
	}
	var cut string
	for _, s := range texts {
		if strings.HasPrefix(s, "Une très longue") {
			cut = s
		}
	}
	if n := len(utf16.Encode([]rune(cut))); n > excel.MaxCellText || n < excel.MaxCellText-100 || !strings.HasSuffix(cut, "[text cut: 40000 characters in all]") {
		t.Errorf("the long text is %d characters, ends %q", n, cut[max(0, len(cut)-60):])
	}
	overview := w.rows(t, "Overview")
	listed := 0
	for _, r := range overview {
		if (cell(r, 0) == "Comments" || cell(r, 0) == "Data") && cell(r, 2) == "improve" && cell(r, 3) == "40000" {
			listed++
		}
	}
	if listed != 2 {
		t.Errorf("the overview lists %d cut texts, want 2", listed)
	}

	// LibreOffice reads them as text: the CSV shows what was typed, not a result.
	sheets := sheetCSV(t, w.path)[w.path]
	var loTexts []string
	for _, r := range sheets["Comments"] {
		loTexts = append(loTexts, r[len(r)-1])
	}
	for _, v := range formulaLike {
		if !slices.Contains(loTexts, v) {
			t.Errorf("LibreOffice does not read %q as text", v)
		}
	}
	if slices.Contains(loTexts, "2") || slices.Contains(loTexts, "0") {
		t.Error("LibreOffice computed a formula")
	}
	if !slices.ContainsFunc(sheets["Data"], func(r []string) bool { return slices.Contains(r, responses[0].Organisation) }) {
		t.Errorf("LibreOffice does not read the organisation %q as text", responses[0].Organisation)
	}
}

// TestLongSheetsContinue: with sheets of 20 rows, the comments and the data continue on
// numbered sheets with their headers, no row lost or repeated, and LibreOffice opens them.
func TestLongSheetsContinue(t *testing.T) {
	fx := newFixture(analyticstest.Responses(9, 25))
	w := fx.write(t, reports.Request{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "fr"},
		excel.Options{MaxRows: 20})
	parts := 0
	for _, s := range w.sum.Sheets {
		if strings.HasPrefix(s, "Données") {
			parts++
			if rows := w.rows(t, s); len(rows) > 20 {
				t.Errorf("%s holds %d rows", s, len(rows))
			}
		}
	}
	if want := (w.sum.DataRows + 17) / 18; parts != want || parts < 3 {
		t.Errorf("%d data sheets for %d rows, want %d", parts, w.sum.DataRows, want)
	}
	if !slices.Contains(w.sum.Sheets, "Données (2)") || !slices.Contains(w.sum.Sheets, "Commentaires (2)") {
		t.Errorf("sheets %v", w.sum.Sheets)
	}
	checkData(t, fx, w)
	checkComments(t, fx, w)
	sheets := sheetCSV(t, w.path)[w.path]
	for _, s := range w.sum.Sheets {
		if len(sheets[s]) == 0 {
			t.Errorf("LibreOffice gave nothing for %q", s)
		}
	}
}
