package clickhouse

import (
	"context"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/palabre/palabre/survey/invite"
)

// InviteStore keeps participants' invitations to editions by invitation, so that every
// palabre process on the database shares them.
//
// An invitation is spent by a claim: an attempt writes a claim row and then reads the
// invitation's other claims; it wins when none is held (a claim is held until a released
// row for it is written). Of two attempts, the one written second sees the first, so at most
// one wins; two written at the same instant may both lose, and each gives its claim back at
// once, leaving the invitation free (invite.Service then tries again). Claims carry no time
// and no response id.
type InviteStore struct{ db *DB }

var _ invite.Store = (*InviteStore)(nil)

// Invitations returns the participants' invitations store on db.
func (db *DB) Invitations() *InviteStore { return &InviteStore{db: db} }

// Add records invitations in one insert.
func (s *InviteStore) Add(ctx context.Context, invs []invite.Invitation) error {
	if len(invs) == 0 {
		return nil
	}
	n := len(invs)
	hash, surveyID, batch := make([]string, n), make([]string, n), make([]string, n)
	year, created := make([]uint16, n), make([]time.Time, n)
	for i, inv := range invs {
		hash[i], surveyID[i], batch[i], year[i], created[i] = inv.Hash, inv.SurveyID, inv.Batch, uint16(inv.Year), inv.Created
	}
	t, err := columns{
		{"token_hash", "String", hash},
		{"survey_id", "String", surveyID},
		{"year", "UInt16", year},
		{"batch_id", "String", batch},
		{"created_at", "DateTime", created},
	}.table("batch_invitations")
	if err != nil {
		return fmt.Errorf("add invitations: %w", err)
	}
	if err := s.db.conn.Exec(ch.Context(ctx, ch.WithExternalTable(t)), `INSERT INTO participant_invitations
(token_hash, survey_id, year, batch_id, created_at) SELECT token_hash, survey_id, year, batch_id, created_at FROM batch_invitations`); err != nil {
		return fmt.Errorf("add invitations: %w", err)
	}
	return nil
}

// heldClaims counts the claims of an invitation that were not given back, but one.
const heldClaims = `SELECT count() FROM (SELECT claim_id FROM participant_invitation_claims
WHERE token_hash = ? AND claim_id != ? GROUP BY claim_id HAVING max(released) = 0)`

// Lookup reads an invitation and whether a claim holds it.
func (s *InviteStore) Lookup(ctx context.Context, hash string) (invite.Invitation, bool, error) {
	inv := invite.Invitation{Hash: hash}
	var year uint16
	err := s.db.conn.QueryRow(ctx, `SELECT survey_id, year, batch_id, created_at FROM participant_invitations
WHERE token_hash = ? LIMIT 1`, hash).Scan(&inv.SurveyID, &year, &inv.Batch, &inv.Created)
	if isNoRows(err) {
		return inv, false, invite.ErrNotFound
	}
	if err != nil {
		return inv, false, fmt.Errorf("read invitation: %w", err)
	}
	inv.Year, inv.Created = int(year), inv.Created.UTC()
	var held uint64
	if err := s.db.conn.QueryRow(ctx, heldClaims, hash, "").Scan(&held); err != nil {
		return inv, false, fmt.Errorf("read invitation: %w", err)
	}
	return inv, held > 0, nil
}

// Claim writes a claim and keeps it when no other claim holds the invitation.
func (s *InviteStore) Claim(ctx context.Context, hash string) (string, error) {
	var n uint64
	if err := s.db.conn.QueryRow(ctx, `SELECT count() FROM participant_invitations WHERE token_hash = ?`, hash).Scan(&n); err != nil {
		return "", fmt.Errorf("claim invitation: %w", err)
	}
	if n == 0 {
		return "", invite.ErrNotFound
	}
	id := uuid.NewString()
	if err := s.write(ctx, hash, id, false); err != nil {
		return "", fmt.Errorf("claim invitation: %w", err)
	}
	var held uint64
	if err := s.db.conn.QueryRow(ctx, heldClaims, hash, id).Scan(&held); err != nil {
		return "", fmt.Errorf("claim invitation: %w", err)
	}
	if held == 0 {
		return id, nil
	}
	// Lost: give the claim back at once, so that two claims that saw each other leave the
	// invitation free rather than spent.
	if err := s.write(context.WithoutCancel(ctx), hash, id, true); err != nil {
		return "", fmt.Errorf("give back a lost claim: %w", err)
	}
	return "", invite.ErrUsed
}

// Release gives a claim back.
func (s *InviteStore) Release(ctx context.Context, hash, claimID string) error {
	if err := s.write(ctx, hash, claimID, true); err != nil {
		return fmt.Errorf("release invitation: %w", err)
	}
	return nil
}

func (s *InviteStore) write(ctx context.Context, hash, claimID string, released bool) error {
	return s.db.conn.Exec(ctx, `INSERT INTO participant_invitation_claims (token_hash, claim_id, released)
SELECT ?, ?, toUInt8(?)`, hash, claimID, boolInt(released))
}

// Counts counts an edition's invitations and those a claim holds.
func (s *InviteStore) Counts(ctx context.Context, surveyID string, year int) (invite.Counts, error) {
	var generated, used uint64
	err := s.db.conn.QueryRow(ctx, `SELECT count() FROM participant_invitations WHERE survey_id = ? AND year = ?`,
		surveyID, uint16(year)).Scan(&generated)
	if err == nil {
		err = s.db.conn.QueryRow(ctx, `SELECT uniqExact(token_hash) FROM (SELECT token_hash, claim_id
FROM participant_invitation_claims
WHERE token_hash IN (SELECT token_hash FROM participant_invitations WHERE survey_id = ? AND year = ?)
GROUP BY token_hash, claim_id HAVING max(released) = 0)`, surveyID, uint16(year)).Scan(&used)
	}
	if err != nil {
		return invite.Counts{}, fmt.Errorf("count invitations: %w", err)
	}
	return invite.Counts{Generated: int(generated), Used: int(used)}, nil
}
