package idindex

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/palabre/palabre/survey/journal"
)

// A Store keeps an index on disk in a directory of two files:
//
//   - snapshot: the whole index at one moment, written to snapshot.tmp, fsynced and renamed,
//     so it is always complete. "PLBRIDX1", the count n (uint64), then the n ids (16 bytes
//     each, in increasing order), the n digests (uint64), the n submission times (uint32 Unix
//     seconds), and a CRC-32C of everything before it; integers little endian.
//   - log: entries added since the snapshot, appended and fdatasynced in batches. "PLBRIDL1",
//     then 32-byte units: id, digest, seconds, and a CRC-32C of those 28 bytes. A unit that
//     fails its checksum (a write torn by a crash) is skipped.
//
// Compact writes a new snapshot and empties the log. An entry may be in both files, or twice
// in the log (a crash between the rename and the truncation): loading keeps one.
type Store struct {
	dir  string
	fsys journal.FS

	mu     sync.Mutex
	log    journal.File
	size   int64 // bytes of the log known good; a failed append is cut back to it
	broken bool  // a failed append could not be cut back yet
	logN   int   // entries in the log
}

const (
	snapshotName = "snapshot"
	logName      = "log"
	tmpName      = "snapshot.tmp"
	unitSize     = 32
	entrySize    = 28
)

var (
	snapshotMagic = []byte("PLBRIDX1")
	logMagic      = []byte("PLBRIDL1")
	castagnoli    = crc32.MakeTable(crc32.Castagnoli)
)

// Loaded is what Open found on disk.
type Loaded struct {
	Index       *Index
	Existed     bool  // a snapshot or a log was there: the directory holds local state
	Snapshot    int   // entries read from the snapshot
	Log         int   // entries read from the log
	Damaged     int   // log units skipped because they failed their checksum
	SnapshotErr error // the snapshot was unreadable and was set aside (renamed *.damaged)
	Took        time.Duration
}

// Open reads the index kept in dir, creating the directory if needed. Files are created only
// when something is written, so a directory that was never written to does not count as
// local state.
func Open(dir string) (*Store, Loaded, error) { return OpenFS(journal.OSFS(), dir) }

// OpenFS is Open on the file system fsys (the journal's file layer, which tests replace to
// count or fail writes and syncs).
func OpenFS(fsys journal.FS, dir string) (*Store, Loaded, error) {
	start := time.Now()
	var ld Loaded
	if err := fsys.MkdirAll(dir, 0o750); err != nil {
		return nil, ld, fmt.Errorf("index: %w", err)
	}
	fsys.Remove(filepath.Join(dir, tmpName)) // a compaction interrupted by a crash
	s := &Store{dir: dir, fsys: fsys}
	t, err := readSnapshot(fsys, filepath.Join(dir, snapshotName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		t = newTable(0)
		t.index()
	case err != nil:
		ld.Existed = true
		ld.SnapshotErr = err
		if rerr := fsys.Rename(filepath.Join(dir, snapshotName), filepath.Join(dir, snapshotName+".damaged")); rerr != nil {
			return nil, ld, fmt.Errorf("index: set aside damaged snapshot: %w (%w)", rerr, err)
		}
		t = newTable(0)
		t.index()
	default:
		ld.Existed = true
		ld.Snapshot = t.len()
	}
	ld.Index = fromTable(t)
	es, damaged, err := s.openLog()
	if err != nil {
		return nil, ld, err
	}
	if s.log != nil || damaged > 0 {
		ld.Existed = true
	}
	ld.Log, ld.Damaged = len(es), damaged
	ld.Index.AddAll(es)
	ld.Took = time.Since(start)
	return s, ld, nil
}

// openLog reads the log if there is one and keeps it open for appending.
func (s *Store) openLog() ([]Entry, int, error) {
	f, err := s.fsys.OpenFile(filepath.Join(s.dir, logName), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("index: %w", err)
	}
	data, err := readAll(f)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("index: read log: %w", err)
	}
	if k := min(len(data), len(logMagic)); !bytes.Equal(data[:k], logMagic[:k]) {
		// Not a log of ours: set it aside rather than refuse to start; the database and
		// the journal know its entries.
		f.Close()
		if err := s.fsys.Rename(f.Name(), f.Name()+".damaged"); err != nil {
			return nil, 0, fmt.Errorf("index: set aside %s: %w", f.Name(), err)
		}
		return nil, 1, nil
	}
	if len(data) < len(logMagic) {
		data = nil // created but its header never made it to disk
	}
	var es []Entry
	damaged := 0
	good := int64(len(logMagic))
	if data != nil {
		body := data[len(logMagic):]
		for ; len(body) >= unitSize; body = body[unitSize:] {
			if e, ok := decodeUnit(body[:unitSize]); ok {
				es = append(es, e)
			} else {
				damaged++
			}
			good += unitSize
		}
	}
	s.log, s.size, s.logN = f, good, len(es)
	if data == nil || int64(len(data)) != good {
		// A torn header or unit: cut it so that appends stay aligned.
		s.broken = true
		if err := s.repair(); err != nil {
			return nil, 0, err
		}
	}
	return es, damaged, nil
}

