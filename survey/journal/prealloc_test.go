package journal

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// segmentEnd returns the offset where the data of the segment at path
// ends, and checks that only zeros follow it.
func segmentEnd(t *testing.T, path string) int64 {
	t.Helper()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := newScanner(bytes.NewReader(file[segHeaderSize:]), segHeaderSize, int64(len(file)), 4096)
	for {
		if _, err := sc.next(); err != nil {
			break
		}
	}
	if n := nonZeroLen(file[sc.off:]); n != 0 {
		t.Fatalf("%s: %d bytes after the data at %d are not zero", path, n, sc.off)
	}
	return sc.off
}

func noSpare(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(dir, spareName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s after Close: %v", spareName, err)
	}
}

func TestPreallocatedSegments(t *testing.T) {
	opts := Options{SegmentSize: 1024}
	dir := t.TempDir()
	j := openT(t, dir, opts)
	for i := 1; i <= 20; i++ {
		appendT(t, j, payloadFor(i, 100))
	}
	// 8 frames of 116 bytes fill 936 of 1024 bytes: the ninth rolls.
	files := segFiles(t, dir)
	if len(files) != 3 {
		t.Fatalf("%d segments, want 3", len(files))
	}
	deadline := time.Now().Add(5 * time.Second)
	for j.Stats().DiskBytes != 4*1024 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // the spare is prepared in the background
	}
	if st := j.Stats(); st.DiskBytes != 4*1024 || st.PendingBytes != 20*116 {
		t.Fatalf("stats %+v: want 3 segments and a spare on disk", st)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	noSpare(t, dir)
	for i, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.Size() != 1024 {
			t.Fatalf("%s: %v bytes, %v", f, st.Size(), err)
		}
		if end, want := segmentEnd(t, f), int64(segHeaderSize+min(8, 20-8*i)*116); end != want {
			t.Fatalf("%s: data ends at %d, want %d", f, end, want)
		}
	}
	j = openT(t, dir, opts)
	if rec := j.Recovery(); rec.DiscardedBytes != 0 || rec.PendingRecords != 20 {
		t.Fatalf("recovery after a clean close %+v", rec)
	}
	if recs := readAll(t, j); len(recs) != 20 || !bytes.Equal(recs[19].Payload, payloadFor(20, 100)) {
		t.Fatalf("read %d records", len(recs))
	}
}

// TestTornWriteOverZeros covers torn writes in preallocated space, where
// the parts of the write that reached the disk may have holes.
func TestTornWriteOverZeros(t *testing.T) {
	opts := Options{SegmentSize: 6 << 20} // more than the 4 MiB torn-write window
	payloads := tornPayloads()
	src := t.TempDir()
	seg, offs := writeJournal(t, src, opts, payloads)
	clean := segmentData(t, seg, offs, payloads)
	end := int64(len(clean))
	file, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		damage func(b []byte)
		kept   int   // records recovered in place
		from   int64 // where the zeroed bytes start
		torn   int64 // how many, or -1 when they are quarantined as damage
	}{
		{"header of the last record lost", func(b []byte) { clear(b[offs[5] : offs[5]+frameHeaderSize]) }, 5, offs[5], end - offs[5]},
		{"written beyond the end marker", func(b []byte) { copy(b[end+4000:], "late") }, 6, end, 4004},
		{"at the edge of the torn-write window", func(b []byte) { b[end+maxWriteBytes-1] = 1 }, 6, end, maxWriteBytes},
		{"beyond the torn-write window", func(b []byte) { b[end+maxWriteBytes] = 1 }, 6, end + maxWriteBytes, -1},
		{"at the end of the file", func(b []byte) { b[len(b)-1] = 1 }, 6, int64(len(file)) - 1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, filepath.Base(seg))
			bad := bytes.Clone(file)
			tc.damage(bad)
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			j := openT(t, dir, opts)
			want := Recovery{Segments: 1, PendingRecords: uint64(tc.kept), DiscardedBytes: tc.torn,
				DiscardedFile: path, DiscardedOffset: tc.from}
			if tc.torn < 0 {
				// Too far from the data to be a torn write: quarantined.
				want = Recovery{Segments: 1, PendingRecords: uint64(tc.kept)}
				rec := j.Recovery()
				if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != tc.from || rec.Damaged[0].Length != 1 ||
					!strings.Contains(rec.Damaged[0].Reason, "after the end-of-data marker") {
					t.Fatalf("recovery %+v, want damage at %d", rec, tc.from)
				}
				checkQuarantine(t, rec.Damaged[0], bad)
				rec.Damaged = nil
				if !reflect.DeepEqual(rec, want) {
					t.Fatalf("recovery %+v, want %+v", rec, want)
				}
			} else if rec := j.Recovery(); !reflect.DeepEqual(rec, want) {
				t.Fatalf("recovery %+v, want %+v", rec, want)
			}
			if seq := appendT(t, j, []byte("after")); seq != Seq(tc.kept+1) {
				t.Fatalf("next seq %d, want %d", seq, tc.kept+1)
			}
			j.Close()
			if st, err := os.Stat(path); err != nil || st.Size() != opts.SegmentSize {
				t.Fatalf("segment size %d after the repair, %v", st.Size(), err)
			}
			segmentEnd(t, path)
			j = openT(t, dir, opts)
			recs := readAll(t, j)
			if rec := j.Recovery(); rec.DiscardedBytes != 0 || len(rec.Damaged) != 0 || len(recs) != tc.kept+1 || string(recs[tc.kept].Payload) != "after" {
				t.Fatalf("after the repair: %d records, recovery %+v", len(recs), rec)
			}
			for i, r := range recs[:tc.kept] {
				if !bytes.Equal(r.Payload, payloads[i]) {
					t.Fatalf("record %d differs", i+1)
				}
			}
		})
	}
	t.Run("hole at the start of the tail", func(t *testing.T) {
		// Zeros over the start of record 4, records 5 and 6 intact: damage
		// (a torn tail is only what follows the last valid frame).
		dir := t.TempDir()
		path := filepath.Join(dir, filepath.Base(seg))
		bad := bytes.Clone(file)
		clear(bad[offs[3] : offs[3]+30])
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		want := slices.Concat(payloads[:3], payloads[4:])
		j := checkPayloads(t, dir, opts, want)
		rec := j.Recovery()
		j.Close()
		if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != offs[3] || rec.Damaged[0].Length != offs[4]-offs[3] ||
			rec.DamagedFrames != 1 || rec.RecoveredRecords != 2 {
			t.Fatalf("recovery %+v", rec)
		}
		checkQuarantine(t, rec.Damaged[0], bad)
		if st, err := os.Stat(path); err != nil || st.Size() != opts.SegmentSize {
			t.Fatalf("segment size %d after the repair, %v", st.Size(), err)
		}
		checkPayloads(t, dir, opts, want).Close()
	})
}

