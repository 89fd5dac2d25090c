// Package portalmfa gives a Go web portal the second step of its login and
// a self-service security page for its portal users.
//
// The host keeps users, passwords and sessions; portalmfa keeps second
// factors. A [Service] built with [New] composes the capability packages
// (totp, passkeys, backupcodes, devices, history, lockout) over one [Store]
// (store/memory, store/sqlite, store/postgres) into the operations a portal
// needs.
//
// Factors are peers: a user may have TOTP, passkeys, a phone for codes by
// SMS, or several, and [Status.Enabled] (two-factor authentication is on)
// means any of them is; codes by email are a fallback beside them
// ([CodesConfig]).
// Backup codes belong to the account, made with the first factor. Sensitive
// changes need a recent verification: a proof from
// [Service.ReverifyPassword], [Service.ReverifyCode],
// [Service.ReverifyPasskey] or [Service.ReverifySentCode], which [Service.Needs] says is enough or not.
//
//   - enrollment: [Service.BeginTOTP], [Service.TOTPQRCode],
//     [Service.PendingBackupCodes], [Service.ConfirmTOTP];
//     [Service.BeginPasskeyRegistration], [Service.FinishPasskeyRegistration];
//     [Service.BeginPhone], [Service.ConfirmPhone];
//     [Service.EnableEmailCodes]; and their removal, [Service.RemoveTOTP],
//     [Service.DeletePasskey], [Service.RemovePhone],
//     [Service.DisableEmailCodes];
//   - the login: after the password, [Service.SecondFactorRequired] and,
//     for a browser the user trusted, [Service.UseTrustedDevice]; otherwise
//     a signed, short-lived state from [Service.NewPendingLogin] carries the
//     user to the challenge, where [Service.VerifyTOTP],
//     [Service.VerifyPasskey], [Service.VerifyBackupCode] or, after
//     [Service.SendLoginCode], [Service.VerifyLoginCode] checks the
//     factor and [Service.TrustDevice] may remember the browser; or a passkey
//     alone signs in ([Service.BeginPasswordless],
//     [Service.FinishPasswordless]);
//   - self-service: [Service.Status], [Service.Passkeys] and
//     [Service.RenamePasskey], [Service.RegenerateBackupCodes],
//     [Service.Devices] and their revocation, [Service.LoginHistory] and
//     [Service.NotMe];
//   - the host's calls back: [Service.PasswordChanged],
//     [Service.ResetSecondFactor], [Service.PruneHistory],
//     [Service.ResealSecrets] before an old key leaves Config.Keys; and a
//     [Notifier] it may provide.
//
// Policies (package policy, from Config.Policies and a [PolicyStore]) say
// what groups of users must do: [Service.SignInDecision],
// [Service.PolicyState] and [Service.Overdue] tell where a user stands.
//
// Package httpx turns this into pages mounted at /my/security and a login
// challenge; examples/portal shows a whole portal using it.
//
// Every attempt at a second factor is counted against the user before it is
// evaluated, failures are counted per IP too, and too many lock out
// ([LockedOutError]). A failure tells how many more the limit allows, and
// whether it set the lock ([FailedAttemptError]).
// A TOTP step is accepted once per user, a passkey ceremony is finished
// once. The store enforces these atomically, so they hold with concurrent
// requests and several portal instances.
//
// Errors are sentinels checked with errors.Is. [ErrUnavailable] means the
// store or a key failed: the answer is "try again later", never "second
// factor skipped".
package portalmfa
