package clickhouse

import (
	"context"
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// ExistingResponses returns, among ids, those the survey holds, with the edition each is in
// (survey/pastdata.Load counts them as already loaded). The ids go to the server as an
// external table, so any number of them makes one short query.
func (db *DB) ExistingResponses(ctx context.Context, surveyID string, ids []survey.ResponseID) (map[survey.ResponseID]int, error) {
	out := map[survey.ResponseID]int{}
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		list[i] = uuid.UUID(id)
	}
	t, err := columns{{"response_id", "UUID", list}}.table("wanted_ids")
	if err != nil {
		return nil, fmt.Errorf("existing responses: %w", err)
	}
	rows, err := db.conn.Query(ch.Context(ctx, ch.WithExternalTable(t)),
		"SELECT DISTINCT response_id, edition FROM responses WHERE survey_id = ? AND response_id IN (SELECT response_id FROM wanted_ids)", surveyID)
	if err != nil {
		return nil, fmt.Errorf("existing responses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var edition uint16
		if err := rows.Scan(&id, &edition); err != nil {
			return nil, fmt.Errorf("existing responses: %w", err)
		}
		out[survey.ResponseID(id)] = int(edition)
	}
	return out, rows.Err()
}

// deleteChunk is how many ids one deletion names: the condition stays far below
// ClickHouse's max_query_size.
const deleteChunk = 1000

// DeleteResponses deletes every row of responses from every table, and waits until they are
// gone. Unlike EraseResponse it records nothing: the ids may be written again (it undoes a
// write that failed midway).
func (db *DB) DeleteResponses(ctx context.Context, ids []survey.ResponseID) error {
	for len(ids) > 0 {
		n := min(len(ids), deleteChunk)
		if err := db.deleteResponses(ctx, ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
