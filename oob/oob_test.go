package oob_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa/oob"
)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c, err := oob.NewCode(nil)
		require.NoError(t, err)
		assert.Regexp(t, `^[0-9]{6}$`, c)
		seen[c] = true
	}
	assert.Greater(t, len(seen), 95, "codes repeat far more than chance allows")

	for name, tc := range map[string]struct {
		raw  []byte
		want string
	}{
		"zero":             {[]byte{0, 0, 0, 0}, "000000"},
		"leading zeros":    {[]byte{0, 0, 0x30, 0x39}, "012345"},
		"largest accepted": {[]byte{0xff, 0xf1, 0x3d, 0x7f}, "999999"}, // 4293999999
		"rejected then ok": {[]byte{0xff, 0xf1, 0x3d, 0x80, 0, 0, 0, 7}, "000007"},
		"modulo the space": {[]byte{0, 0x0f, 0x42, 0x41}, "000001"}, // 1000001
		"several rejected": {append(bytes.Repeat([]byte{0xff}, 40), 0, 0, 0, 42), "000042"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := oob.NewCode(bytes.NewReader(tc.raw))
			require.NoError(t, err)
			assert.Equal(t, tc.want, c)
		})
	}
	t.Run("short reader", func(t *testing.T) {
		_, err := oob.NewCode(bytes.NewReader([]byte{1, 2}))
		assert.Error(t, err)
	})
	t.Run("reader rejected for ever", func(t *testing.T) {
		// No endless loop on a broken reader.
		_, err := oob.NewCode(bytes.NewReader(bytes.Repeat([]byte{0xff}, 4096)))
		assert.Error(t, err)
	})
}

// Each digit of each position comes up about equally often.
func TestNewCodeIsUniform(t *testing.T) {
	const n = 20000
	var counts [oob.Digits][10]int
	for range n {
		c, err := oob.NewCode(nil)
		require.NoError(t, err)
		for i, d := range c {
			counts[i][d-'0']++
		}
	}
	for i := range counts {
		for d, got := range counts[i] {
			// 2000 expected, sd ~42: 6 sd either side.
			assert.InDelta(t, n/10, got, 260, "digit %d at %d", d, i)
		}
	}
}

func TestNormalize(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"plain":         {"123456", "123456"},
		"leading zero":  {"012345", "012345"},
		"space":         {"123 456", "123456"},
		"dash":          {"123-456", "123456"},
		"around":        {"  123456\t", "123456"},
		"spaced digits": {"1 2 3 4 5 6", "123456"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := oob.Normalize(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for name, in := range map[string]string{
		"empty":            "",
		"too short":        "12345",
		"too long":         "1234567",
		"letter":           "12345a",
		"backup code":      "7KQ2M-XW9PE-H3RTD",
		"non-ASCII digit":  "12345٦",
		"full-width digit": "12345６",
		"plus":             "+123456",
		"dot":              "123.456",
		"NUL":              "123456\x00",
		"10 kB":            strings.Repeat("1", 10000),
		"only spaces":      strings.Repeat(" ", 20),
		"spaces then code": strings.Repeat(" ", 30) + "123456",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := oob.Normalize(in)
			assert.ErrorIs(t, err, oob.ErrMalformedCode)
			assert.Empty(t, got)
		})
	}
}

