package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
				if skipInShortMode(cut, offs) {
					continue
				}
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
				if !reflect.DeepEqual(rec, want) {
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
	n := len(offs)
	for _, format := range segmentFormats {
		t.Run(format.name, func(t *testing.T) {
			// Flip every byte of the last two records.
			for at := offs[n-2]; at < int64(len(data)); at++ {
				if skipInShortMode(at, offs) {
					continue
				}
				for _, mask := range []byte{0x01, 0xff} {
					dir := t.TempDir()
					bad := format.file(bytes.Clone(data))
					bad[at] ^= mask
					path := filepath.Join(dir, filepath.Base(seg))
					if err := os.WriteFile(path, bad, 0o600); err != nil {
						t.Fatal(err)
					}
					if at >= offs[n-1] {
						// The last record: a torn tail, discarded.
						j := checkPrefix(t, dir, payloads, n-1)
						if rec := j.Recovery(); rec.DiscardedOffset != offs[n-1] || rec.DiscardedBytes != int64(len(data))-offs[n-1] || len(rec.Damaged) != 0 {
							t.Fatalf("flip at %d: recovery %+v", at, rec)
						}
						j.Close()
						continue
					}
					// The record before the last: damage, and the last
					// record is salvaged.
					want := append(slices.Clone(payloads[:n-2]), payloads[n-1])
					j := checkPayloads(t, dir, tornOpts, want)
					rec := j.Recovery()
					j.Close()
					if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != offs[n-2] || rec.Damaged[0].Length != offs[n-1]-offs[n-2] ||
						rec.DamagedFrames != 1 || rec.RecoveredRecords != 1 || rec.DiscardedBytes != 0 {
						t.Fatalf("flip at %d: recovery %+v", at, rec)
					}
					checkQuarantine(t, rec.Damaged[0], bad)
					if mask == 0x01 { // the repair holds on the next Open
						checkPayloads(t, dir, tornOpts, want).Close()
					}
				}
			}
		})
	}
}

// skipInShortMode thins an every-byte sweep in -short runs (mutation testing runs the
// package once per mutant): it keeps every byte of a frame's header and the bytes next to
// a record boundary, and one in seven of the others.
func skipInShortMode(at int64, offs []int64) bool {
	if !testing.Short() {
		return false
	}
	for _, o := range offs {
		if d := at - o; d >= -2 && d < frameHeaderSize+2 {
			return false
		}
	}
	return at%7 != 0
}

// checkPayloads opens dir and checks it holds exactly the payloads want,
// in order.
func checkPayloads(t *testing.T, dir string, opts Options, want [][]byte) *Journal {
	t.Helper()
	j, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	recs := readAll(t, j)
	if len(recs) != len(want) {
		j.Close()
		t.Fatalf("recovered %d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if !bytes.Equal(r.Payload, want[i]) {
			j.Close()
			t.Fatalf("record %d of %d (seq %d) is %.20q, want %.20q", i+1, len(recs), r.Seq, r.Payload, want[i])
		}
	}
	return j
}

// checkQuarantine checks that the quarantine file of d holds the damaged
// bytes of the segment, whose content was file.
func checkQuarantine(t *testing.T, d Damage, file []byte) {
	t.Helper()
	got, err := os.ReadFile(d.QuarantinedTo)
	if err != nil {
		t.Fatalf("quarantine: %v", err)
	}
	if filepath.Dir(d.QuarantinedTo) != filepath.Join(filepath.Dir(d.File), QuarantineDir) {
		t.Fatalf("quarantined to %s, not in the quarantine directory", d.QuarantinedTo)
	}
	if !bytes.Equal(got, file[d.Offset:d.Offset+d.Length]) || d.Length == 0 {
		t.Fatalf("quarantine %s holds %d bytes, not the %d damaged bytes at %d", d.QuarantinedTo, len(got), d.Length, d.Offset)
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
	opts := Options{SegmentSize: 1024} // 8 records of 116 bytes per segment
	t.Run("bad byte in a completed segment", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, opts, payloads)
		first := segFiles(t, dir)[0]
		data, _ := os.ReadFile(first)
		off := int64(segHeaderSize + 3*116)
		data[off+40] ^= 0x10
		os.WriteFile(first, data, 0o600)
		// Record 4 is lost; 5 to 8 are salvaged and appended again.
		want := slices.Concat(payloads[:3], payloads[8:], payloads[4:8])
		j := checkPayloads(t, dir, opts, want)
		rec := j.Recovery()
		j.Close()
		if len(rec.Damaged) != 1 || rec.Damaged[0].File != first || rec.Damaged[0].Offset != off || rec.Damaged[0].Length != 116 ||
			rec.DamagedFrames != 1 || rec.RecoveredRecords != 4 {
			t.Fatalf("recovery %+v", rec)
		}
		checkQuarantine(t, rec.Damaged[0], data)
		j = checkPayloads(t, dir, opts, want)
		if rec := j.Recovery(); len(rec.Damaged) != 0 || rec.RecoveredRecords != 0 {
			t.Fatalf("second open found %+v", rec)
		}
		j.Close()
	})
	t.Run("zeroed bytes in a completed segment", func(t *testing.T) {
		// A run of zeros inside a record (a sector lost to zeros) is damage, not the end of
		// the data: the records after it are found again.
		dir := t.TempDir()
		writeJournal(t, dir, opts, payloads)
		first := segFiles(t, dir)[0]
		data, _ := os.ReadFile(first)
		off := int64(segHeaderSize + 3*116)
		clear(data[off+20 : off+90])
		os.WriteFile(first, data, 0o600)
		want := slices.Concat(payloads[:3], payloads[8:], payloads[4:8])
		j := checkPayloads(t, dir, opts, want)
		rec := j.Recovery()
		j.Close()
		if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != off || rec.Damaged[0].Length != 116 || rec.RecoveredRecords != 4 {
			t.Fatalf("recovery %+v", rec)
		}
	})
	t.Run("completed segment cut short", func(t *testing.T) {
		dir := t.TempDir()
		writeJournal(t, dir, opts, payloads)
		first := segFiles(t, dir)[0]
		data, _ := os.ReadFile(first)
		os.Truncate(first, segHeaderSize+7*116+50)
		want := slices.Concat(payloads[:7], payloads[8:])
		j := checkPayloads(t, dir, opts, want)
		rec := j.Recovery()
		j.Close()
		if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != segHeaderSize+7*116 || rec.Damaged[0].Length != 50 || rec.DamagedFrames != 1 {
			t.Fatalf("recovery %+v", rec)
		}
		checkQuarantine(t, rec.Damaged[0], data)
		checkPayloads(t, dir, opts, want).Close()
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
		want := append([][]byte{big[0]}, big[2:]...)
		j := checkPayloads(t, dir, Options{}, want)
		rec := j.Recovery()
		j.Close()
		if len(rec.Damaged) != 1 || rec.Damaged[0].Offset != offs[1] || rec.RecoveredRecords != 4 {
			t.Fatalf("recovery %+v", rec)
		}
		checkQuarantine(t, rec.Damaged[0], data)
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
		if err := writeCheckpoint(OSFS(), dir, osFile{d}, 31); err != nil {
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
