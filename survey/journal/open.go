package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

const lockName = "LOCK"

// Open opens the journal in dir, creating dir if needed, and recovers its
// state: it discards a torn tail left by a crash, deletes delivered
// segments and positions readers after the delivered watermark. Only one
// Journal may have dir open at a time; others get an error wrapping ErrLocked.
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
		if name == checkpointName+".tmp" {
			os.Remove(filepath.Join(j.dir, name)) // unfinished checkpoint
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
		path := filepath.Join(j.dir, segmentName(delivered+1))
		f, err := createSegment(path, j.dirFile)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		j.segs = []*segment{{first: delivered + 1, path: path, size: segHeaderSize}}
		j.w = writer{f: f, seg: j.segs[0], size: segHeaderSize, next: delivered + 1, bufFirst: delivered + 1}
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
// A torn tail of the last segment is truncated; any other damage is an error.
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
	var hdr [segHeaderSize]byte
	n, err := f.ReadAt(hdr[:], 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := checkSegmentHeader(hdr[:n]); err != nil {
		if !isLast || size > segHeaderSize {
			return nil, &CorruptError{seg.path, 0, err.(*frameError).reason}
		}
		// Created just before a crash: the header never reached the disk.
		if size > 0 {
			j.log.Warn("journal: rewriting torn segment header", "file", seg.path, "bytes", size)
		}
		seg.size = segHeaderSize
		return seg, j.truncateTail(seg, 0, size)
	}
	seg.size = segHeaderSize
	sc := newScanner(io.NewSectionReader(f, segHeaderSize, size-segHeaderSize), segHeaderSize, size, 256<<10)
	for seq := first; ; seq++ {
		fr, err := sc.next()
		if err == io.EOF {
			return seg, nil
		}
		var fe *frameError
		if errors.As(err, &fe) {
			tolerance := max(int64(maxWriteBytes), frameHeaderSize+int64(j.opts.MaxRecordSize))
			switch {
			case !isLast:
				return nil, &CorruptError{seg.path, fe.off, fe.reason + " in a completed segment"}
			case size-fe.off > tolerance:
				return nil, &CorruptError{seg.path, fe.off, fmt.Sprintf(
					"%s, followed by %d more bytes (a torn write is at most %d bytes)", fe.reason, size-fe.off, tolerance)}
			}
			j.log.Warn("journal: discarding torn tail", "file", seg.path, "offset", fe.off,
				"bytes", size-fe.off, "reason", fe.reason)
			return seg, j.truncateTail(seg, fe.off, size)
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

// truncateTail cuts the segment at off (rewriting the header when off is 0).
func (j *Journal) truncateTail(seg *segment, off, size int64) error {
	f, err := os.OpenFile(seg.path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("journal: truncate torn tail: %w", err)
	}
	if off == 0 {
		err = writeSegmentHeader(f)
	} else {
		err = f.Sync()
	}
	if err != nil {
		return fmt.Errorf("journal: truncate torn tail: %w", err)
	}
	if size > off {
		j.recovery.DiscardedBytes = size - off
		j.recovery.DiscardedFile = seg.path
		j.recovery.DiscardedOffset = off
	}
	return nil
}
