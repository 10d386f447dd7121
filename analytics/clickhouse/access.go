package clickhouse

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/survey/access"
)

// AccessStore keeps users, invitations, sessions, API tokens and failed logins in
// ClickHouse, so that every palabre process on the database shares them.
//
// Mutable records are rows of a ReplacingMergeTree versioned by the writer's clock in
// nanoseconds, read with argMax(…, version) per key, which is exact before background merges.
// Revocations take the largest version and cannot be undone by a later write. Creating an
// account checks that its address is free and then writes it; two processes creating the
// same address in the same instant leave one account (the table is keyed by address), whose
// id is the later writer's.
type AccessStore struct{ db *DB }

var _ access.Store = (*AccessStore)(nil)

// Access returns the access-control store on db.
func (db *DB) Access() *AccessStore { return &AccessStore{db: db} }

// revokedVersion outranks every other version: a revocation sticks.
const revokedVersion = math.MaxUint64

func version() uint64 { return uint64(time.Now().UnixNano()) }

const userColumns = `email, argMax(id, version) AS uid, argMax(name, version), toString(argMax(role, version)),
argMax(surveys, version), argMax(disabled, version), argMax(created_at, version), argMax(password_hash, version)`

func scanUser(scan func(...any) error) (access.User, error) {
	var (
		u        access.User
		role     string
		disabled uint8
	)
	if err := scan(&u.Email, &u.ID, &u.Name, &role, &u.Surveys, &disabled, &u.Created, &u.PasswordHash); err != nil {
		return u, err
	}
	u.Role, u.Disabled, u.Created = access.Role(role), disabled == 1, u.Created.UTC()
	if len(u.Surveys) == 0 {
		u.Surveys = nil
	}
	return u, nil
}

// CreateUser adds a user unless its address already has an account.
func (s *AccessStore) CreateUser(ctx context.Context, u access.User) error {
	var n uint64
	if err := s.db.conn.QueryRow(ctx, `SELECT count() FROM users WHERE email = ?`, u.Email).Scan(&n); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if n > 0 {
		return access.ErrEmailTaken
	}
	return s.SaveUser(ctx, u)
}

// SaveUser writes a user's record, replacing the one with the same address.
func (s *AccessStore) SaveUser(ctx context.Context, u access.User) error {
	surveys := u.Surveys
	if surveys == nil {
		surveys = []string{}
	}
	err := s.db.conn.Exec(ctx, `INSERT INTO users (email, id, name, role, surveys, disabled, created_at, password_hash, version)
SELECT ?, ?, ?, ?, ?, toUInt8(?), toDateTime(?), ?, toUInt64(?)`,
		u.Email, u.ID, u.Name, string(u.Role), surveys, boolInt(u.Disabled), u.Created.Unix(), u.PasswordHash, version())
	if err != nil {
		return fmt.Errorf("save user: %w", err)
	}
	return nil
}

