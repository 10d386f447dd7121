package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// Several palabre processes over one database each keep their own journal and index of
// response ids. A response submitted again to another process is recognised once that
// process has learnt the id (StoredSince, read every second), and a delivery checks its
// batch against the responses stored (Delivery). What neither can see is two processes
// accepting different answers under one id within the same delivery window: both are then
// stored, and ResolveConflicts settles it afterwards by the same rule.
//
// The rule: of the versions of a response (one id, different digests of answers), the one
// received first wins, by received_at to the second as stored; a tie goes to the smaller
// digest. Every other version is a loser: it is recorded whole in response_conflicts (for
// coordinators) and its rows are deleted from responses and answers, so its answers are
// never counted. The rule depends only on what is stored, so every process applies it
// alike, whichever finds the conflict and whenever.

// Version is one version of a response id: the digest of its answers and when it was
// received.
type Version struct {
	Digest      uint64
	ReceivedAt  time.Time
	SubmittedAt time.Time
}

// Wins reports whether a wins over b by the rule: received first (to the second), then the
// smaller digest.
func (a Version) Wins(b Version) bool {
	if as, bs := a.ReceivedAt.Unix(), b.ReceivedAt.Unix(); as != bs {
		return as < bs
	}
	return a.Digest < b.Digest
}

// Conflict is a version of a response that lost to another.
type Conflict struct {
	SurveyID         string
	Edition          int
	ID               survey.ResponseID
	Digest           uint64
	ReceivedAt       time.Time
	SubmittedAt      time.Time
	AcceptedBy       string // the process that accepted it ('' when stored by an earlier version)
	WinnerDigest     uint64
	WinnerReceivedAt time.Time
	WinnerSubmitted  time.Time
	RecordedAt       time.Time
	RecordedBy       string // the process that found the conflict
	Body             string // the losing response, JSON (survey.Response)
	Answers          int    // how many answers it had

	answersDigest uint64 // the digest its answer rows carry: 0 when stored before answers had one
}

// Delivery writes the batches of one palabre process (holder), checking each against the
// responses already stored: a response whose id is stored with other answers that win by
// the rule is not written but recorded as a conflict, and Lost is told of it. A response
// that wins over a stored one (its process delivered it late) is written, then the stored
// one is recorded and deleted before the batch counts as delivered. The check is one query
// a batch; the rest happens only for conflicts.
type Delivery struct {
	db     *DB
	holder string
	// Lost, when set, is called for each response left out because another version of its
	// id won, with its digest and the winner's digest and submission time (the pipeline
	// then answers the winner's answers as duplicates and others as conflicts).
	Lost func(id survey.ResponseID, loser, winner uint64, winnerSubmitted time.Time)
	lost atomic.Int64
}

// Delivery returns the writer of the process named holder.
func (db *DB) Delivery(holder string) *Delivery { return &Delivery{db: db, holder: holder} }

// LostCount is how many responses this delivery left out as losers of a conflict.
func (d *Delivery) LostCount() int64 { return d.lost.Load() }