func TestDataAfterEndOfCompletedSegment(t *testing.T) {
	var payloads [][]byte
	for i := 1; i <= 20; i++ {
		payloads = append(payloads, payloadFor(i, 100))
	}
	dir := t.TempDir()
	opts := Options{SegmentSize: 1024}
	writeJournal(t, dir, opts, payloads)
	first := segFiles(t, dir)[0]
	data, _ := os.ReadFile(first)
	data[1000] = 'x'
	os.WriteFile(first, data, 0o600)
	// No record is lost: the byte is quarantined, the segment repaired.
	j := checkPayloads(t, dir, opts, payloads)
	rec := j.Recovery()
	j.Close()
	if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != 1000 || rec.Damaged[0].Length != 1 || rec.DamagedFrames != 0 || rec.RecoveredRecords != 0 {
		t.Fatalf("recovery %+v", rec)
	}
	checkQuarantine(t, rec.Damaged[0], data)
	segmentEnd(t, first)
	checkPayloads(t, dir, opts, payloads).Close()
}

// TestSpareAfterCrash opens journals left by a crash at each step of
// preparing and installing a spare segment.
func TestSpareAfterCrash(t *testing.T) {
	opts := Options{SegmentSize: 1024}
	var payloads [][]byte
	for i := 1; i <= 10; i++ { // two segments: 8 records, then 2
		payloads = append(payloads, payloadFor(i, 100))
	}
	src := t.TempDir()
	writeJournal(t, src, opts, payloads)
	files := segFiles(t, src)
	full := append(bytes.Clone(segMagic[:]), make([]byte, 1024-segHeaderSize)...)
	firstSeg, _ := os.ReadFile(files[0])
	cases := []struct {
		name     string
		file     string // written in the journal directory
		data     []byte
		segments int // found by Open
	}{
		{"spare created", spareName, nil, 2},
		{"spare half-written", spareName, full[:500], 2},
		{"spare fully written", spareName, full, 2},
		{"spare holding garbage", spareName, bytes.Repeat([]byte{0xa5}, 1024), 2},
		{"spare looking like a segment", spareName, firstSeg, 2},
		{"spare renamed to the next segment", segmentName(11), full, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range files {
				b, _ := os.ReadFile(f)
				os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600)
			}
			if err := os.WriteFile(filepath.Join(dir, tc.file), tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			j := openT(t, dir, opts)
			if rec := j.Recovery(); rec.PendingRecords != 10 || rec.DiscardedBytes != 0 || rec.Segments != tc.segments {
				t.Fatalf("recovery %+v", rec)
			}
			// Continue across two more rolls.
			more := append(payloads[:10:10], payloadFor(11, 100))
			for i := 12; i <= 30; i++ {
				more = append(more, payloadFor(i, 100))
			}
			for i := 11; i <= 30; i++ {
				if seq := appendT(t, j, more[i-1]); seq != Seq(i) {
					t.Fatalf("seq %d, want %d", seq, i)
				}
			}
			j.Close()
			noSpare(t, dir)
			j = checkPrefix(t, dir, more, 30)
			j.Close()
			for _, f := range segFiles(t, dir) {
				if st, _ := os.Stat(f); st.Size() != 1024 {
					t.Fatalf("%s: %d bytes", f, st.Size())
				}
			}
		})
	}
}

