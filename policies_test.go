package portalmfa_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/totp"
)

// withPolicies gives the fixture policies in code, and users' groups
// through LookupUser.
func withPolicies(groups map[string][]string, ps ...policy.Policy) func(*portalmfa.Config) {
	return func(c *portalmfa.Config) {
		c.Policies = ps
		c.LookupUser = func(_ context.Context, userID string) (portalmfa.User, error) {
			return portalmfa.User{ID: userID, Groups: groups[userID]}, nil
		}
	}
}

var partnersRequired = policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14}

// A required policy gives a grace period from the first sign-in it applies
// to, then the sign-in says "enroll now"; a factor on ends it; users
// outside its groups are not concerned.
// root is the administrator of the tests' changes.
var root = portalmfa.Actor{Name: "root"}

func TestSignInDecision(t *testing.T) {
	ctx := context.Background()
	groups := map[string][]string{alice.ID: {"partners"}, bob.ID: {"customers"}}
	f := newFixtureWith(t, withPolicies(groups, partnersRequired))
	partner := portalmfa.User{ID: alice.ID, Groups: groups[alice.ID]}
	customer := portalmfa.User{ID: bob.ID, Groups: groups[bob.ID]}

	decide := func(u portalmfa.User) portalmfa.Decision {
		t.Helper()
		d, err := f.svc.SignInDecision(ctx, u)
		require.NoError(t, err)
		return d
	}
	assert.Equal(t, portalmfa.PasswordOnly, decide(partner), "in grace")
	ps, err := f.svc.PolicyState(ctx, partner)
	require.NoError(t, err)
	assert.Equal(t, policy.InGrace, ps.Standing)
	assert.Equal(t, f.clock.Now().AddDate(0, 0, 14), ps.Policy.Deadline, "counted from the first time it applied")

	f.clock.Add(10 * 24 * time.Hour)
	ps, err = f.svc.PolicyState(ctx, partner)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().AddDate(0, 0, 4), ps.Policy.Deadline, "a later look does not move the deadline")

	f.clock.Add(5 * 24 * time.Hour)
	assert.Equal(t, portalmfa.EnrollNow, decide(partner), "overdue")
	assert.Equal(t, portalmfa.PasswordOnly, decide(customer), "not a partner")

	f.enroll(t, alice)
	assert.Equal(t, portalmfa.Challenge, decide(partner))
	ps, err = f.svc.PolicyState(ctx, partner)
	require.NoError(t, err)
	assert.Equal(t, policy.Free, ps.Standing, "complying")
}

// Factors a policy does not count are neither offered nor accepted.
func TestDisallowedFactor(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	groups := map[string][]string{alice.ID: {"staff"}}
	keysOnly := policy.Policy{Name: "staff", Groups: []string{"staff"}, Level: policy.Recommended, Allowed: []string{"passkey"}}
	f := newFixtureWith(t, func(cfg *portalmfa.Config) {
		withPolicies(groups)(cfg) // no policy yet: alice sets up the app
	})
	secret := f.enroll(t, alice)

	g := newFixtureWith(t, withPasskeys(func(cfg *portalmfa.Config) { withPolicies(groups, keysOnly)(cfg); cfg.Store = f.store }))
	g.clock.Add(totp.Period)
	assert.ErrorIs(t, g.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, g.clock.Now()), c), portalmfa.ErrFactorNotAllowed)
	locked, err := g.svc.LockedOut(ctx, alice.ID)
	require.NoError(t, err)
	assert.Nil(t, locked, "refused, not counted")
	_, err = g.svc.BeginTOTP(ctx, bob, g.proof(t, bob.ID))
	assert.NoError(t, err, "bob is not staff")
	_, err = g.svc.BeginTOTP(ctx, portalmfa.User{ID: "u-dora"}, g.proof(t, "u-dora"))
	assert.NoError(t, err)
	groups["u-dora"] = []string{"staff"}
	_, err = g.svc.BeginTOTP(ctx, portalmfa.User{ID: "u-dora"}, g.proof(t, "u-dora"))
	assert.ErrorIs(t, err, portalmfa.ErrFactorNotAllowed)
	ps, err := g.svc.PolicyState(ctx, portalmfa.User{ID: alice.ID, Groups: groups[alice.ID]})
	require.NoError(t, err)
	assert.Equal(t, policy.Urged, ps.Standing, "the app does not count")
}

