// Package lockout counts failed second-factor attempts and locks a key (a
// user, an IP address) once too many fail in a row.
//
// An attempt is reserved before the code is checked: [Store.ReserveAttempt]
// counts it as a failure in advance, in one atomic operation, and
// [Store.ResetAttempts] clears the count when the attempt succeeds. So however
// many requests arrive at once, at most [Limit.Threshold] of them are ever
// evaluated before the lock falls; the rest are refused unevaluated.
//
// [Limit.LockDelay] is the one place lock lengths are computed; backends
// store the result rather than re-deriving it, so they all agree.
package lockout
