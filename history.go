package portalmfa

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
)

// HistoryLength is how many entries the security page shows.
const HistoryLength = 10

// HistoryKept is how many entries of a user [Service.PruneHistory] keeps at
// most, newest first, however many the retention would keep: the trail
// of an account under attack stays bounded.
const HistoryKept = 1000

// RecordSignIn records in the user's login history the outcome of the
// host's own password step, err from [Service.PasswordAttempt]: a refused
// password, or (nil) a sign-in that no second step follows. The challenge,
// a trusted device and passwordless sign-in record their own; with this
// call the history shows every sign-in, a user's without a second factor
// too. A refusal while locked is recorded once per lock, and a failure of
// ours ([ErrUnavailable]) not at all.
func (s *Service) RecordSignIn(ctx context.Context, userID string, c Client, err error) {
	if userID == "" || errors.Is(err, ErrUnavailable) {
		return
	}
	if locked, ok := errors.AsType[*LockedOutError](err); ok && !s.firstOf(ctx, "refused:"+userID, locked.Until) {
		return
	}
	s.recordAttempt(ctx, userID, c, history.Password, err)
}

// SignIn is an entry of the login history.
type SignIn struct {
	history.Event
	// Reported: the user said "this wasn't me" about it ([Service.NotMe]).
	Reported bool
}

// LoginHistory returns the user's last HistoryLength second-factor
// attempts, newest first.
func (s *Service) LoginHistory(ctx context.Context, userID string) ([]SignIn, error) {
	es, err := s.events(ctx, userID, history.Attempt)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	reports, err := s.events(ctx, userID, history.NotMe)
	if err != nil {
		return nil, err
	}
	signIns := make([]SignIn, len(es))
	for i, e := range es {
		signIns[i].Event = e
		signIns[i].Reported = slices.ContainsFunc(reports, func(r history.Event) bool { return r.Ref == e.ID })
	}
	return signIns, nil
}

// SecurityEvents returns the user's last HistoryLength security events
// (everything but attempts), newest first.
func (s *Service) SecurityEvents(ctx context.Context, userID string) ([]history.Event, error) {
	return s.events(ctx, userID, history.SecurityKinds()...)
}

func (s *Service) events(ctx context.Context, userID string, kinds ...history.Kind) ([]history.Event, error) {
	es, err := s.store.Events(ctx, userID, HistoryLength, kinds...)
	if err != nil {
		return nil, unavailable(err)
	}
	return es, nil
}

// ErrNotYourEvent: "this wasn't me" named an entry that is not one of the
// user's recent attempts.
var ErrNotYourEvent = errors.New("portalmfa: no such entry in your recent history")

// NotMe is the user's "this wasn't me" on an attempt of their recent login
// history they do not recognize: someone else has the password. Every trusted device is
// revoked, the report is recorded and notified; the host should then lead
// the user to change their password.
func (s *Service) NotMe(ctx context.Context, userID, eventID string, c Client) error {
	recent, err := s.LoginHistory(ctx, userID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(recent, func(e SignIn) bool { return e.ID == eventID }) {
		return ErrNotYourEvent
	}
	if _, err := s.revokeAll(ctx, userID); err != nil {
		return err
	}
	s.event(ctx, c, history.Event{UserID: userID, Kind: history.NotMe, Ref: eventID})
	s.notify(ctx, c, Notification{Kind: NotifyNotMe, UserID: userID})
	s.log.WarnContext(ctx, "portalmfa: user reported an attempt that was not theirs", "user", userID, "event", eventID)
	return nil
}

// attemptsIdle is how long a lockout counter is kept after its last
// failure: a day's quiet starts it afresh, lock lengths included.
const attemptsIdle = 24 * time.Hour

// PruneHistory removes entries older than Config.HistoryRetention and a
// user's beyond their newest HistoryKept, lockout
// counters idle for a day, expired passkey ceremonies and codes sent out
// of band (with the record of sends the limits no longer count) and, when the store
// can ([devices.Pruner]), devices no longer trusted for a week (they have
// left the list by then), and returns how many entries it removed. Hosts run it periodically (the demo, hourly).
func (s *Service) PruneHistory(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	if _, err := s.store.PruneAttempts(ctx, now.Add(-attemptsIdle)); err != nil {
		return 0, unavailable(err)
	}
	n, err := s.store.PruneEvents(ctx, now.Add(-s.cfg.HistoryRetention), HistoryKept)
	if err != nil {
		return 0, unavailable(err)
	}
	if p, ok := s.store.(devices.Pruner); ok {
		if _, err := p.PruneDevices(ctx, now.Add(-inactiveDevicesListed)); err != nil {
			return 0, unavailable(err)
		}
	}
	if s.passkeys != nil {
		// Ceremonies begun and never finished.
		if _, err := s.passkeys.store.PruneCeremonies(ctx, now); err != nil {
			return 0, unavailable(err)
		}
	}
	if cs := s.codeStore(); cs != nil {
		// Expired codes, and sends older than the limits count.
		if _, err := cs.PruneOOB(ctx, now); err != nil {
			return 0, unavailable(err)
		}
	}
	return n, nil
}
