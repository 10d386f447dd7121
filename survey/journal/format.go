package journal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

const (
	// segHeaderSize is the size of the header at the start of every segment.
	segHeaderSize = 8
	// frameHeaderSize is the size of a record frame header:
	// length (uint32), CRC-32C (uint32), append time (int64 Unix nanoseconds).
	frameHeaderSize = 16
	// maxWriteBytes bounds the bytes written between two fsyncs (a single
	// larger record is written alone). Recovery relies on it: only the last
	// write before a crash can be torn, so damage further than this from the
	// end of the last segment cannot be a torn write.
	maxWriteBytes = 4 << 20
	// indexEvery is the spacing of the in-memory offset index.
	indexEvery = 32
	segSuffix  = ".wal"
	// maxFrameLen is a sanity bound on the length field of a frame.
	maxFrameLen = 1 << 30
	// fillerFlag set in the length field marks a filler frame: an empty
	// frame written by Open in place of records lost to damage, so that
	// the records after it keep their sequence numbers. Next skips them.
	fillerFlag = 1 << 31
	// spareName is the file a new segment is prepared in before it is
	// renamed to its segment name.
	spareName = "spare.tmp"
)

// zeroBlock is a block of zero bytes for filling and checking the
// preallocated space of segments.
var zeroBlock = make([]byte, 1<<20)

