package portalmfa_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/totp"
)

const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"

// notes is a Notifier that keeps what it is told.
type notes struct {
	mu   sync.Mutex
	sent []portalmfa.Notification
}

func (n *notes) Notify(_ context.Context, m portalmfa.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, m)
	return nil
}

func (n *notes) kinds() []portalmfa.NotificationKind {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ks []portalmfa.NotificationKind
	for _, m := range n.sent {
		ks = append(ks, m.Kind)
	}
	return ks
}

func TestTrustedDevices(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
	f.enroll(t, alice)
	f.enroll(t, bob)

	token, expires, err := f.svc.TrustDevice(ctx, alice.ID, c)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(30*24*time.Hour), expires)
	assert.GreaterOrEqual(t, len(token), 43, "256 bits")

	t.Run("skips the second factor for its user only", func(t *testing.T) {
		assert.NoError(t, f.svc.UseTrustedDevice(ctx, alice.ID, token, c))
		assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, bob.ID, token, c), portalmfa.ErrUnknownDevice,
			"alice's token with bob's password still asks bob for the second factor")
	})
	t.Run("tampered, empty, oversized", func(t *testing.T) {
		for _, bad := range []string{"", token[:len(token)-1] + "A", token + "A", string(make([]byte, 5000))} {
			if bad == token {
				continue
			}
			assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, alice.ID, bad, c), portalmfa.ErrUnknownDevice)
		}
	})
	t.Run("listed with a readable name", func(t *testing.T) {
		ds, err := f.svc.Devices(ctx, alice.ID)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, "Firefox on Windows", ds[0].Name)
		assert.Equal(t, "192.0.2.1", ds[0].IP)
		assert.Equal(t, devices.Active, ds[0].StatusAt(f.clock.Now()))
		none, _ := f.svc.Devices(ctx, bob.ID)
		assert.Empty(t, none)
	})
	t.Run("rename", func(t *testing.T) {
		ds, _ := f.svc.Devices(ctx, alice.ID)
		assert.ErrorIs(t, f.svc.RenameDevice(ctx, bob.ID, ds[0].ID, "mine now"), portalmfa.ErrUnknownDevice)
		for _, bad := range []string{"", "   ", string(make([]rune, 65))} {
			assert.ErrorIs(t, f.svc.RenameDevice(ctx, alice.ID, ds[0].ID, bad), portalmfa.ErrInvalidName)
		}
		require.NoError(t, f.svc.RenameDevice(ctx, alice.ID, ds[0].ID, " Office laptop "))
		ds, _ = f.svc.Devices(ctx, alice.ID)
		assert.Equal(t, "Office laptop", ds[0].Name)
	})
	t.Run("another user's device ID revokes nothing", func(t *testing.T) {
		ds, _ := f.svc.Devices(ctx, alice.ID)
		assert.ErrorIs(t, f.svc.RevokeDevice(ctx, bob.ID, ds[0].ID, c), portalmfa.ErrUnknownDevice)
		assert.NoError(t, f.svc.UseTrustedDevice(ctx, alice.ID, token, c))
	})
	t.Run("expired", func(t *testing.T) {
		f.clock.Add(30 * 24 * time.Hour)
		assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, alice.ID, token, c), portalmfa.ErrUnknownDevice)
	})
	t.Run("revoked", func(t *testing.T) {
		token, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
		require.NoError(t, err)
		ds, _ := f.svc.Devices(ctx, alice.ID)
		require.NoError(t, f.svc.RevokeDevice(ctx, alice.ID, ds[0].ID, c))
		assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, alice.ID, token, c), portalmfa.ErrUnknownDevice)
	})
	t.Run("revoke all", func(t *testing.T) {
		a, _, _ := f.svc.TrustDevice(ctx, alice.ID, c)
		b, _, _ := f.svc.TrustDevice(ctx, alice.ID, c)
		bobs, _, _ := f.svc.TrustDevice(ctx, bob.ID, c)
		n, err := f.svc.RevokeAllDevices(ctx, alice.ID, c)
		require.NoError(t, err)
		assert.Equal(t, 3, n, "the two new ones and the expired one")
		assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, alice.ID, a, c), portalmfa.ErrUnknownDevice)
		assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, alice.ID, b, c), portalmfa.ErrUnknownDevice)
		assert.NoError(t, f.svc.UseTrustedDevice(ctx, bob.ID, bobs, c), "other users keep theirs")
	})
}

