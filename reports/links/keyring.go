package links

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// KeyInfo describes a key that verifies links, without its secret.
type KeyInfo struct {
	ID      string
	Created time.Time
	Current bool // the key that signs new links
}

var (
	// ErrCurrentKey is what Retire answers for the key that signs new links: rotate first.
	ErrCurrentKey = errors.New("links: the current key cannot be retired; rotate first")
	// ErrUnknownKey is what Retire answers for a key id the key file does not hold.
	ErrUnknownKey = errors.New("links: no such key")
)

const (
	secretLen   = 32
	fileVersion = 1
	maxFileSize = 1 << 20
)

// Keyring holds the keys that sign and verify links, kept in one JSON file. It is safe for
// concurrent use. Other processes may rotate or retire keys in the same file: Verify rereads
// the file when a token names a key it does not know and the file changed, and Sign and
// Verify look for a change at most once per second otherwise, so a key retired elsewhere stops
// verifying here within a second. Rotate and Retire take an exclusive lock (flock on a
// ".lock" file beside the key file) and start from the file as it is on disk, so two
// processes rotating at once both keep their keys.
type Keyring struct {
	path  string
	store KeyStore // instead of the key file when not nil
	state atomic.Pointer[ring]
	mu    sync.Mutex // serialises reloads and writes in this process

	now         func() time.Time
	reloadEvery time.Duration
	lastCheck   atomic.Int64 // Unix nanoseconds of the last look at the file
}

// ring is one immutable state of the key file.
type ring struct {
	current string
	keys    []key // in the order they were created
	retired []retiredKey
	info    fs.FileInfo // of the file it was read from or written to
}

type key struct {
	id      string
	created time.Time
	secret  []byte
}

type retiredKey struct {
	id      string
	retired time.Time
}

func (r *ring) secret(kid string) []byte {
	for i := range r.keys {
		if r.keys[i].id == kid {
			return r.keys[i].secret
		}
	}
	return nil
}

func (r *ring) currentKey() key {
	for _, k := range r.keys {
		if k.id == r.current {
			return k
		}
	}
	panic("links: keyring without its current key") // parse and Rotate never build one
}

// OpenKeyring opens the key file at path, or creates it (and its directory, 0700) with one
// fresh key if it does not exist. The file is created 0600. A file that group or others may
// read or write is refused, not repaired: its keys may have leaked, so the error says to
// restrict it and to rotate then retire its keys.
func OpenKeyring(path string) (*Keyring, error) {
	k := &Keyring{path: path, now: time.Now, reloadEvery: time.Second}
	r, err := readRing(path)
	if errors.Is(err, fs.ErrNotExist) {
		r, err = k.create()
	}
	if err != nil {
		return nil, err
	}
	k.state.Store(r)
	k.lastCheck.Store(k.now().UnixNano())
	return k, nil
}

// Path is the key file's path ("" for a keyring over a KeyStore).
func (k *Keyring) Path() string { return k.path }

