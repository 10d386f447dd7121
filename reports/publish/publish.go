// Package publish keeps the dashboards coordinators publish for funders. A publication is a
// fixed scope (survey, editions, breakdown, filter, questions, language) whose figures are
// computed and suppressed together once, when it is published or refreshed, never on a
// view: funders cannot vary anything, so no two views can be subtracted. Each publication
// has one signed link (reports/links) that can expire and be revoked.
//
// A Backend keeps the publications: Dir in one process's directory, or the database that
// several processes share (analytics/clickhouse).
package publish

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/survey"
)

// Scope is what a publication shows.
type Scope struct {
	Survey string `json:"survey"`
	// Editions are the years shown, oldest first; every edition of the survey when empty.
	Editions []int `json:"editions,omitempty"`
	// By is the breakdown of every table; country and edition when empty.
	By []analytics.Dimension `json:"by"`
	// Filter keeps only some responses (never by edition: Editions does that).
	Filter analytics.Filter `json:"filter,omitempty"`
	// Questions are the keys of the questions shown; every question when empty.
	Questions []string `json:"questions,omitempty"`
	// Language is the page's default language: fr, en or es.
	Language string `json:"language"`
}

// String is the scope in one canonical line; a link carries it, so a link edited to another
// scope is refused.
func (s Scope) String() string {
	var b strings.Builder
	b.WriteString(s.Survey)
	b.WriteByte(';')
	for i, y := range s.Editions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(y))
	}
	b.WriteByte(';')
	for i, d := range s.By {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(d))
	}
	b.WriteByte(';')
	for i, d := range s.Filter.Dimensions() {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(string(d) + "=" + strings.Join(s.Filter[d], "|"))
	}
	b.WriteByte(';')
	b.WriteString(strings.Join(s.Questions, ","))
	b.WriteByte(';')
	b.WriteString(s.Language)
	return b.String()
}

// Canonical is the scope's String once its defaults are filled, as a publication of it
// records it.
func Canonical(s Scope) (string, error) {
	n, err := s.normalise()
	return n.String(), err
}

// request is the funders' report the scope asks for.
func (s Scope) request() reports.Request {
	f := analytics.Filter{}
	for d, v := range s.Filter {
		f[d] = v
	}
	for _, y := range s.Editions {
		f[analytics.Edition] = append(f[analytics.Edition], strconv.Itoa(y))
	}
	return reports.Request{Survey: s.Survey, By: slices.Clone(s.By), Filter: f, Language: s.Language, Audience: analytics.Funder,
		MaxComments: CommentsShown}
}

// CommentsShown is how many comments of each question a dashboard shows: the latest.
const CommentsShown = 300

// normalise checks the scope and fills its defaults.
func (s Scope) normalise() (Scope, error) {
	if !survey.ValidSlug(s.Survey) {
		return s, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, s.Survey)
	}
	if len(s.By) == 0 {
		s.By = slices.Clone(reports.DefaultBy)
	}
	if s.Language == "" {
		s.Language = survey.French
	}
	if _, ok := s.Filter[analytics.Edition]; ok {
		return s, errorf(msgEditionFilter)
	}
	slices.Sort(s.Editions)
	s.Editions = slices.Compact(s.Editions)
	if len(s.String()) > links.MaxScope {
		return s, errorf(msgScopeTooLong, links.MaxScope)
	}
	return s, nil
}

// Publication is one published dashboard.
type Publication struct {
	ID    string `json:"id"`
	Scope Scope  `json:"scope"`
	Title string `json:"title"` // the survey's title in the scope's language
	// Token is the link's signed token: the page is /d/{Token}.
	Token     string    `json:"token"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"`
	Revoked   time.Time `json:"revoked,omitzero"`
	Refresh   Duration  `json:"refresh,omitempty"` // how often the figures are computed again; never when 0
	Published time.Time `json:"published"`         // when the figures shown were computed
	// DataVersion names the data the figures were computed from.
	DataVersion string `json:"data_version"`
	// Viewed is when the link last opened, to the minute (zero when never): List and Get
	// fill it from the Backend, which keeps it apart from the publication.
	Viewed time.Time `json:"viewed,omitzero"`
}

// Options are a publication's lifetime.
type Options struct {
	// Expires is how long the link works; DefaultExpiry when 0, never when negative.
	Expires time.Duration
	// Refresh is how often the figures are computed again; never when 0.
	Refresh time.Duration
}

// DefaultExpiry is how long a link works unless told.
const DefaultExpiry = 90 * 24 * time.Hour

// MinRefresh is the shortest refresh period: figures are a snapshot, not a live query.
const MinRefresh = time.Hour

