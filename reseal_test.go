package portalmfa_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/sqlite"
	"github.com/portalmfa/portalmfa/totp"
)

// newKey is the key put in front of testKey in the ring.
var newKey = bytes.Repeat([]byte{9}, 32)

// withKeys returns a fixture over store with keys as its ring, on f's
// clock.
func (f *fixture) withKeys(t *testing.T, store portalmfa.Store, keys ...[]byte) *fixture {
	t.Helper()
	g := newFixtureWith(t, func(c *portalmfa.Config) { c.Store, c.Keys, c.Now = store, keys, f.clock.Now })
	g.clock = f.clock
	return g
}

// beginTOTP starts an enrollment of u that stays pending, and returns its
// secret.
func (f *fixture) beginTOTP(t *testing.T, u portalmfa.User) []byte {
	t.Helper()
	e, err := f.svc.BeginTOTP(t.Context(), u, f.proof(t, u.ID))
	require.NoError(t, err)
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Key)
	require.NoError(t, err)
	return secret
}

// TestResealSecretsRetiresAKey: after a new key goes in front and the
// secrets are re-sealed, the old key leaves the ring and every user's TOTP
// still works, active or half-way through the wizard; without re-sealing,
// leaving it out fails closed.
func TestResealSecretsRetiresAKey(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) portalmfa.Store{
		"memory": func(*testing.T) portalmfa.Store { return memory.New() },
		"sqlite": func(t *testing.T) portalmfa.Store {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "portalmfa.db"))
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			store := open(t)
			old := newFixture(t, store)
			aliceSecret := old.enroll(t, alice) // active
			bobSecret := old.beginTOTP(t, bob)  // pending
			_, err := old.svc.PendingBackupCodes(ctx, bob.ID, old.proof(t, bob.ID))
			require.NoError(t, err)

			rotated := old.withKeys(t, store, newKey, testKey)
			n, err := rotated.svc.ResealSecrets(ctx)
			require.NoError(t, err)
			assert.Equal(t, 2, n, "alice's and bob's secrets")
			n, err = rotated.svc.ResealSecrets(ctx)
			require.NoError(t, err)
			assert.Zero(t, n, "a second pass finds nothing to do")

			retired := old.withKeys(t, store, newKey)
			old.clock.Add(totp.Period)
			assert.NoError(t, retired.svc.VerifyTOTP(ctx, alice.ID, totp.Code(aliceSecret, old.clock.Now()), portalmfa.Client{}))
			assert.NoError(t, retired.svc.ConfirmTOTP(ctx, bob.ID, totp.Code(bobSecret, old.clock.Now()), retired.proof(t, bob.ID), portalmfa.Client{}))
			assert.Equal(t, portalmfa.On, retired.totpState(t, bob.ID))
		})
	}

	t.Run("WithoutResealingFailsClosed", func(t *testing.T) {
		store := memory.New()
		old := newFixture(t, store)
		secret := old.enroll(t, alice)
		_ = old.withKeys(t, store, newKey, testKey) // put in front, never re-sealed
		retired := old.withKeys(t, store, newKey)
		old.clock.Add(totp.Period)
		err := retired.svc.VerifyTOTP(t.Context(), alice.ID, totp.Code(secret, old.clock.Now()), portalmfa.Client{})
		assert.ErrorIs(t, err, portalmfa.ErrUnavailable)
	})
}

// TestResealSecretsWalksEveryPage re-seals more secrets than one page holds.
func TestResealSecretsWalksEveryPage(t *testing.T) {
	store := memory.New()
	old := newFixture(t, store)
	const users = 250
	for i := range users {
		old.beginTOTP(t, portalmfa.User{ID: fmt.Sprintf("user-%03d", i)})
	}
	// keyIDs returns the key ids of the stored sealed secrets (see
	// package totp for the layout).
	keyIDs := func() map[string]int {
		page, err := store.SealedTOTPSecrets(t.Context(), "", users+1)
		require.NoError(t, err)
		require.Len(t, page, users)
		ids := map[string]int{}
		for _, e := range page {
			ids[string(e.Secret[1:5])]++
		}
		return ids
	}
	before := keyIDs()
	require.Len(t, before, 1)

	rotated := old.withKeys(t, store, newKey, testKey)
	n, err := rotated.svc.ResealSecrets(t.Context())
	require.NoError(t, err)
	assert.Equal(t, users, n)
	after := keyIDs()
	require.Len(t, after, 1, "every secret under one key")
	for id := range after {
		assert.NotContains(t, before, id, "and it is the new one")
	}
}