// create writes a key file with one key, unless another process created it first.
func (k *Keyring) create() (*ring, error) {
	if err := os.MkdirAll(filepath.Dir(k.path), 0o700); err != nil {
		return nil, fmt.Errorf("links: create key file: %w", err)
	}
	unlock, err := lockFile(k.path + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	r, err := readRing(k.path)
	if !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	first, err := newKey(k.now(), nil)
	if err != nil {
		return nil, err
	}
	r = &ring{current: first.id, keys: []key{first}}
	if err := writeRing(k.path, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Sign returns the token for c, signed with the current key. Times are cut to the second;
// a zero IssuedAt becomes now.
func (k *Keyring) Sign(c Claims) (string, error) {
	if c.IssuedAt.IsZero() {
		c.IssuedAt = k.now()
	}
	c.IssuedAt, c.Expires = seconds(c.IssuedAt), seconds(c.Expires)
	if err := c.check(); err != nil {
		return "", err
	}
	if err := k.ensureKeys(); err != nil {
		return "", err
	}
	k.maybeReload()
	cur := k.state.Load().currentKey()
	return sign(cur.id, cur.secret, c), nil
}

// Verify checks token and returns its claims. It returns ErrInvalid for anything Sign did not
// produce with a key this keyring holds, and ErrExpired, with the claims, for a genuine token
// whose Expires is not after now (Expires itself is the first second a link no longer opens).
// Verify never returns another error. It does not compare IssuedAt with now, and knows
// nothing of revocation: the caller checks the claims against its publication.
func (k *Keyring) Verify(token string, now time.Time) (Claims, error) {
	kid, payload, sig, ok := splitToken(token)
	if !ok {
		return Claims{}, ErrInvalid
	}
	if err := k.ensureKeys(); err != nil {
		return Claims{}, err // cannot tell a good link from a bad one yet
	}
	k.maybeReload()
	secret := k.state.Load().secret(kid)
	if secret == nil && k.store != nil {
		// A key added by another process since we last looked.
		k.maybeReloadStore(k.reloadEvery / 4)
		secret = k.state.Load().secret(kid)
	} else if secret == nil && k.changed() {
		// A key rotated in by another process since we last looked.
		_ = k.Reload()
		secret = k.state.Load().secret(kid)
	}
	return verify(token, kid, payload, sig, secret, now)
}

// Rotate adds a new key that signs every link from now on; older keys still verify.
func (k *Keyring) Rotate() (kid string, err error) {
	if k.store != nil {
		return k.rotateStore()
	}
	err = k.update(func(r *ring) error {
		var taken []string
		for _, x := range r.keys {
			taken = append(taken, x.id)
		}
		for _, x := range r.retired {
			taken = append(taken, x.id)
		}
		nk, err := newKey(k.now(), taken)
		if err != nil {
			return err
		}
		r.keys = append(r.keys, nk)
		r.current, kid = nk.id, nk.id
		return nil
	})
	if err != nil {
		return "", err
	}
	return kid, nil
}

// Retire deletes key kid's secret from the file: every link it signed becomes invalid. The
// current key cannot be retired (ErrCurrentKey); a key id the file does not hold gives
// ErrUnknownKey.
func (k *Keyring) Retire(kid string) error {
	if k.store != nil {
		return k.retireStore(kid)
	}
	return k.update(func(r *ring) error {
		if kid == r.current {
			return fmt.Errorf("%w (%s)", ErrCurrentKey, kid)
		}
		i := slices.IndexFunc(r.keys, func(x key) bool { return x.id == kid })
		if i < 0 {
			if slices.ContainsFunc(r.retired, func(x retiredKey) bool { return x.id == kid }) {
				return fmt.Errorf("%w: %s is already retired", ErrUnknownKey, kid)
			}
			return fmt.Errorf("%w: %q", ErrUnknownKey, kid)
		}
		r.keys = slices.Delete(r.keys, i, i+1)
		r.retired = append(r.retired, retiredKey{id: kid, retired: seconds(k.now())})
		return nil
	})
}

// Keys lists the keys that verify links, oldest first.
func (k *Keyring) Keys() []KeyInfo {
	k.maybeReload()
	r := k.state.Load()
	out := make([]KeyInfo, len(r.keys))
	for i, x := range r.keys {
		out[i] = KeyInfo{ID: x.id, Created: x.created, Current: x.id == r.current}
	}
	return out
}

// Reload rereads the key file if it changed since it was last read or written. On error the
// keyring keeps the keys it had. Sign and Verify reload on their own (see Keyring) and keep
// the keys they had when the file cannot be read; Reload is how a caller hears about that.
func (k *Keyring) Reload() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.store != nil {
		_, err := k.reloadStore()
		return err
	}
	k.lastCheck.Store(k.now().UnixNano())
	_, err := k.fresh()
	return err
}

// update applies change to the keys as they are on disk and writes the result, under the
// process's mutex and the file lock.
func (k *Keyring) update(change func(*ring) error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	unlock, err := lockFile(k.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	r, err := k.fresh()
	if err != nil {
		return err
	}
	next := &ring{
		current: r.current,
		keys:    slices.Clone(r.keys),
		retired: slices.Clone(r.retired),
	}
	if err := change(next); err != nil {
		return err
	}
	if err := writeRing(k.path, next); err != nil {
		return err
	}
	k.state.Store(next)
	return nil
}

// fresh returns the keys as they are on disk, rereading the file if it changed. k.mu is held.
func (k *Keyring) fresh() (*ring, error) {
	r := k.state.Load()
	if !k.changed() {
		return r, nil
	}
	nr, err := readRing(k.path)
	if err != nil {
		return r, err
	}
	k.state.Store(nr)
	return nr, nil
}

// changed says whether the key file is no longer the one the keyring last read or wrote.
func (k *Keyring) changed() bool {
	fi, err := os.Stat(k.path)
	if err != nil {
		return true
	}
	old := k.state.Load().info
	return !os.SameFile(fi, old) || !fi.ModTime().Equal(old.ModTime()) || fi.Size() != old.Size() || fi.Mode() != old.Mode()
}

// maybeReload looks at the key file at most once per reloadEvery.
func (k *Keyring) maybeReload() {
	if k.store != nil {
		k.maybeReloadStore(k.reloadEvery)
		return
	}
	now := k.now().UnixNano()
	last := k.lastCheck.Load()
	if now-last < int64(k.reloadEvery) || !k.lastCheck.CompareAndSwap(last, now) {
		return
	}
	if k.changed() {
		_ = k.Reload()
	}
}

// newKey makes a key with a fresh random id, not one of taken.
func newKey(now time.Time, taken []string) (key, error) {
	secret := make([]byte, secretLen)
	if _, err := rand.Read(secret); err != nil {
		return key{}, fmt.Errorf("links: new key: %w", err)
	}
	for {
		var b [5]byte
		if _, err := rand.Read(b[:]); err != nil {
			return key{}, fmt.Errorf("links: new key id: %w", err)
		}
		id := kidEncoding.EncodeToString(b[:])
		if !slices.Contains(taken, id) {
			return key{id: id, created: seconds(now), secret: secret}, nil
		}
	}
}

var kidEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// keyFile is the key file's JSON.
type keyFile struct {
	Version int           `json:"version"`
	Current string        `json:"current"`
	Keys    []keyJSON     `json:"keys"`
	Retired []retiredJSON `json:"retired"`
}

type keyJSON struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Secret  []byte    `json:"secret"` // standard base64
}

type retiredJSON struct {
	ID      string    `json:"id"`
	Retired time.Time `json:"retired"`
}

// readRing reads and checks the key file at path.
func readRing(path string) (*ring, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("links: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("links: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("links: key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("links: key file %s has mode %04o: group or others may read or change it, "+
			"so its keys may have leaked; run chmod 600 on it, then rotate and retire the old keys",
			path, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("links: read key file %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("links: key file %s is damaged: larger than %d bytes", path, maxFileSize)
	}
	r, err := parseRing(data)
	if err != nil {
		return nil, fmt.Errorf("links: key file %s is damaged: %w", path, err)
	}
	r.info = fi
	return r, nil
}

func parseRing(data []byte) (*ring, error) {
	var kf keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	if kf.Version != fileVersion {
		return nil, fmt.Errorf("version %d, want %d", kf.Version, fileVersion)
	}
	r := &ring{current: kf.Current}
	seen := map[string]bool{}
	for i, x := range kf.Keys {
		switch {
		case !validKID(x.ID):
			return nil, fmt.Errorf("key %d: id %q is not %d characters of a-z2-7", i+1, x.ID, kidLen)
		case seen[x.ID]:
			return nil, fmt.Errorf("key %s appears twice", x.ID)
		case len(x.Secret) != secretLen:
			return nil, fmt.Errorf("key %s: secret has %d bytes, want %d", x.ID, len(x.Secret), secretLen)
		case x.Created.IsZero():
			return nil, fmt.Errorf("key %s: no creation time", x.ID)
		}
		seen[x.ID] = true
		r.keys = append(r.keys, key{id: x.ID, created: seconds(x.Created), secret: x.Secret})
	}
	for _, x := range kf.Retired {
		if !validKID(x.ID) {
			return nil, fmt.Errorf("retired key id %q is not %d characters of a-z2-7", x.ID, kidLen)
		}
		if seen[x.ID] {
			return nil, fmt.Errorf("key %s is both active and retired", x.ID)
		}
		seen[x.ID] = true
		r.retired = append(r.retired, retiredKey{id: x.ID, retired: seconds(x.Retired)})
	}
	if !slices.ContainsFunc(r.keys, func(x key) bool { return x.id == r.current }) {
		return nil, fmt.Errorf("current key %q is not among its keys", kf.Current)
	}
	return r, nil
}

// writeRing replaces the key file with r, atomically: a 0600 temporary file in the same
// directory, synced, renamed over the file, and the directory synced. It sets r.info.
func writeRing(path string, r *ring) error {
	kf := keyFile{Version: fileVersion, Current: r.current, Keys: []keyJSON{}, Retired: []retiredJSON{}}
	for _, x := range r.keys {
		kf.Keys = append(kf.Keys, keyJSON{ID: x.id, Created: x.created, Secret: x.secret})
	}
	for _, x := range r.retired {
		kf.Retired = append(kf.Retired, retiredJSON{ID: x.id, Retired: x.retired})
	}
	data, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("links: write key file: sync %s: %w", dir, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("links: write key file: %w", err)
	}
	r.info = fi
	return nil
}
