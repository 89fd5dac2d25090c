package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The parameters are fixed rather than configurable: several apps ignore
// other values in the otpauth URI and silently show wrong codes.
const (
	Digits     = 6
	Period     = 30 * time.Second
	SecretSize = 20 // bytes (160 bits), the HMAC-SHA-1 output size RFC 4226 recommends
)

var (
	// ErrMalformedCode means the input is not 6 ASCII digits once spaces
	// and one dash are removed: no secret could match it, so the user should
	// be told to retype rather than that the code was wrong.
	ErrMalformedCode = errors.New("totp: malformed code")
	// ErrInvalidCode means a well-formed code that matches no step in the
	// window.
	ErrInvalidCode = errors.New("totp: invalid code")
	// ErrReplayed is returned by [Store.AcceptTOTPStep] for a step at or
	// before the last one accepted.
	ErrReplayed = errors.New("totp: code already used")
	// ErrNotEnrolled is a [Store] miss.
	ErrNotEnrolled = errors.New("totp: not enrolled")
	// ErrAlreadyActive is returned by [Store.SavePendingTOTP] so that a new
	// enrollment cannot overwrite an active one.
	ErrAlreadyActive = errors.New("totp: already active")
	// ErrUnsealable wraps every failure of [Sealer.Open]: the reasons are
	// for logs, the outcome is the same.
	ErrUnsealable = errors.New("totp: cannot open sealed secret")
)

// periodSeconds is Period as the integer RFC 6238 calls X.
const periodSeconds = int64(Period / time.Second)

// NewSecret reads a SecretSize-byte secret from r, or from crypto/rand when
// r is nil. r is a parameter so tests can pin the secret.
func NewSecret(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	secret := make([]byte, SecretSize)
	if _, err := io.ReadFull(r, secret); err != nil {
		return nil, fmt.Errorf("totp: reading secret: %w", err)
	}
	return secret, nil
}

// EncodeSecret returns secret as authenticator apps expect it: base32
// upper case without padding, since '=' is noise to someone typing it.
func EncodeSecret(secret []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

// URI returns the otpauth:// key URI for secret, in the Google Authenticator
// "Key Uri Format": the label is "issuer:account" and the issuer is repeated
// as a parameter because newer apps read only the parameter. Spaces are
// escaped as %20, never '+', and ':' inside a name as %3A, because apps
// differ in how they undo anything else.
func URI(issuer, account string, secret []byte) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(escape(issuer))
	b.WriteByte(':')
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(secret))
	b.WriteString("&issuer=")
	b.WriteString(escape(issuer))
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(Digits))
	b.WriteString("&period=")
	b.WriteString(strconv.FormatInt(periodSeconds, 10))
	return b.String()
}

// escape percent-encodes everything but unreserved characters, so the same
// text is safe in the label and in the query.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// Normalize returns code as the 6 digits it stands for. Users copy codes
// shown as "123 456" or "123-456", so ASCII spaces and tabs anywhere, and
// one '-', are dropped; anything else, including non-ASCII digits that
// would pass unicode.IsDigit, makes it [ErrMalformedCode].
func Normalize(code string) (string, error) {
	d, err := normalize(code)
	if err != nil {
		return "", err
	}
	return string(d[:]), nil
}

// normalize is Normalize without the allocation, for Verify's hot path. It
// gives up at the seventh digit or the first stray byte, so a huge input
// costs at most one scan and no memory.
func normalize(code string) ([Digits]byte, error) {
	var d [Digits]byte
	n, dashes := 0, 0
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == ' ' || c == '\t':
		case c == '-' && dashes == 0:
			dashes++
		case c >= '0' && c <= '9' && n < Digits:
			d[n] = c
			n++
		default:
			return d, ErrMalformedCode
		}
	}
	if n != Digits {
		return d, ErrMalformedCode
	}
	return d, nil
}

// StepAt returns the RFC 6238 time step containing t. It rounds down for
// times before 1970 too, so every step is exactly Period long.
func StepAt(t time.Time) int64 {
	u := t.Unix()
	s := u / periodSeconds
	if u%periodSeconds < 0 {
		s--
	}
	return s
}

// Code returns the code an authenticator app shows at t. Production code
// only verifies; this exists for tests and demos.
func Code(secret []byte, t time.Time) string {
	return hotp(secret, uint64(StepAt(t)), Digits)
}

// Verify checks code against secret for the steps just before, at and just
// after t, and returns the step it matched. It does not guard against
// replay: pass the step to [Store.AcceptTOTPStep].
//
// All three steps are computed and compared in constant time whatever the
// outcome, so the response time tells nothing about which step, or which
// digits, came close.
func Verify(secret []byte, code string, t time.Time) (step int64, err error) {
	given, err := normalize(code)
	if err != nil {
		return 0, err
	}
	if len(secret) == 0 {
		// An empty key makes codes anyone can compute; fail closed.
		return 0, fmt.Errorf("%w: empty secret", ErrInvalidCode)
	}
	now := StepAt(t)
	mac := hmac.New(sha1.New, secret)
	matched := 0
	for s := now - 1; s <= now+1; s++ {
		var want [Digits]byte
		hotpDigits(mac, uint64(s), want[:])
		eq := subtle.ConstantTimeCompare(want[:], given[:])
		mask := -int64(eq) // all ones on a match
		step = step&^mask | s&mask
		matched |= eq
	}
	if matched == 0 {
		return 0, ErrInvalidCode
	}
	return step, nil
}

// hotp is RFC 4226 HOTP with HMAC-SHA-1, as digits decimal digits. Code
// uses it, and the RFC 6238 vectors run through it into hotpDigits, which
// is what Verify calls.
func hotp(secret []byte, counter uint64, digits int) string {
	out := make([]byte, digits)
	hotpDigits(hmac.New(sha1.New, secret), counter, out)
	return string(out)
}

// hotpDigits fills out with the HOTP value of counter under mac, an
// HMAC-SHA-1 keyed with the secret: the MAC of the big-endian counter, 31
// bits taken at the offset named by the last nibble, the low len(out)
// decimal digits kept. It resets mac first, so Verify keys one HMAC and
// runs it for all three steps.
//
// SHA-1 is the only algorithm because it is the only one every
// authenticator app honours; it is safe here, where only HMAC's PRF
// property matters.
func hotpDigits(mac hash.Hash, counter uint64, out []byte) {
	mac.Reset()
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	var buf [sha1.Size]byte
	sum := mac.Sum(buf[:0])

	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = '0' + byte(v%10)
		v /= 10
	}
}
