package httpx_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/totp"
)

const (
	firefoxUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	chromeUA  = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	safariUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

	plainDeviceCookie  = "portalmfa_device"
	secureDeviceCookie = "__Host-portalmfa_device"
)

// overTLS makes the request one that came over HTTPS.
func overTLS() reqOption {
	return func(r *http.Request) { r.TLS = &tls.ConnectionState{} }
}

// withDevice sends a trusted-device token in the cookie of plain http.
func withDevice(token string) reqOption {
	return withCookie(&http.Cookie{Name: plainDeviceCookie, Value: token})
}

// trust makes a trusted device of userID through the Service and returns
// its token.
func (hs *host) trust(userID, ip, ua string) string {
	hs.t.Helper()
	token, _, err := hs.svc.TrustDevice(context.Background(), userID, portalmfa.Client{IP: ip, UserAgent: ua})
	require.NoError(hs.t, err)
	return token
}

func (hs *host) devices(userID string) []devices.Device {
	hs.t.Helper()
	ds, err := hs.svc.Devices(context.Background(), userID)
	require.NoError(hs.t, err)
	return ds
}

func (hs *host) device(userID, id string) devices.Device {
	hs.t.Helper()
	for _, d := range hs.devices(userID) {
		if d.ID == id {
			return d
		}
	}
	hs.t.Fatalf("%s has no device %s", userID, id)
	return devices.Device{}
}

// startChallenge calls StartChallenge for userID the way a host's login
// handler does, and returns what it wrote.
func (hs *host) startChallenge(userID string, opts ...reqOption) (*httptest.ResponseRecorder, error) {
	hs.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://portal.example/login", nil)
	for _, o := range opts {
		o(r)
	}
	w := httptest.NewRecorder()
	err := hs.h.StartChallenge(w, r, userID)
	return w, err
}

// The box on both challenge forms, and the cookie a ticked box sets: over
// plain http without the prefix (browsers refuse __Host- without Secure),
// over HTTPS as __Host- and Secure.
func TestTrustAtChallenge(t *testing.T) {
	type challengeForm struct {
		name, path string
		code       func(hs *host, secret []byte, codes []string) string
	}
	forms := []challengeForm{
		{"totp", "/login/2fa/", func(hs *host, secret []byte, _ []string) string {
			hs.clock.Add(totp.Period) // the confirming code's step is spent
			return totp.Code(secret, hs.clock.Now())
		}},
		{"backup code", "/login/2fa/backup", func(_ *host, _ []byte, codes []string) string { return codes[0] }},
	}
	schemes := []struct {
		name       string
		opts       []reqOption
		cookieName string
		secure     bool
	}{
		{"http", nil, plainDeviceCookie, false},
		{"https", []reqOption{overTLS()}, secureDeviceCookie, true},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			t.Run("the box is there, unticked", func(t *testing.T) {
				hs := newHost(t)
				hs.enroll("alice")
				w := hs.do(http.MethodGet, f.path, nil, withCookie(hs.pending("alice")))
				require.Equal(t, http.StatusOK, w.Code)
				body := w.Body.String()
				assert.Contains(t, body, `<input class="form-check-input" id="portalmfa-trust" name="trust" type="checkbox" value="1" aria-describedby="portalmfa-trust-help">`)
				assert.Contains(t, body, `<label class="form-check-label" for="portalmfa-trust">Trust this device for 30 days</label>`)
				assertSafePage(t, w)
			})
			for _, sc := range schemes {
				t.Run("ticked over "+sc.name, func(t *testing.T) {
					hs := newHost(t)
					secret, codes := hs.enrollWithCodes("alice")
					opts := append([]reqOption{withCookie(hs.pending("alice")), withHeader("User-Agent", firefoxUA)}, sc.opts...)
					w := hs.do(http.MethodPost, f.path, form("code", f.code(hs, secret, codes), "trust", "1"), opts...)
					require.Contains(t, []int{http.StatusSeeOther, http.StatusOK}, w.Code)
					assert.Equal(t, []string{"alice"}, hs.passedUsers())

					c := cookieNamed(w, sc.cookieName)
					require.NotNil(t, c, "the trusted-device cookie")
					assert.True(t, c.HttpOnly)
					assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
					assert.Equal(t, "/", c.Path)
					assert.Empty(t, c.Domain, "a __Host- cookie has no Domain; the plain one needs none")
					assert.Equal(t, sc.secure, c.Secure)
					assert.Equal(t, 30*24*60*60, c.MaxAge, "until the device expires")
					assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, c.Value, "the token alone")
					other := plainDeviceCookie
					if other == sc.cookieName {
						other = secureDeviceCookie
					}
					assert.Nil(t, cookieNamed(w, other))

					ds := hs.devices("alice")
					require.Len(t, ds, 1)
					assert.Equal(t, hs.svc.DeviceID(c.Value), ds[0].ID)
					assert.Equal(t, "Firefox on Windows", ds[0].Name)
					assert.Equal(t, hs.clock.Now().Add(30*24*time.Hour), ds[0].ExpiresAt)
					assert.NotContains(t, hs.logs.String(), c.Value, "the token is never logged")
				})
			}
			t.Run("not ticked: no cookie, no device", func(t *testing.T) {
				hs := newHost(t)
				secret, codes := hs.enrollWithCodes("alice")
				w := hs.do(http.MethodPost, f.path, form("code", f.code(hs, secret, codes)), withCookie(hs.pending("alice")))
				assert.Equal(t, []string{"alice"}, hs.passedUsers())
				assert.Nil(t, cookieNamed(w, plainDeviceCookie))
				assert.Empty(t, hs.devices("alice"))
			})
			t.Run("a value other than 1 is not a tick", func(t *testing.T) {
				hs := newHost(t)
				secret, codes := hs.enrollWithCodes("alice")
				w := hs.do(http.MethodPost, f.path, form("code", f.code(hs, secret, codes), "trust", "on"), withCookie(hs.pending("alice")))
				assert.Nil(t, cookieNamed(w, plainDeviceCookie))
				assert.Empty(t, hs.devices("alice"))
			})
			t.Run("a wrong code keeps the box ticked and trusts nothing", func(t *testing.T) {
				hs := newHost(t)
				secret := hs.enroll("alice")
				bad := wrongCode(secret, hs.clock.Now())
				if f.name == "backup code" {
					bad = "AAAAA-AAAAA-AAAAA"
				}
				w := hs.do(http.MethodPost, f.path, form("code", bad, "trust", "1"), withCookie(hs.pending("alice")))
				require.Equal(t, http.StatusUnprocessableEntity, w.Code)
				assert.Contains(t, w.Body.String(), `name="trust" type="checkbox" value="1" checked`)
				assert.Nil(t, cookieNamed(w, plainDeviceCookie))
				assert.Empty(t, hs.devices("alice"))
				assert.Empty(t, hs.passedUsers())
			})
		})
	}
}

