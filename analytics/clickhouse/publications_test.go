package clickhouse_test

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
)

func testBuilder() *reports.Builder {
	data := analyticstest.NewStore(analyticstest.Responses(3, 40)...)
	return reports.NewBuilder(analyticstest.Catalog(), analytics.NewService(analyticstest.Catalog(), data, 5), "test")
}

// process is one palabre process's view of the dashboards of a database: its own
// connection, keyring and cache.
type process struct {
	db    *clickhouse.DB
	keys  *links.Keyring
	store *publish.Store
}

func openProcess(t *testing.T, dsn string, cluster ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := clickhouse.Config{DSN: dsn, DialTimeout: 2 * time.Second}
	if len(cluster) > 0 {
		cfg.Cluster = cluster[0]
	}
	db, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := links.OpenKeyringStore(db.LinkKeys())
	if err != nil {
		t.Fatal(err)
	}
	return &process{db: db, keys: keys, store: publish.New(db.Publications(), keys, testBuilder())}
}

func sharedDatabase(t *testing.T) string {
	t.Helper()
	dsn := clickhousetest.NewDSN(t)
	db := clickhousetest.OpenDSN(t, dsn)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// within polls cond every 100 ms until it holds or limit has passed since start, and says
// how long it took.
func within(t *testing.T, start time.Time, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// Two processes over one database: a dashboard published on one opens on the other; a
// refresh, a revocation and a retired key made on one hold on the other within
// publish.RevocationDelay; keys rotated on both at once are both kept.
func TestPublicationsSharedByProcesses(t *testing.T) {
	dsn := sharedDatabase(t)
	testPublicationsShared(t, openProcess(t, dsn), openProcess(t, dsn), func() *process { return openProcess(t, dsn) })
}

// The same on a cluster, the two processes connected to different nodes (A to the first,
// B to the last: another shard's replica), so that B reads what A wrote once replicated.
func TestPublicationsSharedOnACluster(t *testing.T) {
	cluster, dsn := clickhousetest.NewClusterDSN(t)
	db := clickhousetest.OpenClusterDSN(t, cluster, dsn)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	hosts := strings.Split(u.Host, ",")
	slices.Reverse(hosts)
	u.Host = strings.Join(hosts, ",")
	testPublicationsShared(t, openProcess(t, dsn, cluster), openProcess(t, u.String(), cluster),
		func() *process { return openProcess(t, u.String(), cluster) })
}

func testPublicationsShared(t *testing.T, a, b *process, another func() *process) {
	if ka, kb := a.keys.Keys(), b.keys.Keys(); len(ka) == 0 || len(kb) == 0 {
		t.Fatalf("keys: %v %v", ka, kb)
	}
	ctx := context.Background()
	p, err := a.store.Publish(ctx, publish.Scope{Survey: "partners-meeting"}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.store.Publish(ctx, publish.Scope{Survey: "partners-meeting", Editions: []int{2025}}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// On a cluster B may read another replica, which has A's rows once replicated.
	v, err := b.store.Open(p.Token)
	for deadline := time.Now().Add(publish.RevocationDelay); err != nil && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		v, err = b.store.Open(p.Token)
	}
	if err != nil {
		t.Fatalf("B opens A's link: %v", err)
	}
	if v.Publication.ID != p.ID || v.Report == nil || len(v.Report.Questions) == 0 || v.Publication.DataVersion != p.DataVersion {
		t.Fatalf("B reads %+v", v.Publication)
	}
	list, err := b.store.List()
	for deadline := time.Now().Add(publish.RevocationDelay); (err != nil || len(list) != 2) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		list, err = b.store.List()
	}
	if err != nil || len(list) != 2 {
		t.Fatalf("B lists %v %v", list, err)
	}
	// Refreshed on B: A shows the new computation within the delay, under the same link.
	time.Sleep(1100 * time.Millisecond) // the next second: another Published
	start := time.Now()
	r, err := b.store.Refresh(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	took := within(t, start, publish.RevocationDelay, "A sees B's refresh", func() bool {
		v, err := a.store.Open(p.Token)
		return err == nil && v.Publication.Published.Equal(r.Published)
	})
	t.Logf("a refresh on B seen on A after %s", took)
	// Revoked on A (while B has it cached): B refuses it within the delay.
	if _, err := b.store.Open(other.Token); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := a.store.Revoke(other.ID); err != nil {
		t.Fatal(err)
	}
	took = within(t, start, publish.RevocationDelay, "B refuses a link revoked on A", func() bool {
		_, err := b.store.Open(other.Token)
		return errors.Is(err, publish.ErrRevoked)
	})
	t.Logf("a revocation on A refused on B after %s", took)
	if g, err := b.store.Get(other.ID); err != nil || g.Revoked.IsZero() {
		t.Errorf("B's Get after the revocation: %+v %v", g, err)
	}
	// A refresh written from a copy read before the revocation does not undo it.
	if _, err := b.store.Refresh(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Open(other.Token); !errors.Is(err, publish.ErrRevoked) {
		t.Errorf("revoked, then refreshed: %v", err)
	}
	// Keys: rotated on A and B at once, both kept; the later signs; B retires the first key,
	// and A refuses its links within the delay.
	// (On a cluster, A and B may each have made a first key before seeing the other's.)
	var before int
	within(t, time.Now(), publish.RevocationDelay, "A and B hold the same keys", func() bool {
		before = len(a.keys.Keys())
		return a.keys.Reload() == nil && b.keys.Reload() == nil && len(a.keys.Keys()) == len(b.keys.Keys())
	})
	before = len(a.keys.Keys())
	first := a.keys.Keys()[0].ID
	var wg sync.WaitGroup
	var ka, kb string
	var ea, eb error
	wg.Go(func() { ka, ea = a.keys.Rotate() })
	wg.Go(func() { kb, eb = b.keys.Rotate() })
	wg.Wait()
	if ea != nil || eb != nil {
		t.Fatal(ea, eb)
	}
	// On a cluster, B's key reaches A's node once replicated.
	within(t, time.Now(), publish.RevocationDelay, "A and B see both new keys", func() bool {
		return a.keys.Reload() == nil && len(a.keys.Keys()) == before+2 && b.keys.Reload() == nil && len(b.keys.Keys()) == before+2
	})
	keys := a.keys.Keys()
	ids := map[string]bool{}
	for _, k := range keys {
		ids[k.ID] = true
	}
	if len(keys) != before+2 || !ids[ka] || !ids[kb] || !ids[first] || !keys[len(keys)-1].Current {
		t.Fatalf("after two rotations at once: %+v", keys)
	}
	current := keys[len(keys)-1].ID
	if err := b.keys.Retire(current); !errors.Is(err, links.ErrCurrentKey) {
		t.Errorf("retiring the current key: %v", err)
	}
	if _, err := a.store.Open(p.Token); err != nil {
		t.Fatalf("before retiring its key: %v", err)
	}
	start = time.Now()
	if err := b.keys.Retire(first); err != nil {
		t.Fatal(err)
	}
	took = within(t, start, publish.RevocationDelay, "A refuses a link whose key B retired", func() bool {
		_, err := a.store.Open(p.Token)
		return errors.Is(err, publish.ErrNotFound)
	})
	t.Logf("a key retired on B refused on A after %s", took)
	// A new process over the database signs with the current key and refuses the retired one.
	c := another()
	if _, err := c.store.Open(p.Token); !errors.Is(err, publish.ErrNotFound) {
		t.Errorf("a new process opens a link of a retired key: %v", err)
	}
	if k := c.keys.Keys(); len(k) != len(keys)-1 || !k[len(k)-1].Current || k[len(k)-1].ID != current {
		t.Errorf("a new process's keys: %+v", k)
	}
}

// A data directory written by the file store (keys in keys/links.json, publications in
// publications/) is imported once into the database: its links open there, on any process,
// with their revocation and last view; importing again, or from two processes at once,
// adds nothing.
func TestImportDashboardsFromDataDirectory(t *testing.T) {
	data := t.TempDir()
	keysPath, pubDir := filepath.Join(data, "keys", "links.json"), filepath.Join(data, "publications")
	fileKeys, err := links.OpenKeyring(keysPath)
	if err != nil {
		t.Fatal(err)
	}
	files, err := publish.Open(pubDir, fileKeys, testBuilder())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	retiredKey := fileKeys.Keys()[0].ID
	gone, err := files.Publish(ctx, publish.Scope{Survey: "partners-meeting", Language: "en"}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fileKeys.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := fileKeys.Retire(retiredKey); err != nil {
		t.Fatal(err)
	}
	live, err := files.Publish(ctx, publish.Scope{Survey: "partners-meeting", Editions: []int{2024, 2025}}, publish.Options{Refresh: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := files.Open(live.Token); err != nil { // records a view
		t.Fatal(err)
	}
	revoked, err := files.Publish(ctx, publish.Scope{Survey: "partners-meeting", Editions: []int{2025}}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := files.Revoke(revoked.ID); err != nil {
		t.Fatal(err)
	}
	before, err := files.List()
	if err != nil || len(before) != 3 {
		t.Fatal(before, err)
	}
	dsn := sharedDatabase(t)
	a, b := openProcess(t, dsn), openProcess(t, dsn) // each created a key of its own first
	var wg sync.WaitGroup
	var na, nb clickhouse.DashboardImport
	var ea, eb error
	wg.Go(func() { na, ea = a.db.ImportDashboards(ctx, keysPath, pubDir) })
	wg.Go(func() { nb, eb = b.db.ImportDashboards(ctx, keysPath, pubDir) })
	wg.Wait()
	if ea != nil || eb != nil {
		t.Fatal(ea, eb)
	}
	if na.Publications != 3 && nb.Publications != 3 || na.Keys != 1 && nb.Keys != 1 {
		t.Errorf("imports at once: %+v and %+v", na, nb)
	}
	again, err := a.db.ImportDashboards(ctx, keysPath, pubDir)
	if err != nil || again != (clickhouse.DashboardImport{}) {
		t.Errorf("imported again: %+v %v", again, err)
	}
	if err := a.keys.Reload(); err != nil {
		t.Fatal(err)
	}
	list, err := a.store.List()
	if err != nil || len(list) != 3 {
		t.Fatalf("list after import: %v %v", list, err)
	}
	for _, want := range before {
		var got *publish.Publication
		for i := range list {
			if list[i].ID == want.ID {
				got = &list[i]
			}
		}
		if got == nil || got.Token != want.Token || !got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) ||
			!got.Revoked.Equal(want.Revoked) || got.Refresh != want.Refresh || !got.Published.Equal(want.Published) ||
			got.Scope.String() != want.Scope.String() || got.Title != want.Title {
			t.Errorf("imported %+v, want %+v", got, want)
		}
		if want.ID == live.ID && (want.Viewed.IsZero() || !got.Viewed.Equal(want.Viewed)) {
			t.Errorf("last view imported as %s, want %s", got.Viewed, want.Viewed)
		}
	}
	for name, s := range map[string]*publish.Store{"A": a.store, "B": b.store, "new": openProcess(t, dsn).store} {
		v, err := s.Open(live.Token)
		if err != nil {
			t.Fatalf("%s: the link published before the import: %v", name, err)
		}
		if v.Publication.DataVersion != live.DataVersion || v.Publication.Token != live.Token || len(v.Report.Questions) == 0 ||
			v.Report.Request.Audience != analytics.Funder {
			t.Errorf("%s reads %+v", name, v.Publication)
		}
		if _, err := s.Open(revoked.Token); !errors.Is(err, publish.ErrRevoked) {
			t.Errorf("%s: the link revoked before the import: %v", name, err)
		}
		if _, err := s.Open(gone.Token); !errors.Is(err, publish.ErrNotFound) {
			t.Errorf("%s: a link of a key retired before the import: %v", name, err)
		}
	}
	// The file's current key is kept apart from the keys the processes made (which sign
	// from now on: they were added later); the retired one stays retired.
	var fileCurrent string
	for _, k := range fileKeys.Keys() {
		if k.Current {
			fileCurrent = k.ID
		}
	}
	found := false
	for _, k := range a.keys.Keys() {
		found = found || k.ID == fileCurrent
		if k.ID == retiredKey {
			t.Errorf("retired key %s is active after the import", k.ID)
		}
	}
	if !found {
		t.Errorf("the file's current key %s was not imported: %+v", fileCurrent, a.keys.Keys())
	}
	// Revoked on one process after the import: refused everywhere, and a later import from
	// the same directory (another restart) does not bring it back.
	if _, err := b.store.Revoke(live.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.ImportDashboards(ctx, keysPath, pubDir); err != nil {
		t.Fatal(err)
	}
	if _, err := openProcess(t, dsn).store.Open(live.Token); !errors.Is(err, publish.ErrRevoked) {
		t.Errorf("revoked after the import, then imported again: %v", err)
	}
	// A data directory without dashboards imports nothing.
	if n, err := a.db.ImportDashboards(ctx, filepath.Join(t.TempDir(), "none.json"), filepath.Join(t.TempDir(), "none")); err != nil || n != (clickhouse.DashboardImport{}) {
		t.Errorf("empty data directory: %+v %v", n, err)
	}
}

// A refresh deletes the figures computed before (an erased response's comment must not stay
// in an older row), and retiring a key deletes the row that held its secret, without waiting
// for the engine to merge them away.
func TestOlderFiguresAndRetiredSecretsDeleted(t *testing.T) {
	dsn := sharedDatabase(t)
	a := openProcess(t, dsn)
	conn := rawConn(t, a.db.Database())
	ctx := context.Background()
	count := func(query string, args ...any) uint64 {
		t.Helper()
		var n uint64
		if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p, err := a.store.Publish(ctx, publish.Scope{Survey: "partners-meeting"}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := a.store.Refresh(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	within(t, time.Now(), 10*time.Second, "one row of figures left", func() bool {
		return count("SELECT count() FROM publications WHERE id = ?", p.ID) == 1
	})
	old := a.keys.Keys()[0].ID
	if _, err := a.keys.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := a.keys.Retire(old); err != nil {
		t.Fatal(err)
	}
	within(t, time.Now(), 10*time.Second, "the retired key's secret deleted", func() bool {
		return count("SELECT count() FROM link_keys WHERE id = ? AND secret != ''", old) == 0
	})
	if n := count("SELECT count() FROM link_keys WHERE id = ?", old); n != 1 {
		t.Errorf("%d rows of the retired key, want 1 (its retirement)", n)
	}
	if _, err := a.store.Open(p.Token); !errors.Is(err, publish.ErrNotFound) {
		t.Errorf("a link of the retired key: %v", err)
	}
}

// BenchmarkOpenDashboard opens a link kept in ClickHouse over and over, as a link's page
// does: mostly from the cache, with a query of one row every PublicationCacheFor and a read
// of the keys every links.StoreReloadEvery.
//
//	PALABRE_TEST_CLICKHOUSE=clickhouse://127.0.0.1:19000 go test -run '^$' -bench OpenDashboard -benchtime 5s ./analytics/clickhouse
func BenchmarkOpenDashboard(b *testing.B) {
	dsn := clickhousetest.NewDSN(b)
	db := clickhousetest.OpenDSN(b, dsn)
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	keys, err := links.OpenKeyringStore(db.LinkKeys())
	if err != nil {
		b.Fatal(err)
	}
	s := publish.New(db.Publications(), keys, testBuilder())
	p, err := s.Publish(context.Background(), publish.Scope{Survey: "partners-meeting"}, publish.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Open(p.Token); err != nil {
			b.Fatal(err)
		}
	}
}
