package survey

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"
)

// Catalog keeps survey definitions: the versions of each survey's form, and its editions.
type Catalog interface {
	// Surveys lists every survey, sorted by id, with its editions sorted by year. A survey's
	// title and languages are those of its latest form version.
	Surveys(ctx context.Context) ([]Survey, error)
	// Form returns one version of a survey's form, or an error with CodeNotFound.
	Form(ctx context.Context, surveyID string, version int) (*Form, error)
	// SaveForm stores a form version. Forms are immutable: saving a version again with the
	// same content does nothing, with other content fails with CodeConflict.
	SaveForm(ctx context.Context, f *Form) error
	// SaveEdition creates an edition or replaces its dates, place, form version and invited.
	SaveEdition(ctx context.Context, e Edition) error
}

// Sink takes validated responses and makes them durable.
type Sink interface {
	// Submit stores r, or recognises it as already stored. It returns once the response is
	// durable; the Receipt says whether it was a resubmission of a stored response. The same
	// id with other answers fails with CodeConflict.
	Submit(ctx context.Context, r *Response) (Receipt, error)
}

// Receipt acknowledges a stored response.
type Receipt struct {
	ID ResponseID
	// Duplicate is true when the same response had already been stored; it is not stored
	// twice.
	Duplicate bool
	// SubmittedAt is when the response was first received.
	SubmittedAt time.Time
}

// Digest fingerprints a form's content, to tell an identical re-import from a changed form.
func (f *Form) Digest() uint64 {
	b, err := json.Marshal(f) // map keys are sorted: the encoding is deterministic
	if err != nil {
		panic("survey: form does not encode: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}
