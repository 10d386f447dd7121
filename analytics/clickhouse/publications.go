package clickhouse

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"

	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
)

// Publications keeps funders' dashboards in the database (tables publications,
// publication_revocations, publication_views), so that every palabre process over it serves
// every link. Load answers from a cache of each publication checked again after
// PublicationCacheFor (a query of one row): a revocation or a refresh made by any process
// holds on every process within that time, below publish.RevocationDelay.
type Publications struct {
	db *DB
	// CacheFor is how long a publication read is served without asking the database again;
	// PublicationCacheFor when 0.
	CacheFor time.Duration

	mu    sync.Mutex
	cache map[string]*cachedPublication
}

type cachedPublication struct {
	view    publish.View
	version uint64
	checked time.Time
}

// PublicationCacheFor is how long a process serves a publication as it read it.
const PublicationCacheFor = 2 * time.Second

var _ publish.Backend = (*Publications)(nil)

// publicationTimeout bounds each query of Publications and LinkKeys, whose callers have no
// context (a link's page, the keyring's reloads).
const publicationTimeout = 10 * time.Second

// Publications returns the dashboards kept in db.
func (db *DB) Publications() *Publications {
	return &Publications{db: db, cache: map[string]*cachedPublication{}}
}

func (s *Publications) cacheFor() time.Duration {
	if s.CacheFor > 0 {
		return s.CacheFor
	}
	return PublicationCacheFor
}

// Put stores a new computation of p's figures under a version greater than any stored.
func (s *Publications) Put(p publish.Publication, r *reports.Report) error {
	ctx, cancel := context.WithTimeout(context.Background(), publicationTimeout)
	defer cancel()
	snap, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var last uint64
	if err := s.db.conn.QueryRow(ctx, "SELECT max(version) FROM publications WHERE id = ?", p.ID).Scan(&last); err != nil {
		return fmt.Errorf("publish %s: %w", p.ID, err)
	}
	version := max(nextSeq(), last+1)
	if err := s.db.putPublication(ctx, p, snap, version); err != nil {
		return err
	}
	s.forget(p.ID)
	// The figures computed before are deleted (an erased response's comment must not stay in
	// an older snapshot until the engine merges it away).
	if !publish.ValidID(p.ID) {
		return fmt.Errorf("publish: id %q", p.ID)
	}
	if err := s.db.deleteFrom(ctx, "publications", fmt.Sprintf("id = '%s' AND version < %d", p.ID, version)); err != nil {
		return fmt.Errorf("publish %s: delete the figures computed before: %w", p.ID, err)
	}
	return nil
}

// putPublication inserts one row of publications.
func (db *DB) putPublication(ctx context.Context, p publish.Publication, snapshot []byte, version uint64) error {
	p.Revoked, p.Viewed = time.Time{}, time.Time{}
	pub, err := json.Marshal(p)
	if err != nil {
		return err
	}
	t, err := ext.NewTable("batch_publication",
		ext.Column("id", "String"), ext.Column("version", "UInt64"), ext.Column("survey_id", "String"),
		ext.Column("created", "DateTime"), ext.Column("publication", "String"), ext.Column("snapshot", "String"))
	if err != nil {
		return err
	}
	if err := t.Append(p.ID, version, p.Scope.Survey, p.Created, string(pub), string(snapshot)); err != nil {
		return err
	}
	err = db.conn.Exec(ch.Context(ctx, ch.WithExternalTable(t)), `INSERT INTO publications (id, version, survey_id, created, publication, snapshot)
SELECT id, version, survey_id, created, publication, snapshot FROM batch_publication`)
	if err != nil {
		return fmt.Errorf("publish %s: %w", p.ID, err)
	}
	return nil
}

// Revoke records that p's link stopped working at at.
func (s *Publications) Revoke(p publish.Publication, at time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), publicationTimeout)
	defer cancel()
	if err := s.db.revokePublication(ctx, p.ID, at); err != nil {
		return err
	}
	s.forget(p.ID)
	return nil
}

func (db *DB) revokePublication(ctx context.Context, id string, at time.Time) error {
	err := db.conn.Exec(ctx, "INSERT INTO publication_revocations (id, revoked) SELECT ?, toDateTime(?)", id, toDateTime(at))
	if err != nil {
		return fmt.Errorf("revoke %s: %w", id, err)
	}
	return nil
}

