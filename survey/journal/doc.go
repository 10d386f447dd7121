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
// first+n. A frame whose length field has its top bit set (and a length
// of zero) is a filler: written by Open in place of records lost to
// damage, it keeps the numbering of the records after it and is never
// returned by Next.
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
// unused one. Open rewrites a damaged segment as repair.tmp, renamed over
// it, and copies damaged bytes to the quarantine subdirectory (see
// Recovery), which the journal never deletes.
//
// The journal does all its I/O through Options.FS (OSFS by default), so
// that tests can inject disk faults (package faultfs).
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
//     the first invalid frame. If no valid frame follows, the bytes from
//     there up to the last non-zero byte of the file are a torn tail
//     (parts of a write that was never acknowledged, possibly with holes):
//     they are overwritten with zeros and fsynced, so the segment stays
//     preallocated and the next append continues after the last intact
//     record, then logged and reported by Recovery. A torn tail is only
//     what follows the last valid frame, within one write (4 MiB, or one
//     maximum-size record) of it.
//   - Damage never makes Open fail or drop a readable record silently. An
//     invalid frame followed by valid frames (found by scanning forward
//     for a frame whose CRC matches, so a damaged length field loses only
//     its frame), in any segment, or non-zero bytes after the data of a
//     completed segment or too far after that of the last one, is damage:
//     Open copies the damaged bytes to a file in <dir>/quarantine, logs
//     at error level, reports them in Recovery.Damaged, and starts. The
//     records before the damage keep their sequence numbers; the readable
//     records after it cannot (how many frames the damaged bytes held is
//     unknown), so they are appended again at the end of the journal under
//     new numbers and delivered again, even if they had been delivered:
//     delivery is at least once, and skipping one is never an option. The
//     damaged segment is rewritten with its intact records followed by
//     filler frames; if the damage in the last segment reaches below the
//     delivered watermark, fillers pad it up to the watermark. Each
//     rewrite is a new file renamed over the segment, after the salvaged
//     records are durable: a crash during the repair at worst salvages
//     them twice. The next Open finds no damage and the same records.
//     Missing segment files, a checkpoint beyond the end of an undamaged
//     journal, or an invalid checkpoint are still errors.
//   - A full disk (ENOSPC or EDQUOT on a write, fdatasync, or the
//     preparation of the next segment) fails the appends concerned with an
//     error wrapping ErrNoSpace; none of them is acknowledged or read by
//     Next. The next write starts again at the end of the durable data and
//     zeroes whatever the failed one left after it. Appends resume by
//     themselves once space is freed: every append tries again, and while
//     none comes the writer checks every 200 ms, so that Accepting turns
//     nil again.
//   - Any other write or sync failure is permanent: after a failed fsync
//     the state of the page cache is unknown. So is finding, after a
//     group commit's fdatasync, that the active segment was deleted (no
//     link left) or is no longer the file of that name in the journal
//     directory (the directory was deleted or moved): the records of that
//     commit are not acknowledged. Appends then fail with an error
//     wrapping ErrUnusable until the journal is reopened; records already
//     durable can still be read and delivered.
//   - Accepting reports, without I/O, whether appends are accepted and
//     if not why: ErrNoSpace, the ErrUnusable failure, ErrFull or
//     ErrClosed. It is meant for readiness probes.
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
