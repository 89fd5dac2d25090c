package portalmfa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/internal/softauthn"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/storetest"
	"github.com/portalmfa/portalmfa/totp"
)

const origin = "https://portal.example"

// withPasskeys configures passkeys for portal.example.
func withPasskeys(edit func(*portalmfa.Config)) func(*portalmfa.Config) {
	return func(c *portalmfa.Config) {
		c.Passkeys = portalmfa.PasskeyConfig{RPID: "portal.example", Origins: []string{origin}}
		if edit != nil {
			edit(c)
		}
	}
}

// newAuthenticator is a platform authenticator of the portal's origin that
// verifies its user and counts its uses.
func newAuthenticator() *softauthn.Authenticator {
	return &softauthn.Authenticator{Origin: origin, UV: true, Counting: true, AAGUID: [16]byte{0xad, 0xce, 0x00, 0x02, 0x35, 0xbc, 0xc6, 0x0a, 0x64, 0x8b, 0x0b, 0x25, 0xf1, 0xf0, 0x55, 0x03}}
}

// addPasskey registers a passkey of a for u, with proof, and returns the
// backup codes a first factor shows.
func (f *fixture) addPasskey(t testing.TB, a *softauthn.Authenticator, u portalmfa.User, proof string) ([]string, error) {
	t.Helper()
	ctx := context.Background()
	c, err := f.svc.BeginPasskeyRegistration(ctx, u, proof)
	if err != nil {
		return nil, err
	}
	resp, err := a.Create(c.Options)
	require.NoError(t, err)
	return f.svc.FinishPasskeyRegistration(ctx, u, c.Token, resp, proof, portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox})
}

// passkeyLogin passes the challenge of userID with a.
func (f *fixture) passkeyLogin(t testing.TB, a *softauthn.Authenticator, userID string) error {
	t.Helper()
	c, err := f.svc.BeginPasskeyLogin(context.Background(), userID)
	if err != nil {
		return err
	}
	resp, err := a.Get(c.Options)
	require.NoError(t, err)
	return f.svc.VerifyPasskey(context.Background(), userID, c.Token, resp, portalmfa.Client{IP: "192.0.2.1"})
}

