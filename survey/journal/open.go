package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

const lockName = "LOCK"

// Open opens the journal in dir, creating dir if needed, and recovers its
// state: it zeroes a torn tail left by a crash, repairs damaged segments
// (see Recovery), deletes delivered segments and an unused spare segment,
// and positions readers after the delivered watermark. Only one Journal
// may have dir open at a time; others get an error wrapping ErrLocked.
func Open(dir string, opts Options) (*Journal, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	fsys := opts.FS
	if err := fsys.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: create directory: %w", err)
	}
	probe := filepath.Join(dir, fmt.Sprintf(".probe-%d", rand.Uint64()))
	pf, err := fsys.OpenFile(probe, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: directory %s is not writable: %w", dir, err)
	}
	pf.Close()
	fsys.Remove(probe)
	lock, err := lockDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	j := &Journal{
		dir:        dir,
		opts:       opts,
		log:        opts.Logger,
		fs:         fsys,
		lockFile:   lock,
		queue:      make(chan *request, opts.QueueSize),
		closing:    make(chan struct{}),
		stop:       make(chan struct{}),
		writerDone: make(chan struct{}),
		notify:     make(chan struct{}),
	}
	if j.dirFile, err = fsys.OpenFile(dir, os.O_RDONLY, 0); err == nil {
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

// lockDir takes an exclusive flock on dir/LOCK, held until the file
// closes. A file system whose files have no descriptor is not locked.
func lockDir(fsys FS, dir string) (io.Closer, error) {
	f, err := fsys.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: directory %s is not writable: %w", dir, err)
	}
	fd, ok := f.(interface{ Fd() uintptr })
	if !ok {
		return f, nil
	}
	for {
		err = syscall.Flock(int(fd.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
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

// recover loads the checkpoint and the segments, repairs damage, then
// opens the last segment for writing.
func (j *Journal) recover() error {
	for pass := 0; ; pass++ {
		scans, delivered, err := j.scanAll()
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(scans, (*segScan).damaged) {
			return j.install(scans, delivered)
		}
		if pass > 0 {
			for _, sc := range scans {
				if sc.damaged() {
					r := sc.bad[0]
					return &CorruptError{sc.seg.path, r.off, "damage remains after the repair: " + r.reason}
				}
			}
		}
		if err := j.repair(scans, delivered); err != nil {
			return fmt.Errorf("journal: repair damaged segments: %w", err)
		}
	}
}

// scanAll reads the checkpoint, deletes leftovers and delivered segments,
// and scans every segment.
func (j *Journal) scanAll() ([]*segScan, Seq, error) {
	j.segs, j.pending, j.oldest = nil, 0, 0
	delivered, err := readCheckpoint(j.fs, j.dir)
	if err != nil {
		return nil, 0, err
	}
	entries, err := j.fs.ReadDir(j.dir)
	if err != nil {
		return nil, 0, fmt.Errorf("journal: %w", err)
	}
	var firsts []Seq
	for _, e := range entries {
		name := e.Name()
		if name == checkpointName+".tmp" || name == spareName || name == repairName {
			// An unfinished checkpoint or repair, or a segment prepared but never used.
			if err := j.fs.Remove(filepath.Join(j.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, 0, fmt.Errorf("journal: %w", err)
			}
			continue
		}
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		first, ok := parseSegmentName(name)
		if !ok || !e.Type().IsRegular() {
			return nil, 0, fmt.Errorf("journal: unexpected file %s in %s", name, j.dir)
		}
		firsts = append(firsts, first)
	}
	slices.Sort(firsts)

	// Segments before the last whose records are all delivered are left
	// over from a crash during MarkDelivered.
	removed := 0
	for len(firsts) > 1 && firsts[1]-1 <= delivered {
		if err := j.fs.Remove(filepath.Join(j.dir, segmentName(firsts[0]))); err != nil {
			return nil, 0, fmt.Errorf("journal: remove delivered segment: %w", err)
		}
		firsts, removed = firsts[1:], removed+1
	}
	if removed > 0 {
		if err := j.dirFile.Sync(); err != nil {
			return nil, 0, fmt.Errorf("journal: %w", err)
		}
		j.log.Info("journal: removed delivered segments", "dir", j.dir, "count", removed)
	}
	j.delivered, j.last = delivered, delivered
	j.recovery.RemovedSegments += removed
	if len(firsts) > 0 && firsts[0] > delivered+1 {
		return nil, 0, fmt.Errorf("journal: records %d to %d are missing: delivered through %d but the oldest segment %s starts at %d",
			delivered+1, firsts[0]-1, delivered, segmentName(firsts[0]), firsts[0])
	}
	var scans []*segScan
	for i, first := range firsts {
		sc, err := j.scanSegment(first, i == len(firsts)-1)
		if err != nil {
			return nil, 0, err
		}
		if i > 0 {
			prev := scans[i-1]
			prev.total = int64(first - prev.seg.first)
			if n := int64(prev.seg.count); n > prev.total || n < prev.total && !prev.damaged() {
				return nil, 0, fmt.Errorf("journal: segment %s holds records %d to %d but the next segment starts at %d",
					prev.seg.path, prev.seg.first, prev.seg.lastSeq(), first)
			}
		}
		scans = append(scans, sc)
	}
	return scans, delivered, nil
}

// install adopts scanned segments free of damage: it zeroes a torn tail of
// the last one and opens it for writing.
func (j *Journal) install(scans []*segScan, delivered Seq) error {
	if len(scans) == 0 {
		f, err := createZeroed(j.fs, filepath.Join(j.dir, spareName), j.allocSize(), nil)
		if err != nil {
			return fmt.Errorf("journal: create segment: %w", err)
		}
		seg, f, err := j.newSegment(delivered+1, f)
		if err != nil {
			return fmt.Errorf("journal: create segment: %w", err)
		}
		j.segs = []*segment{seg}
		j.w = writer{f: f, seg: seg, size: segHeaderSize, next: delivered + 1, bufFirst: delivered + 1}
		j.recovery.Segments = 1
		return nil
	}
	for _, sc := range scans {
		j.segs = append(j.segs, sc.seg)
	}
	active := scans[len(scans)-1]
	if t := active.tail; t.end > t.off {
		j.log.Warn("journal: discarding torn tail", "file", active.seg.path, "offset", t.off, "bytes", t.end-t.off, "reason", t.reason)
		if err := j.zeroRange(active.seg.path, t.off, t.end); err != nil {
			return fmt.Errorf("journal: zero torn tail: %w", err)
		}
		j.recovery.DiscardedBytes = t.end - t.off
		j.recovery.DiscardedFile = active.seg.path
		j.recovery.DiscardedOffset = t.off
	}
	if j.last = active.seg.lastSeq(); j.last < delivered {
		return fmt.Errorf("journal: checkpoint says records through %d were delivered but the journal ends at %d", delivered, j.last)
	}
	seg := active.seg
	j.w = writer{seg: seg, size: seg.size, next: j.last + 1, bufFirst: j.last + 1}
	var err error
	if j.w.f, err = j.fs.OpenFile(seg.path, os.O_WRONLY, 0); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.recovery.Segments = len(j.segs)
	j.recovery.PendingRecords = uint64(j.last - j.delivered)
	return nil
}

// region is a byte range [off, end) of a segment.
type region struct {
	off, end int64
	reason   string
}

// segScan is what scanning a segment found.
type segScan struct {
	seg    *segment // its intact records: the frames before the first invalid one
	isLast bool
	total  int64 // records the segment held, if it is not the last
	// bad are the damaged ranges after the intact records: invalid bytes
	// followed by valid frames (salvaged), non-zero bytes after the data
	// of a completed segment, or too far after the data of the last
	// segment to be a torn write. A damaged segment header is bad[0].
	bad      []region
	salvaged []frame // valid frames after the first damaged range
	tail     region  // torn tail of the last segment
	badHdr   bool    // the segment header is damaged (bad[0])
	gaps     int     // damaged ranges followed by valid frames
}

func (sc *segScan) damaged() bool { return len(sc.bad) > 0 }

// scanSegment scans a segment, verifying every frame and building its index.
func (j *Journal) scanSegment(first Seq, isLast bool) (*segScan, error) {
	seg := &segment{first: first, path: filepath.Join(j.dir, segmentName(first))}
	sc := &segScan{seg: seg, isLast: isLast}
	f, err := j.fs.OpenFile(seg.path, os.O_RDONLY, 0)
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
			sc.badHdr = true
			sc.bad = append(sc.bad, region{0, min(size, segHeaderSize), err.(*frameError).reason})
		} else {
			// Created by the previous format just before a crash: the
			// header never reached the disk.
			if size > 0 {
				j.log.Warn("journal: rewriting torn segment header", "file", seg.path, "bytes", size)
			}
			seg.size, seg.alloc = segHeaderSize, segHeaderSize
			return sc, j.rewriteHeader(seg, size)
		}
	}
	seg.size = segHeaderSize
	if size <= segHeaderSize {
		return sc, nil
	}
	s := newScanner(io.NewSectionReader(f, segHeaderSize, size-segHeaderSize), segHeaderSize, size, 256<<10)
	for seq := first; ; seq++ {
		fr, err := s.next()
		var fe *frameError
		if err == io.EOF || errors.As(err, &fe) {
			reason := "non-zero bytes after the end-of-data marker"
			if fe != nil {
				reason = fe.reason
			}
			return sc, j.scanRest(f, sc, size, reason)
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

// scanRest examines the bytes of a segment after its intact records,
// from seg.size, where the scan stopped on an invalid frame (reason), the
// end-of-data marker or the end of the file. Zeros are preallocated space.
// Otherwise it looks for valid frames further on: invalid bytes followed
// by valid frames are damage, and those frames are salvaged. Invalid
// bytes after the last valid frame are the torn last write if the segment
// is the last one and they lie within one write of it; anything else is
// damage too.
func (j *Journal) scanRest(f File, sc *segScan, size int64, reason string) error {
	seg := sc.seg
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
	// Read up to one record past the last non-zero byte: a valid frame may
	// end with zeros.
	b := make([]byte, min(size, last+1+frameHeaderSize+int64(j.opts.MaxRecordSize))-end)
	if _, err := f.ReadAt(b, end); err != nil {
		return fmt.Errorf("journal: read %s: %w", seg.path, noEOF(err))
	}
	p := 0
	for p < len(b) {
		if fr, ok := frameAt(b, p, end, maxFrameLen); ok {
			fr.payload = slices.Clone(fr.payload)
			sc.salvaged = append(sc.salvaged, fr)
			p += int(fr.size)
			continue
		}
		q := nextFrame(b, p+1, end, j.opts.MaxRecordSize)
		r := region{end + int64(p), min(end+int64(q), last+1), reason}
		if p > 0 {
			r.reason = "invalid frame"
		}
		if q == len(b) {
			if r.end > r.off {
				sc.tail = r
			}
		} else {
			sc.bad = append(sc.bad, r)
			sc.gaps++
		}
		p = q
	}
	tolerance := max(int64(maxWriteBytes), frameHeaderSize+int64(j.opts.MaxRecordSize))
	if t := sc.tail; t.end > t.off && (!sc.isLast || t.end-t.off > tolerance) {
		what := "in a completed segment"
		if sc.isLast {
			what = fmt.Sprintf("followed by %d more bytes (a torn write is at most %d bytes)", t.end-t.off, tolerance)
		}
		t.reason += " " + what
		for b[t.off-end] == 0 { // the damage is the non-zero bytes
			t.off++
		}
		sc.bad, sc.tail = append(sc.bad, t), region{}
	}
	return nil
}

// zeroRange overwrites the bytes [from, to) of the file at path with
// zeros and syncs them.
func (j *Journal) zeroRange(path string, from, to int64) error {
	f, err := j.fs.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := writeZeros(f, from, to); err != nil {
		return err
	}
	return f.Sync()
}

// writeZeros writes zeros over [from, to) of f.
func writeZeros(f File, from, to int64) error {
	for off := from; off < to; {
		n := min(to-off, int64(len(zeroBlock)))
		if _, err := f.WriteAt(zeroBlock[:n], off); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// rewriteHeader empties a segment whose header is torn and writes the
// header again.
func (j *Journal) rewriteHeader(seg *segment, size int64) error {
	f, err := j.fs.OpenFile(seg.path, os.O_WRONLY, 0)
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
