package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newSecret returns 32 random bytes as URL-safe text (43 characters) and the hex SHA-256 of
// that text, which is all that is stored.
func newSecret(prefix string) (raw, hash string) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	raw = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return raw, HashSecret(raw)
}

// HashSecret is how a secret handed out (invitation, session id, API token) is stored and
// looked up: the hex SHA-256 of its text. A 256-bit random secret needs no slow hash.
func HashSecret(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// TokenPrefix starts every personal API token, so that secret scanners recognise one.
const TokenPrefix = "plb_"