// The label follows the Service's TrustDeviceFor, in each language's plural.
func TestTrustLabel(t *testing.T) {
	tests := []struct {
		period time.Duration
		lang   string
		want   string
	}{
		{30 * 24 * time.Hour, "en", "Trust this device for 30 days"},
		{24 * time.Hour, "en", "Trust this device for 1 day"},
		{36 * time.Hour, "en", "Trust this device for 1 day"}, // never more than given
		{12 * time.Hour, "en", "Trust this device for 12 hours"},
		{time.Hour, "en", "Trust this device for 1 hour"},
		{time.Minute, "en", "Trust this device for 1 hour"},
		{30 * 24 * time.Hour, "fr", "Faire confiance à cet appareil pendant 30 jours"},
		{24 * time.Hour, "fr", "Faire confiance à cet appareil pendant 1 jour"},
		{7 * 24 * time.Hour, "de", "Diesem Gerät 7 Tage lang vertrauen"},
		{24 * time.Hour, "es", "Confiar en este dispositivo durante 1 día"},
		{90 * 24 * time.Hour, "it", "Considera attendibile questo dispositivo per 90 giorni"},
		{2 * time.Hour, "nl", "Dit apparaat 2 uur vertrouwen"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.lang, tc.period), func(t *testing.T) {
			hs := newHostWith(t, func(c *portalmfa.Config) { c.TrustDeviceFor = tc.period })
			hs.enroll("alice")
			w := hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(hs.pending("alice")), withHeader("Accept-Language", tc.lang))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), `for="portalmfa-trust">`+tc.want+`</label>`)
		})
	}
}

// StartChallenge spares a trusted browser the challenge, for its own user
// only; any other cookie is deleted and the challenge follows.
func TestStartChallengeWithTrustedDevice(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	hs.enroll("bob")
	aliceToken := hs.trust("alice", "192.0.2.1", firefoxUA)

	t.Run("a valid cookie skips the challenge", func(t *testing.T) {
		w, err := hs.startChallenge("alice", withDevice(aliceToken), withHeader("User-Agent", firefoxUA))
		require.NoError(t, err)
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/home", w.Header().Get("Location"), "the host's redirect, not the challenge")
		assert.Equal(t, []string{"alice"}, hs.passedUsers())
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		assert.Nil(t, cookieNamed(w, "portalmfa_pending"), "no pending login")
		assert.Nil(t, cookieNamed(w, plainDeviceCookie), "the cookie stays as it is")
		h, err := hs.svc.LoginHistory(context.Background(), "alice")
		require.NoError(t, err)
		require.NotEmpty(t, h)
		assert.Equal(t, "trusted-device", string(h[0].Method))
		assert.True(t, h[0].Success)
	})
	secureToken := hs.trust("alice", "192.0.2.1", firefoxUA)
	t.Run("over HTTPS the __Host- cookie is read", func(t *testing.T) {
		w, err := hs.startChallenge("alice", overTLS(), withCookie(&http.Cookie{Name: secureDeviceCookie, Value: secureToken}))
		require.NoError(t, err)
		assert.Equal(t, "/home", w.Header().Get("Location"))
	})
	t.Run("over HTTPS the plain cookie is not read", func(t *testing.T) {
		w, err := hs.startChallenge("alice", overTLS(), withDevice(secureToken))
		require.NoError(t, err)
		assert.Equal(t, "/login/2fa/", w.Header().Get("Location"))
	})
	t.Run("over http the __Host- cookie is not read", func(t *testing.T) {
		w, err := hs.startChallenge("alice", withCookie(&http.Cookie{Name: secureDeviceCookie, Value: secureToken}))
		require.NoError(t, err)
		assert.Equal(t, "/login/2fa/", w.Header().Get("Location"))
	})

	tampered := []byte(aliceToken)
	tampered[10] ^= 0x01
	revokedToken := hs.trust("alice", "192.0.2.1", firefoxUA)
	require.NoError(t, hs.svc.RevokeDevice(context.Background(), "alice", hs.svc.DeviceID(revokedToken), portalmfa.Client{}))
	refused := []struct {
		name, user, token string
		advance           time.Duration
	}{
		{"alice's token for bob", "bob", aliceToken, 0},
		{"tampered", "alice", string(tampered), 0},
		{"truncated", "alice", aliceToken[:20], 0},
		{"garbage", "alice", "not-a-token", 0},
		{"oversized", "alice", strings.Repeat("A", 3000), 0},
		{"revoked", "alice", revokedToken, 0},
		{"expired", "alice", aliceToken, 30*24*time.Hour + time.Second},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := len(hs.passedUsers())
			hs.clock.Add(tc.advance)
			defer hs.clock.Add(-tc.advance)
			w, err := hs.startChallenge(tc.user, withDevice(tc.token))
			require.NoError(t, err)
			assert.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/login/2fa/", w.Header().Get("Location"), "the challenge")
			assert.Len(t, hs.passedUsers(), before, "nobody passes")
			p := cookieNamed(w, "portalmfa_pending")
			require.NotNil(t, p)
			assert.Positive(t, p.MaxAge)
			d := cookieNamed(w, plainDeviceCookie)
			require.NotNil(t, d, "the stale cookie is deleted")
			assert.Negative(t, d.MaxAge)
			assert.Equal(t, "/", d.Path)
		})
	}
	t.Run("the expired device is still alice's, and bob has none", func(t *testing.T) {
		assert.Equal(t, devices.Active, hs.device("alice", hs.svc.DeviceID(aliceToken)).StatusAt(hs.clock.Now()))
		assert.Empty(t, hs.devices("bob"))
	})
	t.Run("store down: an error, nothing written, nobody passes", func(t *testing.T) {
		before := len(hs.passedUsers())
		hs.store.down.Store(true)
		defer hs.store.down.Store(false)
		w, err := hs.startChallenge("alice", withDevice(aliceToken))
		require.ErrorIs(t, err, portalmfa.ErrUnavailable)
		assert.Empty(t, w.Result().Cookies())
		assert.Empty(t, w.Header().Get("Location"))
		assert.Len(t, hs.passedUsers(), before)
	})
}

