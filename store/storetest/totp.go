package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa/totp"
)

// RunTOTP checks a [totp.Store]: enrollments pending and active, their
// activation once, the replacement of an active one, and each time step
// accepted once, with concurrent callers. newStore must return a new, empty store each time it is called;
// it may register cleanups on the t it is given.
func RunTOTP(t *testing.T, newStore func(t *testing.T) totp.Store) {
	var (
		secretA = []byte("sealed-secret-A\x00\xff")
		secretB = []byte("sealed-secret-B\x00\xfe")
		secretC = []byte("sealed-secret-C\x00\xfd")
		t1      = t0.Add(time.Minute)
		t2      = t0.Add(2 * time.Minute)
	)

	// pending stores a pending enrollment of secretA at t0 for user.
	pending := func(t *testing.T, s totp.Store, user string) {
		t.Helper()
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), user, secretA, t0), nil)
	}
	// active stores an enrollment of secretA at t0 activated at t1 with step 100.
	active := func(t *testing.T, s totp.Store, user string) {
		t.Helper()
		pending(t, s, user)
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), user, secretA, 100, t1), nil)
	}
	// replacing stores an active enrollment as active does, then secretB
	// as its replacement at t2.
	replacing := func(t *testing.T, s totp.Store, user string) {
		t.Helper()
		active(t, s, user)
		wantErr(t, "SaveReplacementTOTP", s.SaveReplacementTOTP(t.Context(), user, secretB), nil)
	}
	// check compares the user's enrollment with want.
	check := func(t *testing.T, s totp.Store, want totp.Enrollment) {
		t.Helper()
		got, err := s.TOTPEnrollment(t.Context(), want.UserID)
		wantErr(t, "TOTPEnrollment", err, nil)
		if got.UserID != want.UserID {
			t.Errorf("UserID = %q, want %q", got.UserID, want.UserID)
		}
		if !bytes.Equal(got.Secret, want.Secret) {
			t.Errorf("Secret = %q, want %q", got.Secret, want.Secret)
		}
		if got.Active != want.Active {
			t.Errorf("Active = %v, want %v", got.Active, want.Active)
		}
		if got.LastStep != want.LastStep {
			t.Errorf("LastStep = %d, want %d", got.LastStep, want.LastStep)
		}
		sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
		sameTime(t, "ActivatedAt", got.ActivatedAt, want.ActivatedAt)
		if !bytes.Equal(got.Replacement, want.Replacement) {
			t.Errorf("Replacement = %q, want %q", got.Replacement, want.Replacement)
		}
	}
	// missing checks that the user has no enrollment.
	missing := func(t *testing.T, s totp.Store, user string) {
		t.Helper()
		_, err := s.TOTPEnrollment(t.Context(), user)
		wantErr(t, "TOTPEnrollment", err, totp.ErrNotEnrolled)
	}
	wantPending := totp.Enrollment{UserID: "alice", Secret: secretA, CreatedAt: t0}
	wantActive := totp.Enrollment{UserID: "alice", Secret: secretA, Active: true, LastStep: 100, CreatedAt: t0, ActivatedAt: t1}
	wantReplacing := wantActive
	wantReplacing.Replacement = secretB

	t.Run("MissIsNotEnrolled", func(t *testing.T) {
		s := newStore(t)
		missing(t, s, "alice")
	})

	t.Run("SavePendingThenRead", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		check(t, s, wantPending)
	})

	t.Run("SecretIsCopied", func(t *testing.T) {
		s := newStore(t)
		in := bytes.Clone(secretA)
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), "alice", in, t0), nil)
		in[0] ^= 0xff
		got, err := s.TOTPEnrollment(t.Context(), "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if len(got.Secret) > 0 {
			got.Secret[0] ^= 0xff
		}
		check(t, s, wantPending)
	})

	t.Run("SavePendingReplacesPending", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), "alice", secretB, t2), nil)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretB, CreatedAt: t2})
	})

	t.Run("SavePendingOnActiveChangesNothing", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		err := s.SavePendingTOTP(t.Context(), "alice", secretB, t2)
		wantErr(t, "SavePendingTOTP", err, totp.ErrAlreadyActive)
		check(t, s, wantActive)
	})

	t.Run("Activate", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		check(t, s, wantActive)
	})

	t.Run("ActivateWrongSecret", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		for _, sealed := range [][]byte{secretB, secretA[:len(secretA)-1], append(bytes.Clone(secretA), 0), nil} {
			err := s.ActivateTOTP(t.Context(), "alice", sealed, 100, t1)
			wantErr(t, fmt.Sprintf("ActivateTOTP(%q)", sealed), err, totp.ErrNotEnrolled)
		}
		check(t, s, wantPending)
	})

	t.Run("ActivateReplacedSecret", func(t *testing.T) {
		// A wizard restarted in another tab replaced the secret: the first
		// tab's confirmation must not activate the new one.
		s := newStore(t)
		pending(t, s, "alice")
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), "alice", secretB, t2), nil)
		err := s.ActivateTOTP(t.Context(), "alice", secretA, 100, t2)
		wantErr(t, "ActivateTOTP", err, totp.ErrNotEnrolled)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretB, CreatedAt: t2})
	})

	t.Run("ActivateMissing", func(t *testing.T) {
		s := newStore(t)
		err := s.ActivateTOTP(t.Context(), "alice", secretA, 100, t1)
		wantErr(t, "ActivateTOTP", err, totp.ErrNotEnrolled)
		missing(t, s, "alice")
	})

	t.Run("ActivateActive", func(t *testing.T) {
		// Only a pending enrollment can be activated.
		s := newStore(t)
		active(t, s, "alice")
		err := s.ActivateTOTP(t.Context(), "alice", secretA, 200, t2)
		wantErr(t, "ActivateTOTP", err, totp.ErrNotEnrolled)
		check(t, s, wantActive)
	})

	t.Run("AcceptTOTPStep", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice") // step 100 is used
		for _, c := range []struct {
			step int64
			want error
			last int64
		}{
			{100, totp.ErrReplayed, 100}, // the activating step
			{99, totp.ErrReplayed, 100},
			{0, totp.ErrReplayed, 100},
			{-1, totp.ErrReplayed, 100},
			{101, nil, 101},
			{101, totp.ErrReplayed, 101},
			{200, nil, 200},
			{150, totp.ErrReplayed, 200}, // later than some, not the last
			{201, nil, 201},
		} {
			err := s.AcceptTOTPStep(t.Context(), "alice", c.step)
			wantErr(t, fmt.Sprintf("AcceptTOTPStep(%d)", c.step), err, c.want)
			got, err := s.TOTPEnrollment(t.Context(), "alice")
			wantErr(t, "TOTPEnrollment", err, nil)
			if got.LastStep != c.last {
				t.Fatalf("after AcceptTOTPStep(%d): LastStep = %d, want %d", c.step, got.LastStep, c.last)
			}
		}
	})

	t.Run("AcceptTOTPStepPending", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		err := s.AcceptTOTPStep(t.Context(), "alice", 100)
		wantErr(t, "AcceptTOTPStep", err, totp.ErrNotEnrolled)
		check(t, s, wantPending)
	})

	t.Run("AcceptTOTPStepMissing", func(t *testing.T) {
		s := newStore(t)
		err := s.AcceptTOTPStep(t.Context(), "alice", 100)
		wantErr(t, "AcceptTOTPStep", err, totp.ErrNotEnrolled)
		missing(t, s, "alice")
	})

	t.Run("DeleteActive", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "alice"), nil)
		missing(t, s, "alice")
		err := s.AcceptTOTPStep(t.Context(), "alice", 1000)
		wantErr(t, "AcceptTOTPStep after delete", err, totp.ErrNotEnrolled)
		// The user can enrol again from scratch.
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), "alice", secretB, t2), nil)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretB, CreatedAt: t2})
	})

	t.Run("DeletePending", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "alice"), nil)
		missing(t, s, "alice")
		err := s.ActivateTOTP(t.Context(), "alice", secretA, 100, t1)
		wantErr(t, "ActivateTOTP after delete", err, totp.ErrNotEnrolled)
	})

	t.Run("DeletePendingOnly", func(t *testing.T) {
		// A cancelled wizard removes its pending enrollment, never an
		// active one (confirmed meanwhile in another tab).
		s := newStore(t)
		wantErr(t, "DeletePendingTOTP(nothing)", s.DeletePendingTOTP(t.Context(), "alice"), totp.ErrNotEnrolled)
		active(t, s, "alice")
		wantErr(t, "DeletePendingTOTP(active)", s.DeletePendingTOTP(t.Context(), "alice"), totp.ErrNotEnrolled)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretA, Active: true, LastStep: 100, CreatedAt: t0, ActivatedAt: t1})
		pending(t, s, "bob")
		wantErr(t, "DeletePendingTOTP(pending)", s.DeletePendingTOTP(t.Context(), "bob"), nil)
		missing(t, s, "bob")
		wantErr(t, "DeletePendingTOTP(again)", s.DeletePendingTOTP(t.Context(), "bob"), totp.ErrNotEnrolled)
	})

	t.Run("DeleteNothing", func(t *testing.T) {
		s := newStore(t)
		wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "alice"), nil)
		active(t, s, "alice")
		wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "alice"), nil)
		wantErr(t, "DeleteTOTP again", s.DeleteTOTP(t.Context(), "alice"), nil)
	})

	t.Run("UsersAreIndependent", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "alice")
		// Bob's pending enrollment, with the very same sealed bytes, is not
		// blocked, activated or advanced by Alice's.
		wantErr(t, "SavePendingTOTP(bob)", s.SavePendingTOTP(t.Context(), "bob", secretA, t2), nil)
		wantErr(t, "AcceptTOTPStep(bob)", s.AcceptTOTPStep(t.Context(), "bob", 500), totp.ErrNotEnrolled)
		wantErr(t, "AcceptTOTPStep(alice)", s.AcceptTOTPStep(t.Context(), "alice", 300), nil)
		wantBob := totp.Enrollment{UserID: "bob", Secret: secretA, CreatedAt: t2}
		check(t, s, wantBob)
		wantErr(t, "ActivateTOTP(bob)", s.ActivateTOTP(t.Context(), "bob", secretA, 50, t2), nil)
		wantBob.Active, wantBob.LastStep, wantBob.ActivatedAt = true, 50, t2
		check(t, s, wantBob)
		// Alice's step 300 does not make Bob's 51 a replay.
		wantErr(t, "AcceptTOTPStep(bob)", s.AcceptTOTPStep(t.Context(), "bob", 51), nil)
		wantErr(t, "DeleteTOTP(bob)", s.DeleteTOTP(t.Context(), "bob"), nil)
		missing(t, s, "bob")
		want := wantActive
		want.LastStep = 300
		check(t, s, want)
		missing(t, s, "carol")
	})

	t.Run("SaveReplacementNeedsActive", func(t *testing.T) {
		// A replacement replaces an app in use; a wizard under way is
		// restarted with SavePendingTOTP instead.
		s := newStore(t)
		err := s.SaveReplacementTOTP(t.Context(), "alice", secretB)
		wantErr(t, "SaveReplacementTOTP(missing)", err, totp.ErrNotEnrolled)
		missing(t, s, "alice")
		pending(t, s, "alice")
		err = s.SaveReplacementTOTP(t.Context(), "alice", secretB)
		wantErr(t, "SaveReplacementTOTP(pending)", err, totp.ErrNotEnrolled)
		check(t, s, wantPending)
	})

	t.Run("SaveReplacementThenRead", func(t *testing.T) {
		s := newStore(t)
		active(t, s, "bob")
		active(t, s, "alice")
		in := bytes.Clone(secretB)
		wantErr(t, "SaveReplacementTOTP", s.SaveReplacementTOTP(t.Context(), "alice", in), nil)
		in[0] ^= 0xff
		got, err := s.TOTPEnrollment(t.Context(), "alice")
		wantErr(t, "TOTPEnrollment", err, nil)
		if len(got.Replacement) > 0 {
			got.Replacement[0] ^= 0xff
		}
		check(t, s, wantReplacing)
		wantBob := wantActive
		wantBob.UserID = "bob"
		check(t, s, wantBob)
	})

	t.Run("SaveReplacementReplacesReplacement", func(t *testing.T) {
		// A replacement wizard restarted: the newer secret is the one to
		// confirm.
		s := newStore(t)
		replacing(t, s, "alice")
		wantErr(t, "SaveReplacementTOTP", s.SaveReplacementTOTP(t.Context(), "alice", secretC), nil)
		want := wantActive
		want.Replacement = secretC
		check(t, s, want)
	})

	t.Run("OldSecretWorksDuringReplacement", func(t *testing.T) {
		s := newStore(t)
		replacing(t, s, "alice")
		wantErr(t, "AcceptTOTPStep(101)", s.AcceptTOTPStep(t.Context(), "alice", 101), nil)
		wantErr(t, "AcceptTOTPStep(101) again", s.AcceptTOTPStep(t.Context(), "alice", 101), totp.ErrReplayed)
		want := wantReplacing
		want.LastStep = 101
		check(t, s, want)
	})

	t.Run("ActivateReplacement", func(t *testing.T) {
		s := newStore(t)
		replacing(t, s, "alice")
		// The old app's last code was a step ahead of the new app's
		// confirming one: the new secret's steps are its own, so LastStep
		// is the confirming step, not the later of the two.
		wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(t.Context(), "alice", 301), nil)
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), "alice", secretB, 300, t2), nil)
		want := totp.Enrollment{UserID: "alice", Secret: secretB, Active: true, LastStep: 300, CreatedAt: t0, ActivatedAt: t2}
		check(t, s, want)
		wantErr(t, "AcceptTOTPStep(300)", s.AcceptTOTPStep(t.Context(), "alice", 300), totp.ErrReplayed)
		wantErr(t, "ActivateTOTP again", s.ActivateTOTP(t.Context(), "alice", secretB, 400, t2), totp.ErrNotEnrolled)
		wantErr(t, "ActivateTOTP(old)", s.ActivateTOTP(t.Context(), "alice", secretA, 400, t2), totp.ErrNotEnrolled)
		wantErr(t, "DeletePendingTOTP", s.DeletePendingTOTP(t.Context(), "alice"), totp.ErrNotEnrolled)
		check(t, s, want)
	})

	t.Run("ActivateReplacementWrongSecret", func(t *testing.T) {
		// Only the latest replacement is confirmed: not the active secret,
		// nor a replacement a restarted wizard replaced.
		s := newStore(t)
		replacing(t, s, "alice")
		wantErr(t, "SaveReplacementTOTP", s.SaveReplacementTOTP(t.Context(), "alice", secretC), nil)
		for _, sealed := range [][]byte{secretA, secretB, secretC[:len(secretC)-1], append(bytes.Clone(secretC), 0), nil} {
			err := s.ActivateTOTP(t.Context(), "alice", sealed, 200, t2)
			wantErr(t, fmt.Sprintf("ActivateTOTP(%q)", sealed), err, totp.ErrNotEnrolled)
		}
		want := wantActive
		want.Replacement = secretC
		check(t, s, want)
	})

	t.Run("DeletePendingClearsReplacement", func(t *testing.T) {
		// A cancelled replacement wizard: the active app stays as it was.
		s := newStore(t)
		replacing(t, s, "alice")
		wantErr(t, "DeletePendingTOTP", s.DeletePendingTOTP(t.Context(), "alice"), nil)
		check(t, s, wantActive)
		wantErr(t, "DeletePendingTOTP again", s.DeletePendingTOTP(t.Context(), "alice"), totp.ErrNotEnrolled)
		for _, sealed := range [][]byte{secretB, nil} {
			err := s.ActivateTOTP(t.Context(), "alice", sealed, 200, t2)
			wantErr(t, fmt.Sprintf("ActivateTOTP(%q)", sealed), err, totp.ErrNotEnrolled)
		}
		wantErr(t, "AcceptTOTPStep", s.AcceptTOTPStep(t.Context(), "alice", 101), nil)
		want := wantActive
		want.LastStep = 101
		check(t, s, want)
	})

	t.Run("DeleteRemovesReplacement", func(t *testing.T) {
		s := newStore(t)
		replacing(t, s, "alice")
		wantErr(t, "DeleteTOTP", s.DeleteTOTP(t.Context(), "alice"), nil)
		missing(t, s, "alice")
		err := s.ActivateTOTP(t.Context(), "alice", secretB, 200, t2)
		wantErr(t, "ActivateTOTP after delete", err, totp.ErrNotEnrolled)
		// A new enrollment starts without the old replacement.
		wantErr(t, "SavePendingTOTP", s.SavePendingTOTP(t.Context(), "alice", secretC, t2), nil)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretC, CreatedAt: t2})
		wantErr(t, "ActivateTOTP", s.ActivateTOTP(t.Context(), "alice", secretC, 200, t2), nil)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretC, Active: true, LastStep: 200, CreatedAt: t2, ActivatedAt: t2})
	})

	t.Run("ConcurrentAcceptSameStep", func(t *testing.T) {
		// However many requests carry the same code at once, one wins.
		s := newStore(t)
		active(t, s, "alice")
		const n = 50
		errs := Together(n, func(int) error {
			return s.AcceptTOTPStep(t.Context(), "alice", 101)
		})
		countOutcomes(t, errs, totp.ErrReplayed, 1)
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretA, Active: true, LastStep: 101, CreatedAt: t0, ActivatedAt: t1})
	})

	t.Run("ConcurrentAcceptIncreasingSteps", func(t *testing.T) {
		// Racing different steps must never lose the latest one, nor move
		// the last step backwards.
		s := newStore(t)
		active(t, s, "alice")
		const n = 50
		errs := Together(n, func(i int) error {
			return s.AcceptTOTPStep(t.Context(), "alice", int64(101+i))
		})
		accepted := 0
		for i, err := range errs {
			switch {
			case err == nil:
				accepted++
			case !errors.Is(err, totp.ErrReplayed):
				t.Errorf("AcceptTOTPStep(%d): %v", 101+i, err)
			}
		}
		if accepted == 0 {
			t.Error("no step accepted")
		}
		check(t, s, totp.Enrollment{UserID: "alice", Secret: secretA, Active: true, LastStep: 100 + n, CreatedAt: t0, ActivatedAt: t1})
	})

	t.Run("ConcurrentActivate", func(t *testing.T) {
		s := newStore(t)
		pending(t, s, "alice")
		const n = 50
		errs := Together(n, func(i int) error {
			return s.ActivateTOTP(t.Context(), "alice", secretA, int64(100+i), t1)
		})
		winner := countOutcomes(t, errs, totp.ErrNotEnrolled, 1)
		if len(winner) == 1 {
			check(t, s, totp.Enrollment{UserID: "alice", Secret: secretA, Active: true, LastStep: int64(100 + winner[0]), CreatedAt: t0, ActivatedAt: t1})
		}
	})

	t.Run("ConcurrentActivateReplacement", func(t *testing.T) {
		s := newStore(t)
		replacing(t, s, "alice")
		const n = 50
		errs := Together(n, func(i int) error {
			return s.ActivateTOTP(t.Context(), "alice", secretB, int64(200+i), t2)
		})
		winner := countOutcomes(t, errs, totp.ErrNotEnrolled, 1)
		if len(winner) == 1 {
			check(t, s, totp.Enrollment{UserID: "alice", Secret: secretB, Active: true, LastStep: int64(200 + winner[0]), CreatedAt: t0, ActivatedAt: t2})
		}
	})

	t.Run("ConcurrentActivateAndCancelReplacement", func(t *testing.T) {
		// The new app confirmed in one tab while the wizard is cancelled in
		// another: one of them happens, and the other finds nothing to do.
		s := newStore(t)
		replacing(t, s, "alice")
		const n = 50
		errs := Together(n, func(i int) error {
			if i%2 == 0 {
				return s.DeletePendingTOTP(t.Context(), "alice")
			}
			return s.ActivateTOTP(t.Context(), "alice", secretB, 200, t2)
		})
		winner := countOutcomes(t, errs, totp.ErrNotEnrolled, 1)
		switch {
		case len(winner) != 1:
		case winner[0]%2 == 0:
			check(t, s, wantActive)
		default:
			check(t, s, totp.Enrollment{UserID: "alice", Secret: secretB, Active: true, LastStep: 200, CreatedAt: t0, ActivatedAt: t2})
		}
	})
}

// BenchmarkAcceptTOTPStep measures accepting one fresh step of an active
// enrollment, the store work of every TOTP login.
func BenchmarkAcceptTOTPStep(b *testing.B, s totp.Store) {
	ctx := b.Context()
	const user = "bench-user"
	if err := s.SavePendingTOTP(ctx, user, []byte("sealed-secret"), t0); err != nil {
		b.Fatal(err)
	}
	if err := s.ActivateTOTP(ctx, user, []byte("sealed-secret"), 1, t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	step := int64(1)
	for b.Loop() {
		step++
		if err := s.AcceptTOTPStep(ctx, user, step); err != nil {
			b.Fatal(err)
		}
	}
}
