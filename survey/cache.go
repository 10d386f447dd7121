package survey

import (
	"context"
	"sync"
	"time"
)

// CachedCatalog keeps a Catalog in memory: forms for good (a version never changes) and the
// survey list, refreshed in the background once older than a short time. When the catalog
// underneath cannot be read, the last list read is served, so participants still get their
// forms while the database is away.
type CachedCatalog struct {
	next Catalog
	ttl  time.Duration
	now  func() time.Time

	mu         sync.Mutex
	forms      map[formKey]*Form
	surveys    []Survey
	loaded     time.Time // when surveys was read, or when a refresh last failed
	refreshing bool
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

// Surveys returns the survey list. A list older than the cache's ttl is still returned at
// once while one background read refreshes it, so no request waits on the database once the
// list has been read; only the very first call waits.
func (c *CachedCatalog) Surveys(ctx context.Context) ([]Survey, error) {
	c.mu.Lock()
	list, fresh := c.surveys, c.now().Sub(c.loaded) < c.ttl
	if list != nil && !fresh && !c.refreshing {
		c.refreshing = true
		go c.refresh()
	}
	c.mu.Unlock()
	if list != nil {
		return list, nil
	}
	list, err := c.next.Surveys(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.surveys, c.loaded = list, c.now()
	c.mu.Unlock()
	return list, nil
}

// refresh re-reads the survey list; on failure the last list stays (readiness reports the
// database) and the next try waits a ttl, so a database that is away is not asked again by
// every request.
func (c *CachedCatalog) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := c.next.Surveys(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	c.loaded = c.now()
	if err == nil {
		c.surveys = list
	}
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