// A user whose only factor is a passkey can do all a TOTP user can: the
// backup codes come with it, work at the challenge and are regenerated
// after verifying with the passkey.
func TestPasskeyOnlyUser(t *testing.T) {
	ctx := context.Background()
	n := &notes{}
	f := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Notifier = n }))
	a := newAuthenticator()
	c := portalmfa.Client{IP: "192.0.2.1"}

	_, err := f.addPasskey(t, a, alice, "")
	assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "a session alone adds no first factor")
	codes, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
	require.NoError(t, err)
	require.Len(t, codes, 10, "a first factor comes with the account's backup codes")

	st, err := f.svc.Status(ctx, alice.ID)
	require.NoError(t, err)
	assert.True(t, st.Enabled())
	assert.Equal(t, portalmfa.Factor{Kind: portalmfa.FactorPasskey, State: portalmfa.On, Since: f.clock.Now(), Count: 1}, st.Factor(portalmfa.FactorPasskey))
	assert.Equal(t, portalmfa.Off, st.Factor(portalmfa.FactorTOTP).State)
	assert.Equal(t, 10, st.BackupCodes)
	required, err := f.svc.SecondFactorRequired(ctx, alice.ID)
	require.NoError(t, err)
	assert.True(t, required)

	ps, err := f.svc.Passkeys(ctx, alice.ID)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "Chrome on Mac", ps[0].Name, "named by its AAGUID")
	assert.Equal(t, "Firefox on Windows", ps[0].CreatedOn)
	assert.True(t, ps[0].LastUsedAt.IsZero())

	f.clock.Add(time.Minute)
	require.NoError(t, f.passkeyLogin(t, a, alice.ID))
	ps, _ = f.svc.Passkeys(ctx, alice.ID)
	assert.Equal(t, f.clock.Now(), ps[0].LastUsedAt.UTC())

	left, err := f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], c)
	require.NoError(t, err)
	assert.Equal(t, 9, left)

	_, err = f.svc.RegenerateBackupCodes(ctx, alice.ID, f.proof(t, alice.ID), c)
	assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "new codes need a factor, not the password")
	lc, err := f.svc.BeginPasskeyLogin(ctx, alice.ID)
	require.NoError(t, err)
	resp, err := a.Get(lc.Options)
	require.NoError(t, err)
	_, err = f.svc.ReverifyPasskey(ctx, alice.ID, lc.Token, resp, "", c)
	assert.ErrorIs(t, err, portalmfa.ErrCeremonyExpired, "a challenge's ceremony proves nothing on the security page")
	vc, err := f.svc.BeginPasskeyVerification(ctx, alice.ID)
	require.NoError(t, err)
	resp, err = a.Get(vc.Options)
	require.NoError(t, err)
	proof, err := f.svc.ReverifyPasskey(ctx, alice.ID, vc.Token, resp, "", c)
	require.NoError(t, err)
	fresh, err := f.svc.RegenerateBackupCodes(ctx, alice.ID, proof, c)
	require.NoError(t, err)
	assert.Len(t, fresh, 10)
	_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[1], c)
	assert.ErrorIs(t, err, portalmfa.ErrInvalidBackupCode)

	kinds := n.kinds()
	assert.Contains(t, kinds, portalmfa.NotifyPasskeyAdded)
	assert.Contains(t, kinds, portalmfa.NotifyTwoFactorOn)
	assert.Contains(t, kinds, portalmfa.NotifyCodesRegenerated)
	es, err := f.svc.SecurityEvents(ctx, alice.ID)
	require.NoError(t, err)
	assert.Subset(t, kindsOf(es), []history.Kind{history.PasskeyAdded, history.TwoFactorEnabled, history.CodesRegenerated})
	hist, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.Passkey, hist[len(hist)-1].Method)
}

