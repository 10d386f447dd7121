package idindex

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/palabre/palabre/survey"
)

func randomEntries(n int, seed uint64) []Entry {
	rng := rand.New(rand.NewPCG(seed, seed))
	es := make([]Entry, n)
	for i := range es {
		var id survey.ResponseID
		for k := range id {
			id[k] = byte(rng.Uint32())
		}
		es[i] = Entry{ID: id, Digest: rng.Uint64(), Sec: 1_764_000_000 + uint32(i)}
	}
	return es
}

func checkAll(t *testing.T, x *Index, es []Entry) {
	t.Helper()
	for _, e := range es {
		got, ok := x.Lookup(e.ID)
		if !ok || got != e {
			t.Fatalf("Lookup(%v) = %+v %v, want %+v", e.ID, got, ok, e)
		}
	}
	if x.Len() != len(es) {
		t.Errorf("Len = %d, want %d", x.Len(), len(es))
	}
	var ids []survey.ResponseID
	x.View().All(func(e Entry) { ids = append(ids, e.ID) })
	if len(ids) != len(es) || !slices.IsSortedFunc(ids, compareIDs) {
		t.Errorf("View lists %d ids (sorted: %v), want %d sorted", len(ids), slices.IsSortedFunc(ids, compareIDs), len(es))
	}
}

func TestIndexAddMergesAndFinds(t *testing.T) {
	x := New(nil)
	x.minDelta = 100 // merge often
	es := randomEntries(20000, 1)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(es); i += 4 {
				if !x.Add(es[i]) {
					t.Errorf("Add of a new id returned false")
				}
			}
		}()
	}
	wg.Wait()
	x.Wait()
	checkAll(t, x, es)
	changed := es[5]
	changed.Digest++
	if x.Add(changed) {
		t.Error("Add of a known id returned true")
	}
	if got, _ := x.Lookup(changed.ID); got != es[5] {
		t.Errorf("a second Add replaced the entry: %+v", got)
	}
	var missing survey.ResponseID
	missing[0] = 0xff
	if _, ok := x.Lookup(missing); ok {
		t.Error("found an id never added")
	}
}

func TestIndexAddAll(t *testing.T) {
	es := randomEntries(30000, 2)
	x := New(es[:10000])
	x.minDelta = 100
	for _, e := range es[10000:10500] {
		x.Add(e)
	}
	bulk := slices.Clone(es[5000:30000]) // overlaps the base and the map
	bulk[0].Digest++                     // a known id with another digest
	bulk[6000].Digest++                  // es[11000]: new, and its digest is the bulk's
	added, conflicts := x.AddAll(bulk)
	if added != 19500 || conflicts != 1 {
		t.Errorf("AddAll: added %d, conflicts %d; want 19500, 1", added, conflicts)
	}
	es[11000].Digest++
	x.Wait()
	checkAll(t, x, es)
	// Small bulk additions go through the map.
	more := randomEntries(10, 3)
	if added, _ := x.AddAll(slices.Clone(more)); added != 10 {
		t.Errorf("small AddAll added %d, want 10", added)
	}
	x.Wait()
	checkAll(t, x, append(es, more...))
}

