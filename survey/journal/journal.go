package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Seq is a record sequence number. The first record of a journal is 1;
// 0 means "no record".
type Seq uint64

var (
	// ErrFull is returned by Append when accepting the record would put more
	// undelivered bytes on disk than Options.DiskBudget allows.
	ErrFull = errors.New("journal: disk budget exhausted, waiting for delivery")
	// ErrClosed is returned by operations on a closed Journal.
	ErrClosed = errors.New("journal: closed")
	// ErrTooLarge is returned by Append for a record above Options.MaxRecordSize.
	ErrTooLarge = errors.New("journal: record too large")
	// ErrLocked is returned by Open when another Journal holds the directory.
	ErrLocked = errors.New("journal: directory is locked by another journal")
	// ErrNoSpace is wrapped by the errors of appends that failed because
	// the disk or the quota is full (ENOSPC, EDQUOT). It is transient:
	// nothing was acknowledged, and appends succeed again by themselves
	// once space is freed.
	ErrNoSpace = errors.New("journal: no space left on the disk")
	// ErrUnusable is wrapped by the errors of appends after a permanent
	// failure: a failed fsync (the state of the page cache is then
	// unknown), an I/O error, or the active segment or the journal
	// directory deleted or replaced. Appends fail until the journal is
	// reopened.
	ErrUnusable = errors.New("journal: unusable until reopened")
)

// Options configures a Journal. Zero fields take their defaults.
type Options struct {
	// SegmentSize is the size of a segment file: segments are created at
	// this size, zero-filled, and rolled when the next record would not
	// fit. Default 64 MiB. A larger record gets a segment of its own.
	SegmentSize int64
	// MaxRecordSize is the largest payload accepted; default 1 MiB.
	MaxRecordSize int
	// DiskBudget bounds the undelivered record bytes (framing included) on
	// disk; default 1 GiB. Preallocated space is not counted: the directory
	// also holds the unused part of the active segment and a spare segment.
	DiskBudget int64
	// QueueSize is how many appends may wait for the writer; default 1024.
	QueueSize int
	// Logger receives recovery and I/O problems; nil discards.
	Logger *slog.Logger
	// FS is the file system the journal reads and writes; nil selects
	// OSFS. Tests set it to inject disk faults (package faultfs).
	FS FS
}