// A required policy keeps the last factor; others may go.
func TestRequiredKeepsTheLastFactor(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	groups := map[string][]string{alice.ID: {"partners"}}
	f := newFixtureWith(t, withPolicies(groups, partnersRequired))
	f.enroll(t, alice)
	assert.ErrorIs(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c), portalmfa.ErrPolicyRequires)
	assert.Equal(t, portalmfa.On, f.totpState(t, alice.ID))

	free := newFixtureWith(t, func(cfg *portalmfa.Config) { withPolicies(groups)(cfg); cfg.Store = f.store })
	require.NoError(t, free.svc.RemoveTOTP(ctx, alice.ID, free.proof(t, alice.ID), c), "without the policy it goes")
}

// A policy's cap on trusted devices shortens new ones and ends old ones.
func TestTrustCap(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	groups := map[string][]string{alice.ID: {"partners"}}
	f := newFixture(t, nil)
	f.enroll(t, alice)
	old, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
	require.NoError(t, err)

	capped := policy.Policy{Name: "cap", Groups: []string{"partners"}, TrustDays: 7}
	g := newFixtureWith(t, func(cfg *portalmfa.Config) { withPolicies(groups, capped)(cfg); cfg.Store = f.store })
	g.clock.t = f.clock.Now()
	_, expires, err := g.svc.TrustDevice(ctx, alice.ID, c)
	require.NoError(t, err)
	assert.Equal(t, g.clock.Now().Add(7*24*time.Hour), expires)
	d, err := g.svc.TrustPeriod(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, 7*24*time.Hour, d)
	d, err = g.svc.TrustPeriod(ctx, bob.ID)
	require.NoError(t, err)
	assert.Equal(t, 30*24*time.Hour, d, "bob is not a partner")

	require.NoError(t, g.svc.UseTrustedDevice(ctx, alice.ID, old, c))
	g.clock.Add(7 * 24 * time.Hour)
	assert.ErrorIs(t, g.svc.UseTrustedDevice(ctx, alice.ID, old, c), portalmfa.ErrUnknownDevice, "trusted for 30 days, capped at 7")
}

func TestPoliciesInConfig(t *testing.T) {
	for name, ps := range map[string][]policy.Policy{
		"invalid":   {{Name: "x"}},
		"same name": {{Name: "x", Everyone: true}, {Name: "x", Everyone: true}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := portalmfa.New(portalmfa.Config{Issuer: "Acme", Keys: [][]byte{testKey}, Store: newFixture(t, nil).store,
				CheckPassword: func(context.Context, string, string) (bool, error) { return false, nil }, Policies: ps})
			assert.ErrorContains(t, err, "Config.Policies")
		})
	}
}

