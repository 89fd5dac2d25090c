package portalmfa

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/policy"
)

// FactorKind names a kind of second factor. Every kind is a peer: two-factor
// authentication is on when any factor is on, backup codes belong to the
// account, and removing one factor leaves the others as they are.
type FactorKind string

const (
	FactorTOTP    FactorKind = "totp"    // an authenticator app; one per user
	FactorPasskey FactorKind = "passkey" // WebAuthn credentials; several per user
	FactorSMS     FactorKind = "sms"     // codes by SMS to a confirmed mobile number
	FactorEmail   FactorKind = "email"   // codes by email to the user's address
)

// FactorState is where a user stands with one kind of factor.
type FactorState int

const (
	Off     FactorState = iota
	Pending             // enrollment begun, not confirmed
	On
)

// Factor is a user's state with one kind of factor.
type Factor struct {
	Kind  FactorKind
	State FactorState
	// Since is when it was turned on (for passkeys, the oldest one's
	// registration).
	Since time.Time
	// Count is how many of the kind are on: 0 or 1 for TOTP, the number of
	// passkeys.
	Count int
	// Replacing: a new app is being set up to replace the one on
	// ([Service.BeginTOTPReplacement]), which works until it is confirmed.
	Replacing bool
	// To is where codes go, masked ("+33 • •• •• •• 78"), for SMS and
	// email.
	To string
	// Fallback: the factor does not keep 2FA on by itself: codes by email
	// beside another factor, unless Config.Codes.EmailAlone. They go when
	// the last other factor does.
	Fallback bool
}

// Status is a user's second-factor state, for the security page.
type Status struct {
	// Factors lists every kind of factor the Service offers or the store
	// keeps, in a fixed order (TOTP first), on or not. A kind the Service
	// no longer offers (its sender or passkey configuration gone) is
	// still listed, on if the user has it: 2FA stays on, closed.
	Factors []Factor
	// BackupCodes is the number of unused backup codes (0 while 2FA is
	// off); BackupCodesLow is true at or below Config.LowBackupCodes, when
	// the user should make new ones.
	BackupCodes    int
	BackupCodesLow bool
	// BackupCodesShown is true while a first factor is being set up once
	// its backup codes were shown ([Service.PendingBackupCodes]).
	BackupCodesShown bool
}

// Enabled reports whether two-factor authentication is on: at least one
// factor is, a fallback aside, so a login must pass the challenge.
func (st Status) Enabled() bool { return st.ActiveFactors() > 0 }

// ActiveFactors counts the kinds of factor that are on, fallbacks aside.
func (st Status) ActiveFactors() int {
	n := 0
	for _, f := range st.Factors {
		if f.State == On && !f.Fallback {
			n++
		}
	}
	return n
}

// Credentials counts what the user can pass the challenge with, fallbacks
// aside: the app, each passkey, the phone. Removing the last one turns 2FA
// off.
func (st Status) Credentials() int {
	n := 0
	for _, f := range st.Factors {
		if f.State == On && !f.Fallback {
			n += f.Count
		}
	}
	return n
}

// Factor returns the state of one kind (Off when the Service does not
// offer it).
func (st Status) Factor(k FactorKind) Factor {
	for _, f := range st.Factors {
		if f.Kind == k {
			return f
		}
	}
	return Factor{Kind: k}
}

// factor is what the Service asks of each kind: where a user stands, and
// how to take all of it away.
type factor interface {
	status(ctx context.Context, userID string) ([]Factor, error)
	removeAll(ctx context.Context, userID string) error
}

// markFallback marks codes by email, in fs, a fallback while another
// factor is on: they do not keep 2FA on by themselves then (see
// afterRemoval), unless the host lets them stand alone. Alone, whatever the
// configuration says now, they do: 2FA stays on, closed.
func (s *Service) markFallback(fs []Factor) {
	if i := slices.IndexFunc(fs, func(f Factor) bool { return f.Kind == FactorEmail }); i >= 0 && !s.EmailAlone() {
		fs[i].Fallback = fs[i].State == On && slices.ContainsFunc(fs, func(f Factor) bool {
			return f.Kind != FactorEmail && f.State == On
		})
	}
}

