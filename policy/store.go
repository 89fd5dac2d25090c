package policy

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no policy of that name.
var ErrNotFound = errors.New("policy: not found")

// MaxAppliedBatch is the most users [Store.PolicyAppliedTo] takes at
// once; more is ErrTooMany.
const MaxAppliedBatch = 500

// ErrTooMany: more users at once than a call takes.
var ErrTooMany = errors.New("policy: too many users at once")

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

// AppliedReader is a Store that also reads when a policy first applied to
// many users at once. It is optional: the console's listing of users needs
// it to show grace periods.
type AppliedReader interface {
	// PolicyAppliedTo returns, of userIDs (at most MaxAppliedBatch), those
	// the named policy applied to and since when, recording nothing: for a
	// listing of many users, which must start no one's grace period.
	PolicyAppliedTo(ctx context.Context, name string, userIDs []string) (map[string]time.Time, error)
}
