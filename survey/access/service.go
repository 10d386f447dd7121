package access

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Limits are the lifetimes and thresholds Service enforces.
type Limits struct {
	InvitationTTL   time.Duration // how long an invitation link works
	SessionIdle     time.Duration // a session unseen this long ends
	SessionAbsolute time.Duration // a session ends this long after login, seen or not
	// A session's last-seen time is written at most this often.
	TouchEvery time.Duration
	// FailureWindow is how far back failed logins count. An account with AccountFailures
	// failures in the window is locked (until they age out of it); an address with
	// AddressFailures failures in the window may not try any account.
	FailureWindow   time.Duration
	AccountFailures int
	AddressFailures int
}

// DefaultLimits: invitations last 7 days; sessions 8 hours idle, 7 days at most; 20 failed
// logins in 15 minutes lock an account, 100 lock an address.
var DefaultLimits = Limits{
	InvitationTTL:   7 * 24 * time.Hour,
	SessionIdle:     8 * time.Hour,
	SessionAbsolute: 7 * 24 * time.Hour,
	TouchEvery:      time.Minute,
	FailureWindow:   15 * time.Minute,
	AccountFailures: 20,
	AddressFailures: 100,
}

// Service applies palabre's access rules over a Store.
type Service struct {
	store  Store
	params Params
	limits Limits
	now    func() time.Time
	// hashing bounds the argon2id computations running at once (each takes Params.Memory and
	// Params.Threads cores): NumCPU-1, at least one.
	hashing chan struct{}
	// dummy is a hash checked for unknown accounts, so that they take as long as known ones.
	dummyOnce sync.Once
	dummy     string
}

// Option configures a Service.
type Option func(*Service)

// WithParams hashes new passwords with p (tests use cheap ones; production keeps DefaultParams).
func WithParams(p Params) Option { return func(s *Service) { s.params = p } }

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option { return func(s *Service) { s.limits = l } }

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns a Service over store.
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, params: DefaultParams, limits: DefaultLimits, now: time.Now,
		hashing: make(chan struct{}, max(1, runtime.NumCPU()-1))}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Params returns the parameters new password hashes are made with.
func (s *Service) Params() Params { return s.params }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Second) }

// NewUser is what an admin gives to add an account.
type NewUser struct {
	Email   string
	Name    string
	Role    Role
	Surveys []string
}

// AddUser creates an account without a password and returns it with an invitation token,
// by which its owner sets their password.
func (s *Service) AddUser(ctx context.Context, n NewUser) (User, string, error) {
	email, err := NormaliseEmail(n.Email)
	if err != nil {
		return User{}, "", err
	}
	if _, err := ParseRole(string(n.Role)); err != nil {
		return User{}, "", err
	}
	u := User{ID: uuid.NewString(), Email: email, Name: strings.TrimSpace(n.Name), Role: n.Role,
		Surveys: cleanSurveys(n.Surveys), Created: s.clock()}
	if u.Role == Admin {
		u.Surveys = nil
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, "", err
	}
	token, err := s.invite(ctx, u)
	if err != nil {
		return User{}, "", err
	}
	return u, token, nil
}

func cleanSurveys(in []string) []string {
	var out []string
	for _, id := range in {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Invite returns a new invitation token for the account at email (to set a first password
// or reset a forgotten one); it replaces any earlier invitation of that user.
func (s *Service) Invite(ctx context.Context, email string) (string, error) {
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return "", err
	}
	return s.invite(ctx, u)
}

func (s *Service) invite(ctx context.Context, u User) (string, error) {
	raw, hash := newSecret("")
	now := s.clock()
	inv := Invitation{Hash: hash, UserID: u.ID, Created: now, Expires: now.Add(s.limits.InvitationTTL)}
	if err := s.store.SaveInvitation(ctx, inv); err != nil {
		return "", err
	}
	return raw, nil
}

// CheckInvitation returns the user an invitation token is for, without using it, so that the
// page asking for a new password can say whose it is, or say at once that the link is spent:
// ErrNotFound (unknown or replaced), ErrUsed, ErrExpired, ErrDisabled.
func (s *Service) CheckInvitation(ctx context.Context, token string) (User, error) {
	inv, used, err := s.store.Invitation(ctx, HashSecret(token))
	if err != nil {
		return User{}, err
	}
	if used {
		return User{}, ErrUsed
	}
	if !s.clock().Before(inv.Expires) {
		return User{}, ErrExpired
	}
	u, err := s.store.UserByID(ctx, inv.UserID)
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, ErrDisabled
	}
	return u, nil
}

// AcceptInvitation sets the password of the invitation's user and uses the invitation up.
// Sessions opened before are revoked: a reset ends them.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (User, error) {
	if err := CheckPassword(password); err != nil {
		return User{}, err
	}
	inv, err := s.store.UseInvitation(ctx, HashSecret(token))
	if err != nil {
		return User{}, err
	}
	if !s.clock().Before(inv.Expires) {
		return User{}, ErrExpired
	}
	u, err := s.store.UserByID(ctx, inv.UserID)
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, ErrDisabled
	}
	if u.PasswordHash, err = s.hash(ctx, password); err != nil {
		return User{}, err
	}
	if err := s.store.SaveUser(ctx, u); err != nil {
		return User{}, err
	}
	if err := s.store.RevokeSessions(ctx, u.ID); err != nil {
		return User{}, err
	}
	return u, nil
}

