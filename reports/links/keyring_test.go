package links

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func kidOf(tok string) string { return strings.Split(tok, ".")[1] }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyFileCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	path := filepath.Join(dir, "links.json")
	k, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %04o, want %04o", p, got, want)
		}
	}
	var kf keyFile
	if err := json.Unmarshal(readFile(t, path), &kf); err != nil {
		t.Fatal(err)
	}
	if len(kf.Keys) != 1 || len(kf.Keys[0].Secret) != secretLen || kf.Current != kf.Keys[0].ID || kf.Version != 1 {
		t.Fatalf("new key file = %+v, want one %d-byte key, current", kf, secretLen)
	}
	if bytes.Equal(kf.Keys[0].Secret, make([]byte, secretLen)) {
		t.Error("the new secret is all zeros")
	}
	keys := k.Keys()
	if len(keys) != 1 || keys[0].ID != kf.Current || !keys[0].Current || time.Since(keys[0].Created) > time.Minute {
		t.Errorf("Keys() = %+v", keys)
	}
	// Opening it again reads the same key; a second fresh file has another.
	again, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	tok := mustSign(t, k, typical)
	if _, err := again.Verify(tok, issued); err != nil {
		t.Errorf("reopened key file: %v", err)
	}
	other, _ := openTest(t)
	if other.Keys()[0].ID == kf.Current {
		t.Error("two new key files have the same key id")
	}
	if _, err := other.Verify(tok, issued); err != ErrInvalid {
		t.Errorf("another key file verifies our token: %v", err)
	}
	// Nothing left beside it but the lock file.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"links.json", "links.json.lock"}) {
		t.Errorf("key directory holds %v", names)
	}
}

func TestKeyFileTooOpen(t *testing.T) {
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o620, 0o602, 0o660, 0o666} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			k, _ := openTest(t)
			if err := os.Chmod(k.path, mode); err != nil {
				t.Fatal(err)
			}
			before := readFile(t, k.path)
			_, err := OpenKeyring(k.path)
			if err == nil || !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), k.path) {
				t.Fatalf("OpenKeyring on a %04o file: %v; want an error that names the file and says chmod 600", mode, err)
			}
			if fi, _ := os.Stat(k.path); fi.Mode().Perm() != mode || !bytes.Equal(readFile(t, k.path), before) {
				t.Error("OpenKeyring changed the file it refused")
			}
			if err := k.Reload(); err == nil {
				t.Error("Reload accepted the file")
			}
			if _, err := k.Rotate(); err == nil {
				t.Error("Rotate wrote over the file")
			}
		})
	}
	t.Run("0400 is fine", func(t *testing.T) {
		k, _ := openTest(t)
		os.Chmod(k.path, 0o400)
		if _, err := OpenKeyring(k.path); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDamagedKeyFile(t *testing.T) {
	k, _ := openTest(t)
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	good := string(readFile(t, k.path))
	var kf keyFile
	json.Unmarshal([]byte(good), &kf)
	id0, id1 := kf.Keys[0].ID, kf.Keys[1].ID
	s0 := base64.StdEncoding.EncodeToString(kf.Keys[0].Secret)
	created0, _ := json.Marshal(kf.Keys[0].Created)
	tests := []struct{ name, content, says string }{
		{"empty", "", "EOF"},
		{"not JSON", "secret", "invalid character"},
		{"cut in half", good[:len(good)/2], "unexpected EOF"},
		{"JSON array", "[]", "cannot unmarshal"},
		{"data after the object", good + "{}", "data after"},
		{"unknown field", strings.Replace(good, `"version"`, `"versoin": 1, "version"`, 1), "unknown field"},
		{"version 2", strings.Replace(good, `"version": 1`, `"version": 2`, 1), "version 2"},
		{"short secret", strings.Replace(good, s0, base64.StdEncoding.EncodeToString(make([]byte, 16)), 1), "16 bytes"},
		{"secret not base64", strings.Replace(good, s0, "!"+s0[1:], 1), "illegal base64"},
		{"bad key id", strings.ReplaceAll(good, id0, "ABCDEFGH"), `key 1: id "ABCDEFGH" is not 8 characters of a-z2-7`},
		{"bad second key id", strings.ReplaceAll(good, id1, "abcdefg"), `key 2: id "abcdefg"`},
		{"larger than 1 MiB", good + strings.Repeat(" ", maxFileSize+1-len(good)), "larger than 1048576 bytes"},
		{"key twice", strings.ReplaceAll(good, id1, id0), "twice"},
		{"current key missing", strings.Replace(good, `"current": "`+id1, `"current": "zzzzzzzz`, 1), "current key"},
		{"no keys", `{"version": 1, "current": "` + id0 + `", "keys": [], "retired": []}`, "current key"},
		{"no creation time", strings.Replace(good, `"created": `+string(created0), `"created": "0001-01-01T00:00:00Z"`, 1), "no creation time"},
		{"active and retired", strings.Replace(good, `"retired": []`, `"retired": [{"id": "`+id0+`", "retired": "2026-01-01T00:00:00Z"}]`, 1), "both active and retired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "links.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenKeyring(path)
			if err == nil {
				t.Fatal("OpenKeyring accepted a damaged file")
			}
			if msg := err.Error(); !strings.Contains(msg, path+" is damaged") || !strings.Contains(msg, tt.says) {
				t.Errorf("error %q, want it to name %s as damaged and say %q", msg, path, tt.says)
			}
			if got := string(readFile(t, path)); got != tt.content {
				t.Error("OpenKeyring changed the damaged file")
			}
		})
	}
	t.Run("1 MiB with trailing spaces is fine", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "links.json")
		if err := os.WriteFile(path, []byte(good+strings.Repeat(" ", maxFileSize-len(good))), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenKeyring(path); err != nil {
			t.Fatal(err)
		}
	})
	if !strings.Contains(good, `"retired": []`) {
		t.Fatalf("test: key file layout changed:\n%s", good)
	}
}

