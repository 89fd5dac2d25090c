package portalmfa_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
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
	assert.Equal(t, 1, count(history.ExpiredState), "one entry a minute")
	f.clock.Add(time.Minute)
	f.svc.ChallengeExpired(ctx, other, history.TOTP, c)
	assert.Equal(t, 2, count(history.ExpiredState))
}

// However many entries a user's trail gets, a prune keeps the newest
// HistoryKept.
func TestHistoryBoundedPerUser(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	for i := range portalmfa.HistoryKept + 5 {
		require.NoError(t, f.store.RecordEvent(ctx, history.Event{UserID: alice.ID, Kind: history.Attempt,
			At: f.clock.Now().Add(time.Duration(i) * time.Millisecond), Device: fmt.Sprint(i)}))
	}
	require.NoError(t, f.store.RecordEvent(ctx, history.Event{UserID: bob.ID, Kind: history.Attempt, At: f.clock.Now()}))
	n, err := f.svc.PruneHistory(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	es, err := f.store.Events(ctx, alice.ID, 2*portalmfa.HistoryKept, history.Attempt)
	require.NoError(t, err)
	require.Len(t, es, portalmfa.HistoryKept)
	assert.Equal(t, fmt.Sprint(portalmfa.HistoryKept+4), es[0].Device, "the newest stay")
}

// Failures in a row are capped however slowly they come: a lock ending and
// a prune do not start the count afresh, and at the cap the app's codes
// are refused, right ones too, while a backup code still signs in and
// lifts the suspension (found in an attack run: 3,625 guesses in 30 days).
func TestSuspendAfterFailuresInARow(t *testing.T) {
	ctx := context.Background()
	n := new(notes)
	f := newFixtureWith(t, func(c *portalmfa.Config) { c.SuspendAfter, c.Notifier = 12, n })
	secret, codes := f.enrollWithCodes(t, alice)
	c := portalmfa.Client{IP: "192.0.2.1"}
	wrong := func() error {
		t.Helper()
		f.clock.Add(totp.Period) // a fresh step: no replay
		return f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), c)
	}
	for i := range 11 {
		if i%4 == 0 { // slow enough for every lock to end, and pruned
			f.clock.Add(25 * time.Hour)
			_, err := f.svc.PruneHistory(ctx)
			require.NoError(t, err)
		}
		require.ErrorIs(t, wrong(), portalmfa.ErrInvalidCode, "failure %d", i+1)
	}
	require.NotContains(t, n.kinds(), portalmfa.NotifyCodesSuspended)
	assert.ErrorIs(t, wrong(), portalmfa.ErrInvalidCode, "the twelfth is evaluated")
	assert.Contains(t, n.kinds(), portalmfa.NotifyCodesSuspended, "the user is told")

	f.clock.Add(30 * 24 * time.Hour)
	_, err := f.svc.PruneHistory(ctx)
	require.NoError(t, err)
	err = f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c)
	assert.ErrorIs(t, err, portalmfa.ErrSuspended, "a right code, a month later, unevaluated")
	_, err = f.svc.ReverifyCode(ctx, alice.ID, totp.Code(secret, f.clock.Now()), "", c)
	assert.ErrorIs(t, err, portalmfa.ErrSuspended, "on the verify page too")
	es, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.Suspended, es[0].Reason)
	suspended, err := f.svc.SecurityEvents(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, countKind(suspended, history.CodesSuspended))

	_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], c)
	require.NoError(t, err, "another way in still works")
	f.clock.Add(totp.Period)
	assert.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c), "and lifted the suspension")
	for range 4 {
		require.ErrorIs(t, wrong(), portalmfa.ErrInvalidCode, "the count started afresh")
	}
}

// A burst cannot pass the cap: each guess is reserved before it is
// evaluated.
func TestSuspendAfterBurst(t *testing.T) {
	ctx := context.Background()
	f := newFixtureWith(t, func(c *portalmfa.Config) {
		c.SuspendAfter = 10
		c.UserLimit = lockout.Limit{Threshold: 100, Delay: time.Minute, MaxDelay: time.Minute}
	})
	secret := f.enroll(t, alice)
	f.clock.Add(totp.Period)
	var evaluated, suspended atomic.Int32
	storetest.Together(50, func(i int) error {
		err := f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), portalmfa.Client{})
		switch {
		case errors.Is(err, portalmfa.ErrInvalidCode):
			evaluated.Add(1)
		case errors.Is(err, portalmfa.ErrSuspended):
			suspended.Add(1)
		}
		return nil
	})
	assert.Equal(t, int32(10), evaluated.Load())
	assert.Equal(t, int32(40), suspended.Load())
}

