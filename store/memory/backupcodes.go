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
	active    bool
	unused    map[string]bool
	createdAt time.Time
}

// SaveBackupCodes implements [backupcodes.Store].
func (s *Store) SaveBackupCodes(_ context.Context, userID string, salt []byte, hashes [][]byte, active bool, now time.Time) error {
	set := backupSet{salt: bytes.Clone(salt), active: active, unused: make(map[string]bool, len(hashes)), createdAt: now}
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
	set.active = true
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

// DeleteBackupCodes implements [backupcodes.Store].
func (s *Store) DeleteBackupCodes(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.backup, userID)
	return nil
}
