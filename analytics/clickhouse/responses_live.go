package clickhouse

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/survey"
)

// LatestArrivals lists the n latest responses of a survey's edition, newest first (ties by
// response id), each once: when it arrived, its country and its organisation. The console's
// live page calls it every few seconds, with ResponseCounts for the counts.
//
// A top-n sort of the edition's response rows, keeping the first row of each response id in
// Go, reads the edition once; deduplicating in SQL (LIMIT 1 BY response_id) sorts the whole
// edition instead, six times slower on 18.16 (125,000 responses: 95 ms against 16 ms). Copies
// of a response carry the same time, so they are adjacent and rare: the window grows only
// when copies left it short.
func (db *DB) LatestArrivals(ctx context.Context, surveyID string, year, n int) ([]analytics.Arrival, error) {
	if year < survey.MinYear || year > survey.MaxYear {
		return nil, fmt.Errorf("latest arrivals: edition %d out of range %d–%d", year, survey.MinYear, survey.MaxYear)
	}
	if n <= 0 {
		return []analytics.Arrival{}, nil
	}
	for window := n + n/4 + 4; ; window *= 2 {
		list, read, err := db.latestArrivals(ctx, surveyID, uint16(year), n, window)
		if err != nil {
			return nil, fmt.Errorf("latest arrivals of %s %d: %w", surveyID, year, err)
		}
		if len(list) >= n || read < window {
			return list, nil
		}
	}
}

// LatestArrivalsSQL reads the first rows of an edition's responses, newest first.
func LatestArrivalsSQL(surveyID string, year uint16, rows int) (string, []any) {
	return `SELECT submitted_at, country, organisation, response_id
FROM responses
WHERE survey_id = ? AND edition = ?
ORDER BY submitted_at DESC, response_id
LIMIT ?`, []any{surveyID, year, rows}
}

// latestArrivals reads window rows and keeps up to n responses, one row each; read is the
// number of rows read.
func (db *DB) latestArrivals(ctx context.Context, surveyID string, year uint16, n, window int) (list []analytics.Arrival, read int, err error) {
	sql, args := LatestArrivalsSQL(surveyID, year, window)
	rows, err := db.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	list = make([]analytics.Arrival, 0, n)
	seen := make(map[uuid.UUID]bool, window)
	for rows.Next() {
		var (
			a  analytics.Arrival
			id uuid.UUID
		)
		if err := rows.Scan(&a.At, &a.Country, &a.Organisation, &id); err != nil {
			return nil, 0, err
		}
		read++
		if seen[id] || len(list) == n {
			continue
		}
		seen[id] = true
		a.At = a.At.UTC()
		list = append(list, a)
	}
	return list, read, rows.Err()
}
