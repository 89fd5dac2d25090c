package memory

import (
	"context"
	"time"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/oob"
	"github.com/portalmfa/portalmfa/summary"
)

var _ summary.Store = (*Store)(nil)

// Accounts implements [summary.Store].
func (s *Store) Accounts(_ context.Context, userIDs []string, now time.Time) ([]summary.Account, error) {
	if len(userIDs) > summary.MaxBatch {
		return nil, summary.ErrTooMany
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byUser := make(map[string]*summary.Account, len(userIDs))
	for _, id := range userIDs {
		byUser[id] = &summary.Account{UserID: id}
	}
	for id, a := range byUser {
		if e, ok := s.totp[id]; ok && e.Active {
			a.TOTP = true
		}
		if set, ok := s.backup[id]; ok && set.active {
			a.BackupCodes = len(set.unused)
		}
		for _, e := range s.events[id] {
			if e.Kind == history.Attempt && e.Success && e.At.After(a.LastSignIn) {
				a.LastSignIn = e.At
			}
		}
	}
	for _, p := range s.passkeys {
		if a := byUser[p.UserID]; a != nil {
			a.Passkeys++
		}
	}
	for _, d := range s.devices {
		if a := byUser[d.UserID]; a != nil && d.RevokedAt.IsZero() && now.Before(d.ExpiresAt) {
			a.Devices++
		}
	}
	for _, d := range s.oob.destinations {
		if a := byUser[d.UserID]; a != nil {
			a.SMS = a.SMS || d.Channel == oob.SMS
			a.Email = a.Email || d.Channel == oob.Email
		}
	}
	out := make([]summary.Account, len(userIDs))
	for i, id := range userIDs {
		out[i] = *byUser[id]
	}
	return out, nil
}