// What the overview lists: every device with its facts and status, "This
// device" on the browser's own, and an empty state.
func TestDeviceList(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	old := hs.trust("alice", "192.0.2.1", firefoxUA)
	hs.clock.Add(20 * 24 * time.Hour) // Apr 3
	current := hs.trust("alice", "198.51.100.7", chromeUA)
	revoked := hs.trust("alice", "203.0.113.9", safariUA)
	hs.clock.Add(12 * 24 * time.Hour) // Apr 15
	require.NoError(t, hs.svc.RevokeDevice(context.Background(), "alice", hs.svc.DeviceID(revoked), portalmfa.Client{}))
	hs.clock.Add(3 * 24 * time.Hour) // Apr 18: the first has expired
	bobs := hs.trust("bob", "192.0.2.200", firefoxUA)

	w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withDevice(current))
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assertSafePage(t, w)

	item := func(token string) string {
		t.Helper()
		re := regexp.MustCompile(`(?s)<li class="list-group-item portalmfa-device[^"]*" id="portalmfa-device-` + hs.svc.DeviceID(token) + `">.*?</li>`)
		m := re.FindString(body)
		require.NotEmpty(t, m, "device listed")
		return m
	}
	t.Run("the active one, this device", func(t *testing.T) {
		li := item(current)
		assert.Contains(t, li, "Chrome on macOS")
		assert.Contains(t, li, `<span class="badge text-bg-primary portalmfa-this-device">This device</span>`)
		assert.Contains(t, li, "IP address 198.51.100.7")
		assert.Contains(t, li, "Last used Apr 3, 2026")
		assert.Contains(t, li, "Trusted until May 3, 2026")
		assert.Contains(t, li, `<span class="badge text-bg-success">Active</span>`)
		assert.Contains(t, li, `action="/my/security/devices/`+hs.svc.DeviceID(current)+`/revoke"`)
		assert.Contains(t, li, `action="/my/security/devices/`+hs.svc.DeviceID(current)+`/rename"`)
		assert.Contains(t, li, `value="Chrome on macOS" maxlength="64" required`)
	})
	t.Run("the expired one", func(t *testing.T) {
		li := item(old)
		assert.Contains(t, li, "Firefox on Windows")
		assert.Contains(t, li, "Expired on Apr 13, 2026")
		assert.Contains(t, li, `<span class="badge text-bg-warning">Expired</span>`)
		assert.NotContains(t, li, "This device")
		assert.NotContains(t, li, "/revoke", "nothing to revoke")
		assert.Contains(t, li, "/rename")
	})
	t.Run("the revoked one", func(t *testing.T) {
		li := item(revoked)
		assert.Contains(t, li, "Safari on iOS")
		assert.Contains(t, li, "Revoked on Apr 15, 2026")
		assert.Contains(t, li, `<span class="badge text-bg-secondary">Revoked</span>`)
		assert.NotContains(t, li, "/revoke")
	})
	t.Run("most recently used first, and only alice's", func(t *testing.T) {
		assert.Less(t, strings.Index(body, hs.svc.DeviceID(current)), strings.Index(body, hs.svc.DeviceID(old)))
		assert.NotContains(t, body, hs.svc.DeviceID(bobs))
		assert.NotContains(t, body, "192.0.2.200")
		assert.Equal(t, 3, strings.Count(body, `class="list-group-item portalmfa-device`))
		assert.Equal(t, 2, strings.Count(body, `portalmfa-device portalmfa-inactive"`), "the revoked and the expired, greyed")
	})
	t.Run("revoke all while one is active", func(t *testing.T) {
		assert.Contains(t, body, `<form method="post" action="/my/security/devices/revoke-all">`)
	})
	t.Run("no token, no mark", func(t *testing.T) {
		for _, opt := range []reqOption{nil, withDevice(bobs), withDevice("garbage")} {
			opts := []reqOption{as("alice")}
			if opt != nil {
				opts = append(opts, opt)
			}
			w := hs.do(http.MethodGet, "/my/security/", nil, opts...)
			assert.NotContains(t, w.Body.String(), "portalmfa-this-device")
		}
	})
	t.Run("dates in the user's language", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withDevice(current), withHeader("Accept-Language", "de"))
		b := w.Body.String()
		assert.Contains(t, b, "Zuletzt verwendet am 03.04.2026")
		assert.Contains(t, b, "Vertrauenswürdig bis 03.05.2026")
		assert.Contains(t, b, "Dieses Gerät")
	})
	t.Run("empty state", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("dora"))
		b := w.Body.String()
		assert.Contains(t, b, "Vertrauenswürdige Geräte")
		assert.Contains(t, b, "Sie haben keine vertrauenswürdigen Geräte.")
		assert.NotContains(t, b, "portalmfa-device\"")
		assert.NotContains(t, b, "/devices/revoke-all")
	})
}

