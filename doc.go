// Package portalmfa gives a Go web portal the second step of its login and
// a self-service security page for its portal users.
//
// The host keeps users, passwords and sessions; portalmfa keeps second
// factors. A [Service] built with [New] composes the capability packages
// (totp, lockout, …) over one [Store] (store/memory, store/sqlite) into the
// operations a portal needs:
//
//   - enrollment: [Service.BeginTOTP], [Service.TOTPQRCode],
//     [Service.ConfirmTOTP]; and [Service.DisableTOTP], guarded by the account
//     password;
//   - the login: after the password, [Service.SecondFactorRequired]; then a
//     signed, short-lived state from [Service.NewPendingLogin] carries the
//     user to the challenge, where [Service.VerifyTOTP] checks the code;
//   - [Service.Status] for the security page.
//
// Package httpx turns this into pages mounted at /my/security and a login
// challenge; examples/portal shows a whole portal using it.
//
// Every attempt at a second factor is counted before it is evaluated, per
// user and per IP, and locks out after too many failures ([LockedOutError]).
// A TOTP step is accepted once per user. The store enforces both atomically,
// so they hold with concurrent requests and several portal instances.
//
// Errors are sentinels checked with errors.Is. [ErrUnavailable] means the
// store or a key failed: the answer is "try again later", never "second
// factor skipped".
package portalmfa
