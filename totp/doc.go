// Package totp holds the pure parts of time-based one-time passwords
// (RFC 6238 over RFC 4226 HOTP, SHA-1, 6 digits, 30-second steps — the only
// parameters every authenticator app honours): making a secret, showing it
// to the user, checking a code, and keeping the secret sealed at rest.
// It does no storage and no HTTP; the [Store] interface it declares is what
// the Service needs from a backend.
//
// # Enrollment
//
// [NewSecret] draws a fresh secret. [URI] builds the otpauth:// link an app
// imports, and [EncodeSecret] gives the base32 text for users who type the
// key by hand. Package [github.com/portalmfa/portalmfa/totp/qrcode] renders
// the link as a PNG to scan; it lives apart so that the backends, which
// import this package, do not link an image stack.
//
// # Checking a code
//
// [Verify] normalises what the user typed (see [Normalize]) and accepts a
// code for the step at t or one step either side. One step of slack covers
// a phone clock that drifts by up to 30 seconds and a user who types a code
// just as it rolls over; every extra step would add more guesses per try
// for an attacker, so the window stays at ±1. When codes collide, Verify
// reports the latest matching step, so the replay guard burns every step
// the code could have stood for.
//
// Verify does not remember anything. It returns the matching step, and the
// caller hands that step to [Store.AcceptTOTPStep], which accepts it only if
// it is later than the last step accepted for the user. The guard lives in
// the store because only the database can make "accepted once" hold
// atomically across concurrent requests and several portal instances; a
// check in Go memory would let two requests, or two servers, accept the same
// code.
//
// # Sealed secrets
//
// Stores never see a secret in clear: the Service seals it with a [Sealer]
// (AES-256-GCM over a key ring) before saving. A sealed secret is
//
//	version (1 byte, = 1) | key id (4 bytes) | nonce (12 bytes) | ciphertext and GCM tag
//
// The key id is the first 4 bytes of SHA-256("portalmfa key id" || key), so
// the stored blob names its key without revealing anything about it. The
// nonce is random. The GCM additional data is the 5-byte header followed by
// the user ID: a sealed secret copied into another user's row, or given a
// forged header, fails to open instead of silently working.
//
// The ring's first key seals; every key opens, so keys rotate without
// downtime. [Sealer.Current] tells which stored secrets still need
// re-sealing under the newest key; a store that is also a [ResealStore]
// lets the Service walk them and replace each, so an old key can leave
// the ring.
package totp