func TestHash(t *testing.T) {
	h, err := oob.NewHasher(bytes.Repeat([]byte{1}, 32))
	require.NoError(t, err)
	a := h.Hash("alice", "login:1", "123456")
	assert.Len(t, a, 32)
	assert.Equal(t, a, h.Hash("alice", "login:1", "123456"), "deterministic")
	assert.NotEqual(t, a, h.Hash("bob", "login:1", "123456"), "another user")
	assert.NotEqual(t, a, h.Hash("alice", "login:2", "123456"), "another binding")
	assert.NotEqual(t, a, h.Hash("alice", "login:1", "123457"), "another code")
	other, _ := oob.NewHasher(bytes.Repeat([]byte{9}, 32))
	assert.NotEqual(t, a, other.Hash("alice", "login:1", "123456"), "keyed")
	// Field boundaries are part of the input.
	assert.NotEqual(t, h.Hash("ab", "c", "123456"), h.Hash("a", "bc", "123456"))
	assert.NotEqual(t, h.Hash("a", "b1", "23456"), h.Hash("a", "b", "123456"))

	// The hasher keeps its own copy of the key.
	key := bytes.Repeat([]byte{1}, 32)
	k, _ := oob.NewHasher(key)
	key[0] = 2
	assert.Equal(t, a, k.Hash("alice", "login:1", "123456"))

	_, err = oob.NewHasher(make([]byte, 31))
	assert.Error(t, err)
}

func TestChannel(t *testing.T) {
	assert.True(t, oob.Email.Valid())
	assert.True(t, oob.SMS.Valid())
	assert.False(t, oob.Channel("voice").Valid())
	assert.False(t, oob.Channel("").Valid())
}

func TestLimitsValidate(t *testing.T) {
	assert.NoError(t, oob.Limits{Cooldown: oob.DefaultCooldown, PerHour: oob.DefaultPerHour}.Validate())
	assert.NoError(t, oob.Limits{Cooldown: 0, PerHour: 1}.Validate())
	assert.NoError(t, oob.Limits{Cooldown: time.Hour, PerHour: 1}.Validate())
	for name, l := range map[string]oob.Limits{
		"zero value":         {},
		"no sends":           {Cooldown: time.Minute},
		"negative cooldown":  {Cooldown: -time.Second, PerHour: 5},
		"cooldown past hour": {Cooldown: time.Hour + time.Millisecond, PerHour: 5},
	} {
		t.Run(name, func(t *testing.T) {
			assert.ErrorIs(t, l.Validate(), oob.ErrInvalidLimits)
		})
	}
}

func TestLimitsCheck(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := oob.Limits{Cooldown: time.Minute, PerHour: 5}
	var zero time.Time
	for name, tc := range map[string]struct {
		last, userNth, destNth time.Time
		want                   error
		until                  time.Time
	}{
		"first send":          {},
		"cooldown over":       {last: now.Add(-time.Minute)},
		"within cooldown":     {last: now.Add(-59 * time.Second), want: oob.ErrCooldown, until: now.Add(time.Second)},
		"last in the future":  {last: now.Add(time.Second), want: oob.ErrCooldown, until: now.Add(61 * time.Second)},
		"user cap":            {last: now.Add(-10 * time.Minute), userNth: now.Add(-50 * time.Minute), want: oob.ErrTooManySends, until: now.Add(10 * time.Minute)},
		"destination cap":     {destNth: now.Add(-30 * time.Minute), want: oob.ErrTooManySends, until: now.Add(30 * time.Minute)},
		"both caps, latest":   {userNth: now.Add(-50 * time.Minute), destNth: now.Add(-20 * time.Minute), want: oob.ErrTooManySends, until: now.Add(40 * time.Minute)},
		"cap and cooldown":    {last: now.Add(-30 * time.Second), userNth: now.Add(-59*time.Minute - 50*time.Second), want: oob.ErrTooManySends, until: now.Add(30 * time.Second)},
		"cap before cooldown": {last: now.Add(-30 * time.Second), userNth: now.Add(-59 * time.Minute), want: oob.ErrTooManySends, until: now.Add(time.Minute)},
	} {
		t.Run(name, func(t *testing.T) {
			err := l.Check(now, tc.last, tc.userNth, tc.destNth)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			var le *oob.LimitError
			require.True(t, errors.As(err, &le))
			assert.Equal(t, tc.until, le.Until)
			assert.Contains(t, err.Error(), tc.until.Format(time.RFC3339))
		})
	}
	assert.NoError(t, oob.Limits{PerHour: 1}.Check(now, now, zero, zero), "no cooldown")
}
