package survey_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

// countingCatalog counts reads of the survey list and can fail them.
type countingCatalog struct {
	survey.Catalog
	reads atomic.Int32
	fail  atomic.Bool
}

func (c *countingCatalog) Surveys(ctx context.Context) ([]survey.Survey, error) {
	c.reads.Add(1)
	if c.fail.Load() {
		return nil, errors.New("database away")
	}
	return []survey.Survey{{ID: "partners-meeting"}}, nil
}

// clock is a time that tests move by hand.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }
func eventuallyReads(t *testing.T, c *countingCatalog, n int32) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); c.reads.Load() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d reads, want %d", c.reads.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCachedCatalogServesStaleWhileRefreshing(t *testing.T) {
	next, clk := &countingCatalog{}, &clock{}
	c := survey.NewCachedCatalog(next, time.Minute)
	survey.SetClock(c, clk.now)
	ctx := context.Background()
	if _, err := c.Surveys(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(30 * time.Second)
	if _, err := c.Surveys(ctx); err != nil || next.reads.Load() != 1 {
		t.Fatalf("a fresh list was read again (%d reads)", next.reads.Load())
	}
	clk.add(31 * time.Second)
	next.fail.Store(true)
	for i := 0; i < 50; i++ { // stale: served at once, one refresh at a time, failures hidden
		list, err := c.Surveys(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("stale list not served while the database is away: %v %v", list, err)
		}
	}
	eventuallyReads(t, next, 2)
	for i := 0; i < 50; i++ { // the refresh failed: no new read before a ttl
		c.Surveys(ctx)
	}
	time.Sleep(10 * time.Millisecond)
	if n := next.reads.Load(); n != 2 {
		t.Errorf("%d reads after a failed refresh; want 2: the database is asked again at once", n)
	}
	clk.add(61 * time.Second)
	next.fail.Store(false)
	c.Surveys(ctx)
	eventuallyReads(t, next, 3)
}

func TestCachedCatalogFirstReadFails(t *testing.T) {
	next := &countingCatalog{}
	next.fail.Store(true)
	c := survey.NewCachedCatalog(next, time.Minute)
	if _, err := c.Surveys(context.Background()); err == nil {
		t.Error("no list and a failing database: want the error")
	}
}
