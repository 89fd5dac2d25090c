package totp

import (
	"bytes"
	"encoding/base32"
	"errors"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/pquerna/otp"
	ptotp "github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfcSecret is the SHA-1 key of RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

// testSecret is an arbitrary fixed secret, so failures reproduce.
func testSecret() []byte {
	s := make([]byte, SecretSize)
	for i := range s {
		s[i] = byte(7*i + 3)
	}
	return s
}

func TestHOTPRFC6238Vectors(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tc := range tests {
		t.Run(strconv.FormatInt(tc.unix, 10), func(t *testing.T) {
			step := StepAt(time.Unix(tc.unix, 0))
			assert.Equal(t, tc.want, hotp(rfcSecret, uint64(step), 8))
			// The 6-digit code is the same value's low digits.
			assert.Equal(t, tc.want[2:], Code(rfcSecret, time.Unix(tc.unix, 0)))
		})
	}
}

func TestStepAt(t *testing.T) {
	tests := []struct {
		name string
		unix int64
		want int64
	}{
		{"epoch", 0, 0},
		{"end of first step", 29, 0},
		{"second step", 30, 1},
		{"rfc time", 1111111109, 37037036},
		{"before epoch rounds down", -1, -1},
		{"exactly one step before epoch", -30, -1},
		{"just past one step before epoch", -31, -2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, StepAt(time.Unix(tc.unix, 0)))
		})
	}
	t.Run("sub-second part ignored", func(t *testing.T) {
		assert.Equal(t, int64(1), StepAt(time.Unix(59, 999999999)))
	})
}

func TestVerifyWindow(t *testing.T) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	base := StepAt(now)
	tests := []struct {
		name    string
		offset  time.Duration
		wantErr error
	}{
		{"previous step", -Period, nil},
		{"current step", 0, nil},
		{"next step", Period, nil},
		{"two steps back", -2 * Period, ErrInvalidCode},
		{"two steps ahead", 2 * Period, ErrInvalidCode},
		{"an hour old", -time.Hour, ErrInvalidCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := Code(secret, now.Add(tc.offset))
			step, err := Verify(secret, code, now)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Zero(t, step)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, base+int64(tc.offset/Period), step)
		})
	}
}

func TestVerifyOtherSecret(t *testing.T) {
	now := time.Unix(1700000015, 0)
	code := Code(rfcSecret, now)
	_, err := Verify(testSecret(), code, now)
	require.ErrorIs(t, err, ErrInvalidCode)
}

func TestVerifyEmptySecretFailsClosed(t *testing.T) {
	now := time.Unix(1700000015, 0)
	// The code an empty key would produce must not open anything.
	code := hotp(nil, uint64(StepAt(now)), Digits)
	_, err := Verify(nil, code, now)
	require.ErrorIs(t, err, ErrInvalidCode)
}

func TestVerifyInputForms(t *testing.T) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	code := Code(secret, now)
	tests := []struct {
		name  string
		input string
	}{
		{"plain", code},
		{"space in the middle", code[:3] + " " + code[3:]},
		{"dash in the middle", code[:3] + "-" + code[3:]},
		{"surrounding spaces", " " + code + " "},
		{"tab", code + "\t"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step, err := Verify(secret, tc.input, now)
			require.NoError(t, err)
			assert.Equal(t, StepAt(now), step)
		})
	}
}

func malformedInputs() []struct{ name, input string } {
	return []struct{ name, input string }{
		{"empty", ""},
		{"only spaces", "      "},
		{"five digits", "12345"},
		{"seven digits", "1234567"},
		{"letter", "12a456"},
		{"arabic-indic digits", "١٢٣٤٥٦"},
		{"fullwidth digits", "１２３４５６"},
		{"two dashes together", "12--3456"},
		{"two dashes apart", "12-34-56"},
		{"plus sign", "+123456"},
		{"newline", "123456\n"},
		{"no-break space", "123\u00a0456"},
		{"nul byte", "123456\x00"},
		{"10 kB", strings.Repeat("1", 10<<10)},
		{"10 kB of spaces then digits", strings.Repeat(" ", 10<<10) + "1234567"},
	}
}

