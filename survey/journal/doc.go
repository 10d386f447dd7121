// Package journal is the durable write-ahead journal behind survey response
// acknowledgements: a response is acknowledged to the participant only once
// Append has returned, and Append returns only once the record is fsynced.
//
// # Format
//
// A journal directory holds segment files named after the sequence number of
// their first record (00000000000000000001.wal), a DELIVERED checkpoint with
// the delivered watermark, a LOCK file held with flock(2) while a Journal is
// open, and spare.tmp, the next segment being prepared. A segment starts
// with the 8-byte magic "PLBRWAL1" followed by record frames:
//
//	length  uint32  payload length, little endian
//	crc     uint32  CRC-32C (Castagnoli) of length, time and payload
//	time    int64   Unix nanoseconds when the record was written
//	payload [length]byte
//
// Sequence numbers are implicit: the n-th frame of a segment is record
// first+n.
//
// Segments are preallocated: a segment file is created at its full size,
// Options.SegmentSize, by writing the magic and zeros and fsyncing them,
// and appends overwrite the zeros. Acknowledging a record then syncs data
// only (fdatasync), never a change of file size or allocation, which on
// ext4 would wait for the file system journal and with it for other
// programs' writes to the same disk. The data of a segment ends at the
// first frame header that is entirely zero (the end-of-data marker: its
// CRC cannot match, so it is never a record), or at the end of the file;
// only zeros may follow it. Segments written before preallocation end at
// the end of the file and are read the same way. A segment rolls when the
// next record would not fit in its file; a record larger than a segment
// gets a segment of its own, which grows past the preallocated size.
//
// The next segment is prepared in the background as spare.tmp and renamed
// to its segment name (then the directory fsynced) when the writer rolls
// to it; if it is not ready yet, the roll waits for it. Open deletes a
// spare.tmp left by a crash, whatever its state, and Close deletes an
// unused one.
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
//   - After a crash, Open keeps every acknowledged record. Scanning the
//     last segment stops at the end-of-data marker, the end of the file, or
//     the first invalid frame; the bytes from there up to the last non-zero
//     byte of the file are a torn tail (parts of a write that was never
//     acknowledged, possibly with holes). They are overwritten with zeros
//     and fsynced, so the segment stays preallocated and the next append
//     continues after the last intact record, then logged and reported by
//     Recovery. Only the last write can be torn, so non-zero bytes further
//     than 4 MiB (or one maximum-size record) beyond the end of the intact
//     records of the last segment, or any damage or non-zero byte after the
//     data in an earlier segment, is an error naming the file and offset:
//     acknowledged data is never dropped silently.
//   - MarkDelivered makes the watermark durable (write, fsync, rename, fsync
//     directory) and deletes segments holding only delivered records.
//     Delivery is at least once: records delivered but not yet marked are
//     returned again by Next after a restart.
//   - Undelivered data on disk is bounded by Options.DiskBudget; beyond it
//     Append fails fast with ErrFull until records are delivered. The
//     budget counts record bytes (Stats.PendingBytes); the directory also
//     holds the unused, preallocated part of the active segment and the
//     spare, which Stats.DiskBytes includes.
package journal