func TestRevokeDevice(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	hs.enroll("bob")
	a1 := hs.trust("alice", "192.0.2.1", firefoxUA)
	a2 := hs.trust("alice", "192.0.2.2", chromeUA)
	b1 := hs.trust("bob", "192.0.2.3", firefoxUA)
	active := func(user, token string) bool {
		return hs.device(user, hs.svc.DeviceID(token)).StatusAt(hs.clock.Now()) == devices.Active
	}

	t.Run("another user's device: 404, nothing revoked", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/devices/"+hs.svc.DeviceID(b1)+"/revoke", form(), as("alice"))
		require.Equal(t, http.StatusNotFound, w.Code)
		assert.Contains(t, w.Body.String(), "That device isn")
		assertSafePage(t, w)
		assert.True(t, active("bob", b1))
		assert.True(t, active("alice", a1))
		assert.True(t, active("alice", a2))
	})
	t.Run("an unknown ID: 404", func(t *testing.T) {
		for _, id := range []string{"nope", strings.Repeat("0", 24), "%3Cscript%3E"} {
			w := hs.do(http.MethodPost, "/my/security/devices/"+id+"/revoke", form(), as("alice"))
			assert.Equal(t, http.StatusNotFound, w.Code, id)
			assert.NotContains(t, w.Body.String(), "<script>")
		}
	})
	t.Run("another device of one's own", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/devices/"+hs.svc.DeviceID(a2)+"/revoke", form(), as("alice"), withDevice(a1))
		require.Equal(t, http.StatusSeeOther, w.Code)
		id := hs.svc.DeviceID(a2)
		// Back to the device, with the message beside it: on a phone the
		// top of the page is far from it.
		assert.Equal(t, "/my/security/?device="+id+"&done=device-revoked#portalmfa-device-"+id, w.Header().Get("Location"))
		assert.Nil(t, cookieNamed(w, plainDeviceCookie), "this browser's cookie is another device's: kept")
		assert.False(t, active("alice", a2))
		assert.True(t, active("alice", a1))
		assert.True(t, active("bob", b1))

		w = hs.do(http.MethodGet, "/my/security/?device="+id+"&done=device-revoked", nil, as("alice"))
		row := itemOf(t, w.Body.String(), "portalmfa-device-"+id)
		assert.Contains(t, row, `<li class="list-group-item portalmfa-device portalmfa-inactive"`, "greyed while it stays listed")
		assert.Contains(t, row, `<div class="alert alert-success mt-3 mb-0" id="portalmfa-device-`+id+`-message" role="status">The device is no longer trusted.`)
		w = hs.do(http.MethodGet, "/my/security/?done=device-revoked", nil, as("alice"))
		assert.Contains(t, w.Body.String(), `id="portalmfa-devices-message" role="status">The device is no longer trusted.`, "without a device, in the card")
		_, err := hs.startChallenge("alice", withDevice(a2))
		require.NoError(t, err)
		assert.Len(t, hs.passedUsers(), 0, "the revoked device opens nothing")
	})
	t.Run("this device: its cookie goes too", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/devices/"+hs.svc.DeviceID(a1)+"/revoke", form(), as("alice"), withDevice(a1))
		require.Equal(t, http.StatusSeeOther, w.Code)
		c := cookieNamed(w, plainDeviceCookie)
		require.NotNil(t, c)
		assert.Negative(t, c.MaxAge)
		assert.False(t, active("alice", a1))
	})
	t.Run("revoking twice is fine", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/devices/"+hs.svc.DeviceID(a1)+"/revoke", form(), as("alice"))
		assert.Equal(t, http.StatusSeeOther, w.Code)
	})
	t.Run("a crafted flash with nothing revoked says nothing", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/?done=device-revoked", nil, as("dora"))
		assert.NotContains(t, w.Body.String(), "alert-success")
	})
}

func TestRevokeAllDevices(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	a1 := hs.trust("alice", "192.0.2.1", firefoxUA)
	a2 := hs.trust("alice", "192.0.2.2", chromeUA)
	b1 := hs.trust("bob", "192.0.2.3", firefoxUA)

	t.Run("a crafted flash while devices are active says nothing", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/?done=devices-revoked", nil, as("alice"))
		assert.NotContains(t, w.Body.String(), "alert-success")
	})
	w := hs.do(http.MethodPost, "/my/security/devices/revoke-all", form(), as("alice"), withDevice(a1))
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/my/security/?done=devices-revoked#portalmfa-devices", w.Header().Get("Location"))
	c := cookieNamed(w, plainDeviceCookie)
	require.NotNil(t, c)
	assert.Negative(t, c.MaxAge)
	for _, tok := range []string{a1, a2} {
		assert.Equal(t, devices.Revoked, hs.device("alice", hs.svc.DeviceID(tok)).StatusAt(hs.clock.Now()))
	}
	assert.Equal(t, devices.Active, hs.device("bob", hs.svc.DeviceID(b1)).StatusAt(hs.clock.Now()), "bob's stay")

	w = hs.do(http.MethodGet, "/my/security/?done=devices-revoked", nil, as("alice"))
	body := w.Body.String()
	assert.Contains(t, body, "No device is trusted any more.")
	assert.NotContains(t, body, "/devices/revoke-all", "nothing left to revoke")
	assert.Equal(t, 2, strings.Count(body, `<span class="badge text-bg-secondary">Revoked</span>`))

	for _, tok := range []string{a1, a2} {
		w, err := hs.startChallenge("alice", withDevice(tok))
		require.NoError(t, err)
		assert.Equal(t, "/login/2fa/", w.Header().Get("Location"))
	}
	assert.Empty(t, hs.passedUsers())
}