// Factors are peers: removing one keeps 2FA on while another stays;
// removing the last clears the codes and trusted devices, and needs the
// password.
func TestRemovingFactors(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}

	t.Run("TOTP removed, passkey left", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		secret, codes := f.enrollWithCodes(t, alice)
		f.clock.Add(totp.Period)
		_, err := f.addPasskey(t, newAuthenticator(), alice, f.codeProof(t, alice.ID, totp.Code(secret, f.clock.Now())))
		require.NoError(t, err)
		_, err = f.addPasskey(t, newAuthenticator(), alice, f.proof(t, alice.ID))
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "with 2FA on, another factor needs a factor")

		require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.codeProof(t, alice.ID, codes[0]), c), "any verification while another factor stays")
		st, err := f.svc.Status(ctx, alice.ID)
		require.NoError(t, err)
		assert.True(t, st.Enabled())
		assert.Equal(t, 9, st.BackupCodes, "the account keeps its codes")
	})
	t.Run("the last passkey needs the password and clears the account", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		a := newAuthenticator()
		codes, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		_, _, err = f.svc.TrustDevice(ctx, alice.ID, c)
		require.NoError(t, err)
		ps, _ := f.svc.Passkeys(ctx, alice.ID)
		f.clock.Add(11 * time.Minute)

		assert.ErrorIs(t, f.svc.DeletePasskey(ctx, alice.ID, ps[0].ID, f.proof(t, alice.ID), c), nil)
		st, err := f.svc.Status(ctx, alice.ID)
		require.NoError(t, err)
		assert.False(t, st.Enabled())
		_, err = f.store.BackupCodes(ctx, alice.ID)
		assert.ErrorIs(t, err, portalmfa.ErrNoBackupCodes)
		_, err = f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], c)
		assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled)
		ds, _ := f.svc.Devices(ctx, alice.ID)
		require.Len(t, ds, 1)
		assert.False(t, ds[0].RevokedAt.IsZero(), "trusted devices are revoked")
	})
	t.Run("one passkey of two needs any verification", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		a := newAuthenticator()
		codes, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		_, err = f.addPasskey(t, newAuthenticator(), alice, f.codeProof(t, alice.ID, codes[0]))
		require.NoError(t, err)
		ps, _ := f.svc.Passkeys(ctx, alice.ID)
		require.Len(t, ps, 2)
		need, err := f.svc.Needs(ctx, alice.ID, f.codeProof(t, alice.ID, codes[1]), portalmfa.RemoveFactor)
		require.NoError(t, err)
		assert.Equal(t, portalmfa.NeedNothing, need)
		require.NoError(t, f.svc.DeletePasskey(ctx, alice.ID, ps[0].ID, f.codeProof(t, alice.ID, codes[2]), c))
		need, _ = f.svc.Needs(ctx, alice.ID, f.codeProof(t, alice.ID, codes[3]), portalmfa.RemoveFactor)
		assert.Equal(t, portalmfa.NeedPassword, need, "the last one left needs the password")
		assert.Equal(t, 6, mustStatus(t, f, alice.ID).BackupCodes)
	})
	t.Run("two removals at once cannot skip the password", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Store = slowRemovals{memory.New()} }))
		secret, codes := f.enrollWithCodes(t, alice)
		f.clock.Add(totp.Period)
		_, err := f.addPasskey(t, newAuthenticator(), alice, f.codeProof(t, alice.ID, totp.Code(secret, f.clock.Now())))
		require.NoError(t, err)
		id := mustPasskeys(t, f, alice.ID)[0].ID
		proof := f.codeProof(t, alice.ID, codes[0]) // a factor, not the password
		errs := storetest.Together(2, func(i int) error {
			if i == 0 {
				return f.svc.RemoveTOTP(ctx, alice.ID, proof, c)
			}
			return f.svc.DeletePasskey(ctx, alice.ID, id, proof, c)
		})
		assert.True(t, mustStatus(t, f, alice.ID).Enabled(), "2FA off without the password: %v", errs)
		assert.True(t, errs[0] == nil || errs[1] == nil, "one of them went through: %v", errs)
	})
	t.Run("removing an app that is not on", func(t *testing.T) {
		n := &notes{}
		f := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Notifier = n }))
		assert.ErrorIs(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c), portalmfa.ErrNotEnrolled)
		_, err := f.svc.BeginTOTP(ctx, alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		assert.ErrorIs(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c), portalmfa.ErrNotEnrolled)
		assert.Empty(t, n.kinds(), "no '2FA turned off' for 2FA that was never on")
	})
	t.Run("an app code from a user without the app", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		_, err := f.addPasskey(t, newAuthenticator(), alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		for range 10 {
			_, err := f.svc.ReverifyCode(ctx, alice.ID, "123456", "", c)
			assert.ErrorIs(t, err, portalmfa.ErrInvalidCode)
		}
		_, err = f.svc.ReverifyPassword(ctx, alice.ID, "pw-"+alice.ID, "", c)
		assert.NoError(t, err, "not counted: no lockout")
	})
	t.Run("another user's passkey", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		_, err := f.addPasskey(t, newAuthenticator(), alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		ps, _ := f.svc.Passkeys(ctx, alice.ID)
		bobProof := f.proof(t, bob.ID)
		assert.ErrorIs(t, f.svc.DeletePasskey(ctx, bob.ID, ps[0].ID, bobProof, c), portalmfa.ErrUnknownPasskey)
		assert.ErrorIs(t, f.svc.RenamePasskey(ctx, bob.ID, ps[0].ID, "mine"), portalmfa.ErrUnknownPasskey)
		for _, id := range []string{"", "!!", string(make([]byte, 3000))} {
			assert.ErrorIs(t, f.svc.RenamePasskey(ctx, alice.ID, id, "x"), portalmfa.ErrUnknownPasskey)
		}
		assert.Len(t, mustPasskeys(t, f, alice.ID), 1)
	})
}