// An administrator's policies: saved (validated), replaced, deleted; the
// policies in code stay as they are; the preview counts whom a policy
// targets, walking the host's users page by page.
func TestAdministratorPolicies(t *testing.T) {
	ctx := context.Background()
	var users []portalmfa.User
	for i := range 1234 {
		g := []string{"customers"}
		if i%3 == 0 {
			g = []string{"partners"}
		}
		users = append(users, portalmfa.User{ID: fmt.Sprintf("u-%d", i), Groups: g})
	}
	pages := 0
	f := newFixtureWith(t, func(c *portalmfa.Config) {
		withPolicies(nil, policy.Policy{Name: "in-code", Everyone: true})(c)
		c.ListUsers = func(_ context.Context, q portalmfa.UserQuery) ([]portalmfa.User, int, error) {
			pages++
			end := min(q.Offset+q.Limit, len(users))
			return users[q.Offset:end], len(users), nil
		}
	})
	p := policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14}
	n, err := f.svc.PolicyTargets(ctx, p, policy.Policy{Name: "all", Everyone: true})
	require.NoError(t, err)
	assert.Equal(t, []int{412, 1234}, n)
	assert.Equal(t, 3, pages, "once, 500 at a time")

	require.NoError(t, f.svc.SavePolicy(ctx, p, root))
	ps, err := f.svc.Policies(ctx)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, "in-code", ps[0].Name)
	assert.Equal(t, p.GraceDays, ps[1].GraceDays)

	assert.Equal(t, 1, ps[1].Revision)
	assert.ErrorIs(t, f.svc.SavePolicy(ctx, p, root), portalmfa.ErrPolicyExists, "created twice")
	assert.NotErrorIs(t, f.svc.SavePolicy(ctx, p, root), portalmfa.ErrUnavailable)

	// Two administrators edit what they both read: the second is told.
	first, second := ps[1], ps[1]
	first.GraceDays, second.GraceDays = 7, 30
	require.NoError(t, f.svc.SavePolicy(ctx, first, root), "replaced")
	assert.ErrorIs(t, f.svc.SavePolicy(ctx, second, root), portalmfa.ErrPolicyChanged)
	ps, _ = f.svc.Policies(ctx)
	assert.Equal(t, 7, ps[1].GraceDays)
	assert.Equal(t, 2, ps[1].Revision)
	assert.ErrorIs(t, f.svc.DeletePolicy(ctx, "partners", 1, root), portalmfa.ErrPolicyChanged, "deleting what was edited since")

	assert.ErrorIs(t, f.svc.SavePolicy(ctx, policy.Policy{Name: "x"}, root), policy.ErrInvalid)
	assert.ErrorIs(t, f.svc.SavePolicy(ctx, policy.Policy{Name: "in-code", Everyone: true, Level: policy.Required}, root), portalmfa.ErrPolicyInConfig)
	assert.ErrorIs(t, f.svc.DeletePolicy(ctx, "in-code", 0, root), portalmfa.ErrPolicyInConfig)
	assert.ErrorIs(t, f.svc.DeletePolicy(ctx, "nope", 0, root), portalmfa.ErrUnknownPolicy)
	require.NoError(t, f.svc.DeletePolicy(ctx, "partners", 2, root))
	ps, _ = f.svc.Policies(ctx)
	assert.Len(t, ps, 1)

	g := newFixture(t, nil)
	_, err = g.svc.PolicyTargets(ctx, p)
	assert.ErrorIs(t, err, portalmfa.ErrNoUserList)
	assert.ErrorIs(t, g.svc.SavePolicy(ctx, p, root), portalmfa.ErrPolicyUnmet, "groups without LookupUser")
	keys := policy.Policy{Name: "keys", Everyone: true, Allowed: []string{"passkey", "sms"}}
	assert.ErrorIs(t, g.svc.SavePolicy(ctx, keys, root), portalmfa.ErrPolicyUnmet, "no passkeys, no SMS here")
}

// A passkey the user's policy does not count signs no one in without the
// password either.
func TestPasswordlessUnderPolicy(t *testing.T) {
	ctx := context.Background()
	f := newFixtureWith(t, withPasskeys(nil))
	a := newAuthenticator()
	_, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
	require.NoError(t, err)
	appOnly := policy.Policy{Name: "app", Everyone: true, Allowed: []string{"totp"}}
	g := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { withPolicies(nil, appOnly)(c); c.Store = f.store }))
	cer, err := g.svc.BeginPasswordless(ctx, false)
	require.NoError(t, err)
	resp, err := a.Get(cer.Options)
	require.NoError(t, err)
	userID, err := g.svc.FinishPasswordless(ctx, cer.Token, resp, portalmfa.Client{IP: "192.0.2.1"})
	assert.ErrorIs(t, err, portalmfa.ErrFactorNotAllowed)
	assert.Empty(t, userID)
}

// A required policy keeps the last factor it counts, though another it does
// not count stays; and a user who complies starts no grace period.
func TestRequiredKeepsTheLastAllowedFactor(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	keys := policy.Policy{Name: "keys", Everyone: true, Level: policy.Required, GraceDays: 3, Allowed: []string{"passkey"}}
	before := newFixtureWith(t, withPasskeys(nil)) // the app and a passkey, before the policy
	_, codes := before.enrollWithCodes(t, alice)
	_, err := before.addPasskey(t, newAuthenticator(), alice, before.codeProof(t, alice.ID, codes[0]))
	require.NoError(t, err)
	f := newFixtureWith(t, withPasskeys(func(cfg *portalmfa.Config) { withPolicies(nil, keys)(cfg); cfg.Store = before.store }))
	ps := mustPasskeys(t, f, alice.ID)
	assert.ErrorIs(t, f.svc.DeletePasskey(ctx, alice.ID, ps[0].ID, f.codeProof(t, alice.ID, codes[1]), c), portalmfa.ErrPolicyRequires)
	require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.codeProof(t, alice.ID, codes[2]), c), "the app does not count")

	st, err := f.svc.PolicyState(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, policy.Free, st.Standing)
	spy := f.store.(interface {
		PolicyApplied(context.Context, string, string, time.Time) (time.Time, error)
	})
	first, err := spy.PolicyApplied(ctx, alice.ID, "keys", f.clock.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(time.Hour), first, "alice complied: no grace period was started")
}
