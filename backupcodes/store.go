package backupcodes

import (
	"context"
	"time"
)

// Set describes a user's stored set. The codes themselves are never stored.
type Set struct {
	Salt []byte
	// Sealed is what SaveBackupCodes was given with a pending set: the
	// codes, sealed by the caller, so the enrollment wizard can show the
	// same codes again until the factor is confirmed. Nil once the set is
	// active.
	Sealed    []byte
	Active    bool // false while the enrollment wizard shows the set
	Remaining int  // unused codes
	CreatedAt time.Time
}

// Store keeps one set of hashed codes per user. Each method is one atomic
// operation.
type Store interface {
	// SaveBackupCodes replaces the user's set by a new one of the given
	// hashes, all unused (a hash given twice is one code): the old codes
	// stop working at that moment. A pending set (active false) never
	// replaces an active one: then nothing changes and it returns
	// [ErrAlreadyActive]. sealed is kept with a pending set only.
	SaveBackupCodes(ctx context.Context, userID string, salt []byte, hashes [][]byte, sealed []byte, active bool, now time.Time) error

	// BackupCodes returns the user's set, or [ErrNoCodes].
	BackupCodes(ctx context.Context, userID string) (Set, error)

	// ActivateBackupCodes makes the user's pending set valid, and forgets
	// its sealed copy of the codes. It returns
	// [ErrNoCodes] when there is no pending set.
	ActivateBackupCodes(ctx context.Context, userID string) error

	// RedeemBackupCode marks as used the unused code of the user's active
	// set whose hash is hash, and returns how many unused codes this
	// redemption left (concurrent redemptions of different codes see
	// different counts).
	// It returns [ErrInvalidCode] when there is no such code: unknown, used
	// already, or in a pending set. Of concurrent redemptions of one code,
	// exactly one succeeds.
	RedeemBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) (remaining int, err error)

	// DeletePendingBackupCodes removes the user's set only while it is
	// pending (a wizard cancelled); an active set stays. Deleting nothing is
	// not an error.
	DeletePendingBackupCodes(ctx context.Context, userID string) error

	// DeleteBackupCodes removes the user's set. Deleting nothing is not an
	// error.
	DeleteBackupCodes(ctx context.Context, userID string) error
}
