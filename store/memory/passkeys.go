package memory

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/portalmfa/portalmfa/passkeys"
)

// AddPasskey implements [passkeys.Store]. The check of the ID, the count of
// the user's passkeys and the insertion happen under the store's mutex:
// one step, whoever else adds at the same moment. A stored ID is reported
// before a full list.
func (s *Store) AddPasskey(_ context.Context, p passkeys.Passkey, max int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.passkeys[string(p.ID)]; ok {
		return passkeys.ErrDuplicate
	}
	n := 0
	for _, q := range s.passkeys {
		if q.UserID == p.UserID {
			n++
		}
	}
	if n >= max {
		return passkeys.ErrTooMany
	}
	s.passkeys[string(p.ID)] = clonePasskey(p)
	return nil
}

// Passkeys implements [passkeys.Store].
func (s *Store) Passkeys(_ context.Context, userID string) ([]passkeys.Passkey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ps []passkeys.Passkey
	for _, p := range s.passkeys {
		if p.UserID == userID {
			ps = append(ps, clonePasskey(p))
		}
	}
	slices.SortFunc(ps, func(a, b passkeys.Passkey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID, b.ID)
	})
	return ps, nil
}

// PasskeyByID implements [passkeys.Store].
func (s *Store) PasskeyByID(_ context.Context, id []byte) (passkeys.Passkey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.passkeys[string(id)]
	if !ok {
		return passkeys.Passkey{}, passkeys.ErrUnknownPasskey
	}
	return clonePasskey(p), nil
}

// UsePasskey implements [passkeys.Store]. The comparison of the counter
// and its update are one step under the mutex.
func (s *Store) UsePasskey(_ context.Context, userID string, id []byte, prev, count uint32, backedUp bool, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.passkeys[string(id)]
	switch {
	case !ok || p.UserID != userID:
		return passkeys.ErrUnknownPasskey
	case p.SignCount != prev:
		return passkeys.ErrCounterMoved
	}
	p.SignCount, p.BackedUp, p.LastUsedAt = count, backedUp, now
	s.passkeys[string(id)] = p
	return nil
}

// RenamePasskey implements [passkeys.Store].
func (s *Store) RenamePasskey(_ context.Context, userID string, id []byte, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.passkeys[string(id)]
	if !ok || p.UserID != userID {
		return passkeys.ErrUnknownPasskey
	}
	p.Name = name
	s.passkeys[string(id)] = p
	return nil
}

// DeletePasskey implements [passkeys.Store].
func (s *Store) DeletePasskey(_ context.Context, userID string, id []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.passkeys[string(id)]
	if !ok || p.UserID != userID {
		return passkeys.ErrUnknownPasskey
	}
	delete(s.passkeys, string(id))
	return nil
}

// SaveCeremony implements [passkeys.CeremonyStore].
func (s *Store) SaveCeremony(_ context.Context, key []byte, c passkeys.Ceremony) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ceremonies[string(key)]; ok {
		return passkeys.ErrDuplicate
	}
	c.Data = bytes.Clone(c.Data)
	s.ceremonies[string(key)] = c
	return nil
}

// TakeCeremony implements [passkeys.CeremonyStore]. Finding and removing
// are one step under the mutex, so of concurrent takers one finds it. An
// expired ceremony is removed too, as a take that came too late.
func (s *Store) TakeCeremony(_ context.Context, key []byte, now time.Time) (passkeys.Ceremony, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ceremonies[string(key)]
	if !ok {
		return passkeys.Ceremony{}, passkeys.ErrNoCeremony
	}
	delete(s.ceremonies, string(key))
	if !now.Before(c.Expires) {
		return passkeys.Ceremony{}, passkeys.ErrNoCeremony
	}
	// The stored slice goes out with the ceremony: nothing keeps it now.
	return c, nil
}

// PruneCeremonies implements [passkeys.CeremonyStore].
func (s *Store) PruneCeremonies(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.ceremonies {
		if c.Expires.Before(before) {
			delete(s.ceremonies, k)
			n++
		}
	}
	return n, nil
}

// clonePasskey returns p with slices of its own, so that neither a caller
// nor the store can change the other's.
func clonePasskey(p passkeys.Passkey) passkeys.Passkey {
	p.ID = bytes.Clone(p.ID)
	p.PublicKey = bytes.Clone(p.PublicKey)
	p.AAGUID = bytes.Clone(p.AAGUID)
	p.Transports = slices.Clone(p.Transports)
	return p
}
