package excel

import (
	"bytes"
	"compress/flate"
	"encoding/xml"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestCRC32CombineIsTheChecksumOfTheWhole(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, n := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {17, 1000}, {1000, 65537}, {3, 1 << 20}} {
		a, b := make([]byte, n[0]), make([]byte, n[1])
		for i := range a {
			a[i] = byte(rnd.Uint32())
		}
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b)))
		if want := crc32.ChecksumIEEE(append(a, b...)); got != want {
			t.Errorf("%d+%d bytes: %08x, want %08x", n[0], n[1], got, want)
		}
	}
}

func TestDeflatedPiecesJoin(t *testing.T) {
	head, _ := deflated([]byte("<a>"+strings.Repeat("x", 70000)), false)
	mid, _ := deflated([]byte(strings.Repeat("y", 5)), false)
	tail, _ := deflated([]byte("</a>"), true)
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(append(append(head, mid...), tail...))))
	if err != nil {
		t.Fatal(err)
	}
	if want := "<a>" + strings.Repeat("x", 70000) + "yyyyy</a>"; string(got) != want {
		t.Errorf("joined pieces read %d bytes, want %d", len(got), len(want))
	}
}

// The XML text of a cell reads back, through encoding/xml, as what excelize would keep of
// it: the same text, what XML cannot hold replaced by U+FFFD.
func TestXMLTextReadsBack(t *testing.T) {
	for _, s := range []string{"plain", "=1+1", "a & b < c > d", "Sénégal · 2024", "tab\there\nline\r\nCR",
		"bell\x07", "bad \xff utf8", "\uFFFE", "😀 emoji", `"quotes" 'and'`, "]]>"} {
		doc := append(appendXMLText([]byte("<t>"), s), "</t>"...)
		var got string
		if err := xml.Unmarshal(doc, &got); err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		var want strings.Builder
		xml.EscapeText(&want, []byte(s))
		var ref string
		xml.Unmarshal([]byte("<t>"+want.String()+"</t>"), &ref)
		if got != ref {
			t.Errorf("%q reads back as %q, want %q", s, got, ref)
		}
	}
}

func TestExcelTimeIsExcelizes(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for i, at := range []time.Time{time.Date(2025, 11, 3, 14, 5, 9, 0, time.UTC), time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999_000_000, time.UTC)} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetCellValue("Sheet1", cell, at)
		raw, _ := f.GetCellValue("Sheet1", cell, excelize.Options{RawCellValue: true})
		if got := excelTime(at); raw != strconv.FormatFloat(got, 'f', -1, 64) {
			t.Errorf("%s: %s, excelize %s", at, strconv.FormatFloat(got, 'f', -1, 64), raw)
		}
	}
}

func TestTypedEscapesStayLiteral(t *testing.T) {
	w := newRowWriter(1, 0)
	got, err := w.appendRow(nil, 7, []any{" _x0041_ & _x00e9 "})
	if err != nil {
		t.Fatal(err)
	}
	want := `<row r="7"><c r="A7" t="inlineStr"><is><t xml:space="preserve"> _x005F_x0041_ &amp; _x00e9 </t></is></c></row>`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
