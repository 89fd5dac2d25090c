package devices_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa/devices"
)

// checkClean fails unless name is what CleanName promises.
func checkClean(t *testing.T, name string) {
	t.Helper()
	assert.True(t, utf8.ValidString(name), "%q is not valid UTF-8", name)
	assert.LessOrEqual(t, utf8.RuneCountInString(name), devices.MaxNameLength, "%q is too long", name)
	assert.Equal(t, strings.TrimSpace(name), name, "spaces at an end")
	assert.NotContains(t, name, "  ")
	for _, r := range name {
		assert.False(t, r < 0x20 || r == 0x7f || r == '\u202e', "%q holds %U", name, r)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", devices.MaxNameLength)
	for _, c := range []struct {
		name, in, want string
	}{
		{"Plain", "Firefox on Windows", "Firefox on Windows"},
		{"Typed", "  Laptop\t(work)  ", "Laptop (work)"},
		{"Empty", "", ""},
		{"Blank", " \t\n", ""},
		{"Newlines", "My\r\nphone", "My phone"},
		{"Controls", "a\x00b\x07c\x7fd", "abcd"},
		{"Bidi", "abc\u202edef\u200b", "abcdef"},
		{"BadUTF8", "a\xffb", "a\uFFFDb"},
		{"Unicode", "Téléphone de Zoë 日本", "Téléphone de Zoë 日本"},
		{"AtLimit", long, long},
		{"OverLimit", long + "x", long},
		{"SpaceAtLimit", strings.Repeat("a", devices.MaxNameLength-1) + " b", strings.Repeat("a", devices.MaxNameLength-1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := devices.CleanName(c.in)
			assert.Equal(t, c.want, got)
			checkClean(t, got)
			assert.Equal(t, got, devices.CleanName(got), "not idempotent")
		})
	}
}

func TestNewToken(t *testing.T) {
	token, hash, err := devices.NewToken(nil)
	require.NoError(t, err)
	assert.Len(t, token, 43)
	assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, token)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(raw)*8, 256, "bits of randomness")
	assert.Equal(t, devices.HashToken(token), hash)
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, sum[:], hash)

	other, otherHash, err := devices.NewToken(nil)
	require.NoError(t, err)
	assert.NotEqual(t, token, other)
	assert.NotEqual(t, hash, otherHash)

	t.Run("DeterministicReader", func(t *testing.T) {
		raw := make([]byte, 32)
		for i := range raw {
			raw[i] = byte(i)
		}
		token, hash, err := devices.NewToken(bytes.NewReader(raw))
		require.NoError(t, err)
		assert.Equal(t, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", token)
		assert.Equal(t, devices.HashToken(token), hash)
		again, _, err := devices.NewToken(bytes.NewReader(raw))
		require.NoError(t, err)
		assert.Equal(t, token, again)
	})

	t.Run("ShortReader", func(t *testing.T) {
		token, hash, err := devices.NewToken(bytes.NewReader(make([]byte, 31)))
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Empty(t, token)
		assert.Nil(t, hash)
	})

	t.Run("FailingReader", func(t *testing.T) {
		boom := errors.New("boom")
		_, _, err := devices.NewToken(failingReader{boom})
		assert.ErrorIs(t, err, boom)
	})
}

func TestHashToken(t *testing.T) {
	token, _, err := devices.NewToken(nil)
	require.NoError(t, err)
	assert.Len(t, devices.HashToken(token), sha256.Size)
	// Anything hashes, and only the same token to the same hash.
	for _, other := range []string{"", "x", token[:42], token + "A", strings.ToUpper(token), strings.Repeat("z", 10<<10)} {
		h := devices.HashToken(other)
		assert.Len(t, h, sha256.Size)
		assert.NotEqual(t, devices.HashToken(token), h, "%q", other)
	}
}

func TestIDForToken(t *testing.T) {
	token, hash, err := devices.NewToken(nil)
	require.NoError(t, err)
	id := devices.IDForToken(token)
	assert.Regexp(t, `^[0-9a-f]{24}$`, id)
	assert.Equal(t, id, devices.IDForToken(token), "deterministic")
	assert.NotEqual(t, id, devices.IDForToken(token+"x"))
	assert.NotContains(t, hex.EncodeToString(hash), id, "not a piece of the stored hash")
}

func TestStatusAt(t *testing.T) {
	created := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	expires := created.Add(30 * 24 * time.Hour)
	d := devices.Device{CreatedAt: created, LastUsedAt: created, ExpiresAt: expires}
	revoked := d
	revoked.RevokedAt = created.Add(time.Hour)
	for _, c := range []struct {
		name   string
		d      devices.Device
		now    time.Time
		status devices.Status
	}{
		{"AtCreation", d, created, devices.Active},
		{"JustBeforeExpiry", d, expires.Add(-time.Nanosecond), devices.Active},
		{"AtExpiry", d, expires, devices.Expired},
		{"AfterExpiry", d, expires.Add(time.Hour), devices.Expired},
		{"Revoked", revoked, created.Add(2 * time.Hour), devices.Revoked},
		{"RevokedBeforeRevocationTime", revoked, created, devices.Revoked},
		{"RevokedAndExpired", revoked, expires.Add(time.Hour), devices.Revoked},
		{"ZeroExpiry", devices.Device{}, created, devices.Expired},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.status, c.d.StatusAt(c.now))
		})
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }
