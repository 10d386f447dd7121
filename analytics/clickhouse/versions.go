package clickhouse

import (
	"context"
	"fmt"
	"sort"

	"github.com/palabre/palabre/survey"
)

// FormVersions lists the versions of a survey's form in the catalog, oldest first; an error
// with survey.CodeNotFound when the survey has none.
func (db *DB) FormVersions(ctx context.Context, surveyID string) ([]int, error) {
	rows, err := db.conn.Query(ctx, `SELECT DISTINCT version FROM forms WHERE survey_id = ?`, surveyID)
	if err != nil {
		return nil, fmt.Errorf("form versions of %s: %w", surveyID, err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("form versions of %s: %w", surveyID, err)
		}
		out = append(out, int(v))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("form versions of %s: %w", surveyID, err)
	}
	if len(out) == 0 {
		return nil, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownSurvey, surveyID)
	}
	sort.Ints(out)
	return out, nil
}
