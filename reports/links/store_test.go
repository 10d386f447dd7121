package links

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// memStore is a KeyStore in memory, as a database table shared by processes would be.
type memStore struct {
	mu    sync.Mutex
	keys  []StoredKey
	gone  []RetiredKey
	loads int
	fail  error
}

func (m *memStore) Load(context.Context) (KeyState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	if m.fail != nil {
		return KeyState{}, m.fail
	}
	s := KeyState{Keys: slices.Clone(m.keys), Retired: slices.Clone(m.gone)}
	if len(m.keys) > 0 {
		s.Current = m.keys[len(m.keys)-1].ID
	}
	return s, nil
}

func (m *memStore) Add(_ context.Context, k StoredKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, k)
	return nil
}

func (m *memStore) Retire(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = slices.DeleteFunc(m.keys, func(k StoredKey) bool { return k.ID == id })
	m.gone = append(m.gone, RetiredKey{ID: id, Retired: at})
	return nil
}

// Two keyrings over one store: the first adds the first key; a key rotated in by one signs
// links the other verifies at once (it reads the keys again for a key it does not know); a
// key retired by one stops verifying on the other once StoreReloadEvery has passed, and
// not before (no read of the store on every Verify); the current key cannot be retired; a
// store that cannot be read leaves the keys as they were.
func TestKeyringsOverOneStore(t *testing.T) {
	st := &memStore{}
	a, err := OpenKeyringStore(st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenKeyringStore(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.keys) != 1 || len(b.Keys()) != 1 || b.Keys()[0].ID != a.Keys()[0].ID || a.Path() != "" {
		t.Fatalf("first key: %+v %+v", a.Keys(), b.Keys())
	}
	now := time.Now()
	clock := func() time.Time { return now }
	a.now, b.now = clock, clock
	a.lastCheck.Store(now.UnixNano())
	b.lastCheck.Store(now.UnixNano())
	claims := Claims{Publication: "abcdefghijklmnop", Scope: "s", Expires: now.Add(time.Hour)}
	first := a.Keys()[0].ID
	old, err := a.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := a.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Sign(claims)
	if err != nil || kidOf(tok) != kid {
		t.Fatalf("signed with %s after rotating to %s: %v", kidOf(tok), kid, err)
	}
	now = now.Add(StoreReloadEvery / 2) // past the reload gap for an unknown key
	if _, err := b.Verify(tok, now); err != nil {
		t.Fatalf("B verifies a key A rotated in: %v", err)
	}
	if err := b.Retire(kid); !errors.Is(err, ErrCurrentKey) {
		t.Errorf("retiring the current key: %v", err)
	}
	if err := b.Retire("zzzzzzzz"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("retiring an unknown key: %v", err)
	}
	if err := b.Retire(first); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(old, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("B verifies the key it retired: %v", err)
	}
	loads := st.loads
	if _, err := a.Verify(old, now); err != nil {
		t.Errorf("A, before reading the keys again: %v", err)
	}
	if st.loads != loads {
		t.Errorf("A read the store %d times for one Verify within the reload period", st.loads-loads)
	}
	now = now.Add(StoreReloadEvery)
	if _, err := a.Verify(old, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("A, %s after B retired the key: %v", StoreReloadEvery, err)
	}
	if err := b.Retire(first); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("retired twice: %v", err)
	}
	st.fail = errors.New("down")
	now = now.Add(StoreReloadEvery)
	if _, err := a.Verify(tok, now); err != nil {
		t.Errorf("store unreadable: %v", err)
	}
	if err := a.Reload(); err == nil {
		t.Error("Reload with an unreadable store said nothing")
	}
}

// A keyring opened while its store cannot be read (the database down at start) signs nothing
// and verifies nothing until the store answers, then reads the keys there, and adds the first
// one when the store holds none; links it signs verify on a keyring opened normally.
func TestKeyringOpenedBeforeItsStoreAnswers(t *testing.T) {
	st := &memStore{fail: errors.New("connection refused")}
	k := OpenKeyringStoreLater(st)
	k.reloadEvery = 40 * time.Millisecond
	c := Claims{Publication: "d1", Scope: "s", Expires: time.Now().Add(time.Hour)}
	if _, err := k.Sign(c); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Sign with the store down: %v, want ErrNoKeys", err)
	}
	if len(k.Keys()) != 0 {
		t.Fatalf("keys with the store down: %v", k.Keys())
	}
	// A well-formed link cannot be told good or bad yet: the caller must not say "no such
	// link" (a 404 makes a funder give up on a good one); a malformed one is bad anyway.
	elsewhere, err := OpenKeyringStore(&memStore{})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := elsewhere.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Verify(signed, time.Now()); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Verify with the store down: %v, want ErrNoKeys", err)
	}
	if _, err := k.Verify("not a link", time.Now()); !errors.Is(err, ErrInvalid) {
		t.Errorf("Verify of a malformed link with the store down: %v, want ErrInvalid", err)
	}
	st.mu.Lock()
	st.fail = nil
	st.mu.Unlock()
	var token string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if token, err = k.Sign(c); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("Sign once the store answers: %v", err)
	}
	other, err := OpenKeyringStore(st)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.Verify(token, time.Now()); err != nil || got.Publication != "d1" {
		t.Fatalf("another keyring verifies %v, %v", got, err)
	}
	if n := len(st.keys); n != 1 {
		t.Fatalf("%d keys stored, want the one first key", n)
	}
}