func boolInt(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// UserByEmail reads the account at a normalised address.
func (s *AccessStore) UserByEmail(ctx context.Context, email string) (access.User, error) {
	row := s.db.conn.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ? GROUP BY email`, email)
	u, err := scanUser(row.Scan)
	if isNoRows(err) {
		return u, access.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// UserByID reads the account with an id.
func (s *AccessStore) UserByID(ctx context.Context, id string) (access.User, error) {
	row := s.db.conn.QueryRow(ctx, `SELECT * FROM (SELECT `+userColumns+` FROM users GROUP BY email) WHERE uid = ? LIMIT 1`, id)
	u, err := scanUser(row.Scan)
	if isNoRows(err) {
		return u, access.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// Users lists every account by address.
func (s *AccessStore) Users(ctx context.Context) ([]access.User, error) {
	rows, err := s.db.conn.Query(ctx, `SELECT `+userColumns+` FROM users GROUP BY email ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []access.User
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SaveInvitation records an invitation, which replaces the user's earlier ones.
func (s *AccessStore) SaveInvitation(ctx context.Context, inv access.Invitation) error {
	err := s.db.conn.Exec(ctx, `INSERT INTO invitations (token_hash, user_id, created_at, expires_at, created_ns)
SELECT ?, ?, toDateTime(?), toDateTime(?), toUInt64(?)`, inv.Hash, inv.UserID, inv.Created.Unix(), inv.Expires.Unix(), version())
	if err != nil {
		return fmt.Errorf("save invitation: %w", err)
	}
	return nil
}

// Invitation reads the user's newest invitation with hash, and whether it was used.
func (s *AccessStore) Invitation(ctx context.Context, hash string) (access.Invitation, bool, error) {
	inv, err := s.newestInvitation(ctx, hash)
	if err != nil {
		return inv, false, err
	}
	var uses uint64
	if err := s.db.conn.QueryRow(ctx, `SELECT count() FROM invitation_uses WHERE token_hash = ?`, hash).Scan(&uses); err != nil {
		return inv, false, fmt.Errorf("read invitation: %w", err)
	}
	return inv, uses > 0, nil
}

func (s *AccessStore) newestInvitation(ctx context.Context, hash string) (access.Invitation, error) {
	inv := access.Invitation{Hash: hash}
	err := s.db.conn.QueryRow(ctx, `SELECT user_id, created_at, expires_at FROM invitations WHERE token_hash = ? LIMIT 1`, hash).
		Scan(&inv.UserID, &inv.Created, &inv.Expires)
	if isNoRows(err) {
		return inv, access.ErrNotFound
	}
	if err != nil {
		return inv, fmt.Errorf("read invitation: %w", err)
	}
	var newest string
	if err := s.db.conn.QueryRow(ctx, `SELECT argMax(token_hash, created_ns) FROM invitations WHERE user_id = ?`, inv.UserID).
		Scan(&newest); err != nil {
		return inv, fmt.Errorf("read invitation: %w", err)
	}
	if newest != hash {
		return inv, access.ErrNotFound
	}
	inv.Created, inv.Expires = inv.Created.UTC(), inv.Expires.UTC()
	return inv, nil
}

// UseInvitation records a use of the invitation and returns it when it is the user's newest
// invitation and no other use of it is seen.
func (s *AccessStore) UseInvitation(ctx context.Context, hash string) (access.Invitation, error) {
	inv, err := s.newestInvitation(ctx, hash)
	if err != nil {
		return inv, err
	}
	use := uuid.NewString()
	if err := s.db.conn.Exec(ctx, `INSERT INTO invitation_uses (token_hash, use_id, used_ns) SELECT ?, ?, toUInt64(?)`,
		hash, use, version()); err != nil {
		return inv, fmt.Errorf("use invitation: %w", err)
	}
	// This use counts only if no other is visible once it is written. Of two uses, the one
	// written second sees the first, so at most one succeeds; two written in the same
	// instant may both see each other and both fail (the link is then spent: send another).
	var others uint64
	if err := s.db.conn.QueryRow(ctx, `SELECT uniqExactIf(use_id, use_id != ?) FROM invitation_uses WHERE token_hash = ?`,
		use, hash).Scan(&others); err != nil {
		return inv, fmt.Errorf("use invitation: %w", err)
	}
	if others > 0 {
		return inv, access.ErrUsed
	}
	return inv, nil
}

// SaveSession writes a session (new, or seen again).
func (s *AccessStore) SaveSession(ctx context.Context, sess access.Session) error {
	v := version()
	if sess.Revoked {
		v = revokedVersion
	}
	err := s.db.conn.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen, expires_at, idle_seconds, revoked, address, version)
SELECT ?, ?, toDateTime(?), toDateTime(?), toDateTime(?), toUInt32(?), toUInt8(?), ?, toUInt64(?)`,
		sess.Hash, sess.UserID, sess.Created.Unix(), sess.LastSeen.Unix(), sess.Expires.Unix(),
		uint32(sess.IdleTimeout/time.Second), boolInt(sess.Revoked), sess.Address, v)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

const sessionColumns = `id_hash, argMax(user_id, version), argMax(created_at, version), argMax(last_seen, version),
argMax(expires_at, version), argMax(idle_seconds, version), max(revoked), argMax(address, version)`

// Session reads a session by the hash of its id.
func (s *AccessStore) Session(ctx context.Context, hash string) (access.Session, error) {
	var (
		sess    access.Session
		idle    uint32
		revoked uint8
	)
	err := s.db.conn.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id_hash = ? GROUP BY id_hash`, hash).
		Scan(&sess.Hash, &sess.UserID, &sess.Created, &sess.LastSeen, &sess.Expires, &idle, &revoked, &sess.Address)
	if isNoRows(err) {
		return sess, access.ErrNotFound
	}
	if err != nil {
		return sess, fmt.Errorf("read session: %w", err)
	}
	sess.Created, sess.LastSeen, sess.Expires = sess.Created.UTC(), sess.LastSeen.UTC(), sess.Expires.UTC()
	sess.IdleTimeout, sess.Revoked = time.Duration(idle)*time.Second, revoked == 1
	return sess, nil
}

// RevokeSession revokes one session; an unknown one is no error.
func (s *AccessStore) RevokeSession(ctx context.Context, hash string) error {
	return s.revokeSessions(ctx, "id_hash = ?", hash)
}

// RevokeSessions revokes every session of a user.
func (s *AccessStore) RevokeSessions(ctx context.Context, userID string) error {
	return s.revokeSessions(ctx, "user_id = ?", userID)
}

// revokeSessions rewrites the live sessions matching where as revoked, in the server.
func (s *AccessStore) revokeSessions(ctx context.Context, where string, arg any) error {
	err := s.db.conn.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen, expires_at, idle_seconds, revoked, address, version)
SELECT id_hash, argMax(user_id, version), argMax(created_at, version), argMax(last_seen, version),
    argMax(expires_at, version), argMax(idle_seconds, version), toUInt8(1), argMax(address, version), toUInt64(?)
FROM sessions WHERE `+where+` GROUP BY id_hash HAVING max(revoked) = 0`, uint64(revokedVersion), arg)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// SaveToken writes an API token (new, or used again).
func (s *AccessStore) SaveToken(ctx context.Context, t access.Token) error {
	v := version()
	if t.Revoked {
		v = revokedVersion
	}
	err := s.db.conn.Exec(ctx, `INSERT INTO api_tokens (token_hash, id, user_id, name, created_at, last_used, revoked, version)
