package ingest_test

import (
	"context"
	"testing"

	"github.com/palabre/palabre/survey"
)

// Recognize answers from the index without storing: unknown before a submission, a
// duplicate after it (also for an id learnt from the database), a conflict for other answers.
func TestRecognize(t *testing.T) {
	t.Parallel()
	db := newFakeDB()
	stored := response(2)
	db.seed(stored)
	p := open(t, config(t.TempDir()), db)
	defer shut(t, p)
	ctx := context.Background()
	r := response(1)
	if rc, known, err := p.Recognize(ctx, r); known || err != nil || rc.Duplicate {
		t.Fatalf("before submission: %+v, known %v, %v", rc, known, err)
	}
	if st := p.Status(); st.PendingResponses != 0 {
		t.Fatalf("Recognize stored something: %d pending", st.PendingResponses)
	}
	if _, err := p.Submit(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*survey.Response{r, stored} {
		rc, known, err := p.Recognize(ctx, x)
		if !known || err != nil || !rc.Duplicate || rc.ID != x.ID || !rc.SubmittedAt.Equal(x.SubmittedAt) {
			t.Errorf("after submission: %+v, known %v, %v", rc, known, err)
		}
	}
	changed := *r
	changed.Answers = append([]survey.Answer(nil), r.Answers...)
	changed.Answers[0].Num = 4.5
	if _, known, err := p.Recognize(ctx, &changed); !known || survey.ErrorCode(err) != survey.CodeConflict {
		t.Errorf("same id, other answers: known %v, %v", known, err)
	}
}
