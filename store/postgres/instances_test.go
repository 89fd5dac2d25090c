package postgres_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/store/storetest"
	"github.com/portalmfa/portalmfa/totp"
)

// TestTwoInstances runs two portal instances — two Services, each with its
// own Store and connection pool — on one schema, and splits concurrent
// callers across both: the rules hold across instances because the
// database enforces them.
func TestTwoInstances(t *testing.T) {
	testDSN(t)
	t.Parallel()
	schema := freshSchema(t)
	clk := &clock{t: t0}
	a := newService(t, openStore(t, schema), clk)
	b := newService(t, openStore(t, schema), clk)
	instances := [2]*portalmfa.Service{a, b}

	t.Run("EnrollmentSeenByTheOther", func(t *testing.T) {
		enroll(t, a, clk, "u-dora")
		required, err := b.SecondFactorRequired(t.Context(), "u-dora")
		if err != nil || !required {
			t.Fatalf("B after enrollment through A: required %v, %v", required, err)
		}
	})

	t.Run("SameCodeOnce", func(t *testing.T) {
		// One valid code, sent 50 times at once, half to each instance:
		// exactly one login passes. The others are replays, or refused
		// unevaluated once the replays have locked the user.
		secret := enroll(t, a, clk, "u-alice")
		code := totp.Code(secret, clk.Now().Add(totp.Period)) // a later step than the confirming one
		const n = 50
		errs := storetest.Together(n, func(i int) error {
			return instances[i%2].VerifyTOTP(t.Context(), "u-alice", code, portalmfa.Client{IP: ip(i)})
		})
		counts := tally(t, errs, portalmfa.ErrReplayed, portalmfa.ErrLockedOut)
		t.Logf("outcomes: %v", counts)
		if counts[nil] != 1 {
			t.Errorf("%d of %d logins with one code passed, want 1 (outcomes %v)", counts[nil], n, counts)
		}
	})

	t.Run("WrongCodesLockAtThreshold", func(t *testing.T) {
		// 200 wrong codes at once from 200 addresses, half to each
		// instance: exactly the user threshold (5) are evaluated, the
		// rest refused unevaluated, all with the same lock end.
		secret := enroll(t, a, clk, "u-bob")
		wrong := wrongCode(secret, clk.Now())
		const n = 200
		errs := storetest.Together(n, func(i int) error {
			return instances[i%2].VerifyTOTP(t.Context(), "u-bob", wrong, portalmfa.Client{IP: ip(i)})
		})
		counts := tally(t, errs, portalmfa.ErrInvalidCode, portalmfa.ErrLockedOut)
		if counts[portalmfa.ErrInvalidCode] != 5 || counts[portalmfa.ErrLockedOut] != n-5 {
			t.Errorf("outcomes %v, want exactly 5 evaluated (%v) and %d refused", counts, portalmfa.ErrInvalidCode, n-5)
		}
		end := clk.Now().Add(time.Minute)
		for i, err := range errs {
			var locked *portalmfa.LockedOutError
			if errors.As(err, &locked) && !locked.Until.Equal(end) {
				t.Errorf("caller %d: locked until %v, want %v", i, locked.Until, end)
			}
		}
	})

	t.Run("LockoutSeenAtOnce", func(t *testing.T) {
		// A locks the user; B refuses the very next attempt, even with
		// the right code, until the lock ends. A success through B then
		// resets the count for A as well.
		secret := enroll(t, a, clk, "u-carol")
		wrong := wrongCode(secret, clk.Now())
		for i := range 5 {
			if err := a.VerifyTOTP(t.Context(), "u-carol", wrong, portalmfa.Client{}); !errors.Is(err, portalmfa.ErrInvalidCode) {
				t.Fatalf("wrong code %d through A: %v", i+1, err)
			}
		}
		end := clk.Now().Add(time.Minute)
		good := totp.Code(secret, clk.Now().Add(totp.Period))
		err := b.VerifyTOTP(t.Context(), "u-carol", good, portalmfa.Client{})
		var locked *portalmfa.LockedOutError
		if !errors.As(err, &locked) || !locked.Until.Equal(end) {
			t.Fatalf("right code through B just after A locked: %v, want locked until %v", err, end)
		}
		if required, err := b.SecondFactorRequired(t.Context(), "u-carol"); err != nil || !required {
			t.Errorf("B while locked: required %v, %v", required, err)
		}

		clk.Add(time.Minute) // the lock is over
		if err := b.VerifyTOTP(t.Context(), "u-carol", totp.Code(secret, clk.Now()), portalmfa.Client{}); err != nil {
			t.Fatalf("right code through B after the lock: %v", err)
		}
		for i := range 4 {
			if err := a.VerifyTOTP(t.Context(), "u-carol", wrong, portalmfa.Client{}); !errors.Is(err, portalmfa.ErrInvalidCode) {
				t.Fatalf("wrong code %d through A after B's success: %v", i+1, err)
			}
		}
	})
}

// ip returns a distinct client address for caller i, so that no IP limit
// interferes with the user limit under test.
func ip(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }

// tally counts errs by which of nil and the expected sentinels each is,
// reporting any other error as a failure.
func tally(t *testing.T, errs []error, expected ...error) map[error]int {
	t.Helper()
	counts := map[error]int{}
	for i, err := range errs {
		if err == nil {
			counts[nil]++
			continue
		}
		known := false
		for _, e := range expected {
			if errors.Is(err, e) {
				counts[e]++
				known = true
				break
			}
		}
		if !known {
			t.Errorf("caller %d: unexpected error %v", i, err)
		}
	}
	return counts
}