// mustOptions returns registration options of the portal, for an
// authenticator to make a key with.
func mustOptions(t *testing.T, f *fixture) []byte {
	t.Helper()
	c, err := f.svc.BeginPasskeyRegistration(context.Background(), portalmfa.User{ID: "mallory"}, f.proof(t, "mallory"))
	require.NoError(t, err)
	return c.Options
}

// slowRemovals takes its time removing a factor, so that removals begun
// together overlap.
type slowRemovals struct{ *memory.Store }

func (s slowRemovals) DeleteTOTP(ctx context.Context, userID string) error {
	time.Sleep(50 * time.Millisecond)
	return s.Store.DeleteTOTP(ctx, userID)
}

func (s slowRemovals) DeletePasskey(ctx context.Context, userID string, id []byte) error {
	time.Sleep(50 * time.Millisecond)
	return s.Store.DeletePasskey(ctx, userID, id)
}

func mustStatus(t *testing.T, f *fixture, userID string) portalmfa.Status {
	t.Helper()
	st, err := f.svc.Status(context.Background(), userID)
	require.NoError(t, err)
	return st
}

func mustPasskeys(t *testing.T, f *fixture, userID string) []portalmfa.Passkey {
	t.Helper()
	ps, err := f.svc.Passkeys(context.Background(), userID)
	require.NoError(t, err)
	return ps
}

// Every sensitive change refuses a verification that is missing, another
// user's or stale.
func TestStaleVerificationRefused(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{}
	f := newFixtureWith(t, withPasskeys(nil))
	secret, codes := f.enrollWithCodes(t, alice)
	f.clock.Add(totp.Period)
	fresh := f.codeProof(t, alice.ID, totp.Code(secret, f.clock.Now()))
	_, err := f.addPasskey(t, newAuthenticator(), alice, fresh)
	require.NoError(t, err)
	ps := mustPasskeys(t, f, alice.ID)
	stale := f.codeProof(t, alice.ID, codes[0])
	pwStale := f.proof(t, alice.ID)
	f.clock.Add(10 * time.Minute)
	bobs := f.proof(t, bob.ID)

	for _, proof := range map[string]string{"none": "", "stale": stale, "stale password": pwStale, "another user's": bobs, "forged": stale + "x", "garbage": "a.b"} {
		_, err := f.svc.RegenerateBackupCodes(ctx, alice.ID, proof, c)
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "regenerate")
		_, err = f.svc.BeginPasskeyRegistration(ctx, alice, proof)
		assert.ErrorIs(t, err, portalmfa.ErrVerificationNeeded, "add a passkey")
		assert.ErrorIs(t, f.svc.RemoveTOTP(ctx, alice.ID, proof, c), portalmfa.ErrVerificationNeeded, "remove TOTP")
		assert.ErrorIs(t, f.svc.DeletePasskey(ctx, alice.ID, ps[0].ID, proof, c), portalmfa.ErrVerificationNeeded, "delete a passkey")
	}
	st := mustStatus(t, f, alice.ID)
	assert.Equal(t, 2, st.Credentials())
	assert.Equal(t, 9, st.BackupCodes)
}

