package memory

import (
	"bytes"
	"context"
	"time"

	"github.com/portalmfa/portalmfa/backupcodes"
)

// backupSet is a user's set; unused maps a hash (as a string) to true
// until the code is redeemed.
type backupSet struct {
	salt      []byte
	sealed    []byte // of a pending set
	active    bool
	unused    map[string]bool
	createdAt time.Time
}

// SaveBackupCodes implements [backupcodes.Store].
func (s *Store) SaveBackupCodes(_ context.Context, userID string, salt []byte, hashes [][]byte, sealed []byte, active bool, now time.Time) error {
	set := backupSet{salt: bytes.Clone(salt), active: active, unused: make(map[string]bool, len(hashes)), createdAt: now}
	if !active {
		set.sealed = bytes.Clone(sealed)
	}
	for _, h := range hashes {
		set.unused[string(h)] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.backup[userID]; ok && old.active && !active {
		return backupcodes.ErrAlreadyActive
	}
	s.backup[userID] = set
	return nil
}

// BackupCodes implements [backupcodes.Store].
func (s *Store) BackupCodes(_ context.Context, userID string) (backupcodes.Set, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, ok := s.backup[userID]
	if !ok {
		return backupcodes.Set{}, backupcodes.ErrNoCodes
	}
	return backupcodes.Set{
		Salt:      bytes.Clone(set.salt),
		Sealed:    bytes.Clone(set.sealed),
		Active:    set.active,
		Remaining: len(set.unused),
		CreatedAt: set.createdAt,
	}, nil
}

// ActivateBackupCodes implements [backupcodes.Store].
func (s *Store) ActivateBackupCodes(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, ok := s.backup[userID]
	if !ok || set.active {
		return backupcodes.ErrNoCodes
	}
	set.active, set.sealed = true, nil
	s.backup[userID] = set
	return nil
}

// RedeemBackupCode implements [backupcodes.Store].
func (s *Store) RedeemBackupCode(_ context.Context, userID string, hash []byte, _ time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, ok := s.backup[userID]
	if !ok || !set.active || !set.unused[string(hash)] {
		return 0, backupcodes.ErrInvalidCode
	}
	delete(set.unused, string(hash))
	return len(set.unused), nil
}

// DeletePendingBackupCodes implements [backupcodes.Store].
func (s *Store) DeletePendingBackupCodes(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set, ok := s.backup[userID]; ok && !set.active {
		delete(s.backup, userID)
	}
	return nil
}

// DeleteBackupCodes implements [backupcodes.Store].
func (s *Store) DeleteBackupCodes(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.backup, userID)
	return nil
}
