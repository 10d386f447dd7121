package links

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	issued  = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	expires = issued.Add(90 * 24 * time.Hour)
	typical = Claims{
		Publication: "tangier-2026-funders",
		Scope:       "meeting;2024,2025,2026;country,edition;fr",
		IssuedAt:    issued,
		Expires:     expires,
	}
)

// openTest opens a fresh key file in a temporary directory, with a clock the test can move.
func openTest(t testing.TB) (*Keyring, *clock) {
	t.Helper()
	k, err := OpenKeyring(filepath.Join(t.TempDir(), "keys", "links.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: issued}
	k.now = c.now
	return k, c
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func mustSign(t testing.TB, k *Keyring, c Claims) string {
	t.Helper()
	tok, err := k.Sign(c)
	if err != nil {
		t.Fatalf("Sign(%+v): %v", c, err)
	}
	return tok
}

// tokenAlphabet is every character a token may hold.
const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

func TestRoundTrip(t *testing.T) {
	k, clk := openTest(t)
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   Claims
		want Claims
	}{
		{"typical", typical, typical},
		{"never expires", Claims{Publication: "p", Scope: "s", IssuedAt: issued},
			Claims{Publication: "p", Scope: "s", IssuedAt: issued}},
		{"empty scope", Claims{Publication: "p-1", IssuedAt: issued, Expires: expires},
			Claims{Publication: "p-1", IssuedAt: issued, Expires: expires}},
		{"longest publication and scope, any bytes in the scope",
			Claims{Publication: strings.Repeat("a-9", 21) + "z", Scope: strings.Repeat("é.\x00\xff;", 42) + "wxyz", IssuedAt: issued, Expires: expires},
			Claims{Publication: strings.Repeat("a-9", 21) + "z", Scope: strings.Repeat("é.\x00\xff;", 42) + "wxyz", IssuedAt: issued, Expires: expires}},
		{"times cut to the second and to UTC",
			Claims{Publication: "p", Scope: "s", IssuedAt: issued.Add(999 * time.Millisecond).In(cet), Expires: expires.Add(time.Nanosecond).In(cet)},
			Claims{Publication: "p", Scope: "s", IssuedAt: issued, Expires: expires}},
		{"zero IssuedAt is now", Claims{Publication: "p", Scope: "s", Expires: expires},
			Claims{Publication: "p", Scope: "s", IssuedAt: issued, Expires: expires}},
		{"issued at the Unix epoch", Claims{Publication: "p", IssuedAt: time.Unix(0, 0)},
			Claims{Publication: "p", IssuedAt: time.Unix(0, 0).UTC()}},
		{"expires in the last second of 9999", Claims{Publication: "p", IssuedAt: issued, Expires: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
			Claims{Publication: "p", IssuedAt: issued, Expires: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}},
		{"issued in the last second of 9999", Claims{Publication: "p", IssuedAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
			Claims{Publication: "p", IssuedAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}},
	}
	kid := k.Keys()[0].ID
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.t = issued.Add(500 * time.Millisecond)
			tok := mustSign(t, k, tt.in)
			if !strings.HasPrefix(tok, "v1."+kid+".") {
				t.Errorf("token %q does not start with v1.%s.", tok, kid)
			}
			if len(tok) > MaxTokenLen {
				t.Errorf("token has %d characters, more than MaxTokenLen %d", len(tok), MaxTokenLen)
			}
			if i := strings.IndexFunc(tok, func(r rune) bool { return !strings.ContainsRune(tokenAlphabet, r) }); i >= 0 {
				t.Errorf("token %q has %q at %d", tok, tok[i], i)
			}
			if n := strings.Count(tok, "."); n != 3 {
				t.Errorf("token %q has %d dots, want 3", tok, n)
			}
			got, err := k.Verify(tok, issued)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Errorf("Verify = %+v, want %+v", got, tt.want)
			}
			if again := mustSign(t, k, got); again != tok {
				t.Errorf("signing the verified claims gives %q, not %q", again, tok)
			}
		})
	}
}

