package journal

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAppendParallel measures group commit: 100 appending goroutines
// per CPU write 2 KiB records while a batcher reads and delivers them.
func BenchmarkAppendParallel(b *testing.B) {
	j, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		after := Seq(0)
		for {
			recs, err := j.Next(ctx, after, 1024, 0)
			if err != nil {
				return
			}
			after = recs[len(recs)-1].Seq
			if err := j.MarkDelivered(after); err != nil {
				b.Error(err)
				return
			}
		}
	}()
	payload := make([]byte, 2048)
	for i := range payload {
		payload[i] = byte(rand.IntN(256))
	}
	b.SetBytes(int64(len(payload)))
	b.SetParallelism(100)
	fsyncs := j.Stats().Fsyncs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := j.Append(context.Background(), payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "records/s")
	b.ReportMetric(float64(j.Stats().Fsyncs-fsyncs)/secs, "fsyncs/s")
	cancel()
	<-delivered
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAppendUnderDiskLoad measures append latency while another writer
// loads the same file system, as ClickHouse does on a shared disk: a loader
// writes 50 MB files and fsyncs each, 200 goroutines append 2 KiB records,
// and a batcher delivers them every 100 ms. It reports the p50, p99 and
// maximum latency of Append, with the appenders going as fast as they can
// ("unpaced") and at the 2,000 records per second of production ("paced"),
// where latency counts from when the append was due. Run it with
// -benchtime=10s or more for a stable p99.
func BenchmarkAppendUnderDiskLoad(b *testing.B) {
	b.Run("unpaced", func(b *testing.B) { appendUnderDiskLoad(b, 0) })
	b.Run("paced", func(b *testing.B) { appendUnderDiskLoad(b, 2000) })
}

// appendUnderDiskLoad runs BenchmarkAppendUnderDiskLoad with appends due at
// rate per second, or back to back if rate is 0.
func appendUnderDiskLoad(b *testing.B, rate int) {
	dir := b.TempDir()
	j, err := Open(filepath.Join(dir, "journal"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	bg.Go(func() { loadDisk(ctx, b, filepath.Join(dir, "load")) })
	bg.Go(func() {
		after, marked := Seq(0), time.Now()
		for {
			recs, err := j.Next(ctx, after, 1024, 0)
			if err != nil {
				return
			}
			after = recs[len(recs)-1].Seq
			if time.Since(marked) >= 100*time.Millisecond {
				if err := j.MarkDelivered(after); err != nil {
					b.Error(err)
					return
				}
				marked = time.Now()
			}
		}
	})
	time.Sleep(500 * time.Millisecond) // let the load reach a steady state
	payload := make([]byte, 2048)
	for i := range payload {
		payload[i] = byte(rand.IntN(256))
	}
	const appenders = 200
	lat := make([][]time.Duration, appenders)
	var issued atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	start := time.Now()
	for g := range appenders {
		wg.Go(func() {
			for {
				i := issued.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				due := time.Now()
				if rate > 0 {
					due = start.Add(time.Duration(i) * time.Second / time.Duration(rate))
					time.Sleep(time.Until(due))
				}
				if _, err := j.Append(context.Background(), payload); err != nil {
					b.Error(err)
					return
				}
				lat[g] = append(lat[g], time.Since(due))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	if n := len(all); n > 0 {
		b.ReportMetric(ms(all[n/2]), "p50-ms")
		b.ReportMetric(ms(all[n*99/100]), "p99-ms")
		b.ReportMetric(ms(all[n-1]), "max-ms")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	cancel()
	bg.Wait()
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
}

// loadDisk writes and fsyncs 50 MB files at path in a loop until ctx ends.
func loadDisk(ctx context.Context, b testing.TB, path string) {
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for ctx.Err() == nil {
		f, err := os.Create(path)
		if err != nil {
			b.Error(err)
			return
		}
		for i := 0; i < 50 && ctx.Err() == nil && err == nil; i++ {
			_, err = f.Write(chunk)
		}
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		os.Remove(path)
		if err != nil {
			b.Error(err)
			return
		}
	}
}

// BenchmarkCommitCheck measures what each group commit adds to its
// fdatasync to verify that the active segment is still in the journal
// directory (an fstat and a stat).
func BenchmarkCommitCheck(b *testing.B) {
	j, err := Open(b.TempDir(), Options{SegmentSize: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	j.Close() // the writer has exited: the benchmark plays its part
	f, err := j.fs.OpenFile(j.w.seg.path, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	j.w.f = f
	for b.Loop() {
		if err := j.checkLinked(); err != nil {
			b.Fatal(err)
		}
	}
}
