package links

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: Verify never panics, answers only nil, ErrExpired or ErrInvalid, and accepts
// (nil or ErrExpired) only the exact token Sign makes for the claims it returns.
func FuzzVerify(f *testing.F) {
	k, err := OpenKeyring(f.TempDir() + "/links.json")
	if err != nil {
		f.Fatal(err)
	}
	k.reloadEvery = time.Hour
	for _, c := range []Claims{
		typical,
		{Publication: "p", IssuedAt: issued},
		{Publication: strings.Repeat("p", MaxPublication), Scope: strings.Repeat("\xff", MaxScope), IssuedAt: issued, Expires: expires},
	} {
		tok, err := k.Sign(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok, int64(0))
		f.Add(tok, expires.Unix()-issued.Unix())
		f.Add(tok+"=", int64(0))
		f.Add(tok[:len(tok)-1], int64(0))
		f.Add(strings.Replace(tok, "v1.", "v2.", 1), int64(0))
	}
	for _, s := range []string{"", "v1", "v1.", "v1.aaaaaaaa..", "v1.aaaaaaaa.AA.AA", "....", "v1.\n"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, token string, offset int64) {
		now := issued.Add(time.Duration(offset) * time.Second)
		c, err := k.Verify(token, now)
		switch err {
		case nil, ErrExpired:
			again, serr := k.Sign(c)
			if serr != nil || again != token {
				t.Fatalf("Verify accepted %q (%v) as %+v, which Sign writes %q (%v)", token, err, c, again, serr)
			}
			if expired := !c.Expires.IsZero() && !now.Before(c.Expires); expired != (err == ErrExpired) {
				t.Fatalf("Verify(%q, %s) = %v for claims expiring %s", token, now, err, c.Expires)
			}
		case ErrInvalid:
			if c != (Claims{}) {
				t.Fatalf("Verify(%q) = ErrInvalid with claims %+v", token, c)
			}
		default:
			t.Fatalf("Verify(%q) = %v", token, err)
		}
	})
}

// FuzzDecodePayload: whatever bytes a key holder might have signed, decoding never panics and
// what it accepts re-encodes to the same bytes.
func FuzzDecodePayload(f *testing.F) {
	f.Add(encodePayload(typical))
	f.Add(encodePayload(Claims{Publication: "p", IssuedAt: issued}))
	f.Add([]byte{})
	f.Add([]byte{1, 'p', 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodePayload(b)
		if err != nil {
			return
		}
		if again := encodePayload(c); string(again) != string(b) {
			t.Fatalf("decodePayload(%x) = %+v, which encodes as %x", b, c, again)
		}
	})
}

func TestDecodePayloadRefuses(t *testing.T) {
	good := encodePayload(typical)
	at := func(b []byte, i int, v byte) []byte { b = append([]byte(nil), b...); b[i] = v; return b }
	times := func(iat, exp uint64) []byte {
		b := encodePayload(Claims{Publication: "p", IssuedAt: issued})
		binary.BigEndian.PutUint64(b[len(b)-16:], iat)
		binary.BigEndian.PutUint64(b[len(b)-8:], exp)
		return b
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"length only", good[:1]},
		{"cut in the publication", good[:5]},
		{"cut in the scope length", good[:1+len(typical.Publication)+1]},
		{"cut in the times", good[:len(good)-1]},
		{"one byte more", append(append([]byte(nil), good...), 0)},
		{"publication length 0", at(good, 0, 0)},
		{"publication length too long", at(good, 0, 200)},
		{"publication with a capital", at(good, 1, 'T')},
		{"scope longer than the rest", at(good, 1+len(typical.Publication), 0xff)},
		{"issued time beyond int64", times(1<<63, 0)},
		{"expiry time beyond int64", times(1, 1<<63)},
		{"issued after 9999", times(maxUnix+1, 0)},
		{"expires after 9999", times(1, maxUnix+1)},
		{"expires when issued", times(100, 100)},
		{"expires before issued", times(100, 99)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := decodePayload(tt.b); err != ErrInvalid {
				t.Errorf("decodePayload(%x) = %+v, %v; want ErrInvalid", tt.b, c, err)
			}
		})
	}
	long := Claims{Publication: "p", Scope: strings.Repeat("s", MaxScope+1), IssuedAt: issued}
	if _, err := decodePayload(encodePayload(long)); err != ErrInvalid {
		t.Errorf("a %d-byte scope: %v", MaxScope+1, err)
	}
	if c, err := decodePayload(times(100, 0)); err != nil || !c.Expires.IsZero() {
		t.Errorf("expiry 0 = %+v, %v; want never", c, err)
	}
	if c, err := decodePayload(times(maxUnix-1, maxUnix)); err != nil || c.IssuedAt.Year() != 9999 || c.Expires.Unix() != maxUnix {
		t.Errorf("the last seconds of 9999 = %+v, %v", c, err)
	}
	if c, err := decodePayload(times(maxUnix, 0)); err != nil || c.IssuedAt.Unix() != maxUnix {
		t.Errorf("issued in the last second of 9999 = %+v, %v", c, err)
	}
}
