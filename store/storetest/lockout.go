package storetest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/lockout"
)

// RunLockout checks a [lockout.Store]: no more than the threshold of
// attempts granted before the lock falls, however many arrive at once,
// growing locks, resets and pruning. newStore is as for [RunTOTP].
func RunLockout(t *testing.T, newStore func(t *testing.T) lockout.Store) {
	limit := lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}

	t.Run("ThresholdLocks", func(t *testing.T) {
		s := newStore(t)
		for i := 1; i < limit.Threshold; i++ {
			grant(t, s, "k", limit, t0, i, time.Time{})
		}
		end := t0.Add(time.Minute)
		grant(t, s, "k", limit, t0, limit.Threshold, end)
		// Locked: refused with the end of the lock, which more refusals
		// neither count nor move.
		for _, now := range []time.Time{t0, t0, t0.Add(30 * time.Second), end.Add(-time.Millisecond)} {
			refuse(t, s, "k", limit, now, end)
		}
		// The lock expired: counting starts again from one.
		grant(t, s, "k", limit, end.Add(time.Second), 1, time.Time{})
	})

	t.Run("LockEndsAtLockedUntil", func(t *testing.T) {
		// Locked while the lock ends after now: at its end it is over.
		s := newStore(t)
		end := lockCycle(t, s, "k", limit, t0, 0)
		refuse(t, s, "k", limit, end.Add(-time.Millisecond), end)
		grant(t, s, "k", limit, end, 1, time.Time{})
	})

	t.Run("LockCountsAndDoubles", func(t *testing.T) {
		s := newStore(t)
		end := lockCycle(t, s, "k", limit, t0, 0)
		now := end.Add(time.Second)
		end = lockCycle(t, s, "k", limit, now, 1)
		if d := end.Sub(now); d != 2*time.Minute {
			t.Errorf("second lock lasts %v, want 2m", d)
		}
		refuse(t, s, "k", limit, now, end)
	})

	t.Run("ResetForgetsEverything", func(t *testing.T) {
		s := newStore(t)
		end := lockCycle(t, s, "k", limit, t0, 0)
		end = lockCycle(t, s, "k", limit, end, 1)
		// A success while locked (the attempt that hit the threshold
		// passed) lifts the lock at once.
		wantErr(t, "ResetAttempts", s.ResetAttempts(t.Context(), "k"), nil)
		now := end.Add(-time.Second)
		end = lockCycle(t, s, "k", limit, now, 0)
		if d := end.Sub(now); d != time.Minute {
			t.Errorf("lock after reset lasts %v, want 1m", d)
		}
	})

	t.Run("ResetMidCount", func(t *testing.T) {
		s := newStore(t)
		for i := 1; i < limit.Threshold; i++ {
			grant(t, s, "k", limit, t0, i, time.Time{})
		}
		wantErr(t, "ResetAttempts", s.ResetAttempts(t.Context(), "k"), nil)
		lockCycle(t, s, "k", limit, t0, 0)
	})

	t.Run("ResetUnknownKey", func(t *testing.T) {
		s := newStore(t)
		wantErr(t, "ResetAttempts", s.ResetAttempts(t.Context(), "nobody"), nil)
		wantErr(t, "ResetAttempts again", s.ResetAttempts(t.Context(), "nobody"), nil)
		grant(t, s, "nobody", limit, t0, 1, time.Time{})
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		s := newStore(t)
		endA := lockCycle(t, s, "user:alice", limit, t0, 0)
		grant(t, s, "user:bob", limit, t0, 1, time.Time{})
		grant(t, s, "ip:192.0.2.1", limit, t0, 1, time.Time{})
		grant(t, s, "user:bob", limit, t0, 2, time.Time{})
		wantErr(t, "ResetAttempts(bob)", s.ResetAttempts(t.Context(), "user:bob"), nil)
		refuse(t, s, "user:alice", limit, t0, endA)
		grant(t, s, "ip:192.0.2.1", limit, t0, 2, time.Time{})
		grant(t, s, "user:bob", limit, t0, 1, time.Time{})
	})

	t.Run("LockedUntil", func(t *testing.T) {
		s := newStore(t)
		locked := func(now, want time.Time) {
			t.Helper()
			got, err := s.LockedUntil(t.Context(), "ip:192.0.2.1", now)
			wantErr(t, "LockedUntil", err, nil)
			sameTime(t, "LockedUntil", got, want)
		}
		locked(t0, time.Time{}) // unknown key
		end := lockCycle(t, s, "ip:192.0.2.1", limit, t0, 0)
		locked(t0, end)
		locked(end.Add(-time.Millisecond), end)
		locked(end, time.Time{}) // over at its end
		grant(t, s, "ip:192.0.2.1", limit, end, 1, time.Time{})
		locked(end, time.Time{}) // failures, but no lock
	})

	t.Run("PruneAttempts", func(t *testing.T) {
		s := newStore(t)
		day := 24 * time.Hour
		grant(t, s, "ip:old", limit, t0, 1, time.Time{})
		end := lockCycle(t, s, "user:locked-long", lockout.Limit{Threshold: 1, Delay: 3 * day, MaxDelay: 3 * day}, t0, 0)
		grant(t, s, "ip:recent", limit, t0.Add(2*day), 1, time.Time{})
		kept := lockout.KeepPrefix + "user:alice"
		grant(t, s, kept, limit, t0, 1, time.Time{})
		n, err := s.PruneAttempts(t.Context(), t0.Add(day))
		wantErr(t, "PruneAttempts", err, nil)
		if n != 1 {
			t.Errorf("PruneAttempts = %d, want 1 (only ip:old: one is still locked, one is recent)", n)
		}
		grant(t, s, "ip:old", limit, t0.Add(2*day), 1, time.Time{}) // counts afresh
		refuse(t, s, "user:locked-long", lockout.Limit{Threshold: 1, Delay: 3 * day, MaxDelay: 3 * day}, t0.Add(2*day), end)
		grant(t, s, "ip:recent", limit, t0.Add(2*day), 2, time.Time{})
		n, err = s.PruneAttempts(t.Context(), end.Add(time.Millisecond))
		wantErr(t, "PruneAttempts", err, nil)
		if n != 3 {
			t.Errorf("PruneAttempts after every lock and attempt = %d, want 3", n)
		}
		grant(t, s, kept, limit, end, 2, time.Time{}) // never pruned
		wantErr(t, "ResetAttempts", s.ResetAttempts(t.Context(), kept), nil)
		grant(t, s, kept, limit, end, 1, time.Time{}) // only a reset ends it
	})

	t.Run("ResetSeveralKeys", func(t *testing.T) {
		s := newStore(t)
		grant(t, s, "ip:192.0.2.1", limit, t0, 1, time.Time{})
		grant(t, s, "user:alice", limit, t0, 1, time.Time{})
		grant(t, s, "user:bob", limit, t0, 1, time.Time{})
		wantErr(t, "ResetAttempts()", s.ResetAttempts(t.Context()), nil)
		wantErr(t, "ResetAttempts(ip, alice, nobody)", s.ResetAttempts(t.Context(), "ip:192.0.2.1", "user:alice", "user:nobody"), nil)
		grant(t, s, "ip:192.0.2.1", limit, t0, 1, time.Time{})
		grant(t, s, "user:alice", limit, t0, 1, time.Time{})
		grant(t, s, "user:bob", limit, t0, 2, time.Time{})
	})

	t.Run("LockDelays", func(t *testing.T) {
		// Whatever the limit, the nth lock in a row lasts exactly
		// limit.LockDelay(n), never more than MaxDelay.
		for _, c := range []struct {
			name   string
			limit  lockout.Limit
			cycles int
		}{
			{"Default", limit, 12},
			{"CapBetweenDoublings", lockout.Limit{Threshold: 3, Delay: time.Second, MaxDelay: 90 * time.Second}, 10},
			{"ThresholdOne", lockout.Limit{Threshold: 1, Delay: time.Minute, MaxDelay: time.Hour}, 10},
			{"MoreThan30Doublings", lockout.Limit{Threshold: 2, Delay: time.Millisecond, MaxDelay: 365 * 24 * time.Hour}, 40},
			{"DelayAboveMax", lockout.Limit{Threshold: 2, Delay: 2 * time.Hour, MaxDelay: time.Hour}, 3},
			{"DelayEqualsMax", lockout.Limit{Threshold: 2, Delay: time.Hour, MaxDelay: time.Hour}, 3},
			{"NoDelay", lockout.Limit{Threshold: 2, Delay: 0, MaxDelay: time.Hour}, 3},
			{"HugeMax", lockout.Limit{Threshold: 2, Delay: time.Hour, MaxDelay: math.MaxInt64}, 25},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := newStore(t)
				now := t0
				for n := range c.cycles {
					end := lockCycle(t, s, "k", c.limit, now, n)
					if t.Failed() {
						return
					}
					if end.Sub(now) > c.limit.MaxDelay {
						t.Fatalf("lock %d lasts %v, more than MaxDelay %v", n, end.Sub(now), c.limit.MaxDelay)
					}
					now = end
				}
			})
		}
	})

	t.Run("ConcurrentReserve", func(t *testing.T) {
		// However many attempts arrive at once, only Threshold of them are
		// let through to be evaluated.
		s := newStore(t)
		checkConcurrentReserve(t, s, limit, t0, 0)
	})

	t.Run("ConcurrentReserveAfterLock", func(t *testing.T) {
		s := newStore(t)
		end := lockCycle(t, s, "k", limit, t0, 0)
		checkConcurrentReserve(t, s, limit, end, 1)
	})
	t.Run("Release", func(t *testing.T) {
		s := newStore(t)
		r, ok := s.(lockout.Releaser)
		if !ok {
			t.Skip("the store does not implement lockout.Releaser (optional)")
		}
		release := func(a lockout.Attempt) {
			t.Helper()
			wantErr(t, "ReleaseAttempt", r.ReleaseAttempt(t.Context(), "k", a), nil)
		}
		// A released attempt leaves the count as it was before it.
		grant(t, s, "k", limit, t0, 1, time.Time{})
		a, err := s.ReserveAttempt(t.Context(), "k", limit, t0)
		wantErr(t, "ReserveAttempt", err, nil)
		release(a)
		grant(t, s, "k", limit, t0, 2, time.Time{})
		// Released down to nothing, never below.
		for range 3 {
			release(lockout.Attempt{Failures: 1})
		}
		grant(t, s, "k", limit, t0, 1, time.Time{})
		// The attempt that locked the key, released: the lock goes, and its
		// lock count, so the next lock is the first again.
		for i := 2; i < limit.Threshold; i++ {
			grant(t, s, "k", limit, t0, i, time.Time{})
		}
		a, err = s.ReserveAttempt(t.Context(), "k", limit, t0)
		wantErr(t, "ReserveAttempt", err, nil)
		if a.LockedUntil.IsZero() {
			t.Fatal("the threshold did not lock")
		}
		release(a)
		until, err := s.LockedUntil(t.Context(), "k", t0)
		wantErr(t, "LockedUntil", err, nil)
		sameTime(t, "LockedUntil after the release", until, time.Time{})
		end := t0.Add(time.Minute)
		grant(t, s, "k", limit, t0, limit.Threshold, end) // 1 minute: the first lock again
		// Another lock than the one released stays.
		release(lockout.Attempt{Failures: limit.Threshold, LockedUntil: end.Add(time.Hour)})
		refuse(t, s, "k", limit, t0, end)
		// A key that is gone.
		wantErr(t, "ReleaseAttempt", r.ReleaseAttempt(t.Context(), "gone", lockout.Attempt{Failures: 1}), nil)
	})

	t.Run("ConcurrentReserveAndRelease", func(t *testing.T) {
		// Attempts reserved and released at once, as right passwords are:
		// none is left counted.
		s := newStore(t)
		r, ok := s.(lockout.Releaser)
		if !ok {
			t.Skip("the store does not implement lockout.Releaser (optional)")
		}
		big := lockout.Limit{Threshold: 100, Delay: time.Minute, MaxDelay: time.Hour}
		errs := Together(50, func(int) error {
			a, err := s.ReserveAttempt(t.Context(), "k", big, t0)
			if err != nil {
				return err
			}
			return r.ReleaseAttempt(t.Context(), "k", a)
		})
		for i, err := range errs {
			wantErr(t, fmt.Sprint("reserve and release ", i), err, nil)
		}
		grant(t, s, "k", big, t0, 1, time.Time{})
	})
}