// A keyring whose file gets damaged keeps its keys, refuses to write, and says so on Reload.
func TestDamagedWhileOpen(t *testing.T) {
	k, clk := openTest(t)
	tok := mustSign(t, k, typical)
	if err := os.WriteFile(k.path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour) // past the reload interval
	if _, err := k.Verify(tok, issued); err != nil {
		t.Errorf("Verify after the file was damaged: %v", err)
	}
	if err := k.Reload(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Reload = %v, want damaged", err)
	}
	if _, err := k.Rotate(); err == nil {
		t.Error("Rotate wrote over a damaged file")
	}
	if string(readFile(t, k.path)) != "{" {
		t.Error("the damaged file was overwritten")
	}
}

func TestRotate(t *testing.T) {
	k, _ := openTest(t)
	first := k.Keys()[0].ID
	oldTok := mustSign(t, k, typical)
	kids := []string{first}
	for range 3 {
		kid, err := k.Rotate()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(kids, kid) || !validKID(kid) {
			t.Fatalf("Rotate gave key id %q after %v", kid, kids)
		}
		kids = append(kids, kid)
		if tok := mustSign(t, k, typical); kidOf(tok) != kid {
			t.Errorf("after Rotate, Sign uses key %s, want %s", kidOf(tok), kid)
		}
	}
	newTok := mustSign(t, k, typical)
	check := func(k *Keyring) {
		t.Helper()
		for _, tok := range []string{oldTok, newTok} {
			if c, err := k.Verify(tok, issued); err != nil || c != typical {
				t.Errorf("Verify(%s…) = %+v, %v", tok[:12], c, err)
			}
		}
		var ids []string
		for _, ki := range k.Keys() {
			ids = append(ids, ki.ID)
			if ki.Current != (ki.ID == kids[len(kids)-1]) {
				t.Errorf("key %s: Current = %v", ki.ID, ki.Current)
			}
		}
		if !slices.Equal(ids, kids) {
			t.Errorf("Keys() = %v, want %v", ids, kids)
		}
	}
	check(k)
	reopened, err := OpenKeyring(k.path)
	if err != nil {
		t.Fatal(err)
	}
	check(reopened)
	if tok := mustSign(t, reopened, typical); kidOf(tok) != kids[len(kids)-1] {
		t.Errorf("reopened key file signs with %s", kidOf(tok))
	}
	if fi, _ := os.Stat(k.path); fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten key file has mode %04o", fi.Mode().Perm())
	}
}

func TestRetire(t *testing.T) {
	k, _ := openTest(t)
	first := k.Keys()[0].ID
	firstSecret := base64.StdEncoding.EncodeToString(k.state.Load().secret(first))
	oldTok := mustSign(t, k, typical)
	second, err := k.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	newTok := mustSign(t, k, typical)

	if err := k.Retire(second); !errors.Is(err, ErrCurrentKey) {
		t.Fatalf("Retire(current) = %v, want ErrCurrentKey", err)
	}
	if _, err := k.Verify(newTok, issued); err != nil {
		t.Fatalf("current key's token after a refused Retire: %v", err)
	}
	if err := k.Retire(first); err != nil {
		t.Fatal(err)
	}
	for _, kr := range []*Keyring{k, mustOpen(t, k.path)} {
		if _, err := kr.Verify(oldTok, issued); err != ErrInvalid {
			t.Errorf("retired key's token: %v, want ErrInvalid", err)
		}
		if _, err := kr.Verify(oldTok, expires.Add(time.Hour)); err != ErrInvalid {
			t.Errorf("retired key's expired token: %v, want ErrInvalid", err)
		}
		if _, err := kr.Verify(newTok, issued); err != nil {
			t.Errorf("current key's token: %v", err)
		}
		if keys := kr.Keys(); len(keys) != 1 || keys[0].ID != second {
			t.Errorf("Keys() = %+v, want only %s", keys, second)
		}
	}
	if file := string(readFile(t, k.path)); strings.Contains(file, firstSecret) || !strings.Contains(file, first) {
		t.Errorf("key file after Retire still holds the secret, or forgot the id:\n%s", file)
	}
	if err := k.Retire(first); !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "already retired") {
		t.Errorf("Retire twice = %v, want ErrUnknownKey, already retired", err)
	}
	if err := k.Retire("zzzzzzzz"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Retire(unknown) = %v, want ErrUnknownKey", err)
	}
}

