// Package backupcodes gives a user single-use emergency codes for the day
// their authenticator is gone.
//
// [Generate] draws [Count] codes of [Length] characters from an alphabet
// without look-alikes (no 0/O, no 1/I), 5 bits a character, so each code
// carries 75 bits from crypto/rand. They are shown once, in groups of five
// ("7KQ2M-XW9PE-H3RTD"), and typed back case-insensitively with or without
// spaces and dashes ([Normalize]).
//
// # Hashing
//
// Only hashes are stored: HMAC-SHA-256 under a key of the Service's key ring
// (never stored with the codes), over a random salt of the set, the user ID
// and the normalized code ([Hasher]). Why not a plain SHA-256, as the seed
// product did: 75 bits cannot be brute-forced, but a plain hash of a code
// is the same for every user and every database, and tests whether a leaked
// paper code belongs to an account. Keyed, a dump alone lets nobody test a
// guess offline; salted per set and bound to the user, the same code hashes
// differently for two users and for two sets. A slow password hash (bcrypt,
// argon2) buys nothing for 75 random bits and would cost one slow hash per
// stored code at each attempt; here one verification costs one HMAC,
// whatever the number of codes, because the salt is per set and the store
// looks the hash up.
//
// # Storage
//
// A [Store] keeps one set per user, pending (shown in the enrollment wizard,
// not yet valid) or active. [Store.RedeemBackupCode] marks a code used in
// one atomic operation, so a code is redeemed once however many requests
// race for it.
package backupcodes
