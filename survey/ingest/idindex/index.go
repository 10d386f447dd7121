// Package idindex keeps the response ids palabre has accepted, each with the digest of its
// answers and when it was submitted, compactly in memory (Index) and crash-safely on disk
// (Store), so that a resubmission is recognised after a restart without the database.
//
// In memory an id costs 28 bytes in a sorted table (16 id, 8 digest, 4 seconds), searched
// through a directory of its leading bits; recent additions go to a small map that is merged
// into a new table in the background once it holds an eighth of the table.
package idindex

import (
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/palabre/palabre/survey"
)

// Entry is what the index knows of a response id.
type Entry struct {
	ID     survey.ResponseID
	Digest uint64
	Sec    uint32 // Unix seconds when the response was submitted
}

// MakeEntry returns the entry of a response submitted at t. Times before 1970 or after 2106
// are clamped: the index keeps seconds in 32 bits, like the database's DateTime.
func MakeEntry(id survey.ResponseID, digest uint64, t time.Time) Entry {
	s := t.Unix()
	switch {
	case t.IsZero() || s < 0:
		s = 0
	case s > 1<<32-1:
		s = 1<<32 - 1
	}
	return Entry{ID: id, Digest: digest, Sec: uint32(s)}
}

// SubmittedAt is when the response was submitted, to the second, in UTC.
func (e Entry) SubmittedAt() time.Time {
	if e.Sec == 0 {
		return time.Time{}
	}
	return time.Unix(int64(e.Sec), 0).UTC()
}

type value struct {
	digest uint64
	sec    uint32
}

// Index is a set of entries keyed by id, safe for concurrent use. An id once added stays: the
// index only grows.
type Index struct {
	mu        sync.Mutex
	base      *table                      // immutable; replaced whole by a merge
	frozen    map[survey.ResponseID]value // being merged into a new base; nil if none
	delta     map[survey.ResponseID]value // added since the last merge began
	overrides map[survey.ResponseID]value // entries replaced by Override; consulted first, kept in memory only
	rebuildMu sync.Mutex                  // held by whoever builds a new base
	merges    sync.WaitGroup
	minDelta  int
}

// minDelta is the size of the map of recent additions that starts a merge, unless an eighth
// of the table is more.
const minDelta = 1 << 14

// New returns an index of es, in any order. Of two entries with the same id, the first is kept.
func New(es []Entry) *Index {
	es = sortUnique(slices.Clone(es))
	return fromTable(tableOf(es))
}

func fromTable(t *table) *Index {
	return &Index{base: t, delta: map[survey.ResponseID]value{}, minDelta: minDelta}
}

// Len is the number of ids in the index.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.lenLocked()
}

func (x *Index) lenLocked() int {
	// The maps hold only ids missing from the base, and delta only ids missing from frozen.
	return x.base.len() + len(x.frozen) + len(x.delta)
}

// Lookup returns the entry of id.
func (x *Index) Lookup(id survey.ResponseID) (Entry, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.lookupLocked(id)
}

func (x *Index) lookupLocked(id survey.ResponseID) (Entry, bool) {
	if v, ok := x.overrides[id]; ok {
		return Entry{id, v.digest, v.sec}, true
	}
	if v, ok := x.delta[id]; ok {
		return Entry{id, v.digest, v.sec}, true
	}
	if v, ok := x.frozen[id]; ok {
		return Entry{id, v.digest, v.sec}, true
	}
	if i, ok := x.base.find(id); ok {
		return x.base.entry(i), true
	}
	return Entry{}, false
}

// Add adds e unless its id is known, and reports whether it did.
func (x *Index) Add(e Entry) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.lookupLocked(e.ID); ok {
		return false
	}
	x.delta[e.ID] = value{e.Digest, e.Sec}
	x.maybeMergeLocked()
	return true
}

// Override replaces the entry of a known id with e when its digest is from, and reports
// whether it did: another version of the response was chosen over the one the index holds.
// The replacement is kept in memory only (snapshots and logs keep what was accepted); the
// owner applies it again after a restart.
func (x *Index) Override(from uint64, e Entry) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	cur, ok := x.lookupLocked(e.ID)
	if !ok || cur.Digest != from || from == e.Digest {
		return false
	}
	if x.overrides == nil {
		x.overrides = map[survey.ResponseID]value{}
	}
	x.overrides[e.ID] = value{e.Digest, e.Sec}
	return true
}

