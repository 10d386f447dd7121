package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Damage is a range of damaged bytes that Open found in a segment and set
// aside. A copy of the bytes is kept in QuarantinedTo.
type Damage struct {
	File          string // segment file
	Offset        int64  // offset of the first damaged byte in File
	Length        int64  // number of damaged bytes
	QuarantinedTo string // file holding a copy of the damaged bytes
	Reason        string
}

const (
	// repairName is the file a damaged segment is rewritten in before it
	// is renamed over the segment.
	repairName = "repair.tmp"
	// QuarantineDir is the subdirectory of the journal directory where
	// Open copies damaged bytes. The journal never deletes its files.
	QuarantineDir = "quarantine"
)

// repair sets damaged segments right, so that a second scan finds every
// readable record and no damage:
//
//  1. every damaged range is copied to a file in the quarantine directory;
//  2. the last segment is rewritten with its intact records, filler
//     frames up to the delivered watermark if the damage reaches below it,
//     then every record salvaged from after a damaged range, in any
//     segment, under new sequence numbers: their own are uncertain once a
//     range of unknown frame count is lost, so they are delivered again
//     (delivery is at least once);
//  3. every damaged completed segment is rewritten with its intact
//     records followed by filler frames, so that the records of the next
//     segments keep their sequence numbers.
//
// Each rewrite goes to a temporary file renamed over the segment: a crash
// at any point leaves either the damaged segment, which the next Open
// repairs again (records salvaged twice are delivered twice), or the
// repaired one.
func (j *Journal) repair(scans []*segScan, delivered Seq) error {
	qdir := filepath.Join(j.dir, QuarantineDir)
	if err := j.fs.MkdirAll(qdir, 0o700); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102T150405.000000000")
	for _, sc := range scans {
		for _, r := range sc.bad {
			q := filepath.Join(qdir, fmt.Sprintf("%s.%d.%s.damaged", filepath.Base(sc.seg.path), r.off, stamp))
			if err := j.quarantine(sc.seg.path, r, q); err != nil {
				return fmt.Errorf("quarantine: %w", err)
			}
			j.log.Error("journal: damaged data found and quarantined", "file", sc.seg.path, "offset", r.off,
				"bytes", r.end-r.off, "reason", r.reason, "quarantine", q)
			j.recovery.Damaged = append(j.recovery.Damaged, Damage{sc.seg.path, r.off, r.end - r.off, q, r.reason})
		}
	}
	if err := SyncDir(j.fs, qdir); err != nil {
		return err
	}
	if err := j.dirFile.Sync(); err != nil {
		return err
	}

	var salvaged []frame
	lost := 0
	for _, sc := range scans {
		for _, fr := range sc.salvaged {
			if !fr.filler {
				salvaged = append(salvaged, fr)
			}
		}
		if n := sc.total - int64(sc.seg.count) - int64(len(sc.salvaged)); !sc.isLast && n >= 0 {
			lost += int(n)
		} else {
			lost += sc.gaps
		}
	}
	last := scans[len(scans)-1]
	var fillers int64
	if end := last.seg.first + Seq(last.seg.count); delivered >= end {
		fillers = int64(delivered - end + 1)
	}
	if last.damaged() || len(salvaged) > 0 || fillers > 0 {
		if t := last.tail; t.end > t.off {
			j.log.Warn("journal: discarding torn tail", "file", last.seg.path, "offset", t.off, "bytes", t.end-t.off, "reason", t.reason)
			j.recovery.DiscardedBytes = t.end - t.off
			j.recovery.DiscardedFile = last.seg.path
			j.recovery.DiscardedOffset = t.off
		}
		if err := j.rebuild(last.seg, fillers, salvaged); err != nil {
			return err
		}
	}
	for _, sc := range scans[:len(scans)-1] {
		if sc.damaged() {
			if err := j.rebuild(sc.seg, sc.total-int64(sc.seg.count), nil); err != nil {
				return err
			}
		}
	}
	j.recovery.DamagedFrames += lost
	j.recovery.RecoveredRecords += len(salvaged)
	j.log.Error("journal: repaired damaged segments", "dir", j.dir, "damaged_ranges", len(j.recovery.Damaged),
		"lost_records", lost, "salvaged_records", len(salvaged), "quarantine", qdir)
	return nil
}

// quarantine copies the bytes r of the file at path to a new file q.
func (j *Journal) quarantine(path string, r region, q string) error {
	src, err := j.fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := j.fs.OpenFile(q, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := copyRange(dst, 0, src, r.off, r.end-r.off); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// rebuild rewrites the segment seg with its intact records (up to
// seg.size), then fillers filler frames, then the salvaged frames, and
// zeros up to its allocated size.
func (j *Journal) rebuild(seg *segment, fillers int64, salvaged []frame) error {
	ts := time.Now().UnixNano()
	var tail []byte
	for range fillers {
		tail = appendFiller(tail, ts)
	}
	for _, fr := range salvaged {
		tail = appendFrame(tail, fr.ts, fr.payload)
	}
	src, err := j.fs.OpenFile(seg.path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := filepath.Join(j.dir, repairName)
	dst, err := createZeroed(j.fs, tmp, max(seg.alloc, seg.size+int64(len(tail))), nil)
	if err != nil {
		return err
	}
	err = copyRange(dst, segHeaderSize, src, segHeaderSize, seg.size-segHeaderSize)
	if err == nil {
		_, err = dst.WriteAt(tail, seg.size)
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = j.fs.Rename(tmp, seg.path)
	}
	if err != nil {
		j.fs.Remove(tmp)
		return err
	}
	return j.dirFile.Sync()
}

// copyRange copies n bytes at off of src to dstOff of dst.
func copyRange(dst File, dstOff int64, src File, off, n int64) error {
	buf := make([]byte, min(n, 1<<20))
	for done := int64(0); done < n; {
		b := buf[:min(n-done, int64(len(buf)))]
		if _, err := src.ReadAt(b, off+done); err != nil {
			return noEOF(err)
		}
		if _, err := dst.WriteAt(b, dstOff+done); err != nil {
			return err
		}
		done += int64(len(b))
	}
	return nil
}

// SyncDir makes the entries of the directory dir durable.
func SyncDir(fsys FS, dir string) error {
	d, err := fsys.OpenFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
