package excel_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/excel"
)

// TestCommentsTakenFromTheData: a coordinator's comments, which the workbook takes from the
// raw data as it writes it, are row for row and field for field the report's own comments
// (reports.Report.EachComment, read from the store question by question), with and without
// a filter, on one sheet or continued on several.
func TestCommentsTakenFromTheData(t *testing.T) {
	fx := newFixture(analyticstest.Responses(7, 30))
	for _, c := range []struct {
		req  reports.Request
		rows int
	}{
		{reports.Request{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "fr"}, 0},
		{reports.Request{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "en",
			Filter: analytics.Filter{analytics.Country: {"SN", "PE"}, analytics.Edition: {"2023", "2025"}}}, 0},
		{reports.Request{Survey: analyticstest.SurveyID, Audience: analytics.Coordinator, Language: "es"}, 25},
	} {
		w := fx.write(t, c.req, excel.Options{MaxRows: c.rows})
		r := w.report
		var want []string
		err := r.EachComment(context.Background(), func(cm reports.Comment) error {
			want = append(want, strings.Join([]string{cm.Question, strconv.Itoa(cm.Profile.Edition),
				reports.CountryName(cm.Profile.Country, r.Request.Language), cm.Profile.Organisation,
				r.RoleName(cm.Profile.Role), cm.Profile.Language, cm.Submitted, cm.Text}, " | "))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range w.sum.Sheets {
			if !strings.HasPrefix(s, "Commentaires") && !strings.HasPrefix(s, "Comments") && !strings.HasPrefix(s, "Comentarios") {
				continue
			}
			for _, row := range w.rows(t, s)[2:] {
				got = append(got, strings.Join([]string{cell(row, 0), cell(row, 2), cell(row, 3), cell(row, 4),
					cell(row, 5), cell(row, 6), cell(row, 7), cell(row, 8)}, " | "))
			}
		}
		name := fmt.Sprintf("%s %v", c.req.Language, c.req.Filter)
		if len(want) < 10 {
			t.Fatalf("%s: only %d comments", name, len(want))
		}
		if len(got) != len(want) || w.sum.Comments != len(want) {
			t.Errorf("%s: %d comments written (summary %d), the report has %d", name, len(got), w.sum.Comments, len(want))
		}
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("%s: comment %d is\n  %s\nwant\n  %s", name, i, got[i], want[i])
				break
			}
		}
	}
}
