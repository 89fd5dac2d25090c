package portalmfa_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/storetest"
	"github.com/portalmfa/portalmfa/totp"
)

// The host's own password checks go through the same limits: a stolen
// session cannot find the password by guessing on the password page.
func TestPasswordAttempt(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	check := func(ok bool) func() (bool, error) { return func() (bool, error) { return ok, nil } }

	t.Run("wrong passwords lock, right ones are not counted", func(t *testing.T) {
		f := newFixture(t, nil)
		for range 10 {
			require.NoError(t, f.svc.PasswordAttempt(ctx, alice.ID, c, check(true)))
		}
		for range 4 {
			assert.ErrorIs(t, f.svc.PasswordAttempt(ctx, alice.ID, c, check(false)), portalmfa.ErrWrongPassword)
		}
		require.NoError(t, f.svc.PasswordAttempt(ctx, alice.ID, c, check(true)), "the fifth attempt, right")
		assert.ErrorIs(t, f.svc.PasswordAttempt(ctx, alice.ID, c, check(false)), portalmfa.ErrWrongPassword,
			"the right one did not count: this is the fifth failure")
		var locked *portalmfa.LockedOutError
		require.ErrorAs(t, f.svc.PasswordAttempt(ctx, alice.ID, c, check(true)), &locked, "locked: not even evaluated")
	})
	t.Run("a known password buys no more guesses at the second factor", func(t *testing.T) {
		f := newFixture(t, nil)
		secret := f.enroll(t, alice)
		f.clock.Add(totp.Period)
		for range 4 {
			assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", c), portalmfa.ErrInvalidCode)
			require.NoError(t, f.svc.PasswordAttempt(ctx, alice.ID, c, check(true)))
		}
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", c), portalmfa.ErrInvalidCode)
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c), portalmfa.ErrLockedOut)
	})
	t.Run("a burst of guesses", func(t *testing.T) {
		f := newFixture(t, nil)
		var evaluated atomic.Int32
		storetest.Together(50, func(int) error {
			return f.svc.PasswordAttempt(ctx, alice.ID, portalmfa.Client{}, func() (bool, error) {
				evaluated.Add(1)
				return false, nil
			})
		})
		assert.EqualValues(t, 5, evaluated.Load())
	})
	t.Run("unknown sign-in names are limited too", func(t *testing.T) {
		f := newFixture(t, nil)
		for range 5 {
			_ = f.svc.PasswordAttempt(ctx, "login:nobody@example.com", c, check(false))
		}
		assert.ErrorIs(t, f.svc.PasswordAttempt(ctx, "login:nobody@example.com", c, check(false)), portalmfa.ErrLockedOut)
		assert.ErrorIs(t, f.svc.PasswordAttempt(ctx, "", c, check(true)), portalmfa.ErrNotEnrolled)
	})
}

// flakyTOTP fails to read enrollments while down is set.
type flakyTOTP struct {
	*memory.Store
	down *atomic.Bool
}

func (s flakyTOTP) TOTPEnrollment(ctx context.Context, userID string) (totp.Enrollment, error) {
	if s.down.Load() {
		return totp.Enrollment{}, errDown
	}
	return s.Store.TOTPEnrollment(ctx, userID)
}

// A store that fails inside a check counts nothing against the user or the
// address (found in an attack run: an outage locked users out).
func TestUnavailableCountsNothing(t *testing.T) {
	ctx := context.Background()
	down := new(atomic.Bool)
	store := memory.New()
	f := newFixtureWith(t, func(cfg *portalmfa.Config) { cfg.Store = flakyTOTP{Store: store, down: down} })
	secret := f.enroll(t, alice)
	f.clock.Add(totp.Period)
	c := portalmfa.Client{IP: "192.0.2.1"}
	down.Store(true)
	for range 40 { // past the user's 5 and the IP's 30
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c), portalmfa.ErrUnavailable)
	}
	down.Store(false)
	require.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c))
	until, err := store.LockedUntil(ctx, "ip:192.0.2.1", f.clock.Now().Add(time.Second))
	require.NoError(t, err)
	assert.True(t, until.IsZero(), "the address is not locked either")
}

// Refused attempts do not flood the history: a burst refused while locked,
// and a late form posted again and again, are one entry each (found in an
// attack run: over a thousand rows a second).
func TestHistoryNotFlooded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	secret := f.enroll(t, alice)
	f.clock.Add(totp.Period)
	c := portalmfa.Client{IP: "192.0.2.1"}
	count := func(reason history.Reason) int {
		t.Helper()
		es, err := f.store.Events(ctx, alice.ID, 10000, history.Attempt)
		require.NoError(t, err)
		n := 0
		for _, e := range es {
			if e.Reason == reason {
				n++
			}
		}
		return n
	}
	for range 5 {
		_ = f.svc.VerifyTOTP(ctx, alice.ID, "000000", c)
	}
	storetest.Together(100, func(int) error { return f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c) })
	assert.Equal(t, 5, count(history.WrongCode))
	assert.Equal(t, 1, count(history.Locked), "a burst refused while locked is one entry")
	f.clock.Add(2 * time.Minute) // the lock is over; the next one is another entry
	for range 5 {
		_ = f.svc.VerifyTOTP(ctx, alice.ID, "000000", c)
	}
	_ = f.svc.VerifyTOTP(ctx, alice.ID, "000000", c)
	assert.Equal(t, 2, count(history.Locked))

	state, _, err := f.svc.NewPendingLogin(alice.ID)
	require.NoError(t, err)
	other, _, err := f.svc.NewPendingLogin(alice.ID)
	require.NoError(t, err)
	f.clock.Add(time.Hour)
	for range 50 {
		f.svc.ChallengeExpired(ctx, state, history.TOTP, c)
	}
	f.svc.ChallengeExpired(ctx, other, history.TOTP, c)
	assert.Equal(t, 2, count(history.ExpiredState), "one entry per late state")
}
