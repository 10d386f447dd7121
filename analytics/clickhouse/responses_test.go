package clickhouse_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
)

// TestResponsesStreamsEachResponseOnce reads raw responses back through Responses, with a
// batch stored twice, a filter and a question list, and holds them to the in-memory store.
func TestResponsesStreamsEachResponseOnce(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	all := analyticstest.Responses(7, 12)
	if err := db.WriteResponses(ctx, all); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteResponses(ctx, all[:10]); err != nil { // a retried batch
		t.Fatal(err)
	}
	mem := analyticstest.NewStore(all...)
	cases := []struct {
		name      string
		q         analytics.Query
		questions []string
	}{
		{"everything", analytics.Query{Survey: analyticstest.SurveyID}, nil},
		{"filtered", analytics.Query{Survey: analyticstest.SurveyID, Filter: analytics.Filter{
			analytics.Country: {"SN", "PE", "MA"}, analytics.Edition: {"2024", "2025"}}}, nil},
		{"text questions", analytics.Query{Survey: analyticstest.SurveyID}, []string{"improve", "one_word"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			read := func(s analytics.Store) []string {
				var out []string
				lastEdition := 0
				err := s.Responses(ctx, c.q, c.questions, func(r *survey.Response) error {
					if r.Edition < lastEdition {
						t.Errorf("edition %d after %d", r.Edition, lastEdition)
					}
					lastEdition = r.Edition
					out = append(out, describe(r))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(out)
				return out
			}
			got, want := read(db), read(mem)
			if len(want) == 0 {
				t.Fatal("the case selects no response")
			}
			if !slices.Equal(got, want) {
				t.Errorf("ClickHouse gave %d responses, memory %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func describe(r *survey.Response) string {
	var b strings.Builder
	b.WriteString(r.ID.String() + " " + r.Country + "|" + r.Organisation + "|" + r.Role + "|" + r.Language + "|" +
		r.SubmittedAt.UTC().Format("2006-01-02T15:04:05") + "|" + string(r.Channel))
	for _, a := range r.Answers {
		b.WriteString("\n  " + a.Question + "/" + a.Item + "=" + a.Text + strings.Join(a.Choices, ","))
		if a.HasNum {
			b.WriteString("#" + strconv.FormatFloat(a.Num, 'g', -1, 64))
		}
	}
	return b.String()
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "got:  " + a[i] + "\nwant: " + b[i]
		}
	}
	return "(one list is a prefix of the other)"
}
