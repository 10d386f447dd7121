package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

const lockName = "LOCK"

// Open opens the journal in dir, creating dir if needed, and recovers its
// state: it zeroes a torn tail left by a crash, deletes delivered segments
// and an unused spare segment, and positions readers after the delivered
// watermark. Only one Journal may have dir open at a time; others get an
// error wrapping ErrLocked.
func Open(dir string, opts Options) (*Journal, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: create directory: %w", err)
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("journal: directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	j := &Journal{
		dir:        dir,
		opts:       opts,
		log:        opts.Logger,
		lockFile:   lock,
		queue:      make(chan *request, opts.QueueSize),
		closing:    make(chan struct{}),
		stop:       make(chan struct{}),
		writerDone: make(chan struct{}),
		notify:     make(chan struct{}),
	}
	if j.dirFile, err = os.Open(dir); err == nil {
		err = j.recover()
	}
	if err != nil {
		if j.w.f != nil {
			j.w.f.Close()
		}
		if j.dirFile != nil {
			j.dirFile.Close()
		}
		lock.Close()
		return nil, err
	}
	j.w.abort = make(chan struct{})
	go j.run()
	return j, nil
}

// lockDir takes an exclusive flock on dir/LOCK, held until the file closes.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: directory %s is not writable: %w", dir, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is in use by another process or Journal", ErrLocked, dir)
		}
		return nil, fmt.Errorf("journal: lock %s: %w", dir, err)
	}
	return f, nil
}

