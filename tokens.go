package portalmfa

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// The Service's signed states (a pending login, a recent verification, a
// passwordless ceremony) share one shape: base64url(payload) "."
// base64url(HMAC-SHA256(key, payload)), each under a key of its own
// purpose. The payloads differ; each starts with its format's version.

// signToken signs payload with key.
func signToken(key, payload []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(sign(key, payload))
}

// openToken returns the payload of a token of at most maxLen bytes signed
// by one of keys, and false for anything else.
func openToken(keys [][]byte, token string, maxLen int) ([]byte, bool) {
	p, m, ok := strings.Cut(token, ".")
	if !ok || len(token) > maxLen {
		return nil, false
	}
	// Strict: base64 decoding ignores the spare bits of a last character
	// and line breaks, so one token has several spellings; only the one
	// we issued opens (found by fuzzing: a spent token re-spelled opened
	// again).
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil || strings.ContainsAny(token, "\r\n") {
		return nil, false
	}
	valid := false
	for _, k := range keys {
		valid = valid || hmac.Equal(mac, sign(k, payload))
	}
	return payload, valid
}

func sign(key, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(payload)
	return h.Sum(nil)
}
