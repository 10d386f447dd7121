package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"time"
)

const (
	defaultReadRecords = 1024
	defaultReadBytes   = 4 << 20
)

// Next returns, in order, the durable records with sequence numbers above
// after, blocking until there is at least one, ctx is done (ctx.Err()) or
// the journal is closed (ErrClosed). Records at or below the delivered
// watermark are skipped, so a batcher starts with Next(ctx, 0, ...) to
// replay everything undelivered, then passes the Seq of the last record it
// received. At most maxRecords records and about maxBytes of payload are
// returned, but always at least one record; values <= 0 select 1024 records
// and 4 MiB. Only fsynced records are ever returned.
func (j *Journal) Next(ctx context.Context, after Seq, maxRecords, maxBytes int) ([]Record, error) {
	if maxRecords <= 0 {
		maxRecords = defaultReadRecords
	}
	if maxBytes <= 0 {
		maxBytes = defaultReadBytes
	}
	for {
		j.mu.Lock()
		if j.closed {
			j.mu.Unlock()
			return nil, ErrClosed
		}
		from := after
		if from < j.delivered {
			from = j.delivered
		}
		if j.last > from {
			plan := j.planRead(from + 1)
			j.mu.Unlock()
			recs, cur, err := j.readRecords(plan, from, maxRecords, maxBytes)
			if errors.Is(err, fs.ErrNotExist) {
				j.mu.Lock()
				moved := j.delivered > from
				j.mu.Unlock()
				if moved {
					continue // delivered and removed while we read
				}
			}
			if err != nil {
				return nil, err
			}
			j.mu.Lock()
			j.cur = cur
			j.mu.Unlock()
			if len(recs) > 0 {
				return recs, nil
			}
			after = cur.seq // only filler frames
			continue
		}
		ch := j.notify
		j.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-j.closing:
			return nil, ErrClosed
		}
	}
}

// readPart is a snapshot of the durable region of one segment to read.
type readPart struct {
	seg      *segment
	path     string
	startOff int64
	startSeq Seq
	last     Seq
	end      int64
}

// planRead snapshots the segments holding records seq..j.last. Called with
// j.mu held and seq <= j.last.
func (j *Journal) planRead(seq Seq) []readPart {
	i := j.segIndex(seq)
	var plan []readPart
	for k, s := range j.segs[i:] {
		if s.count == 0 {
			continue
		}
		p := readPart{seg: s, path: s.path, startOff: segHeaderSize, startSeq: s.first, last: s.lastSeq(), end: s.size}
		if k == 0 {
			p.startOff, p.startSeq = j.startPoint(s, seq)
		}
		plan = append(plan, p)
	}
	return plan
}

// segIndex returns the index of the segment holding seq. Called with j.mu held.
func (j *Journal) segIndex(seq Seq) int {
	return sort.Search(len(j.segs), func(i int) bool { return j.segs[i].first > seq }) - 1
}

// startPoint returns the closest known frame at or before seq in s, from
// the read cursor or the index. seq must be a record of s.
func (j *Journal) startPoint(s *segment, seq Seq) (int64, Seq) {
	i := uint64(seq-s.first) / indexEvery
	off, cur := s.index[i], s.first+Seq(i*indexEvery)
	if c := j.cur; c.seg == s && c.seq < seq && c.seq+1 > cur {
		off, cur = c.off, c.seq+1
	}
	return off, cur
}

