package excel

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// The rows of the comments and data sheets are written here as worksheet XML, not through
// excelize's StreamWriter: for a million answers the StreamWriter spent about 4 s of CPU
// building, escaping and checking cells one by one (SetRow), where appending the same XML
// takes a fraction of that. excelize still makes everything around the rows: the sheet, its
// frozen panes, column widths, header rows and table (filters), its relationships and
// content types. Only the rows after the headers are ours, and they are deflated as they
// are written, into a temporary file; when excelize saves the workbook, the sheet's part is
// excelize's own with our rows spliced in before </sheetData>, the deflated pieces joined
// (deflate streams ended by a sync flush join end to end) and their checksums combined.

// body is the rows of one sheet, deflated into a temporary file as they come.
type body struct {
	file *os.File
	out  *bufio.Writer
	zw   *flate.Writer
	buf  []byte
	crc  uint32
	size int64 // uncompressed
	done bool
}

func newBody() (*body, error) {
	f, err := os.CreateTemp("", "palabre-sheet-*")
	if err != nil {
		return nil, err
	}
	out := bufio.NewWriterSize(f, 256<<10)
	zw, err := flate.NewWriter(out, flate.BestSpeed)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &body{file: f, out: out, zw: zw, buf: make([]byte, 0, 320<<10)}, nil
}

// spill deflates the rows buffered so far once they are many.
func (b *body) spill(force bool) error {
	if len(b.buf) < 256<<10 && !force {
		return nil
	}
	b.crc = crc32.Update(b.crc, crc32.IEEETable, b.buf)
	b.size += int64(len(b.buf))
	_, err := b.zw.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// finish ends the rows: a sync flush, so that what excelize writes after them may follow.
func (b *body) finish() error {
	if b.done {
		return nil
	}
	b.done = true
	if err := b.spill(true); err != nil {
		return err
	}
	if err := b.zw.Flush(); err != nil {
		return err
	}
	return b.out.Flush()
}

// remove deletes the temporary file.
func (b *body) remove() {
	b.file.Close()
	os.Remove(b.file.Name())
}

// rowWriter appends rows of cells as worksheet XML: strings are always inline string cells
// (never a formula, whatever they begin with), numbers numbers, times dates.
type rowWriter struct {
	cols      [][]byte // column letters
	timeStyle int
	ref       []byte
}

func newRowWriter(n, timeStyle int) *rowWriter {
	w := &rowWriter{cols: make([][]byte, n), timeStyle: timeStyle}
	for i := range w.cols {
		w.cols[i] = []byte(colName(i + 1))
	}
	return w
}

func (w *rowWriter) appendRow(dst []byte, row int, values []any) ([]byte, error) {
	w.ref = strconv.AppendInt(w.ref[:0], int64(row), 10)
	dst = append(dst, `<row r="`...)
	dst = append(dst, w.ref...)
	dst = append(dst, `">`...)
	for i, v := range values {
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				dst = w.appendString(dst, i, x)
			}
		case int:
			dst = w.cellStart(dst, i, 0)
			dst = append(dst, `><v>`...)
			dst = strconv.AppendInt(dst, int64(x), 10)
			dst = append(dst, `</v></c>`...)
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				dst = w.appendString(dst, i, fmt.Sprint(x))
				continue
			}
			dst = w.cellStart(dst, i, 0)
			dst = append(dst, `><v>`...)
			dst = strconv.AppendFloat(dst, x, 'f', -1, 64)
			dst = append(dst, `</v></c>`...)
		case time.Time:
			dst = w.cellStart(dst, i, w.timeStyle)
			dst = append(dst, `><v>`...)
			dst = strconv.AppendFloat(dst, excelTime(x), 'f', -1, 64)
			dst = append(dst, `</v></c>`...)
		default:
			return dst, fmt.Errorf("excel: cannot write %T", v)
		}
	}
	return append(dst, `</row>`...), nil
}

func (w *rowWriter) cellStart(dst []byte, col, style int) []byte {
	dst = append(dst, `<c r="`...)
	dst = append(dst, w.cols[col]...)
	dst = append(dst, w.ref...)
	dst = append(dst, '"')
	if style != 0 {
		dst = append(dst, ` s="`...)
		dst = strconv.AppendInt(dst, int64(style), 10)
		dst = append(dst, '"')
	}
	return dst
}

func (w *rowWriter) appendString(dst []byte, col int, s string) []byte {
	dst = w.cellStart(dst, col, 0)
	dst = append(dst, ` t="inlineStr"><is><t`...)
	if first, last := s[0], s[len(s)-1]; first == ' ' || first == '\t' || first == '\n' || first == '\r' ||
		last == ' ' || last == '\t' || last == '\n' || last == '\r' {
		dst = append(dst, ` xml:space="preserve"`...)
	}
	dst = append(dst, '>')
	if strings.Contains(s, "_x") {
		s = escapedLiteral.ReplaceAllString(s, "_x005F$0")
	}
	dst = appendXMLText(dst, s)
	return append(dst, `</t></is></c>`...)
}

