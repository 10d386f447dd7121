// Package ingest is palabre's write path: it takes validated responses, makes each durable in
// the on-disk journal before acknowledging it, and delivers them in batches to the database,
// retrying until the database confirms, so that no acknowledged response is ever lost.
//
//	Submit ─▶ index (same id: duplicate or conflict) ─▶ journal.Append (group-committed fsync) ─▶ ack
//	batcher ─▶ journal.Next ─▶ Writer.WriteResponses (retried with backoff)
//	        ─▶ index log (fdatasync) ─▶ journal.MarkDelivered
//
// A batch retried after a timeout may reach the database twice; the database folds rows by
// response id and its queries count each response once, so delivery is exactly once in every
// result.
//
// # The index of response ids
//
// The index holds every accepted response id with a digest of its answers and when it was
// submitted (28 bytes an id, see idindex); it makes resubmitting the same response a no-op
// and the same id with other answers a conflict. It is kept on disk beside the journal
// (Config.IndexDir, by default "index" in the journal's parent directory): the ids of
// delivered responses are appended to a log and fdatasynced before the journal marks them
// delivered, so that a crash at any point leaves each acknowledged id in the index log or in
// the journal; the log is folded into a snapshot (written to a temporary file, fsynced and
// renamed) once it holds a quarter of the index.
//
// Open rebuilds the index from that local state: the snapshot, the log and the journal's
// undelivered records (whose records carry their digest, so they are not decoded), without
// the database. It then reconciles the index with the database in the background, retried
// with backoff until it succeeds, to learn the ids others wrote (palabre seed, another
// process, or a version of palabre without a local index); responses are accepted meanwhile
// and Status().Reconciled says when it is done. Until then, a response that only the
// database knows would be taken for a new one if submitted again: the database folds it by
// id, and the same id with other answers is not recognised as a conflict. This window exists
// only for such ids, and only for the time one reading of the database takes. A first
// start, with no local state at all, reads the database before Open returns and fails if it
// cannot.
//
// # Erased responses
//
// A response erased at its author's request (package survey/erasure) keeps its id refused:
// Submit answers survey.CodeErased (410). When the Stored given to Open implements Erased,
// the erased ids are learnt with the database's ids (at a first start, and at each
// reconciliation), and a submission of an id the index knows asks the database whether it
// was erased, so that an erasure made by another process is seen at once. The index itself
// only grows: an erased id stays in it with the digest of its erased answers, but the erased
// set is consulted first, so that digest never makes the id a live response again. While
// the database cannot answer, a known id is answered as before (duplicate or conflict),
// which stores nothing either. The database refuses to store an erased id in any case, so a
// response erased while still in the journal is left out when it is delivered.
//
// # Several processes over one database
//
// Each process has its own journal and index. When Config.Tail is set, a process reads
// every TailEvery (1 s) the ids, digests and submission times of the responses stored since
// its last reading (from TailOverlap before the latest insertion seen, by the database's
// clock, so that an insert that became visible late is not missed) and adds them to its
// index: a response accepted by another process is then a duplicate here (same receipt) and
// the same id with other answers a conflict, about a second after it was stored. It also
// reads the conflicts recorded since (all of them after a start): when the version of an id
// it holds lost, Override makes the index hold the winner. The Writer checks each batch
// against the stored responses (analytics/clickhouse Delivery), so an id stored with other
// answers is not written again; two processes that accept different answers under one id
// before either is stored are settled afterwards by a stated rule (see analytics/clickhouse
// conflicts.go). Between a delivery and the next reading, a resubmission to another
// process is accepted as new; the check at delivery then keeps the database right.
package ingest
