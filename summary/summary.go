// Package summary reads many users' second-factor state at once, for the
// administrator's console: whether each has an app, passkeys, a phone,
// codes by email, how many backup codes are left, how many devices are
// trusted, and when they last signed in. A page of the console, or a walk
// over every user (a filter, an export), asks for users in batches of at
// most [MaxBatch], a few queries a batch, rather than a dozen a user.
//
// It imports no other part of portalmfa: it is the contract the storage
// backends fill, and the Service reads.
package summary

import (
	"context"
	"errors"
	"time"
)

// MaxBatch is the most users one call may ask for.
const MaxBatch = 500

// ErrTooMany: more than MaxBatch users asked for at once.
var ErrTooMany = errors.New("summary: too many users at once")

// Account is one user's second-factor state, as the store keeps it.
type Account struct {
	UserID string
	// TOTP: an authenticator app is on (a pending enrollment is not).
	TOTP bool
	// Passkeys counts the user's passkeys.
	Passkeys int
	// SMS and Email: a confirmed number, codes by email on.
	SMS, Email bool
	// BackupCodes counts the unused codes of an active set (0 without).
	BackupCodes int
	// Devices counts the devices trusted at now: not revoked, not expired.
	Devices int
	// LastSignIn is the time of the user's latest successful sign-in in
	// the history, zero if none.
	LastSignIn time.Time
}

// Store reads the state of many users at once.
type Store interface {
	// Accounts returns the state of each of userIDs at now, in their
	// order, one Account each (a user the store knows nothing of has a
	// zero Account with its UserID). More than MaxBatch IDs is
	// [ErrTooMany].
	Accounts(ctx context.Context, userIDs []string, now time.Time) ([]Account, error)
}