// checkConcurrentReserve makes 200 concurrent attempts on key "k" at now and
// checks that exactly limit.Threshold of them are granted, counted 1 to
// Threshold, the last locking the key for limit.LockDelay(locks).
func checkConcurrentReserve(t *testing.T, s lockout.Store, limit lockout.Limit, now time.Time, locks int) {
	t.Helper()
	const n = 200
	attempts := make([]lockout.Attempt, n)
	errs := Together(n, func(i int) error {
		var err error
		attempts[i], err = s.ReserveAttempt(t.Context(), "k", limit, now)
		return err
	})
	end := now.Add(limit.LockDelay(locks))
	var failures []int
	for i, err := range errs {
		switch {
		case err == nil:
			failures = append(failures, attempts[i].Failures)
			if attempts[i].Failures == limit.Threshold {
				sameTime(t, "LockedUntil of the locking attempt", attempts[i].LockedUntil, end)
			}
		case errors.Is(err, lockout.ErrLockedOut):
			sameTime(t, "LockedUntil of a refused attempt", attempts[i].LockedUntil, end)
		default:
			t.Errorf("caller %d: unexpected error %v", i, err)
		}
	}
	slices.Sort(failures)
	want := make([]int, limit.Threshold)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(failures, want) {
		t.Errorf("granted attempts counted %v, want %v", failures, want)
	}
	refuse(t, s, "k", limit, now, end)
}