SELECT ?, ?, ?, ?, toDateTime(?), toDateTime(?), toUInt8(?), toUInt64(?)`,
		t.Hash, t.ID, t.UserID, t.Name, t.Created.Unix(), toDateTime(t.LastUsed), boolInt(t.Revoked), v)
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	return nil
}

const tokenColumns = `token_hash, argMax(id, version) AS tid, argMax(user_id, version) AS uid, argMax(name, version),
argMax(created_at, version) AS tcreated, argMax(last_used, version), max(revoked)`

func scanToken(scan func(...any) error) (access.Token, error) {
	var (
		t       access.Token
		revoked uint8
	)
	if err := scan(&t.Hash, &t.ID, &t.UserID, &t.Name, &t.Created, &t.LastUsed, &revoked); err != nil {
		return t, err
	}
	t.Created, t.LastUsed, t.Revoked = t.Created.UTC(), fromDateTime(t.LastUsed), revoked == 1
	return t, nil
}

// TokenByHash reads an API token by the hash of its value.
func (s *AccessStore) TokenByHash(ctx context.Context, hash string) (access.Token, error) {
	t, err := scanToken(s.db.conn.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ? GROUP BY token_hash`, hash).Scan)
	if isNoRows(err) {
		return t, access.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// Tokens lists a user's API tokens, oldest first.
func (s *AccessStore) Tokens(ctx context.Context, userID string) ([]access.Token, error) {
	rows, err := s.db.conn.Query(ctx, `SELECT * FROM (SELECT `+tokenColumns+` FROM api_tokens GROUP BY token_hash)
WHERE uid = ? ORDER BY tcreated, tid`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []access.Token
	for rows.Next() {
		t, err := scanToken(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of a user's tokens by its public id; ErrNotFound when the user
// has no such token.
func (s *AccessStore) RevokeToken(ctx context.Context, userID, id string) error {
	list, err := s.Tokens(ctx, userID)
	if err != nil {
		return err
	}
	for _, t := range list {
		if t.ID == id {
			t.Revoked = true
			return s.SaveToken(ctx, t)
		}
	}
	return access.ErrNotFound
}

// RevokeTokens revokes every token of a user.
func (s *AccessStore) RevokeTokens(ctx context.Context, userID string) error {
	err := s.db.conn.Exec(ctx, `INSERT INTO api_tokens (token_hash, id, user_id, name, created_at, last_used, revoked, version)
SELECT token_hash, argMax(id, version), argMax(user_id, version), argMax(name, version), argMax(created_at, version),
    argMax(last_used, version), toUInt8(1), toUInt64(?)
FROM api_tokens WHERE user_id = ? GROUP BY token_hash HAVING max(revoked) = 0`, uint64(revokedVersion), userID)
	if err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}

// RecordFailure adds a failed login.
func (s *AccessStore) RecordFailure(ctx context.Context, f access.Failure) error {
	err := s.db.conn.Exec(s.db.keepIdentical(ctx), `INSERT INTO login_failures (email, address, at) SELECT ?, ?, toDateTime(?)`,
		f.Email, f.Address, f.At.Unix())
	if err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	return nil
}

// CountFailures counts the failed logins since a time for an account and for an address.
func (s *AccessStore) CountFailures(ctx context.Context, email, address string, since time.Time) (int, int, error) {
	var byEmail, byAddress uint64
	err := s.db.conn.QueryRow(ctx, `SELECT countIf(email = ?), countIf(address = ?) FROM login_failures
WHERE at >= toDateTime(?) AND (email = ? OR address = ?)`, email, address, since.Unix(), email, address).Scan(&byEmail, &byAddress)
	if err != nil {
		return 0, 0, fmt.Errorf("count failed logins: %w", err)
	}
	return int(byEmail), int(byAddress), nil
}

// PruneFailures drops the failed logins of the months that ended before a time (the table is
// partitioned by month, and dropping a partition is immediate). Failures are counted over
// minutes, so calling it daily with the current time keeps at most two months.
func (s *AccessStore) PruneFailures(ctx context.Context, before time.Time) (int, error) {
	rows, err := s.db.conn.Query(ctx, `SELECT DISTINCT partition FROM system.parts
WHERE database = ? AND table = 'login_failures' AND active`, s.db.database)
	if err != nil {
		return 0, fmt.Errorf("prune failed logins: %w", err)
	}
	var old []uint64
	limit := uint64(before.UTC().Year()*100 + int(before.UTC().Month()))
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return 0, fmt.Errorf("prune failed logins: %w", err)
		}
		if month, err := strconv.ParseUint(p, 10, 32); err == nil && month < limit {
			old = append(old, month)
		}
	}
	rows.Close()
	for _, month := range old {
		if err := s.db.conn.Exec(ctx, fmt.Sprintf("ALTER TABLE login_failures DROP PARTITION %d", month)); err != nil {
			return 0, fmt.Errorf("prune failed logins of %d: %w", month, err)
		}
	}
	return len(old), nil
}
