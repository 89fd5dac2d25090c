package oob

import (
	"context"
	"time"
)

// Destination is one of a user's ways to receive codes: a confirmed mobile
// number, or codes by email turned on (Address is then the address the
// user confirmed it for).
type Destination struct {
	UserID      string
	Channel     Channel
	Address     string // E.164 for SMS, an email address for email; as the caller normalized it
	ConfirmedAt time.Time
}

// DestinationStore keeps at most one destination per user and channel.
type DestinationStore interface {
	// SaveDestination stores d as the user's destination of d.Channel,
	// replacing any earlier one.
	SaveDestination(ctx context.Context, d Destination) error

	// Destinations returns the user's destinations, SMS first then email;
	// none is not an error.
	Destinations(ctx context.Context, userID string) ([]Destination, error)

	// DeleteDestination removes the user's destination of ch and reports
	// whether there was one.
	DeleteDestination(ctx context.Context, userID string, ch Channel) (bool, error)
}
