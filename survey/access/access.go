package access

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do.
type Role string

const (
	// Admin manages users and keys and sees every survey.
	Admin Role = "admin"
	// Coordinator sees every survey, or only the surveys listed on their account.
	Coordinator Role = "coordinator"
)

// ParseRole reads "admin" or "coordinator".
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Admin, Coordinator:
		return r, nil
	}
	return "", ErrBadRole
}

// User is an account.
type User struct {
	ID    string // random UUID, stable for the account's life
	Email string // normalised (NormaliseEmail); unique
	Name  string
	Role  Role
	// Surveys limits a coordinator to these survey ids; empty means every survey.
	Surveys  []string
	Disabled bool
	Created  time.Time
	// PasswordHash is the argon2id PHC string, empty until the user sets a password.
	PasswordHash string
}

// LogValue keeps the password hash out of logs: a logged user is its id, address and role.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID), slog.String("email", u.Email), slog.String("role", string(u.Role)))
}

// Authorize reports whether u may work on surveyID: an enabled admin on any survey, an
// enabled coordinator on any survey when their list is empty, else on the listed ones.
func Authorize(u User, surveyID string) bool {
	if u.Disabled {
		return false
	}
	switch u.Role {
	case Admin:
		return true
	case Coordinator:
		return len(u.Surveys) == 0 || slices.Contains(u.Surveys, surveyID)
	}
	return false
}

// NormaliseEmail trims and lower-cases an address and checks that it is one bare address.
func NormaliseEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", ErrBadEmail
	}
	return s, nil
}

// Invitation lets a user set their password once, until it expires. A newer invitation for
// the same user replaces an older one.
type Invitation struct {
	Hash    string // hex SHA-256 of the token
	UserID  string
	Created time.Time
	Expires time.Time
}

// Session is a signed-in browser. Its id is the cookie's value; only its hash is stored.
type Session struct {
	Hash     string // hex SHA-256 of the id
	UserID   string
	Created  time.Time
	LastSeen time.Time
	// Expires is the absolute end; IdleTimeout ends it earlier after that long unseen.
	Expires     time.Time
	IdleTimeout time.Duration
	Revoked     bool
	Address     string // where it signed in from
}

// Token is a personal API token. Its value is shown once; only its hash is stored.
type Token struct {
	ID       string // public id, to list and revoke
	Hash     string // hex SHA-256 of the token
	UserID   string
	Name     string
	Created  time.Time
	LastUsed time.Time
	Revoked  bool
}

// Failure is a failed login, counted per account and per address over a window.
type Failure struct {
	Email   string
	Address string
	At      time.Time
}

// Store keeps access state where every palabre process sees it. Records are replaced whole
// (the newer write wins), except that a revocation, once written, sticks. Lookups of a
// missing record return ErrNotFound.
type Store interface {
	// CreateUser adds a user; ErrEmailTaken when the address is already used.
	CreateUser(ctx context.Context, u User) error
	// SaveUser replaces an existing user's record.
	SaveUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	Users(ctx context.Context) ([]User, error)

	SaveInvitation(ctx context.Context, inv Invitation) error
	// Invitation reads an invitation without using it, and says whether it was used. It
	// fails with ErrNotFound when it is unknown or replaced by a newer one for the same user.
	Invitation(ctx context.Context, hash string) (inv Invitation, used bool, err error)
	// UseInvitation marks the invitation used and returns it. It fails with ErrNotFound
	// when it is unknown or replaced by a newer one for the same user, and with
	// ErrUsed when it was used before (of two processes using it at once, one wins).
	UseInvitation(ctx context.Context, hash string) (Invitation, error)

	SaveSession(ctx context.Context, s Session) error
	Session(ctx context.Context, hash string) (Session, error)
	RevokeSession(ctx context.Context, hash string) error
	RevokeSessions(ctx context.Context, userID string) error

	SaveToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash string) (Token, error)
	Tokens(ctx context.Context, userID string) ([]Token, error)
	RevokeToken(ctx context.Context, userID, id string) error
	RevokeTokens(ctx context.Context, userID string) error

	RecordFailure(ctx context.Context, f Failure) error
	// CountFailures counts the failures since a time for an account and for an address.
	CountFailures(ctx context.Context, email, address string, since time.Time) (byEmail, byAddress int, err error)
}

// Errors. The console maps each to a message in the reader's language; none says whether an
// account exists.
var (
	ErrNotFound       = errors.New("access: not found")
	ErrEmailTaken     = errors.New("access: this e-mail address already has an account")
	ErrBadEmail       = errors.New("access: not an e-mail address")
	ErrBadRole        = errors.New("access: role must be admin or coordinator")
	ErrBadCredentials = errors.New("access: wrong e-mail address or password")
	ErrLocked         = errors.New("access: too many failed logins; try again later")
	ErrDisabled       = errors.New("access: account disabled")
	ErrUsed           = errors.New("access: invitation already used")
	ErrExpired        = errors.New("access: expired")
	ErrWeakPassword   = errors.New("access: password too short or too long")
	ErrUnauthorized   = errors.New("access: no valid session or token")
	ErrLastAdmin      = errors.New("access: the last enabled admin must stay an admin")
)

// SessionCookie is the name of the cookie that carries a session id, set by the console's
// login and read by everything that accepts a signed-in browser.
const SessionCookie = "palabre_session"
