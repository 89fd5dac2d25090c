package portalmfa

import (
	"context"
	"errors"
	"log/slog"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
)

// attemptKind says what an attempt is for: the login ones go into the
// user's login history; all of them count towards the lockout.
type attemptKind struct {
	name   string // for logs
	method history.Method
	login  bool
}

var (
	loginTOTP       = attemptKind{"totp", history.TOTP, true}
	loginBackupCode = attemptKind{"backup-code", history.BackupCode, true}
	enrolling       = attemptKind{"totp-confirm", history.TOTP, false}
	regenerating    = attemptKind{"totp-regenerate", history.TOTP, false}
	passwordCheck   = attemptKind{"password", history.Password, false}
)

// attempt runs check as one counted attempt: it reserves the attempt against
// the IP and user limits (refusing, unevaluated, while either is locked),
// and clears both counters only when check succeeds. Login attempts are
// recorded in the user's history, whatever their outcome.
func (s *Service) attempt(ctx context.Context, userID string, c Client, kind attemptKind, check func() error) (err error) {
	if userID == "" {
		return ErrNotEnrolled
	}
	if kind.login {
		defer func() { s.recordAttempt(ctx, userID, c, kind.method, err) }()
	}
	// The IP first: attempts against a locked user still spend the IP's
	// budget, while a locked IP spends nothing of the user's.
	var keys []limitKey
	if c.IP != "" {
		keys = append(keys, limitKey{"ip:" + c.IP, s.cfg.IPLimit})
	}
	keys = append(keys, limitKey{"user:" + userID, s.cfg.UserLimit})
	now := s.cfg.Now()
	var locksUser bool // this attempt, should it fail, locks the user
	for i, k := range keys {
		a, err := s.store.ReserveAttempt(ctx, k.key, k.limit, now)
		if errors.Is(err, lockout.ErrLockedOut) {
			s.log.WarnContext(ctx, "portalmfa: attempt refused while locked out",
				"user", userID, "ip", c.IP, "method", kind.name, "until", a.LockedUntil)
			return &LockedOutError{Until: a.LockedUntil, Wait: a.LockedUntil.Sub(now)}
		}
		if err != nil {
			return unavailable(err)
		}
		locksUser = i == len(keys)-1 && !a.LockedUntil.IsZero()
	}
	if err := check(); err != nil {
		level := slog.LevelInfo
		if errors.Is(err, ErrUnavailable) {
			level = slog.LevelError
		}
		s.log.Log(ctx, level, "portalmfa: second factor failed",
			"user", userID, "ip", c.IP, "method", kind.name, "err", err)
		if locksUser && !errors.Is(err, ErrUnavailable) {
			s.event(ctx, history.Event{UserID: userID, Kind: history.LockedOut, IP: c.IP, Device: s.deviceNames.name(c.UserAgent)})
			s.notify(ctx, Notification{Kind: NotifyRepeatedFailures, UserID: userID, IP: c.IP, Device: s.deviceNames.name(c.UserAgent)})
		}
		return err
	}
	reset := make([]string, len(keys))
	for i, k := range keys {
		reset[i] = k.key
	}
	if err := s.store.ResetAttempts(ctx, reset...); err != nil {
		return unavailable(err)
	}
	return nil
}

type limitKey struct {
	key   string
	limit lockout.Limit
}

// reason names why an attempt failed, for the history.
func reason(err error) history.Reason {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnavailable):
		return history.Unavailable
	case errors.Is(err, ErrLockedOut):
		return history.Locked
	case errors.Is(err, ErrReplayed):
		return history.Replayed
	case errors.Is(err, ErrPendingExpired):
		return history.ExpiredState
	}
	return history.WrongCode
}

func (s *Service) recordAttempt(ctx context.Context, userID string, c Client, m history.Method, err error) {
	s.event(ctx, history.Event{
		UserID: userID, Kind: history.Attempt, Method: m,
		Success: err == nil, Reason: reason(err),
		IP: c.IP, Device: s.deviceNames.name(c.UserAgent),
	})
}

// event records e at the Service's clock. The trail is for the user to
// read, not a gate: a failure to record is logged, and the operation it
// describes stands.
func (s *Service) event(ctx context.Context, e history.Event) {
	e.At = s.cfg.Now()
	if err := s.store.RecordEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "portalmfa: recording history", "user", e.UserID, "kind", e.Kind, "err", err)
	}
}
