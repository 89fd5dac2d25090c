package devicename_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/devices/devicename"
)

func TestName(t *testing.T) {
	for _, c := range []struct {
		name, ua, want string
	}{
		{"FirefoxWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Windows"},
		{"ChromeMacOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on macOS"},
		{"SafariMacOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"},
		{"SafariIPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"SafariIPad", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"EdgeWindows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87", "Edge on Windows"},
		{"ChromeAndroid", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36", "Chrome on Android"},
		{"FirefoxLinux", "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Linux"},
		{"Curl", "curl/8.5.0", "curl"},
		{"Empty", "", ""},
		{"Blank", " \t\r\n ", ""},
		{"NUL", "\x00", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, devicename.Name(c.ua))
		})
	}
}

// Whatever arrives in the header, the name is short, valid UTF-8 with no
// control characters, and nothing panics.
func TestNameOfHostileUserAgents(t *testing.T) {
	for name, ua := range map[string]string{
		"10kB":          strings.Repeat("A", 10<<10),
		"10kBProduct":   "Mozilla/5.0 (Windows NT 10.0) " + strings.Repeat("X", 10<<10) + "/1.0",
		"10kBRepeated":  strings.Repeat("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) ", 200),
		"1MB":           strings.Repeat("Mozilla/5.0 (", 80_000),
		"BadUTF8":       "\xff\xfe\x00 Firefox/1.0",
		"Controls":      "Evil\x00Browser/1.0\r\nSet-Cookie: x=y",
		"BidiOverride":  "Mozilla/5.0 (Windows NT 10.0) \u202eXOFERIF/1.0",
		"ManyAccents":   "Mozilla/5.0 (" + strings.Repeat("é", 5000) + ") Firefox/1",
		"OnlyParens":    strings.Repeat("(", 10<<10),
		"OnlySemicolon": strings.Repeat(";", 10<<10),
		"OnlySlashes":   strings.Repeat("/", 10<<10),
	} {
		t.Run(name, func(t *testing.T) {
			got := devicename.Name(ua)
			assert.True(t, utf8.ValidString(got), "%q is not valid UTF-8", got)
			assert.LessOrEqual(t, utf8.RuneCountInString(got), devices.MaxNameLength, "%q is too long", got)
			assert.Equal(t, devices.CleanName(got), got, "not as CleanName makes it")
			for _, r := range got {
				assert.False(t, r < 0x20 || r == 0x7f || r == '\u202e', "%q holds %U", got, r)
			}
		})
	}
}
