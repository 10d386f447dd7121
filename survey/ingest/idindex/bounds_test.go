package idindex

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/palabre/palabre/survey"
)

// idWith returns an id whose first and last 8 bytes are hi and lo.
func idWith(hi, lo uint64) survey.ResponseID {
	var id survey.ResponseID
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint64(id[8:], lo)
	return id
}

func TestLenCountsTheTableAndRecentAdditions(t *testing.T) {
	x := New(randomEntries(3, 20))
	for _, e := range randomEntries(2, 21) {
		x.Add(e)
	}
	if x.Len() != 5 {
		t.Fatalf("Len = %d, want 5 (3 in the table, 2 added)", x.Len())
	}
}

// A merge starts when the recent additions reach max(minDelta, table/8), not before.
func TestMergeStartsAtItsThreshold(t *testing.T) {
	x := New(nil)
	x.minDelta = 4
	es := randomEntries(4+10+10, 22)
	for _, e := range es[:3] {
		x.Add(e)
	}
	x.Wait()
	if x.base.len() != 0 {
		t.Fatalf("merged at 3 additions (threshold 4): table %d", x.base.len())
	}
	x.Add(es[3])
	x.Wait()
	if x.base.len() != 4 {
		t.Fatalf("not merged at 4 additions: table %d", x.base.len())
	}
	// A table of 80 raises the threshold to 10.
	y := New(randomEntries(80, 23))
	y.minDelta = 4
	for _, e := range es[4:13] {
		y.Add(e)
	}
	y.Wait()
	if y.base.len() != 80 {
		t.Fatalf("merged at 9 additions over a table of 80: table %d", y.base.len())
	}
	y.Add(es[13])
	y.Wait()
	if y.base.len() != 90 {
		t.Fatalf("not merged at 10 additions over a table of 80: table %d", y.base.len())
	}
	checkAll(t, y, append(slices.Clone(es[4:14]), New(randomEntries(80, 23)).View().entries()...))
}

func (v View) entries() []Entry {
	var es []Entry
	v.All(func(e Entry) { es = append(es, e) })
	return es
}

// AddAll puts a few entries in the map of recent additions and merges many into the table:
// the line is a quarter of the merge threshold.
func TestAddAllMergesOnlyManyEntries(t *testing.T) {
	for _, c := range []struct {
		base, add int
		merged    bool
	}{{0, 3, false}, {0, 4, true}, {800, 24, false}, {800, 25, true}} {
		x := New(randomEntries(c.base, 24))
		x.minDelta = 16
		es := randomEntries(c.add, 25)
		if added, conflicts := x.AddAll(slices.Clone(es)); added != c.add || conflicts != 0 {
			t.Fatalf("%+v: added %d, conflicts %d", c, added, conflicts)
		}
		x.Wait()
		if got := x.base.len() == c.base+c.add; got != c.merged {
			t.Errorf("table %d after adding %d to %d: merged %v, want %v", x.base.len(), c.add, c.base, got, c.merged)
		}
		if x.Len() != c.base+c.add {
			t.Errorf("%+v: Len %d", c, x.Len())
		}
	}
}

func TestAddAllCountsConflictsWithRecentAdditions(t *testing.T) {
	x := New(nil)
	e := randomEntries(1, 26)[0]
	x.Add(e)
	other := e
	other.Digest++
	if added, conflicts := x.AddAll([]Entry{other}); added != 0 || conflicts != 1 {
		t.Fatalf("other digest: added %d, conflicts %d", added, conflicts)
	}
	if added, conflicts := x.AddAll([]Entry{e}); added != 0 || conflicts != 0 {
		t.Fatalf("same entry: added %d, conflicts %d", added, conflicts)
	}
	if got, _ := x.Lookup(e.ID); got != e {
		t.Fatalf("the first entry is kept: %+v", got)
	}
}

// Ids equal in their first half are ordered and found by their second.
func TestIDsDifferingInTheirSecondHalf(t *testing.T) {
	if compareIDs(idWith(1, 2), idWith(1, 3)) != -1 || compareIDs(idWith(1, 3), idWith(1, 2)) != 1 || compareIDs(idWith(1, 2), idWith(1, 2)) != 0 {
		t.Fatal("compareIDs ignores the second half")
	}
	var es []Entry
	for lo := range uint64(40) {
		es = append(es, Entry{ID: idWith(7, 39-lo), Digest: lo, Sec: 1})
	}
	x := New(es)
	checkAll(t, x, es)
}

