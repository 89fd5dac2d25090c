package httpx

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/store/memory"
)

func newTestHandler(t *testing.T) *Handler {
	t.Helper()
	svc, err := portalmfa.New(portalmfa.Config{
		Issuer:        "Test",
		Keys:          [][]byte{[]byte(strings.Repeat("k", 32))},
		Store:         memory.New(),
		CheckPassword: func(context.Context, string, string) (bool, error) { return false, nil },
	})
	require.NoError(t, err)
	h, err := New(Config{
		Service:            svc,
		CurrentUser:        func(*http.Request) (portalmfa.User, bool) { return portalmfa.User{}, false },
		SecondFactorPassed: func(http.ResponseWriter, *http.Request, string) {},
	})
	require.NoError(t, err)
	return h
}

// Plural messages through the real bundle and plural rules, in every
// language, for counts that fall in each CLDR category.
func TestPlurals(t *testing.T) {
	h := newTestHandler(t)
	require.Len(t, h.langs, 6)
	for lang, tag := range h.langs {
		for _, n := range []int{1, 2, 5, 21, 1000000} {
			t.Run(fmt.Sprintf("%s/%d", tag, n), func(t *testing.T) {
				s, err := h.translatePlural(lang, msgLocked, n)
				require.NoError(t, err)
				assert.Contains(t, s, fmt.Sprint(n))
			})
		}
	}
	t.Run("en one and other differ", func(t *testing.T) {
		one, _ := h.translatePlural(0, msgLocked, 1)
		two, _ := h.translatePlural(0, msgLocked, 2)
		assert.Equal(t, "Too many failed attempts. Try again in 1 minute.", one)
		assert.Equal(t, "Too many failed attempts. Try again in 2 minutes.", two)
	})
}

func TestDateFormats(t *testing.T) {
	h := newTestHandler(t)
	day := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	want := map[string]string{
		"en": "Mar 14, 2026", "fr": "14/03/2026", "es": "14/03/2026",
		"de": "14.03.2026", "it": "14/03/2026", "nl": "14-03-2026",
	}
	for lang, tag := range h.langs {
		t.Run(tag.String(), func(t *testing.T) {
			assert.Equal(t, want[tag.String()], h.formatDate(lang, time.UTC, day))
		})
	}
	assert.Empty(t, h.formatDate(0, time.UTC, time.Time{}))
}

// Times show in the user's zone, named; UTC, named too, without one. The
// day changes with the zone.
func TestTimesInTheUsersZone(t *testing.T) {
	h := newTestHandler(t)
	at := time.Date(2026, 3, 14, 23, 30, 0, 0, time.UTC)
	paris := h.location(portalmfa.User{TimeZone: "Europe/Paris"})
	assert.Equal(t, "Mar 15, 2026, 12:30 AM CET", h.formatDateTime(0, paris, at))
	assert.Equal(t, "Mar 15, 2026", h.formatDate(0, paris, at))
	ny := h.location(portalmfa.User{TimeZone: "America/New_York"})
	assert.Equal(t, "Mar 14, 2026, 7:30 PM EDT", h.formatDateTime(0, ny, at))
	assert.Equal(t, "Mar 14, 2026, 11:30 PM UTC", h.formatDateTime(0, h.location(portalmfa.User{}), at))
	assert.Equal(t, time.UTC, h.location(portalmfa.User{TimeZone: "Mars/Olympus_Mons"}), "unknown: UTC")
	assert.Same(t, paris, h.location(portalmfa.User{TimeZone: "Europe/Paris"}), "loaded once")
}

func TestPickLanguage(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct {
		name, user, accept, want string
	}{
		{"user preference", "nl", "fr", "nl"},
		{"user region", "de-CH", "", "de"},
		{"unsupported user preference falls to the browser", "pt-BR", "it", "it"},
		{"malformed user preference", "???", "es", "es"},
		{"browser region", "", "fr-CA", "fr"},
		{"browser order", "", "da, nl;q=0.8, en;q=0.5", "nl"},
		{"nothing matches", "ja", "zh-TW, ko", "en"},
		{"nothing at all", "", "", "en"},
		{"absurd header", "", strings.Repeat("fr,", 400), "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			assert.Equal(t, tc.want, h.langs[h.pickLanguage(r, tc.user)].String())
		})
	}
}

func TestKeyGroups(t *testing.T) {
	tests := []struct {
		key  string
		want []string
	}{
		{"", nil},
		{"ABC", []string{"ABC"}},
		{"ABCD", []string{"ABCD"}},
		{"ABCDEFGHIJ", []string{"ABCD", "EFGH", "IJ"}},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", []string{"ABCD", "EFGH", "IJKL", "MNOP", "QRST", "UVWX", "YZ23", "4567"}},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			assert.Equal(t, tc.want, keyGroups(tc.key))
		})
	}
}

func TestCodesFileName(t *testing.T) {
	for site, want := range map[string]string{
		"Acme Customer Portal":   "acme-customer-portal-backup-codes.txt",
		"  Société Générale  ":   "societe-generale-backup-codes.txt",
		"ACME/../etc\"\r\n.txt":  "acme-etc-txt-backup-codes.txt",
		"日本":                     "backup-codes.txt",
		"":                       "backup-codes.txt",
		strings.Repeat("a", 100): strings.Repeat("a", 40) + "-backup-codes.txt",
	} {
		assert.Equal(t, want, codesFileName(site), site)
	}
}
