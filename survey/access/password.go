package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are the production parameters: OWASP's first recommended argon2id
// configuration (Password Storage Cheat Sheet): m=46 MiB (47104 KiB), t=1, p=1, with a 16-byte
// salt and a 32-byte key. On a shared 2-core server (load average 4 to 5) one hash took 51 to
// 75 ms (BenchmarkHash), where RFC 9106's second option (m=64 MiB, t=3, p=2 here) took 277 to
// 490 ms of both cores. One lane keeps a hash on one core, and Service runs at most NumCPU-1
// hashes at once (at least one), so a flood of logins leaves a core to participants and holds
// 46 MiB per running hash.
var DefaultParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password length bounds, in characters (min) and bytes (max).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 512
)

// CheckPassword refuses a password too short to resist guessing or too long to hash cheaply.
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPassword hashes pw with a fresh salt and returns the PHC string
// $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func HashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash says a stored password hash is not an argon2id PHC string palabre can check.
var ErrBadHash = errors.New("access: not an argon2id PHC string")

// ParseHash reads a PHC string made by HashPassword: its parameters, salt and key.
func ParseHash(phc string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrBadHash, parts[2])
	}
	var m, t, threads uint64
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if !ok || perr != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			threads = n
		default:
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
		seen++
	}
	// Bounds keep a corrupted record from costing more than a login may.
	if seen != 3 || t < 1 || t > 64 || threads < 1 || threads > 255 || m < 8*threads || m > 4*1024*1024 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("%w: key", ErrBadHash)
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC string, comparing in constant time.
func VerifyPassword(pw, phc string) (bool, error) {
	p, salt, key, err := ParseHash(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a PHC string was made with parameters other than p.
func NeedsRehash(phc string, p Params) bool {
	got, _, _, err := ParseHash(phc)
	return err != nil || got != p
}
