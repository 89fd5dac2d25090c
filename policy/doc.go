// Package policy says what an administrator asks of a group of portal
// users: whether a second factor is optional, recommended or required,
// which kinds of factor count, by when, and for how long "trust this
// device" may last.
//
// A [Policy] targets the host's groups, or everyone. A user may be in
// several groups and so under several policies; [Resolve] folds those that
// apply into one [Effective] policy, the strictest of them:
//
//   - the highest level (required over recommended over optional);
//   - the earliest deadline of the required ones;
//   - the factors every one of them allows (backup codes always count,
//     being the account's recovery rather than a factor);
//   - the smallest cap on trusted devices;
//   - the banner of the policy that set the level (the first, by name,
//     among equals).
//
// A required policy's deadline is a fixed date, or a grace period counted
// from when the policy first applied to the user, which the [Store]
// records once. [Effective.Standing] tells, at a time and given whether the
// user has an allowed factor on, where the user stands: nothing asked,
// recommended, required within grace, or overdue.
//
// The package stores nothing itself and imports no other part of
// portalmfa: factor kinds are their names ("totp", "passkey", "sms",
// "email").
package policy
