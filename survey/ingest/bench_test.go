package ingest_test

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/ingest"
)

// discardDB accepts every batch and holds nothing: the database as fast as it can be.
type discardDB struct{}

func (discardDB) WriteResponses(context.Context, []*survey.Response) error { return nil }
func (discardDB) ResponseDigests(context.Context, func(survey.ResponseID, uint64, time.Time)) error {
	return nil
}

// cpuTime is the processor time the process has used, all threads, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the processor time per operation since start, background goroutines
// included: on a shared machine it varies less than the elapsed time.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// BenchmarkSubmit measures Submit of new responses from many goroutines: index, journal
// append (group-committed fsync on the test's temporary directory) and acknowledgement.
func BenchmarkSubmit(b *testing.B) {
	p, err := ingest.Open(context.Background(), config(b.TempDir()), discardDB{}, discardDB{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer closeWithin(b, p, context.Background())
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := response(int(n.Add(1)))
			if _, err := p.Submit(context.Background(), r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSubmitDuplicate measures the index alone: resubmissions of known responses, from
// many goroutines, never touch the journal.
func BenchmarkSubmitDuplicate(b *testing.B) {
	p, err := ingest.Open(context.Background(), config(b.TempDir()), discardDB{}, discardDB{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer closeWithin(b, p, context.Background())
	known := make([]*survey.Response, 1024)
	for i := range known {
		known[i] = response(i)
		if _, err := p.Submit(context.Background(), known[i]); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rc, err := p.Submit(context.Background(), known[n.Add(1)%int64(len(known))])
			if err != nil || !rc.Duplicate {
				b.Errorf("%+v %v", rc, err)
				return
			}
		}
	})
}