// An administrator's reset lifts a suspension; a password, right or not, neither counts towards it nor lifts it.
func TestSuspensionResetByAdministrator(t *testing.T) {
	ctx := context.Background()
	f := newFixtureWith(t, func(c *portalmfa.Config) { c.SuspendAfter = 3 })
	secret := f.enroll(t, alice)
	for range 3 {
		f.clock.Add(totp.Period)
		_ = f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), portalmfa.Client{})
	}
	f.proof(t, alice.ID) // a right password
	f.clock.Add(totp.Period)
	require.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), portalmfa.Client{}), portalmfa.ErrSuspended)

	require.NoError(t, f.svc.ResetSecondFactor(ctx, alice.ID))
	until, err := f.store.LockedUntil(ctx, lockout.KeepPrefix+"run:"+alice.ID, f.clock.Now())
	require.NoError(t, err)
	assert.True(t, until.IsZero(), "the suspension is lifted")
}

// wrongCode returns a well-formed code that no step near now accepts.
func wrongCode(secret []byte, now time.Time) string {
	near := map[string]bool{}
	for _, d := range []time.Duration{-totp.Period, 0, totp.Period} {
		near[totp.Code(secret, now.Add(d))] = true
	}
	for i := 0; ; i++ {
		if code := fmt.Sprintf("%06d", i); !near[code] {
			return code
		}
	}
}

func countKind(es []history.Event, k history.Kind) int {
	n := 0
	for _, e := range es {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// A failure says how many more the user's limit allows, and the one that
// locks says until when, so a page can warn before the lock and name it
// when it falls (found on a walk through the challenge: the fifth wrong
// code still said "incorrect").
func TestFailedAttemptTellsWhatIsLeft(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	secret := f.enroll(t, alice)
	for i := range 5 {
		f.clock.Add(totp.Period)
		err := f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), portalmfa.Client{})
		require.ErrorIs(t, err, portalmfa.ErrInvalidCode)
		failed, ok := errors.AsType[*portalmfa.FailedAttemptError](err)
		require.True(t, ok)
		assert.Equal(t, 4-i, failed.Left)
		if i < 4 {
			assert.True(t, failed.LockedUntil.IsZero())
			locked, err := f.svc.LockedOut(ctx, alice.ID)
			require.NoError(t, err)
			assert.Nil(t, locked)
			continue
		}
		assert.Equal(t, f.clock.Now().Add(time.Minute), failed.LockedUntil, "the fifth locks")
		assert.Equal(t, time.Minute, failed.Wait)
		assert.ErrorIs(t, err, portalmfa.ErrLockedOut, "locked now")
	}
	locked, err := f.svc.LockedOut(ctx, alice.ID)
	require.NoError(t, err)
	require.NotNil(t, locked)
	assert.Equal(t, time.Minute, locked.Wait)
	es, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.WrongCode, es[0].Reason, "the locking failure was a wrong code")
	f.clock.Add(time.Minute)
	locked, err = f.svc.LockedOut(ctx, alice.ID)
	require.NoError(t, err)
	assert.Nil(t, locked, "over at its end")
}

// The host's own password step goes into the history, so a user without a
// second factor sees their sign-ins too (found on a walk through the
// demo: "No sign-in activity yet" right after signing in).
func TestRecordSignIn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := portalmfa.Client{IP: "192.0.2.7"}
	check := func(ok bool) func() (bool, error) { return func() (bool, error) { return ok, nil } }
	for range 4 {
		f.svc.RecordSignIn(ctx, alice.ID, c, f.svc.PasswordAttempt(ctx, alice.ID, c, check(false)))
	}
	f.svc.RecordSignIn(ctx, alice.ID, c, f.svc.PasswordAttempt(ctx, alice.ID, c, check(false))) // sets the lock
	for range 20 {
		f.svc.RecordSignIn(ctx, alice.ID, c, f.svc.PasswordAttempt(ctx, alice.ID, c, check(true)))
	}
	f.svc.RecordSignIn(ctx, alice.ID, c, portalmfa.ErrUnavailable)
	f.clock.Add(time.Hour)
	f.svc.RecordSignIn(ctx, alice.ID, c, f.svc.PasswordAttempt(ctx, alice.ID, c, check(true)))
	f.svc.RecordSignIn(ctx, "", c, nil)

	es, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	var got []string
	for _, e := range es {
		assert.Equal(t, history.Password, e.Method)
		assert.Equal(t, "192.0.2.7", e.IP)
		got = append(got, fmt.Sprint(e.Success, " ", e.Reason))
	}
	assert.Equal(t, []string{"true ", "false locked-out", "false wrong-password", "false wrong-password",
		"false wrong-password", "false wrong-password", "false wrong-password"}, got,
		"newest first: the sign-in, the refusals while locked once, the wrong passwords; nothing of ours")
}
