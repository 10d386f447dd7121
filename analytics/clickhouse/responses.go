package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// Responses streams whole responses, edition by edition: one edition's profiles are read
// into memory (a few tens of thousands), then its answers arrive sorted by response id,
// question and row, so each response is complete when the next id starts and copies of a
// delivered-twice answer are adjacent and dropped. Responses without an answer read come
// last in their edition.
func (db *DB) Responses(ctx context.Context, q analytics.Query, questions []string, fn func(*survey.Response) error) error {
	if err := checkQuery(q); err != nil {
		return err
	}
	years := readEditions(q)
	if years == nil {
		var err error
		if years, err = db.responseEditions(ctx, q.Survey); err != nil {
			return err
		}
	}
	slices.Sort(years)
	for _, y := range slices.Compact(years) {
		one := analytics.Query{Survey: q.Survey, Filter: analytics.Filter{}}
		for d, v := range q.Filter {
			one.Filter[d] = v
		}
		one.Filter[analytics.Edition] = []string{strconv.Itoa(int(y))}
		if err := db.editionResponses(ctx, one, questions, fn); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) responseEditions(ctx context.Context, surveyID string) ([]uint16, error) {
	rows, err := db.conn.Query(ctx, "SELECT DISTINCT edition FROM responses WHERE survey_id = ? ORDER BY edition", surveyID)
	if err != nil {
		return nil, fmt.Errorf("editions of %s: %w", surveyID, err)
	}
	defer rows.Close()
	var out []uint16
	for rows.Next() {
		var y uint16
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// ResponsesSQL reads the profiles of the responses q keeps, one row per response. q must
// pass checkQuery.
func ResponsesSQL(q analytics.Query) (string, []any) {
	w, args := where(q, "")
	return `SELECT response_id, edition, any(form_version), min(submitted_at), any(received_at),
 any(country), any(organisation), any(role), any(language), any(channel)
FROM responses
` + w + "\nGROUP BY response_id, edition", args
}

// ResponseAnswersSQL reads the answers of the responses q keeps (to questions, when given),
// sorted by response, question and row. q must pass checkQuery.
func ResponseAnswersSQL(q analytics.Query, questions []string) (string, []any) {
	var extra []string
	var qargs []any
	if questions != nil {
		marks := make([]string, len(questions))
		for i, k := range questions {
			marks[i], qargs = "?", append(qargs, k)
		}
		if len(marks) == 0 {
			marks = []string{"NULL"}
		}
		extra = append(extra, "question_key IN ("+strings.Join(marks, ", ")+")")
	}
	w, args := where(q, "", extra...)
	if len(qargs) > 0 {
		// where binds the survey, then the extra conditions' values, then the filter's.
		args = slices.Concat(args[:1], qargs, args[1:])
	}
	return "SELECT response_id, question_key, item_key, value_num, value_text, value_choices\nFROM answers\n" + w +
		"\nORDER BY response_id, question_key, item_key", args
}

func (db *DB) editionResponses(ctx context.Context, q analytics.Query, questions []string, fn func(*survey.Response) error) error {
	sql, args := ResponsesSQL(q)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("read responses: %w", err)
	}
	profiles := map[uuid.UUID]*survey.Response{}
	for rows.Next() {
		var (
			id            uuid.UUID
			edition       uint16
			version       uint32
			sub, received time.Time
			channel       string
			r             survey.Response
		)
		if err := rows.Scan(&id, &edition, &version, &sub, &received, &r.Country, &r.Organisation, &r.Role, &r.Language, &channel); err != nil {
			rows.Close()
			return fmt.Errorf("read responses: %w", err)
		}
		r.ID, r.SurveyID, r.Edition, r.FormVersion = survey.ResponseID(id), q.Survey, int(edition), int(version)
		r.SubmittedAt, r.ReceivedAt, r.Channel = sub.UTC(), received.UTC(), survey.Channel(channel)
		profiles[id] = &r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read responses: %w", err)
	}

	sql, args = ResponseAnswersSQL(q, questions)
	rows, err = db.conn.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("read answers: %w", err)
	}
	defer rows.Close()
	var (
		cur     *survey.Response
		curID   uuid.UUID
		answers []survey.Answer
	)
	emit := func() error {
		if cur == nil {
			return nil
		}
		cur.Answers = answers
		err := fn(cur)
		delete(profiles, curID)
		cur, answers = nil, answers[:0]
		return err
	}
	for rows.Next() {
		var (
			id  uuid.UUID
			a   survey.Answer
			num *float64
		)
		if err := rows.Scan(&id, &a.Question, &a.Item, &num, &a.Text, &a.Choices); err != nil {
			return fmt.Errorf("read answers: %w", err)
		}
		if num != nil {
			a.Num, a.HasNum = *num, true
		}
		if len(a.Choices) == 0 {
			a.Choices = nil
		}
		if cur == nil || id != curID {
			if err := emit(); err != nil {
				return err
			}
			cur, curID = profiles[id], id
			if cur == nil { // answers whose response row is filtered out or missing
				continue
			}
		}
		if n := len(answers); n > 0 && answers[n-1].Question == a.Question && answers[n-1].Item == a.Item {
			continue // a copy of a response delivered twice
		}
		answers = append(answers, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read answers: %w", err)
	}
	if err := emit(); err != nil {
		return err
	}
	rest := make([]*survey.Response, 0, len(profiles))
	for _, r := range profiles {
		rest = append(rest, r)
	}
	slices.SortFunc(rest, func(a, b *survey.Response) int { return strings.Compare(string(a.ID[:]), string(b.ID[:])) })
	for _, r := range rest {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