func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return HashPassword(pw, s.params)
}

func (s *Service) verify(ctx context.Context, pw, phc string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer s.release()
	return VerifyPassword(pw, phc)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.hashing }

// Users lists every account, by e-mail address.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.store.Users(ctx) }

// User returns the account at email.
func (s *Service) User(ctx context.Context, email string) (User, error) {
	return s.userByEmail(ctx, email)
}

func (s *Service) userByEmail(ctx context.Context, email string) (User, error) {
	e, err := NormaliseEmail(email)
	if err != nil {
		return User{}, err
	}
	return s.store.UserByEmail(ctx, e)
}

// UserByID returns the account with that id.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// UpdateUser changes the role and surveys of the account at email, with AddUser's rules: an
// admin has no survey list, and a coordinator's empty list means every survey. The last
// enabled admin cannot become a coordinator (ErrLastAdmin), so that someone can still manage
// users. Sessions and tokens are kept: the new rights hold from the next request.
func (s *Service) UpdateUser(ctx context.Context, email string, role Role, surveys []string) (User, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return User{}, err
	}
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return User{}, err
	}
	if u.Role == Admin && role != Admin && !u.Disabled {
		all, err := s.store.Users(ctx)
		if err != nil {
			return User{}, err
		}
		if !slices.ContainsFunc(all, func(o User) bool { return o.ID != u.ID && o.Role == Admin && !o.Disabled }) {
			return User{}, ErrLastAdmin
		}
	}
	u.Role, u.Surveys = role, cleanSurveys(surveys)
	if role == Admin {
		u.Surveys = nil
	}
	if err := s.store.SaveUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// SetDisabled disables or enables the account at email. Disabling also revokes its sessions
// and API tokens; enabling gives none back.
func (s *Service) SetDisabled(ctx context.Context, email string, disabled bool) (User, error) {
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return User{}, err
	}
	u.Disabled = disabled
	if err := s.store.SaveUser(ctx, u); err != nil {
		return User{}, err
	}
	if disabled {
		if err := s.store.RevokeSessions(ctx, u.ID); err != nil {
			return User{}, err
		}
		if err := s.store.RevokeTokens(ctx, u.ID); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// Login checks a password. Failures are recorded; an account or address with too many
// recent failures gets ErrLocked without its password being checked, and other accounts are
// unaffected. An unknown account, a wrong password and a disabled account all answer
// ErrBadCredentials after the same work. A correct password stored with other parameters is
// rehashed with the current ones.
func (s *Service) Login(ctx context.Context, email, password, address string) (User, error) {
	e, err := NormaliseEmail(email)
	if err != nil {
		e = strings.ToLower(strings.TrimSpace(email)) // counted all the same
		if len(e) > 320 {
			e = e[:320]
		}
	}
	now := s.clock()
	byEmail, byAddr, err := s.store.CountFailures(ctx, e, address, now.Add(-s.limits.FailureWindow))
	if err != nil {
		return User{}, err
	}
	if byEmail >= s.limits.AccountFailures || (address != "" && byAddr >= s.limits.AddressFailures) {
		return User{}, ErrLocked
	}
	u, err := s.store.UserByEmail(ctx, e)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	phc := u.PasswordHash
	if phc == "" {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("not anyone's password", s.params) })
		phc = s.dummy
	}
	if len(password) > MaxPasswordLen {
		password = password[:MaxPasswordLen] // the check fails anyway; bound its cost
	}
	ok, verr := s.verify(ctx, password, phc)
	if verr != nil && !errors.Is(verr, ErrBadHash) {
		return User{}, verr
	}
	if !ok || u.PasswordHash == "" || u.Disabled {
		if err := s.store.RecordFailure(ctx, Failure{Email: e, Address: address, At: now}); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	if NeedsRehash(u.PasswordHash, s.params) {
		if h, err := s.hash(ctx, password); err == nil {
			u.PasswordHash = h
			if err := s.store.SaveUser(ctx, u); err != nil {
				return User{}, fmt.Errorf("rehash password: %w", err)
			}
		}
	}
	return u, nil
}

