package portalmfa

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/totp"
	"github.com/portalmfa/portalmfa/totp/qrcode"
)

// Enrollment is what the wizard shows while TOTP is being set up.
type Enrollment struct {
	// Key is the secret in base32, for typing into an app by hand.
	Key string
	// URI is the otpauth:// URI the QR code encodes.
	URI string
}

// BeginTOTP starts (or restarts) TOTP enrollment with a fresh secret, once
// proof allows adding a factor ([AddFactor]). The factor stays off until
// [Service.ConfirmTOTP] succeeds; a wizard left half-way leaves nothing
// active. It returns [ErrAlreadyEnabled] when TOTP is on.
func (s *Service) BeginTOTP(ctx context.Context, u User, proof string) (Enrollment, error) {
	if err := s.allowed(ctx, u.ID, FactorTOTP); err != nil {
		return Enrollment{}, err
	}
	st, err := s.Status(ctx, u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	if st.Factor(FactorTOTP).State == On {
		return Enrollment{}, ErrAlreadyEnabled
	}
	if err := s.checkProof(u.ID, proof, changeNeed(st, AddFactor)); err != nil {
		return Enrollment{}, err
	}
	first := !st.Enabled()
	secret, sealed, err := s.newSecret(u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	err = s.store.SavePendingTOTP(ctx, u.ID, sealed, s.cfg.Now())
	if errors.Is(err, totp.ErrAlreadyActive) {
		return Enrollment{}, ErrAlreadyEnabled
	}
	if err != nil {
		return Enrollment{}, unavailable(err)
	}
	// Codes shown by an earlier run of the wizard may never have been
	// saved: a new start of a first factor shows new ones. Once 2FA is on,
	// the account's codes stay as they are.
	if first {
		if err := s.store.DeleteBackupCodes(ctx, u.ID); err != nil {
			return Enrollment{}, unavailable(err)
		}
	}
	s.log.InfoContext(ctx, "portalmfa: totp enrollment begun", "user", u.ID)
	return s.enrollment(u, secret), nil
}

// BeginTOTPReplacement starts (or restarts) setting up a new app to replace
// the user's active one, a lost or new phone: the old app keeps working
// until [Service.ConfirmTOTP] confirms the new one, so there is no moment
// with neither. It needs what adding a factor to an account with 2FA on
// needs, a recent verification with a factor ([NeedFactor]): a backup
// code, say, when the phone is gone. It returns [ErrNotEnrolled] unless
// TOTP is on.
func (s *Service) BeginTOTPReplacement(ctx context.Context, u User, proof string) (Enrollment, error) {
	st, err := s.Status(ctx, u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	if st.Factor(FactorTOTP).State != On {
		return Enrollment{}, ErrNotEnrolled
	}
	if err := s.checkProof(u.ID, proof, changeNeed(st, AddFactor)); err != nil { // NeedFactor: 2FA is on
		return Enrollment{}, err
	}
	secret, sealed, err := s.newSecret(u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	switch err := s.store.SaveReplacementTOTP(ctx, u.ID, sealed); {
	case errors.Is(err, totp.ErrNotEnrolled):
		return Enrollment{}, ErrNotEnrolled // removed meanwhile
	case err != nil:
		return Enrollment{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "portalmfa: totp replacement begun", "user", u.ID)
	return s.enrollment(u, secret), nil
}

// newSecret returns a fresh TOTP secret for userID, and sealed for the
// store.
func (s *Service) newSecret(userID string) (secret, sealed []byte, err error) {
	if secret, err = totp.NewSecret(s.cfg.Rand); err != nil {
		return nil, nil, unavailable(err)
	}
	if sealed, err = s.sealer.Seal(secret, userID); err != nil {
		return nil, nil, unavailable(err)
	}
	return secret, sealed, nil
}

// PendingTOTP returns the enrollment begun by [Service.BeginTOTP], or the
// replacement begun by [Service.BeginTOTPReplacement], to show the wizard
// again. It returns [ErrNotEnrolled] when none is pending. Every step of
// the wizard needs the proof its beginning needed, what adding a factor
// needs: a session alone must not finish an enrollment someone left
// half-way.
func (s *Service) PendingTOTP(ctx context.Context, u User, proof string) (Enrollment, error) {
	st, err := s.Status(ctx, u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	if f := st.Factor(FactorTOTP); f.State != Pending && !f.Replacing {
		return Enrollment{}, ErrNotEnrolled
	}
	if err := s.checkProof(u.ID, proof, changeNeed(st, AddFactor)); err != nil {
		return Enrollment{}, err
	}
	e, secret, err := s.loadTOTP(ctx, u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	if e.Active {
		if secret, err = s.openReplacement(ctx, e); err != nil {
			return Enrollment{}, err
		}
	}
	return s.enrollment(u, secret), nil
}

// openReplacement opens the replacement being set up of the active
// enrollment e; ErrNotEnrolled when there is none.
func (s *Service) openReplacement(ctx context.Context, e totp.Enrollment) ([]byte, error) {
	if e.Replacement == nil {
		return nil, ErrNotEnrolled
	}
	secret, err := s.sealer.Open(e.Replacement, e.UserID)
	if err != nil {
		s.log.ErrorContext(ctx, "portalmfa: cannot open totp replacement", "user", e.UserID, "err", err)
		return nil, unavailable(err)
	}
	return secret, nil
}

// TOTPQRCode returns the pending enrollment's otpauth URI as a PNG QR code.
// Serve it with Cache-Control: no-store: it carries the secret.
func (s *Service) TOTPQRCode(ctx context.Context, u User, proof string) ([]byte, error) {
	e, err := s.PendingTOTP(ctx, u, proof)
	if err != nil {
		return nil, err
	}
	png, err := qrcode.PNG(e.URI)
	if err != nil {
		return nil, unavailable(err)
	}
	return png, nil
}

func (s *Service) enrollment(u User, secret []byte) Enrollment {
	return Enrollment{
		Key: totp.EncodeSecret(secret),
		URI: totp.URI(s.cfg.Issuer, u.AccountLabel(), secret),
	}
}

// loadTOTP reads and opens the user's enrollment.
func (s *Service) loadTOTP(ctx context.Context, userID string) (totp.Enrollment, []byte, error) {
	e, err := s.store.TOTPEnrollment(ctx, userID)
	if errors.Is(err, totp.ErrNotEnrolled) {
		return e, nil, ErrNotEnrolled
	}
	if err != nil {
		return e, nil, unavailable(err)
	}
	secret, err := s.sealer.Open(e.Secret, userID)
	if err != nil {
		// A missing key or a tampered row: fail closed, loudly for the operator.
		s.log.ErrorContext(ctx, "portalmfa: cannot open totp secret", "user", userID, "err", err)
		return e, nil, unavailable(err)
	}
	return e, secret, nil
}

// ConfirmTOTP turns TOTP on when code matches the pending secret. When it
// is the user's first factor, the backup codes shown by
// [Service.PendingBackupCodes] become valid with it ([ErrNoBackupCodes] before
// they were shown). The step of the confirming code is recorded as used, so
// the same code cannot also serve as the first login code. It needs the
// proof BeginTOTP needed.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code, proof string, c Client) error {
	// Neither a malformed code, a missing proof nor a skipped step 2 is a
	// guess: refuse them before counting anything.
	if _, err := totp.Normalize(code); err != nil {
		return err
	}
	st, err := s.Status(ctx, userID)
	if err != nil {
		return err
	}
	if f := st.Factor(FactorTOTP); f.State == On && !f.Replacing {
		return ErrAlreadyEnabled
	}
	// Nothing pending is said once the code could have been checked, as a
	// wizard restarted meanwhile is.
	if err := s.checkProof(userID, proof, changeNeed(st, AddFactor)); err != nil {
		return err
	}
	replacing := st.Factor(FactorTOTP).Replacing
	first := !st.Enabled()
	if first && !st.BackupCodesShown {
		return ErrNoBackupCodes
	}
	return s.attempt(ctx, userID, c, enrolling, func(ctx context.Context) error {
		e, secret, err := s.loadTOTP(ctx, userID)
		if err != nil {
			return err
		}
		sealed := e.Secret
		switch {
		case e.Active && !replacing:
			return ErrAlreadyEnabled
		case e.Active:
			// Confirmed or cancelled meanwhile: ErrNotEnrolled.
			if secret, err = s.openReplacement(ctx, e); err != nil {
				return err
			}
			sealed = e.Replacement
		}
		step, err := totp.Verify(secret, code, s.cfg.Now())
		if err != nil {
			return err
		}
		if err := s.activate(ctx, userID, sealed, secret, step); err != nil {
			return err
		}
		if e.Active {
			s.event(ctx, c, history.Event{UserID: userID, Kind: history.TOTPReplaced})
			s.notify(ctx, c, Notification{Kind: NotifyTOTPReplaced, UserID: userID})
			s.log.InfoContext(ctx, "portalmfa: totp replaced", "user", userID)
			return nil
		}
		// TOTP is on now, so the confirmation stands whatever follows: a
		// failure below is logged, and the overview then shows no codes
		// left (offering new ones) or the devices still to revoke.
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.TOTPEnabled})
		if first {
			s.firstFactorAdded(ctx, userID, c, true)
			// Devices trusted before 2FA was on were trusted under nothing.
			if _, err := s.revokeAll(ctx, userID); err != nil {
				s.log.ErrorContext(ctx, "portalmfa: revoking devices of a new second factor", "user", userID, "err", err)
			}
		}
		s.log.InfoContext(ctx, "portalmfa: totp enabled", "user", userID)
		return nil
	})
}

// activate turns on the user's pending enrollment, read as sealed and
// opened to secret, recording step as used.
func (s *Service) activate(ctx context.Context, userID string, sealed, secret []byte, step int64) error {
	err := s.store.ActivateTOTP(ctx, userID, sealed, step, s.cfg.Now())
	if errors.Is(err, totp.ErrNotEnrolled) {
		// The sealed secret changed since it was read. If a re-sealing
		// pass ([Service.ResealSecrets]) changed it, it still holds the
		// same secret: activate it as it is now, so that a confirmation
		// racing the pass does not fail.
		e, again, lerr := s.loadTOTP(ctx, userID)
		switch {
		case lerr != nil:
			return lerr // ErrNotEnrolled, or already ErrUnavailable
		case e.Active || subtle.ConstantTimeCompare(again, secret) != 1:
			return ErrNotEnrolled // the wizard was restarted meanwhile
		}
		sealed = e.Secret
		err = s.store.ActivateTOTP(ctx, userID, sealed, step, s.cfg.Now())
	}
	switch {
	case errors.Is(err, totp.ErrNotEnrolled):
		return ErrNotEnrolled // the wizard was restarted meanwhile
	case err != nil:
		return unavailable(err)
	}
	return nil
}

// VerifyTOTP checks a code at the login challenge: a well-formed code of the
// user's active secret, within one step of now, from a step later than any
// accepted before. Attempts count towards the user and IP limits before the
// code is looked at.
func (s *Service) VerifyTOTP(ctx context.Context, userID, code string, c Client) error {
	if _, err := totp.Normalize(code); err != nil {
		return err
	}
	if err := s.allowed(ctx, userID, FactorTOTP); err != nil {
		return err
	}
	return s.attempt(ctx, userID, c, loginTOTP, func(ctx context.Context) error {
		return s.checkTOTP(ctx, userID, code)
	})
}

// checkTOTP accepts a code of the user's active secret once.
func (s *Service) checkTOTP(ctx context.Context, userID, code string) error {
	e, secret, err := s.loadTOTP(ctx, userID)
	if err != nil {
		return err
	}
	if !e.Active {
		return ErrNotEnrolled
	}
	step, err := totp.Verify(secret, code, s.cfg.Now())
	if err != nil {
		return err
	}
	switch err := s.store.AcceptTOTPStep(ctx, userID, step); {
	case errors.Is(err, totp.ErrReplayed), errors.Is(err, totp.ErrNotEnrolled):
		return err
	case err != nil:
		return unavailable(err)
	}
	return nil
}

// CancelTOTP ends a TOTP wizard left half-way: its pending key goes and,
// for a first factor, the pending backup codes with it. An active TOTP
// stays, whatever another tab did meanwhile. It returns [ErrNotEnrolled]
// when nothing is pending. It needs no proof: it turns nothing off.
func (s *Service) CancelTOTP(ctx context.Context, userID string) error {
	switch err := s.store.DeletePendingTOTP(ctx, userID); {
	case errors.Is(err, totp.ErrNotEnrolled):
		return ErrNotEnrolled
	case err != nil:
		return unavailable(err)
	}
	if err := s.store.DeletePendingBackupCodes(ctx, userID); err != nil {
		return unavailable(err)
	}
	s.log.InfoContext(ctx, "portalmfa: totp enrollment cancelled", "user", userID)
	return nil
}

// RemoveTOTP turns TOTP off, once proof allows removing a factor
// ([RemoveFactor]). Another factor left on keeps 2FA on; without one, the
// backup codes and trusted devices go too.
func (s *Service) RemoveTOTP(ctx context.Context, userID, proof string, c Client) error {
	return s.removeFactor(ctx, userID, proof, FactorTOTP, c, func() error {
		f, err := totpFactor{s}.state(ctx, userID)
		if err != nil {
			return err
		}
		if f.State != On {
			return ErrNotEnrolled
		}
		if err := s.store.DeleteTOTP(ctx, userID); err != nil {
			return unavailable(err)
		}
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.TOTPDisabled})
		s.notify(ctx, c, Notification{Kind: NotifyTOTPDisabled, UserID: userID})
		s.log.InfoContext(ctx, "portalmfa: totp disabled", "user", userID)
		return nil
	})
}

// totpFactor is TOTP as one of the Service's factors.
type totpFactor struct{ s *Service }

func (f totpFactor) status(ctx context.Context, userID string) ([]Factor, error) {
	fs, err := f.state(ctx, userID)
	return []Factor{fs}, err
}

func (f totpFactor) state(ctx context.Context, userID string) (Factor, error) {
	e, err := f.s.store.TOTPEnrollment(ctx, userID)
	switch {
	case errors.Is(err, totp.ErrNotEnrolled):
		return Factor{Kind: FactorTOTP}, nil
	case err != nil:
		return Factor{}, unavailable(err)
	case !e.Active:
		return Factor{Kind: FactorTOTP, State: Pending}, nil
	}
	return Factor{Kind: FactorTOTP, State: On, Since: e.ActivatedAt, Count: 1, Replacing: e.Replacement != nil}, nil
}

func (f totpFactor) removeAll(ctx context.Context, userID string) error {
	if err := f.s.store.DeleteTOTP(ctx, userID); err != nil {
		return unavailable(err)
	}
	return nil
}
