package policy

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no policy of that name.
var ErrNotFound = errors.New("policy: not found")

// Store keeps the policies an administrator made, and when each first
// applied to each user.
type Store interface {
	// SavePolicy stores p under p.Name, replacing a policy of that name
	// (the record of whom it applied to stays: editing a policy restarts
	// no one's grace period). The caller validates p ([Policy.Validate]).
	SavePolicy(ctx context.Context, p Policy) error
	// DeletePolicy removes the policy of that name, and the record of whom
	// it applied to; [ErrNotFound] when there is none.
	DeletePolicy(ctx context.Context, name string) error
	// Policies returns every stored policy, sorted by name in byte order;
	// none is not an error.
	Policies(ctx context.Context) ([]Policy, error)
	// PolicyApplied returns when the named policy first applied to the
	// user, recording now as that time when it never did, whether or not
	// the policy is stored (it may be one kept in code). Concurrent calls
	// agree on one time.
	PolicyApplied(ctx context.Context, userID, name string, now time.Time) (time.Time, error)
}
