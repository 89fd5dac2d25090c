package backupcodes_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa/backupcodes"
)

func TestGenerate(t *testing.T) {
	codes, err := backupcodes.Generate(nil)
	require.NoError(t, err)
	require.Len(t, codes, backupcodes.Count)
	seen := map[string]bool{}
	for _, c := range codes {
		assert.Regexp(t, `^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$`, c)
		n, err := backupcodes.Normalize(c)
		require.NoError(t, err)
		assert.Len(t, n, backupcodes.Length)
		assert.False(t, seen[n], "duplicate code")
		seen[n] = true
	}
	t.Run("short reader", func(t *testing.T) {
		_, err := backupcodes.Generate(bytes.NewReader(make([]byte, 10)))
		assert.Error(t, err)
	})
	t.Run("deterministic reader", func(t *testing.T) {
		raw := make([]byte, backupcodes.Count*backupcodes.Length)
		for i := range raw {
			raw[i] = byte(i)
		}
		codes, err := backupcodes.Generate(bytes.NewReader(raw))
		require.NoError(t, err)
		assert.Equal(t, "23456-789AB-CDEFG", codes[0])
		assert.Equal(t, "HJKLM-NPQRS-TUVWX", codes[1])
	})
}

// Every character of the alphabet comes up about equally often: each
// carries its full 5 bits.
func TestGenerateIsUniform(t *testing.T) {
	counts := map[rune]int{}
	const sets = 400
	for range sets {
		codes, err := backupcodes.Generate(rand.Reader)
		require.NoError(t, err)
		for _, c := range codes {
			for _, r := range strings.ReplaceAll(c, "-", "") {
				counts[r]++
			}
		}
	}
	assert.Len(t, counts, 32)
	want := float64(sets*backupcodes.Count*backupcodes.Length) / 32 // 1875
	for r, n := range counts {
		// 6 standard deviations (~42 at this size) either side.
		assert.InDelta(t, want, n, 260, "character %q", r)
	}
	assert.NotContains(t, counts, '0')
	assert.NotContains(t, counts, 'O')
	assert.NotContains(t, counts, '1')
	assert.NotContains(t, counts, 'I')
}

func TestNormalize(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"as shown":       {"7KQ2M-XW9PE-H3RTD", "7KQ2MXW9PEH3RTD"},
		"lower case":     {"7kq2m-xw9pe-h3rtd", "7KQ2MXW9PEH3RTD"},
		"spaces":         {" 7KQ2M XW9PE H3RTD ", "7KQ2MXW9PEH3RTD"},
		"no separators":  {"7KQ2MXW9PEH3RTD", "7KQ2MXW9PEH3RTD"},
		"odd separators": {"7KQ-2MX W9PEH3-RTD", "7KQ2MXW9PEH3RTD"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := backupcodes.Normalize(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for name, in := range map[string]string{
		"empty":        "",
		"too short":    "7KQ2M-XW9PE-H3RT",
		"too long":     "7KQ2M-XW9PE-H3RTDA",
		"look-alike O": "OKQ2M-XW9PE-H3RTD",
		"digit 1":      "1KQ2M-XW9PE-H3RTD",
		"a totp code":  "123456",
		"non-ASCII":    "7KQ2M-XW9PE-H3RTÉ",
		"10 kB":        strings.Repeat("A", 10000),
		"only dashes":  strings.Repeat("-", 40),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := backupcodes.Normalize(in)
			assert.ErrorIs(t, err, backupcodes.ErrMalformedCode)
		})
	}
}

func TestHash(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	h, err := backupcodes.NewHasher(key)
	require.NoError(t, err)
	salt := bytes.Repeat([]byte{2}, backupcodes.SaltSize)
	code := "7KQ2MXW9PEH3RTD"

	a := h.Hash(salt, "alice", code)
	assert.Len(t, a, 32)
	assert.Equal(t, a, h.Hash(salt, "alice", code), "deterministic")
	assert.NotEqual(t, a, h.Hash(salt, "bob", code), "same code, two users, two hashes")
	assert.NotEqual(t, a, h.Hash(bytes.Repeat([]byte{3}, 16), "alice", code), "another set, another hash")
	other, _ := backupcodes.NewHasher(bytes.Repeat([]byte{9}, 32))
	assert.NotEqual(t, a, other.Hash(salt, "alice", code), "keyed")
	// Field boundaries are part of the input: moving a byte from the user
	// ID into the salt changes the hash.
	assert.NotEqual(t, h.Hash([]byte("ab"), "c", code), h.Hash([]byte("a"), "bc", code))
	assert.False(t, bytes.Contains(a, []byte(code)))

	_, err = backupcodes.NewHasher(make([]byte, 31))
	assert.Error(t, err)
}

func TestNewSalt(t *testing.T) {
	a, err := backupcodes.NewSalt(nil)
	require.NoError(t, err)
	b, _ := backupcodes.NewSalt(nil)
	assert.Len(t, a, backupcodes.SaltSize)
	assert.NotEqual(t, a, b)
	_, err = backupcodes.NewSalt(bytes.NewReader(nil))
	assert.Error(t, err)
}

// A hasher's salt names it; no other hasher, and no tampered salt, passes
// for it.
func TestHasherSalt(t *testing.T) {
	h, _ := backupcodes.NewHasher(bytes.Repeat([]byte{1}, 32))
	other, _ := backupcodes.NewHasher(bytes.Repeat([]byte{9}, 32))
	salt, err := h.NewSalt(nil)
	require.NoError(t, err)
	assert.True(t, backupcodes.Tagged(salt))
	assert.True(t, h.Made(salt))
	assert.False(t, other.Made(salt))
	again, _ := h.NewSalt(nil)
	assert.NotEqual(t, salt, again)

	tampered := bytes.Clone(salt)
	tampered[0] ^= 1
	assert.False(t, h.Made(tampered))
	plain, _ := backupcodes.NewSalt(nil)
	assert.False(t, backupcodes.Tagged(plain))
	assert.False(t, h.Made(plain))
	assert.False(t, h.Made(nil))
	_, err = h.NewSalt(bytes.NewReader(nil))
	assert.Error(t, err)
}
