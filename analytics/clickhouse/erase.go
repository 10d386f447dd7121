package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/palabre/palabre/survey"
)

// responseTables are every table that holds a response's data (its profile or its answers).
// A new table holding responses must be added here, or erasure leaves it behind
// (TestEraseResponseEveryTable fails when a table with a response_id column is missing).
var responseTables = []string{"answers", "responses", "response_conflicts"}

// EraseWait bounds how long EraseResponse waits for ClickHouse to finish deleting.
var EraseWait = 2 * time.Minute

// ErrEraseUnconfirmed says that the deletion was started but not seen finished in time; the
// id is refused already, and erasing again finishes the work.
var ErrEraseUnconfirmed = errors.New("the deletion was not confirmed in time; erase again to finish it")

// EraseResponse erases a response of a survey at its author's request: it records the id in
// erased_responses (so that it stays refused and is never written again, see WriteResponses),
// then deletes its rows from every table holding responses and waits until ClickHouse has
// deleted them (ALTER TABLE … DELETE is a mutation that runs in the background; it is
// watched in system.mutations and the rows are counted again). found is false, and nothing is
// done, when the survey holds no response with this id (never delivered, another survey's,
// or erased already: see ResponseErased).
//
// Erasure is idempotent: after an error, erasing again finishes the work, even once found
// says false (the id is then recorded, and its rows, if any are left, are deleted).
func (db *DB) EraseResponse(ctx context.Context, surveyID string, id survey.ResponseID) (found bool, err error) {
	rows, err := db.ResponseRows(ctx, surveyID, id)
	if err != nil {
		return false, err
	}
	if rows == 0 {
		return false, nil
	}
	if err := db.recordErased(ctx, surveyID, id); err != nil {
		return true, err
	}
	return true, db.deleteResponses(ctx, []survey.ResponseID{id})
}

// ResponseRows counts the rows of a survey's response in every table holding responses.
func (db *DB) ResponseRows(ctx context.Context, surveyID string, id survey.ResponseID) (uint64, error) {
	var total uint64
	for _, t := range responseTables {
		var n uint64
		// t is one of responseTables: nothing else reaches the SQL.
		if err := db.conn.QueryRow(ctx, "SELECT count() FROM "+t+" WHERE survey_id = ? AND response_id = ?", surveyID, uuid.UUID(id)).Scan(&n); err != nil {
			return 0, fmt.Errorf("erase %s: count rows of %s: %w", id, t, err)
		}
		total += n
	}
	return total, nil
}

func (db *DB) recordErased(ctx context.Context, surveyID string, id survey.ResponseID) error {
	err := db.conn.Exec(ctx, "INSERT INTO erased_responses (survey_id, response_id, erased_at) SELECT ?, toUUID(?), toDateTime(?)",
		surveyID, id.String(), time.Now().Unix())
	if err != nil {
		return fmt.Errorf("erase %s: record the id: %w", id, err)
	}
	return nil
}

// deleteResponses deletes every row of ids from every table holding responses, and returns
// once none is left. A row written after a deletion began is not deleted by it (a mutation
// applies to the parts that existed then): the rows are counted again afterwards and the
// deletion repeated until none is left, within EraseWait.
func (db *DB) deleteResponses(ctx context.Context, ids []survey.ResponseID) error {
	ctx, cancel := context.WithTimeout(ctx, EraseWait)
	defer cancel()
	cond := "response_id IN ("
	for i, id := range ids {
		if i > 0 {
			cond += ", "
		}
		// A UUID's text is hex digits and dashes: nothing else reaches the SQL.
		cond += "toUUID('" + id.String() + "')"
	}
	cond += ")"
	for attempt := 1; ; attempt++ {
		for _, t := range responseTables {
			if err := db.deleteFrom(ctx, t, cond); err != nil {
				return db.eraseError(ctx, fmt.Errorf("erase: delete from %s: %w", t, err))
			}
		}
		if err := db.waitMutations(ctx, cond); err != nil {
			return db.eraseError(ctx, db.unconfirmed(err))
		}
		left := uint64(0)
		for _, t := range responseTables {
			n, err := db.rowsLeft(ctx, t, cond)
			if err != nil {
				return db.eraseError(ctx, db.unconfirmed(fmt.Errorf("erase: count rows left in %s: %w", t, err)))
			}
			left += n
		}
		if left == 0 {
			return nil
		}
		db.logger().Info("erase: rows written during the deletion; deleting again", slog.Uint64("rows", left), slog.Int("attempt", attempt))
	}
}

// unconfirmed marks an error met while watching a deletion on a cluster: every shard has
// the deletion then, and a replica that cannot be reached applies it once back, but palabre
// cannot see it done.
func (db *DB) unconfirmed(err error) error {
	if db.cluster == "" || errors.Is(err, ErrEraseUnconfirmed) {
		return err
	}
	return fmt.Errorf("%w (%w)", ErrEraseUnconfirmed, err)
}

