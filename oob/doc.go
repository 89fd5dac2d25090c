// Package oob makes the one-time codes a portal sends out of band, by email
// or by SMS, as a second factor, and defines how a store keeps them.
//
// [NewCode] draws a code of [Digits] decimal digits from crypto/rand, each
// of the million codes equally likely. A person types it back with or
// without spaces and a dash ([Normalize]). A code is valid for [Validity],
// used once, and bound to what it was sent for: one pending login, or the
// confirmation of one phone number or address. Only its hash is stored:
// HMAC-SHA-256 under a key of the Service's key ring, over the user ID, the
// binding and the code ([Hasher]). A code of one login is therefore no code
// of another, nor of another user, and a dump of the store alone lets
// nobody test a guess offline.
//
// # Limits
//
// Every send costs the host money and lands on someone's phone or in
// someone's inbox, so a [Store] refuses a send, in the same atomic step
// that stores the code, when it comes within [Limits.Cooldown] of the
// user's last one, or when the user, or the destination whoever the user,
// had [Limits.PerHour] sends in the hour before ([LimitError]). The record
// of sends is kept apart from the codes: redeeming or replacing a code
// resets no limit. A newer code for the same user and binding voids the
// older. Wrong codes are not counted here: they count in the lockout of
// the Service, the same for every factor, which a resend never resets.
//
// # What NIST SP 800-63B says
//
// SP 800-63B (§5.1.3.3) calls authentication by SMS or voice to the public
// telephone network "restricted": SIM swaps, number porting and
// interception make it weaker than an authenticator app or a passkey, and
// a service offering it must offer an alternative and tell users of the
// risk. Email is not an out-of-band authenticator at all in its eyes: an
// inbox is usually reached with a password alone (§5.1.3.1). Both are
// still better than no second factor for many portal users, which is why
// this package exists; the Service lets a host turn either channel off,
// and a policy decides which kinds of factors a group may use.
package oob