func TestRenameDevice(t *testing.T) {
	hs := newHost(t)
	a := hs.trust("alice", "192.0.2.1", firefoxUA)
	b := hs.trust("bob", "192.0.2.3", firefoxUA)
	id := hs.svc.DeviceID(a)
	path := "/my/security/devices/" + id + "/rename"
	name := func() string { return hs.device("alice", id).Name }
	long := strings.Repeat("é", devices.MaxNameLength)

	accepted := []struct{ name, in, want string }{
		{"plain", "Work laptop", "Work laptop"},
		{"spaces tidied", "  Home\t PC  ", "Home PC"},
		{"controls dropped", "My\x00 phone\x07", "My phone"},
		{"bidi override dropped", "abc\u202edef", "abcdef"},
		{"64 characters", long, long},
		{"markup kept as text", `<b>mine</b>`, `<b>mine</b>`},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(http.MethodPost, path, form("name", tc.in), as("alice"))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/?device="+id+"&done=device-renamed#portalmfa-device-"+id, w.Header().Get("Location"))
			assert.Equal(t, tc.want, name())
		})
	}
	t.Run("the new name is shown, escaped", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/?done=device-renamed", nil, as("alice"))
		body := w.Body.String()
		assert.Contains(t, body, "The device was renamed.")
		assert.Contains(t, body, "&lt;b&gt;mine&lt;/b&gt;")
		assert.NotContains(t, body, "<b>mine</b>")
	})

	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, path, form("name", "Laptop"), as("alice")).Code)
	refused := []struct{ name, in string }{
		{"empty", ""},
		{"blank", " \t "},
		{"only controls", "\x00\x01\x7f"},
		{"65 characters", long + "x"},
		{"1000 characters", strings.Repeat("a", 1000)},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(http.MethodPost, path, form("name", tc.in), as("alice"))
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			body := w.Body.String()
			assert.Contains(t, body, "A device name needs 1 to 64 characters.")
			assert.Contains(t, body, `<details class="portalmfa-rename" open>`)
			assert.Contains(t, body, `portalmfa-device-name is-invalid" id="portalmfa-name-`+id+`"`)
			// The message is the field's description, beside it.
			assert.Contains(t, body, `aria-invalid="true" aria-describedby="portalmfa-device-`+id+`-message"`)
			assert.Contains(t, itemOf(t, body, "portalmfa-device-"+id), `id="portalmfa-device-`+id+`-message" role="alert">A device name needs 1 to 64 characters.`)
			assertSafePage(t, w)
			assert.Equal(t, "Laptop", name(), "unchanged")
		})
	}
	t.Run("no name field at all", func(t *testing.T) {
		w := hs.do(http.MethodPost, path, form(), as("alice"))
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	})
	t.Run("another user's device: 404, unchanged", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/devices/"+hs.svc.DeviceID(b)+"/rename", form("name", "mine now"), as("alice"))
		require.Equal(t, http.StatusNotFound, w.Code)
		assert.Contains(t, w.Body.String(), "That device isn")
		assert.Equal(t, "Firefox on Windows", hs.device("bob", hs.svc.DeviceID(b)).Name)
	})
	t.Run("in the user's language", func(t *testing.T) {
		alice := hs.users["alice"]
		hs.users["alice"] = portalmfa.User{ID: "alice", Language: "fr"}
		defer func() { hs.users["alice"] = alice }()
		w := hs.do(http.MethodPost, path, form("name", ""), as("alice"))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), "Le nom d&#39;un appareil doit comporter de 1 à 64 caractères.")
	})
}

// attemptLine finds the IP of each listed attempt, in page order.
var attemptIP = regexp.MustCompile(`<span class="text-nowrap">(198\.51\.100\.\d+)</span>`)

func TestLoginHistory(t *testing.T) {
	hs := newHost(t)
	secret, codes := hs.enrollWithCodes("alice")
	ctx := context.Background()
	client := func(i int) portalmfa.Client {
		return portalmfa.Client{IP: fmt.Sprintf("198.51.100.%d", i), UserAgent: firefoxUA}
	}
	// Twelve attempts, a minute apart: 1–9 right codes, then a wrong one, a
	// replay and a backup code.
	var last string
	for i := 1; i <= 9; i++ {
		hs.clock.Add(totp.Period)
		last = totp.Code(secret, hs.clock.Now())
		require.NoError(t, hs.svc.VerifyTOTP(ctx, "alice", last, client(i)))
	}
	require.ErrorIs(t, hs.svc.VerifyTOTP(ctx, "alice", wrongCode(secret, hs.clock.Now()), client(10)), portalmfa.ErrInvalidCode)
	require.ErrorIs(t, hs.svc.VerifyTOTP(ctx, "alice", last, client(11)), portalmfa.ErrReplayed)
	hs.clock.Add(time.Minute)
	_, err := hs.svc.VerifyBackupCode(ctx, "alice", codes[0], client(12))
	require.NoError(t, err)
	// Another user's attempts never show.
	require.ErrorIs(t, hs.svc.VerifyTOTP(ctx, "bob", "123456", portalmfa.Client{IP: "198.51.100.99"}), portalmfa.ErrNotEnrolled)

	w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assertSafePage(t, w)

	t.Run("newest first, at most 10", func(t *testing.T) {
		var ips []string
		for _, m := range attemptIP.FindAllStringSubmatch(body, -1) {
			ips = append(ips, m[1])
		}
		want := []string{"198.51.100.12", "198.51.100.11", "198.51.100.10", "198.51.100.9", "198.51.100.8",
			"198.51.100.7", "198.51.100.6", "198.51.100.5", "198.51.100.4", "198.51.100.3"}
		assert.Equal(t, want, ips)
		assert.Equal(t, 10, strings.Count(body, `class="list-group-item portalmfa-attempt`))
	})
	entries := regexp.MustCompile(`(?s)<li class="list-group-item portalmfa-attempt[^"]*"[^>]*>.*?</li>`).FindAllString(body, -1)
	require.Len(t, entries, 10)
	t.Run("a backup code that succeeded", func(t *testing.T) {
		e := entries[0]
		assert.Contains(t, e, `<li class="list-group-item portalmfa-attempt" id=`)
		assert.Contains(t, e, "<strong>Backup code</strong>")
		assert.Contains(t, e, `<span class="badge text-bg-success">Succeeded</span>`)
		assert.Contains(t, e, "Firefox on Windows")
		assert.Regexp(t, `<time datetime="2026-03-14T09:3\d:\d\dZ">Mar 14, 2026, 9:3\d AM UTC</time>`, e)
	})
	t.Run("failures stand out, with the reason", func(t *testing.T) {
		for i, reason := range map[int]string{1: "code already used", 2: "wrong code"} {
			e := entries[i]
			assert.Contains(t, e, `<li class="list-group-item portalmfa-attempt portalmfa-failed" id=`)
			assert.Contains(t, e, `<p class="mb-1 text-danger"><strong>Authenticator app</strong>`)
			assert.Contains(t, e, `<span class="badge text-bg-danger">Failed</span> <span class="small">`+reason+`</span>`)
		}
		assert.Equal(t, 2, strings.Count(body, "portalmfa-failed"))
	})
	t.Run("each links to this-wasn't-me", func(t *testing.T) {
		es, err := hs.svc.LoginHistory(ctx, "alice")
		require.NoError(t, err)
		for i, e := range es {
			assert.Contains(t, entries[i], `<a class="btn btn-link btn-sm text-nowrap" href="/my/security/history/`+e.ID+`/not-me">`)
		}
		assert.Equal(t, 10, strings.Count(body, "This wasn&#39;t me"))
	})
	t.Run("in French", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withHeader("Accept-Language", "fr"))
		b := w.Body.String()
		assert.Contains(t, b, "Activité de connexion récente")
		assert.Contains(t, b, "<strong>Code de secours</strong>")
		assert.Contains(t, b, `<span class="badge text-bg-danger">Échouée</span> <span class="small">code incorrect</span>`)
		assert.Regexp(t, `>14/03/2026 à 09:3\d UTC</time>`, b)
	})
	t.Run("a trusted device and a lockout", func(t *testing.T) {
		hs.clock.Add(time.Minute)
		tok := hs.trust("alice", "198.51.100.13", firefoxUA)
		_, err := hs.startChallenge("alice", withDevice(tok))
		require.NoError(t, err)
		wrong := wrongCode(secret, hs.clock.Now())
		for range 4 { // the threshold is 3: the fourth is refused unevaluated
			hs.clock.Add(time.Second)
			_ = hs.svc.VerifyTOTP(ctx, "alice", wrong, client(14))
		}
		w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
		b := w.Body.String()
		assert.Contains(t, b, "<strong>Trusted device</strong>")
		assert.Contains(t, b, `<span class="small">locked out after too many attempts</span>`)
	})
	t.Run("empty state", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("dora"))
		assert.Contains(t, w.Body.String(), "Noch keine Anmeldungen.")
	})
}

