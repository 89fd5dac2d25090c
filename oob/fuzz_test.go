package oob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/portalmfa/portalmfa/oob"
)

// FuzzNormalize: an accepted code is Digits ASCII digits, the input's own
// digits with the spaces, tabs and dashes removed, and normalizing it again
// changes nothing. Anything else is ErrMalformedCode, never a panic.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"123456", "123 456", "123-456", " 1 2 3 4 5 6 ", "\t000000\t", "------123456",
		"", "12345", "1234567", "12345a", "12345٦", "12345６", "123456\x00", "\xff\xfe",
		strings.Repeat(" ", 30) + "123456", strings.Repeat("9", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		n, err := oob.Normalize(code)
		if err != nil {
			if !errors.Is(err, oob.ErrMalformedCode) || n != "" {
				t.Fatalf("Normalize(%q) = %q, %v; want \"\", ErrMalformedCode", code, n, err)
			}
			return
		}
		if len(n) != oob.Digits || strings.Trim(n, "0123456789") != "" {
			t.Fatalf("Normalize(%q) = %q: not %d digits", code, n, oob.Digits)
		}
		if kept := strings.NewReplacer(" ", "", "\t", "", "-", "").Replace(code); kept != n {
			t.Fatalf("Normalize(%q) = %q, but the input without separators is %q", code, n, kept)
		}
		if again, err := oob.Normalize(n); err != nil || again != n {
			t.Fatalf("Normalize(%q) = %q, %v: not idempotent", n, again, err)
		}
	})
}

// FuzzNewCode: whatever the randomness, a code is Digits digits that
// Normalize accepts as it is; too little randomness is an error.
func FuzzNewCode(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := oob.NewCode(strings.NewReader(string(raw)))
		if err != nil {
			return
		}
		if n, err := oob.Normalize(c); err != nil || n != c {
			t.Fatalf("NewCode gave %q: Normalize = %q, %v", c, n, err)
		}
	})
}
