package devices_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/portalmfa/portalmfa/devices"
)

// FuzzCleanName: whatever a rename form or a User-Agent holds, the name is
// valid UTF-8 of at most MaxNameLength characters, with no control or
// formatting character, no white space but single spaces between words,
// and cleaning it again changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{
		"Firefox on Windows", "  my   laptop  ", "", " \t\r\n", "evil\x00name", "\xff\xfe",
		"abc\u202edcba", "zero\u200bwidth", "line\u2028sep", "nel\u0085x", "tab\tand\vform\ffeed",
		strings.Repeat("é", 100), strings.Repeat("a ", 40), strings.Repeat("x", 63) + " y",
		strings.Repeat("\U0001F600", 70), "\ufeffbom", "e\u0301\u0301\u0301",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkName(t, s, devices.CleanName(s))
	})
}

// checkName holds got, the name made of in, to what CleanName promises.
func checkName(t *testing.T, in, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("name of %q is %q: not valid UTF-8", in, got)
	}
	if n := utf8.RuneCountInString(got); n > devices.MaxNameLength {
		t.Fatalf("name of %q is %d characters long", in, n)
	}
	for _, r := range got {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) && r != ' ' {
			t.Fatalf("name of %q is %q: it holds %U", in, got, r)
		}
	}
	if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
		t.Fatalf("name of %q is %q: spaces at an end or doubled", in, got)
	}
	if again := devices.CleanName(got); again != got {
		t.Fatalf("CleanName(%q) = %q: not idempotent", got, again)
	}
}

// FuzzToken: a device cookie's token, ours or made up, hashes to the
// SHA-256 the store is asked for and gets a public ID of 24 hex digits that
// is not a prefix of that hash (the ID in a form is never the stored hash);
// both are functions of the token, and two tokens never share either.
func FuzzToken(f *testing.F) {
	token, _, err := devices.NewToken(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(token, token+"x")
	f.Add("", "\x00")
	f.Add(strings.Repeat("A", 43), strings.Repeat("A", 44))
	f.Add("not a token", "not a token ")
	f.Fuzz(func(t *testing.T, a, b string) {
		hash, id := devices.HashToken(a), devices.IDForToken(a)
		if want := sha256.Sum256([]byte(a)); string(hash) != string(want[:]) {
			t.Fatalf("HashToken(%q) = %x, not its SHA-256", a, hash)
		}
		if raw, err := hex.DecodeString(id); err != nil || len(raw) != 12 || id != strings.ToLower(id) {
			t.Fatalf("IDForToken(%q) = %q: not 24 lower-case hex digits", a, id)
		}
		if strings.HasPrefix(hex.EncodeToString(hash), id) {
			t.Fatalf("IDForToken(%q) = %q is the stored hash", a, id)
		}
		if string(devices.HashToken(a)) != string(hash) || devices.IDForToken(a) != id {
			t.Fatalf("token %q: hash or ID changed between calls", a)
		}
		if a != b && (string(devices.HashToken(b)) == string(hash) || devices.IDForToken(b) == id) {
			t.Fatalf("tokens %q and %q share a hash or an ID", a, b)
		}
	})
}
