package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeJournal creates a journal in dir holding payloads and returns the
// path of its last segment and the offset of each record's frame in it.
func writeJournal(t *testing.T, dir string, opts Options, payloads [][]byte) (string, []int64) {
	t.Helper()
	j := openT(t, dir, opts)
	for _, p := range payloads {
		appendT(t, j, p)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	files := segFiles(t, dir)
	last := files[len(files)-1]
	first, _ := parseSegmentName(filepath.Base(last))
	var offs []int64
	off := int64(segHeaderSize)
	for _, p := range payloads[first-1:] {
		offs = append(offs, off)
		off += frameHeaderSize + int64(len(p))
	}
	return last, offs
}

// tornOpts are the options of the torn-tail tests: small segments.
var tornOpts = Options{SegmentSize: 4 << 10}

// segmentFormats lay out the data of a segment as each format stores it:
// the previous format ends the file with the data, the current one
// continues with zeros up to the preallocated size.
var segmentFormats = []struct {
	name string
	file func(data []byte) []byte
}{
	{"previous format", func(data []byte) []byte { return data }},
	{"preallocated", func(data []byte) []byte {
		return append(bytes.Clone(data), make([]byte, int(tornOpts.SegmentSize)-len(data))...)
	}},
}

// segmentData returns the data of a segment written by writeJournal,
// which ends with the frame of the last payload, and checks that the rest
// of the file is zeros.
func segmentData(t *testing.T, seg string, offs []int64, payloads [][]byte) []byte {
	t.Helper()
	file, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	end := offs[len(offs)-1] + frameHeaderSize + int64(len(payloads[len(payloads)-1]))
	if n := nonZeroLen(file[end:]); n != 0 {
		t.Fatalf("%s: %d bytes after the data are not zero", seg, n)
	}
	return file[:end]
}

// nonZeroLen returns the length of b up to its last non-zero byte.
func nonZeroLen(b []byte) int64 {
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return int64(n)
}

// checkPrefix opens dir and checks it holds exactly the first n payloads.
func checkPrefix(t *testing.T, dir string, payloads [][]byte, n int) *Journal {
	t.Helper()
	j, err := Open(dir, tornOpts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	recs := readAll(t, j)
	if len(recs) != n {
		j.Close()
		t.Fatalf("recovered %d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		if !bytes.Equal(r.Payload, payloads[i]) {
			j.Close()
			t.Fatalf("record %d differs after recovery", i+1)
		}
	}
	return j
}

func tornPayloads() [][]byte {
	var ps [][]byte
	for i := 1; i <= 6; i++ {
		ps = append(ps, payloadFor(i, 10+i*9))
	}
	return ps
}

func TestTornTailTruncation(t *testing.T) {
	payloads := tornPayloads()
	seg, offs := writeJournal(t, t.TempDir(), tornOpts, payloads)
	data := segmentData(t, seg, offs, payloads)
	for _, format := range segmentFormats {
		t.Run(format.name, func(t *testing.T) {
			// Cut inside each of the last three records, at every byte offset.
			for cut := offs[len(offs)-3]; cut < int64(len(data)); cut++ {
				dir := t.TempDir()
				path := filepath.Join(dir, filepath.Base(seg))
				if err := os.WriteFile(path, format.file(data[:cut]), 0o600); err != nil {
					t.Fatal(err)
				}
				kept := 0
				for kept < len(offs) && offs[kept]+frameHeaderSize+int64(len(payloads[kept])) <= cut {
					kept++
				}
				j := checkPrefix(t, dir, payloads, kept)
				// Trailing zeros of a torn write cannot be told from
				// preallocated space: the torn bytes end at the last non-zero one.
				rec, want := j.Recovery(), Recovery{Segments: 1, PendingRecords: uint64(kept)}
				if torn := nonZeroLen(data[offs[kept]:cut]); torn > 0 {
					want.DiscardedBytes, want.DiscardedOffset, want.DiscardedFile = torn, offs[kept], path
				}
				if rec != want {
					t.Fatalf("cut at %d: recovery %+v, want %+v", cut, rec, want)
				}
				// The journal continues right after the last intact record.
				if seq := appendT(t, j, []byte("after")); seq != Seq(kept+1) {
					t.Fatalf("cut at %d: next seq %d, want %d", cut, seq, kept+1)
				}
				j.Close()
				j = checkPrefix(t, dir, append(payloads[:kept:kept], []byte("after")), kept+1)
				if rec := j.Recovery(); rec.DiscardedBytes != 0 {
					t.Fatalf("cut at %d: reopening after the repair discarded %+v", cut, rec)
				}
				j.Close()
				// A preallocated segment keeps its size; one of the previous format grows.
				size := max(int64(len(format.file(data[:cut]))), offs[kept]+frameHeaderSize+int64(len("after")))
				if st, err := os.Stat(path); err != nil || st.Size() != size {
					t.Fatalf("cut at %d: segment size %d, want %d (%v)", cut, st.Size(), size, err)
				}
			}
		})
	}
}

func TestTornTailCorruptBytes(t *testing.T) {
	payloads := tornPayloads()
	seg, offs := writeJournal(t, t.TempDir(), tornOpts, payloads)
	data := segmentData(t, seg, offs, payloads)
	for _, format := range segmentFormats {
		t.Run(format.name, func(t *testing.T) {
			// Flip every byte of the last two records.
			for at := offs[len(offs)-2]; at < int64(len(data)); at++ {
				for _, mask := range []byte{0x01, 0xff} {
					dir := t.TempDir()
					bad := format.file(bytes.Clone(data))
					bad[at] ^= mask
					if err := os.WriteFile(filepath.Join(dir, filepath.Base(seg)), bad, 0o600); err != nil {
						t.Fatal(err)
					}
					kept := 0
					for kept+1 < len(offs) && offs[kept+1] <= at {
						kept++
					}
					j := checkPrefix(t, dir, payloads, kept)
					if rec := j.Recovery(); rec.DiscardedOffset != offs[kept] || rec.DiscardedBytes != int64(len(data))-offs[kept] {
						t.Fatalf("flip at %d: recovery %+v", at, rec)
					}
					j.Close()
				}
			}
		})
	}
}

func TestTornSegmentHeader(t *testing.T) {
	payloads := tornPayloads()
	dir := t.TempDir()
	writeJournal(t, dir, tornOpts, payloads)
	// A crash right after the previous format created the next segment
	// leaves it empty or with a partial header.
	for _, content := range [][]byte{nil, segMagic[:3], make([]byte, segHeaderSize)} {
		next := filepath.Join(dir, segmentName(Seq(len(payloads)+1)))
		if err := os.WriteFile(next, content, 0o600); err != nil {
			t.Fatal(err)
		}
		j := checkPrefix(t, dir, payloads, len(payloads))
		if seq := appendT(t, j, []byte("x")); seq != Seq(len(payloads)+1) {
			t.Fatalf("seq %d", seq)
		}
		j.Close()
		checkPrefix(t, dir, append(payloads[:len(payloads):len(payloads)], []byte("x")), len(payloads)+1).Close()
		os.Remove(next)
	}
}

func wantCorrupt(t *testing.T, dir, file string, off int64) {
	t.Helper()
	j, err := Open(dir, tornOpts)
	if err == nil {
		j.Close()
		t.Fatal("Open of a corrupt journal succeeded")
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != file || ce.Offset != off {
		t.Fatalf("Open: %v, want corruption in %s at %d", err, file, off)
	}
	if !strings.Contains(err.Error(), file) {
		t.Fatalf("error %q does not name the file", err)
	}
}

func TestMiddleCorruption(t *testing.T) {
	var payloads [][]byte
	for i := 1; i <= 30; i++ {
		payloads = append(payloads, payloadFor(i, 100))
	}
	t.Run("bad byte in a completed segment", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, Options{SegmentSize: 1024}, payloads)
		first := segFiles(t, dir)[0]
		data, _ := os.ReadFile(first)
		off := int64(segHeaderSize + 3*116)
		data[off+40] ^= 0x10
		os.WriteFile(first, data, 0o600)
		wantCorrupt(t, dir, first, off)
	})
	t.Run("completed segment cut short", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, Options{SegmentSize: 1024}, payloads)
		first := segFiles(t, dir)[0]
		os.Truncate(first, segHeaderSize+7*116+50)
		wantCorrupt(t, dir, first, segHeaderSize+7*116)
	})
	t.Run("bad byte far from the end of the last segment", func(t *testing.T) {
		dir := t.TempDir()
		big := [][]byte{payloadFor(1, 100)}
		for i := 2; i <= 6; i++ {
			big = append(big, payloadFor(i, 1<<20))
		}
		seg, offs := writeJournal(t, dir, Options{}, big)
		data, _ := os.ReadFile(seg)
		data[offs[1]+frameHeaderSize+10] ^= 1
		os.WriteFile(seg, data, 0o600)
		wantCorrupt(t, dir, seg, offs[1])
	})
	t.Run("missing segment", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, Options{SegmentSize: 1024}, payloads)
		os.Remove(segFiles(t, dir)[1])
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "next segment starts at 17") {
			t.Fatalf("Open with a missing segment: %v", err)
		}
	})
	t.Run("oldest segment missing", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, Options{SegmentSize: 1024}, payloads)
		os.Remove(segFiles(t, dir)[0])
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "records 1 to 8 are missing") {
			t.Fatalf("Open without the oldest segment: %v", err)
		}
	})
	t.Run("checkpoint beyond the last record", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, Options{}, payloads)
		d, _ := os.Open(dir)
		defer d.Close()
		if err := writeCheckpoint(dir, d, 31); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "journal ends at 30") {
			t.Fatalf("Open with a checkpoint past the end: %v", err)
		}
	})
	t.Run("corrupt checkpoint", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, Options{}, payloads)
		path := filepath.Join(dir, checkpointName)
		os.WriteFile(path, []byte("garbage"), 0o600)
		wantCorrupt(t, dir, path, 0)
	})
}