// The directory has about one slot per 8 entries, at most 2^16, and each slot holds the ids
// of its leading bits.
func TestDirectorySize(t *testing.T) {
	for _, c := range []struct{ n, bits int }{{0, 0}, {8, 0}, {9, 1}, {16, 1}, {17, 2}, {8 << 16, 16}, {8<<16 + 1, 16}} {
		es := make([]Entry, c.n) // spread evenly over the id space, in order
		for i := range es {
			es[i].ID = idWith(uint64(i)*(^uint64(0)/uint64(max(c.n, 1))), uint64(i))
		}
		tab := tableOf(es)
		if len(tab.dir) != 1<<c.bits+1 || tab.shift != uint(64-c.bits) {
			t.Errorf("%d entries: %d slots, shift %d; want %d bits", c.n, len(tab.dir)-1, tab.shift, c.bits)
		}
		for i, id := range tab.ids {
			k := tab.prefix(id)
			if k != binary.BigEndian.Uint64(id[:8])>>(64-c.bits)&^(^uint64(0)<<c.bits) && c.bits > 0 {
				t.Fatalf("%d entries: prefix of entry %d is %d", c.n, i, k)
			}
			if int(tab.dir[k]) > i || int(tab.dir[k+1]) <= i {
				t.Fatalf("%d entries: entry %d outside its slot %d [%d, %d)", c.n, i, k, tab.dir[k], tab.dir[k+1])
			}
		}
	}
}

func TestClosingAStoreThatNeverWrote(t *testing.T) {
	s, _, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// A log created but whose header never reached the disk is empty: it gets its header back
// and what is appended next is read at the next start.
func TestEmptyLogGetsItsHeader(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, logName), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	s, ld, err := Open(dir)
	if err != nil || ld.Log != 0 {
		t.Fatalf("Open: %+v %v", ld, err)
	}
	es := randomEntries(3, 28)
	if err := s.Append(es); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, ld, err = Open(dir)
	if err != nil || ld.Log != 3 || ld.Damaged != 0 {
		t.Fatalf("reopen: %+v %v", ld, err)
	}
	checkAll(t, ld.Index, es)
}

// A file in the log's place that is not a log is set aside, and a new log is started.
func TestForeignLogIsSetAside(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, logName), []byte("NOTALOG! and more bytes than a header"), 0o640); err != nil {
		t.Fatal(err)
	}
	s, ld, err := Open(dir)
	if err != nil || ld.Damaged != 1 || !ld.Existed {
		t.Fatalf("Open: %+v %v", ld, err)
	}
	if _, err := os.Stat(filepath.Join(dir, logName+".damaged")); err != nil {
		t.Fatalf("not set aside: %v", err)
	}
	es := randomEntries(2, 29)
	if err := s.Append(es); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, ld, err = Open(dir)
	if err != nil || ld.Log != 2 {
		t.Fatalf("reopen: %+v %v", ld, err)
	}
}

// A snapshot larger than one read buffer (64 KiB: 4,096 ids) reads back whole.
func TestLargeSnapshotReadsBack(t *testing.T) {
	dir := t.TempDir()
	es := randomEntries(10_000, 30)
	s, _, _ := Open(dir)
	if err := s.Append(es[:5]); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(New(es).View()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, ld, err := Open(dir)
	if err != nil || ld.SnapshotErr != nil || ld.Snapshot != len(es) || ld.Log != 0 {
		t.Fatalf("reopen: %+v %v", ld, err)
	}
	checkAll(t, ld.Index, es)
}

// writeRawSnapshot writes ids with a valid checksum, in the order given.
func writeRawSnapshot(t *testing.T, dir string, ids []survey.ResponseID) {
	t.Helper()
	var b bytes.Buffer
	b.Write(snapshotMagic)
	b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(ids))))
	for _, id := range ids {
		b.Write(id[:])
	}
	for range ids {
		b.Write(binary.LittleEndian.AppendUint64(nil, 9))
	}
	for range ids {
		b.Write(binary.LittleEndian.AppendUint32(nil, 1))
	}
	b.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(b.Bytes(), castagnoli)))
	if err := os.WriteFile(filepath.Join(dir, snapshotName), b.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
}

// A snapshot whose ids are not strictly increasing is refused even with a good checksum.
func TestSnapshotOutOfOrderIsSetAside(t *testing.T) {
	for name, ids := range map[string][]survey.ResponseID{
		"ordered":    {idWith(1, 1), idWith(1, 2), idWith(2, 0)},
		"swapped":    {idWith(1, 1), idWith(2, 0), idWith(1, 2)},
		"duplicated": {idWith(1, 1), idWith(1, 2), idWith(1, 2)},
	} {
		dir := t.TempDir()
		writeRawSnapshot(t, dir, ids)
		_, ld, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if good := name == "ordered"; (ld.SnapshotErr == nil) != good || (ld.Snapshot == len(ids)) != good {
			t.Errorf("%s: %+v", name, ld)
		}
	}
}
