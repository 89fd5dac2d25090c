package totp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

// Sealed secret layout; see the package documentation.
const (
	sealVersion = 1
	keyIDSize   = 4
	nonceSize   = 12
	headerSize  = 1 + keyIDSize
	sealedMin   = headerSize + nonceSize + 16 // 16: the GCM tag
	sealKeySize = 32                          // AES-256
)

// keyIDLabel keeps the key id from being a plain hash of the key, which
// could coincide with a hash computed for some other purpose.
const keyIDLabel = "portalmfa key id"

// Sealer encrypts TOTP secrets at rest with AES-256-GCM under a key ring.
// It is safe for concurrent use; it holds no mutable state.
type Sealer struct {
	keys []sealKey // keys[0] seals
}

type sealKey struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// NewSealer returns a Sealer over keys, newest first. Each key must be 32
// bytes, already derived for this one purpose (the Service uses HKDF).
// Duplicate keys are refused, since they point to a configuration mistake
// and would make key ids ambiguous. Errors never include key material.
func NewSealer(keys ...[]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("totp: sealer needs at least one key")
	}
	s := &Sealer{keys: make([]sealKey, 0, len(keys))}
	for i, key := range keys {
		if len(key) != sealKeySize {
			return nil, fmt.Errorf("totp: sealer key %d is %d bytes, want %d", i, len(key), sealKeySize)
		}
		id := keyID(key)
		for j, k := range s.keys {
			// Equal ids for different keys are as unusable as equal keys.
			if k.id == id {
				return nil, fmt.Errorf("totp: sealer keys %d and %d have the same key id", j, i)
			}
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("totp: sealer key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("totp: sealer key %d: %w", i, err)
		}
		s.keys = append(s.keys, sealKey{id: id, aead: aead})
	}
	return s, nil
}

func keyID(key []byte) [keyIDSize]byte {
	h := sha256.New()
	h.Write([]byte(keyIDLabel))
	h.Write(key)
	var id [keyIDSize]byte
	copy(id[:], h.Sum(nil))
	return id
}

// Seal encrypts secret for userID under the newest key. Binding userID
// means a row copied to another user cannot be opened for that user.
func (s *Sealer) Seal(secret []byte, userID string) ([]byte, error) {
	if len(secret) == 0 {
		return nil, errors.New("totp: nothing to seal")
	}
	if userID == "" {
		return nil, errors.New("totp: sealing needs a user id")
	}
	k := s.keys[0]
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(secret)+k.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:headerSize], k.id[:])
	nonce := out[headerSize:]
	// A random nonce is safe far beyond the number of secrets one key will
	// ever seal (2^32 per key).
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("totp: sealing: %w", err)
	}
	return k.aead.Seal(out, nonce, secret, additionalData(out[:headerSize], userID)), nil
}

// Open decrypts a secret sealed for userID by any key in the ring. Every
// failure wraps [ErrUnsealable]; the wrapped detail is for logs only.
func (s *Sealer) Open(sealed []byte, userID string) ([]byte, error) {
	if len(sealed) < sealedMin {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrUnsealable, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrUnsealable, sealed[0])
	}
	if userID == "" {
		return nil, fmt.Errorf("%w: no user id", ErrUnsealable)
	}
	k, ok := s.key(sealed)
	if !ok {
		return nil, fmt.Errorf("%w: unknown key id %x", ErrUnsealable, sealed[1:headerSize])
	}
	nonce := sealed[headerSize : headerSize+nonceSize]
	secret, err := k.aead.Open(nil, nonce, sealed[headerSize+nonceSize:], additionalData(sealed[:headerSize], userID))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (wrong user, key or tampered data)", ErrUnsealable)
	}
	return secret, nil
}

// Current reports whether sealed was made with the newest key, so a
// re-sealing pass after rotation can skip what is already up to date.
func (s *Sealer) Current(sealed []byte) bool {
	return len(sealed) >= headerSize && sealed[0] == sealVersion &&
		subtle.ConstantTimeCompare(sealed[1:headerSize], s.keys[0].id[:]) == 1
}

func (s *Sealer) key(sealed []byte) (sealKey, bool) {
	for _, k := range s.keys {
		if subtle.ConstantTimeCompare(sealed[1:headerSize], k.id[:]) == 1 {
			return k, true
		}
	}
	return sealKey{}, false
}

// additionalData authenticates the header along with the user, so a forged
// version byte or key id cannot pair with a genuine ciphertext. The header
// has a fixed length, so the concatenation is unambiguous.
func additionalData(header []byte, userID string) []byte {
	ad := make([]byte, 0, len(header)+len(userID))
	ad = append(ad, header...)
	return append(ad, userID...)
}
