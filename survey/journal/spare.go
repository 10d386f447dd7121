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

// errSpareAborted is returned by createSpare when the journal closes.
var errSpareAborted = errors.New("journal: segment preparation stopped by Close")

// spareResult is the outcome of preparing a spare segment.
type spareResult struct {
	f   *os.File
	err error
}

// allocSize is the size of a new segment file.
func (j *Journal) allocSize() int64 { return max(j.opts.SegmentSize, segHeaderSize) }

// createSpare writes dir/spare.tmp: the segment header followed by zeros up
// to size, fsynced. It syncs every block of zeros it writes, so that the
// write-back reaches the disk in small steps: the cache flush of a
// concurrent append's fdatasync then never waits for a long burst of it.
// It gives up when abort is closed. On failure it removes the file.
func createSpare(dir string, size int64, abort <-chan struct{}) (*os.File, error) {
	path := filepath.Join(dir, spareName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteAt(segMagic[:], 0)
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
		os.Remove(path)
		return nil, err
	}
	return f, nil
}

// startSpare starts preparing the next segment in the background.
func (j *Journal) startSpare() {
	ch := make(chan spareResult, 1)
	j.w.spare = ch
	dir, size, abort := j.dir, j.allocSize(), j.w.abort
	go func() {
		f, err := createSpare(dir, size, abort)
		if err == nil {
			j.mu.Lock()
			j.spareBytes = size
			j.mu.Unlock()
		}
		ch <- spareResult{f, err}
	}()
}

// takeSpare returns the prepared spare segment, waiting for it if its
// preparation is still running, or prepares one now if that failed.
func (j *Journal) takeSpare() (*os.File, error) {
	ch := j.w.spare
	j.w.spare = nil
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
	}
	return createSpare(j.dir, j.allocSize(), nil)
}

// installSpare renames the prepared spare to the name of the segment whose
// first record is first and makes the rename durable. It returns the
// segment's path.
func (j *Journal) installSpare(first Seq) (string, error) {
	path := filepath.Join(j.dir, segmentName(first))
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fs.ErrExist
		}
		return "", fmt.Errorf("new segment %s: %w", path, err)
	}
	if err := os.Rename(filepath.Join(j.dir, spareName), path); err != nil {
		return "", err
	}
	return path, j.dirFile.Sync()
}

// newSegment installs the prepared segment f, open for writing, as the
// segment whose first record is first. It closes f on failure.
func (j *Journal) newSegment(first Seq, f *os.File) (*segment, error) {
	path, err := j.installSpare(first)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &segment{first: first, path: path, size: segHeaderSize, alloc: j.allocSize()}, nil
}

// discardSpare stops the preparation of a spare and deletes it. Called by
// the writer when it exits.
func (j *Journal) discardSpare() {
	close(j.w.abort)
	if ch := j.w.spare; ch != nil {
		j.w.spare = nil
		if res := <-ch; res.f != nil {
			res.f.Close()
			os.Remove(filepath.Join(j.dir, spareName))
		}
	}
	j.mu.Lock()
	j.spareBytes = 0
	j.mu.Unlock()
}
