package survey

import "context"

// Recognizer is a Sink that can tell, without storing anything, whether a response was
// already accepted. Editions by invitation ask it before spending an invitation, so that a
// response sent again (its confirmation was lost) is answered as a duplicate, not refused
// for a used invitation.
type Recognizer interface {
	// Recognize answers for a response already accepted under r's id: its receipt, marked
	// Duplicate, when its answers are r's, an error with CodeConflict when they are not;
	// known is false when the id was never accepted. A submission of the id in progress is
	// waited for.
	Recognize(ctx context.Context, r *Response) (rc Receipt, known bool, err error)
}
