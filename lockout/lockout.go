package lockout

import (
	"context"
	"errors"
	"time"
)

// ErrLockedOut is returned by [Store.ReserveAttempt] while a key is locked.
var ErrLockedOut = errors.New("lockout: too many failed attempts")

// KeepPrefix starts the keys that [Store.PruneAttempts] never forgets,
// however long idle: only [Store.ResetAttempts] ends their count. They are
// for counts that only a success may end, such as a user's failures in a
// row over months (NIST SP 800-63B caps them at 100). Such a key must name
// something bounded, a known user, never anything a client makes up.
const KeepPrefix = "keep:"

// Limit says when and for how long a key is locked.
type Limit struct {
	// Threshold is the number of consecutive failures that locks the key.
	Threshold int
	// Delay is the length of the first lock; each further lock of the same
	// key, without a success in between, doubles it, up to MaxDelay.
	Delay    time.Duration
	MaxDelay time.Duration
}

// LockDelay returns how long the key is locked the (n+1)th time in a row,
// given n earlier locks: Delay doubled n times, capped at MaxDelay.
func (l Limit) LockDelay(n int) time.Duration {
	d := l.Delay
	for range n {
		if d > l.MaxDelay-d { // doubling would pass the cap (without overflow)
			return l.MaxDelay
		}
		d *= 2
	}
	return min(d, l.MaxDelay)
}

// LockEnds lists where a lock taken at now ends, given the number of locks
// before it: entry n is now + LockDelay(n), and the last entry serves for
// every n beyond it, since the delay stops changing at MaxDelay. Backends
// pass the list to the statement that counts the lock, which picks the
// entry from the count it holds: lock lengths are computed here only, so
// no backend can disagree on rounding, the cap or overflow.
func (l Limit) LockEnds(now time.Time) []time.Time {
	var ends []time.Time
	// LockDelay is constant from the first n where it returns MaxDelay; a
	// non-positive Delay never reaches it, but doubled 64 times it is 0.
	for n := 0; n <= 64; n++ {
		d := l.LockDelay(n)
		ends = append(ends, now.Add(d))
		if d == l.MaxDelay {
			break
		}
	}
	return ends
}

// Attempt describes a reserved attempt.
type Attempt struct {
	// Failures counts this attempt and the failures before it since the
	// last success or expired lock.
	Failures int
	// LockedUntil is set when this attempt reached the threshold: the key
	// is already locked, and stays so unless the attempt succeeds.
	LockedUntil time.Time
}

// Store counts attempts per key. Each method is one atomic operation.
type Store interface {
	// ReserveAttempt counts one attempt for key at now. While the key is
	// locked (its lock ends after now) it counts nothing and returns
	// [ErrLockedOut] with an Attempt whose LockedUntil is the end of the lock. Otherwise it adds one failure —
	// starting again from one when the count had reached the threshold and
	// that lock has expired — and when the count reaches limit.Threshold it
	// locks the key for limit.LockDelay(locks so far) and counts that lock.
	ReserveAttempt(ctx context.Context, key string, limit Limit, now time.Time) (Attempt, error)

	// LockedUntil returns the end of key's lock when the key is locked at
	// now, and the zero time otherwise (an unknown key is not locked).
	LockedUntil(ctx context.Context, key string, now time.Time) (time.Time, error)

	// PruneAttempts forgets every key whose last counted attempt is older
	// than before and whose lock, if any, ended by then, but for those
	// starting with [KeepPrefix], and returns how many it forgot: failures
	// and lock counts that old start afresh, and keys an attacker made up
	// do not pile up.
	PruneAttempts(ctx context.Context, before time.Time) (int, error)

	// ResetAttempts forgets the failures, lock and lock count of each key,
	// after a success, in one operation. Resetting an unknown key is not an
	// error.
	ResetAttempts(ctx context.Context, keys ...string) error
}

// Releaser takes back reservations. It is optional: a Service whose store
// lacks it keeps what it cannot take back counted (a password that was
// right, an attempt the store failed to evaluate), erring on the strict
// side.
type Releaser interface {
	// ReleaseAttempt takes back the attempt a that ReserveAttempt counted
	// for key, when it turned out to be no failure: the count goes down by
	// one (not below zero), and when a locked the key (its LockedUntil is
	// set) and that lock still stands as a set it, the lock goes, and the
	// count of locks with it. Releasing a key that is gone is not an error.
	ReleaseAttempt(ctx context.Context, key string, a Attempt) error
}