func TestMakeEntryClampsTime(t *testing.T) {
	id := survey.NewResponseID()
	at := time.Date(2026, 11, 29, 10, 0, 0, 500, time.UTC)
	if got := MakeEntry(id, 1, at).SubmittedAt(); !got.Equal(at.Truncate(time.Second)) {
		t.Errorf("SubmittedAt = %v", got)
	}
	if got := MakeEntry(id, 1, time.Unix(-5, 0)).Sec; got != 0 {
		t.Errorf("before 1970: %d", got)
	}
	if got := MakeEntry(id, 1, time.Unix(1<<40, 0)).Sec; got != 1<<32-1 {
		t.Errorf("after 2106: %d", got)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, ld, err := Open(dir)
	if err != nil || ld.Existed || ld.Index.Len() != 0 {
		t.Fatalf("first Open: %+v %v", ld, err)
	}
	s.Close()
	if _, _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Fatalf("Open alone wrote %v: the next start would take it for local state", names)
	}

	es := randomEntries(5000, 4)
	s, _, _ = Open(dir)
	if err := s.Append(es[:1000]); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(es[1000:2000]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, ld, err = Open(dir)
	if err != nil || !ld.Existed || ld.Log != 2000 || ld.Snapshot != 0 {
		t.Fatalf("reopen after appends: %+v %v", ld, err)
	}
	checkAll(t, ld.Index, es[:2000])

	// Compact: the snapshot holds everything, the log is empty, appends continue.
	ld.Index.AddAll(slices.Clone(es[2000:4000]))
	if err := s.Compact(ld.Index.View()); err != nil {
		t.Fatal(err)
	}
	if s.LogLen() != 0 {
		t.Errorf("log holds %d entries after Compact", s.LogLen())
	}
	if err := s.Append(es[4000:]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, ld, err = Open(dir)
	if err != nil || ld.Snapshot != 4000 || ld.Log != 1000 {
		t.Fatalf("reopen after Compact: %+v %v", ld, err)
	}
	checkAll(t, ld.Index, es)
	s.Close()
}

func TestStoreTornLog(t *testing.T) {
	dir := t.TempDir()
	es := randomEntries(300, 5)
	s, _, _ := Open(dir)
	s.Append(es[:200])
	s.Close()
	// A crash tore the last append: part of a unit, and a whole unit of garbage before it.
	f, _ := os.OpenFile(filepath.Join(dir, logName), os.O_WRONLY|os.O_APPEND, 0)
	f.Write(make([]byte, unitSize))
	f.Write([]byte("half a unit"))
	f.Close()
	s, ld, err := Open(dir)
	if err != nil || ld.Log != 200 || ld.Damaged != 1 {
		t.Fatalf("Open over a torn log: %+v %v", ld, err)
	}
	if err := s.Append(es[200:]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, ld, err = Open(dir)
	if err != nil || ld.Log != 300 {
		t.Fatalf("appends after the repair: %+v %v", ld, err)
	}
	checkAll(t, ld.Index, es)
}

func TestStoreDamagedSnapshotIsSetAside(t *testing.T) {
	dir := t.TempDir()
	es := randomEntries(100, 6)
	s, _, _ := Open(dir)
	s.Compact(New(es).View())
	s.Append(randomEntries(3, 7))
	s.Close()
	path := filepath.Join(dir, snapshotName)
	b, _ := os.ReadFile(path)
	b[100] ^= 1
	os.WriteFile(path, b, 0o640)
	_, ld, err := Open(dir)
	if err != nil || ld.SnapshotErr == nil || !ld.Existed || ld.Index.Len() != 3 {
		t.Fatalf("Open over a damaged snapshot: %+v %v", ld, err)
	}
	if _, err := os.Stat(path + ".damaged"); err != nil {
		t.Errorf("damaged snapshot not set aside: %v", err)
	}
}

// BenchmarkLoad1M loads an index of one million ids from its snapshot and reports the heap
// it holds per id.
func BenchmarkLoad1M(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	s, _, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Compact(New(randomEntries(n, 8)).View()); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for b.Loop() {
		_, ld, err := Open(dir)
		if err != nil || ld.Index.Len() != n {
			b.Fatalf("%v, %d ids", err, ld.Index.Len())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
	b.ReportMetric(heapPerID(b, n, func() any { _, ld, _ := Open(dir); return ld.Index }), "bytes/id")
}

// BenchmarkBytesPerIDAdded adds one million ids one at a time, as submissions do, and
// reports the heap the index holds per id once its merges are done.
func BenchmarkBytesPerIDAdded(b *testing.B) {
	const n = 1_000_000
	es := randomEntries(n, 9)
	for b.Loop() {
		b.ReportMetric(heapPerID(b, n, func() any {
			x := New(nil)
			for _, e := range es {
				x.Add(e)
			}
			x.Wait()
			return x
		}), "bytes/id")
	}
}

func heapPerID(b *testing.B, n int, build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(x)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// BenchmarkLookup1M looks up known and unknown ids in an index of one million, in parallel.
func BenchmarkLookup1M(b *testing.B) {
	es := randomEntries(1_000_000, 10)
	x := New(es)
	other := randomEntries(1024, 11)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if i&1 == 0 {
				x.Lookup(es[(i*7919)%len(es)].ID)
			} else {
				x.Lookup(other[i%len(other)].ID)
			}
		}
	})
}

// BenchmarkBytesPerIDWorst measures the heap per id when the map of recent additions is at
// its largest, just before it is merged: a table of one million ids and an eighth as many
// added one at a time.
func BenchmarkBytesPerIDWorst(b *testing.B) {
	const n = 1_000_000
	es := randomEntries(n+n/8-1, 12)
	for b.Loop() {
		b.ReportMetric(heapPerID(b, len(es), func() any {
			x := New(es[:n])
			for _, e := range es[n:] {
				x.Add(e)
			}
			x.Wait()
			if x.frozen != nil || len(x.delta) != n/8-1 {
				b.Fatalf("the map holds %d ids (merging: %v), want %d", len(x.delta), x.frozen != nil, n/8-1)
			}
			return x
		}), "bytes/id")
	}
}

func TestOverrideReplacesOnlyTheDigestItNames(t *testing.T) {
	es := randomEntries(100, 7)
	x := New(es[:50])
	for _, e := range es[50:] {
		x.Add(e)
	}
	for _, e := range []Entry{es[3], es[70]} { // one in the table, one in the recent additions
		winner := Entry{ID: e.ID, Digest: e.Digest + 1, Sec: e.Sec + 5}
		if x.Override(e.Digest+2, winner) {
			t.Error("an override from a digest the index does not hold must do nothing")
		}
		if got, _ := x.Lookup(e.ID); got != e {
			t.Errorf("entry changed to %+v", got)
		}
		if !x.Override(e.Digest, winner) {
			t.Error("override refused")
		}
		if got, _ := x.Lookup(e.ID); got != winner {
			t.Errorf("after override %+v, want %+v", got, winner)
		}
		if x.Add(e) {
			t.Error("an overridden id is still known")
		}
	}
	if x.Len() != 100 {
		t.Errorf("Len %d, want 100", x.Len())
	}
	if x.Override(1, Entry{ID: survey.NewResponseID(), Digest: 2}) {
		t.Error("override of an unknown id")
	}
}