// maybeMergeLocked starts merging the recent additions into a new table once they are many.
func (x *Index) maybeMergeLocked() {
	if x.frozen != nil || len(x.delta) < max(x.minDelta, x.base.len()/8) {
		return
	}
	x.frozen, x.delta = x.delta, map[survey.ResponseID]value{}
	x.merges.Add(1)
	go x.mergeFrozen()
}

func (x *Index) mergeFrozen() {
	defer x.merges.Done()
	x.rebuildMu.Lock()
	defer x.rebuildMu.Unlock()
	x.mu.Lock()
	base, frozen := x.base, x.frozen
	x.mu.Unlock()
	es := make([]Entry, 0, len(frozen))
	for id, v := range frozen {
		if _, ok := base.find(id); !ok { // AddAll may have put it in the base meanwhile
			es = append(es, Entry{id, v.digest, v.sec})
		}
	}
	slices.SortFunc(es, compareEntries)
	nb := merge(base, es)
	x.mu.Lock()
	x.base, x.frozen = nb, nil
	x.maybeMergeLocked()
	x.mu.Unlock()
}

// AddAll adds the entries whose ids are unknown, in bulk, and returns how many it added and
// how many ids it knew with another digest (those keep the digest the index had). Of two
// entries of es with the same id, the first counts. es is sorted in place.
func (x *Index) AddAll(es []Entry) (added, conflicts int) {
	es = sortUnique(es)
	x.rebuildMu.Lock() // the base changes only under rebuildMu
	defer x.rebuildMu.Unlock()
	x.mu.Lock()
	base := x.base
	x.mu.Unlock()
	fresh := es[:0]
	for _, e := range es {
		if i, ok := base.find(e.ID); ok {
			if base.digests[i] != e.Digest {
				conflicts++
			}
			continue
		}
		fresh = append(fresh, e)
	}
	// Drop what the maps know, a chunk at a time so that Submit is not held up long.
	kept := fresh[:0]
	for len(fresh) > 0 {
		n := min(len(fresh), 4096)
		x.mu.Lock()
		for _, e := range fresh[:n] {
			v, ok := x.delta[e.ID]
			if !ok {
				v, ok = x.frozen[e.ID]
			}
			switch {
			case !ok:
				kept = append(kept, e)
			case v.digest != e.Digest:
				conflicts++
			}
		}
		x.mu.Unlock()
		fresh = fresh[n:]
	}
	if len(kept) == 0 {
		return 0, conflicts
	}
	if len(kept) < max(x.minDelta, base.len()/8)/4 {
		x.mu.Lock()
		for _, e := range kept {
			if _, ok := x.lookupLocked(e.ID); !ok {
				x.delta[e.ID] = value{e.Digest, e.Sec}
				added++
			}
		}
		x.mu.Unlock()
		// A merge it would start needs rebuildMu, held here: it waits for AddAll to return.
		x.mu.Lock()
		x.maybeMergeLocked()
		x.mu.Unlock()
		return added, conflicts
	}
	nb := merge(base, kept)
	x.mu.Lock()
	x.base = nb
	// An id added meanwhile (a concurrent Submit) may now be in a map and in the base too;
	// lookups find the map's, merges keep one.
	x.mu.Unlock()
	return len(kept), conflicts
}

// Wait waits for the merges in progress.
func (x *Index) Wait() { x.merges.Wait() }

// View is a consistent, sorted picture of an index at one moment, to write a snapshot.
type View struct {
	base  *table
	extra []Entry // sorted, not in base
}

// View returns the current content of x.
func (x *Index) View() View {
	x.mu.Lock()
	base := x.base
	extra := make([]Entry, 0, len(x.frozen)+len(x.delta))
	for id, v := range x.frozen {
		extra = append(extra, Entry{id, v.digest, v.sec})
	}
	for id, v := range x.delta {
		extra = append(extra, Entry{id, v.digest, v.sec})
	}
	x.mu.Unlock()
	slices.SortFunc(extra, compareEntries)
	// Drop ids present in the base (added to a map while a bulk add put them in the base).
	kept := extra[:0]
	for _, e := range extra {
		if _, ok := base.find(e.ID); !ok {
			kept = append(kept, e)
		}
	}
	return View{base: base, extra: kept}
}