func mustOpen(t *testing.T, path string) *Keyring {
	t.Helper()
	k, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// changed is what decides to reread the file: not after our own writes, after anyone else's.
func TestChanged(t *testing.T) {
	k, _ := openTest(t)
	if k.changed() {
		t.Fatal("changed right after OpenKeyring")
	}
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if k.changed() {
		t.Fatal("changed after its own Rotate")
	}
	other := mustOpen(t, k.path)
	if _, err := other.Rotate(); err != nil {
		t.Fatal(err)
	}
	if !k.changed() {
		t.Fatal("not changed after another keyring's Rotate")
	}
	if err := k.Reload(); err != nil || k.changed() {
		t.Fatalf("after Reload: %v, changed %v", err, k.changed())
	}
	os.Chmod(k.path, 0o400)
	if !k.changed() {
		t.Error("not changed after chmod")
	}
	os.Remove(k.path)
	if !k.changed() {
		t.Error("not changed after the file was removed")
	}
}

// Two keyrings on one file behave as palabre serve and palabre share --rotate-key would.
func TestOtherProcessChangesTheFile(t *testing.T) {
	share, _ := openTest(t)
	serve := mustOpen(t, share.path)
	clk := &clock{t: issued}
	serve.now = clk.now
	serve.lastCheck.Store(clk.t.UnixNano()) // it just looked at the file
	first := share.Keys()[0].ID
	oldTok := mustSign(t, serve, typical)

	second, err := share.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	// A link signed with a key serve has not seen yet: the unknown key id makes it look.
	newTok := mustSign(t, share, typical)
	if _, err := serve.Verify(newTok, issued); err != nil {
		t.Fatalf("serve, link signed by a key rotated in elsewhere: %v", err)
	}
	if tok := mustSign(t, serve, typical); kidOf(tok) != second {
		t.Errorf("serve signs with %s after reloading, want %s", kidOf(tok), second)
	}

	// A key retired elsewhere stops verifying once the reload interval has passed.
	if err := share.Retire(first); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(serve.reloadEvery - time.Nanosecond)
	if _, err := serve.Verify(oldTok, issued); err != nil {
		t.Errorf("serve looked at the file again within %s: %v", serve.reloadEvery, err)
	}
	clk.t = clk.t.Add(time.Nanosecond)
	if _, err := serve.Verify(oldTok, issued); err != ErrInvalid {
		t.Errorf("serve, link of a key retired elsewhere: %v, want ErrInvalid", err)
	}

	// A rotation from a keyring that has not seen the last one keeps both.
	third, err := serve.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	fourth, err := share.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ki := range mustOpen(t, share.path).Keys() {
		ids = append(ids, ki.ID)
	}
	if want := []string{second, third, fourth}; !slices.Equal(ids, want) {
		t.Errorf("key file holds %v, want %v", ids, want)
	}

	// A file copied over in place (cp from a backup keeps the inode) is noticed too.
	backup := readFile(t, share.path)
	if err := share.Retire(second); err != nil {
		t.Fatal(err)
	}
	if err := serve.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := serve.Verify(newTok, issued); err != ErrInvalid {
		t.Fatalf("retired key: %v", err)
	}
	f, err := os.OpenFile(share.path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(backup); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := serve.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := serve.Verify(newTok, issued); err != nil {
		t.Errorf("key restored in place: %v", err)
	}
}

func TestConcurrentRotations(t *testing.T) {
	a, _ := openTest(t)
	b := mustOpen(t, a.path) // its own file descriptors, as another process
	const each = 5
	var wg sync.WaitGroup
	for _, k := range []*Keyring{a, b, a, b} {
		wg.Go(func() {
			for range each {
				if _, err := k.Rotate(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(mustOpen(t, a.path).Keys()); n != 1+4*each {
		t.Errorf("key file holds %d keys after %d rotations, want %d", n, 4*each, 1+4*each)
	}
}

// Sign, Verify, Rotate, Keys and Reload at once, for the race detector.
func TestConcurrentUse(t *testing.T) {
	k, _ := openTest(t)
	k.now = time.Now
	k.reloadEvery = 0
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Go(func() {
			c := typical
			c.Publication = fmt.Sprintf("p-%d", i)
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				c.IssuedAt = issued.Add(time.Duration(j) * time.Second)
				tok, err := k.Sign(c)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := k.Verify(tok, issued); err != nil || got != c {
					t.Errorf("Verify = %+v, %v", got, err)
					return
				}
				_ = k.Keys()
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := k.Rotate(); err != nil {
				t.Error(err)
			}
			if err := k.Reload(); err != nil {
				t.Error(err)
			}
		}
		close(stop)
	})
	wg.Wait()
	if n := len(k.Keys()); n != 21 {
		t.Errorf("%d keys, want 21", n)
	}
}