// TestResealSecretsSkipsWhatItCannotOpen: a secret no key of the ring opens
// is left as it is and reported; the others are re-sealed all the same.
func TestResealSecretsSkipsWhatItCannotOpen(t *testing.T) {
	store := memory.New()
	old := newFixture(t, store)
	old.beginTOTP(t, alice)
	stranger := old.withKeys(t, store, bytes.Repeat([]byte{5}, 32))
	stranger.beginTOTP(t, bob)
	before, err := store.TOTPEnrollment(t.Context(), bob.ID)
	require.NoError(t, err)

	rotated := old.withKeys(t, store, newKey, testKey)
	n, err := rotated.svc.ResealSecrets(t.Context())
	assert.ErrorIs(t, err, totp.ErrUnsealable)
	assert.Contains(t, err.Error(), "1 TOTP secret(s)")
	assert.Equal(t, 1, n, "alice's")
	after, err := store.TOTPEnrollment(t.Context(), bob.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Secret, after.Secret)
	assert.Contains(t, old.log.String()+rotated.log.String(), "user="+bob.ID)
}

// onlyStore is a Store and nothing more, as a backend written before
// re-sealing existed.
type onlyStore struct{ portalmfa.Store }

func TestResealSecretsNeedsAResealStore(t *testing.T) {
	f := newFixture(t, onlyStore{memory.New()})
	f.enroll(t, alice) // everything else works
	_, err := f.svc.ResealSecrets(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "totp.ResealStore")
}

// resealHooks is a memory store whose re-sealing calls can fail or be
// raced.
type resealHooks struct {
	*memory.Store
	listErr        error
	beforeReseal   func(userID string)
	beforeActivate func()
}

func (s *resealHooks) SealedTOTPSecrets(ctx context.Context, after string, limit int) ([]totp.SealedSecret, error) {
	if s.listErr != nil {
		return nil, s.listErr
	}
	return s.Store.SealedTOTPSecrets(ctx, after, limit)
}

func (s *resealHooks) ResealTOTPSecret(ctx context.Context, userID string, sealed, resealed []byte) error {
	if s.beforeReseal != nil {
		s.beforeReseal(userID)
	}
	return s.Store.ResealTOTPSecret(ctx, userID, sealed, resealed)
}

func (s *resealHooks) ActivateTOTP(ctx context.Context, userID string, sealed []byte, step int64, now time.Time) error {
	if f := s.beforeActivate; f != nil {
		s.beforeActivate = nil
		f()
	}
	return s.Store.ActivateTOTP(ctx, userID, sealed, step, now)
}

func TestResealSecretsStoreDown(t *testing.T) {
	store := &resealHooks{Store: memory.New(), listErr: errDown}
	f := newFixture(t, store)
	_, err := f.svc.ResealSecrets(t.Context())
	assert.ErrorIs(t, err, portalmfa.ErrUnavailable)
	assert.ErrorIs(t, err, errDown)
}

// TestResealSecretsNeverUndoesANewEnrollment: a user who restarts the
// wizard while the pass goes by keeps the new secret.
func TestResealSecretsNeverUndoesANewEnrollment(t *testing.T) {
	store := &resealHooks{Store: memory.New()}
	old := newFixture(t, store)
	old.beginTOTP(t, alice)
	rotated := old.withKeys(t, store, newKey, testKey)
	var restarted []byte
	store.beforeReseal = func(userID string) {
		store.beforeReseal = nil
		restarted = rotated.beginTOTP(t, alice)
	}
	n, err := rotated.svc.ResealSecrets(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n)
	e, err := rotated.svc.PendingTOTP(t.Context(), alice, rotated.proof(t, alice.ID))
	require.NoError(t, err)
	assert.Equal(t, totp.EncodeSecret(restarted), e.Key)
}

// TestConfirmTOTPDuringReseal: a confirmation whose pending secret is
// re-sealed between its read and its activation still succeeds.
func TestConfirmTOTPDuringReseal(t *testing.T) {
	store := &resealHooks{Store: memory.New()}
	old := newFixture(t, store)
	secret := old.beginTOTP(t, alice)
	proof := old.proof(t, alice.ID)
	_, err := old.svc.PendingBackupCodes(t.Context(), alice.ID, proof)
	require.NoError(t, err)

	// The wizard began before the new key went in front; it ends on an
	// instance that has it, while another one re-seals.
	rotated := old.withKeys(t, store, newKey, testKey)
	resealer := old.withKeys(t, store, newKey, testKey)
	store.beforeActivate = func() {
		n, err := resealer.svc.ResealSecrets(t.Context())
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}
	require.NoError(t, rotated.svc.ConfirmTOTP(t.Context(), alice.ID, totp.Code(secret, old.clock.Now()), proof, portalmfa.Client{}))
	assert.Equal(t, portalmfa.On, rotated.totpState(t, alice.ID))

	t.Run("ARealRestartStillRefuses", func(t *testing.T) {
		proof := rotated.proof(t, bob.ID)
		secret := rotated.beginTOTP(t, bob)
		_, err := rotated.svc.PendingBackupCodes(t.Context(), bob.ID, proof)
		require.NoError(t, err)
		store.beforeActivate = func() { rotated.beginTOTP(t, bob) }
		err = rotated.svc.ConfirmTOTP(t.Context(), bob.ID, totp.Code(secret, old.clock.Now()), proof, portalmfa.Client{})
		assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled)
	})
}