func (o Options) withDefaults() (Options, error) {
	if o.SegmentSize == 0 {
		o.SegmentSize = 64 << 20
	}
	if o.MaxRecordSize == 0 {
		o.MaxRecordSize = 1 << 20
	}
	if o.DiskBudget == 0 {
		o.DiskBudget = 1 << 30
	}
	if o.QueueSize == 0 {
		o.QueueSize = 1024
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.FS == nil {
		o.FS = OSFS()
	}
	switch {
	case o.SegmentSize < 0 || o.MaxRecordSize < 0 || o.DiskBudget < 0 || o.QueueSize < 0:
		return o, errors.New("journal: negative option")
	case o.MaxRecordSize > maxFrameLen:
		return o, fmt.Errorf("journal: MaxRecordSize above %d", maxFrameLen)
	}
	return o, nil
}

// Record is one journaled record as returned by Next.
type Record struct {
	Seq     Seq
	Time    time.Time // when the record was written to disk
	Payload []byte    // owned by the caller
}

// Stats is a snapshot of the journal state.
type Stats struct {
	PendingRecords uint64    // durable records not yet delivered (filler frames left by a repair included)
	PendingBytes   int64     // their size on disk, framing included
	QueuedBytes    int64     // accepted by Append, not yet durable
	Segments       int       // segment files on disk
	DiskBytes      int64     // size of the segment files, preallocated space and a ready spare included
	LastSeq        Seq       // last durable record
	DeliveredSeq   Seq       // delivered watermark
	OldestPending  time.Time // write time of the oldest undelivered record; zero if none
	Fsyncs         uint64    // group commits (data fsyncs) since Open
}

// Recovery describes what Open found on disk.
type Recovery struct {
	Segments        int    // segment files kept
	RemovedSegments int    // fully delivered segments deleted
	PendingRecords  uint64 // undelivered records to replay (filler frames included)
	DiscardedBytes  int64  // torn tail bytes discarded (never acknowledged)
	DiscardedFile   string // segment whose tail was discarded
	DiscardedOffset int64  // offset where the discarded bytes began

	// Damaged lists the damaged byte ranges found in segments, each
	// copied to a file in the quarantine directory; empty if none.
	Damaged []Damage
	// DamagedFrames is the number of records lost to the damage: exact
	// for a completed segment, at least one per damaged range followed by
	// valid frames in the last segment.
	DamagedFrames int
	// RecoveredRecords is the number of readable records found after
	// damage and appended again at the end of the journal, under new
	// sequence numbers: they are delivered (again).
	RecoveredRecords int
}

// segment is one segment file. Its fields change only under Journal.mu.
type segment struct {
	first Seq
	path  string
	count uint64  // durable records
	size  int64   // durable bytes, header included: where the data ends
	alloc int64   // file size (preallocated)
	index []int64 // offset of record first+i*indexEvery
}

func (s *segment) lastSeq() Seq { return s.first + Seq(s.count) - 1 }

// cursor remembers where the last read ended so that sequential readers
// need no index scan.
type cursor struct {
	seg *segment
	seq Seq   // last record read
	off int64 // offset just after it
}

// Journal is a durable, append-only record log. It is safe for concurrent use.
type Journal struct {
	dir      string
	opts     Options
	log      *slog.Logger
	fs       FS
	lockFile io.Closer
	dirFile  File

	queue      chan *request
	closing    chan struct{} // closed when Close starts
	stop       chan struct{} // closed when the writer must drain and exit
	writerDone chan struct{}
	senders    sync.WaitGroup // Appends between admission and enqueue
	w          writer         // owned by the writer goroutine

	ckMu sync.Mutex // serializes MarkDelivered and checkpoint I/O

	mu         sync.Mutex
	closed     bool
	failed     error      // permanent failure, wraps ErrUnusable
	noSpace    error      // last append failed for lack of space, wraps ErrNoSpace
	segs       []*segment // oldest first; the last one is being written
	last       Seq        // last durable record
	delivered  Seq
	pending    int64 // bytes of durable undelivered records
	spareBytes int64 // size of the prepared spare segment, 0 if none
	reserved   int64 // bytes admitted but not yet acknowledged
	oldest     int64 // write time of record delivered+1, Unix ns
	notify     chan struct{}
	cur        cursor
	fsyncs     uint64
	recovery   Recovery
}

const (
	stateQueued int32 = iota
	stateClaimed
	stateAbandoned
)

// request is one Append or AppendBatch call waiting for the writer.
type request struct {
	ctx      context.Context
	payloads [][]byte
	one      [1][]byte
	bytes    int64
	state    atomic.Int32
	first    Seq
	err      error
	done     chan struct{}
}

// Append writes payload as one record and returns its sequence number once
// the record is durable (fsynced). Concurrent calls share fsyncs.
//
// If ctx ends before the journal starts writing the record, Append returns
// ctx.Err() and the record is never written. Once writing has started,
// Append waits for the outcome and reports success even if ctx is done: a
// nil error always means the record is durable. An error wrapping
// ErrNoSpace means the disk is full: the record is not acknowledged and
// Next does not return it, and appends succeed again once space is freed.
// An error wrapping ErrUnusable means a permanent I/O failure, and the
// journal refuses further appends until reopened. After either, bytes of
// the record may have reached the disk: a failed append is never
// acknowledged, but it may still be delivered after a restart, as a
// retried one would be. payload must not be modified until Append returns.
func (j *Journal) Append(ctx context.Context, payload []byte) (Seq, error) {
	r := &request{ctx: ctx}
	r.one[0] = payload
	r.payloads = r.one[:]
	return j.submit(r)
}

// AppendBatch writes payloads as consecutive records, acknowledged together
// with the same contract as Append, and returns the sequence number of the
// first. An empty batch returns 0, nil.
func (j *Journal) AppendBatch(ctx context.Context, payloads [][]byte) (first Seq, err error) {
	if len(payloads) == 0 {
		return 0, nil
	}
	return j.submit(&request{ctx: ctx, payloads: payloads})
}

func (j *Journal) submit(r *request) (Seq, error) {
	for _, p := range r.payloads {
		if len(p) > j.opts.MaxRecordSize {
			return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(p), j.opts.MaxRecordSize)
		}
		r.bytes += frameHeaderSize + int64(len(p))
	}
	ctx := r.ctx
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	j.mu.Lock()
	switch {
	case j.closed:
		j.mu.Unlock()
		return 0, ErrClosed
	case j.failed != nil:
		j.mu.Unlock()
		return 0, j.failed
	case j.pending+j.reserved+r.bytes > j.opts.DiskBudget:
		j.mu.Unlock()
		return 0, ErrFull
	}
	j.reserved += r.bytes
	j.senders.Add(1)
	j.mu.Unlock()

	r.done = make(chan struct{})
	select {
	case j.queue <- r:
		j.senders.Done()
	case <-ctx.Done():
		j.senders.Done()
		j.release(r.bytes)
		return 0, ctx.Err()
	case <-j.closing:
		j.senders.Done()
		j.release(r.bytes)
		return 0, ErrClosed
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(stateQueued, stateAbandoned) {
			j.release(r.bytes)
			return 0, ctx.Err()
		}
		<-r.done // being written: wait for the outcome
	}
	return r.first, r.err
}

