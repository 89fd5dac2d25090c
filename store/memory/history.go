package memory

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/portalmfa/portalmfa/history"
)

// RecordEvent implements [history.Store]. IDs count up from 1 and are never
// given twice by one Store.
func (s *Store) RecordEvent(_ context.Context, e history.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastEventID++
	e.ID = strconv.FormatInt(s.lastEventID, 10)
	s.events[e.UserID] = append(s.events[e.UserID], e)
	return nil
}

// Events implements [history.Store].
func (s *Store) Events(_ context.Context, userID string, limit int, kinds ...history.Kind) ([]history.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var es []history.Event
	all := s.events[userID] // in the order recorded
	for i := len(all) - 1; i >= 0; i-- {
		if len(kinds) == 0 || slices.Contains(kinds, all[i].Kind) {
			es = append(es, all[i])
		}
	}
	// Stable: among entries at the same time, the latest recorded stays
	// first.
	slices.SortStableFunc(es, func(a, b history.Event) int { return b.At.Compare(a.At) })
	return es[:min(limit, len(es))], nil
}

// PruneEvents implements [history.Store].
func (s *Store) PruneEvents(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for user, es := range s.events {
		kept := slices.DeleteFunc(es, func(e history.Event) bool { return e.At.Before(before) })
		n += len(es) - len(kept)
		if len(kept) == 0 {
			delete(s.events, user)
		} else {
			s.events[user] = kept
		}
	}
	return n, nil
}
