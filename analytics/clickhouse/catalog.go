package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/palabre/palabre/survey"
)

var _ survey.Catalog = (*DB)(nil)

// Surveys lists every survey with its editions.
func (db *DB) Surveys(ctx context.Context) ([]survey.Survey, error) {
	latest := map[string]*survey.Form{}
	rows, err := db.conn.Query(ctx, `SELECT survey_id, argMax(definition, version) FROM forms GROUP BY survey_id`)
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, def string
		if err := rows.Scan(&id, &def); err != nil {
			return nil, fmt.Errorf("list surveys: %w", err)
		}
		f := new(survey.Form)
		if err := json.Unmarshal([]byte(def), f); err != nil {
			return nil, fmt.Errorf("survey %s: stored form does not decode: %w", id, err)
		}
		latest[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	editions, err := db.editions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]survey.Survey, 0, len(latest))
	for id, f := range latest {
		out = append(out, survey.Survey{
			ID: id, Title: f.Title, Description: f.Description, DefaultLanguage: f.DefaultLanguage, Languages: f.Languages,
			Editions: editions[id],
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (db *DB) editions(ctx context.Context) (map[string][]survey.Edition, error) {
	rows, err := db.conn.Query(ctx, `SELECT survey_id, year, form_version, place, opens, closes, invited, access
FROM editions FINAL ORDER BY survey_id, year`)
	if err != nil {
		return nil, fmt.Errorf("list editions: %w", err)
	}
	defer rows.Close()
	out := map[string][]survey.Edition{}
	for rows.Next() {
		var (
			e             survey.Edition
			year          uint16
			version, inv  uint32
			opens, closes time.Time
			acc           string
		)
		if err := rows.Scan(&e.SurveyID, &year, &version, &e.Place, &opens, &closes, &inv, &acc); err != nil {
			return nil, fmt.Errorf("list editions: %w", err)
		}
		e.Year, e.FormVersion, e.Invited = int(year), int(version), int(inv)
		e.Opens, e.Closes, e.Access = fromDateTime(opens), fromDateTime(closes), survey.Access(acc)
		out[e.SurveyID] = append(out[e.SurveyID], e)
	}
	return out, rows.Err()
}

// Form reads one form version.
func (db *DB) Form(ctx context.Context, surveyID string, version int) (*survey.Form, error) {
	var def string
	err := db.conn.QueryRow(ctx, `SELECT definition FROM forms WHERE survey_id = ? AND version = ? LIMIT 1`,
		surveyID, uint32(version)).Scan(&def)
	if isNoRows(err) {
		return nil, survey.Errorf(survey.CodeNotFound, survey.MsgUnknownForm, surveyID, version)
	}
	if err != nil {
		return nil, fmt.Errorf("read form %s v%d: %w", surveyID, version, err)
	}
	f := new(survey.Form)
	if err := json.Unmarshal([]byte(def), f); err != nil {
		return nil, fmt.Errorf("form %s v%d: stored definition does not decode: %w", surveyID, version, err)
	}
	return f, nil
}

// SaveForm stores a form version; an existing version must have the same content.
func (db *DB) SaveForm(ctx context.Context, f *survey.Form) error {
	digest := f.Digest()
	var stored uint64
	err := db.conn.QueryRow(ctx, `SELECT digest FROM forms WHERE survey_id = ? AND version = ? LIMIT 1`,
		f.SurveyID, uint32(f.Version)).Scan(&stored)
	switch {
	case err == nil && stored == digest:
		return nil
	case err == nil:
		return &survey.Error{Code: survey.CodeConflict, Message: survey.Msg(survey.MsgFormChanged, f.SurveyID, f.Version)}
	case !isNoRows(err):
		return fmt.Errorf("save form %s v%d: %w", f.SurveyID, f.Version, err)
	}
	def, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("save form %s v%d: %w", f.SurveyID, f.Version, err)
	}
	err = db.conn.Exec(ctx, `INSERT INTO forms (survey_id, version, definition, digest, created_at)
SELECT ?, toUInt32(?), ?, toUInt64(?), toDateTime(?)`, f.SurveyID, f.Version, string(def), digest, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("save form %s v%d: %w", f.SurveyID, f.Version, err)
	}
	return nil
}

// SaveEdition creates or replaces an edition.
func (db *DB) SaveEdition(ctx context.Context, e survey.Edition) error {
	if err := survey.CheckEdition(e); err != nil {
		return &survey.Error{Code: survey.CodeInvalid, Message: survey.Msg(survey.MsgInvalidEdition, err.Error()), Err: err}
	}
	err := db.conn.Exec(ctx, `INSERT INTO editions (survey_id, year, form_version, place, opens, closes, invited, access, revision)
SELECT ?, toUInt16(?), toUInt32(?), ?, toDateTime(?), toDateTime(?), toUInt32(?), ?, toUInt64(?)`,
		e.SurveyID, e.Year, e.FormVersion, e.Place, toDateTime(e.Opens), toDateTime(e.Closes), e.Invited,
		string(e.Access), time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("save edition %s %d: %w", e.SurveyID, e.Year, err)
	}
	return nil
}

// DateTime columns hold seconds since 1970; palabre's zero time (no date) is stored as 0.
func toDateTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromDateTime(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}
