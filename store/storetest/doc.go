// Package storetest is the conformance suite every storage backend runs.
//
// The suite is cut by capability: [RunTOTP], [RunReseal],
// [RunBackupCodes], [RunLockout], [RunDevices], [RunHistory],
// [RunPasskeys], [RunCeremonies], [RunOOB], [RunDestinations],
// [RunPolicies] and [RunSummaries] each check one capability's Store, and
// take a function that returns a fresh, empty store of that interface for
// each subtest. A backend runs the suites of what it implements:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunTOTP(t, func(t *testing.T) totp.Store { return mystore.New() })
//		storetest.RunLockout(t, func(t *testing.T) lockout.Store { return mystore.New() })
//		// … one line per capability the backend has
//	}
//
// The backends of this repository have every capability, and call [Run],
// which runs them all against a [Store]:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return memory.New() })
//	}
//
// # Adding a capability
//
// A capability added later must not break a backend written outside this
// repository the day it upgrades. So a new capability comes with a Run
// function of its own and, when the Service can do without it, as an
// optional one: the Service discovers it once, when it is made from a
// store, and a Service whose store lacks it just does not offer it.
// Passkeys are the first such capability: a store that is no
// [passkeys.Store] and [passkeys.CeremonyStore] gives a Service without
// passkeys; re-sealing ([totp.ResealStore], [RunReseal]) came next, then
// transactions ([RunTx]: a store with InTx runs each attempt of the
// Service in one transaction; one without is called a call at a time). Such
// a backend keeps compiling and passing the suites it runs;
// it runs the new suite the day it implements the capability. [Store] and
// [Run] grow with every capability, which is why only this repository's
// backends use them; [RunReopen] asks only for what every portal needs,
// and checks an optional capability when the store has it.
//
// # What is checked
//
// The suite checks every sentence of the capability contracts
// ([totp.Store], [totp.ResealStore], [backupcodes.Store], [lockout.Store],
// [devices.Store], [history.Store], [passkeys.Store],
// [passkeys.CeremonyStore], [oob.Store], [oob.DestinationStore],
// [policy.Store], [summary.Store]) and, with concurrent callers, the
// rules that must hold however many requests arrive at once: a TOTP step is accepted
// once, a pending enrollment is activated once, a re-sealed secret
// replaces only the one it was made from, a backup code is redeemed once, no more than
// [lockout.Limit.Threshold] attempts are granted before the lock falls, a
// trusted device serves every concurrent login of its own user (and no
// other user's), each device is counted by one "revoke all", no more
// passkeys are added than the cap, a credential ID is registered once, a
// sign counter is moved by one of the logins that read it, a ceremony is
// taken once, and the time a policy first applied to a user is recorded
// once. Sharing one suite keeps the backends from drifting apart.
//
// A backend that keeps its data beyond one store value also runs
// [RunReopen]. [BenchmarkAcceptTOTPStep], [BenchmarkRedeemBackupCode],
// [BenchmarkUseDevice], [BenchmarkRecordEvent], [BenchmarkUsePasskey],
// [BenchmarkTakeCeremony] and [BenchmarkAccounts] are shared the same
// way, and [Together] serves a backend's own tests of concurrent callers.
package storetest