// lockCycle makes limit.Threshold attempts on key at now, expecting them
// counted from one and the last to lock the key for limit.LockDelay(locks).
// It returns the end of the lock.
func lockCycle(t *testing.T, s lockout.Store, key string, limit lockout.Limit, now time.Time, locks int) time.Time {
	t.Helper()
	for i := 1; i < limit.Threshold; i++ {
		grant(t, s, key, limit, now, i, time.Time{})
	}
	end := now.Add(limit.LockDelay(locks))
	grant(t, s, key, limit, now, max(limit.Threshold, 1), end)
	return end
}

// grant makes one attempt at now and expects it granted with Failures
// failures and LockedUntil lockedUntil.
func grant(t *testing.T, s lockout.Store, key string, limit lockout.Limit, now time.Time, failures int, lockedUntil time.Time) {
	t.Helper()
	what := fmt.Sprintf("ReserveAttempt(%q) at %v", key, now.Sub(t0))
	a, err := s.ReserveAttempt(t.Context(), key, limit, now)
	wantErr(t, what, err, nil)
	if a.Failures != failures {
		t.Errorf("%s: Failures = %d, want %d", what, a.Failures, failures)
	}
	sameTime(t, what+": LockedUntil", a.LockedUntil, lockedUntil)
}

// refuse makes one attempt at now and expects it refused by a lock ending at
// lockedUntil.
func refuse(t *testing.T, s lockout.Store, key string, limit lockout.Limit, now, lockedUntil time.Time) {
	t.Helper()
	what := fmt.Sprintf("ReserveAttempt(%q) at %v", key, now.Sub(t0))
	a, err := s.ReserveAttempt(t.Context(), key, limit, now)
	wantErr(t, what, err, lockout.ErrLockedOut)
	sameTime(t, what+": LockedUntil", a.LockedUntil, lockedUntil)
}
