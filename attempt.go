package portalmfa

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
)

// attemptKind says what an attempt is for. All count towards the lockout;
// those with a method are logins, which go into the user's login history.
type attemptKind struct {
	name   string         // for logs
	method history.Method // "" unless a login
	// password: a right password proves one factor, and clears no
	// failures: otherwise each sign-in with a known password would buy an
	// attacker another round of guesses at the second factor. (Its own
	// reservation is taken back when it was the only one.)
	password bool
	// guessable: a code few enough digits to guess, refused unevaluated
	// once Config.SuspendAfter failures in a row suspend it.
	guessable bool
}

var (
	loginTOTP       = attemptKind{name: "totp", method: history.TOTP, guessable: true}
	loginBackupCode = attemptKind{name: "backup-code", method: history.BackupCode}
	loginPasskey    = attemptKind{name: "passkey", method: history.Passkey}
	loginSMS        = attemptKind{name: "sms", method: history.SMS, guessable: true}
	loginEmail      = attemptKind{name: "email", method: history.Email, guessable: true}
	enrolling       = attemptKind{name: "totp-confirm"}
	confirmingCode  = attemptKind{name: "phone-confirm", guessable: true}
	reverifyingTOTP = attemptKind{name: "reverify-totp", guessable: true}
	reverifying     = attemptKind{name: "reverify"}
	reverifyingSent = attemptKind{name: "reverify-sent", guessable: true}
	sending         = attemptKind{name: "send"} // no attempt: a send refused while locked
	passwordCheck   = attemptKind{name: "password", password: true}
)

