package memory

import (
	"bytes"
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa/oob"
)

var (
	_ oob.Store            = (*Store)(nil)
	_ oob.DestinationStore = (*Store)(nil)
)

// oobState holds the out-of-band codes, the record of sends and the
// users' destinations. Its zero value is empty and ready: its maps are
// made on first use.
type oobState struct {
	codes        map[oobKey]oob.Code // at most one per user and binding
	sends        []oobSend           // oldest first
	destinations map[destinationKey]oob.Destination
}

type oobKey struct{ userID, binding string }

type destinationKey struct {
	userID  string
	channel oob.Channel
}

type oobSend struct {
	userID, destination string
	at                  time.Time
}

// SaveOOBCode implements [oob.Store]. The store's mutex makes the check
// and the write one step.
func (s *Store) SaveOOBCode(_ context.Context, c oob.Code, l oob.Limits, now time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.oob
	var last time.Time
	var toUser, toDest []time.Time // within the window, latest first
	from := now.Add(-oob.Window)
	for i := len(st.sends) - 1; i >= 0; i-- {
		e := st.sends[i]
		if e.userID == c.UserID && e.at.After(last) {
			last = e.at
		}
		if !e.at.After(from) {
			continue
		}
		if e.userID == c.UserID {
			toUser = append(toUser, e.at)
		}
		if e.destination == c.Destination {
			toDest = append(toDest, e.at)
		}
	}
	if err := l.Check(now, last, nth(toUser, l.PerHour), nth(toDest, l.PerHour)); err != nil {
		return err
	}
	if st.codes == nil {
		st.codes = make(map[oobKey]oob.Code)
	}
	c.Hash = bytes.Clone(c.Hash)
	st.codes[oobKey{c.UserID, c.Binding}] = c
	st.sends = append(st.sends, oobSend{userID: c.UserID, destination: c.Destination, at: now})
	return nil
}

// nth returns the nth latest of times, or the zero time when there are
// fewer. Each call's now need not follow the last one's, so the record of
// sends is not assumed to be in order.
func nth(times []time.Time, n int) time.Time {
	if len(times) < n {
		return time.Time{}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return b.Compare(a) }) // latest first
	return times[n-1]
}

// RedeemOOBCode implements [oob.Store].
func (s *Store) RedeemOOBCode(_ context.Context, userID, binding string, hash []byte, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := oobKey{userID, binding}
	c, ok := s.oob.codes[k]
	if !ok || !now.Before(c.ExpiresAt) || subtle.ConstantTimeCompare(c.Hash, hash) != 1 {
		return oob.ErrInvalidCode
	}
	delete(s.oob.codes, k)
	return nil
}

// PruneOOB implements [oob.Store].
func (s *Store) PruneOOB(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.oob.codes {
		if c.ExpiresAt.Before(before) {
			delete(s.oob.codes, k)
			n++
		}
	}
	from := before.Add(-oob.Window)
	kept := s.oob.sends[:0]
	for _, e := range s.oob.sends {
		if e.at.Before(from) {
			n++
			continue
		}
		kept = append(kept, e)
	}
	clear(s.oob.sends[len(kept):])
	s.oob.sends = kept
	return n, nil
}

// SaveDestination implements [oob.DestinationStore].
func (s *Store) SaveDestination(_ context.Context, d oob.Destination) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oob.destinations == nil {
		s.oob.destinations = make(map[destinationKey]oob.Destination)
	}
	s.oob.destinations[destinationKey{d.UserID, d.Channel}] = d
	return nil
}

// Destinations implements [oob.DestinationStore].
func (s *Store) Destinations(_ context.Context, userID string) ([]oob.Destination, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds []oob.Destination
	for k, d := range s.oob.destinations {
		if k.userID == userID {
			ds = append(ds, d)
		}
	}
	slices.SortFunc(ds, func(a, b oob.Destination) int {
		if c := channelRank(a.Channel) - channelRank(b.Channel); c != 0 {
			return c
		}
		return strings.Compare(string(a.Channel), string(b.Channel))
	})
	return ds, nil
}

// channelRank orders the channels as [oob.DestinationStore.Destinations]
// lists them: SMS, then email, then anything else.
func channelRank(ch oob.Channel) int {
	switch ch {
	case oob.SMS:
		return 0
	case oob.Email:
		return 1
	}
	return 2
}

// DeleteDestination implements [oob.DestinationStore].
func (s *Store) DeleteDestination(_ context.Context, userID string, ch oob.Channel) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := destinationKey{userID, ch}
	_, ok := s.oob.destinations[k]
	delete(s.oob.destinations, k)
	return ok, nil
}
