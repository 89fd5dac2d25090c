package portalmfa

import (
	"context"
	"errors"
	"time"

	"github.com/portalmfa/portalmfa/history"
)

// The administrator's audit log: the trail of every user at once.

// ErrNoLog: the store cannot read the trail across users ([history.Log]).
var ErrNoLog = errors.New("portalmfa: the store reads no log across users")

// MaxLogPage bounds the entries one call of [Service.AuditLog] returns.
const MaxLogPage = 200

// AuditLog returns at most limit entries (MaxLogPage at most) of every
// user's trail that q selects, newest first. A listing goes on from its
// last entry e with q.After = history.CursorOf(e); a malformed cursor is
// [history.ErrInvalidCursor].
func (s *Service) AuditLog(ctx context.Context, q history.Query, limit int) ([]history.Event, error) {
	if s.trail == nil {
		return nil, ErrNoLog
	}
	es, err := s.trail.Log(ctx, q, min(limit, MaxLogPage))
	switch {
	case errors.Is(err, history.ErrInvalidCursor):
		return nil, err
	case err != nil:
		return nil, unavailable(err)
	}
	return es, nil
}

// Activity counts what went wrong across users since a time.
type Activity struct {
	Since time.Time
	// FailedChallenges counts the failed attempts at a second factor (the
	// host's password step aside).
	FailedChallenges int
	// Lockouts counts the accounts locked out after too many failures.
	Lockouts int
}

// LastDay returns the Activity of the 24 hours before now, for the
// dashboard.
func (s *Service) LastDay(ctx context.Context) (Activity, error) {
	if s.trail == nil {
		return Activity{}, ErrNoLog
	}
	a := Activity{Since: s.cfg.Now().Add(-24 * time.Hour)}
	failed, err := s.trail.CountEvents(ctx, history.Query{Failed: true, Methods: history.SecondFactorMethods(), Since: a.Since})
	if err != nil {
		return Activity{}, unavailable(err)
	}
	locks, err := s.trail.CountEvents(ctx, history.Query{Kinds: []history.Kind{history.LockedOut}, Since: a.Since})
	if err != nil {
		return Activity{}, unavailable(err)
	}
	a.FailedChallenges, a.Lockouts = failed, locks
	return a, nil
}
