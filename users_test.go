package portalmfa_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// The console's view of users: factors and counts from the store in a
// batch, and each user's standing, read without starting anyone's grace.
func TestUserStates(t *testing.T) {
	ctx := context.Background()
	groups := map[string][]string{"u-late": {"partners"}, "u-new": {"partners"}, alice.ID: {"partners"}}
	f := newFixtureWith(t, withPolicies(groups, partnersRequired))
	_, codes := f.enrollWithCodes(t, alice)
	_, err := f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], portalmfa.Client{})
	require.NoError(t, err)
	late := portalmfa.User{ID: "u-late", Groups: groups["u-late"]}
	ps, err := f.svc.PolicyState(ctx, late) // found short: the grace starts
	require.NoError(t, err)
	require.Equal(t, policy.InGrace, ps.Standing)
	f.clock.Add(20 * 24 * time.Hour)

	users := []portalmfa.User{
		{ID: alice.ID, Groups: groups[alice.ID]},
		late,
		{ID: "u-new", Groups: groups["u-new"]},
		{ID: "u-customer", Groups: []string{"customers"}},
	}
	states, err := f.svc.UserStates(ctx, users)
	require.NoError(t, err)
	require.Len(t, states, 4)

	assert.True(t, states[0].Account.TOTP)
	assert.Equal(t, 9, states[0].Account.BackupCodes)
	assert.False(t, states[0].Account.LastSignIn.IsZero(), "the backup code's sign-in")
	assert.True(t, states[0].Enabled())
	assert.Equal(t, policy.Free, states[0].Standing, "complying")

	assert.Equal(t, policy.Overdue, states[1].Standing, "found short 20 days ago, 14 days of grace")
	assert.False(t, states[1].Enabled())

	assert.Equal(t, policy.InGrace, states[2].Standing, "never found short: the grace would start now")
	assert.Equal(t, f.clock.Now().AddDate(0, 0, 14), states[2].Policy.Deadline)
	ps, err = f.svc.PolicyState(ctx, users[2])
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().AddDate(0, 0, 14), ps.Policy.Deadline, "the listing started nothing: it starts now")

	assert.Equal(t, policy.Free, states[3].Standing)
	assert.Equal(t, policy.Optional, states[3].Policy.Level)
}