func TestNotMe(t *testing.T) {
	var ended []string // the users whose other sessions the host was asked to end
	hs := newHost(t, func(c *httpx.Config) {
		c.ChangePasswordURL = "/account/password?from=mfa"
		c.EndOtherSessions = func(_ *http.Request, userID string) { ended = append(ended, userID) }
	})
	secret := hs.enroll("alice")
	hs.enroll("bob")
	ctx := context.Background()
	a1 := hs.trust("alice", "192.0.2.1", firefoxUA)
	a2 := hs.trust("alice", "192.0.2.2", chromeUA)
	b1 := hs.trust("bob", "192.0.2.3", firefoxUA)
	require.ErrorIs(t, hs.svc.VerifyTOTP(ctx, "alice", wrongCode(secret, hs.clock.Now()), portalmfa.Client{IP: "203.0.113.66"}), portalmfa.ErrInvalidCode)
	require.ErrorIs(t, hs.svc.VerifyTOTP(ctx, "bob", "000000", portalmfa.Client{}), portalmfa.ErrInvalidCode)
	aliceEvents, err := hs.svc.LoginHistory(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, aliceEvents, 1)
	bobEvents, err := hs.svc.LoginHistory(ctx, "bob")
	require.NoError(t, err)
	require.Len(t, bobEvents, 1)
	allActive := func(t *testing.T) {
		t.Helper()
		for user, tok := range map[string]string{"alice": a1, "bob": b1} {
			assert.Equal(t, devices.Active, hs.device(user, hs.svc.DeviceID(tok)).StatusAt(hs.clock.Now()), user)
		}
	}

	t.Run("another user's entry: 404, nothing revoked", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/history/"+bobEvents[0].ID+"/not-me", form(), as("alice"))
		require.Equal(t, http.StatusNotFound, w.Code)
		assert.Contains(t, w.Body.String(), "That entry isn")
		assertSafePage(t, w)
		allActive(t)
	})
	t.Run("an unknown entry: 404", func(t *testing.T) {
		for _, id := range []string{"0", "999999", "x", strings.Repeat("9", 200)} {
			w := hs.do(http.MethodPost, "/my/security/history/"+id+"/not-me", form(), as("alice"))
			assert.Equal(t, http.StatusNotFound, w.Code, id)
		}
		allActive(t)
	})
	t.Run("a crafted flash while devices are active says nothing", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/?done=not-me", nil, as("alice"))
		assert.NotContains(t, w.Body.String(), "alert-warning")
	})
	t.Run("a confirmation first, saying what will happen", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/history/"+aliceEvents[0].ID+"/not-me", nil, as("alice"))
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, "Report a sign-in that wasn&#39;t you")
		assert.Contains(t, body, "203.0.113.66")
		assert.Contains(t, body, "We stop trusting all your devices")
		assert.Contains(t, body, "We sign you out everywhere except on this device.", "the host ends sessions")
		assert.Contains(t, body, `<form class="mt-3" method="post" action="/my/security/history/`+aliceEvents[0].ID+`/not-me">`)
		assertSafePage(t, w)
		allActive(t)
		w = hs.do(http.MethodGet, "/my/security/history/"+bobEvents[0].ID+"/not-me", nil, as("alice"))
		assert.Equal(t, http.StatusNotFound, w.Code, "another user's entry")
	})
	t.Run("one's own entry: every device revoked, the flash", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/history/"+aliceEvents[0].ID+"/not-me", form(), as("alice"), withDevice(a1))
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/?done=not-me#portalmfa-history", w.Header().Get("Location"))
		c := cookieNamed(w, plainDeviceCookie)
		require.NotNil(t, c)
		assert.Negative(t, c.MaxAge)
		for _, tok := range []string{a1, a2} {
			assert.Equal(t, devices.Revoked, hs.device("alice", hs.svc.DeviceID(tok)).StatusAt(hs.clock.Now()))
		}
		assert.Equal(t, []string{"alice"}, ended, "the host ends alice's other sessions, no one else's")
		assert.Equal(t, devices.Active, hs.device("bob", hs.svc.DeviceID(b1)).StatusAt(hs.clock.Now()), "bob's stay")

		w = hs.do(http.MethodGet, "/my/security/?done=not-me", nil, as("alice"))
		body := w.Body.String()
		assert.Contains(t, body, `<div class="alert alert-warning mt-3 mb-0" id="portalmfa-history-message" role="status">Reported. We stopped trusting all your devices and signed you out everywhere except here.`)
		// The entry is marked, and offers no second report.
		assert.Contains(t, body, `<span class="badge text-bg-warning">Reported</span>`)
		assert.NotContains(t, body, `/history/`+aliceEvents[0].ID+`/not-me"`)
		assert.Contains(t, body, `<a class="alert-link" href="/account/password?from=mfa">Change your password</a>`)
		assertSafePage(t, w)

		evs, err := hs.svc.SecurityEvents(ctx, "alice")
		require.NoError(t, err)
		require.NotEmpty(t, evs)
		assert.Equal(t, "not-me", string(evs[0].Kind))
	})
	t.Run("without a ChangePasswordURL, no link", func(t *testing.T) {
		hs2 := newHost(t)
		hs2.enroll("alice")
		hs2.trust("alice", "192.0.2.1", firefoxUA)
		require.ErrorIs(t, hs2.svc.VerifyTOTP(ctx, "alice", "000000", portalmfa.Client{}), portalmfa.ErrInvalidCode)
		es, err := hs2.svc.LoginHistory(ctx, "alice")
		require.NoError(t, err)
		require.Equal(t, http.StatusSeeOther, hs2.do(http.MethodPost, "/my/security/history/"+es[0].ID+"/not-me", form(), as("alice")).Code)
		w := hs2.do(http.MethodGet, "/my/security/?done=not-me", nil, as("alice"), withHeader("Accept-Language", "it"))
		body := w.Body.String()
		assert.Contains(t, body, "Segnalato. Non consideriamo più attendibili i tuoi dispositivi: ognuno", "without EndOtherSessions, no word of sessions")
		assert.NotContains(t, body, "alert-link")
	})
}

