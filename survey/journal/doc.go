// Package journal is the durable write-ahead journal behind survey response
// acknowledgements: a response is acknowledged to the participant only once
// Append has returned, and Append returns only once the record is fsynced.
//
// # Format
//
// A journal directory holds segment files named after the sequence number of
// their first record (00000000000000000001.wal), a DELIVERED checkpoint with
// the delivered watermark, and a LOCK file held with flock(2) while a Journal
// is open. A segment starts with the 8-byte magic "PLBRWAL1" followed by
// record frames:
//
//	length  uint32  payload length, little endian
//	crc     uint32  CRC-32C (Castagnoli) of length, time and payload
//	time    int64   Unix nanoseconds when the record was written
//	payload [length]byte
//
// Sequence numbers are implicit: the n-th frame of a segment is record
// first+n. Segments roll at Options.SegmentSize.
//
// # Guarantees
//
//   - Append returns a nil error only after the record and everything before
//     it is fsynced. Concurrent appends are group-committed: one writer
//     gathers every record queued during the previous fsync and writes them
//     with one write call and one fdatasync (at most 4 MiB per write).
//   - If Append's context ends before the record is being written, Append
//     returns ctx.Err() and the record is never written. Once writing has
//     begun, Append waits and reports the outcome even if the context is done.
//   - Readers (Next) see a record only after it is fsynced, in sequence order.
//   - After a crash, Open keeps every acknowledged record. A torn tail of the
//     last segment (bytes of a write that was never acknowledged) is
//     truncated, logged and reported by Recovery. Only the last write can be
//     torn, so damage further than 4 MiB (or one maximum-size record) from
//     the end of the last segment, or anywhere in an earlier segment, is an
//     error naming the file and offset: acknowledged data is never dropped
//     silently.
//   - MarkDelivered makes the watermark durable (write, fsync, rename, fsync
//     directory) and deletes segments holding only delivered records.
//     Delivery is at least once: records delivered but not yet marked are
//     returned again by Next after a restart.
//   - Undelivered data on disk is bounded by Options.DiskBudget; beyond it
//     Append fails fast with ErrFull until records are delivered.
package journal
