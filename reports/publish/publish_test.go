package publish_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/analyticstest"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
	"github.com/palabre/palabre/survey"
)

type fixture struct {
	kind  string // "dir" or "clickhouse": the Backend
	db    *clickhouse.DB
	store *publish.Store
	keys  *links.Keyring
	dir   string
	now   time.Time
	data  *analyticstest.Store
	b     *reports.Builder
}

// eachBackend runs test over the publications of a directory and over those of a
// ClickHouse database (with its link keys there too).
func eachBackend(t *testing.T, test func(t *testing.T, kind string)) {
	for _, kind := range []string{"dir", "clickhouse"} {
		t.Run(kind, func(t *testing.T) { test(t, kind) })
	}
}

func newFixture(t *testing.T, kind string) *fixture {
	t.Helper()
	dir := t.TempDir()
	fx := &fixture{kind: kind, dir: filepath.Join(dir, "publications"), now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	var err error
	if kind == "clickhouse" {
		fx.db = clickhousetest.Open(t)
		fx.keys, err = links.OpenKeyringStore(fx.db.LinkKeys())
	} else {
		fx.keys, err = links.OpenKeyring(filepath.Join(dir, "keys", "links.json"))
	}
	if err != nil {
		t.Fatal(err)
	}
	fx.data = analyticstest.NewStore(analyticstest.Responses(3, 40)...)
	svc := analytics.NewService(analyticstest.Catalog(), fx.data, 5)
	fx.b = reports.NewBuilder(analyticstest.Catalog(), svc, "test")
	fx.b.Now = func() time.Time { return fx.now }
	fx.store = fx.open(t)
	return fx
}

// open returns the store another process would open: over the same directory, or over the
// same database with a cache of its own.
func (fx *fixture) open(t *testing.T) *publish.Store {
	var s *publish.Store
	if fx.db != nil {
		s = publish.New(fx.db.Publications(), fx.keys, fx.b)
	} else {
		var err error
		if s, err = publish.Open(fx.dir, fx.keys, fx.b); err != nil {
			t.Fatal(err)
		}
	}
	s.Now = func() time.Time { return fx.now }
	return s
}

func TestPublishAndOpen(t *testing.T) { eachBackend(t, testPublishAndOpen) }

func testPublishAndOpen(t *testing.T, kind string) {
	fx := newFixture(t, kind)
	ctx := context.Background()
	p, err := fx.store.Publish(ctx, publish.Scope{Survey: "partners-meeting", Editions: []int{2025, 2024}}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Expires != fx.now.Add(publish.DefaultExpiry) || p.Scope.Language != "fr" || len(p.Scope.By) != 2 || p.Title == "" {
		t.Errorf("publication %+v", p)
	}
	want, err := fx.b.Build(ctx, reports.Request{Survey: "partners-meeting", Audience: analytics.Funder,
		Filter: analytics.Filter{analytics.Edition: {"2024", "2025"}}})
	if err != nil {
		t.Fatal(err)
	}
	// A server that did not publish it (another process) reads it from disk.
	for _, s := range []*publish.Store{fx.store, fx.open(t)} {
		v, err := s.Open(p.Token)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Report.Questions) != len(want.Questions) || v.Report.Request.Audience != analytics.Funder {
			t.Fatalf("snapshot of %d questions for %s", len(v.Report.Questions), v.Report.Request.Audience)
		}
		for i := range want.Questions {
			if d := analyticstest.Diff(v.Report.Questions[i], want.Questions[i]); d != "" {
				t.Errorf("question %s read back: %s", want.Questions[i].Question.Key, d)
			}
		}
		if d := analyticstest.Diff(v.Report.Responses, want.Responses); d != "" {
			t.Errorf("responses read back: %s", d)
		}
	}
	// New answers do not change what the link shows until it is refreshed.
	fx.data.Add(analyticstest.Responses(3, 60)[40:]...)
	before, _ := fx.store.Open(p.Token)
	fx.now = fx.now.Add(2 * time.Hour)
	if n, err := fx.store.RefreshDue(ctx); n != 0 || err != nil {
		t.Errorf("RefreshDue without a refresh period: %d %v", n, err)
	}
	after, _ := fx.store.Open(p.Token)
	if after.Publication.DataVersion != before.Publication.DataVersion {
		t.Error("the figures changed without a refresh")
	}
	if _, err := fx.store.Refresh(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := fx.store.Open(p.Token); v.Publication.DataVersion == before.Publication.DataVersion || !v.Publication.Published.Equal(fx.now) {
		t.Errorf("refreshed: data version %s, published %s", v.Publication.DataVersion, v.Publication.Published)
	}
}

func TestLinksThatDoNotOpen(t *testing.T) { eachBackend(t, testLinksThatDoNotOpen) }

func testLinksThatDoNotOpen(t *testing.T, kind string) {
	fx := newFixture(t, kind)
	ctx := context.Background()
	p, err := fx.store.Publish(ctx, publish.Scope{Survey: "partners-meeting"}, publish.Options{Expires: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other, err := fx.store.Publish(ctx, publish.Scope{Survey: "partners-meeting", Editions: []int{2025}}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Another scope signed for the same publication id: a valid signature, the wrong scope.
	scopeEdited, err := fx.keys.Sign(links.Claims{Publication: p.ID, Scope: other.Scope.String(), IssuedAt: p.Created, Expires: p.Expires})
	if err != nil {
		t.Fatal(err)
	}
	sameClaims, err := fx.keys.Sign(links.Claims{Publication: p.ID, Scope: p.Scope.String(), IssuedAt: p.Created.Add(time.Second), Expires: p.Expires})
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(p.Token)
	flipped[len(flipped)/2] ^= 1
	for name, token := range map[string]string{
		"tampered":           string(flipped),
		"truncated":          p.Token[:len(p.Token)-1],
		"empty":              "",
		"scope edited":       scopeEdited,
		"not the one issued": sameClaims,
	} {
		if v, err := fx.store.Open(token); !errors.Is(err, publish.ErrNotFound) || v != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A rotated key still opens older links; a retired one does not.
	old := fx.keys.Keys()[0].ID
	if _, err := fx.keys.Rotate(); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.Open(p.Token); err != nil {
		t.Errorf("after rotation: %v", err)
	}
	// Expired: the link says so, from its last second on.
	fx.now = p.Expires.Add(-time.Second)
	if _, err := fx.store.Open(p.Token); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	fx.now = p.Expires
	if v, err := fx.store.Open(p.Token); !errors.Is(err, publish.ErrExpired) || v == nil {
		t.Errorf("at expiry: %v", err)
	}
	// Revoked, by URL.
	if _, err := fx.store.Revoke("https://palabre.example.org/d/" + other.Token + "/"); err != nil {
		t.Fatal(err)
	}
	if v, err := fx.store.Open(other.Token); !errors.Is(err, publish.ErrRevoked) || v == nil {
		t.Errorf("revoked: %v", err)
	}
	if _, err := fx.open(t).Open(other.Token); !errors.Is(err, publish.ErrRevoked) {
		t.Errorf("revoked, read by another server: %v", err)
	}
	if err := fx.keys.Retire(old); err != nil {
		t.Fatal(err)
	}
	fx.now = p.Created
	if _, err := fx.store.Open(p.Token); !errors.Is(err, publish.ErrNotFound) {
		t.Errorf("under a retired key: %v", err)
	}
	list, err := fx.store.List()
	if err != nil || len(list) != 2 || list[0].ID != other.ID && list[1].ID != other.ID {
		t.Errorf("list: %v %v", list, err)
	}
}

// unreadable is a Backend whose reads fail as a database that cannot be reached does.
type unreadable struct {
	publish.Backend
	err error
}

func (u unreadable) Load(string) (*publish.View, error) { return nil, u.err }

// TestOpenWhileUnreadable: a good link whose publication cannot be read for now is
// ErrUnavailable (503: try again), never ErrNotFound (404: no such link); a link palabre did
// not sign stays ErrNotFound, and a publication that is not there too.
func TestOpenWhileUnreadable(t *testing.T) {
	fx := newFixture(t, "dir")
	p, err := fx.store.Publish(context.Background(), publish.Scope{Survey: "partners-meeting"}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := publish.OpenDir(fx.dir)
	if err != nil {
		t.Fatal(err)
	}
	down := publish.New(unreadable{dir, errors.New("dial tcp 127.0.0.1:9000: connection refused")}, fx.keys, fx.b)
	if v, err := down.Open(p.Token); !errors.Is(err, publish.ErrUnavailable) || errors.Is(err, publish.ErrNotFound) || v != nil {
		t.Errorf("a good link, publications unreadable: %v", err)
	}
	if _, err := down.Open(p.Token[:len(p.Token)-1]); !errors.Is(err, publish.ErrNotFound) {
		t.Errorf("a link palabre did not sign, publications unreadable: %v", err)
	}
	gone := publish.New(unreadable{dir, publish.ErrNotFound}, fx.keys, fx.b)
	if _, err := gone.Open(p.Token); !errors.Is(err, publish.ErrNotFound) || errors.Is(err, publish.ErrUnavailable) {
		t.Errorf("a good link to a publication that is not there: %v", err)
	}
}

func TestPublishRefusals(t *testing.T) { eachBackend(t, testPublishRefusals) }

func testPublishRefusals(t *testing.T, kind string) {
	fx := newFixture(t, kind)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		scope publish.Scope
		opts  publish.Options
		code  survey.Code
		text  string
	}{
		"unknown survey":      {publish.Scope{Survey: "nope"}, publish.Options{}, survey.CodeNotFound, "nope"},
		"edition as a filter": {publish.Scope{Survey: "partners-meeting", Filter: analytics.Filter{analytics.Edition: {"2024"}}}, publish.Options{}, survey.CodeMalformed, "editions"},
		"unknown question":    {publish.Scope{Survey: "partners-meeting", Questions: []string{"nope"}}, publish.Options{}, survey.CodeMalformed, "nope"},
		"small role cells":    {publish.Scope{Survey: "partners-meeting", By: []analytics.Dimension{analytics.Role, analytics.Edition}}, publish.Options{}, survey.CodeMalformed, "role"},
		"by organisation":     {publish.Scope{Survey: "partners-meeting", By: []analytics.Dimension{analytics.Organisation}}, publish.Options{}, survey.CodeMalformed, ""},
		"refreshed too often": {publish.Scope{Survey: "partners-meeting"}, publish.Options{Refresh: time.Minute}, survey.CodeMalformed, "hour"},
		"unknown language":    {publish.Scope{Survey: "partners-meeting", Language: "de"}, publish.Options{}, survey.CodeMalformed, "de"},
	} {
		_, err := fx.store.Publish(ctx, tc.scope, tc.opts)
		if survey.ErrorCode(err) != tc.code || !strings.Contains(survey.AsError(err).Message.In("en"), tc.text) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if entries, _ := os.ReadDir(fx.dir); len(entries) != 0 {
		t.Errorf("refused publications left %d entries", len(entries))
	}
	if list, err := fx.store.List(); len(list) != 0 || err != nil {
		t.Errorf("refused publications listed: %v %v", list, err)
	}
	// Some questions only.
	p, err := fx.store.Publish(ctx, publish.Scope{Survey: "partners-meeting", Questions: []string{"recommend", "improve"}, Language: "es"}, publish.Options{Expires: -1})
	if err != nil {
		t.Fatal(err)
	}
	v, err := fx.store.Open(p.Token)
	if err != nil || len(v.Report.Questions) != 2 || !p.Expires.IsZero() || v.Report.Request.Language != "es" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, c := range v.Report.Comments {
		if c.Question != "improve" {
			t.Errorf("a comment on %s", c.Question)
		}
	}
}

// TestViewsAreRecordedOnceAMinute: opening a link records the time of the view, at most once
// a minute; another process lists it; links that do not open record nothing; revoking and
// refreshing keep it, and it is never written into the publication.
func TestViewsAreRecordedOnceAMinute(t *testing.T) { eachBackend(t, testViewsAreRecordedOnceAMinute) }

func testViewsAreRecordedOnceAMinute(t *testing.T, kind string) {
	fx := newFixture(t, kind)
	ctx := context.Background()
	p, err := fx.store.Publish(ctx, publish.Scope{Survey: "partners-meeting"}, publish.Options{Expires: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other, err := fx.store.Publish(ctx, publish.Scope{Survey: "partners-meeting", Editions: []int{2025}}, publish.Options{})
	if err != nil {
		t.Fatal(err)
	}
	viewed := func(s *publish.Store, id string) time.Time {
		t.Helper()
		got, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == id && !l.Viewed.Equal(got.Viewed) {
				t.Errorf("List says %s was viewed %s, Get %s", id, l.Viewed, got.Viewed)
			}
		}
		return got.Viewed
	}
	if v := viewed(fx.store, p.ID); !v.IsZero() {
		t.Fatalf("viewed %s before anyone opened the link", v)
	}
	first := fx.now.Add(5 * time.Minute)
	fx.now = first
	if _, err := fx.store.Open(p.Token); err != nil {
		t.Fatal(err)
	}
	if v := viewed(fx.store, p.ID); !v.Equal(first) {
		t.Errorf("viewed %s, want %s", v, first)
	}
	if v := viewed(fx.open(t), p.ID); !v.Equal(first) {
		t.Errorf("another process reads viewed %s, want %s", v, first)
	}
	if v := viewed(fx.store, other.ID); !v.IsZero() {
		t.Errorf("a link nobody opened: viewed %s", v)
	}
	// Within the minute: not written again.
	fx.now = first.Add(59 * time.Second)
	if _, err := fx.store.Open(p.Token); err != nil {
		t.Fatal(err)
	}
	if v := viewed(fx.store, p.ID); !v.Equal(first) {
		t.Errorf("a view within the minute wrote %s", v)
	}
	later := first.Add(time.Minute)
	fx.now = later
	if _, err := fx.store.Open(p.Token); err != nil {
		t.Fatal(err)
	}
	if v := viewed(fx.store, p.ID); !v.Equal(later) {
		t.Errorf("a view a minute later: viewed %s, want %s", v, later)
	}
	// Refreshed: the view stays, and the publication's file does not carry it.
	fx.now = later.Add(2 * time.Minute)
	if _, err := fx.store.Refresh(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if v := viewed(fx.store, p.ID); !v.Equal(later) {
		t.Errorf("after a refresh: viewed %s", v)
	}
	if fx.kind == "dir" {
		raw, err := os.ReadFile(filepath.Join(fx.dir, p.ID, "publication.json"))
		if err != nil || strings.Contains(string(raw), "viewed") {
			t.Errorf("publication.json holds the view: %s %v", raw, err)
		}
	}
	// Links that do not open record nothing: tampered, revoked, expired.
	flipped := []byte(other.Token)
	flipped[len(flipped)/2] ^= 1
	fx.store.Open(string(flipped))
	if _, err := fx.store.Revoke(other.ID); err != nil {
		t.Fatal(err)
	}
	fx.now = fx.now.Add(time.Hour)
	if _, err := fx.store.Open(other.Token); !errors.Is(err, publish.ErrRevoked) {
		t.Fatal(err)
	}
	if v := viewed(fx.store, other.ID); !v.IsZero() {
		t.Errorf("a revoked link recorded a view at %s", v)
	}
	fx.now = p.Expires.Add(time.Hour)
	if _, err := fx.store.Open(p.Token); !errors.Is(err, publish.ErrExpired) {
		t.Fatal(err)
	}
	if v := viewed(fx.store, p.ID); !v.Equal(later) {
		t.Errorf("an expired link recorded a view: %s", v)
	}
	if _, err := fx.store.Get("aaaaaaaaaaaaaaaa"); !errors.Is(err, publish.ErrNotFound) {
		t.Errorf("Get of an unknown id: %v", err)
	}
}

// BenchmarkOpenRecordingViews is a link opened over and over: the view is written once a
// minute, so nearly every open costs a map lookup more than before.
//
//	go test -run '^$' -bench OpenRecordingViews ./reports/publish
func BenchmarkOpenRecordingViews(b *testing.B) {
	fx, token := benchFixture(b)
	for b.Loop() {
		if _, err := fx.store.Open(token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenWritingView is the worst case: every open is a minute after the last, so each
// writes the view's time.
//
//	go test -run '^$' -bench OpenWritingView ./reports/publish
func BenchmarkOpenWritingView(b *testing.B) {
	fx, token := benchFixture(b)
	for b.Loop() {
		fx.now = fx.now.Add(publish.ViewPrecision)
		if _, err := fx.store.Open(token); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFixture(b *testing.B) (*fixture, string) {
	b.Helper()
	dir := b.TempDir()
	keys, err := links.OpenKeyring(filepath.Join(dir, "keys", "links.json"))
	if err != nil {
		b.Fatal(err)
	}
	data := analyticstest.NewStore(analyticstest.Responses(3, 40)...)
	builder := reports.NewBuilder(analyticstest.Catalog(), analytics.NewService(analyticstest.Catalog(), data, 5), "test")
	fx := &fixture{keys: keys, dir: filepath.Join(dir, "publications"), now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	s, err := publish.Open(fx.dir, keys, builder)
	if err != nil {
		b.Fatal(err)
	}
	s.Now = func() time.Time { return fx.now }
	fx.store = s
	p, err := s.Publish(context.Background(), publish.Scope{Survey: "partners-meeting"}, publish.Options{Expires: -1})
	if err != nil {
		b.Fatal(err)
	}
	return fx, p.Token
}
