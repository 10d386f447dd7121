package analytics

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/palabre/palabre/survey"
)

// Service answers analytics requests from a survey catalog and a Store.
type Service struct {
	catalog   survey.Catalog
	store     Store
	threshold int
}

// NewService returns a Service; a threshold below 1 means DefaultThreshold.
func NewService(catalog survey.Catalog, store Store, threshold int) *Service {
	if threshold < 1 {
		threshold = DefaultThreshold
	}
	return &Service{catalog: catalog, store: store, threshold: threshold}
}

// Threshold is the smallest cell shown to funders.
func (s *Service) Threshold() int { return s.threshold }

// Analyze answers one request: response counts when it names no question, else the
// question's cells (and comments, and changes when it compares editions). Errors are
// *survey.Error for what the caller can fix: an unknown survey (not found), an unknown
// question, dimension, edition or audience, or answers that cannot be pooled (malformed).
func (s *Service) Analyze(ctx context.Context, req Request) (*Result, error) {
	sc, err := newScope(ctx, s.catalog, req, s.threshold, req.Question != "")
	if err != nil {
		return nil, err
	}
	if sc.req.Question == "" {
		return s.responses(ctx, sc)
	}
	p, err := sc.question(sc.req.Question)
	if err != nil {
		return nil, err
	}
	return s.question(ctx, p)
}

// dashboardQueries is how many store queries a dashboard runs at once. Each ClickHouse query
// already uses every core; on two cores, two at a time was measured fastest (more only
// contend).
const dashboardQueries = 2

// Dashboard holds everything one survey's dashboard shows: response counts and every
// question's result, with the same breakdown and filter.
type Dashboard struct {
	Responses *Result   `json:"responses"`
	Questions []*Result `json:"questions"`
	// Pattern is what funders' results hide everywhere on this dashboard: pass it on in the
	// requests of anything published with it (nil for coordinators).
	Pattern *Pattern `json:"-"`
}