// Len is the number of entries in v.
func (v View) Len() int { return v.base.len() + len(v.extra) }

// All calls fn for every entry of v in id order.
func (v View) All(fn func(Entry)) {
	i, j := 0, 0
	for i < v.base.len() || j < len(v.extra) {
		if j == len(v.extra) || (i < v.base.len() && compareIDs(v.base.ids[i], v.extra[j].ID) < 0) {
			fn(v.base.entry(i))
			i++
		} else {
			fn(v.extra[j])
			j++
		}
	}
}

// table is a sorted array of entries stored as three parallel arrays (28 bytes per entry,
// no padding), with a directory of where each value of the ids' leading bits begins.
type table struct {
	ids     []survey.ResponseID
	digests []uint64
	secs    []uint32
	shift   uint     // 64 - directory bits
	dir     []uint32 // dir[k] is the first index whose id's leading bits are >= k; len 2^bits+1
}

func newTable(n int) *table {
	return &table{ids: make([]survey.ResponseID, n), digests: make([]uint64, n), secs: make([]uint32, n)}
}

func tableOf(es []Entry) *table {
	t := newTable(len(es))
	for i, e := range es {
		t.ids[i], t.digests[i], t.secs[i] = e.ID, e.Digest, e.Sec
	}
	t.index()
	return t
}

// index builds the directory: about one slot per 8 entries, at most 2^16 slots, so it costs
// well under a byte per id.
func (t *table) index() {
	n := len(t.ids)
	bits := 0
	for bits < 16 && 8<<bits < n {
		bits++
	}
	t.shift = uint(64 - bits)
	t.dir = make([]uint32, 1<<bits+1)
	i := 0
	for k := range 1 << bits {
		for i < n && t.prefix(t.ids[i]) < uint64(k) {
			i++
		}
		t.dir[k] = uint32(i)
	}
	t.dir[1<<bits] = uint32(n)
}

func (t *table) prefix(id survey.ResponseID) uint64 {
	if t.shift == 64 {
		return 0
	}
	return binary.BigEndian.Uint64(id[:8]) >> t.shift
}

func (t *table) len() int {
	if t == nil {
		return 0
	}
	return len(t.ids)
}

func (t *table) entry(i int) Entry { return Entry{t.ids[i], t.digests[i], t.secs[i]} }

// find returns the position of id.
func (t *table) find(id survey.ResponseID) (int, bool) {
	if t.len() == 0 {
		return 0, false
	}
	k := t.prefix(id)
	lo, hi := int(t.dir[k]), int(t.dir[k+1])
	hi1, lo1 := binary.BigEndian.Uint64(id[:8]), binary.BigEndian.Uint64(id[8:])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := &t.ids[m]
		h, l := binary.BigEndian.Uint64(c[:8]), binary.BigEndian.Uint64(c[8:])
		if h < hi1 || (h == hi1 && l < lo1) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(t.ids) && t.ids[lo] == id
}

// merge returns a new table of t's entries and es (sorted, none of them in t).
func merge(t *table, es []Entry) *table {
	n := t.len()
	nt := newTable(n + len(es))
	i, j := 0, 0
	for k := range nt.ids {
		if j == len(es) || (i < n && compareIDs(t.ids[i], es[j].ID) < 0) {
			nt.ids[k], nt.digests[k], nt.secs[k] = t.ids[i], t.digests[i], t.secs[i]
			i++
		} else {
			nt.ids[k], nt.digests[k], nt.secs[k] = es[j].ID, es[j].Digest, es[j].Sec
			j++
		}
	}
	nt.index()
	return nt
}

func compareIDs(a, b survey.ResponseID) int {
	ah, bh := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	switch {
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

func compareEntries(a, b Entry) int { return compareIDs(a.ID, b.ID) }

// sortUnique sorts es by id, stably, and keeps the first entry of each id.
func sortUnique(es []Entry) []Entry {
	slices.SortStableFunc(es, compareEntries)
	return slices.CompactFunc(es, func(a, b Entry) bool { return a.ID == b.ID })
}
