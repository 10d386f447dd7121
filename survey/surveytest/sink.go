package surveytest

import (
	"context"
	"sort"
	"sync"

	"github.com/palabre/palabre/survey"
)

var _ survey.Sink = (*Sink)(nil)

// Sink is an in-memory survey.Sink, safe for concurrent use. The zero value is empty and
// ready to use.
type Sink struct {
	mu        sync.Mutex
	responses map[survey.ResponseID]*survey.Response
	order     []survey.ResponseID
	digests   map[survey.ResponseID]uint64
	calls     int
	err       error
}

// Submit stores a copy of r. The same id with the same Digest is a duplicate: not stored
// again, and the receipt carries the first SubmittedAt. The same id with another digest
// fails with CodeConflict.
func (s *Sink) Submit(ctx context.Context, r *survey.Response) (survey.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return survey.Receipt{}, s.err
	}
	if err := ctx.Err(); err != nil {
		return survey.Receipt{}, err
	}
	d := r.Digest()
	if old, ok := s.responses[r.ID]; ok {
		if s.digests[r.ID] != d {
			return survey.Receipt{}, survey.Errorf(survey.CodeConflict, survey.MsgConflict)
		}
		return survey.Receipt{ID: r.ID, Duplicate: true, SubmittedAt: old.SubmittedAt}, nil
	}
	if s.responses == nil {
		s.responses = map[survey.ResponseID]*survey.Response{}
		s.digests = map[survey.ResponseID]uint64{}
	}
	s.responses[r.ID] = cloneResponse(r)
	s.digests[r.ID] = d
	s.order = append(s.order, r.ID)
	return survey.Receipt{ID: r.ID, SubmittedAt: r.SubmittedAt}, nil
}

// FailWith makes every later Submit fail with err, or succeed again when err is nil.
func (s *Sink) FailWith(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Unavailable makes every later Submit fail with CodeUnavailable, telling the client to
// retry after retryAfter seconds, as a full journal does.
func (s *Sink) Unavailable(retryAfter int) {
	s.FailWith(&survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgJournalFull, retryAfter),
		RetryAfter: retryAfter})
}

// Responses returns copies of the stored responses, in the order they were first stored.
func (s *Sink) Responses() []*survey.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*survey.Response, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, cloneResponse(s.responses[id]))
	}
	return out
}

// Response returns a copy of the stored response with id.
func (s *Sink) Response(id survey.ResponseID) (*survey.Response, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.responses[id]
	if !ok {
		return nil, false
	}
	return cloneResponse(r), true
}

// Calls returns how many times Submit was called, stored or not.
func (s *Sink) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func cloneResponse(r *survey.Response) *survey.Response {
	c := *r
	c.Answers = make([]survey.Answer, len(r.Answers))
	for i, a := range r.Answers {
		a.Choices = append([]string(nil), a.Choices...)
		c.Answers[i] = a
	}
	return &c
}

// Answers indexes a response's answers by question key ("key.item" for a matrix row), for
// assertions.
func Answers(r *survey.Response) map[string]survey.Answer {
	out := make(map[string]survey.Answer, len(r.Answers))
	for _, a := range r.Answers {
		k := a.Question
		if a.Item != "" {
			k += "." + a.Item
		}
		out[k] = a
	}
	return out
}

// Keys returns the sorted keys of Answers(r).
func Keys(r *survey.Response) []string {
	m := Answers(r)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
