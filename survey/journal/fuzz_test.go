package journal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func fuzzSeeds(f *testing.F) {
	seg := segMagic[:]
	for i := range 4 {
		seg = appendFrame(seg, int64(i)*1e9, payloadFor(i, i*13))
	}
	f.Add(seg)
	f.Add(seg[:len(seg)-5])
	f.Add(seg[:segHeaderSize+3])
	f.Add(segMagic[:])
	f.Add([]byte{})
	bad := bytes.Clone(seg)
	bad[segHeaderSize+20] ^= 0x40
	f.Add(bad)
	huge := bytes.Clone(seg)
	binary.LittleEndian.PutUint32(huge[segHeaderSize:], 0xffffffff)
	f.Add(huge)
	// Preallocated: data, then zeros; a torn write with a hole over zeros.
	prealloc := append(bytes.Clone(seg), make([]byte, 300)...)
	f.Add(prealloc)
	f.Add(prealloc[:len(seg)+7])
	holed := bytes.Clone(prealloc)
	copy(holed[len(seg)+frameHeaderSize+5:], "torn")
	f.Add(holed)
	cut := bytes.Clone(prealloc)
	clear(cut[len(seg)-9 : len(seg)])
	f.Add(cut)
	// Damage followed by valid frames, in the length field and in a
	// payload; a filler frame; a damaged segment header.
	var offs []int
	for p := segHeaderSize; p < len(seg); {
		offs = append(offs, p)
		p += frameHeaderSize + int(binary.LittleEndian.Uint32(seg[p:]))
	}
	for _, at := range []int{offs[2] + 1, offs[2] + frameHeaderSize + 2, 3} {
		d := append(bytes.Clone(seg), make([]byte, 100)...)
		d[at] ^= 0x5a
		f.Add(d)
	}
	f.Add(appendFrame(appendFiller(bytes.Clone(seg), 7), 8, []byte("after a filler")))
}

// FuzzSegmentReader feeds arbitrary bytes to the frame scanner: it must
// never panic, and every frame it returns must be exactly a valid encoding.
func FuzzSegmentReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = checkSegmentHeader(data)
		start := int64(min(len(data), segHeaderSize))
		sc := newScanner(bytes.NewReader(data[start:]), start, int64(len(data)), 16)
		for {
			fr, err := sc.next()
			if err == io.EOF {
				if end := sc.off; end != int64(len(data)) &&
					(end+frameHeaderSize > int64(len(data)) || nonZeroLen(data[end:end+frameHeaderSize]) != 0) {
					t.Fatalf("EOF at %d of %d, not at an end-of-data marker", sc.off, len(data))
				}
				return
			}
			var fe *frameError
			if errors.As(err, &fe) {
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			raw := data[fr.off : fr.off+fr.size]
			if want := frameCRC(raw, raw[frameHeaderSize:]); binary.LittleEndian.Uint32(raw[4:8]) != want {
				t.Fatalf("frame at %d returned with a bad CRC", fr.off)
			}
			enc := appendFrame(nil, fr.ts, fr.payload)
			if fr.filler {
				enc = appendFiller(nil, fr.ts)
			}
			if !bytes.Equal(enc, raw) {
				t.Fatalf("frame at %d does not re-encode to its bytes", fr.off)
			}
		}
	})
}

// validFrames returns the payloads of the records a segment holds: from
// its header on, each valid frame, and after invalid bytes the next valid
// frame at any offset. It is the reference for FuzzOpenSegment, written
// for clarity: a frame is valid if it re-encodes to its bytes.
func validFrames(data []byte) [][]byte {
	var out [][]byte
	for p := segHeaderSize; p+frameHeaderSize <= len(data); {
		raw := binary.LittleEndian.Uint32(data[p:])
		n := int(raw &^ fillerFlag)
		ts := int64(binary.LittleEndian.Uint64(data[p+8:]))
		if n <= len(data)-p-frameHeaderSize && !(raw == 0 && binary.LittleEndian.Uint32(data[p+4:]) == 0) {
			payload := data[p+frameHeaderSize : p+frameHeaderSize+n]
			enc := appendFrame(nil, ts, payload)
			if raw&fillerFlag != 0 {
				enc = appendFiller(nil, ts)
			}
			if bytes.Equal(enc, data[p:p+frameHeaderSize+n]) {
				if raw&fillerFlag == 0 {
					out = append(out, payload)
				}
				p += frameHeaderSize + n
				continue
			}
		}
		p++
	}
	return out
}

// FuzzOpenSegment opens a journal whose only segment holds arbitrary bytes:
// Open must fail cleanly or recover exactly the records of every valid
// frame, skipping none, and the next append must follow them; a second
// Open finds no damage and the same records.
func FuzzOpenSegment(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(fuzzOpenSegmentBody)
}

func fuzzOpenSegmentBody(t *testing.T, data []byte) {
	opts := Options{SegmentSize: 4 << 10}
	{
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir, opts)
		if err != nil {
			return
		}
		defer func() { j.Close() }()
		want := validFrames(data)
		check := func(j *Journal, want [][]byte) {
			t.Helper()
			var recs []Record
			after := Seq(0)
			for {
				timeout := 5 * time.Second
				if len(recs) >= len(want) {
					timeout = 10 * time.Millisecond // nothing more
				}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				got, err := j.Next(ctx, after, 7, 0)
				cancel()
				if err == context.DeadlineExceeded {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				recs = append(recs, got...)
				after = got[len(got)-1].Seq
			}
			if len(recs) != len(want) {
				t.Fatalf("recovered %d records, the segment holds %d valid frames", len(recs), len(want))
			}
			for i, r := range recs {
				if !bytes.Equal(r.Payload, want[i]) {
					t.Fatalf("record %d differs", i+1)
				}
			}
		}
		check(j, want)
		j.Close()
		if j, err = Open(dir, opts); err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if rec := j.Recovery(); rec.DiscardedBytes != 0 || len(rec.Damaged) != 0 {
			t.Fatalf("reopen found %+v", rec)
		}
		check(j, want)
		want = append(want, []byte("next"))
		appendT(t, j, want[len(want)-1])
		j.Close()
		if j, err = Open(dir, opts); err != nil {
			t.Fatalf("reopen after an append: %v", err)
		}
		if rec := j.Recovery(); rec.DiscardedBytes != 0 || len(rec.Damaged) != 0 {
			t.Fatalf("reopen after an append found %+v", rec)
		}
		check(j, want)
	}
}
