// Package ingest is palabre's write path: it takes validated responses, makes each durable in
// the on-disk journal before acknowledging it, and delivers them in batches to the database,
// retrying until the database confirms, so that no acknowledged response is ever lost.
//
//	Submit ─▶ index (same id: duplicate or conflict) ─▶ journal.Append (group-committed fsync) ─▶ ack
//	batcher ─▶ journal.Next ─▶ Writer.WriteResponses (retried with backoff) ─▶ journal.MarkDelivered
//
// A batch retried after a timeout may reach the database twice; the database folds rows by
// response id and its queries count each response once, so delivery is exactly once in every
// result. The index of response ids (with a digest of their answers) is loaded at start from
// the database and the journal; it makes resubmitting the same response a no-op and the same
// id with other answers a conflict.
package ingest
