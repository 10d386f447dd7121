package links

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// KeyStore keeps a keyring's keys where several processes read them (a database table),
// instead of a key file. The key that signs new links is the one added last.
type KeyStore interface {
	// Load returns the keys as stored now.
	Load(ctx context.Context) (KeyState, error)
	// Add stores a new key, which signs every link from then on.
	Add(ctx context.Context, k StoredKey) error
	// Retire deletes key id's secret: the links it signed no longer verify.
	Retire(ctx context.Context, id string, at time.Time) error
}

// KeyState is a keyring's keys as a KeyStore or a key file holds them.
type KeyState struct {
	Current string // the key that signs new links
	Keys    []StoredKey
	Retired []RetiredKey
}

// StoredKey is one key that verifies links, with its secret.
type StoredKey struct {
	ID      string
	Created time.Time
	Secret  []byte
}

// RetiredKey is a key whose secret was deleted.
type RetiredKey struct {
	ID      string
	Retired time.Time
}

// StoreReloadEvery is how often a keyring over a KeyStore reads the keys again: a key
// retired by another process stops verifying here within it.
const StoreReloadEvery = time.Second

// storeTimeout bounds each call to the KeyStore.
const storeTimeout = 10 * time.Second

// OpenKeyringStore returns a keyring over st, adding a first key when st holds none. Sign
// and Verify read the keys again at most every StoreReloadEvery, and Verify, for a token
// naming a key it does not know, at most every StoreReloadEvery/4; when the store cannot be
// read they keep the keys they had.
func OpenKeyringStore(st KeyStore) (*Keyring, error) {
	k := &Keyring{store: st, now: time.Now, reloadEvery: StoreReloadEvery}
	if err := k.loadOrCreate(); err != nil {
		return nil, err
	}
	return k, nil
}

// OpenKeyringStoreLater is OpenKeyringStore for a process that must start while the store
// cannot be read (the database is down): it never fails. Until the keys are read, Sign
// returns ErrNoKeys and Verify ErrInvalid; both try the store again at most every
// StoreReloadEvery/4.
func OpenKeyringStoreLater(st KeyStore) *Keyring {
	k := &Keyring{store: st, now: time.Now, reloadEvery: StoreReloadEvery}
	if err := k.loadOrCreate(); err != nil {
		k.state.Store(&ring{})
	}
	return k
}

// ErrNoKeys is Sign's answer while the keys have not been read from the store.
var ErrNoKeys = errors.New("links: the keys that sign links cannot be read yet")