// repair cuts the log back to its known good size and writes its header if it has none.
func (s *Store) repair() error {
	if s.size == int64(len(logMagic)) {
		if err := s.log.Truncate(0); err != nil {
			return fmt.Errorf("index: repair log: %w", err)
		}
		if _, err := s.log.WriteAt(logMagic, 0); err != nil {
			return fmt.Errorf("index: repair log: %w", err)
		}
	} else if err := s.log.Truncate(s.size); err != nil {
		return fmt.Errorf("index: repair log: %w", err)
	}
	if err := s.log.Datasync(); err != nil {
		return fmt.Errorf("index: repair log: %w", err)
	}
	s.broken = false
	return nil
}

// Append adds es to the log and returns once they are on disk.
func (s *Store) Append(es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		if err := s.createLog(); err != nil {
			return err
		}
	}
	if s.broken {
		if err := s.repair(); err != nil {
			return err
		}
	}
	buf := make([]byte, 0, len(es)*unitSize)
	for _, e := range es {
		buf = appendUnit(buf, e)
	}
	_, err := s.log.WriteAt(buf, s.size)
	if err == nil {
		err = s.log.Datasync()
	}
	if err != nil {
		s.broken = true
		s.repair() // a partial write would misalign later units; else done by the next Append
		return fmt.Errorf("index: append to log: %w", err)
	}
	s.size += int64(len(buf))
	s.logN += len(es)
	return nil
}

func (s *Store) createLog() error {
	f, err := s.fsys.OpenFile(filepath.Join(s.dir, logName), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("index: create log: %w", err)
	}
	if _, err = f.WriteAt(logMagic, 0); err == nil {
		if err = f.Datasync(); err == nil {
			err = journal.SyncDir(s.fsys, s.dir)
		}
	}
	if err != nil {
		f.Close()
		s.fsys.Remove(f.Name())
		return fmt.Errorf("index: create log: %w", err)
	}
	s.log, s.size, s.logN = f, int64(len(logMagic)), 0
	return nil
}

// LogLen is the number of entries in the log.
func (s *Store) LogLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logN
}

// Compact writes v as the new snapshot and empties the log. v must hold every entry of the
// log: take it (Index.View) after the entries appended so far were added to the index, and
// do not Append meanwhile (Compact holds the store's lock while it writes).
func (s *Store) Compact(v View) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeSnapshot(s.fsys, s.dir, v); err != nil {
		return err
	}
	if s.log != nil && s.logN > 0 {
		s.size, s.broken = int64(len(logMagic)), true
		if err := s.repair(); err != nil {
			return err // the log's entries are in the snapshot too: harmless, retried later
		}
		s.logN = 0
	}
	return nil
}

// Close closes the log.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return nil
	}
	err := s.log.Close()
	s.log = nil
	return err
}

