package backupcodes

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	// Count is the number of codes in a set.
	Count = 10
	// Length is the number of characters of a code: 75 bits.
	Length = 15
	// Alphabet has 32 characters, none of which reads like another: the
	// digits 0 and 1 and the letters O and I are left out.
	Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	// SaltSize is the size of a set's salt in bytes.
	SaltSize = 16

	group = 5 // characters between dashes when shown
)

var (
	// ErrMalformedCode: not Length characters of the alphabet once spaces
	// and dashes are removed. No code could match it.
	ErrMalformedCode = errors.New("backupcodes: malformed code")
	// ErrInvalidCode: no unused code of the user's active set matches.
	ErrInvalidCode = errors.New("backupcodes: invalid code")
	// ErrNoCodes: the user has no set (or, for activation, no pending one).
	ErrNoCodes = errors.New("backupcodes: no codes")
	// ErrAlreadyActive: a pending set cannot replace an active one.
	ErrAlreadyActive = errors.New("backupcodes: set already active")
)

// Generate returns Count new codes read from r (crypto/rand when nil),
// formatted for display.
func Generate(r io.Reader) ([]string, error) {
	if r == nil {
		r = rand.Reader
	}
	// Each byte gives one character: Alphabet has 32 = 2^5 characters, so
	// the low 5 bits of a uniform byte are uniform over it.
	raw := make([]byte, Count*Length)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("backupcodes: reading randomness: %w", err)
	}
	codes := make([]string, Count)
	for i := range codes {
		code := make([]byte, Length)
		for j, c := range raw[i*Length : (i+1)*Length] {
			code[j] = Alphabet[c&31]
		}
		codes[i] = Format(string(code))
	}
	return codes, nil
}

// Format shows a normalized code as it is generated: in groups of five
// separated by dashes, easy to read aloud.
func Format(normalized string) string {
	var b strings.Builder
	for i := 0; i < len(normalized); i += group {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(normalized[i:min(i+group, len(normalized))])
	}
	return b.String()
}

// Normalize returns code as its Length characters in upper case, without
// the spaces and dashes people add when they copy it.
func Normalize(code string) (string, error) {
	if len(code) > 4*Length { // room for any spacing; bounds the work
		return "", ErrMalformedCode
	}
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if strings.IndexByte(Alphabet, c) < 0 || b.Len() == Length {
			return "", ErrMalformedCode
		}
		b.WriteByte(c)
	}
	if b.Len() != Length {
		return "", ErrMalformedCode
	}
	return b.String(), nil
}

// NewSalt returns a fresh salt for a set, read from r (crypto/rand when nil).
func NewSalt(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	salt := make([]byte, SaltSize)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, fmt.Errorf("backupcodes: reading salt: %w", err)
	}
	return salt, nil
}

// Hasher hashes codes under a secret key.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher keyed with key (at least 32 bytes, used for
// nothing else).
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < 32 {
		return nil, errors.New("backupcodes: hash key shorter than 32 bytes")
	}
	return &Hasher{key: key}, nil
}

// tagSize is the size of the tag that ends a salt made by [Hasher.NewSalt].
const tagSize = 8

// NewSalt returns a fresh salt for a set hashed by h, read from r
// (crypto/rand when nil). It names h: SaltSize random bytes, then a tag,
// their HMAC under h's key. After a key has left the ring, a set hashed
// under it is then known for what it is ([Hasher.Made] is false for every
// hasher), rather than every one of its codes taken for a wrong one.
func (h *Hasher) NewSalt(r io.Reader) ([]byte, error) {
	salt, err := NewSalt(r)
	if err != nil {
		return nil, err
	}
	return append(salt, h.tag(salt)...), nil
}

// Made reports whether salt was made by h's [Hasher.NewSalt]. A salt
// without a tag (from [NewSalt]) is made by no hasher; see [Tagged].
func (h *Hasher) Made(salt []byte) bool {
	return Tagged(salt) && hmac.Equal(salt[SaltSize:], h.tag(salt[:SaltSize]))
}

// Tagged reports whether salt names the hasher that made it.
func Tagged(salt []byte) bool { return len(salt) == SaltSize+tagSize }

func (h *Hasher) tag(random []byte) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("portalmfa backup-code salt tag"))
	m.Write(random)
	return m.Sum(nil)[:tagSize]
}

// Hash returns the stored form of a normalized code of userID's set with
// the given salt. Each field is length-prefixed, so no two different
// inputs share an encoding.
func (h *Hasher) Hash(salt []byte, userID, normalized string) []byte {
	m := hmac.New(sha256.New, h.key)
	for _, field := range [][]byte{salt, []byte(userID), []byte(normalized)} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		m.Write(n[:])
		m.Write(field)
	}
	return m.Sum(nil)
}
