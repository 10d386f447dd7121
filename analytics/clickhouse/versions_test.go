package clickhouse_test

import (
	"context"
	"slices"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/surveytest"
)

func TestFormVersions(t *testing.T) {
	db := clickhousetest.Open(t)
	ctx := context.Background()
	for _, v := range []int{3, 1, 12} {
		f := surveytest.FeedbackForm("feedback")
		f.Version = v
		if err := db.SaveForm(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveForm(ctx, surveytest.FeedbackForm("other")); err != nil {
		t.Fatal(err)
	}
	got, err := db.FormVersions(ctx, "feedback")
	if err != nil || !slices.Equal(got, []int{1, 3, 12}) {
		t.Errorf("versions %v, %v; want [1 3 12]", got, err)
	}
	if _, err := db.FormVersions(ctx, "nobody"); survey.ErrorCode(err) != survey.CodeNotFound {
		t.Errorf("versions of an unknown survey: %v", err)
	}
}