func (s *Publications) forget(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
}

// Load returns a publication and its figures: from the cache while it is younger than
// CacheFor, else after asking the database for its latest version and revocation (and
// reading the figures again only when the version changed). When the database cannot be
// reached, a cached publication is served until publish.RevocationDelay has passed since it
// was checked; then Load fails.
func (s *Publications) Load(id string) (*publish.View, error) {
	now := time.Now()
	s.mu.Lock()
	c := s.cache[id]
	s.mu.Unlock()
	if c != nil && now.Sub(c.checked) < s.cacheFor() && !now.Before(c.checked) {
		v := c.view
		return &v, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), publicationTimeout)
	defer cancel()
	var version uint64
	var revoked uint32
	err := s.db.conn.QueryRow(ctx, `SELECT max(version),
 (SELECT toUInt32(min(revoked)) FROM publication_revocations WHERE id = ?)
FROM publications WHERE id = ?`, id, id).Scan(&version, &revoked)
	if err != nil {
		if c != nil && now.Sub(c.checked) < publish.RevocationDelay {
			v := c.view
			return &v, nil
		}
		return nil, fmt.Errorf("read dashboard %s: %w", id, err)
	}
	if version == 0 {
		s.forget(id)
		return nil, publish.ErrNotFound
	}
	var next cachedPublication
	if c != nil && c.version == version {
		next = *c
	} else {
		var pub, snap string
		err := s.db.conn.QueryRow(ctx, "SELECT publication, snapshot FROM publications WHERE id = ? AND version = ? LIMIT 1",
			id, version).Scan(&pub, &snap)
		if err != nil {
			return nil, fmt.Errorf("read dashboard %s: %w", id, err)
		}
		next.version = version
		if err := json.Unmarshal([]byte(pub), &next.view.Publication); err != nil {
			return nil, fmt.Errorf("read dashboard %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(snap), &next.view.Report); err != nil {
			return nil, fmt.Errorf("read dashboard %s: %w", id, err)
		}
	}
	next.view.Publication.Revoked = time.Time{}
	if revoked > 0 {
		next.view.Publication.Revoked = time.Unix(int64(revoked), 0).UTC()
	}
	next.checked = now
	s.mu.Lock()
	s.cache[id] = &next
	s.mu.Unlock()
	v := next.view
	return &v, nil
}

// List returns every publication, its revocation and last view filled.
func (s *Publications) List() ([]publish.Publication, error) {
	ctx, cancel := context.WithTimeout(context.Background(), publicationTimeout)
	defer cancel()
	revoked, err := s.db.times(ctx, "SELECT id, toUInt32(min(revoked)) FROM publication_revocations GROUP BY id")
	if err != nil {
		return nil, fmt.Errorf("list dashboards: %w", err)
	}
	viewed, err := s.db.times(ctx, "SELECT id, toUInt32(max(viewed)) FROM publication_views GROUP BY id")
	if err != nil {
		return nil, fmt.Errorf("list dashboards: %w", err)
	}
	rows, err := s.db.conn.Query(ctx, "SELECT id, argMax(publication, version) FROM publications GROUP BY id")
	if err != nil {
		return nil, fmt.Errorf("list dashboards: %w", err)
	}
	defer rows.Close()
	var out []publish.Publication
	for rows.Next() {
		var id, pub string
		if err := rows.Scan(&id, &pub); err != nil {
			return nil, fmt.Errorf("list dashboards: %w", err)
		}
		var p publish.Publication
		if err := json.Unmarshal([]byte(pub), &p); err != nil {
			return nil, fmt.Errorf("list dashboards: %s: %w", id, err)
		}
		p.Revoked, p.Viewed = revoked[id], viewed[id]
		out = append(out, p)
	}
	return out, rows.Err()
}

// times reads (id, Unix seconds) rows.
func (db *DB) times(ctx context.Context, query string, args ...any) (map[string]time.Time, error) {
	rows, err := db.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var t uint32
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		if t > 0 {
			out[id] = time.Unix(int64(t), 0).UTC()
		}
	}
	return out, rows.Err()
}

