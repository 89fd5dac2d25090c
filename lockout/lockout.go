package lockout

import (
	"context"
	"errors"
	"time"
)

// ErrLockedOut is returned by [Store.ReserveAttempt] while a key is locked.
var ErrLockedOut = errors.New("lockout: too many failed attempts")

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
		if d >= l.MaxDelay/2 {
			return l.MaxDelay
		}
		d *= 2
	}
	return min(d, l.MaxDelay)
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

	// ResetAttempts forgets the failures, lock and lock count of key, after a
	// success. Resetting an unknown key is not an error.
	ResetAttempts(ctx context.Context, key string) error
}