func TestTypicalLength(t *testing.T) {
	k, _ := openTest(t)
	tok := mustSign(t, k, typical)
	t.Logf("typical token (%d-byte publication, %d-byte scope): %d characters: %s",
		len(typical.Publication), len(typical.Scope), len(tok), tok)
	if len(tok) > 200 {
		t.Errorf("typical token has %d characters, want at most 200", len(tok))
	}
	longest := Claims{Publication: strings.Repeat("p", MaxPublication), Scope: strings.Repeat("s", MaxScope), IssuedAt: issued, Expires: expires}
	if tok := mustSign(t, k, longest); len(tok) != MaxTokenLen {
		t.Errorf("longest token has %d characters, MaxTokenLen is %d", len(tok), MaxTokenLen)
	}
}

func TestSignRefusesBadClaims(t *testing.T) {
	k, _ := openTest(t)
	tests := []struct {
		name string
		c    Claims
	}{
		{"no publication", Claims{Scope: "s", IssuedAt: issued}},
		{"publication too long", Claims{Publication: strings.Repeat("a", MaxPublication+1), IssuedAt: issued}},
		{"upper case", Claims{Publication: "Tangier", IssuedAt: issued}},
		{"slash", Claims{Publication: "a/b", IssuedAt: issued}},
		{"dot", Claims{Publication: "a.b", IssuedAt: issued}},
		{"underscore", Claims{Publication: "a_b", IssuedAt: issued}},
		{"non-ASCII", Claims{Publication: "é", IssuedAt: issued}},
		{"scope too long", Claims{Publication: "p", Scope: strings.Repeat("s", MaxScope+1), IssuedAt: issued}},
		{"expires when issued", Claims{Publication: "p", IssuedAt: issued, Expires: issued}},
		{"expires in the same second", Claims{Publication: "p", IssuedAt: issued, Expires: issued.Add(999 * time.Millisecond)}},
		{"expires before issued", Claims{Publication: "p", IssuedAt: issued, Expires: issued.Add(-time.Hour)}},
		{"issued before 1970", Claims{Publication: "p", IssuedAt: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{"issued after 9999", Claims{Publication: "p", IssuedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"expires after 9999", Claims{Publication: "p", IssuedAt: issued, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := k.Sign(tt.c)
			if !errors.Is(err, ErrClaims) {
				t.Errorf("Sign = %q, %v; want ErrClaims", tok, err)
			}
		})
	}
}

// Expires is exclusive: the link opens until the second before Expires, and from Expires on
// it is expired.
func TestExpiryBoundary(t *testing.T) {
	k, _ := openTest(t)
	tok := mustSign(t, k, typical)
	never := mustSign(t, k, Claims{Publication: "p", Scope: "s", IssuedAt: issued})
	tests := []struct {
		name  string
		token string
		now   time.Time
		want  error
	}{
		{"when issued", tok, issued, nil},
		{"before it is issued", tok, issued.Add(-time.Hour), nil},
		{"one second before Expires", tok, expires.Add(-time.Second), nil},
		{"one nanosecond before Expires", tok, expires.Add(-time.Nanosecond), nil},
		{"at Expires", tok, expires, ErrExpired},
		{"one second after Expires", tok, expires.Add(time.Second), ErrExpired},
		{"years after", tok, expires.AddDate(10, 0, 0), ErrExpired},
		{"never expires, in 2200", never, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := k.Verify(tt.token, tt.now)
			if err != tt.want {
				t.Fatalf("Verify at %s = %v, want %v", tt.now, err, tt.want)
			}
			if tt.token == tok && got != typical {
				t.Errorf("Verify returned %+v, want the claims %+v (expired too)", got, typical)
			}
		})
	}
}

// checkTampered verifies a token that Sign did not produce, before and after the genuine
// token's expiry: ErrInvalid both times, with no claims.
func checkTampered(t *testing.T, k *Keyring, tampered, what string) {
	t.Helper()
	for _, now := range []time.Time{issued, expires.Add(time.Hour)} {
		c, err := k.Verify(tampered, now)
		if err != ErrInvalid || c != (Claims{}) {
			t.Fatalf("%s: Verify(%q) at %s = %+v, %v; want ErrInvalid and no claims", what, tampered, now, c, err)
		}
	}
}

func TestTamperEveryByte(t *testing.T) {
	k, _ := openTest(t)
	tok := mustSign(t, k, typical)
	others := tokenAlphabet + "=+/ \n\r\t%\x00\x7f\x80\xff"
	for i := 0; i < len(tok); i++ {
		for j := 0; j < len(others); j++ {
			if others[j] == tok[i] {
				continue
			}
			b := []byte(tok)
			b[i] = others[j]
			checkTampered(t, k, string(b), "byte "+strconv.Itoa(i)+" replaced")
		}
		checkTampered(t, k, tok[:i]+tok[i+1:], "byte "+strconv.Itoa(i)+" deleted")
		checkTampered(t, k, tok[:i]+tok[i:i+1]+tok[i:], "byte "+strconv.Itoa(i)+" doubled")
		checkTampered(t, k, tok[:i], "cut at "+strconv.Itoa(i))
	}
}

func TestTamperEveryBit(t *testing.T) {
	k, _ := openTest(t)
	for _, c := range []Claims{typical, {Publication: "p", IssuedAt: issued}} {
		tok := mustSign(t, k, c)
		for i := 0; i < len(tok); i++ {
			for bit := 0; bit < 8; bit++ {
				b := []byte(tok)
				b[i] ^= 1 << bit
				checkTampered(t, k, string(b), "bit "+strconv.Itoa(bit)+" of byte "+strconv.Itoa(i))
			}
		}
	}
}

func TestMalformed(t *testing.T) {
	k, _ := openTest(t)
	tok := mustSign(t, k, typical)
	// One with '-' or '_' after the key id, for the standard-alphabet case.
	std := tok
	for i := 1; !strings.ContainsAny(std[12:], "-_"); i++ {
		c := typical
		c.IssuedAt = c.IssuedAt.Add(time.Duration(i) * time.Second)
		std = mustSign(t, k, c)
	}
	parts := strings.Split(tok, ".")
	kid, payload, sig := parts[1], parts[2], parts[3]
	// The MAC's last character carries 4 bits and 2 zero bits: setting one of those gives
	// another string that a lenient decoder reads as the same MAC.
	last := strings.IndexByte(b64Alphabet, sig[len(sig)-1])
	loose := sig[:len(sig)-1] + string(b64Alphabet[last|1])
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"version only", "v1"},
		{"version and dot", "v1."},
		{"no MAC", "v1." + kid + "." + payload},
		{"empty MAC", "v1." + kid + "." + payload + "."},
		{"empty payload", "v1." + kid + ".." + sig},
		{"unknown version", "v2." + kid + "." + payload + "." + sig},
		{"upper-case version", "V1." + kid + "." + payload + "." + sig},
		{"no version", kid + "." + payload + "." + sig},
		{"extra segment", tok + ".x"},
		{"trailing dot", tok + "."},
		{"padding on the MAC", tok + "="},
		{"padding on the payload", "v1." + kid + "." + payload + "=." + sig},
		{"line break in the MAC", tok[:len(tok)-5] + "\n" + tok[len(tok)-5:]},
		{"CRLF at the end", tok + "\r\n"},
		{"line break in the payload", "v1." + kid + "." + payload[:10] + "\n" + payload[10:] + "." + sig},
		{"space before", " " + tok},
		{"non-canonical last character of the MAC", "v1." + kid + "." + payload + "." + loose},
		{"standard base64 alphabet", std[:12] + strings.NewReplacer("-", "+", "_", "/").Replace(std[12:])},
		{"upper-case key id", "v1." + strings.ToUpper(kid) + "." + payload + "." + sig},
		{"short key id", "v1." + kid[:7] + "." + payload + "." + sig},
		{"long key id", "v1." + kid + "a." + payload + "." + sig},
		{"MAC cut short", tok[:len(tok)-2]},
		{"MAC too long", tok + "AA"},
		{"longer than any token", tok + strings.Repeat("A", MaxTokenLen)},
		{"percent-encoded", strings.ReplaceAll(tok, ".", "%2E")},
	}
	if loose == sig {
		t.Fatal("test: no loose form of the MAC")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTampered(t, k, tt.token, tt.name)
		})
	}
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// forge builds a token with claims c and the MAC of another token.
func forge(genuine string, c Claims) string {
	parts := strings.Split(genuine, ".")
	return "v1." + parts[1] + "." + b64.EncodeToString(encodePayload(c)) + "." + parts[3]
}

