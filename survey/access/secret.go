package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
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

// secretLen is the length of a secret's text after its prefix: 32 bytes in unpadded base64.
const secretLen = 43

// WellFormed reports whether raw has the shape of a secret newSecret makes with prefix:
// the prefix and 43 characters of URL-safe base64. Anything else is refused without a lookup.
func WellFormed(raw, prefix string) bool {
	rest, ok := strings.CutPrefix(raw, prefix)
	if !ok || len(rest) != secretLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
