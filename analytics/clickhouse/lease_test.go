package clickhouse_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse/clickhousetest"
)

// Two processes run one job with a 2 s period: the smaller holder runs it in each slot and
// the other never does; once the smaller stops, the other takes over within two slots.
func TestLeaseRunsAJobOncePerSlot(t *testing.T) {
	db := clickhousetest.Open(t)
	var mu sync.Mutex
	runs := map[int64][]string{} // slot → holders that ran it
	job := func(holder string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			slot := time.Now().Unix() / 2
			runs[slot] = append(runs[slot], holder)
			return nil
		}
	}
	count := func(holder string) (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, hs := range runs {
			for _, h := range hs {
				if h == holder {
					n++
				}
			}
		}
		return n
	}
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	var wg sync.WaitGroup
	wg.Go(func() { db.Leases("palabre-a", nil).Run(ctxA, "test-job", 2*time.Second, job("palabre-a")) })
	wg.Go(func() { db.Leases("palabre-b", nil).Run(ctxB, "test-job", 2*time.Second, job("palabre-b")) })
	waitUntil(t, 10*time.Second, "A runs the job twice", func() bool { return count("palabre-a") >= 2 })
	if n := count("palabre-b"); n != 0 {
		t.Errorf("B ran the job %d times while A held the lease", n)
	}
	stopA()
	waitUntil(t, 10*time.Second, "B takes over once A stops", func() bool { return count("palabre-b") >= 1 })
	stopB()
	wg.Wait()
	for slot, hs := range runs {
		if len(hs) > 1 {
			t.Errorf("slot %d run by %v", slot, hs)
		}
	}
}

func waitUntil(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
