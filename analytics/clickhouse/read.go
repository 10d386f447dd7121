package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// ReadResponse reads one stored response with its answers. A response stored more than once
// reads as one.
func (db *DB) ReadResponse(ctx context.Context, id survey.ResponseID) (*survey.Response, error) {
	r := &survey.Response{ID: id}
	var (
		edition       uint16
		version       uint32
		channel       string
		sub, received time.Time
	)
	err := db.conn.QueryRow(ctx, `SELECT survey_id, edition, form_version, submitted_at, received_at,
 country, organisation, role, language, channel
FROM responses WHERE response_id = ? ORDER BY received_at LIMIT 1`, uuid.UUID(id)).Scan(
		&r.SurveyID, &edition, &version, &sub, &received,
		&r.Country, &r.Organisation, &r.Role, &r.Language, &channel)
	if err != nil {
		if isNoRows(err) {
			return nil, survey.Errorf(survey.CodeNotFound, survey.MsgNotFound)
		}
		return nil, fmt.Errorf("read response %s: %w", id, err)
	}
	r.Edition, r.FormVersion, r.Channel = int(edition), int(version), survey.Channel(channel)
	r.SubmittedAt, r.ReceivedAt = sub.UTC(), received.UTC()

	rows, err := db.conn.Query(ctx, `SELECT question_key, item_key, any(value_num), any(value_text), any(value_choices)
FROM answers WHERE survey_id = ? AND edition = ? AND response_id = ?
GROUP BY question_key, item_key ORDER BY question_key, item_key`, r.SurveyID, edition, uuid.UUID(id))
	if err != nil {
		return nil, fmt.Errorf("read answers of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a   survey.Answer
			num *float64
		)
		if err := rows.Scan(&a.Question, &a.Item, &num, &a.Text, &a.Choices); err != nil {
			return nil, fmt.Errorf("read answers of %s: %w", id, err)
		}
		if num != nil {
			a.Num, a.HasNum = *num, true
		}
		if len(a.Choices) == 0 {
			a.Choices = nil
		}
		r.Answers = append(r.Answers, a)
	}
	return r, rows.Err()
}

// CountResponses counts the distinct responses stored for a survey's edition.
func (db *DB) CountResponses(ctx context.Context, surveyID string, edition int) (uint64, error) {
	var n uint64
	err := db.conn.QueryRow(ctx, "SELECT uniqExact(response_id) FROM responses WHERE survey_id = ? AND edition = ?",
		surveyID, uint16(edition)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count responses: %w", err)
	}
	return n, nil
}

// ResponseDigests calls fn for every stored response with the digest of its answers and when
// it was first submitted. palabre's write path loads them at start to recognise
// resubmissions.
func (db *DB) ResponseDigests(ctx context.Context, fn func(id survey.ResponseID, digest uint64, submittedAt time.Time)) error {
	rows, err := db.conn.Query(ctx, "SELECT response_id, any(digest), min(submitted_at) FROM responses GROUP BY response_id")
	if err != nil {
		return fmt.Errorf("read response digests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     uuid.UUID
			digest uint64
			at     time.Time
		)
		if err := rows.Scan(&id, &digest, &at); err != nil {
			return fmt.Errorf("read response digests: %w", err)
		}
		fn(survey.ResponseID(id), digest, at.UTC())
	}
	return rows.Err()
}

// Integrity tells what is stored for a survey's edition: distinct responses, distinct
// answers (per response, question and matrix row), and the physical rows of answers, which
// exceed the distinct answers while a batch delivered twice has not been merged yet.
type Integrity struct {
	Responses  uint64
	Answers    uint64
	AnswerRows uint64
}

// Integrity counts what is stored for a survey's edition.
func (db *DB) Integrity(ctx context.Context, surveyID string, edition int) (Integrity, error) {
	var in Integrity
	err := db.conn.QueryRow(ctx, "SELECT uniqExact(response_id) FROM responses WHERE survey_id = ? AND edition = ?",
		surveyID, uint16(edition)).Scan(&in.Responses)
	if err == nil {
		err = db.conn.QueryRow(ctx, `SELECT uniqExact(response_id, question_key, item_key), count()
FROM answers WHERE survey_id = ? AND edition = ?`, surveyID, uint16(edition)).Scan(&in.Answers, &in.AnswerRows)
	}
	if err != nil {
		return in, fmt.Errorf("integrity of %s %d: %w", surveyID, edition, err)
	}
	return in, nil
}
