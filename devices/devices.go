package devices

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// ErrUnknownDevice: no such device of this user, or (for UseDevice) none
// that is still trusted.
var ErrUnknownDevice = errors.New("devices: unknown device")

// Device is one trusted browser of a user.
type Device struct {
	ID         string // public identifier, for forms; not the token
	UserID     string
	Name       string // "Firefox on Windows"
	IP         string // where it was trusted, then last used from
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time // zero unless revoked
}

// Status is where a device stands.
type Status string

const (
	Active  Status = "active"
	Expired Status = "expired"
	Revoked Status = "revoked"
)

// StatusAt returns the device's status at now.
func (d Device) StatusAt(now time.Time) Status {
	switch {
	case !d.RevokedAt.IsZero():
		return Revoked
	case !now.Before(d.ExpiresAt):
		return Expired
	}
	return Active
}

// tokenSize is 32 bytes: 256 bits.
const tokenSize = 32

// NewToken returns a fresh token for the cookie and the hash to store, read
// from r (crypto/rand when nil).
func NewToken(r io.Reader) (token string, hash []byte, err error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, tokenSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", nil, fmt.Errorf("devices: reading token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a token. A token that is not one of
// ours (wrong length or alphabet) still hashes, to a value no store holds.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IDForToken derives a device's public ID from its token: 12 bytes of a
// SHA-256 of the token under a label of its own, hex-encoded. Deriving it
// lets a page find the browser's own device in a list from its cookie,
// without a lookup that would count as a use. Like [HashToken] it tells
// nothing of a 256-bit random token, and it is a different value, so the ID
// in a form is never the stored hash.
func IDForToken(token string) string {
	h := sha256.Sum256([]byte("portalmfa v1 device-id\x00" + token))
	return hex.EncodeToString(h[:12])
}

// MaxNameLength bounds a device name, from a User-Agent or typed by the
// user, in characters.
const MaxNameLength = 64

// CleanName makes s fit to store and show as a device name, whether it came
// from a User-Agent or a rename form: valid UTF-8 (each bad byte becomes
// U+FFFD), no control or formatting characters (a NUL, which PostgreSQL
// text refuses; a bidirectional override, which could make a name read
// backwards), each run of white space one space, none at either end, and at
// most [MaxNameLength] characters. A name with nothing left is "".
func CleanName(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s { // a bad byte comes out as U+FFFD
		switch {
		case unicode.IsSpace(r):
			space = n > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			if n+1 >= MaxNameLength {
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		if n == MaxNameLength {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