// Dashboard answers req (whose Question is ignored) for every question that takes answers,
// in the order of the latest form in scope, then questions only older forms ask. Questions
// whose answers cannot be pooled across the editions in scope are skipped unless the
// breakdown separates editions. Queries run dashboardQueries at a time. For funders, every
// question hides the groups the response counts hide (req.Pattern when set, else the
// pattern of these counts), so the whole dashboard is suppressed together.
func (s *Service) Dashboard(ctx context.Context, req Request) (*Dashboard, error) {
	req.Question = ""
	sc, err := newScope(ctx, s.catalog, req, s.threshold, true)
	if err != nil {
		return nil, err
	}
	var keys []string
	for i := len(sc.editions) - 1; i >= 0; i-- {
		for _, q := range sc.forms[sc.editions[i].Year].Questions() {
			if q.TakesAnswer() && !slices.Contains(keys, q.Key) {
				keys = append(keys, q.Key)
			}
		}
	}
	d := &Dashboard{Questions: make([]*Result, len(keys))}
	if sc.req.Audience != Coordinator {
		if d.Responses, err = s.responses(ctx, sc); err != nil {
			return nil, err
		}
		if sc.req.Pattern == nil {
			sc.req.Pattern = patternOf(d.Responses)
			// The pattern's lines protect its own margins; a question publishes none.
			sc.req.Margins = []Dimension{}
		}
		d.Pattern = sc.req.Pattern
	}
	errs := make([]error, len(keys)+1)
	var wg sync.WaitGroup
	sem := make(chan struct{}, dashboardQueries)
	run := func(i int, f func() (*Result, error)) {
		defer wg.Done()
		sem <- struct{}{}
		defer func() { <-sem }()
		r, err := f()
		if i < len(keys) {
			d.Questions[i], errs[i] = r, err
		} else {
			d.Responses, errs[i] = r, err
		}
	}
	wg.Add(len(keys))
	if d.Responses == nil {
		wg.Add(1)
		go run(len(keys), func() (*Result, error) { return s.responses(ctx, sc) })
	}
	for i, key := range keys {
		go run(i, func() (*Result, error) {
			p, err := sc.question(key)
			if err != nil {
				return nil, nil // not poolable in this breakdown: left out
			}
			return s.question(ctx, p)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	d.Questions = slices.DeleteFunc(d.Questions, func(r *Result) bool { return r == nil })
	return d, nil
}

// responses counts responses per group, with rates where they mean something.
func (s *Service) responses(ctx context.Context, sc *scope) (*Result, error) {
	counts, err := s.store.ResponseCounts(ctx, sc.query(nil))
	if err != nil {
		return nil, fmt.Errorf("count responses of %s: %w", sc.survey.ID, err)
	}
	return sc.responseResult(counts), nil
}

// responseResult builds a response-count result from counts. A rate is given when a cell is
// a whole edition (no breakdown or filter but by edition) whose invited number is known.
func (sc *scope) responseResult(counts []Count) *Result {
	r := sc.result()
	rated := true
	for _, d := range append(slices.Clone(sc.req.By), sc.req.Filter.Dimensions()...) {
		rated = rated && d == Edition
	}
	cells := make([]ResponseCell, 0, len(counts))
	var sizes []sized
	for _, c := range counts {
		rc := ResponseCell{Group: c.Group, size: c.N}
		e, one := sc.editionOf(c.Group)
		if rated && one && e.Invited > 0 {
			rc.Invited = e.Invited
		}
		cells = append(cells, rc)
		sizes = append(sizes, sized{keyOf(c.Group, ""), c.N})
	}
	slices.SortFunc(cells, func(a, b ResponseCell) int { return compareGroups(a.Group, b.Group) })
	hidden := map[cellKey]Suppression{}
	if sc.req.Audience != Coordinator {
		hidden = suppress(sizes, sc.req.By, sc.req.lines(), sc.threshold, sc.req.Pattern)
	}
	for i := range cells {
		c := &cells[i]
		if c.Suppressed = hidden[keyOf(c.Group, "")]; c.Suppressed != "" {
			c.Invited = 0
			continue
		}
		c.N = ptr(c.size)
		if c.Invited > 0 {
			c.Rate = ptr(float64(c.size) / float64(c.Invited))
		}
	}
	r.Responses = cells
	return r
}

// editionOf returns the edition a group lies in: its own, or the only one in scope.
func (sc *scope) editionOf(g Group) (survey.Edition, bool) {
	if g.Edition != 0 {
		return sc.survey.Edition(g.Edition)
	}
	if len(sc.editions) == 1 {
		return sc.editions[0], true
	}
	return survey.Edition{}, false
}

func (sc *scope) result() *Result {
	r := &Result{Survey: sc.survey.ID, Audience: sc.req.Audience, Threshold: sc.threshold,
		By: sc.req.By, Filter: sc.req.Filter, Editions: []int{}}
	if r.By == nil {
		r.By = []Dimension{}
	}
	if len(r.Filter) == 0 {
		r.Filter = nil
	}
	for _, e := range sc.editions {
		r.Editions = append(r.Editions, e.Year)
	}
	return r
}

// question reads one question's histograms (and comments) and builds its result.
func (s *Service) question(ctx context.Context, p *plan) (*Result, error) {
	kinds := p.valueKinds()
	d := &Distribution{}
	for v, years := range kinds {
		if len(kinds) == 1 {
			years = nil // every edition in scope reads the same way: keep the request's filter
		}
		part, err := s.store.Distribution(ctx, p.query(years), p.latest.Key, v)
		if err != nil {
			return nil, fmt.Errorf("analyse %s/%s: %w", p.survey.ID, p.latest.Key, err)
		}
		if len(kinds) == 1 {
			d = part
		} else {
			d.Bins, d.Answered = append(d.Bins, part.Bins...), append(d.Answered, part.Answered...)
		}
	}
	var comments *commentInput
	if valueOf(p.latest) == ValueAnswered {
		c, err := s.comments(ctx, p, d.Answered)
		if err != nil {
			return nil, err
		}
		comments = c
	}
	return p.finish(p.cellsFromDistribution(d), comments), nil
}

// commentInput is a page of comments with the cell sizes that decide what funders see.
type commentInput struct {
	list  []Comment
	sizes []Count // by edition and country
}

// comments reads a page of comments, and how many respondents answered by edition and
// country: from the cells' counts when the breakdown has both, else from the store.
func (s *Service) comments(ctx context.Context, p *plan, answered []Count) (*commentInput, error) {
	q := p.query(nil)
	list, err := s.store.Comments(ctx, q, p.latest.Key, p.req.Page)
	if err != nil {
		return nil, fmt.Errorf("comments on %s/%s: %w", p.survey.ID, p.latest.Key, err)
	}
	if slices.Contains(q.By, Edition) && slices.Contains(q.By, Country) {
		sizes := map[Group]int{}
		for _, c := range answered {
			sizes[Group{Edition: c.Group.Edition, Country: c.Group.Country}] += c.N
		}
		in := &commentInput{list: list}
		for g, n := range sizes {
			in.sizes = append(in.sizes, Count{Group: g, N: n})
		}
		return in, nil
	}
	q.By = []Dimension{Edition, Country}
	sizes, err := s.store.Distribution(ctx, q, p.latest.Key, ValueAnswered)
	if err != nil {
		return nil, fmt.Errorf("comments on %s/%s: %w", p.survey.ID, p.latest.Key, err)
	}
	return &commentInput{list: list, sizes: sizes.Answered}, nil
}

// finish sorts the cells, suppresses what the audience may not see, compares editions and
// attaches comments.
func (p *plan) finish(cells []Cell, comments *commentInput) *Result {
	r := p.result()
	r.Question = p.info()
	p.sortCells(cells)
	hidden := map[cellKey]Suppression{}
	if p.req.Audience != Coordinator {
		sizes := make([]sized, len(cells))
		for i, c := range cells {
			sizes[i] = sized{keyOf(c.Group, c.Item), c.size}
		}
		lines := p.req.lines()
		if comments != nil {
			// Comments show their edition: they publish each edition's total along every other
			// dimension of the breakdown.
			for _, d := range p.req.By {
				if d != Edition && !slices.Contains(lines, d) {
					lines = append(slices.Clone(lines), d)
				}
			}
		}
		hidden = suppress(sizes, p.req.By, lines, p.threshold, p.req.Pattern)
	}
	if p.req.Compare {
		r.Changes, r.NotCompared = p.changes(cells, hidden)
	}
	redactCells(cells, hidden)
	r.Cells = cells
	if comments != nil {
		total := 0
		for _, c := range comments.sizes {
			total += c.N
		}
		r.Comments = &Comments{Offset: p.req.Page.Offset, List: []CommentView{}}
		if p.req.Audience != Coordinator && total < p.threshold {
			r.Comments.Suppressed = SmallCell
		} else {
			r.Comments.Total = ptr(total)
			r.Comments.List = commentViews(comments.list, p.req.Audience, comments.sizes, p.threshold, p.hiddenFor(hidden))
		}
	}
	return r
}

// hiddenFor says which editions (Group with Edition alone) and countries' cells in an edition
// (Group with both) are hidden from funders, by the request's pattern or, for the latter, by
// the result's own suppression when its cells are exactly those (a finer table's hidden
// cells leave the country's total, a margin, to be shown).
func (p *plan) hiddenFor(hidden map[cellKey]Suppression) func(Group) bool {
	byBoth := len(p.req.By) == 2 && slices.Contains(p.req.By, Edition) && slices.Contains(p.req.By, Country)
	groups := map[Group]bool{}
	for k := range hidden {
		groups[Group{Edition: k.group.Edition, Country: k.group.Country}] = byBoth
	}
	return func(g Group) bool {
		by := []Dimension{Edition, Country}
		if g.Country == "" {
			by = by[:1]
		}
		return groups[g] || p.req.Pattern.Hides(g, by) != ""
	}
}

// info describes the question in the request's language.
func (p *plan) info() *QuestionInfo {
	q, lang, fb := p.latest, p.lang, p.survey.DefaultLanguage
	info := &QuestionInfo{Key: q.Key, Type: q.Type, Label: q.Label.In(lang, fb), NPS: hasNPS(q)}
	for _, c := range q.Choices {
		info.Choices = append(info.Choices, Label{c.Key, c.Label.In(lang, fb)})
	}
	if q.Type == survey.YesNo {
		for _, k := range []string{"yes", "no"} {
			info.Choices = append(info.Choices, Label{k, yesNoLabels[k].In(lang, survey.DefaultLanguage)})
		}
	}
	if q.Type == survey.Acknowledge {
		info.Choices = append(info.Choices, Label{survey.AcknowledgeValue, acknowledgeLabel.In(lang, survey.DefaultLanguage)})
	}
	for _, c := range q.Items {
		info.Items = append(info.Items, Label{c.Key, c.Label.In(lang, fb)})
	}
	return info
}

// Responses calls fn with every response in req's scope (its survey, and the editions and
// profiles its filter keeps), with its answers, edition by edition (oldest first); with
// questions, only those questions' answers. Raw responses identify their respondents: only
// a Coordinator request may read them, any other fails with CodeForbidden.
func (s *Service) Responses(ctx context.Context, req Request, questions []string, fn func(*survey.Response) error) error {
	sc, err := newScope(ctx, s.catalog, req, s.threshold, false)
	if err != nil {
		return err
	}
	if sc.req.Audience != Coordinator {
		return &survey.Error{Code: survey.CodeForbidden, Message: msgRawForCoordinators.Message()}
	}
	years := make([]int, len(sc.editions))
	for i, e := range sc.editions {
		years[i] = e.Year
	}
	q := sc.query(years)
	q.By = nil
	if len(years) == 0 {
		return nil
	}
	return s.store.Responses(ctx, q, questions, fn)
}
