package links

import (
	"strings"
	"testing"
)

func BenchmarkSign(b *testing.B) {
	k, _ := openTest(b)
	for b.Loop() {
		if _, err := k.Sign(typical); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	k, _ := openTest(b)
	tok := mustSign(b, k, typical)
	for b.Loop() {
		if _, err := k.Verify(tok, issued); err != nil {
			b.Fatal(err)
		}
	}
}

// An unknown key id costs a stat of the key file.
func BenchmarkVerifyUnknownKey(b *testing.B) {
	k, _ := openTest(b)
	tok := mustSign(b, k, typical)
	tok = strings.Replace(tok, "."+kidOf(tok)+".", ".aaaaaaaa.", 1)
	for b.Loop() {
		if _, err := k.Verify(tok, issued); err != ErrInvalid {
			b.Fatal(err)
		}
	}
}