// TestPreviousFormat opens segments written before preallocation, whose
// files end with their data: it reads them, appends to the last one until
// it rolls, and continues in preallocated segments.
func TestPreviousFormat(t *testing.T) {
	dir := t.TempDir()
	var payloads [][]byte
	for i := 1; i <= 13; i++ {
		payloads = append(payloads, payloadFor(i, 50+i))
	}
	for _, s := range []struct{ first, n int }{{1, 5}, {6, 5}, {11, 3}} {
		b := segMagic[:]
		for i := s.first; i < s.first+s.n; i++ {
			b = appendFrame(b, time.Now().UnixNano(), payloads[i-1])
		}
		if err := os.WriteFile(filepath.Join(dir, segmentName(Seq(s.first))), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := os.Open(dir)
	err := writeCheckpoint(OSFS(), dir, osFile{d}, 2)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{SegmentSize: 1024}
	j := openT(t, dir, opts)
	if rec := j.Recovery(); rec.Segments != 3 || rec.PendingRecords != 11 || rec.DiscardedBytes != 0 {
		t.Fatalf("recovery %+v", rec)
	}
	if recs := readAll(t, j); len(recs) != 11 || recs[0].Seq != 3 || !bytes.Equal(recs[10].Payload, payloads[12]) {
		t.Fatalf("read %d records", len(recs))
	}
	for i := 14; i <= 40; i++ {
		payloads = append(payloads, payloadFor(i, 100))
		appendT(t, j, payloads[i-1])
	}
	if err := j.MarkDelivered(10); err != nil {
		t.Fatal(err)
	}
	j.Close()
	files := segFiles(t, dir)
	last := filepath.Join(dir, segmentName(11))
	if files[0] != last || len(files) < 3 {
		t.Fatalf("segments %v", files)
	}
	if st, _ := os.Stat(last); st.Size() > 1024 || st.Size() < 1024-116 {
		t.Fatalf("the previous-format segment grew to %d bytes", st.Size())
	}
	for _, f := range files[1:] {
		if st, _ := os.Stat(f); st.Size() != 1024 {
			t.Fatalf("%s: %d bytes, want a preallocated segment", f, st.Size())
		}
	}
	j = openT(t, dir, opts)
	recs := readAll(t, j)
	if len(recs) != 30 || recs[0].Seq != 11 {
		t.Fatalf("read %d records after reopening", len(recs))
	}
	for _, r := range recs {
		if !bytes.Equal(r.Payload, payloads[r.Seq-1]) {
			t.Fatalf("record %d differs", r.Seq)
		}
	}
}

// TestSpareFallback covers a roll when the background preparation of the
// spare is still running or failed.
func TestSpareFallback(t *testing.T) {
	var logged logBuffer
	opts := Options{SegmentSize: 4096, Logger: slog.New(slog.NewTextHandler(&logged, nil))}
	j := openT(t, t.TempDir(), opts)
	j.Close() // the writer has exited: the test plays its part
	for _, tc := range []struct {
		name string
		res  spareResult
		log  string
	}{
		{"in progress", spareResult{}, "waited for the next segment"},
		{"failed", spareResult{err: errors.New("disk full")}, "disk full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logged.Reset()
			ch := make(chan spareResult)
			j.w.spare = ch
			go func() {
				time.Sleep(20 * time.Millisecond)
				res := tc.res
				if res.err == nil {
					res.f, res.err = j.createSpare(nil)
				}
				ch <- res
			}()
			f, err := j.takeSpare()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if st, err := f.Stat(); err != nil || st.Size() != 4096 {
				t.Fatalf("spare of %d bytes, %v", st.Size(), err)
			}
			if !strings.Contains(logged.String(), tc.log) {
				t.Fatalf("log %q does not mention %q", logged.String(), tc.log)
			}
		})
	}
}

// logBuffer collects log output from any goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}
