package totp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testKey(fill byte) []byte { return bytes.Repeat([]byte{fill}, 32) }

func newTestSealer(t *testing.T, keys ...[]byte) *Sealer {
	t.Helper()
	s, err := NewSealer(keys...)
	require.NoError(t, err)
	return s
}

func TestSealerRoundTrip(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	secret := testSecret()
	sealed, err := s.Seal(secret, "user-1")
	require.NoError(t, err)
	assert.NotContains(t, string(sealed), string(secret))

	opened, err := s.Open(sealed, "user-1")
	require.NoError(t, err)
	assert.Equal(t, secret, opened)

	again, err := s.Seal(secret, "user-1")
	require.NoError(t, err)
	assert.NotEqual(t, sealed, again, "each seal takes a fresh nonce")
}

func TestSealerFormat(t *testing.T) {
	key := testKey(1)
	s := newTestSealer(t, key)
	secret := testSecret()
	sealed, err := s.Seal(secret, "user-1")
	require.NoError(t, err)

	id := sha256.Sum256(append([]byte("portalmfa key id"), key...))
	require.Len(t, sealed, 1+4+12+len(secret)+16)
	assert.Equal(t, byte(1), sealed[0], "version")
	assert.Equal(t, id[:4], sealed[1:5], "key id")
	assert.NotContains(t, string(sealed), string(key[:4]), "the raw key never appears")
}

func TestSealerRotation(t *testing.T) {
	oldKey, newKey := testKey(1), testKey(2)
	before := newTestSealer(t, oldKey)
	after := newTestSealer(t, newKey, oldKey)
	secret := testSecret()

	sealedOld, err := before.Seal(secret, "user-1")
	require.NoError(t, err)
	opened, err := after.Open(sealedOld, "user-1")
	require.NoError(t, err, "a key that is second in the ring still opens")
	assert.Equal(t, secret, opened)

	sealedNew, err := after.Seal(secret, "user-1")
	require.NoError(t, err)

	tests := []struct {
		name   string
		sealer *Sealer
		sealed []byte
		want   bool
	}{
		{"old secret under new ring", after, sealedOld, false},
		{"resealed secret under new ring", after, sealedNew, true},
		{"old secret under old ring", before, sealedOld, true},
		{"empty input", after, nil, false},
		{"header only with wrong version", after, append([]byte{2}, sealedNew[1:5]...), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.sealer.Current(tc.sealed))
		})
	}
	t.Run("old ring cannot open the new key's seal", func(t *testing.T) {
		_, err := before.Open(sealedNew, "user-1")
		require.ErrorIs(t, err, ErrUnsealable)
	})
}

func TestSealerTamperedByte(t *testing.T) {
	s := newTestSealer(t, testKey(1), testKey(2))
	sealed, err := s.Seal(testSecret(), "user-1")
	require.NoError(t, err)
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			t.Run(fmt.Sprintf("byte%d^%#x", i, flip), func(t *testing.T) {
				bad := bytes.Clone(sealed)
				bad[i] ^= flip
				got, err := s.Open(bad, "user-1")
				require.ErrorIs(t, err, ErrUnsealable)
				assert.Nil(t, got)
			})
		}
	}
}

// TestSealerHeaderIsAuthenticated swaps the key id for another key of the
// ring: only the header's authentication stops the blob from being tried
// under, and reported as, the wrong key.
func TestSealerHeaderIsAuthenticated(t *testing.T) {
	k1, k2 := testKey(1), testKey(2)
	s := newTestSealer(t, k1, k2)
	sealed, err := s.Seal(testSecret(), "user-1")
	require.NoError(t, err)
	id2 := sha256.Sum256(append([]byte("portalmfa key id"), k2...))
	bad := bytes.Clone(sealed)
	copy(bad[1:5], id2[:4])
	_, err = s.Open(bad, "user-1")
	require.ErrorIs(t, err, ErrUnsealable)
}

func TestSealerTruncated(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	sealed, err := s.Seal(testSecret(), "user-1")
	require.NoError(t, err)
	for n := range len(sealed) {
		t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
			got, err := s.Open(sealed[:n], "user-1")
			require.ErrorIs(t, err, ErrUnsealable)
			assert.Nil(t, got)
		})
	}
	t.Run("extra byte", func(t *testing.T) {
		_, err := s.Open(append(bytes.Clone(sealed), 0), "user-1")
		require.ErrorIs(t, err, ErrUnsealable)
	})
}

func TestSealerOpenFailures(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	sealed, err := s.Seal(testSecret(), "user-1")
	require.NoError(t, err)
	stranger := newTestSealer(t, testKey(9))

	tests := []struct {
		name   string
		sealer *Sealer
		userID string
	}{
		{"another user", s, "user-2"},
		{"user id prefix", s, "user-"},
		{"user id extended", s, "user-11"},
		{"empty user id", s, ""},
		{"unknown key", stranger, "user-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(sealed, tc.userID)
			require.ErrorIs(t, err, ErrUnsealable)
			assert.Nil(t, got)
		})
	}
}

func TestSealerSealRefuses(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	tests := []struct {
		name   string
		secret []byte
		userID string
	}{
		{"empty secret", nil, "user-1"},
		{"empty user id", testSecret(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Seal(tc.secret, tc.userID)
			require.Error(t, err)
			assert.Nil(t, got)
		})
	}
}

func TestNewSealerRejects(t *testing.T) {
	k1, k2 := testKey(1), testKey(2)
	tests := []struct {
		name string
		keys [][]byte
	}{
		{"no keys", nil},
		{"nil key", [][]byte{nil}},
		{"31-byte key", [][]byte{k1[:31]}},
		{"33-byte key", [][]byte{append(bytes.Clone(k1), 0)}},
		{"short second key", [][]byte{k1, k2[:16]}},
		{"duplicate keys", [][]byte{k1, bytes.Clone(k1)}},
		{"duplicate after another", [][]byte{k1, k2, bytes.Clone(k1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSealer(tc.keys...)
			require.Error(t, err)
			assert.Nil(t, s)
			for _, k := range tc.keys {
				if len(k) == 0 {
					continue
				}
				msg := err.Error()
				assert.NotContains(t, msg, string(k))
				assert.NotContains(t, msg, hex.EncodeToString(k))
				assert.NotContains(t, msg, base64.StdEncoding.EncodeToString(k))
			}
		})
	}
}

func TestSealerErrorsNeverQuoteSecret(t *testing.T) {
	s := newTestSealer(t, testKey(1))
	secret := testSecret()
	sealed, err := s.Seal(secret, "user-1")
	require.NoError(t, err)
	_, err = s.Open(sealed, "user-2")
	require.Error(t, err)
	for _, leak := range []string{string(secret), hex.EncodeToString(secret), EncodeSecret(secret), hex.EncodeToString(testKey(1))} {
		assert.NotContains(t, err.Error(), leak)
	}
}
