package journal

import (
	"errors"
	"fmt"
	"time"
)

// writer is the state of the single goroutine that writes segments.
type writer struct {
	f        File     // active segment, opened for writing
	seg      *segment // active segment
	size     int64    // durable size of f
	dirty    int64    // end of the bytes a failed write may have left after size; 0 if none
	next     Seq      // sequence number of the next frame to encode
	bufFirst Seq      // sequence number of the first frame in buf
	buf      []byte   // frames encoded but not yet written
	bufIdx   []int64  // index entries for frames in buf
	carry    *request // claimed request left over from the previous batch
	err      error    // permanent failure (wraps ErrUnusable)
	noSpace  bool     // the last commit failed for lack of space

	spare      chan spareResult // preparation of the next segment; nil if none
	spareErr   error            // why preparing a spare last failed; nil if it did not
	spareErrAt time.Time
	abort      chan struct{} // closed when the writer exits, to stop preparing
}

// probeEvery is how often the writer checks whether space was freed while
// appends fail for lack of it and none arrives.
const probeEvery = 200 * time.Millisecond

// run is the writer goroutine: it gathers every request queued while the
// previous commit ran and commits them together with one write and one fsync.
func (j *Journal) run() {
	defer close(j.writerDone)
	defer j.discardSpare()
	defer j.clearDirty()
	j.startSpare()
	w := &j.w
	stopping := false
	for {
		var first *request
		claimed := false
		if w.carry != nil {
			first, w.carry, claimed = w.carry, nil, true
		} else if stopping {
			select {
			case first = <-j.queue:
			default:
				return
			}
		} else {
			var probe <-chan time.Time
			var t *time.Timer
			if w.noSpace {
				t = time.NewTimer(probeEvery)
				probe = t.C
			}
			select {
			case first = <-j.queue:
			case <-j.stop:
				stopping = true
			case <-probe:
				j.probe()
			}
			if t != nil {
				t.Stop()
			}
			if first == nil {
				continue
			}
		}
		batch := []*request{}
		total := int64(0)
		if claimed || j.claim(first) {
			batch, total = append(batch, first), first.bytes
		}
	gather:
		for total < maxWriteBytes {
			select {
			case r := <-j.queue:
				if !j.claim(r) {
					continue
				}
				if total > 0 && total+r.bytes > maxWriteBytes {
					w.carry = r
					break gather
				}
				batch, total = append(batch, r), total+r.bytes
			default:
				break gather
			}
		}
		if len(batch) > 0 {
			j.commit(batch)
		}
	}
}

// claim takes ownership of a queued request. It returns false when the
// caller gave up on it; a request whose context ended is answered here.
func (j *Journal) claim(r *request) bool {
	if !r.state.CompareAndSwap(stateQueued, stateClaimed) {
		return false // abandoned: the caller released its reservation
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		j.release(r.bytes)
		close(r.done)
		return false
	}
	return true
}

// commit writes and fsyncs a batch of claimed requests, then answers them.
func (j *Journal) commit(batch []*request) {
	w := &j.w
	ts := time.Now().UnixNano()
	encoded := 0 // requests fully encoded
	err := w.err
	if err == nil {
	encode:
		for _, r := range batch {
			r.first = w.next
			for _, p := range r.payloads {
				fsz := int64(frameHeaderSize + len(p))
				end := w.size + int64(len(w.buf))
				if len(w.buf) > 0 && int64(len(w.buf))+fsz > maxWriteBytes {
					err = j.flush(ts)
				}
				if err == nil && end > segHeaderSize && end+fsz > max(w.seg.alloc, j.opts.SegmentSize) {
					if err = j.flush(ts); err == nil {
						err = j.roll()
					}
				}
				if err != nil {
					break encode
				}
				if (w.next-w.seg.first)%indexEvery == 0 {
					w.bufIdx = append(w.bufIdx, w.size+int64(len(w.buf)))
				}
				w.buf = appendFrame(w.buf, ts, p)
				w.next++
			}
			encoded++
		}
		if err == nil {
			err = j.flush(ts)
		}
		if err != nil {
			err = j.writeFailed(err)
		} else if w.noSpace {
			j.spaceBack()
		}
	}
	var released int64
	for i, r := range batch {
		released += r.bytes
		if err != nil && (i >= encoded || r.first+Seq(len(r.payloads)) > w.bufFirst) {
			r.first, r.err = 0, err
		}
	}
	j.release(released)
	for _, r := range batch {
		close(r.done)
	}
}