// RecordView notes that a publication's link opened (the Store calls it at most once a
// minute per link); errors are ignored.
func (s *Publications) RecordView(id string, at time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.db.recordView(ctx, id, at)
}

func (db *DB) recordView(ctx context.Context, id string, at time.Time) error {
	return db.conn.Exec(ctx, "INSERT INTO publication_views (id, viewed) SELECT ?, toDateTime(?)", id, toDateTime(at))
}

// LastView is when a publication's link last opened, zero when never.
func (s *Publications) LastView(id string) time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), publicationTimeout)
	defer cancel()
	m, err := s.db.times(ctx, "SELECT id, toUInt32(max(viewed)) FROM publication_views WHERE id = ? GROUP BY id", id)
	if err != nil {
		return time.Time{}
	}
	return m[id]
}

// LinkKeys keeps the keys that sign dashboard links in the table link_keys, for a
// links.Keyring shared by every process (links.OpenKeyringStore).
type LinkKeys struct{ db *DB }

var _ links.KeyStore = (*LinkKeys)(nil)

// LinkKeys returns the link keys kept in db.
func (db *DB) LinkKeys() *LinkKeys { return &LinkKeys{db: db} }

type storedKey struct {
	id      string
	version uint64
	created time.Time
	added   uint64
	secret  []byte
	retired time.Time
}

func (db *DB) linkKeys(ctx context.Context) (map[string]storedKey, error) {
	rows, err := db.conn.Query(ctx, `SELECT id, max(version), toUInt32(argMax(created, version)), argMax(added, version),
 argMax(secret, version), toUInt32(argMax(retired, version)) FROM link_keys GROUP BY id`)
	if err != nil {
		return nil, fmt.Errorf("read link keys: %w", err)
	}
	defer rows.Close()
	out := map[string]storedKey{}
	for rows.Next() {
		var k storedKey
		var created, retired uint32
		var secret string
		if err := rows.Scan(&k.id, &k.version, &created, &k.added, &secret, &retired); err != nil {
			return nil, fmt.Errorf("read link keys: %w", err)
		}
		k.created, k.secret = time.Unix(int64(created), 0).UTC(), []byte(secret)
		if retired > 0 {
			k.retired = time.Unix(int64(retired), 0).UTC()
		}
		out[k.id] = k
	}
	return out, rows.Err()
}

