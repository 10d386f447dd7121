package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// writer is the state of the single goroutine that writes segments.
type writer struct {
	f        *os.File // active segment, opened for writing
	seg      *segment // active segment
	size     int64    // durable size of f
	next     Seq      // sequence number of the next frame to encode
	bufFirst Seq      // sequence number of the first frame in buf
	buf      []byte   // frames encoded but not yet written
	bufIdx   []int64  // index entries for frames in buf
	carry    *request // claimed request left over from the previous batch
	err      error    // sticky I/O failure
}

// run is the writer goroutine: it gathers every request queued while the
// previous commit ran and commits them together with one write and one fsync.
func (j *Journal) run() {
	defer close(j.writerDone)
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
			select {
			case first = <-j.queue:
			case <-j.stop:
				stopping = true
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
	if w.err == nil {
	encode:
		for _, r := range batch {
			r.first = w.next
			for _, p := range r.payloads {
				fsz := int64(frameHeaderSize + len(p))
				end := w.size + int64(len(w.buf))
				if len(w.buf) > 0 && int64(len(w.buf))+fsz > maxWriteBytes {
					w.err = j.flush(ts)
				}
				if w.err == nil && end > segHeaderSize && end+fsz > j.opts.SegmentSize {
					if w.err = j.flush(ts); w.err == nil {
						w.err = j.roll()
					}
				}
				if w.err != nil {
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
		if w.err == nil {
			w.err = j.flush(ts)
		}
		if w.err != nil {
			j.log.Error("journal write failed; appends are disabled until reopen", "dir", j.dir, "err", w.err)
			j.mu.Lock()
			j.failed = w.err
			j.mu.Unlock()
		}
	}
	var released int64
	for i, r := range batch {
		released += r.bytes
		if w.err != nil && (i >= encoded || r.first+Seq(len(r.payloads)) > w.bufFirst) {
			r.first, r.err = 0, fmt.Errorf("journal: write failed: %w", w.err)
		}
	}
	j.release(released)
	for _, r := range batch {
		close(r.done)
	}
}

// flush writes the encoded frames with one write call, syncs them, and makes
// the records visible to readers.
//
// The sync is fdatasync(2): it persists the data and the file size, all that
// reading the records back needs, without forcing the file system to commit
// unrelated metadata (timestamps). On ext4 that keeps an acknowledgement from
// waiting for other programs' writes (ClickHouse's parts) to reach the disk:
// measured here with a concurrent writer, p99 1.6 ms instead of 23 ms for fsync.
func (j *Journal) flush(ts int64) error {
	w := &j.w
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.f.WriteAt(w.buf, w.size); err != nil {
		return err
	}
	if err := fdatasync(w.f); err != nil {
		return err
	}
	n := int64(len(w.buf))
	j.mu.Lock()
	w.seg.size += n
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

// roll closes the active segment (already flushed) and starts a new one.
func (j *Journal) roll() error {
	w := &j.w
	if err := w.f.Close(); err != nil {
		w.f = nil
		return err
	}
	w.f = nil
	path := filepath.Join(j.dir, segmentName(w.next))
	f, err := createSegment(path, j.dirFile)
	if err != nil {
		return err
	}
	seg := &segment{first: w.next, path: path, size: segHeaderSize}
	j.mu.Lock()
	j.segs = append(j.segs, seg)
	j.mu.Unlock()
	w.f, w.seg, w.size, w.bufFirst = f, seg, segHeaderSize, w.next
	return nil
}

// createSegment creates a segment file with its header and makes both the
// file and its directory entry durable.
func createSegment(path string, dir *os.File) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := writeSegmentHeader(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := dir.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func writeSegmentHeader(f *os.File) error {
	if _, err := f.WriteAt(segMagic[:], 0); err != nil {
		return err
	}
	return f.Sync()
}

// fdatasync flushes f's data and the metadata needed to read it.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}
