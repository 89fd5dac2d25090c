// Package storetest is the conformance suite every storage backend runs.
//
// A backend's test calls [Run] with a function that returns a fresh, empty
// store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store {
//			return memory.New()
//		})
//	}
//
// The suite checks every sentence of the capability contracts
// ([totp.Store], [backupcodes.Store], [lockout.Store], [devices.Store],
// [history.Store]) and, with concurrent callers, the rules that must hold
// however many requests arrive at once: a TOTP step is accepted once, a
// pending enrollment is activated once, a backup code is redeemed once, no
// more than [lockout.Limit.Threshold] attempts are granted before the lock
// falls, a trusted device serves every concurrent login of its own user
// (and no other user's), and each device is counted by one "revoke all".
// Sharing one suite keeps the backends from drifting apart.
//
// A backend that keeps its data beyond one Store also runs [RunReopen].
// [BenchmarkAcceptTOTPStep], [BenchmarkRedeemBackupCode],
// [BenchmarkUseDevice] and [BenchmarkRecordEvent] are shared the same way,
// and [Together] serves a backend's own tests of concurrent callers.
package storetest
