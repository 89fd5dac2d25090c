package oob

import (
	"context"
	"time"
)

// Code is a stored code: its hash and what it was sent for.
type Code struct {
	UserID string
	// Binding is what the code is bound to: a pending login's identifier,
	// or the number or address being confirmed ("confirm:+33…").
	Binding     string
	Channel     Channel
	Destination string // as the caller normalized it: an E.164 number or an email address
	Hash        []byte // see [Hasher]
	SentAt      time.Time
	ExpiresAt   time.Time // the code works while now is before it
}

// Limits bound the sends. See [Limits.Validate] and [Limits.Check].
type Limits struct {
	Cooldown time.Duration // between two sends to one user ([DefaultCooldown])
	PerHour  int           // sends per hour per user, and per destination ([DefaultPerHour])
}

// Store keeps each user's codes, at most one per binding, and the record
// of sends the limits count.
type Store interface {
	// SaveOOBCode stores c as the user's code for c.Binding, voiding every
	// earlier code of that user and binding, provided the limits allow a
	// send at now: none to the user within Cooldown, fewer than PerHour to
	// the user in the hour before now, fewer than PerHour to c.Destination
	// (whoever the user) in that hour ([Limits.Check] decides, from what
	// the store read). Otherwise it stores nothing and returns a
	// [*LimitError] (wrapping [ErrCooldown] or [ErrTooManySends]) with the
	// time a send is allowed again. Checking and storing are one atomic
	// step: of concurrent sends, no more than the limits allow succeed.
	// Limits that fail [Limits.Validate] are an error; nothing is stored.
	//
	// The send is recorded apart from the code: redeeming or voiding the
	// code does not take it back.
	SaveOOBCode(ctx context.Context, c Code, l Limits, now time.Time) error

	// RedeemOOBCode uses up the user's code for binding when its hash is
	// hash and it has not expired at now (now is before its ExpiresAt);
	// otherwise it returns [ErrInvalidCode] and changes nothing. Of
	// concurrent redemptions of one code, exactly one succeeds.
	RedeemOOBCode(ctx context.Context, userID, binding string, hash []byte, now time.Time) error

	// PruneOOB forgets codes expired before before, and the record of
	// sends older than an hour before before, and returns how many
	// records it removed.
	PruneOOB(ctx context.Context, before time.Time) (int, error)
}