// Status returns the user's second-factor state.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	var st Status
	for _, f := range s.factors {
		fs, err := f.status(ctx, userID)
		if err != nil {
			return Status{}, err
		}
		st.Factors = append(st.Factors, fs...)
	}
	s.markFallback(st.Factors)
	set, err := s.store.BackupCodes(ctx, userID)
	switch {
	case errors.Is(err, backupcodes.ErrNoCodes):
	case err != nil:
		return Status{}, unavailable(err)
	case set.Active && st.Enabled():
		st.BackupCodes = set.Remaining
	case !set.Active:
		st.BackupCodesShown = true
	}
	st.BackupCodesLow = st.Enabled() && st.BackupCodes <= s.cfg.LowBackupCodes
	return st, nil
}

// SecondFactorRequired tells the host, after a correct password, whether the
// login must go through the challenge. On error the host must not let the
// user in: the error means "try again later".
func (s *Service) SecondFactorRequired(ctx context.Context, userID string) (bool, error) {
	st, err := s.Status(ctx, userID)
	return st.Enabled(), err
}

// firstFactorAdded records that 2FA is on, a first factor having just
// been turned on. activateCodes makes the backup codes shown while it was
// set up valid. The factor stands whatever fails here: a failure is logged,
// and the overview then offers new codes.
func (s *Service) firstFactorAdded(ctx context.Context, userID string, c Client, activateCodes bool) {
	if activateCodes {
		if err := s.store.ActivateBackupCodes(ctx, userID); err != nil {
			s.log.ErrorContext(ctx, "portalmfa: activating backup codes", "user", userID, "err", err)
		}
	}
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.TwoFactorEnabled})
	s.notify(ctx, c, Notification{Kind: NotifyTwoFactorOn, UserID: userID})
}

// firstFactorOn completes a first factor turned on outside the TOTP
// wizard (a passkey, a phone): 2FA is on, and the account's backup codes
// are made, to be shown once, after the factor rather than before, since
// neither a ceremony nor a code can wait while the user reads them. They
// replace any a TOTP wizard left pending, and trusted devices from before
// go. The factor stands whatever fails here: a failure is logged, and the
// overview then offers new codes.
func (s *Service) firstFactorOn(ctx context.Context, userID string, c Client) []string {
	s.firstFactorAdded(ctx, userID, c, false)
	codes, err := s.saveBackupCodes(ctx, userID, true)
	if err != nil {
		s.log.ErrorContext(ctx, "portalmfa: backup codes of a first factor", "user", userID, "err", err)
	}
	if _, err := s.revokeAll(ctx, userID); err != nil {
		s.log.ErrorContext(ctx, "portalmfa: revoking devices of a new second factor", "user", userID, "err", err)
	}
	return codes
}

// removeFactor runs remove, which takes one factor of kind k away, once
// proof allows it: any recent verification while another factor stays on
// (or for a fallback), the password for the last one. When no factor is
// left afterwards, 2FA is off: the backup codes, trusted devices and a
// fallback go too.
func (s *Service) removeFactor(ctx context.Context, userID, proof string, k FactorKind, c Client, remove func() error) error {
	// One removal of a user's at a time: two at once would each see the
	// other's factor left and need no password, and together turn 2FA off.
	return s.exclusive(ctx, userID, func() error {
		st, err := s.Status(ctx, userID)
		if err != nil {
			return err
		}
		// A required policy keeps the last factor it counts, and the last
		// factor at all: checked before the proof, so no one types a
		// password for a refusal.
		if e, err := s.UserPolicy(ctx, userID); err != nil {
			return err
		} else if e.Level == policy.Required && !st.Factor(k).Fallback &&
			(st.Credentials() <= 1 || (e.Allows(string(k)) && allowedCredentials(st, e) <= 1)) {
			return ErrPolicyRequires
		}
		if err := s.checkProof(userID, proof, removalNeed(st, k)); err != nil {
			return err
		}
		wasOn := st.Enabled()
		if err := remove(); err != nil {
			return err
		}
		return s.afterRemoval(ctx, userID, c, wasOn)
	})
}