// Errors of Open.
var (
	ErrNotFound = errors.New("publish: no such dashboard") // unknown, tampered, wrong key: 404
	ErrExpired  = errors.New("publish: link expired")      // 410
	ErrRevoked  = errors.New("publish: link revoked")      // 410
	// ErrUnavailable: the link cannot be checked, or its dashboard read, for now (the
	// database that keeps them is unreachable). The link may well be good: 503.
	ErrUnavailable = errors.New("publish: dashboards cannot be read right now")
)

// View is a published dashboard as a link opens it.
type View struct {
	Publication Publication
	// Report is the funders' report computed at publication, in the scope's language (use
	// Report.In for another).
	Report *reports.Report
}

// Store publishes dashboards and opens their links; a Backend keeps them.
type Store struct {
	backend Backend
	keys    *links.Keyring
	builder *reports.Builder
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu     sync.Mutex
	viewed map[string]time.Time // when this process last recorded a view, by publication
}

// Open returns the store of publications in dir (created if missing), signing links with
// keys and computing figures with b (which may be nil for a store that only serves views).
func Open(dir string, keys *links.Keyring, b *reports.Builder) (*Store, error) {
	fb, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	return New(fb, keys, b), nil
}

// New returns the store of the publications backend keeps, signing links with keys and
// computing figures with b (which may be nil for a store that only serves views).
func New(backend Backend, keys *links.Keyring, b *reports.Builder) *Store {
	return &Store{backend: backend, keys: keys, builder: b, viewed: map[string]time.Time{}}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Publish computes the funders' figures of scope and publishes them under a new link.
// Errors are *survey.Error for what the caller can fix.
func (s *Store) Publish(ctx context.Context, scope Scope, opts Options) (*Publication, error) {
	scope, err := scope.normalise()
	if err != nil {
		return nil, err
	}
	if opts.Refresh != 0 && opts.Refresh < MinRefresh {
		return nil, errorf(msgRefreshTooShort)
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	now := s.now().Truncate(time.Second)
	p := Publication{ID: id, Scope: scope, Created: now, Refresh: Duration(opts.Refresh)}
	switch {
	case opts.Expires == 0:
		p.Expires = now.Add(DefaultExpiry)
	case opts.Expires > 0:
		p.Expires = now.Add(opts.Expires)
	}
	r, err := s.compute(ctx, scope)
	if err != nil {
		return nil, err
	}
	p.Title, p.Published, p.DataVersion = r.Title, now, r.DataVersion
	p.Token, err = s.keys.Sign(links.Claims{Publication: id, Scope: scope.String(), IssuedAt: now, Expires: p.Expires})
	if err != nil {
		return nil, err
	}
	if err := s.write(p, r); err != nil {
		return nil, err
	}
	return &p, nil
}

// compute builds the funders' report of a scope, narrowed to its questions. A breakdown by
// role or language is published only when every one of its cells reaches the threshold.
func (s *Store) compute(ctx context.Context, scope Scope) (*reports.Report, error) {
	if s.builder == nil {
		return nil, errors.New("publish: this store computes no figures")
	}
	r, err := s.builder.Build(ctx, scope.request())
	if err != nil {
		return nil, err
	}
	for _, d := range scope.By {
		if d == analytics.Country || d == analytics.Edition {
			continue
		}
		for _, c := range r.Responses.Responses {
			if c.Suppressed != "" {
				return nil, errorf(msgSmallBreakdown, string(d), r.Threshold)
			}
		}
	}
	if len(scope.Questions) > 0 {
		for _, k := range scope.Questions {
			if _, ok := r.Entry(k); !ok {
				return nil, survey.Errorf(survey.CodeMalformed, survey.MsgUnknownQuestion, k)
			}
		}
		keep := func(key string) bool { return slices.Contains(scope.Questions, key) }
		r.Questions = slices.DeleteFunc(r.Questions, func(q *analytics.Result) bool { return !keep(q.Question.Key) })
		r.Comments = slices.DeleteFunc(r.Comments, func(c reports.Comment) bool { return !keep(c.Question) })
		r.Codebook = slices.DeleteFunc(r.Codebook, func(e reports.Entry) bool { return !keep(e.Key) })
	}
	return r, nil
}

// Refresh computes a publication's figures again; its link stays the same.
func (s *Store) Refresh(ctx context.Context, id string) (*Publication, error) {
	v, err := s.load(id)
	if err != nil {
		return nil, err
	}
	r, err := s.compute(ctx, v.Publication.Scope)
	if err != nil {
		return nil, err
	}
	p := v.Publication
	p.Title, p.Published, p.DataVersion = r.Title, s.now().Truncate(time.Second), r.DataVersion
	if err := s.write(p, r); err != nil {
		return nil, err
	}
	return &p, nil
}

// RefreshDue refreshes every live publication whose refresh period has passed, and returns
// how many it refreshed and the first error.
func (s *Store) RefreshDue(ctx context.Context) (int, error) {
	list, err := s.List()
	if err != nil {
		return 0, err
	}
	n, now := 0, s.now()
	var first error
	for _, p := range list {
		if p.Refresh == 0 || !p.Revoked.IsZero() || !p.Expires.IsZero() && !now.Before(p.Expires) ||
			now.Before(p.Published.Add(time.Duration(p.Refresh))) {
			continue
		}
		if _, err := s.Refresh(ctx, p.ID); err != nil {
			first = cmpErr(first, fmt.Errorf("refresh %s: %w", p.ID, err))
			continue
		}
		n++
	}
	return n, first
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// Revoke ends a publication's link (410 from then on). ref is its id, its token or its URL.
func (s *Store) Revoke(ref string) (*Publication, error) {
	id := s.idOf(ref)
	v, err := s.load(id)
	if err != nil {
		return nil, err
	}
	p := v.Publication
	if p.Revoked.IsZero() {
		p.Revoked = s.now().Truncate(time.Second)
		if err := s.backend.Revoke(p, p.Revoked); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// idOf finds the publication id in an id, a token or a link.
func (s *Store) idOf(ref string) string {
	ref = strings.TrimRight(strings.TrimSpace(ref), "/")
	if i := strings.LastIndex(ref, "/d/"); i >= 0 {
		ref = ref[i+3:]
		if j := strings.IndexByte(ref, '/'); j >= 0 {
			ref = ref[:j]
		}
	}
	if c, err := s.keys.Verify(ref, s.now()); err == nil || errors.Is(err, links.ErrExpired) {
		return c.Publication
	}
	return ref
}

// List returns every publication, newest first.
func (s *Store) List() ([]Publication, error) {
	out, err := s.backend.List()
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Get returns one publication by id (ErrNotFound when there is none).
func (s *Store) Get(id string) (*Publication, error) {
	v, err := s.load(id)
	if err != nil {
		return nil, err
	}
	p := v.Publication
	p.Viewed = s.backend.LastView(id)
	return &p, nil
}

// Open checks a link's token and returns what it shows: ErrNotFound for a token palabre did
// not sign (tampered, unknown or retired key, another scope) or an unknown publication,
// ErrExpired or ErrRevoked with the view (for the dates) when it no longer works,
// ErrUnavailable when the keys or the publication cannot be read for now.
func (s *Store) Open(token string) (*View, error) {
	c, err := s.keys.Verify(token, s.now())
	expired := errors.Is(err, links.ErrExpired)
	switch {
	case errors.Is(err, links.ErrNoKeys):
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case err != nil && !expired:
		return nil, ErrNotFound
	}
	v, err := s.load(c.Publication)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case v.Publication.Scope.String() != c.Scope || v.Publication.Token != token:
		return nil, ErrNotFound
	}
	switch {
	case !v.Publication.Revoked.IsZero():
		return v, ErrRevoked
	case expired:
		return v, ErrExpired
	}
	s.recordView(c.Publication)
	return v, nil
}

// ViewPrecision is how precisely views are recorded: a link opened again within it after a
// recorded view does not write.
const ViewPrecision = time.Minute

// recordView notes that a publication's link opened, at most once a ViewPrecision by this
// process, so that a link's page pays for it about once a minute and then only a map
// lookup. Errors are ignored: a view not recorded is no harm.
func (s *Store) recordView(id string) {
	now := s.now()
	s.mu.Lock()
	last, ok := s.viewed[id]
	if ok && now.Sub(last) < ViewPrecision && !now.Before(last) {
		s.mu.Unlock()
		return
	}
	s.viewed[id] = now
	s.mu.Unlock()
	s.backend.RecordView(id, now)
}

// load reads a publication and its snapshot.
func (s *Store) load(id string) (*View, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	return s.backend.Load(id)
}

// write stores a publication and its figures.
func (s *Store) write(p Publication, r *reports.Report) error {
	p.Viewed = time.Time{}
	return s.backend.Put(p, r)
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID is a random publication id: 16 lower-case letters and digits.
func newID() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return idEncoding.EncodeToString(b), nil
}

func validID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := idEncoding.DecodeString(id)
	return err == nil
}

// Duration is a time.Duration written in JSON as Go writes durations ("24h0m0s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// ParseDuration reads a link's lifetime or a refresh period as people write them: Go
// durations ("720h"), whole days ("90d") or weeks ("2w"); "never" is negative (a link that
// does not expire) and "" is 0 (the default).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, nil
	case s == "never":
		return -1, nil
	case strings.HasSuffix(s, "d"), strings.HasSuffix(s, "w"):
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 || n > 36500 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		day := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			day *= 7
		}
		return time.Duration(n) * day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return d, nil
}
