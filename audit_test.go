package portalmfa_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/totp"
)

// TestAuditLog: the log reads every user's entries, newest first,
// filtered, and goes on from a cursor; the administrator's reset names them.
func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := portalmfa.Client{IP: "192.0.2.7"}
	secret := f.enroll(t, alice)
	f.clock.Add(time.Minute)
	f.enroll(t, bob)
	f.clock.Add(totp.Period)
	assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), c), portalmfa.ErrInvalidCode)
	f.clock.Add(time.Minute)
	require.NoError(t, f.svc.AdminReset(ctx, bob.ID, "lost phone", portalmfa.Actor{Name: "Ada Admin"}))

	es, err := f.svc.AuditLog(ctx, history.Query{Kinds: history.SecurityKinds()}, 100)
	require.NoError(t, err)
	require.NotEmpty(t, es)
	assert.Equal(t, history.AdminReset, es[0].Kind, "newest first")
	assert.Equal(t, bob.ID, es[0].UserID)
	assert.Equal(t, "Ada Admin", es[0].Actor)
	assert.Equal(t, "lost phone", es[0].Note)
	users := map[string]bool{}
	for i, e := range es {
		users[e.UserID] = true
		assert.NotEqual(t, history.Attempt, e.Kind, "entry %d: attempts are not security events", i)
		if i > 0 {
			assert.False(t, e.At.After(es[i-1].At), "entry %d is newer than the one before", i)
		}
	}
	assert.Equal(t, map[string]bool{alice.ID: true, bob.ID: true}, users, "every user's entries")

	failed, err := f.svc.AuditLog(ctx, history.Query{Failed: true}, 100)
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.Equal(t, alice.ID, failed[0].UserID)
	assert.Equal(t, "192.0.2.7", failed[0].IP)

	// Page by page, one at a time, the same entries.
	var walked []history.Event
	q := history.Query{Kinds: history.SecurityKinds()}
	for range len(es) + 1 {
		page, err := f.svc.AuditLog(ctx, q, 1)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		walked = append(walked, page...)
		q.After = history.CursorOf(page[0])
	}
	assert.Equal(t, es, walked)

	_, err = f.svc.AuditLog(ctx, history.Query{After: history.Cursor{At: f.clock.Now(), ID: "nope"}}, 10)
	assert.ErrorIs(t, err, history.ErrInvalidCursor)
	assert.NotErrorIs(t, err, portalmfa.ErrUnavailable, "a bad cursor is the caller's, not an outage")
}

// TestAuditLogPageBounded: however many entries are asked for, a call
// returns MaxLogPage at most.
func TestAuditLogPageBounded(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	f := newFixture(t, store)
	for i := range portalmfa.MaxLogPage + 5 {
		require.NoError(t, store.RecordEvent(ctx, history.Event{UserID: fmt.Sprint("u", i), At: f.clock.Now(), Kind: history.NotMe}))
	}
	es, err := f.svc.AuditLog(ctx, history.Query{}, 10_000)
	require.NoError(t, err)
	assert.Len(t, es, portalmfa.MaxLogPage)
}

// TestLastDay: the dashboard counts the last 24 hours' failed second
// factors and lockouts, not refused passwords nor older ones.
func TestLastDay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := portalmfa.Client{IP: "192.0.2.7"}
	secret := f.enroll(t, alice)
	f.enroll(t, bob)

	// An old failure, and an old lockout of bob's.
	for range 5 {
		f.clock.Add(totp.Period)
		_ = f.svc.VerifyTOTP(ctx, bob.ID, "000000", c)
	}
	f.clock.Add(25 * time.Hour)

	a, err := f.svc.LastDay(ctx)
	require.NoError(t, err)
	assert.Equal(t, portalmfa.Activity{Since: f.clock.Now().Add(-24 * time.Hour)}, a, "a day later, nothing")

	f.svc.RecordSignIn(ctx, alice.ID, c, portalmfa.ErrWrongPassword)
	for range 5 {
		f.clock.Add(totp.Period)
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), c), portalmfa.ErrInvalidCode)
	}
	a, err = f.svc.LastDay(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, a.FailedChallenges, "the refused password is not a challenge")
	assert.Equal(t, 1, a.Lockouts)
}

// TestNoLog: a store that cannot read across users says so.
func TestNoLog(t *testing.T) {
	f := newFixture(t, struct{ portalmfa.Store }{memory.New()})
	_, err := f.svc.AuditLog(context.Background(), history.Query{}, 10)
	assert.ErrorIs(t, err, portalmfa.ErrNoLog)
	_, err = f.svc.LastDay(context.Background())
	assert.ErrorIs(t, err, portalmfa.ErrNoLog)
}

// A change to a policy is recorded for the log, with who and from where;
// a refused one is not.
func TestPolicyChangesAudited(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	by := portalmfa.Actor{Name: "Ada Admin", Client: portalmfa.Client{IP: "203.0.113.5"}}
	p := policy.Policy{Name: "everyone", Everyone: true, Level: policy.Recommended}
	require.NoError(t, f.svc.SavePolicy(ctx, p, by))
	assert.ErrorIs(t, f.svc.SavePolicy(ctx, p, by), portalmfa.ErrPolicyExists)
	assert.ErrorIs(t, f.svc.DeletePolicy(ctx, "everyone", 7, by), portalmfa.ErrPolicyChanged)
	f.clock.Add(time.Minute)
	require.NoError(t, f.svc.DeletePolicy(ctx, "everyone", 1, by))

	es, err := f.svc.AuditLog(ctx, history.Query{Kinds: []history.Kind{history.PolicySaved, history.PolicyDeleted}}, 10)
	require.NoError(t, err)
	require.Len(t, es, 2, "the refused save and delete are not recorded")
	for i, kind := range []history.Kind{history.PolicyDeleted, history.PolicySaved} {
		assert.Equal(t, kind, es[i].Kind)
		assert.Empty(t, es[i].UserID, "no user's")
		assert.Equal(t, "Ada Admin", es[i].Actor)
		assert.Equal(t, "everyone", es[i].Note)
		assert.Equal(t, "203.0.113.5", es[i].IP)
	}
}
