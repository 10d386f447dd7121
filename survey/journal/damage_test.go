package journal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDamageInTheMiddle flips one byte of record 500 of a segment of 1,000
// acknowledged records, in the last segment or an earlier one, before or
// after the record was delivered, in its payload or in its length field:
// Open starts, recovers the 999 others (those not delivered, and possibly
// delivered ones again), quarantines the damaged frame and reports it.
func TestDamageInTheMiddle(t *testing.T) {
	const n, size = 1000, 100
	frame := int64(frameHeaderSize + size)
	opts := Options{SegmentSize: segHeaderSize + n*frame} // exactly 1,000 records per segment
	var payloads [][]byte
	for i := 1; i <= 2*n; i++ {
		payloads = append(payloads, payloadFor(i, size))
	}
	for _, where := range []string{"last segment", "earlier segment"} {
		for _, delivered := range []Seq{0, 700} {
			for _, field := range []string{"payload", "length"} {
				name := where + "/delivered " + map[bool]string{true: "700", false: "none"}[delivered > 0] + "/" + field
				t.Run(name, func(t *testing.T) {
					dir := t.TempDir()
					total := n
					if where == "earlier segment" {
						total = 2 * n
					}
					j := openT(t, dir, opts)
					for i := 0; i < total; i += 250 {
						if _, err := j.AppendBatch(context.Background(), payloads[i:i+250]); err != nil {
							t.Fatal(err)
						}
					}
					if delivered > 0 {
						if err := j.MarkDelivered(delivered); err != nil {
							t.Fatal(err)
						}
					}
					j.Close()
					seg := filepath.Join(dir, segmentName(1))
					data, err := os.ReadFile(seg)
					if err != nil {
						t.Fatal(err)
					}
					off := segHeaderSize + 499*frame // record 500
					at := off + frameHeaderSize + 37
					if field == "length" {
						at = off + 1
					}
					data[at] ^= 0x04
					if err := os.WriteFile(seg, data, 0o600); err != nil {
						t.Fatal(err)
					}

					j, err = Open(dir, opts)
					if err != nil {
						t.Fatalf("Open with a damaged record: %v", err)
					}
					rec := j.Recovery()
					if len(rec.Damaged) != 1 {
						j.Close()
						t.Fatalf("recovery %+v, want one damaged range", rec)
					}
					d := rec.Damaged[0]
					if d.File != seg || d.Offset != off || d.Length != frame || rec.DamagedFrames != 1 || rec.RecoveredRecords != n-500 {
						j.Close()
						t.Fatalf("recovery %+v, want frame 500 at %d damaged and 500 records salvaged", rec, off)
					}
					checkQuarantine(t, d, data)
					got := readAll(t, j)
					j.Close()
					checkSurvivors(t, got, payloads[:total], delivered, 500)

					// The repair holds: a second Open finds no damage and
					// the same records, and appends continue.
					j = openT(t, dir, opts)
					if rec := j.Recovery(); len(rec.Damaged) != 0 || rec.RecoveredRecords != 0 || rec.DiscardedBytes != 0 {
						t.Fatalf("second Open found %+v", rec)
					}
					again := readAll(t, j)
					if len(again) != len(got) {
						t.Fatalf("second Open reads %d records, the first %d", len(again), len(got))
					}
					for i := range got {
						if again[i].Seq != got[i].Seq || !bytes.Equal(again[i].Payload, got[i].Payload) {
							t.Fatalf("record %d differs on the second Open", i)
						}
					}
					if seq := appendT(t, j, []byte("next")); seq != got[len(got)-1].Seq+1 {
						t.Fatalf("next seq %d after %d", seq, got[len(got)-1].Seq)
					}
				})
			}
		}
	}
	t.Run("torn tail after 1000 records", func(t *testing.T) {
		dir := t.TempDir()
		j := openT(t, dir, opts)
		if _, err := j.AppendBatch(context.Background(), payloads[:n-1]); err != nil {
			t.Fatal(err)
		}
		j.Close()
		seg := filepath.Join(dir, segmentName(1))
		data, _ := os.ReadFile(seg)
		end := segHeaderSize + (n-1)*frame
		copy(data[end:], "garbage of a torn write")
		os.WriteFile(seg, data, 0o600)
		j = openT(t, dir, opts)
		rec := j.Recovery()
		if len(rec.Damaged) != 0 || rec.DiscardedOffset != end || rec.DiscardedBytes != int64(len("garbage of a torn write")) {
			t.Fatalf("recovery %+v", rec)
		}
		checkSurvivors(t, readAll(t, j), payloads[:n-1], 0, 0)
	})
}

// checkSurvivors checks records read back after damage to record lost:
// every record above the delivered watermark but the lost one is there,
// records at or below it may be delivered again, none twice, and nothing
// else.
func checkSurvivors(t *testing.T, got []Record, payloads [][]byte, delivered Seq, lost int) {
	t.Helper()
	index := map[string]int{}
	for i, p := range payloads {
		index[string(p)] = i + 1
	}
	seen := map[int]bool{}
	for _, r := range got {
		i, ok := index[string(r.Payload)]
		switch {
		case !ok:
			t.Fatalf("record %d %.20q was never appended", r.Seq, r.Payload)
		case i == lost:
			t.Fatalf("the damaged record %d was read back", lost)
		case seen[i]:
			t.Fatalf("record %d read twice", i)
		}
		seen[i] = true
	}
	for i := int(delivered) + 1; i <= len(payloads); i++ {
		if i != lost && !seen[i] {
			t.Fatalf("acknowledged record %d is missing (%d records read back)", i, len(got))
		}
	}
	if delivered == 0 && lost > 0 && len(got) != len(payloads)-1 {
		t.Fatalf("%d records read back, want %d", len(got), len(payloads)-1)
	}
}
