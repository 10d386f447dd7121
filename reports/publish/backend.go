package publish

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/palabre/palabre/reports"
)

// Backend keeps publications and their snapshots. A Dir keeps them in a directory of one
// process; analytics/clickhouse keeps them in the database that several processes share.
type Backend interface {
	// Put stores a new or refreshed publication with the figures it shows. It must never
	// undo a revocation stored meanwhile.
	Put(p Publication, r *reports.Report) error
	// Revoke stores that p's link stopped working at at.
	Revoke(p Publication, at time.Time) error
	// Load returns a publication (Revoked filled) and its figures; ErrNotFound when there
	// is none. It may answer from a cache, but a revocation stored by any process must be
	// seen within RevocationDelay.
	Load(id string) (*View, error)
	// List returns every publication, in any order, Viewed filled.
	List() ([]Publication, error)
	// RecordView notes that a publication's link opened at at; LastView returns when it
	// last did (zero when never), to the second.
	RecordView(id string, at time.Time)
	LastView(id string) time.Time
}

// RevocationDelay is the longest a revoked link may still open on a process that shares the
// publications (the promise of every Backend).
const RevocationDelay = 5 * time.Second

// Dir keeps publications under one directory, one directory each (publication.json and
// snapshot.json, written atomically), so that `palabre share` and `palabre serve` may work
// on the same data directory: it rereads a publication whose files changed.
type Dir struct {
	dir    string
	mu     sync.Mutex
	loaded map[string]*loaded
}

type loaded struct {
	view    View
	modTime time.Time
	size    int64 // of both files: a rewrite within the clock's granularity keeps the time
}

var _ Backend = (*Dir)(nil)

// OpenDir returns the publications kept in dir (created if missing).
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("publications: %w", err)
	}
	return &Dir{dir: dir, loaded: map[string]*loaded{}}, nil
}

// Path is the directory.
func (d *Dir) Path() string { return d.dir }

// Put writes the snapshot first, so that a publication file always has its figures.
func (d *Dir) Put(p Publication, r *reports.Report) error {
	dir := filepath.Join(d.dir, p.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "snapshot.json"), r); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "publication.json"), p)
}

// Revoke rewrites the publication file.
func (d *Dir) Revoke(p Publication, at time.Time) error {
	p.Revoked, p.Viewed = at, time.Time{}
	return writeJSON(filepath.Join(d.dir, p.ID, "publication.json"), p)
}

// List reads every publication file.
func (d *Dir) List() ([]Publication, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, err
	}
	var out []Publication
	for _, e := range entries {
		if !e.IsDir() || !validID(e.Name()) {
			continue
		}
		var p Publication
		if err := readJSON(filepath.Join(d.dir, e.Name(), "publication.json"), &p); err != nil {
			continue // being written
		}
		p.Viewed = d.LastView(p.ID)
		out = append(out, p)
	}
	return out, nil
}

// RecordView sets the modification time of the publication's file "viewed": a metadata
// update in the page cache (no sync, no rewrite of the publication) that cannot clobber a
// revocation written meanwhile by another process.
func (d *Dir) RecordView(id string, now time.Time) {
	if !validID(id) {
		return
	}
	path := filepath.Join(d.dir, id, "viewed")
	if err := os.Chtimes(path, now, now); errors.Is(err, os.ErrNotExist) {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
			_ = os.Chtimes(path, now, now)
		}
	}
}

// LastView is the modification time of the publication's file "viewed".
func (d *Dir) LastView(id string) time.Time {
	if !validID(id) {
		return time.Time{}
	}
	st, err := os.Stat(filepath.Join(d.dir, id, "viewed"))
	if err != nil {
		return time.Time{}
	}
	return st.ModTime().UTC().Truncate(time.Second)
}

// Load reads a publication and its snapshot, from memory unless its files changed.
func (d *Dir) Load(id string) (*View, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	dir := filepath.Join(d.dir, id)
	st, err := os.Stat(filepath.Join(dir, "publication.json"))
	if err != nil {
		return nil, ErrNotFound
	}
	snap, err := os.Stat(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		return nil, ErrNotFound
	}
	mod, size := st.ModTime(), st.Size()+snap.Size()
	if snap.ModTime().After(mod) {
		mod = snap.ModTime()
	}
	d.mu.Lock()
	l := d.loaded[id]
	d.mu.Unlock()
	if l != nil && l.modTime.Equal(mod) && l.size == size {
		v := l.view
		return &v, nil
	}
	var v View
	if err := readJSON(filepath.Join(dir, "publication.json"), &v.Publication); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, "snapshot.json"), &v.Report); err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.loaded[id] = &loaded{view: v, modTime: mod, size: size}
	d.mu.Unlock()
	return &v, nil
}

// ReadSnapshot returns a publication's files as they are on disk: its publication (Viewed
// filled) and its snapshot's JSON, to copy them elsewhere.
func (d *Dir) ReadSnapshot(id string) (Publication, []byte, error) {
	var p Publication
	if !validID(id) {
		return p, nil, ErrNotFound
	}
	if err := readJSON(filepath.Join(d.dir, id, "publication.json"), &p); err != nil {
		return p, nil, err
	}
	snap, err := os.ReadFile(filepath.Join(d.dir, id, "snapshot.json"))
	if err != nil {
		return p, nil, err
	}
	p.Viewed = d.LastView(id)
	return p, snap, nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
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
	return os.Rename(tmp.Name(), path)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ValidID says whether id can be a publication's id.
func ValidID(id string) bool { return validID(id) }