// segMagic identifies a segment file and its format version.
var segMagic = [segHeaderSize]byte{'P', 'L', 'B', 'R', 'W', 'A', 'L', '1'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentName returns the file name of the segment whose first record is first.
func segmentName(first Seq) string {
	return fmt.Sprintf("%020d%s", uint64(first), segSuffix)
}

// parseSegmentName reports the first sequence number encoded in a segment
// file name.
func parseSegmentName(name string) (Seq, bool) {
	digits, ok := strings.CutSuffix(name, segSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return Seq(n), true
}

// frameCRC is the CRC-32C of a frame's length, time and payload.
func frameCRC(hdr []byte, payload []byte) uint32 {
	c := crc32.Update(0, castagnoli, hdr[0:4])
	c = crc32.Update(c, castagnoli, hdr[8:16])
	return crc32.Update(c, castagnoli, payload)
}

// appendFrame appends one encoded record frame to buf.
func appendFrame(buf []byte, ts int64, payload []byte) []byte {
	return appendRawFrame(buf, uint32(len(payload)), ts, payload)
}

// appendFiller appends one filler frame to buf.
func appendFiller(buf []byte, ts int64) []byte {
	return appendRawFrame(buf, fillerFlag, ts, nil)
}

func appendRawFrame(buf []byte, length uint32, ts int64, payload []byte) []byte {
	var hdr [frameHeaderSize]byte
	binary.LittleEndian.PutUint32(hdr[0:4], length)
	binary.LittleEndian.PutUint64(hdr[8:16], uint64(ts))
	binary.LittleEndian.PutUint32(hdr[4:8], frameCRC(hdr[:], payload))
	buf = append(buf, hdr[:]...)
	return append(buf, payload...)
}

// frameError describes an invalid frame found while scanning a segment.
type frameError struct {
	off    int64
	reason string
}

func (e *frameError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.reason) }

// CorruptError reports damaged data that the journal refuses to discard
// because it may hold acknowledged records.
type CorruptError struct {
	File   string // segment or checkpoint file path
	Offset int64  // byte offset of the damaged frame within File
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("journal: corrupt data in %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// checkSegmentHeader validates the header at the start of a segment.
func checkSegmentHeader(b []byte) error {
	if len(b) < segHeaderSize {
		return &frameError{0, "segment header is incomplete"}
	}
	if [segHeaderSize]byte(b[:segHeaderSize]) != segMagic {
		return &frameError{0, fmt.Sprintf("bad segment header %q", b[:segHeaderSize])}
	}
	return nil
}

// frame is one record frame found by a scanner.
type frame struct {
	off     int64 // file offset of the frame
	size    int64 // frame size, header included
	ts      int64
	payload []byte
	filler  bool // a filler frame: no record
}

// scanner reads consecutive frames of a segment region.
type scanner struct {
	r     *bufio.Reader
	off   int64 // file offset of the next frame
	end   int64 // file offset where the region ends
	fresh bool  // allocate a new payload slice for every frame
	buf   []byte
}

// newScanner reads frames from r, whose first byte is at file offset off
// and which holds end-off bytes.
func newScanner(r io.Reader, off, end int64, bufSize int) *scanner {
	return &scanner{r: bufio.NewReaderSize(r, bufSize), off: off, end: end}
}

// next returns the next frame. It returns io.EOF at the exact end of the
// region or at an end-of-data marker (an all-zero frame header), leaving
// s.off at the end of the data; a *frameError for an invalid or partial
// frame; or the I/O error. Unless fresh is set, the payload is only valid
// until the next call.
func (s *scanner) next() (frame, error) {
	remain := s.end - s.off
	if remain == 0 {
		return frame{}, io.EOF
	}
	if remain < frameHeaderSize {
		return frame{}, &frameError{s.off, fmt.Sprintf("partial frame header (%d bytes)", remain)}
	}
	var hdr [frameHeaderSize]byte
	if _, err := io.ReadFull(s.r, hdr[:]); err != nil {
		return frame{}, noEOF(err)
	}
	if hdr == ([frameHeaderSize]byte{}) {
		return frame{}, io.EOF // end-of-data marker: never a valid frame
	}
	raw := binary.LittleEndian.Uint32(hdr[0:4])
	filler := raw&fillerFlag != 0
	n := int64(raw &^ fillerFlag)
	if n > maxFrameLen || filler && n != 0 {
		return frame{}, &frameError{s.off, fmt.Sprintf("record length %#x is not plausible", raw)}
	}
	if n > remain-frameHeaderSize {
		return frame{}, &frameError{s.off, fmt.Sprintf("record length %d exceeds the %d bytes left", n, remain-frameHeaderSize)}
	}
	var p []byte
	if s.fresh {
		p = make([]byte, n)
	} else {
		if int64(cap(s.buf)) < n {
			s.buf = make([]byte, n)
		}
		p = s.buf[:n]
	}
	if _, err := io.ReadFull(s.r, p); err != nil {
		return frame{}, noEOF(err)
	}
	if want, got := binary.LittleEndian.Uint32(hdr[4:8]), frameCRC(hdr[:], p); want != got {
		return frame{}, &frameError{s.off, fmt.Sprintf("checksum mismatch (stored %08x, computed %08x)", want, got)}
	}
	f := frame{off: s.off, size: frameHeaderSize + n, ts: int64(binary.LittleEndian.Uint64(hdr[8:16])), payload: p, filler: filler}
	s.off += f.size
	return f, nil
}

// noEOF turns an early end of file into an error: the caller established
// that the bytes exist, so the file shrank under us.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("journal: segment shorter than expected: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// readFrameHeader decodes the length and time of the frame at off.
func readFrameHeader(r io.ReaderAt, off int64) (length int64, ts int64, err error) {
	var hdr [frameHeaderSize]byte
	if _, err := r.ReadAt(hdr[:], off); err != nil {
		return 0, 0, noEOF(err)
	}
	return int64(binary.LittleEndian.Uint32(hdr[0:4]) &^ fillerFlag), int64(binary.LittleEndian.Uint64(hdr[8:16])), nil
}

// frameAt decodes the frame at b[p:] (file offset base+p) if it is a
// valid frame with a payload of at most maxLen bytes. The payload aliases b.
func frameAt(b []byte, p int, base int64, maxLen int) (frame, bool) {
	if len(b)-p < frameHeaderSize {
		return frame{}, false
	}
	hdr := b[p : p+frameHeaderSize]
	raw := binary.LittleEndian.Uint32(hdr[0:4])
	filler := raw&fillerFlag != 0
	n := int(raw &^ fillerFlag)
	if n > maxLen || filler && n != 0 || n > len(b)-p-frameHeaderSize {
		return frame{}, false
	}
	if raw == 0 && binary.LittleEndian.Uint32(hdr[4:8]) == 0 {
		return frame{}, false // an end-of-data marker, or zeros
	}
	payload := b[p+frameHeaderSize : p+frameHeaderSize+n]
	if binary.LittleEndian.Uint32(hdr[4:8]) != frameCRC(hdr, payload) {
		return frame{}, false
	}
	return frame{off: base + int64(p), size: int64(frameHeaderSize + n), ts: int64(binary.LittleEndian.Uint64(hdr[8:16])),
		payload: payload, filler: filler}, true
}

// nextFrame returns the position of the first valid frame in b at or
// after from, with a payload of at most maxLen bytes, or len(b) if there
// is none. A valid frame header has a non-zero byte among its first
// eight (length or CRC), so runs of zeros are skipped.
func nextFrame(b []byte, from int, base int64, maxLen int) int {
	for q := from; q+frameHeaderSize <= len(b); q++ {
		if b[q] == 0 {
			z := q
			for z < len(b) && b[z] == 0 {
				z++
			}
			if z == len(b) {
				break
			}
			q = max(q, z-7)
		}
		if _, ok := frameAt(b, q, base, maxLen); ok {
			return q
		}
	}
	return len(b)
}

// lastNonZero returns the offset of the last non-zero byte of f in
// [from, to), or -1 if every byte there is zero.
func lastNonZero(f io.ReaderAt, from, to int64) (int64, error) {
	buf := make([]byte, min(to-from, int64(len(zeroBlock))))
	last := int64(-1)
	for off := from; off < to; {
		b := buf[:min(to-off, int64(len(buf)))]
		if _, err := f.ReadAt(b, off); err != nil {
			return 0, noEOF(err)
		}
		if !bytes.Equal(b, zeroBlock[:len(b)]) {
			i := len(b) - 1
			for b[i] == 0 {
				i--
			}
			last = off + int64(i)
		}
		off += int64(len(b))
	}
	return last, nil
}
