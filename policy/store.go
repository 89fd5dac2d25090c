package policy

import (
	"context"
	"errors"
	"time"
)

// Errors of a Store's changes.
var (
	// ErrNotFound: no policy of that name.
	ErrNotFound = errors.New("policy: not found")
	// ErrExists: a policy of that name is stored already.
	ErrExists = errors.New("policy: a policy of that name exists")
	// ErrConflict: the stored policy is not at the revision given: it was
	// saved or deleted since it was read.
	ErrConflict = errors.New("policy: changed since it was read")
)

// MaxAppliedBatch is the most users [Store.PolicyAppliedTo] takes at
// once; more is ErrTooMany.
const MaxAppliedBatch = 500

// ErrTooMany: more users at once than a call takes.
var ErrTooMany = errors.New("policy: too many users at once")

// Store keeps the policies an administrator made, and when each first
// applied to each user.
type Store interface {
	// SavePolicy stores p under p.Name. With p.Revision 0 it creates it:
	// [ErrExists] when a policy of that name is stored. Otherwise it
	// replaces the stored policy if that is still at p.Revision:
	// [ErrConflict] when it is not, or is gone. Either way the policy gets
	// a new revision, higher than any that name had, deleted ones
	// included. The record of whom it applied to stays: editing a policy
	// restarts no one's grace period. The check and the write are one
	// atomic step. The caller validates p ([Policy.Validate]).
	SavePolicy(ctx context.Context, p Policy) error
	// DeletePolicy removes the policy of that name if it is at revision
	// (at any, when revision is 0), with the record of whom it applied to,
	// in one atomic step: [ErrNotFound] when there is none (deleted
	// already), [ErrConflict] when it is at another revision (it stays,
	// with its record). The name's revisions are remembered: created
	// again, it goes on from the deleted policy's.
	DeletePolicy(ctx context.Context, name string, revision int) error
	// Policies returns every stored policy, with its revision, sorted by
	// name in byte order; none is not an error.
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
