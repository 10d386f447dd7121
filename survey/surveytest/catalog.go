package surveytest

import (
	"context"
	"sort"
	"sync"

	"github.com/palabre/palabre/survey"
)

var _ survey.Catalog = (*Catalog)(nil)

// Catalog is an in-memory survey.Catalog, safe for concurrent use. The zero value is empty
// and ready to use.
type Catalog struct {
	mu       sync.RWMutex
	forms    map[formKey]*survey.Form
	editions map[string]map[int]survey.Edition // by survey, then year
	err      error
}

type formKey struct {
	survey  string
	version int
}

// NewCatalog returns a catalog holding forms and editions, as if each had been saved.
// It panics on a form or edition the real catalog would refuse.
func NewCatalog(forms []*survey.Form, editions ...survey.Edition) *Catalog {
	c := &Catalog{}
	for _, f := range forms {
		if err := c.SaveForm(context.Background(), f); err != nil {
			panic("surveytest: " + err.Error())
		}
	}
	for _, e := range editions {
		if err := c.SaveEdition(context.Background(), e); err != nil {
			panic("surveytest: " + err.Error())
		}
	}
	return c
}

// FailWith makes every later call fail with err, or succeed again when err is nil.
func (c *Catalog) FailWith(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// Surveys lists every survey that has a form, sorted by id, with its editions sorted by
// year; title and languages come from the latest form version.
func (c *Catalog) Surveys(ctx context.Context) ([]survey.Survey, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.err != nil {
		return nil, c.err
	}
	latest := map[string]*survey.Form{}
	for k, f := range c.forms {
		if l, ok := latest[k.survey]; !ok || f.Version > l.Version {
			latest[k.survey] = f
		}
	}
	out := make([]survey.Survey, 0, len(latest))
	for id, f := range latest {
		s := survey.Survey{ID: id, Title: f.Title, Description: f.Description,
			DefaultLanguage: f.DefaultLanguage, Languages: append([]string(nil), f.Languages...)}
		for _, e := range c.editions[id] {
			s.Editions = append(s.Editions, e)
		}
		sort.Slice(s.Editions, func(i, j int) bool { return s.Editions[i].Year < s.Editions[j].Year })
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Form returns a copy of a stored form version, or an error with CodeNotFound.
func (c *Catalog) Form(ctx context.Context, surveyID string, version int) (*survey.Form, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.err != nil {
		return nil, c.err
	}
	f, ok := c.forms[formKey{surveyID, version}]
	if !ok {
		return nil, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownForm, surveyID, version)
	}
	return Clone(f), nil
}

// SaveForm stores a copy of f. Saving a version again with the same content does nothing;
// with other content it fails with CodeConflict.
func (c *Catalog) SaveForm(ctx context.Context, f *survey.Form) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	k := formKey{f.SurveyID, f.Version}
	if old, ok := c.forms[k]; ok {
		if old.Digest() == f.Digest() {
			return nil
		}
		return &survey.Error{Code: survey.CodeConflict, Message: survey.Msg(survey.MsgFormChanged, f.SurveyID, f.Version)}
	}
	if c.forms == nil {
		c.forms = map[formKey]*survey.Form{}
	}
	c.forms[k] = Clone(f)
	return nil
}

// SaveEdition creates an edition or replaces it, after the checks the real catalog makes.
func (c *Catalog) SaveEdition(ctx context.Context, e survey.Edition) error {
	if err := survey.CheckEdition(e); err != nil {
		return &survey.Error{Code: survey.CodeInvalid, Message: survey.Msg(survey.MsgInvalidEdition, err.Error()), Err: err}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if c.editions == nil {
		c.editions = map[string]map[int]survey.Edition{}
	}
	if c.editions[e.SurveyID] == nil {
		c.editions[e.SurveyID] = map[int]survey.Edition{}
	}
	c.editions[e.SurveyID][e.Year] = e
	return nil
}
