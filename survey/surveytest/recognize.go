package surveytest

import (
	"context"

	"github.com/palabre/palabre/survey"
)

var _ survey.Recognizer = (*Sink)(nil)

// Recognize tells whether a response with r's id is stored: a duplicate receipt when its
// digest is r's, CodeConflict when not. It does not count as a call of Submit, and it
// answers even while Submit is made to fail, as the pipeline's index does while its journal
// is full.
func (s *Sink) Recognize(ctx context.Context, r *survey.Response) (survey.Receipt, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.responses[r.ID]
	if !ok {
		return survey.Receipt{}, false, nil
	}
	if s.digests[r.ID] != r.Digest() {
		return survey.Receipt{}, true, survey.Errorf(survey.CodeConflict, survey.MsgConflict)
	}
	return survey.Receipt{ID: r.ID, Duplicate: true, SubmittedAt: old.SubmittedAt}, true, nil
}