// Every way a second factor ends or changes revokes the trust given under it.
func TestTrustedDevicesRevokedAutomatically(t *testing.T) {
	ctx := context.Background()
	c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
	for name, trigger := range map[string]func(t *testing.T, f *fixture){
		"2FA disabled": func(t *testing.T, f *fixture) {
			require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c))
		},
		"admin reset": func(t *testing.T, f *fixture) {
			require.NoError(t, f.svc.ResetSecondFactor(ctx, alice.ID))
			assert.Equal(t, portalmfa.Off, f.totpState(t, alice.ID))
		},
		"TOTP re-enrolled": func(t *testing.T, f *fixture) {
			require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c))
			f.clock.Add(totp.Period)
			f.enroll(t, alice)
		},
		"password changed": func(t *testing.T, f *fixture) {
			require.NoError(t, f.svc.PasswordChanged(ctx, alice.ID))
		},
		"this wasn't me": func(t *testing.T, f *fixture) {
			assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", c), portalmfa.ErrInvalidCode)
			h, err := f.svc.LoginHistory(ctx, alice.ID)
			require.NoError(t, err)
			require.NotEmpty(t, h)
			require.NoError(t, f.svc.NotMe(ctx, alice.ID, h[0].ID, c))
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.enroll(t, alice)
			token, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
			require.NoError(t, err)
			trigger(t, f)
			assert.ErrorIs(t, f.svc.UseTrustedDevice(ctx, alice.ID, token, c), portalmfa.ErrUnknownDevice)
		})
	}
}

func TestLoginHistory(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	secret, codes := f.enrollWithCodes(t, alice)
	c := portalmfa.Client{IP: "198.51.100.4", UserAgent: firefox}

	f.clock.Add(totp.Period)
	assert.Error(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", c))
	good := totp.Code(secret, f.clock.Now())
	require.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, good, c))
	assert.ErrorIs(t, f.svc.VerifyTOTP(ctx, alice.ID, good, c), portalmfa.ErrReplayed)
	_, err := f.svc.VerifyBackupCode(ctx, alice.ID, codes[0], c)
	require.NoError(t, err)

	h, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	require.Len(t, h, 4, "the confirmation in the wizard is not a login")
	want := []struct {
		method  history.Method
		success bool
		reason  history.Reason
	}{
		{history.BackupCode, true, ""},
		{history.TOTP, false, history.Replayed},
		{history.TOTP, true, ""},
		{history.TOTP, false, history.WrongCode},
	}
	for i, w := range want {
		assert.Equal(t, w.method, h[i].Method, "entry %d", i)
		assert.Equal(t, w.success, h[i].Success, "entry %d", i)
		assert.Equal(t, w.reason, h[i].Reason, "entry %d", i)
		assert.Equal(t, "198.51.100.4", h[i].IP)
		assert.Equal(t, "Firefox on Windows", h[i].Device)
	}

	t.Run("the last 10", func(t *testing.T) {
		for range 12 {
			assert.Error(t, f.svc.VerifyTOTP(ctx, alice.ID, "000000", portalmfa.Client{}))
			f.clock.Add(2 * time.Hour) // past any lock
		}
		h, err := f.svc.LoginHistory(ctx, alice.ID)
		require.NoError(t, err)
		assert.Len(t, h, portalmfa.HistoryLength)
		for i := 1; i < len(h); i++ {
			assert.False(t, h[i].At.After(h[i-1].At), "newest first")
		}
	})
	t.Run("locked out is recorded", func(t *testing.T) {
		for range 6 {
			_ = f.svc.VerifyTOTP(ctx, alice.ID, "000000", c)
		}
		h, _ := f.svc.LoginHistory(ctx, alice.ID)
		assert.Equal(t, history.Locked, h[0].Reason)
		ev, _ := f.svc.SecurityEvents(ctx, alice.ID)
		assert.Contains(t, kindsOf(ev), history.LockedOut)
	})
	t.Run("another user's entry", func(t *testing.T) {
		f.enroll(t, bob)
		assert.Error(t, f.svc.VerifyTOTP(ctx, bob.ID, "000000", c))
		hb, _ := f.svc.LoginHistory(ctx, bob.ID)
		require.NotEmpty(t, hb)
		assert.ErrorIs(t, f.svc.NotMe(ctx, alice.ID, hb[0].ID, c), portalmfa.ErrNotYourEvent)
		assert.ErrorIs(t, f.svc.NotMe(ctx, alice.ID, "", c), portalmfa.ErrNotYourEvent)
	})
	t.Run("prune", func(t *testing.T) {
		f.clock.Add(91 * 24 * time.Hour)
		n, err := f.svc.PruneHistory(ctx)
		require.NoError(t, err)
		assert.Positive(t, n)
		h, _ := f.svc.LoginHistory(ctx, alice.ID)
		assert.Empty(t, h)
	})
}

