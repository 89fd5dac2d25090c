package portalmfa

import (
	"context"
	"errors"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/totp"
)

// FactorState is where a user stands with one second factor.
type FactorState int

const (
	Off     FactorState = iota
	Pending             // enrollment begun, not confirmed
	On
)

// Status is a user's second-factor state, for the security page.
type Status struct {
	TOTP      FactorState
	TOTPSince time.Time // when TOTP was turned on
	// BackupCodes is the number of unused backup codes (0 while TOTP is
	// off or pending); BackupCodesLow is true at or below
	// Config.LowBackupCodes, when the user should make new ones.
	BackupCodes    int
	BackupCodesLow bool
	// BackupCodesShown is true while TOTP is pending once the wizard has
	// shown the enrollment's backup codes (step 2), which ConfirmTOTP needs.
	BackupCodesShown bool
}

// Enabled reports whether the user has a second factor that a login must pass.
func (st Status) Enabled() bool { return st.TOTP == On }

// Status returns the user's second-factor state.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	e, err := s.store.TOTPEnrollment(ctx, userID)
	switch {
	case errors.Is(err, totp.ErrNotEnrolled):
		return Status{}, nil
	case err != nil:
		return Status{}, unavailable(err)
	}
	set, err := s.store.BackupCodes(ctx, userID)
	if err != nil && !errors.Is(err, backupcodes.ErrNoCodes) {
		return Status{}, unavailable(err)
	}
	hasSet := err == nil
	if !e.Active {
		return Status{TOTP: Pending, BackupCodesShown: hasSet && !set.Active}, nil
	}
	st := Status{TOTP: On, TOTPSince: e.ActivatedAt}
	if hasSet && set.Active {
		st.BackupCodes = set.Remaining
	}
	st.BackupCodesLow = st.BackupCodes <= s.cfg.LowBackupCodes
	return st, nil
}

// SecondFactorRequired tells the host, after a correct password, whether the
// login must go through the challenge. On error the host must not let the
// user in: the error means "try again later".
func (s *Service) SecondFactorRequired(ctx context.Context, userID string) (bool, error) {
	st, err := s.Status(ctx, userID)
	return st.Enabled(), err
}

// Enrollment is what the wizard shows while TOTP is being set up.
type Enrollment struct {
	// Key is the secret in base32, for typing into an app by hand.
	Key string
	// URI is the otpauth:// URI the QR code encodes.
	URI string
}

