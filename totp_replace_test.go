package portalmfa_test

import (
	"context"
	"encoding/base32"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/totp"
)

// A lost phone is no dead end: after a recent verification with a factor
// (a backup code, when the phone is gone), a new app is set up while the
// old one keeps working, and replaces it only once confirmed.
func TestReplaceTOTP(t *testing.T) {
	ctx := context.Background()
	n := new(notes)
	f := newFixtureWith(t, func(c *portalmfa.Config) { c.Notifier = n })
	old, codes := f.enrollWithCodes(t, alice)
	c := portalmfa.Client{IP: "192.0.2.1"}

	_, err := f.svc.BeginTOTPReplacement(ctx, alice, f.proof(t, alice.ID))
	require.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "a password alone does not hand over the second factor")
	proof := f.codeProof(t, alice.ID, codes[0])
	e, err := f.svc.BeginTOTPReplacement(ctx, alice, proof)
	require.NoError(t, err)
	fresh, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Key)
	require.NoError(t, err)
	assert.NotEqual(t, old, fresh)

	st, err := f.svc.Status(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, portalmfa.On, st.Factor(portalmfa.FactorTOTP).State)
	assert.True(t, st.Factor(portalmfa.FactorTOTP).Replacing)
	again, err := f.svc.PendingTOTP(ctx, alice, proof)
	require.NoError(t, err)
	assert.Equal(t, e, again, "the wizard shows the new key again")
	_, err = f.svc.PendingTOTP(ctx, alice, "")
	assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded)

	f.clock.Add(totp.Period)
	require.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(old, f.clock.Now()), c), "the old app works meanwhile")
	f.clock.Add(totp.Period)
	err = f.svc.ConfirmTOTP(ctx, alice.ID, totp.Code(old, f.clock.Now()), proof, c)
	assert.ErrorIs(t, err, portalmfa.ErrInvalidCode, "the old app's code confirms nothing")
	err = f.svc.ConfirmTOTP(ctx, alice.ID, totp.Code(fresh, f.clock.Now()), "", c)
	assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded)
	require.NoError(t, f.svc.ConfirmTOTP(ctx, alice.ID, totp.Code(fresh, f.clock.Now()), proof, c))

	f.clock.Add(totp.Period)
	assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(old, f.clock.Now()), c), portalmfa.ErrInvalidCode, "the old app no longer works")
	assert.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(fresh, f.clock.Now()), c))
	st, err = f.svc.Status(ctx, alice.ID)
	require.NoError(t, err)
	assert.False(t, st.Factor(portalmfa.FactorTOTP).Replacing)
	assert.Equal(t, 9, st.BackupCodes, "the account's codes stay (one was used to verify)")
	assert.Contains(t, n.kinds(), portalmfa.NotifyTOTPReplaced)
	evs, err := f.svc.SecurityEvents(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.TOTPReplaced, evs[0].Kind)
	err = f.svc.ConfirmTOTP(ctx, alice.ID, totp.Code(fresh, f.clock.Now()), proof, c)
	assert.ErrorIs(t, err, portalmfa.ErrAlreadyEnabled, "nothing left to confirm")
}

// A replacement cancelled, or begun again, leaves the app that works as it
// is; one cannot begin without TOTP on.
func TestReplaceTOTPCancelled(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	_, err := f.svc.BeginTOTPReplacement(ctx, alice, f.proof(t, alice.ID))
	assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled)

	old, codes := f.enrollWithCodes(t, alice)
	proof := f.codeProof(t, alice.ID, codes[0])
	first, err := f.svc.BeginTOTPReplacement(ctx, alice, proof)
	require.NoError(t, err)
	second, err := f.svc.BeginTOTPReplacement(ctx, alice, proof)
	require.NoError(t, err)
	assert.NotEqual(t, first.Key, second.Key)
	firstSecret, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(first.Key)
	f.clock.Add(totp.Period)
	err = f.svc.ConfirmTOTP(ctx, alice.ID, totp.Code(firstSecret, f.clock.Now()), proof, portalmfa.Client{})
	assert.ErrorIs(t, err, portalmfa.ErrInvalidCode, "the key begun first was replaced")

	require.NoError(t, f.svc.CancelTOTP(ctx, alice.ID))
	assert.Equal(t, portalmfa.On, f.totpState(t, alice.ID))
	_, err = f.svc.PendingTOTP(ctx, alice, proof)
	assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled, "nothing being set up")
	assert.ErrorIs(t, f.svc.CancelTOTP(ctx, alice.ID), portalmfa.ErrNotEnrolled)
	f.clock.Add(totp.Period)
	assert.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(old, f.clock.Now()), portalmfa.Client{}))
}
