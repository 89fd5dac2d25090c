package portalmfa_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
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

// An administrator's reset: every factor, code and trusted device gone, a
// security event naming the administrator and keeping the reason, the user
// told; no reset without both.
func TestAdminReset(t *testing.T) {
	ctx := context.Background()
	n := new(notes)
	f := newFixtureWith(t, func(c *portalmfa.Config) { c.Notifier = n })
	f.enroll(t, alice)
	_, _, err := f.svc.TrustDevice(ctx, alice.ID, portalmfa.Client{})
	require.NoError(t, err)

	for _, tc := range []struct{ admin, reason string }{{"", "lost phone"}, {"root", " "}, {"", ""}} {
		assert.ErrorIs(t, f.svc.AdminReset(ctx, alice.ID, tc.reason, portalmfa.Actor{Name: tc.admin}), portalmfa.ErrResetReason)
	}
	assert.True(t, mustStatus(t, f, alice.ID).Enabled(), "nothing reset")

	reason := "Lost her phone;\x00 called from the number on file. \xff" + strings.Repeat("é", 300)
	require.NoError(t, f.svc.AdminReset(ctx, alice.ID, reason, portalmfa.Actor{Name: "Ada Admin", Client: portalmfa.Client{IP: "203.0.113.5"}}))
	st := mustStatus(t, f, alice.ID)
	assert.False(t, st.Enabled())
	assert.Zero(t, st.BackupCodes)
	ds, err := f.svc.Devices(ctx, alice.ID)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.False(t, ds[0].RevokedAt.IsZero())

	events, err := f.svc.SecurityEvents(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.AdminReset, events[0].Kind)
	assert.Equal(t, "Ada Admin", events[0].Actor)
	assert.Equal(t, "203.0.113.5", events[0].IP, "where the administrator was, for the audit log")
	assert.LessOrEqual(t, len(events[0].Note), 500)
	assert.True(t, utf8.ValidString(events[0].Note), "cut on a character")
	assert.True(t, strings.HasPrefix(events[0].Note, "Lost her phone; called from the number on file. \uFFFD"), "no NUL, no invalid UTF-8: %q", events[0].Note[:60])
	assert.Contains(t, n.kinds(), portalmfa.NotifyAdminReset)
	assert.Equal(t, events[0].Note, n.sent[len(n.sent)-1].Note)
	assert.Empty(t, n.sent[len(n.sent)-1].IP, "the user is not told the administrator's address")
}

// The dashboard's counts, over every user of the host.
func TestShares(t *testing.T) {
	ctx := context.Background()
	groups := map[string][]string{"u-late": {"partners"}, "u-new": {"partners"}}
	users := []portalmfa.User{{ID: alice.ID}, {ID: "u-late", Groups: groups["u-late"]}, {ID: "u-new", Groups: groups["u-new"]}, {ID: bob.ID}}
	f := newFixtureWith(t, func(c *portalmfa.Config) {
		withPolicies(groups, partnersRequired)(c)
		c.ListUsers = func(_ context.Context, q portalmfa.UserQuery) ([]portalmfa.User, int, error) {
			return users[min(q.Offset, len(users)):min(q.Offset+q.Limit, len(users))], len(users), nil
		}
	})
	f.enroll(t, alice)
	_, err := f.svc.PolicyState(ctx, users[1])
	require.NoError(t, err)
	f.clock.Add(15 * 24 * time.Hour)
	sh, err := f.svc.Shares(ctx)
	require.NoError(t, err)
	assert.Equal(t, portalmfa.Shares{Users: 4, WithTwoFA: 1, ByFactor: map[string]int{"totp": 1}, InGrace: 1, Overdue: 1}, sh)
}
