package ingest

import (
	"context"

	"github.com/palabre/palabre/survey"
)

var _ survey.Recognizer = (*Pipeline)(nil)

// Recognize tells whether r's id was already accepted, from the index of response ids,
// waiting for a submission of it in progress. It stores nothing. See survey.Recognizer.
func (p *Pipeline) Recognize(ctx context.Context, r *survey.Response) (survey.Receipt, bool, error) {
	digest := r.Digest()
	for {
		p.mu.Lock()
		f, inFlight := p.inflight[r.ID]
		if !inFlight {
			e, ok := p.index.Lookup(r.ID)
			p.mu.Unlock()
			if !ok {
				return survey.Receipt{}, false, nil
			}
			rc, err := p.known(r, digest, e.Digest, e.SubmittedAt())
			return rc, true, err
		}
		p.mu.Unlock()
		select {
		case <-f.durable:
		case <-ctx.Done():
			return survey.Receipt{}, false, ctx.Err()
		}
		if !f.failed {
			rc, err := p.known(r, digest, f.digest, f.submittedAt)
			return rc, true, err
		}
	}
}