// attempt runs check as one counted attempt. Login attempts are recorded
// in the user's history, whatever their outcome.
//
// The user's attempt is reserved in the store before check runs (refused,
// unevaluated, while the user is locked), so however many requests race,
// at most the threshold are evaluated, and it is cleared only when check
// succeeds.
//
// The client's IP is reserved before check too, atomically, so a burst
// from one address cannot outrun its limit; a success takes nothing back,
// so an attacker's own account buys no more guesses against others. A
// locked IP slows spraying across users without refusing a user for what
// others behind the same address did (a proxy, an office): it refuses a
// user who failed from that address lately, and evaluates one attempt a day
// of any other (reserved atomically too). A success clears that mark.
//
// A third count, kept until a success however long idle, holds the
// user's second-step failures in a row: at Config.SuspendAfter, guessable
// codes are refused unevaluated (reserved atomically too, so a burst cannot
// pass the cap), while a passkey or a backup code still signs in.
//
// With a store that can ([TxStore]), all of it is one transaction: one
// commit per attempt, and a failure of ours rolls back what it counted.
// Notifications wait for the commit. (Not for a password: its check is
// slow on purpose, and must not hold a transaction open.)
func (s *Service) attempt(ctx context.Context, userID string, c Client, kind attemptKind, check func(ctx context.Context) error) error {
	if userID == "" {
		return ErrNotEnrolled
	}
	if s.tx == nil || kind.password {
		return s.attemptOnce(ctx, userID, c, kind, check)
	}
	var result error
	out := new(outbox)
	err := s.tx.InTx(context.WithValue(ctx, outboxKey{}, out), func(ctx context.Context) error {
		result = s.attemptOnce(ctx, userID, c, kind, check)
		if errors.Is(result, ErrUnavailable) {
			return result // rolled back: counted against nobody
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrUnavailable) && kind.method != "":
		s.recordAttempt(ctx, userID, c, kind.method, err) // its entry went with the rollback
		return err
	case err != nil && !errors.Is(err, ErrUnavailable):
		return unavailable(err) // the commit failed: nothing happened
	case err != nil:
		return err
	}
	for _, n := range out.held {
		s.notify(ctx, n.c, n.n)
	}
	return result
}

// outbox holds the notifications of an attempt until its transaction
// commits: a Notifier that wrote to the same database meanwhile would wait
// for it, and one that sends mail should not tell of what rolled back.
type outbox struct {
	held []heldNotification
}

type heldNotification struct {
	c Client
	n Notification
}

type outboxKey struct{}

func (s *Service) attemptOnce(ctx context.Context, userID string, c Client, kind attemptKind, check func(ctx context.Context) error) (err error) {
	if kind.method != "" {
		defer func() {
			if locked, ok := errors.AsType[*LockedOutError](err); ok && !s.firstOf(ctx, "refused:"+userID, locked.Until) {
				return // a burst refused while locked goes into the history once
			}
			s.recordAttempt(ctx, userID, c, kind.method, err)
		}()
	}
	now := s.cfg.Now()
	ipKey, markKey := ipLimitKey(c.IP), ""
	var ip lockout.Attempt // the IP's reservation, if it got one
	if ipKey != "" {
		markKey = "ipuser:" + ipKey + "|" + userID
		var err error
		ip, err = s.store.ReserveAttempt(ctx, ipKey, s.cfg.IPLimit, now)
		switch {
		case errors.Is(err, lockout.ErrLockedOut):
			if _, err := s.store.ReserveAttempt(ctx, markKey, ipUserMark(), now); errors.Is(err, lockout.ErrLockedOut) {
				return s.refused(ctx, userID, c, kind, ip.LockedUntil, now)
			} else if err != nil {
				return unavailable(err)
			}
			ip = lockout.Attempt{} // nothing of the IP's to give back
		case err != nil:
			return unavailable(err)
		}
	}
	userKey := userLimitKey(userID)
	a, err := s.store.ReserveAttempt(ctx, userKey, s.cfg.UserLimit, now)
	if errors.Is(err, lockout.ErrLockedOut) {
		return s.refused(ctx, userID, c, kind, a.LockedUntil, now)
	}
	if err != nil {
		return unavailable(err)
	}
	var run lockout.Attempt // the long-run count's reservation
	runKey := ""
	if !kind.password {
		runKey = failuresInARow(userID)
	}
	giveBack := func() { // our failure, not the user's: counted against nobody
		s.release(ctx, userKey, a)
		s.release(ctx, ipKey, ip)
		s.release(ctx, runKey, run)
	}
	checked := func() error { return check(ctx) }
	if kind.guessable {
		run, err = s.store.ReserveAttempt(ctx, runKey, s.suspendLimit(), now)
		switch {
		case errors.Is(err, lockout.ErrLockedOut):
			// A guess nonetheless: it counts towards the user's lock, which
			// bounds how often it is refused (and recorded).
			run, checked = lockout.Attempt{}, func() error { return ErrSuspended }
		case err != nil:
			giveBack()
			return unavailable(err)
		}
	}
	if err := checked(); err != nil {
		if errors.Is(err, ErrUnavailable) {
			s.log.ErrorContext(ctx, "portalmfa: second factor unavailable",
				"user", userID, "ip", c.IP, "method", kind.name, "err", err)
			giveBack()
			return err
		}
		s.log.InfoContext(ctx, "portalmfa: second factor failed",
			"user", userID, "ip", c.IP, "method", kind.name, "err", err)
		s.markIPUser(ctx, markKey, now)
		if runKey != "" && !kind.guessable {
			run = s.countFailure(ctx, runKey, s.suspendLimit(), now)
		}
		if !a.LockedUntil.IsZero() { // this failure locked the user
			s.event(ctx, c, history.Event{UserID: userID, Kind: history.LockedOut})
			s.notify(ctx, c, Notification{Kind: NotifyRepeatedFailures, UserID: userID})
		}
		if !run.LockedUntil.IsZero() { // this failure reached the cap
			s.log.WarnContext(ctx, "portalmfa: app codes suspended after failures in a row", "user", userID, "failures", run.Failures)
			s.event(ctx, c, history.Event{UserID: userID, Kind: history.CodesSuspended})
			s.notify(ctx, c, Notification{Kind: NotifyCodesSuspended, UserID: userID})
		}
		failed := &FailedAttemptError{Err: err, Left: max(s.cfg.UserLimit.Threshold-a.Failures, 0)}
		if !a.LockedUntil.IsZero() {
			failed.LockedUntil, failed.Wait = a.LockedUntil, a.LockedUntil.Sub(now)
		}
		return failed
	}
	if kind.password {
		// Earlier failures stand; this attempt is taken back (or, with a
		// store that cannot, counted when others came before it).
		if s.releaser != nil {
			s.release(ctx, userKey, a)
			return nil
		}
		if a.Failures > 1 {
			return nil
		}
	}
	keys := []string{userKey}
	for _, k := range []string{runKey, markKey} {
		if k != "" {
			keys = append(keys, k)
		}
	}
	if err := s.store.ResetAttempts(ctx, keys...); err != nil {
		return unavailable(err)
	}
	return nil
}

// LockedOut returns a *LockedOutError while the user's attempts are
// refused unevaluated, and nil otherwise: for a page to say so, and disable
// its field, before the user types a code.
func (s *Service) LockedOut(ctx context.Context, userID string) (*LockedOutError, error) {
	now := s.cfg.Now()
	until, err := s.store.LockedUntil(ctx, userLimitKey(userID), now)
	switch {
	case err != nil:
		return nil, unavailable(err)
	case until.IsZero():
		return nil, nil
	}
	return &LockedOutError{Until: until, Wait: until.Sub(now)}, nil
}

// firstOf reports whether this is the first call for key before until:
// the lockout store's atomic reservation marks it, so of a burst, however
// concurrent, one is first. On a store failure it says yes: the history
// errs on the side of telling.
func (s *Service) firstOf(ctx context.Context, key string, until time.Time) bool {
	d := until.Sub(s.cfg.Now())
	if d <= 0 {
		return true
	}
	_, err := s.store.ReserveAttempt(ctx, key, lockout.Limit{Threshold: 1, Delay: d, MaxDelay: d}, s.cfg.Now())
	return !errors.Is(err, lockout.ErrLockedOut)
}

// release takes back the reservation a of key, when the store can and
// there is one. A failure is logged: the count errs on the strict side.
func (s *Service) release(ctx context.Context, key string, a lockout.Attempt) {
	if s.releaser == nil || a.Failures == 0 {
		return
	}
	if err := s.releaser.ReleaseAttempt(ctx, key, a); err != nil {
		s.log.ErrorContext(ctx, "portalmfa: taking back an attempt", "err", err)
	}
}

// ipUserMark is the limit of the mark of a user who failed from an
// address: the first failure sets it, and while the address is locked such
// a user is refused there, for a day or until a success.
func ipUserMark() lockout.Limit {
	return lockout.Limit{Threshold: 1, Delay: 24 * time.Hour, MaxDelay: 24 * time.Hour}
}

// markIPUser records that the user of markKey failed from its address.
// (The IP's and the user's counts are the exact limits.)
func (s *Service) markIPUser(ctx context.Context, markKey string, now time.Time) {
	s.countFailure(ctx, markKey, ipUserMark(), now)
}

// userLimitKey is the lockout key of a user's consecutive failures.
func userLimitKey(userID string) string { return "user:" + userID }

// failuresInARow is the lockout key of the long-run count of the user's
// failures, which only a success ends.
func failuresInARow(userID string) string { return lockout.KeepPrefix + "run:" + userID }

// suspendForever is the length of a suspension: until a success.
const suspendForever = 100 * 365 * 24 * time.Hour

// suspendLimit is the limit of the long-run count of a user's failures in a
// row, which a success only ends.
func (s *Service) suspendLimit() lockout.Limit {
	return lockout.Limit{Threshold: s.cfg.SuspendAfter, Delay: suspendForever, MaxDelay: suspendForever}
}

// refuseIfLocked returns a *LockedOutError, for userID's attempt from c,
// while one of the lockout keys is locked; it counts nothing.
func (s *Service) refuseIfLocked(ctx context.Context, userID string, c Client, kind attemptKind, keys ...string) error {
	now := s.cfg.Now()
	for _, key := range keys {
		if key == "" {
			continue
		}
		until, err := s.store.LockedUntil(ctx, key, now)
		if err != nil {
			return unavailable(err)
		}
		if !until.IsZero() {
			return s.refused(ctx, userID, c, kind, until, now)
		}
	}
	return nil
}

func (s *Service) refused(ctx context.Context, userID string, c Client, kind attemptKind, until, now time.Time) error {
	s.log.WarnContext(ctx, "portalmfa: attempt refused while locked out",
		"user", userID, "ip", c.IP, "method", kind.name, "until", until)
	return &LockedOutError{Until: until, Wait: until.Sub(now)}
}

// countFailure adds a failure to key's count, which may lock it, and
// returns the attempt it counted (none when key is ""). The count is best
// effort, where the exact limit is another's: a store failure is logged
// rather than turned into a refusal.
func (s *Service) countFailure(ctx context.Context, key string, limit lockout.Limit, now time.Time) lockout.Attempt {
	if key == "" {
		return lockout.Attempt{}
	}
	a, err := s.store.ReserveAttempt(ctx, key, limit, now)
	if err != nil {
		if !errors.Is(err, lockout.ErrLockedOut) {
			s.log.ErrorContext(ctx, "portalmfa: counting a failure", "key", key, "err", err)
		}
		return lockout.Attempt{}
	}
	return a
}

// ipLimitKey is the lockout key of a client IP. IPv6 clients are counted by
// their /64, which one subscriber usually holds whole: per address, one
// network could make up endless fresh keys. Anything that is not an IP
// (a host's ClientIP may return what it likes) is cut to a bounded key.
func ipLimitKey(ip string) string {
	if ip == "" {
		return ""
	}
	addr, err := netip.ParseAddr(ip)
	switch {
	case err != nil:
		return "ip:" + ip[:min(len(ip), 64)]
	case addr.Is4() || addr.Is4In6():
		return "ip:" + addr.Unmap().String()
	}
	p, _ := addr.WithZone("").Prefix(64)
	return "ip:" + p.String()
}

// reason names why an attempt failed, for the history.
func reason(err error) history.Reason {
	if failed, ok := errors.AsType[*FailedAttemptError](err); ok {
		err = failed.Err // evaluated, though it set a lock
	}
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnavailable):
		return history.Unavailable
	case errors.Is(err, ErrLockedOut):
		return history.Locked
	case errors.Is(err, ErrSuspended):
		return history.Suspended
	case errors.Is(err, ErrReplayed):
		return history.Replayed
	case errors.Is(err, ErrPendingExpired):
		return history.ExpiredState
	case errors.Is(err, ErrWrongPassword):
		return history.WrongPass
	}
	return history.WrongCode
}

func (s *Service) recordAttempt(ctx context.Context, userID string, c Client, m history.Method, err error) {
	s.event(ctx, c, history.Event{
		UserID: userID, Kind: history.Attempt, Method: m,
		Success: err == nil, Reason: reason(err),
	})
}

// event records e, which came from client c, at the Service's clock. The
// trail is for the user to read, not a gate: a failure to record is
// logged, and the operation it describes stands.
func (s *Service) event(ctx context.Context, c Client, e history.Event) {
	e.At, e.IP, e.Device = s.cfg.Now(), c.IP, s.deviceNames.name(c.UserAgent)
	if err := s.store.RecordEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "portalmfa: recording history", "user", e.UserID, "kind", e.Kind, "err", err)
	}
}
