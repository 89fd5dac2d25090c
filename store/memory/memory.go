package memory

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/passkeys"
	"github.com/portalmfa/portalmfa/totp"
)

// Store keeps records in maps. Its zero value is not usable; call [New].
type Store struct {
	mu       sync.Mutex
	totp     map[string]totp.Enrollment // by user ID
	backup   map[string]backupSet       // by user ID
	attempts map[string]attempts        // by key

	devices      map[string]*trusted        // by device ID
	deviceByHash map[string]string          // device ID by token hash
	events       map[string][]history.Event // by user ID, oldest first (see RecordEvent)
	lastEventID  int64

	passkeys   map[string]passkeys.Passkey  // by credential ID
	ceremonies map[string]passkeys.Ceremony // by key

	oob    oobState    // usable as its zero value (see oob.go)
	policy policyState // usable as its zero value (see policies.go)
}

// attempts is the lockout state of one key.
type attempts struct {
	failures    int
	locks       int       // consecutive locks since the last reset
	lockedUntil time.Time // end of the last lock; zero if none since the count restarted
	last        time.Time // the last counted attempt
}

// New returns an empty store.
func New() *Store {
	return &Store{
		totp:     make(map[string]totp.Enrollment),
		backup:   make(map[string]backupSet),
		attempts: make(map[string]attempts),

		devices:      make(map[string]*trusted),
		deviceByHash: make(map[string]string),
		events:       make(map[string][]history.Event),

		passkeys:   make(map[string]passkeys.Passkey),
		ceremonies: make(map[string]passkeys.Ceremony),
	}
}

var (
	_ totp.Store        = (*Store)(nil)
	_ backupcodes.Store = (*Store)(nil)
	_ lockout.Store     = (*Store)(nil)
	_ devices.Store     = (*Store)(nil)
	_ history.Store     = (*Store)(nil)

	_ passkeys.Store         = (*Store)(nil)
	_ passkeys.CeremonyStore = (*Store)(nil)
)

// SavePendingTOTP implements [totp.Store].
func (s *Store) SavePendingTOTP(_ context.Context, userID string, sealed []byte, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.totp[userID]; ok && e.Active {
		return totp.ErrAlreadyActive
	}
	s.totp[userID] = totp.Enrollment{
		UserID:    userID,
		Secret:    bytes.Clone(sealed),
		CreatedAt: now,
	}
	return nil
}

// TOTPEnrollment implements [totp.Store].
func (s *Store) TOTPEnrollment(_ context.Context, userID string) (totp.Enrollment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok {
		return totp.Enrollment{}, totp.ErrNotEnrolled
	}
	e.Secret, e.Replacement = bytes.Clone(e.Secret), bytes.Clone(e.Replacement)
	return e, nil
}

// SaveReplacementTOTP implements [totp.Store].
func (s *Store) SaveReplacementTOTP(_ context.Context, userID string, sealed []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok || !e.Active {
		return totp.ErrNotEnrolled
	}
	e.Replacement = bytes.Clone(sealed)
	s.totp[userID] = e
	return nil
}

// ActivateTOTP implements [totp.Store].
func (s *Store) ActivateTOTP(_ context.Context, userID string, sealed []byte, step int64, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	switch {
	case ok && !e.Active && bytes.Equal(e.Secret, sealed):
	case ok && e.Active && e.Replacement != nil && bytes.Equal(e.Replacement, sealed):
		e.Secret, e.Replacement = e.Replacement, nil
	default:
		return totp.ErrNotEnrolled
	}
	e.Active, e.LastStep, e.ActivatedAt = true, step, now
	s.totp[userID] = e
	return nil
}

// AcceptTOTPStep implements [totp.Store].
func (s *Store) AcceptTOTPStep(_ context.Context, userID string, step int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	switch {
	case !ok || !e.Active:
		return totp.ErrNotEnrolled
	case step <= e.LastStep:
		return totp.ErrReplayed
	}
	e.LastStep = step
	s.totp[userID] = e
	return nil
}

// DeleteTOTP implements [totp.Store].
func (s *Store) DeleteTOTP(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.totp, userID)
	return nil
}

// DeletePendingTOTP implements [totp.Store].
func (s *Store) DeletePendingTOTP(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	switch {
	case !ok || e.Active && e.Replacement == nil:
		return totp.ErrNotEnrolled
	case e.Active:
		e.Replacement = nil
		s.totp[userID] = e
	default:
		delete(s.totp, userID)
	}
	return nil
}

// ReserveAttempt implements [lockout.Store].
func (s *Store) ReserveAttempt(_ context.Context, key string, limit lockout.Limit, now time.Time) (lockout.Attempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.attempts[key]
	if a.lockedUntil.After(now) {
		return lockout.Attempt{Failures: a.failures, LockedUntil: a.lockedUntil}, lockout.ErrLockedOut
	}
	if !a.lockedUntil.IsZero() {
		// The count reached the threshold and that lock has expired.
		a.failures, a.lockedUntil = 0, time.Time{}
	}
	a.failures++
	a.last = now
	if a.failures >= limit.Threshold {
		a.lockedUntil = now.Add(limit.LockDelay(a.locks))
		a.locks++
	}
	s.attempts[key] = a
	return lockout.Attempt{Failures: a.failures, LockedUntil: a.lockedUntil}, nil
}

// PruneAttempts implements [lockout.Store].
func (s *Store) PruneAttempts(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, a := range s.attempts {
		if a.last.Before(before) && !a.lockedUntil.After(before) && !strings.HasPrefix(k, lockout.KeepPrefix) {
			delete(s.attempts, k)
			n++
		}
	}
	return n, nil
}

// LockedUntil implements [lockout.Store].
func (s *Store) LockedUntil(_ context.Context, key string, now time.Time) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.attempts[key]; a.lockedUntil.After(now) {
		return a.lockedUntil, nil
	}
	return time.Time{}, nil
}

// ReleaseAttempt implements [lockout.Releaser].
func (s *Store) ReleaseAttempt(_ context.Context, key string, a lockout.Attempt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.attempts[key]
	if !ok {
		return nil
	}
	st.failures = max(st.failures-1, 0)
	if !a.LockedUntil.IsZero() && st.lockedUntil.Equal(a.LockedUntil) {
		st.lockedUntil = time.Time{}
		st.locks = max(st.locks-1, 0)
	}
	s.attempts[key] = st
	return nil
}

// ResetAttempts implements [lockout.Store].
func (s *Store) ResetAttempts(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.attempts, k)
	}
	return nil
}
