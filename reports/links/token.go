package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims is what a link carries.
type Claims struct {
	Publication string    // publication id: 1 to 64 of [a-z0-9-]
	Scope       string    // the publication's scope as a canonical string, opaque here, at most 256 bytes
	IssuedAt    time.Time // second precision; Sign sets it to now when zero
	Expires     time.Time // second precision; zero means never. The link is valid while now < Expires.
}

// Limits of the claims a token carries.
const (
	MaxPublication = 64
	MaxScope       = 256
)

var (
	// ErrInvalid is a token that is malformed, names an unknown or retired key, has a bad
	// MAC, or whose payload was edited. The page answers 404: nothing about why.
	ErrInvalid = errors.New("links: invalid link")
	// ErrExpired is a genuine token past its Expires. Verify returns its claims too, so the
	// page can say when it expired.
	ErrExpired = errors.New("links: link expired")
	// ErrClaims is what Sign returns for claims it cannot carry.
	ErrClaims = errors.New("links: bad claims")
)

const (
	version = "v1"
	kidLen  = 8 // 5 random bytes in lower-case base32
	macLen  = sha256.Size
	// payload: len(publication) byte, publication, len(scope) uint16, scope, issued uint64, expires uint64
	maxPayload = 1 + MaxPublication + 2 + MaxScope + 8 + 8
)

// MaxTokenLen is the length of the longest token Sign can produce (508 characters); Verify
// refuses longer input before decoding anything.
const MaxTokenLen = len(version) + 1 + kidLen + 1 + (maxPayload*8+5)/6 + 1 + (macLen*8+5)/6

// maxUnix is the last second of the year 9999, the last time RFC 3339 (and encoding/json)
// can write: claims stay storable as JSON.
const maxUnix = 253402300799

// b64 refuses padding and non-zero trailing bits, but like every encoding/base64 decoder it
// skips \r and \n: Verify compares the re-encoded token with its input to refuse those too.
var b64 = base64.RawURLEncoding.Strict()

// check says whether c can be carried by a token, with the times already at second precision.
func (c Claims) check() error {
	if n := len(c.Publication); n == 0 || n > MaxPublication {
		return fmt.Errorf("%w: publication id must have 1 to %d characters, not %d", ErrClaims, MaxPublication, n)
	}
	for i := 0; i < len(c.Publication); i++ {
		if b := c.Publication[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return fmt.Errorf("%w: publication id %q: only a-z, 0-9 and '-' are allowed", ErrClaims, c.Publication)
		}
	}
	if len(c.Scope) > MaxScope {
		return fmt.Errorf("%w: scope has %d bytes, at most %d", ErrClaims, len(c.Scope), MaxScope)
	}
	if c.IssuedAt.Unix() < 0 {
		return fmt.Errorf("%w: issued at %s, before 1970", ErrClaims, c.IssuedAt)
	}
	if c.IssuedAt.Unix() > maxUnix || c.Expires.Unix() > maxUnix {
		return fmt.Errorf("%w: a time after the year 9999", ErrClaims)
	}
	if !c.Expires.IsZero() && !c.Expires.After(c.IssuedAt) {
		return fmt.Errorf("%w: expires at %s, not after it is issued (%s)", ErrClaims,
			c.Expires.Format(time.RFC3339), c.IssuedAt.Format(time.RFC3339))
	}
	return nil
}

// seconds drops what is below a second and the location, so that the claims Verify returns
// are equal (==) to those Sign carried.
func seconds(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Unix(), 0).UTC()
}

// encodePayload lays c out as
//
//	1 byte   len(Publication)
//	n bytes  Publication
//	2 bytes  len(Scope), big-endian
//	m bytes  Scope
//	8 bytes  IssuedAt, Unix seconds, big-endian
//	8 bytes  Expires, Unix seconds, big-endian; 0 = never
//
// c must have passed check.
func encodePayload(c Claims) []byte {
	b := []byte{byte(len(c.Publication))}
	b = append(b, c.Publication...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.Scope)))
	b = append(b, c.Scope...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.IssuedAt.Unix()))
	var exp uint64
	if !c.Expires.IsZero() {
		exp = uint64(c.Expires.Unix())
	}
	return binary.BigEndian.AppendUint64(b, exp)
}

// decodePayload reads what encodePayload wrote, and nothing else.
func decodePayload(b []byte) (Claims, error) {
	var c Claims
	if len(b) == 0 {
		return c, ErrInvalid
	}
	n := int(b[0])
	b = b[1:]
	if len(b) < n+2 {
		return c, ErrInvalid
	}
	c.Publication = string(b[:n])
	b = b[n:]
	m := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) != m+16 {
		return c, ErrInvalid
	}
	c.Scope = string(b[:m])
	b = b[m:]
	iat, exp := binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	if iat > maxUnix || exp > maxUnix {
		return c, ErrInvalid
	}
	c.IssuedAt = time.Unix(int64(iat), 0).UTC()
	if exp != 0 {
		c.Expires = time.Unix(int64(exp), 0).UTC()
	}
	if c.check() != nil {
		return c, ErrInvalid
	}
	return c, nil
}

func mac(secret []byte, signed string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(signed))
	return h.Sum(nil)
}

// sign builds the token of c (already checked) under key kid.
func sign(kid string, secret []byte, c Claims) string {
	signed := version + "." + kid + "." + b64.EncodeToString(encodePayload(c))
	return signed + "." + b64.EncodeToString(mac(secret, signed))
}

// splitToken cuts a token into its key id, payload and MAC, without trusting any of them.
func splitToken(token string) (kid, payload, sig string, ok bool) {
	if len(token) > MaxTokenLen {
		return "", "", "", false
	}
	rest, ok := strings.CutPrefix(token, version+".")
	if !ok {
		return "", "", "", false
	}
	kid, rest, ok = strings.Cut(rest, ".")
	if !ok || !validKID(kid) {
		return "", "", "", false
	}
	payload, sig, ok = strings.Cut(rest, ".")
	if !ok {
		return "", "", "", false
	}
	return kid, payload, sig, true
}

// validKID says whether s can be a key id: kidLen characters of lower-case base32.
func validKID(s string) bool {
	if len(s) != kidLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; !(b >= 'a' && b <= 'z' || b >= '2' && b <= '7') {
			return false
		}
	}
	return true
}

// verify checks token against the secret its key id names (nil: unknown or retired key).
func verify(token, kid, payload, sig string, secret []byte, now time.Time) (Claims, error) {
	if secret == nil {
		return Claims{}, ErrInvalid
	}
	got, err := b64.DecodeString(sig)
	if err != nil || len(got) != macLen {
		return Claims{}, ErrInvalid
	}
	signed := token[:len(token)-len(sig)-1]
	if !hmac.Equal(got, mac(secret, signed)) {
		return Claims{}, ErrInvalid
	}
	raw, err := b64.DecodeString(payload)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	c, err := decodePayload(raw)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	// Only what Sign wrote, byte for byte: no skipped line breaks, no second form of the MAC.
	if sign(kid, secret, c) != token {
		return Claims{}, ErrInvalid
	}
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}