// Every new form refuses what every form of ours refuses, and changes
// nothing when it does.
func TestDeviceFormsRefuse(t *testing.T) {
	type route struct {
		name string
		path func(device, event string) string
		form url.Values
	}
	routes := []route{
		{"rename", func(d, _ string) string { return "/my/security/devices/" + d + "/rename" }, form("name", "Stolen")},
		{"revoke", func(d, _ string) string { return "/my/security/devices/" + d + "/revoke" }, form()},
		{"revoke all", func(string, string) string { return "/my/security/devices/revoke-all" }, form()},
		{"not me", func(_, e string) string { return "/my/security/history/" + e + "/not-me" }, form()},
	}
	cases := []struct {
		name     string
		method   string
		raw      string
		opts     []reqOption
		noUser   bool
		wantCode int
		wantText string
	}{
		{name: "cross-site fetch", opts: []reqOption{withHeader("Sec-Fetch-Site", "cross-site")}, wantCode: http.StatusForbidden, wantText: "another website"},
		{name: "foreign origin", opts: []reqOption{withHeader("Origin", "https://evil.example")}, wantCode: http.StatusForbidden, wantText: "another website"},
		{name: "same-site subdomain", opts: []reqOption{withHeader("Sec-Fetch-Site", "same-site")}, wantCode: http.StatusForbidden},
		{name: "signed out", noUser: true, wantCode: http.StatusForbidden, wantText: "not signed in"},
		{name: "10 kB body", raw: "name=" + strings.Repeat("A", 10<<10), wantCode: http.StatusRequestEntityTooLarge, wantText: "too large"},
		{name: "bad form encoding", raw: "%zz", wantCode: http.StatusBadRequest},
		{name: "GET", method: http.MethodGet, wantCode: http.StatusMethodNotAllowed},
		{name: "PUT", method: http.MethodPut, wantCode: http.StatusMethodNotAllowed},
		{name: "DELETE", method: http.MethodDelete, wantCode: http.StatusMethodNotAllowed},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					hs := newHost(t)
					secret := hs.enroll("alice")
					tok := hs.trust("alice", "192.0.2.1", firefoxUA)
					require.ErrorIs(t, hs.svc.VerifyTOTP(context.Background(), "alice", wrongCode(secret, hs.clock.Now()), portalmfa.Client{}), portalmfa.ErrInvalidCode)
					es, err := hs.svc.LoginHistory(context.Background(), "alice")
					require.NoError(t, err)
					path := rt.path(hs.svc.DeviceID(tok), es[0].ID)

					opts := append([]reqOption{withDevice(tok)}, tc.opts...)
					if !tc.noUser {
						opts = append(opts, as("alice"))
					}
					method := tc.method
					if method == "" {
						method = http.MethodPost
					}
					var w *httptest.ResponseRecorder
					switch {
					case tc.raw != "":
						w = hs.doRaw(method, path, tc.raw, opts...)
					case method == http.MethodPost:
						w = hs.do(method, path, rt.form, opts...)
					default:
						w = hs.do(method, path, nil, opts...)
					}
					want := tc.wantCode
					if rt.name == "not me" && method == http.MethodGet {
						want = http.StatusOK // its confirmation, which changes nothing
					}
					assert.Equal(t, want, w.Code)
					assert.Contains(t, w.Body.String(), tc.wantText)
					assert.Nil(t, cookieNamed(w, plainDeviceCookie), "the cookie stays")
					d := hs.device("alice", hs.svc.DeviceID(tok))
					assert.Equal(t, devices.Active, d.StatusAt(hs.clock.Now()), "still trusted")
					assert.Equal(t, "Firefox on Windows", d.Name, "not renamed")
					if w.Code != http.StatusMethodNotAllowed {
						assertSafePage(t, w)
					}
				})
			}
		})
	}
}