// A ceremony is finished once, by its user, for its purpose, in time.
func TestPasskeyCeremonies(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	f := newFixtureWith(t, withPasskeys(nil))
	a := newAuthenticator()
	_, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
	require.NoError(t, err)

	t.Run("replayed", func(t *testing.T) {
		lc, err := f.svc.BeginPasskeyLogin(ctx, alice.ID)
		require.NoError(t, err)
		resp, _ := a.Get(lc.Options)
		require.NoError(t, f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c))
		assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c), portalmfa.ErrCeremonyExpired)
	})
	t.Run("expired", func(t *testing.T) {
		lc, _ := f.svc.BeginPasskeyLogin(ctx, alice.ID)
		resp, _ := a.Get(lc.Options)
		f.clock.Add(5 * time.Minute)
		assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c), portalmfa.ErrCeremonyExpired)
	})
	t.Run("pruned once expired", func(t *testing.T) {
		_, err := f.svc.BeginPasskeyLogin(ctx, alice.ID)
		require.NoError(t, err)
		f.clock.Add(6 * time.Minute)
		_, err = f.svc.PruneHistory(ctx)
		require.NoError(t, err)
		n, err := f.store.(portalmfa.PasskeyStore).PruneCeremonies(ctx, f.clock.Now().Add(time.Hour))
		require.NoError(t, err)
		assert.Zero(t, n, "PruneHistory left no expired ceremony")
	})
	t.Run("another user's ceremony", func(t *testing.T) {
		lc, _ := f.svc.BeginPasskeyLogin(ctx, alice.ID)
		resp, _ := a.Get(lc.Options)
		assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, bob.ID, lc.Token, resp, c), portalmfa.ErrCeremonyExpired)
		assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c), portalmfa.ErrCeremonyExpired, "and spent")
	})
	t.Run("another purpose", func(t *testing.T) {
		rc, err := f.svc.BeginPasswordless(ctx, false)
		require.NoError(t, err)
		resp, _ := a.Get(rc.Options)
		assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, rc.Token, resp, c), portalmfa.ErrCeremonyExpired)
	})
	t.Run("another user's passkey at the challenge", func(t *testing.T) {
		bobs := newAuthenticator()
		_, err := f.addPasskey(t, bobs, bob, f.proof(t, bob.ID))
		require.NoError(t, err)
		lc, _ := f.svc.BeginPasskeyLogin(ctx, alice.ID)
		var opts struct {
			PublicKey struct {
				Challenge string `json:"challenge"`
			} `json:"publicKey"`
		}
		require.NoError(t, json.Unmarshal(lc.Options, &opts))
		resp, err := bobs.Sign(bobs.Creds()[0], opts.PublicKey.Challenge)
		require.NoError(t, err)
		assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c), portalmfa.ErrPasskeyRefused)
	})
	t.Run("malformed answers", func(t *testing.T) {
		for _, resp := range []string{"", "{}", "<script>", string(make([]byte, 20000))} {
			lc, _ := f.svc.BeginPasskeyLogin(ctx, alice.ID)
			assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, []byte(resp), c), portalmfa.ErrPasskeyRefused)
		}
		for _, token := range []string{"", "nope", string(make([]byte, 100))} {
			assert.ErrorIs(t, f.svc.VerifyPasskey(ctx, alice.ID, token, []byte("{}"), c), portalmfa.ErrCeremonyExpired)
		}
	})
	t.Run("finished twice at once, one success", func(t *testing.T) {
		lc, _ := f.svc.BeginPasskeyLogin(ctx, alice.ID)
		resp, _ := a.Get(lc.Options)
		errs := storetest.Together(20, func(int) error { return f.svc.VerifyPasskey(ctx, alice.ID, lc.Token, resp, c) })
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, portalmfa.ErrCeremonyExpired)
			}
		}
		assert.Equal(t, 1, ok)
	})
}

