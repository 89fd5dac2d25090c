// Package memory is a storage backend that keeps everything in the memory of
// one process, for tests, examples and quick starts. Nothing survives a
// restart, and several instances of a portal cannot share it; use the
// SQLite or PostgreSQL backend for that.
//
// [New] returns a [Store] that satisfies [totp.Store], [totp.ResealStore],
// [backupcodes.Store], [lockout.Store], [devices.Store], [history.Store],
// [passkeys.Store], [passkeys.CeremonyStore] and [policy.Store]. One
// mutex guards all its data, and each method holds it for the whole of its
// read-modify-write, which is what makes every method the single atomic
// operation the contracts ask for. Byte slices, and a policy's lists and
// banners, are copied on the way in and out, so no caller shares memory
// with what the store keeps.
package memory