// recover loads the checkpoint and the segments, then opens the last
// segment for writing.
func (j *Journal) recover() error {
	delivered, err := readCheckpoint(j.dir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	var firsts []Seq
	for _, e := range entries {
		name := e.Name()
		if name == checkpointName+".tmp" || name == spareName {
			// An unfinished checkpoint, or a segment prepared but never used.
			if err := os.Remove(filepath.Join(j.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("journal: %w", err)
			}
			continue
		}
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		first, ok := parseSegmentName(name)
		if !ok || !e.Type().IsRegular() {
			return fmt.Errorf("journal: unexpected file %s in %s", name, j.dir)
		}
		firsts = append(firsts, first)
	}
	slices.Sort(firsts)

	// Segments before the last whose records are all delivered are left
	// over from a crash during MarkDelivered.
	removed := 0
	for len(firsts) > 1 && firsts[1]-1 <= delivered {
		if err := os.Remove(filepath.Join(j.dir, segmentName(firsts[0]))); err != nil {
			return fmt.Errorf("journal: remove delivered segment: %w", err)
		}
		firsts, removed = firsts[1:], removed+1
	}
	if removed > 0 {
		if err := j.dirFile.Sync(); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		j.log.Info("journal: removed delivered segments", "dir", j.dir, "count", removed)
	}
	j.delivered, j.last = delivered, delivered
	j.recovery.RemovedSegments = removed
	if len(firsts) == 0 {
		f, err := createSpare(j.dir, j.allocSize(), nil)
		if err != nil {
			return fmt.Errorf("journal: create segment: %w", err)
		}
		seg, err := j.newSegment(delivered+1, f)
		if err != nil {
			return fmt.Errorf("journal: create segment: %w", err)
		}
		j.segs = []*segment{seg}
		j.w = writer{f: f, seg: seg, size: segHeaderSize, next: delivered + 1, bufFirst: delivered + 1}
		j.recovery.Segments = 1
		return nil
	}
	if firsts[0] > delivered+1 {
		return fmt.Errorf("journal: records %d to %d are missing: delivered through %d but the oldest segment %s starts at %d",
			delivered+1, firsts[0]-1, delivered, segmentName(firsts[0]), firsts[0])
	}
	for i, first := range firsts {
		isLast := i == len(firsts)-1
		seg, err := j.loadSegment(first, isLast)
		if err != nil {
			return err
		}
		if !isLast && seg.first+Seq(seg.count) != firsts[i+1] {
			return fmt.Errorf("journal: segment %s holds records %d to %d but the next segment starts at %d",
				seg.path, seg.first, seg.lastSeq(), firsts[i+1])
		}
		j.segs = append(j.segs, seg)
	}
	active := j.segs[len(j.segs)-1]
	if j.last = active.lastSeq(); j.last < delivered {
		return fmt.Errorf("journal: checkpoint says records through %d were delivered but the journal ends at %d", delivered, j.last)
	}
	j.w = writer{seg: active, size: active.size, next: j.last + 1, bufFirst: j.last + 1}
	if j.w.f, err = os.OpenFile(active.path, os.O_WRONLY, 0); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.recovery.Segments = len(j.segs)
	j.recovery.PendingRecords = uint64(j.last - j.delivered)
	return nil
}

// loadSegment scans a segment, verifying every frame and building its index.
// A torn tail of the last segment is zeroed; any other damage is an error.
func (j *Journal) loadSegment(first Seq, isLast bool) (*segment, error) {
	seg := &segment{first: first, path: filepath.Join(j.dir, segmentName(first))}
	f, err := os.Open(seg.path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	size := st.Size()
	seg.alloc = size
	var hdr [segHeaderSize]byte
	n, err := f.ReadAt(hdr[:], 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := checkSegmentHeader(hdr[:n]); err != nil {
		if !isLast || size > segHeaderSize {
			return nil, &CorruptError{seg.path, 0, err.(*frameError).reason}
		}
		// Created by the previous format just before a crash: the header
		// never reached the disk.
		if size > 0 {
			j.log.Warn("journal: rewriting torn segment header", "file", seg.path, "bytes", size)
		}
		seg.size, seg.alloc = segHeaderSize, segHeaderSize
		return seg, j.rewriteHeader(seg, size)
	}
	seg.size = segHeaderSize
	sc := newScanner(io.NewSectionReader(f, segHeaderSize, size-segHeaderSize), segHeaderSize, size, 256<<10)
	for seq := first; ; seq++ {
		fr, err := sc.next()
		var fe *frameError
		if err == io.EOF || errors.As(err, &fe) {
			return seg, j.checkTail(f, seg, isLast, size, fe)
		}
		if err != nil {
			return nil, fmt.Errorf("journal: read %s: %w", seg.path, err)
		}
		if (seq-first)%indexEvery == 0 {
			seg.index = append(seg.index, fr.off)
		}
		if seq > j.delivered {
			if seq == j.delivered+1 {
				j.oldest = fr.ts
			}
			j.pending += fr.size
		}
		seg.count++
		seg.size += fr.size
	}
}

// checkTail checks the bytes of a segment after its data (seg.size, where
// the scan stopped on fe, the end-of-data marker or the end of the file).
// Zeros are preallocated space. Anything else can only be the unacknowledged
// last write of the last segment, torn by a crash: it is zeroed, so that the
// data ends where the last intact record ends. Non-zero bytes in a
// completed segment, or further than one write from the end of the data,
// may hold acknowledged records and are an error.
func (j *Journal) checkTail(f *os.File, seg *segment, isLast bool, size int64, fe *frameError) error {
	end := seg.size
	if end == size {
		return nil
	}
	last, err := lastNonZero(f, end, size)
	if err != nil {
		return fmt.Errorf("journal: read %s: %w", seg.path, err)
	}
	if last < 0 {
		return nil
	}
	reason := fmt.Sprintf("non-zero bytes after the end-of-data marker, up to offset %d", last)
	if fe != nil {
		reason = fe.reason
	}
	tolerance := max(int64(maxWriteBytes), frameHeaderSize+int64(j.opts.MaxRecordSize))
	torn := last + 1 - end
	switch {
	case !isLast:
		return &CorruptError{seg.path, end, reason + " in a completed segment"}
	case torn > tolerance:
		return &CorruptError{seg.path, end, fmt.Sprintf(
			"%s, followed by %d more bytes (a torn write is at most %d bytes)", reason, torn, tolerance)}
	}
	j.log.Warn("journal: discarding torn tail", "file", seg.path, "offset", end, "bytes", torn, "reason", reason)
	return j.zeroTail(seg, end, last+1)
}

// zeroTail overwrites the bytes [from, to) of a segment with zeros and
// fsyncs them.
func (j *Journal) zeroTail(seg *segment, from, to int64) error {
	f, err := os.OpenFile(seg.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	for off := from; off < to && err == nil; {
		n := min(to-off, int64(len(zeroBlock)))
		_, err = f.WriteAt(zeroBlock[:n], off)
		off += n
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		return fmt.Errorf("journal: zero torn tail: %w", err)
	}
	j.recovery.DiscardedBytes = to - from
	j.recovery.DiscardedFile = seg.path
	j.recovery.DiscardedOffset = from
	return nil
}

// rewriteHeader empties a segment whose header is torn and writes the
// header again.
func (j *Journal) rewriteHeader(seg *segment, size int64) error {
	f, err := os.OpenFile(seg.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("journal: rewrite torn segment header: %w", err)
	}
	if err := writeSegmentHeader(f); err != nil {
		return fmt.Errorf("journal: rewrite torn segment header: %w", err)
	}
	if size > 0 {
		j.recovery.DiscardedBytes = size
		j.recovery.DiscardedFile = seg.path
		j.recovery.DiscardedOffset = 0
	}
	return nil
}