// BeginTOTP starts (or restarts) TOTP enrollment with a fresh secret. The
// factor stays off until [Service.ConfirmTOTP] succeeds; a wizard left
// half-way leaves nothing active. It returns [ErrAlreadyEnabled] when TOTP
// is on.
func (s *Service) BeginTOTP(ctx context.Context, u User) (Enrollment, error) {
	secret, err := totp.NewSecret(s.cfg.Rand)
	if err != nil {
		return Enrollment{}, unavailable(err)
	}
	sealed, err := s.sealer.Seal(secret, u.ID)
	if err != nil {
		return Enrollment{}, unavailable(err)
	}
	err = s.store.SavePendingTOTP(ctx, u.ID, sealed, s.cfg.Now())
	if errors.Is(err, totp.ErrAlreadyActive) {
		return Enrollment{}, ErrAlreadyEnabled
	}
	if err != nil {
		return Enrollment{}, unavailable(err)
	}
	// Codes shown by an earlier run of the wizard may never have been
	// saved: a new start shows new ones.
	if err := s.store.DeleteBackupCodes(ctx, u.ID); err != nil {
		return Enrollment{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "portalmfa: totp enrollment begun", "user", u.ID)
	return s.enrollment(u, secret), nil
}

// PendingTOTP returns the enrollment begun by [Service.BeginTOTP], to show
// the wizard again. It returns [ErrNotEnrolled] when none is pending.
func (s *Service) PendingTOTP(ctx context.Context, u User) (Enrollment, error) {
	e, secret, err := s.loadTOTP(ctx, u.ID)
	if err != nil {
		return Enrollment{}, err
	}
	if e.Active {
		return Enrollment{}, ErrNotEnrolled
	}
	return s.enrollment(u, secret), nil
}

// TOTPQRCode returns the pending enrollment's otpauth URI as a PNG QR code.
// Serve it with Cache-Control: no-store: it carries the secret.
func (s *Service) TOTPQRCode(ctx context.Context, u User) ([]byte, error) {
	e, err := s.PendingTOTP(ctx, u)
	if err != nil {
		return nil, err
	}
	png, err := totp.QRCode(e.URI)
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

// ConfirmTOTP turns TOTP on when code matches the pending secret, and with
// it the backup codes shown by [Service.NewBackupCodes] ([ErrNoBackupCodes]
// before they were shown). The step of the confirming code is recorded as
// used, so the same code cannot also serve as the first login code.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string, c Client) error {
	// Neither a malformed code nor a skipped step 2 is a guess: refuse them
	// before counting anything.
	if _, err := totp.Normalize(code); err != nil {
		return err
	}
	switch _, err := s.store.BackupCodes(ctx, userID); {
	case errors.Is(err, backupcodes.ErrNoCodes):
		return ErrNoBackupCodes
	case err != nil:
		return unavailable(err)
	}
	return s.attempt(ctx, userID, c, enrolling, func() error {
		e, secret, err := s.loadTOTP(ctx, userID)
		if err != nil {
			return err
		}
		if e.Active {
			return ErrAlreadyEnabled
		}
		step, err := totp.Verify(secret, code, s.cfg.Now())
		if err != nil {
			return err
		}
		switch err := s.store.ActivateTOTP(ctx, userID, e.Secret, step, s.cfg.Now()); {
		case errors.Is(err, totp.ErrNotEnrolled):
			return ErrNotEnrolled // the wizard was restarted meanwhile
		case err != nil:
			return unavailable(err)
		}
		// TOTP is on now, so the confirmation stands whatever follows: a
		// failure below is logged, and the overview then shows no codes
		// left (offering new ones) or the devices still to revoke.
		if err := s.store.ActivateBackupCodes(ctx, userID); err != nil {
			s.log.ErrorContext(ctx, "portalmfa: activating backup codes", "user", userID, "err", err)
		}
		// A new authenticator: devices trusted under an earlier one go.
		if _, err := s.revokeAll(ctx, userID); err != nil {
			s.log.ErrorContext(ctx, "portalmfa: revoking devices of a new authenticator", "user", userID, "err", err)
		}
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.TOTPEnabled})
		s.log.InfoContext(ctx, "portalmfa: totp enabled", "user", userID)
		return nil
	})
}

// VerifyTOTP checks a code at the login challenge: a well-formed code of the
// user's active secret, within one step of now, from a step later than any
// accepted before. Attempts count towards the user and IP limits before the
// code is looked at.
func (s *Service) VerifyTOTP(ctx context.Context, userID, code string, c Client) error {
	if _, err := totp.Normalize(code); err != nil {
		return err
	}
	return s.attempt(ctx, userID, c, loginTOTP, func() error {
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

// DisableTOTP turns TOTP off once the account password is confirmed. Wrong
// passwords count towards the lockout like wrong codes.
func (s *Service) DisableTOTP(ctx context.Context, userID, password string, c Client) error {
	return s.attempt(ctx, userID, c, passwordCheck, func() error {
		ok, err := s.cfg.CheckPassword(ctx, userID, password)
		if err != nil {
			return unavailable(err)
		}
		if !ok {
			return ErrWrongPassword
		}
		if err := s.removeSecondFactor(ctx, userID); err != nil {
			return err
		}
		s.event(ctx, c, history.Event{UserID: userID, Kind: history.TOTPDisabled})
		s.notify(ctx, c, Notification{Kind: NotifyTOTPDisabled, UserID: userID})
		s.log.InfoContext(ctx, "portalmfa: totp disabled", "user", userID)
		return nil
	})
}
