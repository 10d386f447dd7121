package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openT(t testing.TB, dir string, opts Options) *Journal {
	t.Helper()
	j, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// payloadFor returns a deterministic payload of n bytes for record i.
func payloadFor(i, n int) []byte {
	p := []byte(fmt.Sprintf("response-%d|", i))
	for len(p) < n {
		p = append(p, byte('a'+(i+len(p))%26))
	}
	return p[:max(n, 0)]
}

func appendT(t testing.TB, j *Journal, p []byte) Seq {
	t.Helper()
	seq, err := j.Append(context.Background(), p)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return seq
}

// readAll returns every undelivered record, reading in small batches.
func readAll(t testing.TB, j *Journal) []Record {
	t.Helper()
	var out []Record
	after := Seq(0)
	for after < j.Stats().LastSeq {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		recs, err := j.Next(ctx, after, 7, 1<<20)
		cancel()
		if err != nil {
			t.Fatalf("Next(%d): %v", after, err)
		}
		out = append(out, recs...)
		after = recs[len(recs)-1].Seq
	}
	return out
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.wal"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestJournal covers storage: ordering, reopening, watermark, segments,
// disk budget and record size.
func TestJournal(t *testing.T) {
	bg := context.Background()
	runCases(t, []journalCase{
		{"append and read in order", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			for i := 1; i <= 100; i++ {
				if seq := appendT(t, j, payloadFor(i, i*7)); seq != Seq(i) {
					t.Fatalf("seq %d, want %d", seq, i)
				}
			}
			recs := readAll(t, j)
			if len(recs) != 100 {
				t.Fatalf("read %d records", len(recs))
			}
			for i, r := range recs {
				if r.Seq != Seq(i+1) || !bytes.Equal(r.Payload, payloadFor(i+1, (i+1)*7)) {
					t.Fatalf("record %d: seq %d payload %q", i+1, r.Seq, r.Payload)
				}
			}
		}},
		{"concurrent appends get distinct contiguous seqs", Options{SegmentSize: 8 << 10}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			var mu sync.Mutex
			got := map[Seq][]byte{}
			var wg sync.WaitGroup
			for g := range 32 {
				wg.Go(func() {
					for i := range 40 {
						p := payloadFor(g*1000+i, 100+i)
						seq := appendT(t, j, p)
						mu.Lock()
						got[seq] = p
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			recs := readAll(t, j)
			if len(recs) != 32*40 || len(got) != 32*40 {
				t.Fatalf("read %d records, acknowledged %d", len(recs), len(got))
			}
			for i, r := range recs {
				if r.Seq != Seq(i+1) || !bytes.Equal(r.Payload, got[r.Seq]) {
					t.Fatalf("record %d (seq %d) does not match its append", i+1, r.Seq)
				}
			}
			if st := j.Stats(); st.Fsyncs >= 32*40 || st.Segments < 2 {
				t.Errorf("stats %+v: want group commit and several segments", st)
			}
		}},
		{"large concurrent records span several writes and segments", Options{SegmentSize: 3 << 20}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			ctx, cancel := context.WithTimeout(bg, 30*time.Second)
			defer cancel()
			var mu sync.Mutex
			got := map[Seq][]byte{}
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 4 {
						p := payloadFor(g*10+i, 700<<10+g*1000+i)
						seq, err := j.Append(ctx, p)
						if err != nil {
							t.Errorf("Append: %v", err)
							return
						}
						mu.Lock()
						got[seq] = p
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			recs := readAll(t, j)
			if len(recs) != 64 {
				t.Fatalf("read %d records", len(recs))
			}
			for _, r := range recs {
				if !bytes.Equal(r.Payload, got[r.Seq]) {
					t.Fatalf("record %d does not match its append", r.Seq)
				}
			}
			j.Close()
			j = openT(t, dir, opts)
			if st := j.Stats(); st.PendingRecords != 64 || st.Segments < 10 {
				t.Fatalf("stats after reopen %+v", st)
			}
		}},
		{"reopen continues the sequence", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			for i := 1; i <= 10; i++ {
				appendT(t, j, payloadFor(i, 50))
			}
			j.Close()
			j = openT(t, dir, opts)
			if r := j.Recovery(); r.PendingRecords != 10 || r.DiscardedBytes != 0 {
				t.Fatalf("recovery %+v", r)
			}
			if seq := appendT(t, j, payloadFor(11, 50)); seq != 11 {
				t.Fatalf("seq after reopen %d, want 11", seq)
			}
			if recs := readAll(t, j); len(recs) != 11 || !bytes.Equal(recs[10].Payload, payloadFor(11, 50)) {
				t.Fatalf("read %d records", len(recs))
			}
		}},
		{"delivered watermark persists", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			for i := 1; i <= 10; i++ {
				appendT(t, j, payloadFor(i, 50))
			}
			if err := j.MarkDelivered(4); err != nil {
				t.Fatal(err)
			}
			if err := j.MarkDelivered(2); err != nil {
				t.Fatalf("lower watermark: %v", err)
			}
			if err := j.MarkDelivered(11); err == nil {
				t.Fatal("MarkDelivered beyond the last record succeeded")
			}
			j.Close()
			j = openT(t, dir, opts)
			st := j.Stats()
			if st.DeliveredSeq != 4 || st.PendingRecords != 6 || st.PendingBytes != 6*(frameHeaderSize+50) {
				t.Fatalf("stats after reopen %+v", st)
			}
			recs, err := j.Next(bg, 0, 100, 0)
			if err != nil || len(recs) != 6 || recs[0].Seq != 5 {
				t.Fatalf("Next(0) = %d records from %v, %v", len(recs), recs[0].Seq, err)
			}
		}},
		{"segments roll and delivered ones are deleted", Options{SegmentSize: 1024}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			for i := 1; i <= 50; i++ {
				appendT(t, j, payloadFor(i, 100))
			}
			files := segFiles(t, dir)
			if len(files) != 7 || j.Stats().Segments != 7 { // 8 frames of 116 bytes per segment
				t.Fatalf("%d segment files, stats %+v", len(files), j.Stats())
			}
			if filepath.Base(files[1]) != "00000000000000000009.wal" {
				t.Fatalf("second segment is %s", files[1])
			}
			if err := j.MarkDelivered(30); err != nil {
				t.Fatal(err)
			}
			if files := segFiles(t, dir); len(files) != 4 || filepath.Base(files[0]) != "00000000000000000025.wal" {
				t.Fatalf("after delivering 30: %v", files)
			}
			if st := j.Stats(); st.PendingBytes != 20*116 || st.PendingRecords != 20 {
				t.Fatalf("stats %+v", st)
			}
			recs := readAll(t, j)
			if len(recs) != 20 || recs[0].Seq != 31 {
				t.Fatalf("read %d records from %d", len(recs), recs[0].Seq)
			}
			if err := j.MarkDelivered(50); err != nil {
				t.Fatal(err)
			}
			if files := segFiles(t, dir); len(files) != 1 {
				t.Fatalf("after delivering all: %v", files)
			}
			j.Close()
			j = openT(t, dir, opts)
			if seq := appendT(t, j, payloadFor(51, 100)); seq != 51 {
				t.Fatalf("seq %d", seq)
			}
		}},
		{"ErrFull until records are delivered", Options{DiskBudget: 10 * 116}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			for i := 1; i <= 10; i++ {
				appendT(t, j, payloadFor(i, 100))
			}
			if _, err := j.Append(bg, payloadFor(11, 100)); !errors.Is(err, ErrFull) {
				t.Fatalf("Append over budget: %v", err)
			}
			if _, err := j.AppendBatch(bg, [][]byte{{1}}); !errors.Is(err, ErrFull) {
				t.Fatalf("AppendBatch over budget: %v", err)
			}
			if err := j.MarkDelivered(3); err != nil {
				t.Fatal(err)
			}
			for i := 11; i <= 13; i++ {
				if seq := appendT(t, j, payloadFor(i, 100)); seq != Seq(i) {
					t.Fatalf("seq %d", seq)
				}
			}
			if _, err := j.Append(bg, payloadFor(14, 100)); !errors.Is(err, ErrFull) {
				t.Fatalf("Append over budget: %v", err)
			}
		}},
		{"max record size", Options{MaxRecordSize: 100}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			appendT(t, j, make([]byte, 100))
			if _, err := j.Append(bg, make([]byte, 101)); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Append(101 bytes): %v", err)
			}
			if _, err := j.AppendBatch(bg, [][]byte{{1}, make([]byte, 101)}); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("AppendBatch with 101 bytes: %v", err)
			}
			if st := j.Stats(); st.LastSeq != 1 {
				t.Fatalf("rejected records were written: %+v", st)
			}
		}},
		{"append batch", Options{SegmentSize: 600}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			appendT(t, j, []byte("x"))
			batch := [][]byte{payloadFor(2, 100), payloadFor(3, 100), payloadFor(4, 100), payloadFor(5, 100), payloadFor(6, 100)}
			first, err := j.AppendBatch(bg, batch)
			if err != nil || first != 2 {
				t.Fatalf("AppendBatch = %d, %v", first, err)
			}
			if first, err := j.AppendBatch(bg, nil); first != 0 || err != nil {
				t.Fatalf("empty AppendBatch = %d, %v", first, err)
			}
			recs := readAll(t, j)
			if len(recs) != 6 || !bytes.Equal(recs[5].Payload, batch[4]) {
				t.Fatalf("read %d records", len(recs))
			}
		}},
	})
}

// journalCase is one table-driven scenario run against a fresh directory.
type journalCase struct {
	name string
	opts Options
	run  func(t *testing.T, dir string, opts Options)
}

func runCases(t *testing.T, cases []journalCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, t.TempDir(), tc.opts)
		})
	}
}
