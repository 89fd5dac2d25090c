// Package sqlite is the embedded storage backend: one SQLite database file,
// through the pure-Go driver modernc.org/sqlite (no cgo). It suits a portal
// that runs as one instance; several instances sharing storage need the
// PostgreSQL backend.
//
// [Open] creates the file if needed and applies the embedded schema
// migrations it has not seen yet; [Store.Close] closes it. The [Store]
// satisfies [totp.Store], [totp.ResealStore], [backupcodes.Store],
// [lockout.Store], [devices.Store], [history.Store], [passkeys.Store],
// [passkeys.CeremonyStore], [policy.Store] and [summary.Store].
//
// Every rule the contracts make atomic — a TOTP step accepted once, a
// pending enrollment activated once, a backup code redeemed once, no more
// than the threshold of attempts let through, a trusted device used only
// by its own user while it is trusted, a passkey's sign counter moved by
// one of the logins that read it, a ceremony taken once, the time a
// policy first applied to a user recorded once — is decided by one SQL
// statement, never by a read followed by a write in Go, so it holds across
// connections and processes alike. Replacing a set of backup codes is one
// transaction, so the old codes and the new never both work; adding a
// passkey is one too, counting the user's passkeys under the write lock,
// so no more than the cap are ever added. Times are stored as unix
// milliseconds, but for a policy's deadline: a policy is kept as a JSON
// object, its deadline an RFC 3339 instant.
//
// [Store.InTx] runs several calls in one transaction, which the context
// carries: the Service makes each attempt at a factor one commit rather
// than one per call. The rules above hold within it as without.
package sqlite