func kindsOf(es []history.Event) []history.Kind {
	var ks []history.Kind
	for _, e := range es {
		ks = append(ks, e.Kind)
	}
	return ks
}

func TestNotifications(t *testing.T) {
	ctx := context.Background()
	n := &notes{}
	f := newFixtureWith(t, func(cfg *portalmfa.Config) {
		cfg.Notifier = n
		cfg.LookupUser = func(_ context.Context, id string) (portalmfa.User, error) {
			return portalmfa.User{ID: id, Name: "Alice", Language: "fr"}, nil
		}
	})
	c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
	_, codes := f.enrollWithCodes(t, alice)
	_, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
	require.NoError(t, err)
	for _, code := range codes[:7] {
		_, err := f.svc.VerifyBackupCode(ctx, alice.ID, code, c)
		require.NoError(t, err)
	}
	f.clock.Add(totp.Period)
	for range 5 {
		_ = f.svc.VerifyTOTP(ctx, alice.ID, "000000", c)
	}
	f.clock.Add(time.Hour)
	require.NoError(t, f.svc.RemoveTOTP(ctx, alice.ID, f.proof(t, alice.ID), c))

	ks := n.kinds()
	assert.Equal(t, portalmfa.NotifyTwoFactorOn, ks[0])
	assert.Equal(t, portalmfa.NotifyNewTrustedDevice, ks[1])
	assert.Equal(t, 7, count(ks, portalmfa.NotifyBackupCodeUsed))
	assert.Equal(t, 1, count(ks, portalmfa.NotifyFewBackupCodes), "at 3 left")
	assert.Equal(t, 1, count(ks, portalmfa.NotifyRepeatedFailures))
	assert.Equal(t, []portalmfa.NotificationKind{portalmfa.NotifyTOTPDisabled, portalmfa.NotifyTwoFactorOff}, ks[len(ks)-2:])
	assert.Equal(t, "fr", n.sent[1].User.Language)
	assert.Equal(t, "Firefox on Windows", n.sent[1].Device)
}

func count[T comparable](xs []T, x T) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// DeviceID finds the device of a token without using it, for marking
// "this device" in a list.
func TestDeviceID(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	token, _, err := f.svc.TrustDevice(ctx, alice.ID, portalmfa.Client{UserAgent: firefox})
	require.NoError(t, err)
	other, _, err := f.svc.TrustDevice(ctx, alice.ID, portalmfa.Client{})
	require.NoError(t, err)
	ds, err := f.svc.Devices(ctx, alice.ID)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	ids := map[string]bool{ds[0].ID: true, ds[1].ID: true}
	assert.True(t, ids[f.svc.DeviceID(token)])
	assert.True(t, ids[f.svc.DeviceID(other)])
	assert.NotEqual(t, f.svc.DeviceID(token), f.svc.DeviceID(other))
	assert.Regexp(t, `^[0-9a-f]{24}$`, f.svc.DeviceID(token))
	for _, bad := range []string{"", "x", token + "A", token[1:]} {
		assert.False(t, ids[f.svc.DeviceID(bad)], "%q", bad)
	}
	assert.NotContains(t, fmt.Sprintf("%x", devices.HashToken(token)), f.svc.DeviceID(token), "not a part of the stored hash")
}