func TestVerifyMalformed(t *testing.T) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	for _, tc := range malformedInputs() {
		t.Run(tc.name, func(t *testing.T) {
			step, err := Verify(secret, tc.input, now)
			require.ErrorIs(t, err, ErrMalformedCode)
			assert.Zero(t, step)
		})
	}
}

func TestNormalize(t *testing.T) {
	accepted := []struct{ name, input string }{
		{"plain", "123456"},
		{"space", "123 456"},
		{"dash", "123-456"},
		{"surrounding spaces", " 123456 "},
		{"spaces everywhere", "1 2 3 4 5 6"},
		{"tabs", "\t123456\t"},
		{"dash and spaces", "123 - 456"},
		{"leading zeros kept", "000000"},
	}
	for _, tc := range accepted {
		t.Run("accepts/"+tc.name, func(t *testing.T) {
			got, err := Normalize(tc.input)
			require.NoError(t, err)
			want := "123456"
			if tc.input == "000000" {
				want = "000000"
			}
			assert.Equal(t, want, got)
		})
	}
	for _, tc := range malformedInputs() {
		t.Run("rejects/"+tc.name, func(t *testing.T) {
			got, err := Normalize(tc.input)
			require.ErrorIs(t, err, ErrMalformedCode)
			assert.Empty(t, got)
		})
	}
}

// TestOathtool checks codes from an independent implementation.
func TestOathtool(t *testing.T) {
	path, err := exec.LookPath("oathtool")
	if err != nil {
		t.Skip("oathtool not installed")
	}
	secrets := map[string][]byte{"rfc": rfcSecret, "fixed": testSecret()}
	random, err := NewSecret(nil)
	require.NoError(t, err)
	secrets["random"] = random
	times := map[string]int64{
		"59": 59, "1111111109": 1111111109, "1234567890": 1234567890,
		"1700000015": 1700000015, "2000000000": 2000000000, "now": time.Now().Unix(),
	}
	for name, secret := range secrets {
		for when, unix := range times {
			t.Run(name+"/"+when, func(t *testing.T) {
				out, err := exec.Command(path, "--totp", "-b", EncodeSecret(secret), "-N", "@"+strconv.FormatInt(unix, 10)).Output()
				require.NoError(t, err)
				code := strings.TrimSpace(string(out))
				require.Len(t, code, Digits)
				step, err := Verify(secret, code, time.Unix(unix, 0))
				require.NoError(t, err)
				assert.Equal(t, unix/30, step)
			})
		}
	}
}

func TestNewSecret(t *testing.T) {
	t.Run("reads SecretSize bytes from the reader", func(t *testing.T) {
		src := make([]byte, SecretSize+5)
		for i := range src {
			src[i] = byte(i + 1)
		}
		got, err := NewSecret(bytes.NewReader(src))
		require.NoError(t, err)
		assert.Equal(t, src[:SecretSize], got)
	})
	t.Run("short reader", func(t *testing.T) {
		got, err := NewSecret(bytes.NewReader(make([]byte, SecretSize-1)))
		require.Error(t, err)
		assert.Nil(t, got)
	})
	t.Run("failing reader", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := NewSecret(iotest.ErrReader(boom))
		require.ErrorIs(t, err, boom)
	})
	t.Run("default is crypto/rand", func(t *testing.T) {
		a, err := NewSecret(nil)
		require.NoError(t, err)
		b, err := NewSecret(nil)
		require.NoError(t, err)
		require.Len(t, a, SecretSize)
		require.Len(t, b, SecretSize)
		assert.NotEqual(t, a, b)
	})
}