// escapedLiteral is what Excel reads as an escaped character (_x000D_ is a carriage
// return): typed by someone, it is kept literal by escaping its underscore (_x005F_).
var escapedLiteral = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)

// appendXMLText appends s escaped as XML character data; what XML cannot hold (control
// characters, invalid UTF-8) becomes U+FFFD, as encoding/xml does.
func appendXMLText(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '\r':
				esc = "&#xD;"
			case c >= 0x20 || c == '\t' || c == '\n':
				i++
				continue
			default:
				esc = "\uFFFD"
			}
			dst = append(dst, s[last:i]...)
			dst = append(dst, esc...)
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[last:i]...)
			dst = append(dst, "\uFFFD"...)
			i += n
			last = i
			continue
		}
		i += n
	}
	return append(dst, s[last:]...)
}

var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelTime is t as Excel's serial date (days since 1899-12-30, the 1900 date system), as
// excelize writes it, for dates from March 1900.
func excelTime(t time.Time) float64 {
	const day = 24 * time.Hour
	if t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) {
		return 0
	}
	d := t.Sub(excelEpoch)
	rem := d % day
	return float64(d-rem)/float64(day) + float64(rem)/float64(day)
}

// zipWriter is the zip excelize saves into: it splices each streamed sheet's rows (bodies,
// by part name) into the part excelize writes for it.
type zipWriter struct {
	z       *zip.Writer
	bodies  map[string]*body
	written map[string]bool
	name    string // the sheet part excelize is writing, held in part
	part    bytes.Buffer
}

func newZipWriter(w io.Writer, bodies map[string]*body) *zipWriter {
	z := zip.NewWriter(w)
	z.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return &zipWriter{z: z, bodies: bodies, written: map[string]bool{}}
}

func (w *zipWriter) Create(name string) (io.Writer, error) {
	if err := w.splice(); err != nil {
		return nil, err
	}
	if _, ok := w.bodies[name]; ok {
		w.name = name
		w.part.Reset()
		return &w.part, nil
	}
	return w.z.Create(name)
}

func (w *zipWriter) AddFS(fsys fs.FS) error {
	if err := w.splice(); err != nil {
		return err
	}
	return w.z.AddFS(fsys)
}

func (w *zipWriter) Close() error {
	if err := w.splice(); err != nil {
		return err
	}
	for name := range w.bodies {
		if !w.written[name] {
			return fmt.Errorf("excel: sheet part %s was not written", name)
		}
	}
	return w.z.Close()
}

// splice writes the sheet part held: excelize's XML up to </sheetData>, the rows, the rest.
func (w *zipWriter) splice() error {
	if w.name == "" {
		return nil
	}
	name, b := w.name, w.bodies[w.name]
	w.name = ""
	xml := w.part.Bytes()
	at := bytes.LastIndex(xml, []byte("</sheetData>"))
	if at < 0 {
		return fmt.Errorf("excel: sheet part %s has no sheetData", name)
	}
	head, err := deflated(xml[:at], false)
	if err != nil {
		return err
	}
	tail, err := deflated(xml[at:], true)
	if err != nil {
		return err
	}
	if err := b.finish(); err != nil {
		return err
	}
	zipped, err := b.file.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	crc := crc32Combine(crc32.ChecksumIEEE(xml[:at]), b.crc, b.size)
	crc = crc32Combine(crc, crc32.ChecksumIEEE(xml[at:]), int64(len(xml)-at))
	fw, err := w.z.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64:   uint64(len(head) + len(tail) + int(zipped)),
		UncompressedSize64: uint64(int64(len(xml)) + b.size)})
	if err != nil {
		return err
	}
	if _, err := fw.Write(head); err != nil {
		return err
	}
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if n, err := io.Copy(fw, b.file); err != nil {
		return err
	} else if n != zipped {
		return errors.New("excel: sheet rows cut short")
	}
	if _, err := fw.Write(tail); err != nil {
		return err
	}
	w.written[name] = true
	return nil
}

// deflated is p deflated, ending with a sync flush (more follows) or the final block.
func deflated(p []byte, final bool) ([]byte, error) {
	var out bytes.Buffer
	zw, err := flate.NewWriter(&out, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(p); err != nil {
		return nil, err
	}
	if final {
		err = zw.Close()
	} else {
		err = zw.Flush()
	}
	return out.Bytes(), err
}

// crc32Combine is the CRC-32 (IEEE) of A followed by B, from crc1 of A, crc2 of B and B's
// length (zlib's crc32_combine).
func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	if len2 <= 0 {
		return crc1
	}
	var even, odd [32]uint32
	odd[0] = crc32.IEEE // the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four
	for {
		gf2Square(&even, &odd) // apply len2's bits, a zero byte at a time and doubling
		if len2&1 != 0 {
			crc1 = gf2Times(&even, crc1)
		}
		if len2 >>= 1; len2 == 0 {
			break
		}
		gf2Square(&odd, &even)
		if len2&1 != 0 {
			crc1 = gf2Times(&odd, crc1)
		}
		if len2 >>= 1; len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}
