// Package localcatalog keeps a copy of the survey catalog on local disk, so that palabre
// still serves its forms and takes answers after a restart while the database is away.
//
// Catalog wraps the database's catalog. Every survey list read from it is written to one
// JSON file (only when it changed), with every form version its editions use; forms never
// change once published, so a form found in the copy is served from it. When the database
// cannot be read, the copy answers, and the database is asked again only after a pause.
package localcatalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/palabre/palabre/survey"
)

// FileName is the copy's name in palabre's data directory.
const FileName = "catalog.json"

// retryAfter is how long the copy answers alone after the database failed a read.
const retryAfter = 5 * time.Second

// copyFile is the file's content.
type copyFile struct {
	Saved   time.Time       `json:"saved"`
	Surveys []survey.Survey `json:"surveys"`
	Forms   []*survey.Form  `json:"forms"`
}

// Catalog is a survey.Catalog that reads through to the database and falls back to its
// local copy. It is safe for concurrent use.
type Catalog struct {
	next survey.Catalog
	path string
	log  *slog.Logger
	now  func() time.Time

	mu        sync.Mutex
	surveys   []survey.Survey // nil until read from the database or the file
	forms     map[formKey]*survey.Form
	content   []byte    // the file's content without its time stamp; nil when there is no file
	downSince time.Time // when the database last failed; zero while it answers
}

type formKey struct {
	survey  string
	version int
}

var _ survey.Catalog = (*Catalog)(nil)

// Open reads the copy at path, if there is one, and returns a Catalog over next. A missing
// file is an empty copy; a file that does not decode is an error naming it.
func Open(next survey.Catalog, path string, log *slog.Logger) (*Catalog, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Catalog{next: next, path: path, log: log, now: time.Now, forms: map[formKey]*survey.Form{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local catalog copy: %w", err)
	}
	var f copyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("local catalog copy %s does not decode (delete it to start from the database): %w", path, err)
	}
	c.surveys = f.Surveys
	if c.surveys == nil {
		c.surveys = []survey.Survey{}
	}
	for _, form := range f.Forms {
		c.forms[formKey{form.SurveyID, form.Version}] = form
	}
	f.Saved = time.Time{}
	if c.content, err = json.Marshal(f); err != nil {
		return nil, err
	}
	return c, nil
}

// Exists reports whether a copy was found or written: palabre can then start without the
// database.
func (c *Catalog) Exists() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.content != nil
}

// Surveys lists the surveys from the database, keeping the copy up to date, or from the
// copy while the database cannot be read.
func (c *Catalog) Surveys(ctx context.Context) ([]survey.Survey, error) {
	c.mu.Lock()
	local, resting := c.surveys, !c.downSince.IsZero() && c.now().Sub(c.downSince) < retryAfter
	c.mu.Unlock()
	if resting && local != nil {
		return local, nil
	}
	list, err := c.next.Surveys(ctx)
	if err != nil {
		return c.fallBack(local, err)
	}
	forms, err := c.formsOf(ctx, list)
	if err != nil {
		return c.fallBack(local, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.downSince.IsZero() {
		c.log.Info("catalog: the database answers again")
		c.downSince = time.Time{}
	}
	c.surveys = list
	for _, f := range forms {
		c.forms[formKey{f.SurveyID, f.Version}] = f
	}
	if err := c.save(list, forms); err != nil {
		c.log.Error("catalog: cannot write the local copy", slog.String("file", c.path), slog.Any("error", err))
	}
	return list, nil
}

func (c *Catalog) fallBack(local []survey.Survey, err error) ([]survey.Survey, error) {
	c.mu.Lock()
	first := c.downSince.IsZero()
	c.downSince = c.now()
	c.mu.Unlock()
	if local == nil {
		return nil, err
	}
	if first {
		c.log.Warn("catalog: the database cannot be read; serving the local copy", slog.String("file", c.path),
			slog.Any("error", err))
	}
	return local, nil
}

// formsOf returns every form version the editions of list use, from the copy when it holds
// them (a published version never changes), else from the database.
func (c *Catalog) formsOf(ctx context.Context, list []survey.Survey) ([]*survey.Form, error) {
	var out []*survey.Form
	seen := map[formKey]bool{}
	for _, s := range list {
		for _, e := range s.Editions {
			k := formKey{s.ID, e.FormVersion}
			if seen[k] {
				continue
			}
			seen[k] = true
			c.mu.Lock()
			f := c.forms[k]
			c.mu.Unlock()
			if f == nil {
				var err error
				if f, err = c.next.Form(ctx, s.ID, e.FormVersion); err != nil {
					if survey.ErrorCode(err) == survey.CodeNotFound {
						continue // an edition naming a missing form: its page says so
					}
					return nil, err
				}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// save writes the copy when it changed: to a temporary file, synced, then renamed over the
// old one, so a crash leaves the old copy or the new one. Called with c.mu held.
func (c *Catalog) save(list []survey.Survey, forms []*survey.Form) error {
	body, err := json.Marshal(copyFile{Surveys: list, Forms: forms})
	if err != nil {
		return err
	}
	if bytes.Equal(c.content, body) {
		return nil
	}
	stamped, err := json.Marshal(copyFile{Saved: c.now().UTC(), Surveys: list, Forms: forms})
	if err != nil {
		return err
	}
	if err := writeAtomic(c.path, stamped); err != nil {
		return err
	}
	c.content = body
	return nil
}

func writeAtomic(path string, body []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".catalog-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Form returns a form version: from the copy when it holds it, else from the database.
func (c *Catalog) Form(ctx context.Context, surveyID string, version int) (*survey.Form, error) {
	c.mu.Lock()
	f := c.forms[formKey{surveyID, version}]
	c.mu.Unlock()
	if f != nil {
		return f, nil
	}
	return c.next.Form(ctx, surveyID, version)
}

// SaveForm stores a form in the database; the copy follows at the next survey list.
func (c *Catalog) SaveForm(ctx context.Context, f *survey.Form) error { return c.next.SaveForm(ctx, f) }

// SaveEdition stores an edition in the database; the copy follows at the next survey list.
func (c *Catalog) SaveEdition(ctx context.Context, e survey.Edition) error {
	return c.next.SaveEdition(ctx, e)
}
