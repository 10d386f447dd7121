package analyticstest

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

var _ analytics.Store = (*Store)(nil)

// Store is an in-memory analytics.Store over responses, safe for concurrent use. Like the
// database, it keeps every copy of a response it is given and counts each response once.
type Store struct {
	mu        sync.RWMutex
	responses []*survey.Response
	err       error
}

// NewStore returns a Store holding responses.
func NewStore(responses ...*survey.Response) *Store {
	return &Store{responses: slices.Clone(responses)}
}

// Add stores more responses (copies of stored ones included).
func (s *Store) Add(responses ...*survey.Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responses = append(s.responses, responses...)
}

// FailWith makes every later call fail with err, or succeed again when err is nil.
func (s *Store) FailWith(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// each calls fn once per distinct response of q's survey that q's filter keeps.
func (s *Store) each(q analytics.Query, fn func(r *survey.Response, full analytics.Group)) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.err != nil {
		return s.err
	}
	seen := map[survey.ResponseID]bool{}
	for _, r := range s.responses {
		full := analytics.Group{Edition: r.Edition, Country: r.Country, Organisation: r.Organisation, Role: r.Role, Language: r.Language}
		if r.SurveyID != q.Survey || seen[r.ID] || !q.Filter.Match(full) {
			continue
		}
		seen[r.ID] = true
		fn(r, full)
	}
	return nil
}

// ResponseCounts counts distinct responses per group.
func (s *Store) ResponseCounts(ctx context.Context, q analytics.Query) ([]analytics.Count, error) {
	counts := map[analytics.Group]int{}
	err := s.each(q, func(r *survey.Response, full analytics.Group) { counts[full.Only(q.By)]++ })
	if err != nil {
		return nil, err
	}
	if len(q.By) == 0 && len(counts) == 0 {
		return []analytics.Count{{}}, nil
	}
	return sortedCounts(counts), nil
}

type binKey struct {
	group analytics.Group
	item  string
	num   float64
	text  string
}

// Distribution builds the histograms of a question's answers.
func (s *Store) Distribution(ctx context.Context, q analytics.Query, question string, v analytics.Value) (*analytics.Distribution, error) {
	bins := map[binKey]int{}
	answered := map[analytics.Group]map[string]int{}
	err := s.each(q, func(r *survey.Response, full analytics.Group) {
		g := full.Only(q.By)
		for _, a := range r.Answers {
			if a.Question != question {
				continue
			}
			var values []binKey
			switch v {
			case analytics.ValueNumber:
				if a.HasNum {
					values = append(values, binKey{g, a.Item, a.Num, ""})
				}
			case analytics.ValueText:
				if a.Text != "" {
					values = append(values, binKey{g, a.Item, 0, a.Text})
				}
			case analytics.ValueChoices:
				for _, c := range a.Choices {
					values = append(values, binKey{g, a.Item, 0, c})
				}
			}
			if v != analytics.ValueAnswered && len(values) == 0 && v != analytics.ValueChoices {
				continue
			}
			for _, b := range values {
				bins[b]++
			}
			if answered[g] == nil {
				answered[g] = map[string]int{}
			}
			answered[g][a.Item]++
		}
	})
	if err != nil {
		return nil, err
	}
	d := &analytics.Distribution{}
	for k, n := range bins {
		d.Bins = append(d.Bins, analytics.Bin{Group: k.group, Item: k.item, Num: k.num, Text: k.text, N: n})
	}
	slices.SortFunc(d.Bins, func(a, b analytics.Bin) int {
		return cmp.Or(compareGroups(a.Group, b.Group), strings.Compare(a.Item, b.Item), cmp.Compare(a.Num, b.Num), strings.Compare(a.Text, b.Text))
	})
	for g, items := range answered {
		for item, n := range items {
			d.Answered = append(d.Answered, analytics.Count{Group: g, Item: item, N: n})
		}
	}
	slices.SortFunc(d.Answered, func(a, b analytics.Count) int {
		return cmp.Or(compareGroups(a.Group, b.Group), strings.Compare(a.Item, b.Item))
	})
	return d, nil
}

// Comments lists text answers newest edition first, latest submitted first.
func (s *Store) Comments(ctx context.Context, q analytics.Query, question string, page analytics.Page) ([]analytics.Comment, error) {
	var out []analytics.Comment
	err := s.each(q, func(r *survey.Response, full analytics.Group) {
		for _, a := range r.Answers {
			if a.Question == question && a.Text != "" {
				out = append(out, analytics.Comment{Group: full, SubmittedAt: r.SubmittedAt.Truncate(1e9), Text: a.Text})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b analytics.Comment) int {
		return cmp.Or(cmp.Compare(b.Group.Edition, a.Group.Edition), b.SubmittedAt.Compare(a.SubmittedAt),
			compareGroups(a.Group, b.Group), strings.Compare(a.Text, b.Text))
	})
	if page.Offset >= len(out) {
		return []analytics.Comment{}, nil
	}
	return out[page.Offset:min(len(out), page.Offset+page.Limit)], nil
}

func sortedCounts(m map[analytics.Group]int) []analytics.Count {
	out := make([]analytics.Count, 0, len(m))
	for g, n := range m {
		out = append(out, analytics.Count{Group: g, N: n})
	}
	slices.SortFunc(out, func(a, b analytics.Count) int { return compareGroups(a.Group, b.Group) })
	return out
}

func compareGroups(a, b analytics.Group) int {
	return cmp.Or(cmp.Compare(a.Edition, b.Edition), strings.Compare(a.Country, b.Country),
		strings.Compare(a.Organisation, b.Organisation), strings.Compare(a.Role, b.Role), strings.Compare(a.Language, b.Language))
}

// Responses gives each distinct response the filter keeps, by edition then id, with its
// answers (to questions, when given) sorted by question and item.
func (s *Store) Responses(ctx context.Context, q analytics.Query, questions []string, fn func(*survey.Response) error) error {
	var list []*survey.Response
	err := s.each(q, func(r *survey.Response, _ analytics.Group) { list = append(list, r) })
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b *survey.Response) int {
		return cmp.Or(cmp.Compare(a.Edition, b.Edition), strings.Compare(string(a.ID[:]), string(b.ID[:])))
	})
	for _, r := range list {
		c := *r
		c.Answers = nil
		for _, a := range r.Answers {
			if questions == nil || slices.Contains(questions, a.Question) {
				c.Answers = append(c.Answers, a)
			}
		}
		slices.SortStableFunc(c.Answers, func(a, b survey.Answer) int {
			return cmp.Or(strings.Compare(a.Question, b.Question), strings.Compare(a.Item, b.Item))
		})
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}