func TestPasskeyRegistrationRules(t *testing.T) {
	ctx := context.Background()
	t.Run("the cap", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Passkeys.MaxPerUser = 2 }))
		codes, err := f.addPasskey(t, newAuthenticator(), alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		proof := f.codeProof(t, alice.ID, codes[0])
		// Two ceremonies begun while one place is left: the second to
		// finish is refused by the store.
		first, err := f.svc.BeginPasskeyRegistration(ctx, alice, proof)
		require.NoError(t, err)
		second, err := f.svc.BeginPasskeyRegistration(ctx, alice, proof)
		require.NoError(t, err)
		for i, cer := range []portalmfa.Ceremony{first, second} {
			resp, _ := newAuthenticator().Create(cer.Options)
			_, err := f.svc.FinishPasskeyRegistration(ctx, alice, cer.Token, resp, proof, portalmfa.Client{})
			if i == 0 {
				require.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, portalmfa.ErrTooManyPasskeys)
			}
		}
		_, err = f.svc.BeginPasskeyRegistration(ctx, alice, proof)
		assert.ErrorIs(t, err, portalmfa.ErrTooManyPasskeys)
		assert.Len(t, mustPasskeys(t, f, alice.ID), 2)
	})
	t.Run("a credential ID registered to another user", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		a := newAuthenticator()
		_, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		a.NextID = a.Creds()[0].ID
		_, err = f.addPasskey(t, a, bob, f.proof(t, bob.ID))
		assert.ErrorIs(t, err, portalmfa.ErrPasskeyRegistered)
		assert.Empty(t, mustPasskeys(t, f, bob.ID))
		assert.False(t, mustStatus(t, f, bob.ID).Enabled())
	})
	t.Run("from another origin", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		a := newAuthenticator()
		a.Origin = "https://evil.example"
		_, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
		assert.ErrorIs(t, err, portalmfa.ErrPasskeyRefused)
		assert.Empty(t, mustPasskeys(t, f, alice.ID))
	})
	t.Run("rename", func(t *testing.T) {
		f := newFixtureWith(t, withPasskeys(nil))
		_, err := f.addPasskey(t, newAuthenticator(), alice, f.proof(t, alice.ID))
		require.NoError(t, err)
		id := mustPasskeys(t, f, alice.ID)[0].ID
		for _, bad := range []string{"", "   ", string(make([]rune, 65))} {
			assert.ErrorIs(t, f.svc.RenamePasskey(ctx, alice.ID, id, bad), portalmfa.ErrInvalidName)
		}
		require.NoError(t, f.svc.RenamePasskey(ctx, alice.ID, id, "  Work\tlaptop\u202e "))
		assert.Equal(t, "Work laptop", mustPasskeys(t, f, alice.ID)[0].Name)
	})
}

// A counter that does not increase refuses the login, and the user hears.
func TestPasskeyClone(t *testing.T) {
	ctx := context.Background()
	n := &notes{}
	f := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Notifier = n }))
	a := newAuthenticator()
	_, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
	require.NoError(t, err)
	require.NoError(t, f.passkeyLogin(t, a, alice.ID))
	a.Creds()[0].Count -= 2 // a copy made earlier, behind the original
	assert.ErrorIs(t, f.passkeyLogin(t, a, alice.ID), portalmfa.ErrPasskeyClone)
	assert.Contains(t, n.kinds(), portalmfa.NotifyPasskeyClone)
	es, _ := f.svc.SecurityEvents(ctx, alice.ID)
	assert.Equal(t, history.PasskeyCloned, es[0].Kind)
	hist, _ := f.svc.LoginHistory(ctx, alice.ID)
	assert.False(t, hist[0].Success)
}