// ensureKeys reads the keys (adding a first one when the store holds none) when this keyring
// has none yet, as after OpenKeyringStoreLater with the store unreadable.
func (k *Keyring) ensureKeys() error {
	if k.store == nil || k.state.Load().current != "" {
		return nil
	}
	now := k.now().UnixNano()
	last := k.lastCheck.Load()
	if now-last < int64(k.reloadEvery/4) || !k.lastCheck.CompareAndSwap(last, now) {
		return ErrNoKeys
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.state.Load().current != "" {
		return nil
	}
	if err := k.loadOrCreate(); err != nil {
		return fmt.Errorf("%w: %w", ErrNoKeys, err)
	}
	return nil
}

// loadOrCreate reads the keys from the store, adding a first key when it holds none.
func (k *Keyring) loadOrCreate() error {
	st := k.store
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	s, err := st.Load(ctx)
	if err != nil {
		return fmt.Errorf("links: read keys: %w", err)
	}
	if len(s.Keys) == 0 {
		first, err := newKey(k.now(), retiredIDs(s))
		if err != nil {
			return err
		}
		if err := st.Add(ctx, StoredKey{ID: first.id, Created: first.created, Secret: first.secret}); err != nil {
			return fmt.Errorf("links: add key: %w", err)
		}
		if s, err = st.Load(ctx); err != nil {
			return fmt.Errorf("links: read keys: %w", err)
		}
	}
	r, err := ringOf(s)
	if err != nil {
		return err
	}
	k.state.Store(r)
	k.lastCheck.Store(k.now().UnixNano())
	return nil
}

func retiredIDs(s KeyState) []string {
	var ids []string
	for _, x := range s.Keys {
		ids = append(ids, x.ID)
	}
	for _, x := range s.Retired {
		ids = append(ids, x.ID)
	}
	return ids
}

// ringOf checks stored keys as parseRing checks a key file.
func ringOf(s KeyState) (*ring, error) {
	r := &ring{current: s.Current}
	for _, x := range s.Keys {
		if !validKID(x.ID) || len(x.Secret) != secretLen {
			return nil, fmt.Errorf("links: stored key %q is damaged", x.ID)
		}
		r.keys = append(r.keys, key{id: x.ID, created: seconds(x.Created), secret: slices.Clone(x.Secret)})
	}
	for _, x := range s.Retired {
		r.retired = append(r.retired, retiredKey{id: x.ID, retired: seconds(x.Retired)})
	}
	if !slices.ContainsFunc(r.keys, func(x key) bool { return x.id == r.current }) {
		return nil, fmt.Errorf("links: current key %q is not among the stored keys", s.Current)
	}
	return r, nil
}

// reloadStore reads the keys from the store. k.mu is held.
func (k *Keyring) reloadStore() (*ring, error) {
	k.lastCheck.Store(k.now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	s, err := k.store.Load(ctx)
	if err != nil {
		return k.state.Load(), fmt.Errorf("links: read keys: %w", err)
	}
	r, err := ringOf(s)
	if err != nil {
		return k.state.Load(), err
	}
	k.state.Store(r)
	return r, nil
}

// rotateStore is Rotate over a KeyStore.
func (k *Keyring) rotateStore() (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, err := k.reloadStore()
	if err != nil {
		return "", err
	}
	var taken []string
	for _, x := range r.keys {
		taken = append(taken, x.id)
	}
	for _, x := range r.retired {
		taken = append(taken, x.id)
	}
	nk, err := newKey(k.now(), taken)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := k.store.Add(ctx, StoredKey{ID: nk.id, Created: nk.created, Secret: nk.secret}); err != nil {
		return "", fmt.Errorf("links: add key: %w", err)
	}
	_, err = k.reloadStore()
	return nk.id, err
}

// retireStore is Retire over a KeyStore.
func (k *Keyring) retireStore(kid string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	r, err := k.reloadStore()
	if err != nil {
		return err
	}
	if kid == r.current {
		return fmt.Errorf("%w (%s)", ErrCurrentKey, kid)
	}
	if r.secret(kid) == nil {
		if slices.ContainsFunc(r.retired, func(x retiredKey) bool { return x.id == kid }) {
			return fmt.Errorf("%w: %s is already retired", ErrUnknownKey, kid)
		}
		return fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := k.store.Retire(ctx, kid, seconds(k.now())); err != nil {
		return fmt.Errorf("links: retire key: %w", err)
	}
	_, err = k.reloadStore()
	return err
}

// maybeReloadStore reads the keys again when every has passed since the last read.
func (k *Keyring) maybeReloadStore(every time.Duration) {
	now := k.now().UnixNano()
	last := k.lastCheck.Load()
	if now-last < int64(every) || !k.lastCheck.CompareAndSwap(last, now) {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	_, _ = k.reloadStore()
}

// ReadKeyFile returns the keys of the key file at path (fs.ErrNotExist when there is none),
// checked as OpenKeyring checks them, to copy them into a KeyStore.
func ReadKeyFile(path string) (KeyState, error) {
	r, err := readRing(path)
	if err != nil {
		return KeyState{}, err
	}
	s := KeyState{Current: r.current}
	for _, x := range r.keys {
		s.Keys = append(s.Keys, StoredKey{ID: x.id, Created: x.created, Secret: slices.Clone(x.secret)})
	}
	for _, x := range r.retired {
		s.Retired = append(s.Retired, RetiredKey{ID: x.id, Retired: x.retired})
	}
	return s, nil
}

// ValidKeyID says whether id can be a key's id.
func ValidKeyID(id string) bool { return validKID(id) }
