package survey

import (
	"context"
	"sync"
	"time"
)

// CachedCatalog keeps a Catalog in memory: forms for good (a version never changes) and the
// survey list for a short time. When the catalog underneath cannot be read, the last list
// read is served, so participants still get their forms while the database is away.
type CachedCatalog struct {
	next Catalog
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	forms   map[formKey]*Form
	surveys []Survey
	loaded  time.Time
}

type formKey struct {
	survey  string
	version int
}

var _ Catalog = (*CachedCatalog)(nil)

// NewCachedCatalog caches next, re-reading the survey list at most every ttl.
func NewCachedCatalog(next Catalog, ttl time.Duration) *CachedCatalog {
	return &CachedCatalog{next: next, ttl: ttl, now: time.Now, forms: map[formKey]*Form{}}
}

// Surveys returns the survey list, re-read when older than the cache's ttl.
func (c *CachedCatalog) Surveys(ctx context.Context) ([]Survey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.surveys != nil && c.now().Sub(c.loaded) < c.ttl {
		return c.surveys, nil
	}
	list, err := c.next.Surveys(ctx)
	if err != nil {
		if c.surveys != nil {
			return c.surveys, nil // stale but useful; readiness reports the database
		}
		return nil, err
	}
	c.surveys, c.loaded = list, c.now()
	return list, nil
}

// Form returns a form version, read once.
func (c *CachedCatalog) Form(ctx context.Context, surveyID string, version int) (*Form, error) {
	k := formKey{surveyID, version}
	c.mu.Lock()
	f, ok := c.forms[k]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := c.next.Form(ctx, surveyID, version)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.forms[k] = f
	c.mu.Unlock()
	return f, nil
}

// SaveForm stores a form and forgets the cached survey list.
func (c *CachedCatalog) SaveForm(ctx context.Context, f *Form) error {
	if err := c.next.SaveForm(ctx, f); err != nil {
		return err
	}
	c.invalidate()
	return nil
}

// SaveEdition stores an edition and forgets the cached survey list.
func (c *CachedCatalog) SaveEdition(ctx context.Context, e Edition) error {
	if err := c.next.SaveEdition(ctx, e); err != nil {
		return err
	}
	c.invalidate()
	return nil
}

func (c *CachedCatalog) invalidate() {
	c.mu.Lock()
	c.surveys = nil
	c.mu.Unlock()
}
