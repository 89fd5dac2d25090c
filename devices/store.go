package devices

import (
	"context"
	"time"
)

// Store keeps trusted devices. Each method is one atomic operation, and
// every method that names a device also names its user: a device ID of
// another user is [ErrUnknownDevice], and nothing changes.
type Store interface {
	// SaveDevice stores a newly trusted device with the hash of its token.
	// An ID or a token hash that is already stored is an error, and the
	// device stored under it stays as it was.
	SaveDevice(ctx context.Context, d Device, tokenHash []byte) error

	// UseDevice finds the user's device with this token hash that is
	// neither revoked nor expired at now, records now and ip as its last
	// use, and returns it; otherwise [ErrUnknownDevice].
	UseDevice(ctx context.Context, userID string, tokenHash []byte, ip string, now time.Time) (Device, error)

	// Devices returns all the user's devices, active or not, the most
	// recently used first (the most recently created first among those
	// last used at the same time).
	Devices(ctx context.Context, userID string) ([]Device, error)

	// RenameDevice sets the name of the user's device id.
	RenameDevice(ctx context.Context, userID, id, name string) error

	// RevokeDevice revokes the user's device id at now. Revoking a revoked
	// device keeps its first revocation time and is not an error.
	RevokeDevice(ctx context.Context, userID, id string, now time.Time) error

	// RevokeAllDevices revokes every device of the user not yet revoked, and
	// returns how many it revoked.
	RevokeAllDevices(ctx context.Context, userID string, now time.Time) (int, error)
}

// Pruner deletes devices no longer trusted. It is optional: a Service
// whose store lacks it keeps them (and lists only the recent ones).
type Pruner interface {
	// PruneDevices deletes every device revoked before before, or expired
	// before before, and returns how many it deleted.
	PruneDevices(ctx context.Context, before time.Time) (int, error)
}