func TestEncodeSecret(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		want   string
	}{
		{"rfc secret", rfcSecret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
		{"padding dropped", []byte("f"), "MY"},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, EncodeSecret(tc.secret))
		})
	}
	t.Run("round trips", func(t *testing.T) {
		s := testSecret()
		back, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(EncodeSecret(s))
		require.NoError(t, err)
		assert.Equal(t, s, back)
	})
}

func TestURI(t *testing.T) {
	secret := testSecret()
	tests := []struct{ name, issuer, account string }{
		{"plain", "Example", "alice"},
		{"spaces and at", "Example Co", "alice smith@example.com"},
		{"colons", "Acme: Portal", "a:b"},
		{"non-ascii", "Société Générale", "josé@exämple.fr"},
		{"url syntax", "A&B=C?#/%+", "x+y&z=1#frag/?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := URI(tc.issuer, tc.account, secret)
			u, err := url.Parse(raw)
			require.NoError(t, err)
			assert.Equal(t, "otpauth", u.Scheme)
			assert.Equal(t, "totp", u.Host)

			// Apps split the label on the one unescaped ':'.
			label := strings.TrimPrefix(u.EscapedPath(), "/")
			parts := strings.Split(label, ":")
			require.Len(t, parts, 2, "label %q", label)
			issuer, err := url.PathUnescape(parts[0])
			require.NoError(t, err)
			account, err := url.PathUnescape(parts[1])
			require.NoError(t, err)
			assert.Equal(t, tc.issuer, issuer)
			assert.Equal(t, tc.account, account)

			q := u.Query()
			assert.Equal(t, EncodeSecret(secret), q.Get("secret"))
			assert.Equal(t, tc.issuer, q.Get("issuer"))
			assert.Equal(t, "SHA1", q.Get("algorithm"))
			assert.Equal(t, "6", q.Get("digits"))
			assert.Equal(t, "30", q.Get("period"))
			require.Len(t, q, 5)

			// Some apps show '+' literally, so spaces must be %20.
			assert.NotContains(t, raw, "+")
			assert.NotContains(t, raw, " ")
		})
	}
	t.Run("parameter order", func(t *testing.T) {
		assert.Equal(t,
			"otpauth://totp/Example%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Co&algorithm=SHA1&digits=6&period=30",
			URI("Example Co", "alice@example.com", rfcSecret))
	})
}

func TestErrorsNeverQuoteSecret(t *testing.T) {
	secret := testSecret()
	encoded := EncodeSecret(secret)
	now := time.Unix(1700000015, 0)
	var errs []error
	for _, in := range []string{"", "12345", encoded, "000000"} {
		_, err := Verify(secret, in, now)
		errs = append(errs, err)
	}
	for i, err := range errs {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			require.Error(t, err)
			assert.NotContains(t, err.Error(), encoded)
			assert.NotContains(t, err.Error(), string(secret))
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	code := Code(secret, now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(secret, code, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPquernaValidateCustom is the yardstick the project's speed
// target is set against, under the same parameters as Verify.
func BenchmarkPquernaValidateCustom(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	code := Code(secret, now)
	encoded := EncodeSecret(secret)
	opts := ptotp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := ptotp.ValidateCustom(code, encoded, now, opts)
		if err != nil || !ok {
			b.Fatal("pquerna rejected a valid code", err)
		}
	}
}

// The wrong-code pair shows the worst case: pquerna stops at the first
// match, so it only computes all three steps when nothing matches.
func BenchmarkVerifyWrongCode(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	code := Code(secret, now.Add(-time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(secret, code, now); !errors.Is(err, ErrInvalidCode) {
			b.Fatal(err)
		}
	}
}

func BenchmarkPquernaValidateCustomWrongCode(b *testing.B) {
	secret := testSecret()
	now := time.Unix(1700000015, 0)
	code := Code(secret, now.Add(-time.Hour))
	encoded := EncodeSecret(secret)
	opts := ptotp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := ptotp.ValidateCustom(code, encoded, now, opts)
		if err != nil || ok {
			b.Fatal("pquerna accepted a wrong code", err)
		}
	}
}
