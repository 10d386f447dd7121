package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// A new segment is written in full before it is used: the header, then
// zeros up to Options.SegmentSize, fsynced, as spare.tmp. Appends then only
// overwrite blocks that are allocated and written, so the fdatasync that
// acknowledges them has no file size or extent change to commit and does
// not wait for the file system journal (and other programs' data). The
// spare is prepared in the background while the active segment fills, and
// renamed to its segment name when the writer rolls to it. A spare.tmp
// left by a crash is never taken for a segment; Open deletes it.

// errSpareAborted is returned by createZeroed when the journal closes.
var errSpareAborted = errors.New("journal: segment preparation stopped by Close")

// spareRetry is how long after failing for lack of space the preparation
// of a spare is not tried again by a roll.
const spareRetry = time.Second

// spareResult is the outcome of preparing a spare segment.
type spareResult struct {
	f   File
	err error
	at  time.Time // when it ended
}

// allocSize is the size of a new segment file.
func (j *Journal) allocSize() int64 { return max(j.opts.SegmentSize, segHeaderSize) }

// createZeroed writes the file path: the segment header followed by zeros
// up to size, fsynced. It first reserves the space, so that a full disk
// fails it at once. It syncs every block of zeros it writes, so that the
// write-back reaches the disk in small steps: the cache flush of a
// concurrent append's fdatasync then never waits for a long burst of it.
// It gives up when abort is closed. On failure it removes the file.
func createZeroed(fsys FS, path string, size int64, abort <-chan struct{}) (File, error) {
	f, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	err = f.Allocate(size)
	if err == nil {
		_, err = f.WriteAt(segMagic[:], 0)
	}
	for off := int64(segHeaderSize); off < size && err == nil; {
		select {
		case <-abort:
			err = errSpareAborted
			continue
		default:
		}
		n := min(size-off, int64(len(zeroBlock)))
		if _, err = f.WriteAt(zeroBlock[:n], off); err == nil {
			err = f.Sync()
		}
		off += n
	}
	if err == nil && size <= segHeaderSize {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		fsys.Remove(path)
		return nil, err
	}
	return f, nil
}

// createSpare prepares dir/spare.tmp.
func (j *Journal) createSpare(abort <-chan struct{}) (File, error) {
	return createZeroed(j.fs, filepath.Join(j.dir, spareName), j.allocSize(), abort)
}

// startSpare starts preparing the next segment in the background.
func (j *Journal) startSpare() {
	ch := make(chan spareResult, 1)
	j.w.spare = ch
	size, abort := j.allocSize(), j.w.abort
	go func() {
		f, err := j.createSpare(abort)
		if err == nil {
			j.mu.Lock()
			j.spareBytes = size
			j.mu.Unlock()
		}
		ch <- spareResult{f, err, time.Now()}
	}()
}

// takeSpare returns the prepared spare segment, waiting for it if its
// preparation is still running, or prepares one now if that failed. After
// a failure for lack of space, it does not try again for spareRetry.
func (j *Journal) takeSpare() (File, error) {
	w := &j.w
	ch := w.spare
	w.spare = nil
	if ch != nil {
		var res spareResult
		select {
		case res = <-ch:
		default:
			start := time.Now()
			res = <-ch
			j.log.Warn("journal: segment roll waited for the next segment to be prepared",
				"dir", j.dir, "wait", time.Since(start))
		}
		if res.err == nil {
			return res.f, nil
		}
		j.log.Warn("journal: preparing the next segment failed; retrying", "dir", j.dir, "err", res.err)
		w.spareErr, w.spareErrAt = res.err, res.at
	}
	if w.spareErr != nil && isNoSpace(w.spareErr) && time.Since(w.spareErrAt) < spareRetry {
		return nil, fmt.Errorf("prepare the next segment: %w", w.spareErr)
	}
	f, err := j.createSpare(nil)
	if err != nil {
		w.spareErr, w.spareErrAt = err, time.Now()
		return nil, fmt.Errorf("prepare the next segment: %w", err)
	}
	w.spareErr = nil
	return f, nil
}

// installSpare renames the prepared spare to the name of the segment whose
// first record is first and makes the rename durable. It returns the
// segment's path. A failed directory sync is a permanent failure.
func (j *Journal) installSpare(first Seq) (string, error) {
	path := filepath.Join(j.dir, segmentName(first))
	if _, err := j.fs.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fs.ErrExist
		}
		return "", fmt.Errorf("new segment %s: %w", path, err)
	}
	if err := j.fs.Rename(filepath.Join(j.dir, spareName), path); err != nil {
		return "", err
	}
	if err := j.dirFile.Sync(); err != nil {
		return "", fmt.Errorf("%w: sync directory: %w", ErrUnusable, err)
	}
	return path, nil
}

// newSegment installs the prepared segment f as the segment whose first
// record is first and returns it with the file open for writing under its
// new name. It closes f.
func (j *Journal) newSegment(first Seq, f File) (*segment, File, error) {
	path, err := j.installSpare(first)
	f.Close()
	if err != nil {
		j.fs.Remove(filepath.Join(j.dir, spareName))
		return nil, nil, err
	}
	if f, err = j.fs.OpenFile(path, os.O_WRONLY, 0); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUnusable, err)
	}
	return &segment{first: first, path: path, size: segHeaderSize, alloc: j.allocSize()}, f, nil
}

// discardSpare stops the preparation of a spare and deletes it. Called by
// the writer when it exits.
func (j *Journal) discardSpare() {
	close(j.w.abort)
	if ch := j.w.spare; ch != nil {
		j.w.spare = nil
		if res := <-ch; res.f != nil {
			res.f.Close()
			j.fs.Remove(filepath.Join(j.dir, spareName))
		}
	}
	j.mu.Lock()
	j.spareBytes = 0
	j.mu.Unlock()
}