// A store that fails: the overview and the device forms answer 503,
// "try again later", and nothing is told as done.
func TestDevicesStoreDown(t *testing.T) {
	hs := newHost(t)
	secret := hs.enroll("alice")
	tok := hs.trust("alice", "192.0.2.1", firefoxUA)
	require.ErrorIs(t, hs.svc.VerifyTOTP(context.Background(), "alice", wrongCode(secret, hs.clock.Now()), portalmfa.Client{}), portalmfa.ErrInvalidCode)
	es, err := hs.svc.LoginHistory(context.Background(), "alice")
	require.NoError(t, err)
	id := hs.svc.DeviceID(tok)
	hs.store.down.Store(true)
	tests := []struct{ name, method, path string }{
		{"overview", http.MethodGet, "/my/security/"},
		{"rename", http.MethodPost, "/my/security/devices/" + id + "/rename"},
		{"revoke", http.MethodPost, "/my/security/devices/" + id + "/revoke"},
		{"revoke all", http.MethodPost, "/my/security/devices/revoke-all"},
		{"not me", http.MethodPost, "/my/security/history/" + es[0].ID + "/not-me"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f url.Values
			if tc.method == http.MethodPost {
				f = form("name", "New name")
			}
			w := hs.do(tc.method, tc.path, f, as("alice"), withDevice(tok))
			require.Equal(t, http.StatusServiceUnavailable, w.Code)
			assert.Contains(t, w.Body.String(), "Something went wrong on our side")
			assert.NotContains(t, w.Body.String(), errDown.Error())
			assert.Nil(t, cookieNamed(w, plainDeviceCookie))
		})
	}
	t.Run("the overview with the devices down alone", func(t *testing.T) {
		// Status reads TOTP and codes; the list fails on its own.
		hs.store.down.Store(false)
		hs.store.devicesDown.Store(true)
		defer hs.store.devicesDown.Store(false)
		w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	})
	t.Run("a trusted browser that fails to be remembered still signs in", func(t *testing.T) {
		hs.store.down.Store(false)
		hs.store.devicesDown.Store(true)
		defer hs.store.devicesDown.Store(false)
		hs.clock.Add(totp.Period)
		w := hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now()), "trust", "1"), withCookie(hs.pending("alice")))
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, []string{"alice"}, hs.passedUsers())
		assert.Nil(t, cookieNamed(w, plainDeviceCookie), "no device, no cookie")
		assert.Contains(t, hs.logs.String(), "trusting a device")
	})
}

// Behind a proxy that ends TLS the request is plain http, and Config.HTTPS
// tells the handler the browser's side is HTTPS: both cookies are Secure
// and the device cookie takes its __Host- name.
func TestHTTPSBehindProxy(t *testing.T) {
	hs := newHost(t, func(c *httpx.Config) {
		c.HTTPS = func(r *http.Request) bool { return r.Header.Get("X-Forwarded-Proto") == "https" }
	})
	secret, _ := hs.enrollWithCodes("alice")
	proxied := withHeader("X-Forwarded-Proto", "https")

	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	require.NoError(t, hs.h.StartChallenge(w, r, "alice"))
	pending := cookieNamed(w, "portalmfa_pending")
	require.NotNil(t, pending)
	assert.True(t, pending.Secure)

	hs.clock.Add(totp.Period)
	w = hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now()), "trust", "1"),
		withCookie(pending), proxied)
	c := cookieNamed(w, secureDeviceCookie)
	require.NotNil(t, c, "the __Host- device cookie")
	assert.True(t, c.Secure)
	assert.Nil(t, cookieNamed(w, plainDeviceCookie))
}

// itemOf returns the <li> of body whose id is id.
func itemOf(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	require.GreaterOrEqual(t, start, 0, "no element %s", id)
	start = strings.LastIndex(body[:start], "<li")
	end := strings.Index(body[start:], "</li>")
	require.GreaterOrEqual(t, end, 0)
	return body[start : start+end]
}

// The sign-in of the browser looking at the page is marked as such, and
// not offered for "this wasn't me": the user would be reporting themselves.
func TestHistoryMarksThisSignIn(t *testing.T) {
	hs := newHost(t)
	secret := hs.enroll("alice")
	ctx := context.Background()
	hs.clock.Add(totp.Period)
	require.NoError(t, hs.svc.VerifyTOTP(ctx, "alice", totp.Code(secret, hs.clock.Now()), portalmfa.Client{IP: "198.51.100.1"}))
	hs.clock.Add(totp.Period)
	w := hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now())), withCookie(hs.pending("alice")))
	require.Equal(t, http.StatusSeeOther, w.Code)
	mark := cookieNamed(w, "portalmfa_signin")
	require.NotNil(t, mark)
	assert.Equal(t, "/my/security", mark.Path)
	assert.True(t, mark.HttpOnly)
	es, err := hs.svc.LoginHistory(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, es[0].ID, mark.Value, "the newest success: this one")

	body := hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withCookie(mark)).Body.String()
	mine := itemOf(t, body, "portalmfa-attempt-"+es[0].ID)
	assert.Contains(t, mine, `<span class="badge text-bg-primary">This sign-in</span>`)
	assert.NotContains(t, mine, "not-me")
	assert.Contains(t, itemOf(t, body, "portalmfa-attempt-"+es[1].ID), `/history/`+es[1].ID+`/not-me"`, "the earlier one is offered")

	body = hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String()
	assert.Contains(t, itemOf(t, body, "portalmfa-attempt-"+es[0].ID), "not-me", "another browser is offered it")
}