func appendUnit(b []byte, e Entry) []byte {
	start := len(b)
	b = append(b, e.ID[:]...)
	b = binary.LittleEndian.AppendUint64(b, e.Digest)
	b = binary.LittleEndian.AppendUint32(b, e.Sec)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func decodeUnit(u []byte) (Entry, bool) {
	if crc32.Checksum(u[:entrySize], castagnoli) != binary.LittleEndian.Uint32(u[entrySize:]) {
		return Entry{}, false
	}
	var e Entry
	copy(e.ID[:], u)
	e.Digest = binary.LittleEndian.Uint64(u[16:])
	e.Sec = binary.LittleEndian.Uint32(u[24:])
	return e, true
}

func writeSnapshot(fsys journal.FS, dir string, v View) error {
	tmp := filepath.Join(dir, tmpName)
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("index: write snapshot: %w", err)
	}
	crc := crc32.New(castagnoli)
	out := io.NewOffsetWriter(f, 0)
	w := bufio.NewWriterSize(io.MultiWriter(out, crc), 1<<20)
	var b [8]byte
	w.Write(snapshotMagic)
	w.Write(binary.LittleEndian.AppendUint64(b[:0], uint64(v.Len())))
	v.All(func(e Entry) { w.Write(e.ID[:]) })
	v.All(func(e Entry) { w.Write(binary.LittleEndian.AppendUint64(b[:0], e.Digest)) })
	v.All(func(e Entry) { w.Write(binary.LittleEndian.AppendUint32(b[:0], e.Sec)) })
	err = w.Flush()
	if err == nil {
		_, err = out.Write(binary.LittleEndian.AppendUint32(b[:0], crc.Sum32()))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, filepath.Join(dir, snapshotName))
	}
	if err == nil {
		err = journal.SyncDir(fsys, dir)
	}
	if err != nil {
		fsys.Remove(tmp)
		return fmt.Errorf("index: write snapshot: %w", err)
	}
	return nil
}

func readSnapshot(fsys journal.FS, path string) (*table, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	crc := crc32.New(castagnoli)
	r := &crcReader{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, fi.Size()), 1<<20), h: crc}
	var head [16]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || !bytes.Equal(head[:8], snapshotMagic) {
		return nil, fmt.Errorf("index: %s is not an index snapshot", path)
	}
	n := binary.LittleEndian.Uint64(head[8:])
	if want := 16 + entrySize*n + 4; n > 1<<36 || uint64(fi.Size()) != want {
		return nil, fmt.Errorf("index: %s: %d bytes for %d entries, want %d", path, fi.Size(), n, want)
	}
	t := newTable(int(n))
	buf := make([]byte, 64<<10)
	read := func(size int, put func(i int, b []byte)) error {
		per := len(buf) / size
		for i := 0; i < len(t.ids); i += per {
			k := min(per, len(t.ids)-i)
			if _, err := io.ReadFull(r, buf[:k*size]); err != nil {
				return err
			}
			for j := range k {
				put(i+j, buf[j*size:])
			}
		}
		return nil
	}
	err = read(16, func(i int, b []byte) { copy(t.ids[i][:], b) })
	if err == nil {
		err = read(8, func(i int, b []byte) { t.digests[i] = binary.LittleEndian.Uint64(b) })
	}
	if err == nil {
		err = read(4, func(i int, b []byte) { t.secs[i] = binary.LittleEndian.Uint32(b) })
	}
	if err != nil {
		return nil, fmt.Errorf("index: read %s: %w", path, err)
	}
	sum := crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(r.r, tail[:]); err != nil {
		return nil, fmt.Errorf("index: read %s: %w", path, err)
	}
	if binary.LittleEndian.Uint32(tail[:]) != sum {
		return nil, fmt.Errorf("index: %s fails its checksum", path)
	}
	for i := 1; i < len(t.ids); i++ {
		if compareIDs(t.ids[i-1], t.ids[i]) >= 0 {
			return nil, fmt.Errorf("index: %s: ids out of order at entry %d", path, i)
		}
	}
	t.index()
	return t, nil
}

type crcReader struct {
	r io.Reader
	h hash.Hash32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	return n, err
}

// readAll reads the whole of f.
func readAll(f journal.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.NewSectionReader(f, 0, fi.Size()))
}