func TestEditedClaims(t *testing.T) {
	k, _ := openTest(t)
	tok := mustSign(t, k, typical)
	edit := func(f func(*Claims)) Claims { c := typical; f(&c); return c }
	tests := []struct {
		name string
		c    Claims
	}{
		{"unchanged (control)", typical},
		{"scope widened to another edition", edit(func(c *Claims) { c.Scope = "meeting;2023,2024,2025,2026;country,edition;fr" })},
		{"scope with an organisation breakdown", edit(func(c *Claims) { c.Scope = "meeting;2024,2025,2026;country,edition,organisation;fr" })},
		{"scope emptied", edit(func(c *Claims) { c.Scope = "" })},
		{"scope language", edit(func(c *Claims) { c.Scope = "meeting;2024,2025,2026;country,edition;en" })},
		{"publication", edit(func(c *Claims) { c.Publication = "tangier-2026-board" })},
		{"publication one letter", edit(func(c *Claims) { c.Publication = "tangier-2026-funderz" })},
		{"expiry extended", edit(func(c *Claims) { c.Expires = c.Expires.AddDate(1, 0, 0) })},
		{"expiry removed", edit(func(c *Claims) { c.Expires = time.Time{} })},
		{"issued later", edit(func(c *Claims) { c.IssuedAt = c.IssuedAt.Add(time.Second) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forged := forge(tok, tt.c)
			if tt.c == typical {
				if forged != tok {
					t.Fatalf("re-encoding the genuine claims gives %q, not %q", forged, tok)
				}
				if _, err := k.Verify(forged, issued); err != nil {
					t.Fatalf("genuine token: %v", err)
				}
				return
			}
			checkTampered(t, k, forged, tt.name)
		})
	}
}

func TestWrongKey(t *testing.T) {
	k, _ := openTest(t)
	old := k.Keys()[0].ID
	oldTok := mustSign(t, k, typical)
	cur, err := k.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	tok := mustSign(t, k, typical)
	other, _ := openTest(t) // another installation's key file
	otherTok := mustSign(t, other, typical)
	otherKid := other.Keys()[0].ID
	swap := func(tok, from, to string) string { return strings.Replace(tok, "."+from+".", "."+to+".", 1) }
	unknown := "aaaaaaaa"
	if unknown == old || unknown == cur {
		unknown = "bbbbbbbb"
	}
	tests := []struct{ name, token string }{
		{"current key's token under the old key id", swap(tok, cur, old)},
		{"old key's token under the current key id", swap(oldTok, old, cur)},
		{"another key file's token", otherTok},
		{"another key file's token under our key id", swap(otherTok, otherKid, cur)},
		{"unknown key id", swap(tok, cur, unknown)},
		{"signed with a secret of our own choosing under our key id", sign(cur, make([]byte, secretLen), typical)},
		{"unknown key id, signed with an empty key", sign(unknown, nil, typical)},
		{"retired-looking key id, signed with an empty key", sign("zzzzzzzz", []byte{}, typical)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTampered(t, k, tt.token, tt.name)
		})
	}
	for _, genuine := range []string{oldTok, tok} {
		if _, err := k.Verify(genuine, issued); err != nil {
			t.Errorf("genuine token %q: %v", genuine, err)
		}
	}
}