// Load returns the keys; the current one is the active key added last.
func (s *LinkKeys) Load(ctx context.Context) (links.KeyState, error) {
	m, err := s.db.linkKeys(ctx)
	if err != nil {
		return links.KeyState{}, err
	}
	var st links.KeyState
	var active []storedKey
	for _, k := range m {
		if !k.retired.IsZero() {
			st.Retired = append(st.Retired, links.RetiredKey{ID: k.id, Retired: k.retired})
			continue
		}
		active = append(active, k)
	}
	slices.SortFunc(active, func(a, b storedKey) int {
		if a.added != b.added {
			return cmp.Compare(a.added, b.added)
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, k := range active {
		st.Keys = append(st.Keys, links.StoredKey{ID: k.id, Created: k.created, Secret: k.secret})
	}
	if len(active) > 0 {
		st.Current = active[len(active)-1].id
	}
	slices.SortFunc(st.Retired, func(a, b links.RetiredKey) int { return cmp.Compare(a.ID, b.ID) })
	return st, nil
}

// Add stores a new key, which becomes the current one.
func (s *LinkKeys) Add(ctx context.Context, k links.StoredKey) error {
	now := nextSeq()
	return s.db.putLinkKey(ctx, storedKey{id: k.ID, version: now, created: k.Created, added: now, secret: k.Secret})
}

// Retire stores key id without its secret.
func (s *LinkKeys) Retire(ctx context.Context, id string, at time.Time) error {
	m, err := s.db.linkKeys(ctx)
	if err != nil {
		return err
	}
	old := m[id]
	if !links.ValidKeyID(id) {
		return fmt.Errorf("retire link key %q: not a key id", id)
	}
	version := max(nextSeq(), old.version+1)
	if err := s.db.putLinkKey(ctx, storedKey{id: id, version: version, created: old.created, added: old.added, retired: at}); err != nil {
		return err
	}
	// Its secret goes now, not when the engine merges the rows.
	if err := s.db.deleteFrom(ctx, "link_keys", fmt.Sprintf("id = '%s' AND version < %d", id, version)); err != nil {
		return fmt.Errorf("retire link key %s: delete its secret: %w", id, err)
	}
	return nil
}

func (db *DB) putLinkKey(ctx context.Context, k storedKey) error {
	err := db.conn.Exec(ctx, `INSERT INTO link_keys (id, version, created, added, secret, retired)
SELECT ?, toUInt64(?), toDateTime(?), toUInt64(?), ?, toDateTime(?)`,
		k.id, k.version, toDateTime(k.created), k.added, string(k.secret), toDateTime(k.retired))
	if err != nil {
		return fmt.Errorf("store link key %s: %w", k.id, err)
	}
	return nil
}

// DashboardImport is what ImportDashboards copied.
type DashboardImport struct {
	Keys, RetiredKeys, Publications, Revocations int
}

// ImportDashboards copies into the database the link keys of the key file keysPath and the
// publications of the directory pubDir (as reports/publish.Dir writes them) that it does
// not hold yet, so that the links published before the database kept them still open, on
// every process. Missing files are no error; the files are left as they are. Running it
// again copies nothing more, and two processes running it at once write the same rows
// (their versions come from the files), which the tables' engines merge into one.
func (db *DB) ImportDashboards(ctx context.Context, keysPath, pubDir string) (DashboardImport, error) {
	var n DashboardImport
	file, err := links.ReadKeyFile(keysPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return n, err
	default:
		have, err := db.linkKeys(ctx)
		if err != nil {
			return n, err
		}
		for _, k := range file.Keys {
			if _, ok := have[k.ID]; ok {
				continue
			}
			// Added when created; the file's current key last among the keys of its second.
			added := uint64(k.Created.UnixNano())
			if k.ID == file.Current {
				added += uint64(time.Second - 1)
			}
			if err := db.putLinkKey(ctx, storedKey{id: k.ID, version: added, created: k.Created, added: added, secret: k.Secret}); err != nil {
				return n, err
			}
			n.Keys++
		}
		for _, k := range file.Retired {
			if old, ok := have[k.ID]; ok && !old.retired.IsZero() {
				continue
			}
			old := have[k.ID]
			v := max(uint64(k.Retired.UnixNano()), old.version+1)
			if err := db.putLinkKey(ctx, storedKey{id: k.ID, version: v, created: old.created, added: old.added, retired: k.Retired}); err != nil {
				return n, err
			}
			n.RetiredKeys++
		}
	}
	if _, err := os.Stat(pubDir); errors.Is(err, fs.ErrNotExist) {
		return n, nil
	}
	dir, err := publish.OpenDir(pubDir)
	if err != nil {
		return n, err
	}
	list, err := dir.List()
	if err != nil {
		return n, fmt.Errorf("import dashboards: %w", err)
	}
	if len(list) == 0 {
		return n, nil
	}
	have := map[string]bool{}
	rows, err := db.conn.Query(ctx, "SELECT DISTINCT id FROM publications")
	if err != nil {
		return n, fmt.Errorf("import dashboards: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return n, fmt.Errorf("import dashboards: %w", err)
		}
		have[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("import dashboards: %w", err)
	}
	revoked, err := db.times(ctx, "SELECT id, toUInt32(min(revoked)) FROM publication_revocations GROUP BY id")
	if err != nil {
		return n, fmt.Errorf("import dashboards: %w", err)
	}
	for _, listed := range list {
		id := listed.ID
		if !have[id] {
			p, snap, err := dir.ReadSnapshot(id)
			if err != nil {
				return n, fmt.Errorf("import dashboard %s: %w", id, err)
			}
			if err := db.putPublication(ctx, p, snap, uint64(p.Published.UnixNano())); err != nil {
				return n, err
			}
			n.Publications++
			if !p.Viewed.IsZero() {
				if err := db.recordView(ctx, id, p.Viewed); err != nil {
					return n, fmt.Errorf("import dashboard %s: %w", id, err)
				}
			}
		}
		if !listed.Revoked.IsZero() && revoked[id].IsZero() {
			if err := db.revokePublication(ctx, id, listed.Revoked); err != nil {
				return n, err
			}
			n.Revocations++
		}
	}
	return n, nil
}
