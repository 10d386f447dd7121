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

func TestCachedCatalogServesStaleWhileRefreshing(t *testing.T) {
	next := &countingCatalog{}
	c := survey.NewCachedCatalog(next, 10*time.Millisecond)
	ctx := context.Background()
	if _, err := c.Surveys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Surveys(ctx); err != nil || next.reads.Load() != 1 {
		t.Fatalf("a fresh list was read again (%d reads)", next.reads.Load())
	}
	time.Sleep(20 * time.Millisecond)
	next.fail.Store(true)
	for i := 0; i < 50; i++ { // stale: served at once, one refresh at a time, failures hidden
		list, err := c.Surveys(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("stale list not served while the database is away: %v %v", list, err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for next.reads.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := next.reads.Load(); n < 2 || n > 3 {
		t.Errorf("%d reads; want one background refresh (maybe two)", n)
	}
}

func TestCachedCatalogFirstReadFails(t *testing.T) {
	next := &countingCatalog{}
	next.fail.Store(true)
	c := survey.NewCachedCatalog(next, time.Minute)
	if _, err := c.Surveys(context.Background()); err == nil {
		t.Error("no list and a failing database: want the error")
	}
}
