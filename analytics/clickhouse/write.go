package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// WriteResponses stores a batch of validated responses: their answers, then the responses
// themselves, each through one columnar external-table insert. Answers go first so that a
// response row, once visible, always has its answers.
//
// Writing the same response twice (a batch retried after a timeout) stores rows with the same
// keys, which the tables fold and the queries count once: retrying a failed batch is safe.
// A response given twice in one batch is written once, so that no part ever holds two
// copies (parts.go relies on it).
//
// On a cluster (Config.Cluster) the rows go through the Distributed tables, each response to
// the shard its id hashes to, and the insert returns once the shard holds them
// (insert_distributed_sync): an acknowledged batch is stored. A retried batch is dropped by
// the replicas as a block they already hold, or folded like any copy.
//
// A response whose id was erased (EraseResponse) is never written: it is left out of the
// batch, and should an erasure be recorded while the batch is being written, its rows are
// deleted once written. So a response erased before it was delivered (still in palabre's
// journal, or in another process's) never reaches the tables.
func (db *DB) WriteResponses(ctx context.Context, batch []*survey.Response) error {
	return db.writeResponses(ctx, batch, "")
}

// writeResponses is WriteResponses for the palabre process named holder (recorded in
// responses.accepted_by).
func (db *DB) writeResponses(ctx context.Context, batch []*survey.Response, holder string) error {
	if len(batch) == 0 {
		return nil
	}
	batch = distinct(batch)
	erased, err := db.erasedAmong(ctx, batch)
	if err != nil {
		return fmt.Errorf("write responses: %w", err)
	}
	if len(erased) > 0 {
		batch = slices.DeleteFunc(slices.Clone(batch), func(r *survey.Response) bool { return erased[r.ID] })
		db.logger().Info("erased responses left out of a delivery", slog.Int("responses", len(erased)))
		if len(batch) == 0 {
			return nil
		}
	}
	if err := db.insertResponses(ctx, batch, holder); err != nil {
		return err
	}
	// An erasure recorded while the batch was written may have begun deleting before its
	// rows arrived: delete them now. An erasure recorded after this check deletes them itself.
	late, err := db.erasedAmong(ctx, batch)
	if err != nil {
		return fmt.Errorf("write responses: %w", err)
	}
	if len(late) > 0 {
		ids := make([]survey.ResponseID, 0, len(late))
		for id := range late {
			ids = append(ids, id)
		}
		if err := db.deleteResponses(ctx, ids); err != nil {
			return fmt.Errorf("write responses: %w", err)
		}
	}
	return nil
}

func (db *DB) insertResponses(ctx context.Context, batch []*survey.Response, holder string) error {
	answers, err := answersTable(batch)
	if err != nil {
		return fmt.Errorf("write answers: %w", err)
	}
	if answers.Block().Rows() > 0 {
		if err := db.conn.Exec(db.insertContext(ctx, ch.WithExternalTable(answers)), insertAnswers); err != nil {
			return fmt.Errorf("write answers: %w", err)
		}
	}
	responses, err := responsesTable(batch, holder)
	if err != nil {
		return fmt.Errorf("write responses: %w", err)
	}
	if err := db.conn.Exec(db.insertContext(ctx, ch.WithExternalTable(responses)), insertResponses); err != nil {
		return fmt.Errorf("write responses: %w", err)
	}
	return nil
}

// distinct returns batch without later copies of a response.
func distinct(batch []*survey.Response) []*survey.Response {
	seen := make(map[survey.ResponseID]struct{}, len(batch))
	for i, r := range batch {
		if _, dup := seen[r.ID]; dup {
			out := slices.Clone(batch[:i])
			for _, r := range batch[i:] {
				if _, dup := seen[r.ID]; !dup {
					seen[r.ID] = struct{}{}
					out = append(out, r)
				}
			}
			return out
		}
		seen[r.ID] = struct{}{}
	}
	return batch
}

const insertResponses = `INSERT INTO responses (survey_id, edition, form_version, response_id, submitted_at,
 received_at, country, organisation, role, language, channel, digest, answer_count, key_digest, accepted_by, stored_at)
SELECT survey_id, edition, form_version, response_id, submitted_at, received_at, country,
 organisation, role, language, channel, digest, answer_count, digest, accepted_by, now() FROM batch_responses`