// A code submitted too late, with a genuine but expired pending login, is
// in the history; a forged state records nothing.
func TestChallengeExpired(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	f.enroll(t, alice)
	c := portalmfa.Client{IP: "192.0.2.9", UserAgent: firefox}
	state, _, err := f.svc.NewPendingLogin(alice.ID)
	require.NoError(t, err)

	f.svc.ChallengeExpired(ctx, state, history.TOTP, c) // not expired yet
	f.svc.ChallengeExpired(ctx, "forged."+state, history.TOTP, c)
	h, _ := f.svc.LoginHistory(ctx, alice.ID)
	assert.Empty(t, h)

	f.clock.Add(6 * time.Minute)
	f.svc.ChallengeExpired(ctx, state, history.BackupCode, c)
	h, _ = f.svc.LoginHistory(ctx, alice.ID)
	require.Len(t, h, 1)
	assert.Equal(t, history.ExpiredState, h[0].Reason)
	assert.Equal(t, history.BackupCode, h[0].Method)
	assert.False(t, h[0].Success)
}

// The device list stays short: devices no longer trusted drop off a week
// after, and it is capped.
func TestDevicesListBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := portalmfa.Client{IP: "192.0.2.1", UserAgent: firefox}
	old, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
	require.NoError(t, err)
	require.NoError(t, f.svc.RevokeDevice(ctx, alice.ID, f.svc.DeviceID(old), c))
	f.clock.Add(6 * 24 * time.Hour)
	recent, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
	require.NoError(t, err)
	require.NoError(t, f.svc.RevokeDevice(ctx, alice.ID, f.svc.DeviceID(recent), c))
	ds, err := f.svc.Devices(ctx, alice.ID)
	require.NoError(t, err)
	assert.Len(t, ds, 2, "revoked within the week: both still listed")
	f.clock.Add(2 * 24 * time.Hour)
	ds, _ = f.svc.Devices(ctx, alice.ID)
	require.Len(t, ds, 1, "revoked 8 days ago: gone from the list")
	assert.Equal(t, f.svc.DeviceID(recent), ds[0].ID)
	_, err = f.svc.PruneHistory(ctx)
	require.NoError(t, err)
	all, err := f.store.Devices(ctx, alice.ID)
	require.NoError(t, err)
	assert.Len(t, all, 1, "and from the store, once pruned")
	for range portalmfa.MaxDevicesListed + 10 {
		_, _, err := f.svc.TrustDevice(ctx, alice.ID, c)
		require.NoError(t, err)
	}
	ds, _ = f.svc.Devices(ctx, alice.ID)
	assert.Len(t, ds, portalmfa.MaxDevicesListed)
	for _, d := range ds {
		assert.Equal(t, devices.Active, d.StatusAt(f.clock.Now()), "the active ones come first")
	}
}

// "This wasn't me" marks the entry it was about, and only that one.
func TestNotMeMarksTheEntry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	secret := f.enroll(t, alice)
	for range 2 {
		f.clock.Add(totp.Period)
		require.NoError(t, f.svc.VerifyTOTP(ctx, alice.ID, totp.Code(secret, f.clock.Now()), portalmfa.Client{}))
	}
	h, err := f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	require.Len(t, h, 2)
	require.NoError(t, f.svc.NotMe(ctx, alice.ID, h[1].ID, portalmfa.Client{}))
	h, err = f.svc.LoginHistory(ctx, alice.ID)
	require.NoError(t, err)
	assert.False(t, h[0].Reported)
	assert.True(t, h[1].Reported)
	evs, err := f.svc.SecurityEvents(ctx, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, history.NotMe, evs[0].Kind)
	assert.Equal(t, h[1].ID, evs[0].Ref)
}