func (j *Journal) release(n int64) {
	j.mu.Lock()
	j.reserved -= n
	j.mu.Unlock()
}

// Stats returns a snapshot of the journal state.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := Stats{
		PendingRecords: uint64(j.last - j.delivered),
		PendingBytes:   j.pending,
		QueuedBytes:    j.reserved,
		Segments:       len(j.segs),
		LastSeq:        j.last,
		DeliveredSeq:   j.delivered,
		Fsyncs:         j.fsyncs,
	}
	s.DiskBytes = j.spareBytes
	for _, seg := range j.segs {
		s.DiskBytes += seg.alloc
	}
	if j.last > j.delivered {
		s.OldestPending = time.Unix(0, j.oldest)
	}
	return s
}

// Accepting reports whether appends are accepted: nil if they are,
// otherwise why not: an error wrapping ErrNoSpace while the disk is full
// (until an append or a background check succeeds again), the permanent
// failure (wrapping ErrUnusable), ErrFull while the disk budget has no
// room left for a record, or ErrClosed. It takes one mutex and no I/O.
func (j *Journal) Accepting() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return ErrClosed
	case j.failed != nil:
		return j.failed
	case j.noSpace != nil:
		return j.noSpace
	case j.pending+j.reserved+frameHeaderSize > j.opts.DiskBudget:
		return ErrFull
	}
	return nil
}

// Recovery reports what Open found on disk.
func (j *Journal) Recovery() Recovery {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.recovery
}

// Close finishes the appends already queued, makes them durable, fails
// appends still waiting for queue space with ErrClosed, wakes blocked
// readers with ErrClosed and releases the directory lock. Later calls
// return nil.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	close(j.closing)
	j.mu.Unlock()

	j.senders.Wait()
	close(j.stop)
	<-j.writerDone

	j.ckMu.Lock()
	defer j.ckMu.Unlock()
	var errs []error
	if j.w.f != nil {
		errs = append(errs, j.w.f.Close())
	}
	errs = append(errs, j.dirFile.Close(), j.lockFile.Close())
	return errors.Join(errs...)
}
