// Package history is the audit trail a user can read: every second-factor
// attempt (time, method, IP, device, result, and why it failed) and the
// security events of the account (two-factor turned on or off, backup codes
// regenerated or used, a device trusted or revoked, a lockout, an
// administrator's reset, "this wasn't me").
//
// Entries are kept for a retention period and removed by
// [Store.PruneEvents], which the host runs periodically.
package history
