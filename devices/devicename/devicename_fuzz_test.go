package devicename_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/devices/devicename"
)

// FuzzName: whatever a User-Agent header holds, the device name made of it
// is valid UTF-8 of at most devices.MaxNameLength characters, with no
// control or formatting character and single spaces only, already as
// devices.CleanName makes it, and the same each time.
func FuzzName(f *testing.F) {
	for _, ua := range []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
		"curl/8.5.0", "", " \t\r\n", "\x00", "\xff\xfe\x00 Firefox/1.0",
		"Evil\x00Browser/1.0\r\nSet-Cookie: x=y", "Mozilla/5.0 (Windows NT 10.0) \u202eXOFERIF/1.0",
		"Mozilla/5.0 (" + strings.Repeat("é", 200) + ") Firefox/1", strings.Repeat("(", 300),
		strings.Repeat("X", 100) + "/1.0 (" + strings.Repeat("Y", 100) + ")",
	} {
		f.Add(ua)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		got := devicename.Name(ua)
		if !utf8.ValidString(got) {
			t.Fatalf("Name(%q) = %q: not valid UTF-8", ua, got)
		}
		if n := utf8.RuneCountInString(got); n > devices.MaxNameLength {
			t.Fatalf("Name(%q) is %d characters long", ua, n)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) && r != ' ' {
				t.Fatalf("Name(%q) = %q: it holds %U", ua, got, r)
			}
		}
		if devices.CleanName(got) != got {
			t.Fatalf("Name(%q) = %q, which CleanName changes", ua, got)
		}
		if again := devicename.Name(ua); again != got {
			t.Fatalf("Name(%q) = %q, then %q", ua, got, again)
		}
	})
}
