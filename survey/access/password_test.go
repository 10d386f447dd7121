package access_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
)

var cheap = accesstest.CheapParams

func TestHashPasswordPHC(t *testing.T) {
	phc, err := access.HashPassword("correct horse battery", access.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Errorf("PHC string %q", phc)
	}
	p, salt, key, err := access.ParseHash(phc)
	if err != nil || p != access.DefaultParams || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("parsed %+v salt %d key %d: %v", p, len(salt), len(key), err)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse battery ": false, "": false, "Correct horse battery": false} {
		if ok, err := access.VerifyPassword(pw, phc); ok != want || err != nil {
			t.Errorf("verify %q: %v %v, want %v", pw, ok, err, want)
		}
	}
	again, _ := access.HashPassword("correct horse battery", access.DefaultParams)
	if again == phc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if access.NeedsRehash(phc, access.DefaultParams) {
		t.Error("a hash with the current parameters needs rehashing")
	}
	for _, p := range []access.Params{cheap, {Memory: 47104, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 47104, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, {Memory: 65536, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 47104, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64}} {
		if !access.NeedsRehash(phc, p) {
			t.Errorf("a hash with %+v does not need rehashing for %+v", access.DefaultParams, p)
		}
	}
	if !access.NeedsRehash("garbage", access.DefaultParams) {
		t.Error("garbage does not need rehashing")
	}
}

// TestParseHash reads a PHC string made elsewhere and refuses malformed or unreasonably
// costly ones.
func TestParseHash(t *testing.T) {
	// The reference implementation's test vector for argon2id, "password" salted "somesalt",
	// t=3, m=256 KiB, p=2, 24-byte key (4668d30a…ef0b), written as a PHC string.
	ref := "$argon2id$v=19$m=256,t=3,p=2$c29tZXNhbHQ$RmjTCsQYfmh47t6s8P2DxaCjDbLMFu8L"
	p, salt, _, err := access.ParseHash(ref)
	if err != nil || p.Memory != 256 || p.Time != 3 || p.Threads != 2 || p.KeyLen != 24 || string(salt) != "somesalt" {
		t.Fatalf("reference hash: %+v %q %v", p, salt, err)
	}
	if ok, err := access.VerifyPassword("password", ref); !ok || err != nil {
		t.Errorf("the reference CLI's hash of \"password\" does not verify: %v %v", ok, err)
	}
	valid := strings.Split(ref, "$")
	with := func(i int, v string) string {
		parts := append([]string(nil), valid...)
		parts[i] = v
		return strings.Join(parts, "$")
	}
	for name, phc := range map[string]string{
		"argon2i":         with(1, "argon2i"),
		"version 16":      with(2, "v=16"),
		"no version":      "$argon2id$m=256,t=3,p=2$c29tZXNhbHQ$RmjTCsQYfmh47t6s8P2DxaCjDbLMFu8L",
		"missing t":       with(3, "m=256,p=2"),
		"unknown k":       with(3, "m=256,t=3,p=2,x=1"),
		"t=0":             with(3, "m=256,t=0,p=2"),
		"m too large":     with(3, "m=8388608,t=3,p=2"),
		"m below 8p":      with(3, "m=8,t=3,p=2"),
		"negative":        with(3, "m=-1,t=3,p=2"),
		"salt not base64": with(4, "!!"),
		"short salt":      with(4, "c29tZQ"),
		"short key":       with(5, "c29tZXNhbHQ"),
		"empty":           "",
		"bcrypt":          "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
	} {
		if _, _, _, err := access.ParseHash(phc); !errors.Is(err, access.ErrBadHash) {
			t.Errorf("%s (%q): %v, want ErrBadHash", name, phc, err)
		}
		if ok, err := access.VerifyPassword("password", phc); ok || err == nil {
			t.Errorf("%s verifies: %v %v", name, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{"123456789": false, "1234567890": true, "éééééééééé": true, "ééééé": false,
		strings.Repeat("x", access.MaxPasswordLen): true, strings.Repeat("x", access.MaxPasswordLen+1): false} {
		if err := access.CheckPassword(pw); (err == nil) != ok {
			t.Errorf("%.12q (%d bytes): %v", pw, len(pw), err)
		}
	}
}

func TestAuthorize(t *testing.T) {
	for _, c := range []struct {
		user   access.User
		survey string
		want   bool
	}{
		{access.User{Role: access.Admin}, "families", true},
		{access.User{Role: access.Admin, Surveys: []string{"other"}}, "families", true},
		{access.User{Role: access.Admin, Disabled: true}, "families", false},
		{access.User{Role: access.Coordinator}, "families", true},
		{access.User{Role: access.Coordinator, Surveys: []string{"families", "meeting"}}, "meeting", true},
		{access.User{Role: access.Coordinator, Surveys: []string{"families"}}, "meeting", false},
		{access.User{Role: access.Coordinator, Surveys: []string{"families"}}, "", false},
		{access.User{Role: access.Coordinator, Disabled: true}, "families", false},
		{access.User{Role: "owner"}, "families", false},
		{access.User{}, "families", false},
	} {
		if got := access.Authorize(c.user, c.survey); got != c.want {
			t.Errorf("Authorize(%+v, %q) = %v", c.user, c.survey, got)
		}
	}
}

func TestNormaliseEmail(t *testing.T) {
	for in, want := range map[string]string{" Ana@Example.ORG ": "ana@example.org", "ana+palabre@example.org": "ana+palabre@example.org",
		"Ana <ana@example.org>": "", "ana": "", "": "", "a@b@c": "", "ana@example.org, bob@example.org": ""} {
		got, err := access.NormaliseEmail(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("NormaliseEmail(%q) = %q, %v", in, got, err)
		}
	}
}

// BenchmarkHash measures one password hash (the cost of a login) with the production
// parameters, and with OWASP's other options and RFC 9106's second for comparison.
func BenchmarkHash(b *testing.B) {
	for _, p := range []access.Params{access.DefaultParams,
		{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32},
	} {
		b.Run(fmt.Sprintf("m=%dMiB,t=%d,p=%d", p.Memory/1024, p.Time, p.Threads), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := access.HashPassword("correct horse battery", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
