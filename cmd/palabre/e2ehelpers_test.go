package main

import (
	"context"
	"net/url"
	"testing"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
)

// storedResponse reads back from ClickHouse the response a participant's browser ended on
// the thank-you page end for, waiting for its delivery.
func storedResponse(t *testing.T, db *clickhouse.DB, end string) *survey.Response {
	t.Helper()
	u, _ := url.Parse(end)
	id, err := survey.ParseResponseID(u.Query().Get("id"))
	if err != nil {
		t.Fatalf("ended on %s, not on the thank-you page: %v", end, err)
	}
	var got *survey.Response
	waitFor(t, "the response in ClickHouse", func() bool {
		got, err = db.ReadResponse(context.Background(), id)
		return err == nil
	})
	return got
}