func TestPasswordless(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1"}
	login := func(f *fixture, a *softauthn.Authenticator) (string, error) {
		rc, err := f.svc.BeginPasswordless(ctx, true)
		if err != nil {
			return "", err
		}
		var opts struct {
			Mediation string `json:"mediation"`
		}
		require.NoError(t, json.Unmarshal(rc.Options, &opts))
		assert.Equal(t, "conditional", opts.Mediation)
		resp, err := a.Get(rc.Options)
		require.NoError(t, err)
		return f.svc.FinishPasswordless(ctx, rc.Token, resp, c)
	}
	f := newFixtureWith(t, withPasskeys(nil))
	a := newAuthenticator()
	_, err := f.addPasskey(t, a, alice, f.proof(t, alice.ID))
	require.NoError(t, err)

	userID, err := login(f, a)
	require.NoError(t, err)
	assert.Equal(t, alice.ID, userID)

	t.Run("without user verification", func(t *testing.T) {
		a.UV = false
		defer func() { a.UV = true }()
		_, err := login(f, a)
		assert.ErrorIs(t, err, portalmfa.ErrPasskeyRefused)
	})
	t.Run("a deleted passkey", func(t *testing.T) {
		gone := newAuthenticator()
		_, err := f.addPasskey(t, gone, bob, f.proof(t, bob.ID))
		require.NoError(t, err)
		require.NoError(t, f.svc.DeletePasskey(ctx, bob.ID, mustPasskeys(t, f, bob.ID)[0].ID, f.proof(t, bob.ID), c))
		_, err = login(f, gone)
		assert.ErrorIs(t, err, portalmfa.ErrPasskeyRefused)
	})
	t.Run("replayed, and finished twice at once", func(t *testing.T) {
		rc, err := f.svc.BeginPasswordless(ctx, false)
		require.NoError(t, err)
		resp, _ := a.Get(rc.Options)
		errs := storetest.Together(10, func(int) error {
			_, err := f.svc.FinishPasswordless(ctx, rc.Token, resp, c)
			return err
		})
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, portalmfa.ErrCeremonyExpired)
			}
		}
		assert.Equal(t, 1, ok)
		_, err = f.svc.FinishPasswordless(ctx, rc.Token, resp, c)
		assert.ErrorIs(t, err, portalmfa.ErrCeremonyExpired)
	})
	t.Run("forged, expired and malformed tokens", func(t *testing.T) {
		rc, _ := f.svc.BeginPasswordless(ctx, false)
		resp, _ := a.Get(rc.Options)
		for _, token := range []string{"", "x", rc.Token + "x", "e30." + strings.Split(rc.Token, ".")[1], strings.Repeat("A", 5000)} {
			_, err := f.svc.FinishPasswordless(ctx, token, resp, c)
			assert.ErrorIs(t, err, portalmfa.ErrCeremonyExpired)
		}
		f.clock.Add(5 * time.Minute)
		_, err := f.svc.FinishPasswordless(ctx, rc.Token, resp, c)
		assert.ErrorIs(t, err, portalmfa.ErrCeremonyExpired)
	})
	t.Run("failures do not lock the passkey's owner out", func(t *testing.T) {
		// Someone who knows alice's credential ID signs with a key of their own.
		mallory := newAuthenticator()
		for range 10 {
			rc, _ := f.svc.BeginPasswordless(ctx, false)
			var opts struct {
				PublicKey struct {
					Challenge string `json:"challenge"`
				} `json:"publicKey"`
			}
			require.NoError(t, json.Unmarshal(rc.Options, &opts))
			forged := *a.Creds()[0]
			forged.RPID = "portal.example"
			_, _ = mallory.Create(mustOptions(t, f))
			fake := mallory.Creds()[len(mallory.Creds())-1]
			fake.ID, fake.User = forged.ID, forged.User
			resp, err := mallory.Sign(fake, opts.PublicKey.Challenge)
			require.NoError(t, err)
			_, err = f.svc.FinishPasswordless(ctx, rc.Token, resp, portalmfa.Client{IP: "203.0.113.9"})
			assert.ErrorIs(t, err, portalmfa.ErrPasskeyRefused)
		}
		require.NoError(t, f.passkeyLogin(t, a, alice.ID), "alice is not locked out")
		rc, _ := f.svc.BeginPasswordless(ctx, false)
		resp, _ := a.Get(rc.Options)
		_, err := f.svc.FinishPasswordless(ctx, rc.Token, resp, c)
		require.NoError(t, err)
	})
	t.Run("a locked user", func(t *testing.T) {
		for range 5 {
			_, _ = f.svc.ReverifyPassword(ctx, alice.ID, "wrong", "", c)
		}
		_, err := login(f, a)
		assert.ErrorIs(t, err, portalmfa.ErrLockedOut)
	})
	t.Run("turned off", func(t *testing.T) {
		off := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Passkeys.NoPasswordless = true }))
		assert.False(t, off.svc.PasswordlessEnabled())
		_, err := off.svc.BeginPasswordless(ctx, false)
		assert.ErrorIs(t, err, portalmfa.ErrPasskeysOff)
	})
}