// readRecords reads the records after from described by plan, skipping
// filler frames. The cursor is left after the last frame read.
func (j *Journal) readRecords(plan []readPart, from Seq, maxRecords, maxBytes int) ([]Record, cursor, error) {
	var recs []Record
	var cur cursor
	bytes := 0
	for _, p := range plan {
		f, err := j.fs.OpenFile(p.path, os.O_RDONLY, 0)
		if err != nil {
			return nil, cur, fmt.Errorf("journal: %w", err)
		}
		remain := p.end - p.startOff
		sc := newScanner(io.NewSectionReader(f, p.startOff, remain), p.startOff, p.end, int(min(remain, 128<<10)))
		for seq := p.startSeq; seq <= p.last; seq++ {
			sc.fresh = seq > from
			fr, err := sc.next()
			if err != nil {
				f.Close()
				var fe *frameError
				if errors.As(err, &fe) {
					return nil, cur, &CorruptError{p.path, fe.off, fe.reason}
				}
				if err == io.EOF { // the region holds fewer frames than were written
					return nil, cur, &CorruptError{p.path, sc.off, fmt.Sprintf("record %d is missing", seq)}
				}
				return nil, cur, fmt.Errorf("journal: read %s: %w", p.path, err)
			}
			if seq <= from {
				continue
			}
			if len(recs) > 0 && (len(recs) >= maxRecords || bytes+len(fr.payload) > maxBytes) {
				f.Close()
				return recs, cur, nil
			}
			cur = cursor{seg: p.seg, seq: seq, off: fr.off + fr.size}
			if fr.filler {
				continue
			}
			recs = append(recs, Record{Seq: seq, Time: time.Unix(0, fr.ts), Payload: fr.payload})
			bytes += len(fr.payload)
		}
		f.Close()
		if len(recs) >= maxRecords || bytes >= maxBytes {
			break
		}
	}
	return recs, cur, nil
}

// MarkDelivered records that every record up to and including seq has been
// delivered. The watermark is made durable before MarkDelivered returns,
// and segments holding only delivered records are deleted. A seq at or
// below the current watermark is a no-op; a seq beyond the last durable
// record is an error.
func (j *Journal) MarkDelivered(seq Seq) error {
	j.ckMu.Lock()
	defer j.ckMu.Unlock()
	j.mu.Lock()
	closed, delivered, last := j.closed, j.delivered, j.last
	j.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case seq <= delivered:
		return nil
	case seq > last:
		return fmt.Errorf("journal: cannot mark %d delivered: the last durable record is %d", seq, last)
	}
	if err := writeCheckpoint(j.fs, j.dir, j.dirFile, seq); err != nil {
		return fmt.Errorf("journal: write delivered checkpoint: %w", err)
	}

	j.mu.Lock()
	j.delivered = seq
	err := j.recount()
	k := 0
	for k < len(j.segs)-1 && j.segs[k].lastSeq() <= seq {
		k++
	}
	victims := j.segs[:k]
	j.segs = slices.Clone(j.segs[k:])
	if slices.Contains(victims, j.cur.seg) {
		j.cur = cursor{}
	}
	j.mu.Unlock()

	for _, v := range victims {
		if rerr := j.fs.Remove(v.path); rerr != nil {
			j.log.Warn("journal: cannot remove delivered segment", "file", v.path, "err", rerr)
		}
	}
	if k > 0 {
		if serr := j.dirFile.Sync(); serr != nil {
			j.log.Warn("journal: cannot sync directory", "dir", j.dir, "err", serr)
		}
	}
	return err
}

// recount recomputes the pending bytes and the oldest pending time after
// the watermark moved. Called with j.mu and j.ckMu held.
func (j *Journal) recount() error {
	seq := j.delivered
	i := j.segIndex(seq)
	s := j.segs[i]
	var end, ts int64
	var err error
	switch {
	case seq == s.lastSeq():
		end = s.size
	case j.cur.seg == s && j.cur.seq == seq:
		end = j.cur.off
	default:
		off, cur := j.startPoint(s, seq+1)
		end, err = walkFrames(j.fs, s.path, off, cur, seq+1)
	}
	if err != nil {
		return fmt.Errorf("journal: locate record %d: %w", seq+1, err)
	}
	pending := s.size - end
	for _, t := range j.segs[i+1:] {
		pending += t.size - segHeaderSize
	}
	j.pending = pending
	if seq == j.last {
		j.oldest = 0
		return nil
	}
	path := s.path
	if end == s.size {
		path, end = j.segs[i+1].path, segHeaderSize
	}
	f, err := j.fs.OpenFile(path, os.O_RDONLY, 0)
	if err == nil {
		_, ts, err = readFrameHeader(f, end)
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("journal: read record %d: %w", seq+1, err)
	}
	j.oldest = ts
	return nil
}

// walkFrames follows frame headers in the file at path from the frame at
// off (record cur) to record target and returns target's offset.
func walkFrames(fsys FS, path string, off int64, cur, target Seq) (int64, error) {
	if cur == target {
		return off, nil
	}
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	for ; cur < target; cur++ {
		n, _, err := readFrameHeader(f, off)
		if err != nil {
			return 0, err
		}
		off += frameHeaderSize + n
	}
	return off, nil
}