// writeFailed handles a failed write, sync or roll: the frames not yet
// durable are dropped, so that the next commit writes again from the end
// of the durable data. Lack of space is transient; any other failure
// disables appends until the journal is reopened. It returns the error
// for the requests.
func (j *Journal) writeFailed(err error) error {
	w := &j.w
	w.buf, w.bufIdx, w.next = w.buf[:0], w.bufIdx[:0], w.bufFirst
	if isNoSpace(err) && !errors.Is(err, ErrUnusable) {
		err = fmt.Errorf("%w: %w", ErrNoSpace, err)
		if !w.noSpace {
			j.log.Error("journal: disk full; appends fail until space is freed", "dir", j.dir, "err", err)
		}
		w.noSpace = true
		j.mu.Lock()
		j.noSpace = err
		j.mu.Unlock()
		return err
	}
	if !errors.Is(err, ErrUnusable) {
		err = fmt.Errorf("%w: %w", ErrUnusable, err)
	}
	j.log.Error("journal write failed; appends are disabled until reopen", "dir", j.dir, "err", err)
	w.err, w.noSpace = err, false
	j.mu.Lock()
	j.failed, j.noSpace = err, nil
	j.mu.Unlock()
	return err
}

// clearDirty zeroes, when the writer exits, what failed writes left after
// the durable data, so that they are not read as records by the next
// Open. It is best effort: they were never acknowledged.
func (j *Journal) clearDirty() {
	w := &j.w
	if w.err == nil && w.dirty > w.size {
		if err := writeZeros(w.f, w.size, w.dirty); err == nil {
			w.f.Datasync()
		}
	}
}

// spaceBack ends the lack of space after a successful write or probe.
func (j *Journal) spaceBack() {
	j.w.noSpace = false
	j.mu.Lock()
	j.noSpace = nil
	j.mu.Unlock()
	j.log.Info("journal: disk space available again; appends resume", "dir", j.dir)
}

// probe checks, while appends fail for lack of space, whether they would
// succeed now: it overwrites the bytes after the durable data (left by a
// failed write, or the end-of-data marker) with zeros and syncs them, and
// prepares the next segment if preparing it failed.
func (j *Journal) probe() {
	w := &j.w
	if w.err != nil || !w.noSpace {
		return
	}
	end := max(w.dirty, min(w.size+frameHeaderSize, w.seg.alloc))
	err := writeZeros(w.f, w.size, end)
	if err == nil {
		err = w.f.Datasync()
	}
	if err == nil {
		err = j.checkLinked()
	}
	if err == nil && w.spare == nil && w.spareErr != nil {
		var f File
		if f, err = j.createSpare(nil); err == nil {
			ch := make(chan spareResult, 1)
			ch <- spareResult{f: f, at: time.Now()}
			w.spare, w.spareErr = ch, nil
			j.mu.Lock()
			j.spareBytes = j.allocSize()
			j.mu.Unlock()
		} else {
			w.spareErr, w.spareErrAt = err, time.Now()
		}
	}
	switch {
	case err == nil:
		w.dirty = 0
		j.spaceBack()
	case !isNoSpace(err):
		j.writeFailed(err)
	}
}

