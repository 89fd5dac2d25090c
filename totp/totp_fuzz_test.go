package totp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/totp"
)

// The code a user types is the one input of this package that comes from
// outside. These targets hold Normalize and Verify to what their doc
// comments promise, whatever the bytes.

// FuzzNormalize: an accepted code is 6 ASCII digits, the digits the input
// held in their order, from an input of nothing but digits, spaces, tabs
// and one dash; normalizing it again changes nothing. Anything else is
// ErrMalformedCode.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"123456", "123 456", "123-456", " 12\t34 56 ", "-123456", "123456-",
		"", "12345", "1234567", "123--456", "12a456", "١٢٣٤٥٦", "123456\x00",
		"１２３４５６", strings.Repeat("1", 1000), "+123456", "123_456",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		n, err := totp.Normalize(code)
		if err != nil {
			if !errors.Is(err, totp.ErrMalformedCode) || n != "" {
				t.Fatalf("Normalize(%q) = %q, %v; want \"\", ErrMalformedCode", code, n, err)
			}
			return
		}
		if len(n) != totp.Digits || strings.Trim(n, "0123456789") != "" {
			t.Fatalf("Normalize(%q) = %q: not %d ASCII digits", code, n, totp.Digits)
		}
		if again, err := totp.Normalize(n); err != nil || again != n {
			t.Fatalf("Normalize(%q) = %q, %v: not idempotent", n, again, err)
		}
		if digits := strings.Map(keepDigit, code); digits != n {
			t.Fatalf("Normalize(%q) = %q, but the input's digits are %q", code, n, digits)
		}
		if rest := strings.Trim(code, "0123456789 \t-"); rest != "" || strings.Count(code, "-") > 1 {
			t.Fatalf("Normalize accepted %q, which holds more than digits, spaces, tabs and one dash", code)
		}
	})
}

func keepDigit(r rune) rune {
	if '0' <= r && r <= '9' {
		return r
	}
	return -1
}

// FuzzVerify: Verify accepts a code exactly when it normalizes to the code
// of the step before, at or after t, and then names that step; a code
// Normalize refuses is ErrMalformedCode, any other miss ErrInvalidCode.
func FuzzVerify(f *testing.F) {
	secret := []byte("12345678901234567890") // RFC 6238's SHA-1 seed
	at := time.Unix(1111111109, 0)
	for _, d := range []time.Duration{-totp.Period, 0, totp.Period, 2 * totp.Period} {
		c := totp.Code(secret, at.Add(d))
		f.Add(c)
		f.Add(c[:3] + " " + c[3:])
	}
	window := map[string]int64{}
	for s := totp.StepAt(at) - 1; s <= totp.StepAt(at)+1; s++ {
		window[totp.Code(secret, time.Unix(s*int64(totp.Period/time.Second), 0))] = s
	}
	if len(window) != 3 {
		f.Fatal("two steps of the window share a code; pick another time")
	}
	f.Add("")
	f.Add("000000")
	f.Add("07081804x")
	f.Fuzz(func(t *testing.T, code string) {
		step, err := totp.Verify(secret, code, at)
		n, nerr := totp.Normalize(code)
		if nerr != nil {
			if !errors.Is(err, totp.ErrMalformedCode) {
				t.Fatalf("Verify(%q) = %d, %v; want ErrMalformedCode", code, step, err)
			}
			return
		}
		want, inWindow := window[n]
		switch {
		case !inWindow && !errors.Is(err, totp.ErrInvalidCode):
			t.Fatalf("Verify(%q) = %d, %v; want ErrInvalidCode", code, step, err)
		case inWindow && (err != nil || step != want):
			t.Fatalf("Verify(%q) = %d, %v; want step %d", code, step, err, want)
		}
	})
}
