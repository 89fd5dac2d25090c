package portalmfa_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/totp"
)

func TestBackupCodesLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := portalmfa.Client{IP: "192.0.2.1"}

	_, err := f.svc.PendingBackupCodes(ctx, alice.ID, f.proof(t, alice.ID))
	assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled, "no codes before an enrollment")

	secret, codes := f.enrollWithCodes(t, alice)
	require.Len(t, codes, 10)
	st, err := f.svc.Status(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, 10, st.BackupCodes)
	assert.False(t, st.BackupCodesLow)

	t.Run("redeem once, any case and spacing", func(t *testing.T) {
		left, err := f.svc.VerifyBackupCode(ctx, alice.ID, " "+strings.ToLower(strings.ReplaceAll(codes[0], "-", " ")), c)
		require.NoError(t, err)
		assert.Equal(t, 9, left)
		_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], c)
		assert.ErrorIs(t, err, portalmfa.ErrInvalidBackupCode)
	})
	t.Run("malformed", func(t *testing.T) {
		for _, in := range []string{"", "123456", strings.Repeat("A", 10000), "OOOOO-OOOOO-OOOOO"} {
			_, err := f.svc.VerifyBackupCode(ctx, alice.ID, in, c)
			assert.ErrorIs(t, err, portalmfa.ErrMalformedBackupCode)
		}
	})
	t.Run("another user's code", func(t *testing.T) {
		_, bobCodes := f.enrollWithCodes(t, bob)
		_, err := f.svc.VerifyBackupCode(ctx, alice.ID, bobCodes[0], c)
		assert.ErrorIs(t, err, portalmfa.ErrInvalidBackupCode)
		left, err := f.svc.VerifyBackupCode(ctx, bob.ID, bobCodes[0], c)
		require.NoError(t, err, "and it still works for its owner")
		assert.Equal(t, 9, left)
	})
	t.Run("regenerate needs a recent factor and voids the old set", func(t *testing.T) {
		f.clock.Add(totp.Period)
		_, err := f.svc.RegenerateBackupCodes(ctx, alice.ID, "", c)
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded)
		_, err = f.svc.RegenerateBackupCodes(ctx, alice.ID, f.proof(t, alice.ID), c)
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "the password alone makes no codes")
		_, err = f.svc.ReverifyCode(ctx, alice.ID, "000000", "", c)
		assert.ErrorIs(t, err, portalmfa.ErrInvalidCode)
		code := totp.Code(secret, f.clock.Now())
		proof := f.codeProof(t, alice.ID, code)
		_, err = f.svc.ReverifyCode(ctx, alice.ID, code, "", c)
		assert.ErrorIs(t, err, portalmfa.ErrReplayed, "a TOTP code verifies once")
		fresh, err := f.svc.RegenerateBackupCodes(ctx, alice.ID, proof, c)
		require.NoError(t, err)
		assert.NotEqual(t, codes, fresh)
		f.clock.Add(10 * time.Minute)
		_, err = f.svc.RegenerateBackupCodes(ctx, alice.ID, proof, c)
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "a stale verification")
		_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[2], c)
		assert.ErrorIs(t, err, portalmfa.ErrInvalidBackupCode)
		st, _ := f.svc.Status(ctx, alice.ID)
		assert.Equal(t, 10, st.BackupCodes)
		codes = fresh
	})
	t.Run("low and empty", func(t *testing.T) {
		for i, code := range codes {
			_, err := f.svc.VerifyBackupCode(ctx, alice.ID, code, c)
			require.NoError(t, err)
			st, _ := f.svc.Status(ctx, alice.ID)
			assert.Equal(t, 9-i, st.BackupCodes)
			assert.Equal(t, 9-i <= 3, st.BackupCodesLow)
		}
	})
	t.Run("disable deletes them", func(t *testing.T) {
		f.clock.Add(totp.Period)
		fresh, err := f.svc.RegenerateBackupCodes(ctx, alice.ID, f.codeProof(t, alice.ID, totp.Code(secret, f.clock.Now())), c)
		require.NoError(t, err)
		require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c))
		_, err = f.svc.VerifyBackupCode(ctx, alice.ID, fresh[0], c)
		assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled, "no second factor, no codes")
		_, err = f.store.BackupCodes(ctx, alice.ID)
		assert.ErrorIs(t, err, portalmfa.ErrNoBackupCodes)
	})
	t.Run("log holds no code", func(t *testing.T) {
		for _, code := range codes {
			assert.NotContains(t, f.log.String(), code)
		}
		assert.Contains(t, f.log.String(), "backup code used")
	})
}

// A wizard left at step 2 leaves codes that open nothing.
func TestBackupCodesAbandonedWizard(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	_, err := f.svc.BeginTOTP(ctx, alice, f.proof(t, alice.ID))
	require.NoError(t, err)
	codes, err := f.svc.PendingBackupCodes(ctx, alice.ID, f.proof(t, alice.ID))
	require.NoError(t, err)
	_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled, "pending codes open nothing")
	st, _ := f.svc.Status(ctx, alice.ID)
	assert.Equal(t, 0, st.BackupCodes)
	need, _ := f.svc.SecondFactorRequired(ctx, alice.ID)
	assert.False(t, need)
}