func TestPasskeyConfig(t *testing.T) {
	base := func(edit func(*portalmfa.Config)) portalmfa.Config {
		c := portalmfa.Config{
			Issuer: "Acme", Keys: [][]byte{testKey}, Store: memory.New(),
			CheckPassword: func(context.Context, string, string) (bool, error) { return false, nil },
			Passkeys:      portalmfa.PasskeyConfig{RPID: "localhost", Origins: []string{"http://localhost:8080"}},
		}
		edit(&c)
		return c
	}
	_, err := portalmfa.New(base(func(*portalmfa.Config) {}))
	require.NoError(t, err)
	for name, edit := range map[string]func(*portalmfa.Config){
		"IP address": func(c *portalmfa.Config) {
			c.Passkeys = portalmfa.PasskeyConfig{RPID: "127.0.0.1", Origins: []string{"http://127.0.0.1:8080"}}
		},
		"no origins":         func(c *portalmfa.Config) { c.Passkeys.Origins = nil },
		"origin elsewhere":   func(c *portalmfa.Config) { c.Passkeys.Origins = []string{"https://evil.example"} },
		"cap 0 below":        func(c *portalmfa.Config) { c.Passkeys.MaxPerUser = -1 },
		"cap above 100":      func(c *portalmfa.Config) { c.Passkeys.MaxPerUser = 101 },
		"long ceremony":      func(c *portalmfa.Config) { c.Passkeys.Timeout = time.Hour },
		"store without them": func(c *portalmfa.Config) { c.Store = totpOnlyStore{memory.New()} },
	} {
		_, err := portalmfa.New(base(edit))
		assert.Error(t, err, name)
	}
	// A store of the days before passkeys still serves a Service without them.
	svc, err := portalmfa.New(base(func(c *portalmfa.Config) {
		c.Store, c.Passkeys = totpOnlyStore{memory.New()}, portalmfa.PasskeyConfig{}
	}))
	require.NoError(t, err)
	assert.False(t, svc.PasskeysEnabled())
	st, err := svc.Status(context.Background(), "u")
	require.NoError(t, err)
	assert.Equal(t, []portalmfa.FactorKind{portalmfa.FactorTOTP}, factorKinds(st))
}

// totpOnlyStore hides the memory store's passkeys: a backend written
// before them.
type totpOnlyStore struct{ portalmfa.Store }

func factorKinds(st portalmfa.Status) []portalmfa.FactorKind {
	var ks []portalmfa.FactorKind
	for _, f := range st.Factors {
		ks = append(ks, f.Kind)
	}
	return ks
}

// Passkeys outlive the key that made their user handle: a user is known by
// the credential ID, so retiring that key leaves them working.
func TestPasskeysAfterKeyRetired(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Store, c.Keys = store, [][]byte{oldKey} }))
	a := newAuthenticator()
	_, err := before.addPasskey(t, a, alice, before.proof(t, alice.ID))
	require.NoError(t, err)

	after := newFixtureWith(t, withPasskeys(func(c *portalmfa.Config) { c.Store, c.Keys = store, [][]byte{newKey} }))
	after.clock.Add(time.Minute)
	require.NoError(t, after.passkeyLogin(t, a, alice.ID), "at the challenge")
	rc, err := after.svc.BeginPasswordless(ctx, false)
	require.NoError(t, err)
	resp, err := a.Get(rc.Options)
	require.NoError(t, err)
	userID, err := after.svc.FinishPasswordless(ctx, rc.Token, resp, portalmfa.Client{})
	require.NoError(t, err, "passwordless")
	assert.Equal(t, alice.ID, userID)
}
