package backupcodes_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/portalmfa/portalmfa/backupcodes"
)

// shown is a code as Format shows it.
var shown = regexp.MustCompile(`^[` + backupcodes.Alphabet + `]{5}-[` + backupcodes.Alphabet + `]{5}-[` + backupcodes.Alphabet + `]{5}$`)

// FuzzNormalize: an accepted code is Length characters of the alphabet,
// the input's own characters upper-cased with the spaces, tabs and dashes
// removed; normalizing it again changes nothing, and Format shows it in
// three groups of five that normalize back to it, in either case. Anything
// else is ErrMalformedCode.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"ABCDE-FGHJK-LMNPQ", "abcde fghjk lmnpq", "ABCDEFGHJKLMNPQ", " 23456\t789AB-CDEFG ",
		"", "ABCDE-FGHJK-LMNP", "ABCDE-FGHJK-LMNPQR", "ABCDE-FGHJK-LMNP0", "ABCDE-FGHJK-LMNPO",
		"ABCDE-FGHJK-LMNPI", "ABCDE-FGHJK-LMNPÉ", "ABCDE-FGHJK-LMNP\x00", "---------------ABCDEFGHJKLMNPQ",
		strings.Repeat(" ", 60) + "ABCDEFGHJKLMNPQ", strings.Repeat("A", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		n, err := backupcodes.Normalize(code)
		if err != nil {
			if !errors.Is(err, backupcodes.ErrMalformedCode) || n != "" {
				t.Fatalf("Normalize(%q) = %q, %v; want \"\", ErrMalformedCode", code, n, err)
			}
			return
		}
		if len(n) != backupcodes.Length || strings.Trim(n, backupcodes.Alphabet) != "" {
			t.Fatalf("Normalize(%q) = %q: not %d characters of the alphabet", code, n, backupcodes.Length)
		}
		if again, err := backupcodes.Normalize(n); err != nil || again != n {
			t.Fatalf("Normalize(%q) = %q, %v: not idempotent", n, again, err)
		}
		if kept := strings.ToUpper(strings.NewReplacer(" ", "", "\t", "", "-", "").Replace(code)); kept != n {
			t.Fatalf("Normalize(%q) = %q, but the input without separators is %q", code, n, kept)
		}
		shownAs := backupcodes.Format(n)
		if !shown.MatchString(shownAs) {
			t.Fatalf("Format(%q) = %q: not three groups of five", n, shownAs)
		}
		for _, s := range []string{shownAs, strings.ToLower(shownAs)} {
			if back, err := backupcodes.Normalize(s); err != nil || back != n {
				t.Fatalf("Normalize(%q) = %q, %v; want %q back", s, back, err, n)
			}
		}
	})
}

// FuzzGenerate: whatever the randomness, Generate makes Count codes in the
// shown form, each of which normalizes and formats back to itself; too
// little randomness is an error, never short codes.
func FuzzGenerate(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0}, backupcodes.Count*backupcodes.Length))
	f.Add(bytes.Repeat([]byte{0xff, 0x1f, 0x20, 0x7f}, 40))
	f.Add([]byte("too short"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		codes, err := backupcodes.Generate(bytes.NewReader(raw))
		if len(raw) < backupcodes.Count*backupcodes.Length {
			if err == nil {
				t.Fatalf("Generate with %d random bytes gave %q", len(raw), codes)
			}
			return
		}
		if err != nil || len(codes) != backupcodes.Count {
			t.Fatalf("Generate = %d codes, %v", len(codes), err)
		}
		for _, c := range codes {
			n, err := backupcodes.Normalize(c)
			if err != nil || !shown.MatchString(c) || backupcodes.Format(n) != c {
				t.Fatalf("generated code %q: Normalize = %q, %v; Format = %q", c, n, err, backupcodes.Format(n))
			}
		}
	})
}
