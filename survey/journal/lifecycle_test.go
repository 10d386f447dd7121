package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestLifecycle covers cancellation, Close, locking and reading.
func TestLifecycle(t *testing.T) {
	bg := context.Background()
	runCases(t, []journalCase{
		{"cancelled context is not written", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			ctx, cancel := context.WithCancel(bg)
			cancel()
			if _, err := j.Append(ctx, []byte("late")); !errors.Is(err, context.Canceled) {
				t.Fatalf("Append with cancelled ctx: %v", err)
			}
			// Racing deadlines: exactly the acknowledged records are written.
			var mu sync.Mutex
			acked := map[string]Seq{}
			var wg sync.WaitGroup
			for g := range 50 {
				wg.Go(func() {
					for i := range 20 {
						p := fmt.Sprintf("g%d-%d", g, i)
						ctx, cancel := context.WithTimeout(bg, time.Duration(g*i%7)*50*time.Microsecond)
						seq, err := j.Append(ctx, []byte(p))
						cancel()
						switch {
						case err == nil:
							mu.Lock()
							acked[p] = seq
							mu.Unlock()
						case !errors.Is(err, context.DeadlineExceeded):
							t.Errorf("Append: %v", err)
						}
					}
				})
			}
			wg.Wait()
			recs := readAll(t, j)
			if len(recs) != len(acked) {
				t.Fatalf("%d records on disk, %d acknowledged", len(recs), len(acked))
			}
			for _, r := range recs {
				if acked[string(r.Payload)] != r.Seq {
					t.Fatalf("record %d %q was not acknowledged with that seq", r.Seq, r.Payload)
				}
			}
			if st := j.Stats(); st.QueuedBytes != 0 {
				t.Fatalf("reservations leaked: %+v", st)
			}
		}},
		{"close semantics", Options{QueueSize: 4}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			appendT(t, j, []byte("first"))
			blocked := make(chan error, 1)
			go func() {
				_, err := j.Next(bg, 1, 10, 0)
				blocked <- err
			}()
			var mu sync.Mutex
			var acked []Seq
			var wg sync.WaitGroup
			for g := range 40 {
				wg.Go(func() {
					for i := 0; ; i++ {
						seq, err := j.Append(bg, payloadFor(g*1000+i, 64))
						if errors.Is(err, ErrClosed) {
							return
						} else if err != nil {
							t.Errorf("Append: %v", err)
							return
						}
						mu.Lock()
						acked = append(acked, seq)
						mu.Unlock()
					}
				})
			}
			time.Sleep(20 * time.Millisecond)
			if err := j.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			wg.Wait()
			if err := <-blocked; err != nil && !errors.Is(err, ErrClosed) {
				t.Fatalf("blocked Next: %v", err)
			}
			if err := j.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if _, err := j.Append(bg, []byte("x")); !errors.Is(err, ErrClosed) {
				t.Fatalf("Append after Close: %v", err)
			}
			if _, err := j.Next(bg, 0, 1, 0); !errors.Is(err, ErrClosed) {
				t.Fatalf("Next after Close: %v", err)
			}
			if err := j.MarkDelivered(1); !errors.Is(err, ErrClosed) {
				t.Fatalf("MarkDelivered after Close: %v", err)
			}
			j = openT(t, dir, opts)
			if st := j.Stats(); st.LastSeq != Seq(len(acked)+1) {
				t.Fatalf("%d acknowledged appends during Close, journal ends at %d", len(acked), st.LastSeq)
			}
		}},
		{"directory lock", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			if _, err := Open(dir, opts); !errors.Is(err, ErrLocked) {
				t.Fatalf("second Open: %v", err)
			}
			j.Close()
			j2 := openT(t, dir, opts)
			j2.Close()
		}},
		{"Next blocks until a record is durable", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
			defer cancel()
			if _, err := j.Next(ctx, 0, 10, 0); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Next on empty journal: %v", err)
			}
			got := make(chan []Record, 1)
			go func() {
				recs, err := j.Next(bg, 0, 10, 0)
				if err != nil {
					t.Error(err)
				}
				got <- recs
			}()
			time.Sleep(10 * time.Millisecond)
			appendT(t, j, []byte("hello"))
			if recs := <-got; len(recs) != 1 || string(recs[0].Payload) != "hello" {
				t.Fatalf("Next = %v", recs)
			}
		}},
		{"Next limits", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			for i := 1; i <= 10; i++ {
				appendT(t, j, payloadFor(i, 1000))
			}
			for _, tc := range []struct{ after, max, maxBytes, want int }{
				{0, 3, 0, 3}, {0, 100, 2500, 2}, {0, 100, 10, 1}, {8, 100, 0, 2}, {5, 2, 100000, 2},
			} {
				recs, err := j.Next(bg, Seq(tc.after), tc.max, tc.maxBytes)
				if err != nil || len(recs) != tc.want || recs[0].Seq != Seq(tc.after+1) {
					t.Errorf("Next(%d, %d, %d) = %d records, %v", tc.after, tc.max, tc.maxBytes, len(recs), err)
				}
			}
		}},
		{"stats", Options{}, func(t *testing.T, dir string, opts Options) {
			j := openT(t, dir, opts)
			if st := j.Stats(); !st.OldestPending.IsZero() || st.PendingRecords != 0 || st.Segments != 1 {
				t.Fatalf("empty stats %+v", st)
			}
			before := time.Now()
			appendT(t, j, make([]byte, 84))
			acked := time.Now()
			time.Sleep(5 * time.Millisecond)
			appendT(t, j, make([]byte, 84))
			st := j.Stats()
			// The segment is preallocated at the default size; the spare
			// prepared in the background counts once it is ready.
			const seg = 64 << 20
			if st.PendingRecords != 2 || st.PendingBytes != 200 || (st.DiskBytes != seg && st.DiskBytes != 2*seg) ||
				st.LastSeq != 2 || st.OldestPending.Before(before) || st.OldestPending.After(acked) {
				t.Fatalf("stats %+v", st)
			}
			if err := j.MarkDelivered(1); err != nil {
				t.Fatal(err)
			}
			if st2 := j.Stats(); !st2.OldestPending.After(st.OldestPending) || st2.PendingBytes != 100 {
				t.Fatalf("stats after delivering 1: %+v", st2)
			}
			j.MarkDelivered(2)
			if st := j.Stats(); !st.OldestPending.IsZero() || st.PendingBytes != 0 || st.DeliveredSeq != 2 {
				t.Fatalf("stats after delivering all: %+v", st)
			}
		}},
	})
}

func TestOpenBelowAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(file, "journal"), Options{}); err == nil {
		t.Fatal("Open below a regular file succeeded")
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	dir := t.TempDir()
	for range 5 {
		j, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		appendT(t, j, []byte("x"))
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		j.Next(ctx, j.Stats().LastSeq, 1, 0)
		cancel()
		j.Close()
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Fatalf("%d goroutines after Close, %d before", n, base)
	}
}