func TestBackupCodesShareTheLockout(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	secret, codes := f.enrollWithCodes(t, alice)
	f.clock.Add(totp.Period)
	c := portalmfa.Client{IP: "192.0.2.1"}
	for range 3 {
		assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", c), portalmfa.ErrInvalidCode)
	}
	for range 2 {
		_, err := f.svc.VerifyBackupCode(ctx, alice.ID, "22222-22222-22222", c)
		assert.ErrorIs(t, err, portalmfa.ErrInvalidBackupCode)
	}
	_, err := f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], c)
	assert.ErrorIs(t, err, portalmfa.ErrLockedOut, "five failures of either kind lock")
	assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), c), portalmfa.ErrLockedOut)
}

func TestBackupCodeConcurrentRedemption(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, memory.New())
	_, codes := f.enrollWithCodes(t, alice)

	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	ok, other := 0, 0
	for i := range 50 {
		wg.Go(func() {
			<-start
			_, err := f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], portalmfa.Client{IP: "192.0.2." + string(rune('0'+i%10))})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, portalmfa.ErrInvalidBackupCode), errors.Is(err, portalmfa.ErrLockedOut):
			default:
				other++
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, ok)
	assert.Zero(t, other)
}

// Step 2 reloaded in one tab while step 3 finished in another: the codes
// the user saved stay the valid ones.
func TestBackupCodesStep2AfterConfirm(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	_, codes := f.enrollWithCodes(t, alice)
	// What the reloaded step 2 would do once its status check had passed.
	err := f.store.SaveBackupCodes(ctx, alice.ID, []byte("another salt...."), [][]byte{[]byte("h")}, nil, false, f.clock.Now())
	assert.ErrorIs(t, err, backupcodes.ErrAlreadyActive)
	_, err = f.svc.PendingBackupCodes(ctx, alice.ID, f.proof(t, alice.ID))
	assert.ErrorIs(t, err, portalmfa.ErrAlreadyEnabled, "2FA is on: the account has its codes")
	left, err := f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], portalmfa.Client{})
	require.NoError(t, err)
	assert.Equal(t, 9, left)
}

// Step 2 of the wizard shows the same codes however often it is reloaded,
// until the wizard ends; the store never holds them in clear, and its
// sealed copy goes once TOTP is on. A copy moved to another user, or under
// a key that left the ring, opens for no one: new codes are made instead.
func TestPendingBackupCodesStable(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	f := newFixture(t, store)
	secret := f.beginTOTP(t, alice)
	proof := f.proof(t, alice.ID)
	codes, err := f.svc.PendingBackupCodes(ctx, alice.ID, proof)
	require.NoError(t, err)
	again, err := f.svc.PendingBackupCodes(ctx, alice.ID, proof)
	require.NoError(t, err)
	assert.Equal(t, codes, again, "a reload shows the same codes")

	set, err := store.BackupCodes(ctx, alice.ID)
	require.NoError(t, err)
	require.NotEmpty(t, set.Sealed)
	for _, c := range codes {
		n, _ := backupcodes.Normalize(c)
		assert.NotContains(t, string(set.Sealed), n)
		assert.NotContains(t, string(set.Sealed), c)
	}

	// Bob's copy under alice's name opens for no one.
	f.beginTOTP(t, bob)
	bobCodes, err := f.svc.PendingBackupCodes(ctx, bob.ID, f.proof(t, bob.ID))
	require.NoError(t, err)
	bobSet, err := store.BackupCodes(ctx, bob.ID)
	require.NoError(t, err)
	require.NoError(t, store.SaveBackupCodes(ctx, alice.ID, bobSet.Salt, nil, bobSet.Sealed, false, f.clock.Now()))
	moved, err := f.svc.PendingBackupCodes(ctx, alice.ID, proof)
	require.NoError(t, err)
	assert.NotEqual(t, bobCodes, moved)
	assert.Contains(t, f.log.String(), "cannot open pending backup codes")

	// Under a ring without the key that sealed them: new codes.
	other := f.withKeys(t, store, newKey)
	fresh, err := other.svc.PendingBackupCodes(ctx, alice.ID, other.proof(t, alice.ID))
	require.NoError(t, err)
	assert.NotEqual(t, moved, fresh)

	codes, err = f.svc.PendingBackupCodes(ctx, alice.ID, proof)
	require.NoError(t, err, "made under the first ring again")
	require.NoError(t, f.svc.ConfirmTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), proof, portalmfa.Client{}))
	set, err = store.BackupCodes(ctx, alice.ID)
	require.NoError(t, err)
	assert.Nil(t, set.Sealed, "the copy goes once TOTP is on")
	_, err = f.svc.PendingBackupCodes(ctx, alice.ID, proof)
	assert.ErrorIs(t, err, portalmfa.ErrAlreadyEnabled)
	_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], portalmfa.Client{})
	assert.NoError(t, err, "the codes shown last are the account's")

	// A new start of the wizard shows new codes.
	require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), portalmfa.Client{}))
	f.beginTOTP(t, alice)
	restarted, err := f.svc.PendingBackupCodes(ctx, alice.ID, f.proof(t, alice.ID))
	require.NoError(t, err)
	assert.NotEqual(t, codes, restarted)
}
