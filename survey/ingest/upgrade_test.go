package ingest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/journal"
)

// TestOpenReadsRecordsOfEarlierFormats: records left undelivered by an earlier version (format
// 2, without their digest, and format 1, JSON) are decoded at start and their ids indexed
// with the digest of their answers, with the database down.
// A journal may hold a few such records or many (decoded on every core).
func TestOpenReadsRecordsOfEarlierFormats(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, 600} {
		t.Run(strconv.Itoa(n), func(t *testing.T) { openEarlierFormats(t, n) })
	}
}

func openEarlierFormats(t *testing.T, n int) {
	dir := t.TempDir()
	cfg := Config{Dir: filepath.Join(dir, "journal")}
	j, err := journal.Open(cfg.Dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*survey.Response
	var payloads [][]byte
	for i := range n {
		r := benchResponse(i)
		rs = append(rs, r)
		b, _ := encode(r, 0)
		payloads = append(payloads, append([]byte{formatBinary}, b[9:]...))
	}
	r := benchResponse(n)
	rs = append(rs, r)
	js, _ := json.Marshal(r)
	payloads = append(payloads, append([]byte{formatJSON}, js...))
	if _, err := j.AppendBatch(context.Background(), payloads); err != nil {
		t.Fatal(err)
	}
	j.Close()

	p, err := Open(context.Background(), cfg, downDB{}, downDB{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- p.Close(ctx) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Close did not return: the pipeline does not stop")
		}
	}()
	for _, r := range rs {
		if e, ok := p.index.Lookup(r.ID); !ok || e.Digest != r.Digest() {
			t.Fatalf("index entry of %v: %+v %v, want digest %x", r.ID, e, ok, r.Digest())
		}
	}
	if n := p.index.Len(); n != len(rs) {
		t.Errorf("%d ids indexed, want %d", n, len(rs))
	}
}
