package invite

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// Invitation is the stored record of one link: the edition it opens. It holds no token.
type Invitation struct {
	Hash     string // hex SHA-256 of the token
	SurveyID string
	Year     int
	Batch    string // the generation it came from
	Created  time.Time
}

// Counts are an edition's invitations: how many were generated and how many were used.
type Counts struct {
	Generated int
	Used      int
}

// Store keeps invitations where every palabre process sees them.
type Store interface {
	// Add records new invitations.
	Add(ctx context.Context, invs []Invitation) error
	// Lookup reads an invitation by the hash of its token and says whether it was used;
	// ErrNotFound when it is unknown.
	Lookup(ctx context.Context, hash string) (inv Invitation, used bool, err error)
	// Claim spends an invitation and returns the claim's id: ErrNotFound when it is
	// unknown, ErrUsed when an unreleased claim of it is seen. Of two claims made at once,
	// at most one succeeds (both may fail; a failed claim is released at once, so the
	// invitation is then free again).
	Claim(ctx context.Context, hash string) (claimID string, err error)
	// Release gives a claim back: the invitation may be claimed again.
	Release(ctx context.Context, hash, claimID string) error
	// Counts counts an edition's invitations.
	Counts(ctx context.Context, surveyID string, year int) (Counts, error)
}

// Errors of the store and the service.
var (
	ErrNotFound = errors.New("invite: no such invitation")
	ErrUsed     = errors.New("invite: invitation already used")
	// ErrInvalid is a token that opens nothing here: malformed, unknown, or for another
	// edition.
	ErrInvalid = errors.New("invite: invitation link not valid for this edition")
	// ErrMissing is a request to an edition by invitation that carries no token.
	ErrMissing = errors.New("invite: this edition is answered by invitation only")
)

// MaxBatch is the most invitations one generation makes.
const MaxBatch = 5000

// TokenLength is the length of a token: 32 random bytes in unpadded URL-safe base64.
const TokenLength = 43

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// ValidToken reports whether s has the shape of a token; it says nothing of whether it
// was generated.
func ValidToken(s string) bool { return tokenRE.MatchString(s) }

// Hash is how a token is stored and looked up: the hex SHA-256 of its text. A 256-bit
// random secret needs no slow hash.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() string {
	var b [32]byte
	crand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Batch is one generation's invitations, with their tokens: the only time they are known.
type Batch struct {
	ID       string
	SurveyID string
	Year     int
	Created  time.Time
	Tokens   []string
}

// Service generates, checks and spends invitations. It is safe for concurrent use.
type Service struct {
	store Store
	now   func() time.Time

	mu    sync.Mutex
	locks map[string]*tokenLock
}

type tokenLock struct {
	mu    sync.Mutex
	users int
}

// NewService returns a service over store.
func NewService(store Store) *Service {
	return &Service{store: store, now: time.Now, locks: map[string]*tokenLock{}}
}

// Generate makes n new invitations (1 to MaxBatch) to a survey's edition and returns their
// tokens. It does not check that the edition exists: the caller does.
func (s *Service) Generate(ctx context.Context, surveyID string, year, n int) (Batch, error) {
	if !survey.ValidSlug(surveyID) || year < survey.MinYear || year > survey.MaxYear {
		return Batch{}, fmt.Errorf("invite: no edition %q %d", surveyID, year)
	}
	if n < 1 || n > MaxBatch {
		return Batch{}, fmt.Errorf("invite: %d invitations asked; generate 1 to %d at a time", n, MaxBatch)
	}
	b := Batch{ID: uuid.NewString(), SurveyID: surveyID, Year: year, Created: s.now().UTC().Truncate(time.Second),
		Tokens: make([]string, n)}
	invs := make([]Invitation, n)
	for i := range n {
		b.Tokens[i] = newToken()
		invs[i] = Invitation{Hash: Hash(b.Tokens[i]), SurveyID: surveyID, Year: year, Batch: b.ID, Created: b.Created}
	}
	if err := s.store.Add(ctx, invs); err != nil {
		return Batch{}, fmt.Errorf("generate invitations: %w", err)
	}
	return b, nil
}

// Check tells whether token may answer the edition: nil, ErrMissing, ErrInvalid or ErrUsed
// (or a store error).
func (s *Service) Check(ctx context.Context, surveyID string, year int, token string) error {
	_, err := s.lookup(ctx, surveyID, year, token)
	return err
}

func (s *Service) lookup(ctx context.Context, surveyID string, year int, token string) (string, error) {
	if token == "" {
		return "", ErrMissing
	}
	if !ValidToken(token) {
		return "", ErrInvalid
	}
	hash := Hash(token)
	inv, used, err := s.store.Lookup(ctx, hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", ErrInvalid
	case err != nil:
		return "", fmt.Errorf("read invitation: %w", err)
	case inv.SurveyID != surveyID || inv.Year != year:
		return "", ErrInvalid
	case used:
		return hash, ErrUsed
	}
	return hash, nil
}

// Claim is an invitation spent by a response being stored.
type Claim struct {
	store     Store
	hash, id  string
	releaseMu sync.Mutex
	released  bool
}

// Claim spends token for one response to the edition: ErrMissing, ErrInvalid, ErrUsed, or
// a Claim to Release if the response cannot be stored.
func (s *Service) Claim(ctx context.Context, surveyID string, year int, token string) (*Claim, error) {
	hash, err := s.lookup(ctx, surveyID, year, token)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		id, err := s.store.Claim(ctx, hash)
		switch {
		case err == nil:
			return &Claim{store: s.store, hash: hash, id: id}, nil
		case errors.Is(err, ErrNotFound):
			return nil, ErrInvalid
		case !errors.Is(err, ErrUsed):
			return nil, fmt.Errorf("claim invitation: %w", err)
		case attempt == claimAttempts:
			return nil, ErrUsed
		}
		// Claims made at the same instant may all lose, each giving its claim back. After a
		// pause of random length, an invitation that nobody holds is tried again, so that
		// one of them wins; one that somebody holds is used.
		pause := time.Duration(attempt) * (2*time.Millisecond + rand.N(20*time.Millisecond))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if _, used, err := s.store.Lookup(ctx, hash); err != nil {
			return nil, fmt.Errorf("claim invitation: %w", err)
		} else if used {
			return nil, ErrUsed
		}
	}
}

// claimAttempts bounds the attempts to claim an invitation that concurrent claims left free.
const claimAttempts = 5

// Release gives the claim back, once: the invitation can answer again.
func (c *Claim) Release(ctx context.Context) error {
	c.releaseMu.Lock()
	defer c.releaseMu.Unlock()
	if c.released {
		return nil
	}
	if err := c.store.Release(ctx, c.hash, c.id); err != nil {
		return fmt.Errorf("release invitation: %w", err)
	}
	c.released = true
	return nil
}

// Lock makes the attempts of this process to answer with one token wait for each other, so
// that a form sent twice at once (a double click) is recognised as one response instead of
// racing for the token. It returns the unlock function.
func (s *Service) Lock(token string) (unlock func()) {
	s.mu.Lock()
	l := s.locks[token]
	if l == nil {
		l = &tokenLock{}
		s.locks[token] = l
	}
	l.users++
	s.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.locks, token)
		}
		s.mu.Unlock()
	}
}

// Counts counts an edition's invitations, generated and used.
func (s *Service) Counts(ctx context.Context, surveyID string, year int) (Counts, error) {
	c, err := s.store.Counts(ctx, surveyID, year)
	if err != nil {
		return c, fmt.Errorf("count invitations: %w", err)
	}
	return c, nil
}
