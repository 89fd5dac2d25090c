package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/portalmfa/portalmfa/devices"
)

// trusted is a stored device and the hash of its token.
type trusted struct {
	devices.Device
	hash string
}

// PruneDevices implements [devices.Pruner].
func (s *Store) PruneDevices(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, d := range s.devices {
		revoked := !d.RevokedAt.IsZero() && d.RevokedAt.Before(before)
		if revoked || d.ExpiresAt.Before(before) {
			delete(s.devices, id)
			delete(s.deviceByHash, d.hash)
			n++
		}
	}
	return n, nil
}

// SaveDevice implements [devices.Store].
func (s *Store) SaveDevice(_ context.Context, d devices.Device, tokenHash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.devices[d.ID]; ok {
		return fmt.Errorf("memory: save device: ID %q is taken", d.ID)
	}
	if _, ok := s.deviceByHash[string(tokenHash)]; ok {
		return fmt.Errorf("memory: save device: token hash is taken")
	}
	s.devices[d.ID] = &trusted{Device: d, hash: string(tokenHash)}
	s.deviceByHash[string(tokenHash)] = d.ID
	return nil
}

// UseDevice implements [devices.Store].
func (s *Store) UseDevice(_ context.Context, userID string, tokenHash []byte, ip string, now time.Time) (devices.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// An unknown hash must not fall through to a device stored under the
	// empty ID: look the ID up and check it was there.
	id, ok := s.deviceByHash[string(tokenHash)]
	d := s.devices[id]
	if !ok || d.UserID != userID || !d.RevokedAt.IsZero() || !now.Before(d.ExpiresAt) {
		return devices.Device{}, devices.ErrUnknownDevice
	}
	d.LastUsedAt, d.IP = now, ip
	return d.Device, nil
}

// Devices implements [devices.Store].
func (s *Store) Devices(_ context.Context, userID string) ([]devices.Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds []devices.Device
	for _, d := range s.devices {
		if d.UserID == userID {
			ds = append(ds, d.Device)
		}
	}
	slices.SortFunc(ds, func(a, b devices.Device) int {
		if c := b.LastUsedAt.Compare(a.LastUsedAt); c != 0 {
			return c
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return ds, nil
}

// RenameDevice implements [devices.Store].
func (s *Store) RenameDevice(_ context.Context, userID, id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	if !ok || d.UserID != userID {
		return devices.ErrUnknownDevice
	}
	d.Name = name
	return nil
}

// RevokeDevice implements [devices.Store].
func (s *Store) RevokeDevice(_ context.Context, userID, id string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[id]
	if !ok || d.UserID != userID {
		return devices.ErrUnknownDevice
	}
	if d.RevokedAt.IsZero() {
		d.RevokedAt = now
	}
	return nil
}

// RevokeAllDevices implements [devices.Store].
func (s *Store) RevokeAllDevices(_ context.Context, userID string, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.devices {
		if d.UserID == userID && d.RevokedAt.IsZero() {
			d.RevokedAt = now
			n++
		}
	}
	return n, nil
}