const insertAnswers = `INSERT INTO answers (survey_id, edition, form_version, response_id, submitted_at,
 country, organisation, role, language, question_key, item_key, value_num, value_text, value_choices, digest)
SELECT survey_id, edition, form_version, response_id, submitted_at, country, organisation, role,
 language, question_key, item_key, value_num, value_text, value_choices, digest FROM batch_answers`

// columns is an external table's columns, appended column by column.
type columns []struct {
	name string
	typ  column.Type
	data any
}

func (cs columns) table(name string) (*ext.Table, error) {
	defs := make([]func(*ext.Table) error, len(cs))
	for i, c := range cs {
		defs[i] = ext.Column(c.name, c.typ)
	}
	t, err := ext.NewTable(name, defs...)
	if err != nil {
		return nil, err
	}
	for i, c := range cs {
		if _, err := t.Block().Columns[i].Append(c.data); err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	return t, nil
}

func responsesTable(batch []*survey.Response, holder string) (*ext.Table, error) {
	n := len(batch)
	acceptedBy := make([]string, n)
	var (
		surveyID, country, org, role, lang, channel = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		edition                                     = make([]uint16, n)
		version, count                              = make([]uint32, n), make([]uint32, n)
		ids                                         = make([]uuid.UUID, n)
		submitted, received                         = make([]time.Time, n), make([]time.Time, n)
		digest                                      = make([]uint64, n)
	)
	for i, r := range batch {
		surveyID[i], country[i], org[i], role[i], lang[i], channel[i] = r.SurveyID, r.Country, r.Organisation, r.Role, r.Language, string(r.Channel)
		edition[i], version[i], count[i] = uint16(r.Edition), uint32(r.FormVersion), uint32(len(r.Answers))
		ids[i] = uuid.UUID(r.ID)
		submitted[i], received[i] = r.SubmittedAt, r.ReceivedAt
		digest[i] = r.Digest()
		acceptedBy[i] = holder
	}
	return columns{
		{"survey_id", "String", surveyID},
		{"edition", "UInt16", edition},
		{"form_version", "UInt32", version},
		{"response_id", "UUID", ids},
		{"submitted_at", "DateTime", submitted},
		{"received_at", "DateTime", received},
		{"country", "String", country},
		{"organisation", "String", org},
		{"role", "String", role},
		{"language", "String", lang},
		{"channel", "String", channel},
		{"digest", "UInt64", digest},
		{"answer_count", "UInt32", count},
		{"accepted_by", "String", acceptedBy},
	}.table("batch_responses")
}

func answersTable(batch []*survey.Response) (*ext.Table, error) {
	n := 0
	for _, r := range batch {
		n += len(r.Answers)
	}
	var (
		surveyID, country, org, role, lang = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		question, item, text               = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		edition                            = make([]uint16, 0, n)
		version                            = make([]uint32, 0, n)
		ids                                = make([]uuid.UUID, 0, n)
		submitted                          = make([]time.Time, 0, n)
		nums                               = make([]*float64, 0, n)
		choices                            = make([][]string, 0, n)
		numStore                           = make([]float64, n)
		digests                            = make([]uint64, 0, n)
	)
	for _, r := range batch {
		d := r.Digest()
		for _, a := range r.Answers {
			digests = append(digests, d)
			surveyID, country, org, role, lang = append(surveyID, r.SurveyID), append(country, r.Country), append(org, r.Organisation), append(role, r.Role), append(lang, r.Language)
			edition, version = append(edition, uint16(r.Edition)), append(version, uint32(r.FormVersion))
			ids, submitted = append(ids, uuid.UUID(r.ID)), append(submitted, r.SubmittedAt)
			question, item, text = append(question, a.Question), append(item, a.Item), append(text, a.Text)
			if a.HasNum {
				numStore[len(nums)] = a.Num
				nums = append(nums, &numStore[len(nums)])
			} else {
				nums = append(nums, nil)
			}
			c := a.Choices
			if c == nil {
				c = []string{}
			}
			choices = append(choices, c)
		}
	}
	return columns{
		{"survey_id", "String", surveyID},
		{"edition", "UInt16", edition},
		{"form_version", "UInt32", version},
		{"response_id", "UUID", ids},
		{"submitted_at", "DateTime", submitted},
		{"country", "String", country},
		{"organisation", "String", org},
		{"role", "String", role},
		{"language", "String", lang},
		{"question_key", "String", question},
		{"item_key", "String", item},
		{"value_num", "Nullable(Float64)", nums},
		{"value_text", "String", text},
		{"value_choices", "Array(String)", choices},
		{"digest", "UInt64", digests},
	}.table("batch_answers")
}