// afterRemoval turns 2FA off, codes and trusted devices included, when no
// factor is left.
func (s *Service) afterRemoval(ctx context.Context, userID string, c Client, wasOn bool) error {
	st, err := s.Status(ctx, userID)
	if err != nil {
		return err
	}
	if email := st.Factor(FactorEmail); email.State == On && st.ActiveFactors() == 1 && !s.EmailAlone() && wasOn {
		// A fallback, with nothing left to fall back from. It goes
		// first: should what follows fail, no address is left behind to
		// come back on with the next factor.
		if err := s.deleteDestination(ctx, userID, oob.Email); err != nil && !errors.Is(err, ErrNotEnrolled) {
			return err
		}
		s.emailCodesOff(ctx, userID, c)
	} else if st.Enabled() || !wasOn {
		return nil
	}
	if err := s.clearAccount(ctx, userID); err != nil {
		return err
	}
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.TwoFactorDisabled})
	s.notify(ctx, c, Notification{Kind: NotifyTwoFactorOff, UserID: userID})
	s.log.InfoContext(ctx, "portalmfa: two-factor authentication turned off", "user", userID)
	return nil
}

// errBusy: another change of the user's factors is under way.
var errBusy = errors.New("portalmfa: another change of these factors is under way")

// exclusive runs f while no other exclusive call of userID's runs, on any
// instance: the lockout store's atomic reservation serves as the lock (a
// threshold of one locks the key at the first reservation), released when
// f returns and on its own after ten seconds. A second caller meanwhile
// gets ErrUnavailable, "try again".
func (s *Service) exclusive(ctx context.Context, userID string, f func() error) error {
	key := "factors:" + userID
	_, err := s.store.ReserveAttempt(ctx, key, lockout.Limit{Threshold: 1, Delay: 10 * time.Second, MaxDelay: 10 * time.Second}, s.cfg.Now())
	switch {
	case errors.Is(err, lockout.ErrLockedOut):
		return unavailable(errBusy)
	case err != nil:
		return unavailable(err)
	}
	defer func() {
		if err := s.store.ResetAttempts(ctx, key); err != nil {
			s.log.ErrorContext(ctx, "portalmfa: releasing a factor change", "user", userID, "err", err)
		}
	}()
	return f()
}

// allowedCredentials counts what the user can pass the challenge with
// under e: the factors on that it counts, each passkey apart.
func allowedCredentials(st Status, e policy.Effective) int {
	n := 0
	for _, f := range st.Factors {
		if f.State == On && !f.Fallback && e.Allows(string(f.Kind)) {
			n += f.Count
		}
	}
	return n
}

// removalNeed is the verification that removing one factor of kind k
// needs ("" for any kind).
func removalNeed(st Status, k FactorKind) Need {
	if st.Credentials() <= 1 && !st.Factor(k).Fallback {
		return NeedPassword
	}
	return NeedAny
}

// removeSecondFactor deletes every factor and what backs them. The order
// matters when a step fails: the factors go last, so a user is never left
// with 2FA off but still backed by codes or devices.
func (s *Service) removeSecondFactor(ctx context.Context, userID string) error {
	if err := s.clearAccount(ctx, userID); err != nil {
		return err
	}
	// A suspension of the app's codes goes with them.
	if err := s.store.ResetAttempts(ctx, failuresInARow(userID)); err != nil {
		return unavailable(err)
	}
	for _, f := range s.factors {
		if err := f.removeAll(ctx, userID); err != nil {
			return err
		}
	}
	return nil
}

// clearAccount removes what belongs to the account rather than to one
// factor: the backup codes and the trusted devices.
func (s *Service) clearAccount(ctx context.Context, userID string) error {
	if _, err := s.revokeAll(ctx, userID); err != nil {
		return err
	}
	if err := s.store.DeleteBackupCodes(ctx, userID); err != nil {
		return unavailable(err)
	}
	return nil
}