// flush writes the encoded frames with one write call, syncs them, and makes
// the records visible to readers.
//
// The sync is fdatasync(2): it persists the data and whatever metadata
// reading it back needs, without unrelated metadata (timestamps). Segments
// are preallocated (see createSpare), so a write only overwrites allocated,
// written blocks and there is no such metadata: the fdatasync does not
// wait for the file system journal, which on ext4 waits for other
// programs' dirty data (ClickHouse's parts). Measured on a shared disk:
// fsync p99 23 ms, fdatasync of a growing file 1.6 ms, of a preallocated
// one 0.34 ms.
func (j *Journal) flush(ts int64) error {
	w := &j.w
	if len(w.buf) == 0 {
		return nil
	}
	data := w.buf
	if pad := w.dirty - w.size - int64(len(w.buf)); pad > 0 {
		// A failed write left bytes further: zero them in the same write,
		// so that the data ends with an end-of-data marker.
		data = append(data, make([]byte, pad)...)
	}
	if _, err := w.f.WriteAt(data, w.size); err != nil {
		w.dirty = max(w.dirty, w.size+int64(len(data)))
		return err
	}
	if err := w.f.Datasync(); err != nil {
		w.dirty = max(w.dirty, w.size+int64(len(data)))
		return err
	}
	if err := j.checkLinked(); err != nil {
		return err
	}
	w.dirty = 0
	n := int64(len(w.buf))
	j.mu.Lock()
	w.seg.size += n
	w.seg.alloc = max(w.seg.alloc, w.seg.size) // grown: previous format, or a record larger than a segment
	w.seg.count += uint64(w.next - w.bufFirst)
	w.seg.index = append(w.seg.index, w.bufIdx...)
	if j.last == j.delivered {
		j.oldest = ts
	}
	j.last = w.next - 1
	j.pending += n
	j.fsyncs++
	close(j.notify)
	j.notify = make(chan struct{})
	j.mu.Unlock()
	w.size += n
	w.buf, w.bufIdx, w.bufFirst = w.buf[:0], w.bufIdx[:0], w.next
	if cap(w.buf) > 2*maxWriteBytes {
		w.buf = nil // do not keep a buffer grown by one huge record
	}
	return nil
}

// checkLinked verifies, after a sync, that the active segment is still
// the file named in the journal directory: appends synced into a file
// deleted or moved away would be lost. The failure is permanent.
func (j *Journal) checkLinked() error {
	w := &j.w
	st, err := w.f.Stat()
	if err != nil {
		return fmt.Errorf("%w: stat segment: %w", ErrUnusable, err)
	}
	if linkCount(st) == 0 {
		return fmt.Errorf("%w: segment %s was deleted", ErrUnusable, w.seg.path)
	}
	named, err := j.fs.Stat(w.seg.path)
	if err != nil {
		return fmt.Errorf("%w: segment %s is gone from the journal directory: %w", ErrUnusable, w.seg.path, err)
	}
	if !sameFile(st, named) {
		return fmt.Errorf("%w: segment %s was replaced", ErrUnusable, w.seg.path)
	}
	return nil
}

// roll continues in the prepared spare once the active segment is
// flushed, then starts preparing the next one. On failure the active
// segment stays open.
func (j *Journal) roll() error {
	w := &j.w
	if w.dirty > w.size {
		// Clear what a failed write left in the segment being completed.
		err := writeZeros(w.f, w.size, w.dirty)
		if err == nil {
			err = w.f.Datasync()
		}
		if err != nil {
			return err
		}
		w.dirty = 0
	}
	f, err := j.takeSpare()
	if err != nil {
		return err
	}
	seg, f, err := j.newSegment(w.next, f)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.segs = append(j.segs, seg)
	j.spareBytes = 0
	j.mu.Unlock()
	if err := w.f.Close(); err != nil {
		j.log.Warn("journal: closing a completed segment failed", "file", w.seg.path, "err", err)
	}
	w.f, w.seg, w.size, w.bufFirst = f, seg, segHeaderSize, w.next
	j.startSpare()
	return nil
}

func writeSegmentHeader(f File) error {
	if _, err := f.WriteAt(segMagic[:], 0); err != nil {
		return err
	}
	return f.Sync()
}
