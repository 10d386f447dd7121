package journal

import (
	"context"
	"math/rand/v2"
	"testing"
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