func (db *DB) eraseError(ctx context.Context, err error) error {
	if errors.Is(err, ErrEraseUnconfirmed) {
		return err
	}
	if dl, ok := ctx.Deadline(); errors.Is(ctx.Err(), context.DeadlineExceeded) || ok && !time.Now().Before(dl) {
		return fmt.Errorf("%w (%w)", ErrEraseUnconfirmed, err)
	}
	return err
}

// deleteFrom starts deleting the rows matching cond from table: on a cluster, from a sharded
// table's local table on one replica of every shard, or from a table replicated everywhere
// on one node; the other replicas replay the deletion through ZooKeeper (one that is down,
// once it is back). Not ON CLUSTER: see cluster.go.
func (db *DB) deleteFrom(ctx context.Context, table, cond string) error {
	if db.cluster == "" {
		return db.conn.Exec(ctx, "ALTER TABLE "+table+" DELETE WHERE "+cond)
	}
	st := statement{SQL: "ALTER TABLE " + db.localTable(table) + " DELETE WHERE " + cond, Scope: eachShard}
	if !isSharded(table) {
		st.Scope = once // one replicated table on every node: ZooKeeper carries the deletion
	}
	return db.run(ctx, st, func(error) bool { return false })
}

// rowsLeft counts the rows of table matching cond: on a cluster, on every node, so that a
// replica that has not yet applied a deletion counts.
func (db *DB) rowsLeft(ctx context.Context, table, cond string) (uint64, error) {
	if db.cluster == "" {
		var n uint64
		err := db.conn.QueryRow(ctx, "SELECT count() FROM "+table+" WHERE "+cond).Scan(&n)
		return n, err
	}
	nodes, err := db.nodes(ctx)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, nd := range nodes {
		var n uint64
		if err := nd.conn.QueryRow(ctx, "SELECT count() FROM "+db.localTable(table)+" WHERE "+cond).Scan(&n); err != nil {
			return 0, fmt.Errorf("node %s: %w", nd.Addr, err)
		}
		total += n
	}
	return total, nil
}

// pendingMutations counts the deletions of cond not done yet, on every node of a cluster.
func (db *DB) pendingMutations(ctx context.Context, cond string) (uint64, error) {
	const q = `SELECT count() FROM system.mutations
WHERE database = ? AND is_done = 0 AND position(command, ?) > 0`
	if db.cluster == "" {
		var n uint64
		err := db.conn.QueryRow(ctx, q, db.database, "DELETE WHERE "+cond).Scan(&n)
		return n, err
	}
	nodes, err := db.nodes(ctx)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, nd := range nodes {
		var n uint64
		if err := nd.conn.QueryRow(ctx, q, db.database, "DELETE WHERE "+cond).Scan(&n); err != nil {
			return 0, fmt.Errorf("node %s: %w", nd.Addr, err)
		}
		total += n
	}
	return total, nil
}

// waitMutations waits until the deletions of cond are done in every table.
func (db *DB) waitMutations(ctx context.Context, cond string) error {
	wait := 20 * time.Millisecond
	for {
		pending, err := db.pendingMutations(ctx, cond)
		if err != nil {
			return fmt.Errorf("erase: watch the deletion: %w", err)
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("erase: %d deletions still running: %w", pending, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

// ResponseErased reports whether a response id was erased (in any survey).
func (db *DB) ResponseErased(ctx context.Context, id survey.ResponseID) (bool, error) {
	var n uint64
	if err := db.conn.QueryRow(ctx, "SELECT count() FROM erased_responses WHERE response_id = ?", uuid.UUID(id)).Scan(&n); err != nil {
		return false, fmt.Errorf("read erased responses: %w", err)
	}
	return n > 0, nil
}

// ErasedResponses calls fn with every erased response id.
func (db *DB) ErasedResponses(ctx context.Context, fn func(id survey.ResponseID)) error {
	rows, err := db.conn.Query(ctx, "SELECT DISTINCT response_id FROM erased_responses")
	if err != nil {
		return fmt.Errorf("read erased responses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("read erased responses: %w", err)
		}
		fn(survey.ResponseID(id))
	}
	return rows.Err()
}

// erasedAmong returns the ids of batch that were erased.
func (db *DB) erasedAmong(ctx context.Context, batch []*survey.Response) (map[survey.ResponseID]bool, error) {
	erased := map[survey.ResponseID]bool{}
	in := make(map[survey.ResponseID]bool, len(batch))
	for _, r := range batch {
		in[r.ID] = true
	}
	err := db.ErasedResponses(ctx, func(id survey.ResponseID) {
		if in[id] {
			erased[id] = true
		}
	})
	return erased, err
}

// HasResponse reports whether a survey holds rows of a response, in any table.
func (db *DB) HasResponse(ctx context.Context, surveyID string, id survey.ResponseID) (bool, error) {
	n, err := db.ResponseRows(ctx, surveyID, id)
	return n > 0, err
}

// ErasedCount counts a survey's erased responses (reports.Builder.Erasures).
func (db *DB) ErasedCount(ctx context.Context, surveyID string) (uint64, error) {
	var n uint64
	if err := db.conn.QueryRow(ctx, "SELECT uniqExact(response_id) FROM erased_responses WHERE survey_id = ?", surveyID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count erased responses: %w", err)
	}
	return n, nil
}