// StartSession opens a session for u and returns its id, the cookie's value, shown once.
func (s *Service) StartSession(ctx context.Context, u User, address string) (string, Session, error) {
	raw, hash := newSecret("")
	now := s.clock()
	sess := Session{Hash: hash, UserID: u.ID, Created: now, LastSeen: now, Expires: now.Add(s.limits.SessionAbsolute),
		IdleTimeout: s.limits.SessionIdle, Address: address}
	if err := s.store.SaveSession(ctx, sess); err != nil {
		return "", Session{}, err
	}
	return raw, sess, nil
}

// Session returns the user and session of a session id, or ErrUnauthorized when the id is
// unknown, revoked, expired (idle or absolute) or its user disabled. It records the visit.
func (s *Service) Session(ctx context.Context, id string) (User, Session, error) {
	sess, err := s.store.Session(ctx, HashSecret(id))
	if errors.Is(err, ErrNotFound) {
		return User{}, Session{}, ErrUnauthorized
	}
	if err != nil {
		return User{}, Session{}, err
	}
	now := s.clock()
	if sess.Revoked || !now.Before(sess.Expires) || !now.Before(sess.LastSeen.Add(sess.IdleTimeout)) {
		return User{}, Session{}, ErrUnauthorized
	}
	u, err := s.activeUser(ctx, sess.UserID)
	if err != nil {
		return User{}, Session{}, err
	}
	if now.Sub(sess.LastSeen) >= s.limits.TouchEvery {
		sess.LastSeen = now
		if err := s.store.SaveSession(ctx, sess); err != nil {
			return User{}, Session{}, err
		}
	}
	return u, sess, nil
}

func (s *Service) activeUser(ctx context.Context, id string) (User, error) {
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return User{}, ErrUnauthorized
	}
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return User{}, ErrUnauthorized
	}
	return u, nil
}

// EndSession revokes one session (logging out).
func (s *Service) EndSession(ctx context.Context, id string) error {
	return s.store.RevokeSession(ctx, HashSecret(id))
}

// RevokeSessions revokes every session of a user (everywhere).
func (s *Service) RevokeSessions(ctx context.Context, userID string) error {
	return s.store.RevokeSessions(ctx, userID)
}

// CreateToken makes a personal API token named name for u and returns its value, shown once.
func (s *Service) CreateToken(ctx context.Context, u User, name string) (string, Token, error) {
	raw, hash := newSecret(TokenPrefix)
	t := Token{ID: uuid.NewString(), Hash: hash, UserID: u.ID, Name: strings.TrimSpace(name), Created: s.clock()}
	if err := s.store.SaveToken(ctx, t); err != nil {
		return "", Token{}, err
	}
	return raw, t, nil
}

// TokenUser returns the user and token of an API token's value, or ErrUnauthorized.
func (s *Service) TokenUser(ctx context.Context, raw string) (User, Token, error) {
	if !strings.HasPrefix(raw, TokenPrefix) {
		return User{}, Token{}, ErrUnauthorized
	}
	t, err := s.store.TokenByHash(ctx, HashSecret(raw))
	if errors.Is(err, ErrNotFound) {
		return User{}, Token{}, ErrUnauthorized
	}
	if err != nil {
		return User{}, Token{}, err
	}
	if t.Revoked {
		return User{}, Token{}, ErrUnauthorized
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return User{}, Token{}, err
	}
	if now := s.clock(); now.Sub(t.LastUsed) >= s.limits.TouchEvery {
		t.LastUsed = now
		if err := s.store.SaveToken(ctx, t); err != nil {
			return User{}, Token{}, err
		}
	}
	return u, t, nil
}

// Tokens lists a user's API tokens (without their values, which are not kept).
func (s *Service) Tokens(ctx context.Context, userID string) ([]Token, error) {
	return s.store.Tokens(ctx, userID)
}

// RevokeToken revokes one of a user's API tokens by its public id.
func (s *Service) RevokeToken(ctx context.Context, userID, id string) error {
	return s.store.RevokeToken(ctx, userID, id)
}
