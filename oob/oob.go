package oob

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Channel is how a code travels.
type Channel string

// The channels.
const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Valid reports whether c is one of the channels.
func (c Channel) Valid() bool { return c == Email || c == SMS }

const (
	// Digits is the length of a code.
	Digits = 6
	// Validity is how long a code works after it is sent.
	Validity = 10 * time.Minute
	// DefaultCooldown and DefaultPerHour are the limits: one send
	// a minute, five an hour.
	DefaultCooldown = time.Minute
	DefaultPerHour  = 5
	// Window is the span over which [Limits.PerHour] counts sends: the
	// hour before the send, its start excluded.
	Window = time.Hour
)

var (
	// ErrMalformedCode: not Digits decimal digits once spaces and dashes
	// are removed. No code could match it.
	ErrMalformedCode = errors.New("oob: malformed code")
	// ErrInvalidCode: no unexpired code of the user for the binding has
	// this hash (wrong, used, voided by a newer code, or expired).
	ErrInvalidCode = errors.New("oob: invalid code")
	// ErrCooldown: the user was sent a code too recently.
	ErrCooldown = errors.New("oob: code sent too recently")
	// ErrTooManySends: the user, or the destination, had all the sends an
	// hour allows.
	ErrTooManySends = errors.New("oob: too many codes sent")
	// ErrInvalidLimits: [Limits] a store cannot enforce.
	ErrInvalidLimits = errors.New("oob: invalid limits")
)

// codeSpace is the number of codes: 10^Digits.
const codeSpace = 1_000_000

// acceptBelow is the largest multiple of codeSpace that fits in 32 bits:
// a uniform uint32 below it, taken modulo codeSpace, is uniform over the
// codes. Above it (0.02% of draws) the draw is rejected.
const acceptBelow = (1 << 32) / codeSpace * codeSpace

// maxDraws bounds the draws of NewCode: with real randomness the chance
// of that many rejections in a row is below 10^-200, so reaching it means
// a broken reader.
const maxDraws = 64

// NewCode returns a new code of Digits decimal digits, read from r
// (crypto/rand when nil). Every code is equally likely.
func NewCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [4]byte
	for range maxDraws {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("oob: reading randomness: %w", err)
		}
		if n := binary.BigEndian.Uint32(b[:]); n < acceptBelow {
			s := strconv.FormatUint(uint64(n%codeSpace), 10)
			return strings.Repeat("0", Digits-len(s)) + s, nil
		}
	}
	return "", errors.New("oob: reading randomness: every draw rejected")
}

// Normalize returns code as its Digits digits, without the spaces, tabs
// and dashes people add ("123 456", "123-456"). Anything else, a code of
// another length, or other characters, is [ErrMalformedCode].
func Normalize(code string) (string, error) {
	if len(code) > 4*Digits { // room for any spacing; bounds the work
		return "", ErrMalformedCode
	}
	var b [Digits]byte
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
			continue
		case c < '0' || c > '9' || n == Digits:
			return "", ErrMalformedCode
		}
		b[n] = c
		n++
	}
	if n != Digits {
		return "", ErrMalformedCode
	}
	return string(b[:]), nil
}

// Hasher hashes codes under a secret key.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher keyed with key (at least 32 bytes, used for
// nothing else).
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < 32 {
		return nil, errors.New("oob: hash key shorter than 32 bytes")
	}
	return &Hasher{key: append([]byte(nil), key...)}, nil
}

// Hash returns the stored form of a normalized code sent to userID for
// binding: what the code is bound to, such as a pending login's identifier
// or the number being confirmed. Each field is length-prefixed, so no two
// different inputs share an encoding.
func (h *Hasher) Hash(userID, binding, normalizedCode string) []byte {
	m := hmac.New(sha256.New, h.key)
	for _, field := range []string{userID, binding, normalizedCode} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		m.Write(n[:])
		m.Write([]byte(field))
	}
	return m.Sum(nil)
}

// LimitError refuses a send. It wraps [ErrCooldown] or [ErrTooManySends].
type LimitError struct {
	Err error
	// Until is when a send is allowed again, if none is made meanwhile.
	Until time.Time
}

func (e *LimitError) Error() string {
	return e.Err.Error() + " (allowed again at " + e.Until.UTC().Format(time.RFC3339) + ")"
}

func (e *LimitError) Unwrap() error { return e.Err }

// Validate reports whether a store can enforce l: a Cooldown between zero
// and [Window] (a store keeps sends for a Window only) and a PerHour of at
// least one. It returns nil or an error wrapping [ErrInvalidLimits].
func (l Limits) Validate() error {
	if l.Cooldown < 0 || l.Cooldown > Window || l.PerHour < 1 {
		return fmt.Errorf("%w: cooldown %v, %d per hour", ErrInvalidLimits, l.Cooldown, l.PerHour)
	}
	return nil
}

// Check decides a send at now from what a store read while no other send
// to the same user or destination could be made: last, the user's latest
// send (zero if none); userNth and destNth, the PerHour-th latest send to
// the user and to the destination within the Window before now (sent
// after now-Window), zero if there were fewer. It returns nil when l
// allows the send, or a [*LimitError] with the time every limit allows
// one again: [ErrTooManySends] when an hourly cap refuses, [ErrCooldown]
// when only the cooldown does.
//
// It is the one place the limits are decided, so no backend can differ in
// rounding or in which error it reports; backends call it and store
// nothing when it refuses.
func (l Limits) Check(now, last, userNth, destNth time.Time) error {
	var until time.Time
	var err error
	for _, nth := range []time.Time{userNth, destNth} {
		// Once the nth latest send is a Window old, fewer than PerHour
		// remain within it.
		if !nth.IsZero() {
			if u := nth.Add(Window); u.After(until) {
				until = u
			}
			err = ErrTooManySends
		}
	}
	if !last.IsZero() {
		if u := last.Add(l.Cooldown); u.After(now) {
			if u.After(until) {
				until = u
			}
			if err == nil {
				err = ErrCooldown
			}
		}
	}
	if err == nil {
		return nil
	}
	return &LimitError{Err: err, Until: until}
}