// WriteResponses writes batch as DB.WriteResponses does, after the conflict check.
func (d *Delivery) WriteResponses(ctx context.Context, batch []*survey.Response) error {
	if len(batch) == 0 {
		return nil
	}
	batch = distinct(batch)
	stored, err := d.db.storedVersions(ctx, batch)
	if err != nil {
		return fmt.Errorf("write responses: check stored ids: %w", err)
	}
	keep := batch
	var lost []Conflict
	var winners []Version
	var beats []uuid.UUID // ids of batch that win over a stored version
	if len(stored) > 0 {
		keep = make([]*survey.Response, 0, len(batch))
		now := time.Now().UTC()
		for _, r := range batch {
			ours := Version{Digest: r.Digest(), ReceivedAt: r.ReceivedAt, SubmittedAt: r.SubmittedAt}
			best := ours
			for _, v := range stored[r.ID] {
				if v.Digest != ours.Digest && v.Wins(best) {
					best = v
				}
			}
			if best.Digest == ours.Digest {
				keep = append(keep, r)
				if slices.ContainsFunc(stored[r.ID], func(v Version) bool { return v.Digest != ours.Digest }) {
					beats = append(beats, uuid.UUID(r.ID))
				}
				continue
			}
			c, err := conflictOf(r, best, d.holder, now)
			if err != nil {
				return err
			}
			lost, winners = append(lost, c), append(winners, best)
		}
	}
	if len(lost) > 0 {
		if err := d.db.recordConflicts(ctx, lost); err != nil {
			return fmt.Errorf("write responses: %w", err)
		}
		d.db.logger().Warn("responses left out: their ids are stored with other answers that were received first",
			slog.Int("responses", len(lost)))
	}
	if err := d.db.writeResponses(ctx, keep, d.holder); err != nil {
		return err
	}
	if len(beats) > 0 {
		// Should this fail, the batch is written again and checked again: the stored version
		// still loses, and is removed then.
		removed, err := d.db.resolve(ctx, beats, d.holder)
		if err != nil {
			return fmt.Errorf("write responses: %w", err)
		}
		d.db.logger().Warn("stored responses replaced by versions received earlier (delivered late); the stored ones are recorded in response_conflicts",
			slog.Int("responses", len(removed)))
	}
	d.lost.Add(int64(len(lost)))
	if d.Lost != nil {
		for i, c := range lost {
			d.Lost(c.ID, c.Digest, winners[i].Digest, winners[i].SubmittedAt)
		}
	}
	return nil
}

func conflictOf(r *survey.Response, winner Version, holder string, now time.Time) (Conflict, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return Conflict{}, fmt.Errorf("record conflict: %w", err)
	}
	return Conflict{SurveyID: r.SurveyID, Edition: r.Edition, ID: r.ID, Digest: r.Digest(), ReceivedAt: r.ReceivedAt,
		SubmittedAt: r.SubmittedAt, AcceptedBy: holder, WinnerDigest: winner.Digest, WinnerReceivedAt: winner.ReceivedAt,
		WinnerSubmitted: winner.SubmittedAt, RecordedAt: now, RecordedBy: holder, Body: string(body), Answers: len(r.Answers)}, nil
}

