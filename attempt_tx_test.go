package portalmfa_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/store/sqlite"
	"github.com/portalmfa/portalmfa/totp"
)

// txProbe is an SQLite store that notes, of the calls an attempt makes,
// those made outside one of its transactions, and whether one is open.
type txProbe struct {
	*sqlite.Store
	txs     atomic.Int32
	open    atomic.Bool
	down    atomic.Bool // TOTPEnrollment fails, as a database that went away
	mu      sync.Mutex
	outside []string
}

type probeKey struct{}

func (p *txProbe) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	p.txs.Add(1)
	p.open.Store(true)
	defer p.open.Store(false)
	return p.Store.InTx(ctx, func(ctx context.Context) error { return fn(context.WithValue(ctx, probeKey{}, true)) })
}

func (p *txProbe) note(ctx context.Context, call string) {
	if ctx.Value(probeKey{}) == nil {
		p.mu.Lock()
		p.outside = append(p.outside, call)
		p.mu.Unlock()
	}
}

func (p *txProbe) reset() {
	p.txs.Store(0)
	p.mu.Lock()
	p.outside = nil
	p.mu.Unlock()
}

func (p *txProbe) ReserveAttempt(ctx context.Context, key string, l lockout.Limit, now time.Time) (lockout.Attempt, error) {
	p.note(ctx, "ReserveAttempt")
	return p.Store.ReserveAttempt(ctx, key, l, now)
}

func (p *txProbe) ResetAttempts(ctx context.Context, keys ...string) error {
	p.note(ctx, "ResetAttempts")
	return p.Store.ResetAttempts(ctx, keys...)
}

func (p *txProbe) TOTPEnrollment(ctx context.Context, userID string) (totp.Enrollment, error) {
	p.note(ctx, "TOTPEnrollment")
	if p.down.Load() {
		return totp.Enrollment{}, errDown
	}
	return p.Store.TOTPEnrollment(ctx, userID)
}

func (p *txProbe) AcceptTOTPStep(ctx context.Context, userID string, step int64) error {
	p.note(ctx, "AcceptTOTPStep")
	return p.Store.AcceptTOTPStep(ctx, userID, step)
}

func (p *txProbe) RecordEvent(ctx context.Context, e history.Event) error {
	p.note(ctx, "RecordEvent")
	return p.Store.RecordEvent(ctx, e)
}

func newTxProbe(t *testing.T) *txProbe {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tx.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return &txProbe{Store: st}
}

// A challenge is one transaction, right code or wrong, lock included, and
// the user hears of it only once it committed.
func TestAttemptIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	p := newTxProbe(t)
	var notifiedInTx atomic.Bool
	f := newFixtureWith(t, func(c *portalmfa.Config) {
		c.Store = p
		c.Notifier = notifierFunc(func(context.Context, portalmfa.Notification) error {
			notifiedInTx.Store(notifiedInTx.Load() || p.open.Load())
			return nil
		})
	})
	secret := f.enroll(t, alice)
	c := portalmfa.Client{IP: "192.0.2.1"}

	p.reset()
	f.clock.Add(totp.Period)
	require.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c))
	assert.Equal(t, int32(1), p.txs.Load())
	assert.Empty(t, p.outside, "every call of the right code's challenge in the transaction")

	p.reset()
	for range 5 { // the fifth locks, and notifies
		f.clock.Add(totp.Period)
		require.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, wrongCode(secret, f.clock.Now()), c), portalmfa.ErrInvalidCode)
	}
	assert.Equal(t, int32(5), p.txs.Load())
	assert.Empty(t, p.outside)
	assert.False(t, notifiedInTx.Load(), "notified after the commit, not inside the transaction")
	es, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	assert.Len(t, es, 6, "each attempt's entry committed with it")
}

// A failure of ours rolls the attempt back: nothing is counted, and the
// history still tells of it.
func TestAttemptRolledBackWhenUnavailable(t *testing.T) {
	ctx := context.Background()
	p := newTxProbe(t)
	f := newFixture(t, p)
	secret := f.enroll(t, alice)
	f.clock.Add(totp.Period)
	c := portalmfa.Client{IP: "192.0.2.1"}
	p.down.Store(true)
	for range 40 { // past the user's 5 and the IP's 30
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c), portalmfa.ErrUnavailable)
	}
	p.down.Store(false)
	require.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c))
	es, err := f.store.Events(ctx, alice.ID, 100, history.Attempt)
	require.NoError(t, err)
	assert.Len(t, es, 41)
	assert.Equal(t, history.Unavailable, es[1].Reason)
}

type notifierFunc func(context.Context, portalmfa.Notification) error

func (f notifierFunc) Notify(ctx context.Context, n portalmfa.Notification) error { return f(ctx, n) }
