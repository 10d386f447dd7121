package pastdata

import (
	"context"
	"fmt"
	"time"

	"github.com/palabre/palabre/survey"
)

// Store is where Load writes. analytics/clickhouse.DB is one.
type Store interface {
	// ExistingResponses returns, among ids, those the survey already holds, with the
	// edition each is in.
	ExistingResponses(ctx context.Context, surveyID string, ids []survey.ResponseID) (map[survey.ResponseID]int, error)
	// ErasedResponses calls fn with every erased response's id: an erased response is not
	// loaded again.
	ErasedResponses(ctx context.Context, fn func(id survey.ResponseID)) error
	// WriteResponses writes responses; writing one already there again changes nothing.
	WriteResponses(ctx context.Context, batch []*survey.Response) error
	// DeleteResponses removes every row of responses (it undoes a failed write).
	DeleteResponses(ctx context.Context, ids []survey.ResponseID) error
}

// Loaded says what Load did.
type Loaded struct {
	New     int // responses written
	Already int // responses the survey already held (the file was loaded before)
	Erased  int // responses erased at their author's request, not loaded again
	Answers int // answers of the responses written
}

// UndoTimeout bounds the undoing of a failed write.
var UndoTimeout = 5 * time.Minute

// Load writes the responses of set that the survey does not hold yet, in one write. A
// response already there (the same file loaded again) is counted, not written. A response
// whose id is held by another edition of the survey stops the load before anything is
// written: the file was loaded into that edition.
//
// All or nothing: when the write fails midway (some rows written, others not), Load deletes
// what this load wrote (the responses that were not there before it began) before
// returning the error. Should that fail too, the error says so: the ids being stable,
// loading the file again completes the load, and nothing is ever counted twice.
func Load(ctx context.Context, st Store, set *Set) (Loaded, error) {
	var out Loaded
	if len(set.Responses) == 0 {
		return out, nil
	}
	surveyID, edition := set.Responses[0].SurveyID, set.Responses[0].Edition
	ids := make([]survey.ResponseID, len(set.Responses))
	for i, r := range set.Responses {
		ids[i] = r.ID
	}
	there, err := st.ExistingResponses(ctx, surveyID, ids)
	if err != nil {
		return out, err
	}
	for _, r := range set.Responses {
		if e, ok := there[r.ID]; ok && e != edition {
			return out, fmt.Errorf("the responses of this file are in edition %d of %s already (response %s): nothing loaded", e, surveyID, r.ID)
		}
	}
	wanted := make(map[survey.ResponseID]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
	}
	erased := map[survey.ResponseID]bool{}
	if err := st.ErasedResponses(ctx, func(id survey.ResponseID) {
		if wanted[id] {
			erased[id] = true
		}
	}); err != nil {
		return out, err
	}
	var batch []*survey.Response
	var written []survey.ResponseID
	for _, r := range set.Responses {
		switch _, ok := there[r.ID]; {
		case ok:
			out.Already++
		case erased[r.ID]:
			out.Erased++
		default:
			batch = append(batch, r)
			written = append(written, r.ID)
			out.Answers += len(r.Answers)
		}
	}
	if len(batch) == 0 {
		return out, nil
	}
	if err := st.WriteResponses(ctx, batch); err != nil {
		// The caller's context may be what failed: undo with a context of its own.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), UndoTimeout)
		defer cancel()
		if uerr := st.DeleteResponses(uctx, written); uerr != nil {
			return Loaded{}, fmt.Errorf("the write failed midway (%w), and undoing it failed too (%v): load the file again to complete it, nothing will count twice", err, uerr)
		}
		return Loaded{}, fmt.Errorf("the write failed, nothing loaded (what was written is undone): %w", err)
	}
	out.New = len(batch)
	return out, nil
}