// storedVersions returns the versions stored for the ids of batch, by id; ids not stored
// are absent.
func (db *DB) storedVersions(ctx context.Context, batch []*survey.Response) (map[survey.ResponseID][]Version, error) {
	ids := make([]uuid.UUID, len(batch))
	surveys, editions := map[string]bool{}, map[uint16]bool{}
	for i, r := range batch {
		ids[i] = uuid.UUID(r.ID)
		surveys[r.SurveyID], editions[uint16(r.Edition)] = true, true
	}
	t, err := columns{{"response_id", "UUID", ids}}.table("batch_ids")
	if err != nil {
		return nil, err
	}
	// The survey and edition narrow the parts read by the table's key.
	sql := `SELECT response_id, digest, min(received_at), min(submitted_at) FROM responses
WHERE survey_id IN (` + marks(len(surveys)) + `) AND edition IN (` + marks(len(editions)) + `)
 AND response_id IN (SELECT response_id FROM batch_ids)
GROUP BY response_id, digest`
	var args []any
	for s := range surveys {
		args = append(args, s)
	}
	for e := range editions {
		args = append(args, e)
	}
	rows, err := db.conn.Query(ch.Context(ctx, ch.WithExternalTable(t)), sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[survey.ResponseID][]Version{}
	for rows.Next() {
		var (
			id       uuid.UUID
			v        Version
			rec, sub time.Time
		)
		if err := rows.Scan(&id, &v.Digest, &rec, &sub); err != nil {
			return nil, err
		}
		v.ReceivedAt, v.SubmittedAt = rec.UTC(), sub.UTC()
		out[survey.ResponseID(id)] = append(out[survey.ResponseID(id)], v)
	}
	return out, rows.Err()
}

func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// recordConflicts writes losers to response_conflicts, leaving out erased ids (their data is
// gone for good).
func (db *DB) recordConflicts(ctx context.Context, cs []Conflict) error {
	erased := map[survey.ResponseID]bool{}
	if err := db.ErasedResponses(ctx, func(id survey.ResponseID) { erased[id] = true }); err != nil {
		return fmt.Errorf("record conflicts: %w", err)
	}
	cs = slices.DeleteFunc(slices.Clone(cs), func(c Conflict) bool { return erased[c.ID] })
	if len(cs) == 0 {
		return nil
	}
	n := len(cs)
	var (
		surveyID, acceptedBy, recordedBy, body = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		edition                                = make([]uint16, n)
		ids                                    = make([]uuid.UUID, n)
		digest, winner                         = make([]uint64, n), make([]uint64, n)
		received, submitted, winnerAt, winSub  = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	)
	for i, c := range cs {
		surveyID[i], acceptedBy[i], recordedBy[i], body[i] = c.SurveyID, c.AcceptedBy, c.RecordedBy, c.Body
		edition[i], ids[i], digest[i], winner[i] = uint16(c.Edition), uuid.UUID(c.ID), c.Digest, c.WinnerDigest
		received[i], submitted[i], winnerAt[i], winSub[i] = c.ReceivedAt, c.SubmittedAt, c.WinnerReceivedAt, c.WinnerSubmitted
	}
	t, err := columns{
		{"survey_id", "String", surveyID},
		{"edition", "UInt16", edition},
		{"response_id", "UUID", ids},
		{"digest", "UInt64", digest},
		{"received_at", "DateTime", received},
		{"submitted_at", "DateTime", submitted},
		{"accepted_by", "String", acceptedBy},
		{"winner_digest", "UInt64", winner},
		{"winner_received_at", "DateTime", winnerAt},
		{"winner_submitted_at", "DateTime", winSub},
		{"recorded_by", "String", recordedBy},
		{"body", "String", body},
	}.table("batch_conflicts")
	if err != nil {
		return fmt.Errorf("record conflicts: %w", err)
	}
	const insert = `INSERT INTO response_conflicts (survey_id, edition, response_id, digest, received_at, submitted_at,
 accepted_by, winner_digest, winner_received_at, winner_submitted_at, recorded_at, recorded_by, body)
SELECT survey_id, edition, response_id, digest, received_at, submitted_at, accepted_by, winner_digest,
 winner_received_at, winner_submitted_at, now(), recorded_by, body FROM batch_conflicts`
	if err := db.conn.Exec(ch.Context(ctx, ch.WithExternalTable(t)), insert); err != nil {
		return fmt.Errorf("record conflicts: %w", err)
	}
	return nil
}

// StoredSince calls fn with the id, digest and submission time of every response inserted
// at or after since (by the database server's clock), and returns the latest insertion time
// seen (since when none). Other processes' responses are learnt this way; reading again
// from a little before the returned time catches inserts that became visible late.
func (db *DB) StoredSince(ctx context.Context, since time.Time, fn func(id survey.ResponseID, digest uint64, submittedAt time.Time)) (time.Time, error) {
	rows, err := db.conn.Query(ctx, "SELECT response_id, digest, submitted_at, stored_at FROM responses WHERE stored_at >= toDateTime(?)",
		max(since.Unix(), 1))
	if err != nil {
		return since, fmt.Errorf("read responses stored since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	defer rows.Close()
	latest := since
	for rows.Next() {
		var (
			id          uuid.UUID
			digest      uint64
			sub, stored time.Time
		)
		if err := rows.Scan(&id, &digest, &sub, &stored); err != nil {
			return since, fmt.Errorf("read responses stored since: %w", err)
		}
		if stored.After(latest) {
			latest = stored
		}
		fn(survey.ResponseID(id), digest, sub.UTC())
	}
	return latest, rows.Err()
}

// LostSince calls fn with every loser recorded at or after since (by the database server's
// clock): the id, the loser's digest, and the winner's digest and submission time. It returns
// the latest recording time seen (since when none).
func (db *DB) LostSince(ctx context.Context, since time.Time, fn func(id survey.ResponseID, loser, winner uint64, winnerSubmitted time.Time)) (time.Time, error) {
	rows, err := db.conn.Query(ctx, `SELECT response_id, digest, winner_digest, winner_received_at, winner_submitted_at, recorded_at
FROM response_conflicts WHERE recorded_at >= toDateTime(?)`, max(since.Unix(), 0))
	if err != nil {
		return since, fmt.Errorf("read conflicts recorded since: %w", err)
	}
	defer rows.Close()
	latest := since
	for rows.Next() {
		var (
			id       uuid.UUID
			loser    uint64
			w        Version
			recorded time.Time
		)
		if err := rows.Scan(&id, &loser, &w.Digest, &w.ReceivedAt, &w.SubmittedAt, &recorded); err != nil {
			return since, fmt.Errorf("read conflicts recorded since: %w", err)
		}
		if recorded.After(latest) {
			latest = recorded
		}
		fn(survey.ResponseID(id), loser, w.Digest, w.SubmittedAt.UTC())
	}
	return latest, rows.Err()
}

// ResolveConflicts finds the response ids with more than one version among the responses
// stored at or after since, applies the rule, records each loser in response_conflicts and
// deletes its rows (waiting for the deletion). holder names the process that does it. A
// zero since looks at every response. It returns the losers recorded.
//
// Versions that reach the database apart are settled by Delivery's check; what is left is
// two checks that ran before either insert, whose versions were therefore stored within
// seconds of each other: looking back from since, a minute before the previous run,
// finds both.
func (db *DB) ResolveConflicts(ctx context.Context, since time.Time, holder string) ([]Conflict, error) {
	rows, err := db.conn.Query(ctx, `SELECT response_id FROM responses WHERE stored_at >= toDateTime(?)
GROUP BY response_id HAVING uniqExact(digest) > 1`, max(since.Unix(), 0))
	if err != nil {
		return nil, fmt.Errorf("find conflicts: %w", err)
	}
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find conflicts: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find conflicts: %w", err)
	}
	losers, err := db.resolve(ctx, ids, holder)
	if len(losers) > 0 {
		db.logger().Warn("conflict resolver: responses stored twice with different answers; the version received first was kept, the others recorded in response_conflicts",
			slog.Int("ids", len(ids)), slog.Int("left_out", len(losers)))
	}
	return losers, err
}

// resolve applies the rule to the versions of ids: records the losers and deletes them.
func (db *DB) resolve(ctx context.Context, ids []uuid.UUID, holder string) ([]Conflict, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	losers, err := db.losers(ctx, ids, holder)
	if err != nil {
		return nil, err
	}
	if err := db.recordConflicts(ctx, losers); err != nil {
		return nil, err
	}
	if err := db.deleteVersions(ctx, losers); err != nil {
		return nil, err
	}
	return losers, nil
}

// losers reads every version of ids and returns those that lose, whole.
func (db *DB) losers(ctx context.Context, ids []uuid.UUID, holder string) ([]Conflict, error) {
	t, err := columns{{"response_id", "UUID", ids}}.table("conflict_ids")
	if err != nil {
		return nil, err
	}
	type version struct {
		r          *survey.Response
		digest     uint64
		acceptedBy string
		old        bool // stored before the digest was in the keys: its answer rows carry digest 0
	}
	byID := map[survey.ResponseID][]*version{}
	rows, err := db.conn.Query(ch.Context(ctx, ch.WithExternalTable(t)), `SELECT survey_id, edition, response_id, digest,
 min(received_at), min(submitted_at), any(form_version), any(country), any(organisation), any(role), any(language),
 any(channel), any(accepted_by), min(key_digest) = 0
FROM responses WHERE response_id IN (SELECT response_id FROM conflict_ids)
GROUP BY survey_id, edition, response_id, digest`)
	if err != nil {
		return nil, fmt.Errorf("read conflicting responses: %w", err)
	}
	for rows.Next() {
		var (
			v        version
			r        survey.Response
			edition  uint16
			fv       uint32
			id       uuid.UUID
			rec, sub time.Time
			channel  string
		)
		if err := rows.Scan(&r.SurveyID, &edition, &id, &v.digest, &rec, &sub, &fv, &r.Country, &r.Organisation, &r.Role,
			&r.Language, &channel, &v.acceptedBy, &v.old); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read conflicting responses: %w", err)
		}
		r.ID, r.Edition, r.FormVersion, r.Channel = survey.ResponseID(id), int(edition), int(fv), survey.Channel(channel)
		r.ReceivedAt, r.SubmittedAt = rec.UTC(), sub.UTC()
		v.r = &r
		byID[r.ID] = append(byID[r.ID], &v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read conflicting responses: %w", err)
	}
	// Each version's answers, by id and digest.
	type key struct {
		id     survey.ResponseID
		digest uint64
	}
	loserOf := map[key]*version{}
	winnerOf := map[survey.ResponseID]*version{}
	for id, vs := range byID {
		best := vs[0]
		for _, v := range vs[1:] {
			if (Version{Digest: v.digest, ReceivedAt: v.r.ReceivedAt}).Wins(Version{Digest: best.digest, ReceivedAt: best.r.ReceivedAt}) {
				best = v
			}
		}
		winnerOf[id] = best
		for _, v := range vs {
			if v == best {
				continue
			}
			loserOf[key{id, v.digest}] = v
			if v.old && !best.old {
				loserOf[key{id, 0}] = v // its answer rows
			}
		}
	}
	rows, err = db.conn.Query(ch.Context(ctx, ch.WithExternalTable(t)), `SELECT response_id, digest, question_key, item_key,
 value_num, value_text, value_choices FROM answers WHERE response_id IN (SELECT response_id FROM conflict_ids)
ORDER BY response_id, digest, question_key, item_key`)
	if err != nil {
		return nil, fmt.Errorf("read conflicting answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     uuid.UUID
			digest uint64
			a      survey.Answer
			num    *float64
		)
		if err := rows.Scan(&id, &digest, &a.Question, &a.Item, &num, &a.Text, &a.Choices); err != nil {
			return nil, fmt.Errorf("read conflicting answers: %w", err)
		}
		v := loserOf[key{survey.ResponseID(id), digest}]
		if v == nil {
			continue
		}
		if num != nil {
			a.Num, a.HasNum = *num, true
		}
		if len(a.Choices) == 0 {
			a.Choices = nil
		}
		if n := len(v.r.Answers); n > 0 && v.r.Answers[n-1].Question == a.Question && v.r.Answers[n-1].Item == a.Item {
			continue // a copy delivered twice
		}
		v.r.Answers = append(v.r.Answers, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read conflicting answers: %w", err)
	}
	now := time.Now().UTC()
	out := make([]Conflict, 0, len(loserOf))
	for k, v := range loserOf {
		if k.digest == 0 && v.old {
			continue // the answer rows of a version listed under its digest
		}
		body, err := json.Marshal(v.r)
		if err != nil {
			return nil, err
		}
		w := winnerOf[k.id]
		out = append(out, Conflict{SurveyID: v.r.SurveyID, Edition: v.r.Edition, ID: k.id, Digest: k.digest,
			ReceivedAt: v.r.ReceivedAt, SubmittedAt: v.r.SubmittedAt, AcceptedBy: v.acceptedBy, WinnerDigest: w.digest,
			WinnerReceivedAt: w.r.ReceivedAt, WinnerSubmitted: w.r.SubmittedAt, RecordedAt: now, RecordedBy: holder, Body: string(body), Answers: len(v.r.Answers),
			answersDigest: k.digest})
		if v.old {
			out[len(out)-1].answersDigest = 0
		}
	}
	slices.SortFunc(out, func(a, b Conflict) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return out, nil
}

// deleteVersions deletes the rows of the given versions (id and digest) from responses and
// answers, and waits until ClickHouse has.
func (db *DB) deleteVersions(ctx context.Context, cs []Conflict) error {
	if len(cs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, EraseWait)
	defer cancel()
	// A UUID's text is hex digits and dashes, a digest decimal digits: nothing else reaches
	// the SQL. (This form is what system.mutations shows, which waitMutations looks for.)
	pair := func(id survey.ResponseID, digest uint64) string {
		return "(toUUID('" + id.String() + "'), " + strconv.FormatUint(digest, 10) + ")"
	}
	var rs, as []string
	for _, c := range cs {
		rs, as = append(rs, pair(c.ID, c.Digest)), append(as, pair(c.ID, c.Digest))
		if c.answersDigest != c.Digest {
			as = append(as, pair(c.ID, c.answersDigest))
		}
	}
	conds := map[string]string{
		"responses": "(response_id, digest) IN (" + strings.Join(rs, ", ") + ")",
		"answers":   "(response_id, digest) IN (" + strings.Join(as, ", ") + ")",
	}
	for attempt := 1; ; attempt++ {
		for _, t := range []string{"answers", "responses"} {
			if err := db.conn.Exec(ctx, "ALTER TABLE "+t+" DELETE WHERE "+conds[t]); err != nil {
				return fmt.Errorf("delete conflicting responses from %s: %w", t, err)
			}
		}
		for _, t := range []string{"answers", "responses"} {
			if err := db.waitMutations(ctx, conds[t]); err != nil {
				return fmt.Errorf("delete conflicting responses: %w", err)
			}
		}
		// A copy delivered again while the deletion ran is not deleted by it: go again.
		left := uint64(0)
		for _, t := range []string{"answers", "responses"} {
			var n uint64
			if err := db.conn.QueryRow(ctx, "SELECT count() FROM "+t+" WHERE "+conds[t]).Scan(&n); err != nil {
				return fmt.Errorf("delete conflicting responses: count rows left in %s: %w", t, err)
			}
			left += n
		}
		if left == 0 {
			return nil
		}
		db.logger().Info("conflicts: rows written during the deletion; deleting again", slog.Uint64("rows", left), slog.Int("attempt", attempt))
	}
}

// Conflicts lists the recorded losers of an edition, the latest first (at most limit).
func (db *DB) Conflicts(ctx context.Context, surveyID string, edition, limit int) ([]Conflict, error) {
	rows, err := db.conn.Query(ctx, `SELECT response_id, digest, any(received_at), any(submitted_at), any(accepted_by),
 any(winner_digest), any(winner_received_at), max(recorded_at), any(recorded_by), any(body)
FROM response_conflicts WHERE survey_id = ? AND edition = ?
GROUP BY response_id, digest ORDER BY max(recorded_at) DESC, response_id LIMIT ?`, surveyID, uint16(edition), limit)
	if err != nil {
		return nil, fmt.Errorf("read conflicts: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var (
			c  Conflict
			id uuid.UUID
		)
		if err := rows.Scan(&id, &c.Digest, &c.ReceivedAt, &c.SubmittedAt, &c.AcceptedBy, &c.WinnerDigest,
			&c.WinnerReceivedAt, &c.RecordedAt, &c.RecordedBy, &c.Body); err != nil {
			return nil, fmt.Errorf("read conflicts: %w", err)
		}
		c.SurveyID, c.Edition, c.ID = surveyID, edition, survey.ResponseID(id)
		c.ReceivedAt, c.SubmittedAt, c.WinnerReceivedAt, c.RecordedAt = c.ReceivedAt.UTC(), c.SubmittedAt.UTC(), c.WinnerReceivedAt.UTC(), c.RecordedAt.UTC()
		var r survey.Response
		if json.Unmarshal([]byte(c.Body), &r) == nil {
			c.Answers = len(r.Answers)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ConflictCount counts the recorded losers of every survey.
func (db *DB) ConflictCount(ctx context.Context) (uint64, error) {
	var n uint64
	if err := db.conn.QueryRow(ctx, "SELECT uniqExact(response_id, digest) FROM response_conflicts").Scan(&n); err != nil {
		return 0, fmt.Errorf("count conflicts: %w", err)
	}
	return n, nil
}
