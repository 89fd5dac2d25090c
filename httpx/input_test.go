package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/totp"
)

// Every POST handler against bad input: each case gets a fresh portal
// (so lockouts of one case cannot leak into the next), the right
// session or pending cookie, and must never let anyone through.
func TestBadInput(t *testing.T) {
	type endpoint struct {
		name, path, field string
		fixed             []string // other fields of the form, name then value
		// prepare enrolls users as the route needs and returns the options
		// (session, pending cookie) a legitimate request would carry.
		prepare func(hs *host) []reqOption
	}
	endpoints := []endpoint{
		{"confirm", "/my/security/totp/confirm", "code", nil, func(hs *host) []reqOption {
			require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
			return []reqOption{hs.sudo("bob")}
		}},
		{"challenge", "/login/2fa/", "code", nil, func(hs *host) []reqOption {
			hs.enroll("bob")
			return []reqOption{withCookie(hs.pending("bob"))}
		}},
		{"verify password", "/my/security/verify", "password", []string{"method", "password", "next", "/totp/disable"}, func(hs *host) []reqOption {
			hs.enroll("bob")
			return []reqOption{as("bob")}
		}},
		{"verify code", "/my/security/verify", "code", []string{"method", "code", "next", "/backup-codes/regenerate"}, func(hs *host) []reqOption {
			hs.enroll("bob")
			return []reqOption{as("bob")}
		}},
		{"passkey challenge", "/login/2fa/passkey", "response", nil, func(hs *host) []reqOption {
			hs.enroll("bob")
			return []reqOption{withCookie(hs.pending("bob"))}
		}},
		{"backup challenge", "/login/2fa/backup", "code", nil, func(hs *host) []reqOption {
			hs.enroll("bob")
			return []reqOption{withCookie(hs.pending("bob"))}
		}},
	}
	cases := []struct {
		name     string
		method   string
		value    string // the field's value; ignored when body is set
		body     string
		extra    []reqOption
		wantCode int
		wantText string
	}{
		{name: "empty", value: "", wantCode: http.StatusUnprocessableEntity},
		{name: "7 digits", value: "1234567", wantCode: http.StatusUnprocessableEntity},
		{name: "letters", value: "abcdef", wantCode: http.StatusUnprocessableEntity},
		{name: "markup", value: `<script>alert(1)</script>`, wantCode: http.StatusUnprocessableEntity},
		{name: "40 kB body", body: strings.Repeat("1", 40<<10), wantCode: http.StatusRequestEntityTooLarge, wantText: "too large"},
		{name: "bad form encoding", body: "%zz", wantCode: http.StatusBadRequest},
		{name: "PUT", method: http.MethodPut, value: "123456", wantCode: http.StatusMethodNotAllowed},
		{name: "DELETE", method: http.MethodDelete, wantCode: http.StatusMethodNotAllowed},
		{name: "cross-site fetch", value: "123456", extra: []reqOption{withHeader("Sec-Fetch-Site", "cross-site")},
			wantCode: http.StatusForbidden, wantText: "another website"},
		{name: "foreign origin", value: "123456", extra: []reqOption{withHeader("Origin", "https://evil.example")},
			wantCode: http.StatusForbidden, wantText: "another website"},
		{name: "same-site subdomain", value: "123456", extra: []reqOption{withHeader("Sec-Fetch-Site", "same-site")},
			wantCode: http.StatusForbidden},
	}
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					hs := newHost(t)
					opts := append(ep.prepare(hs), tc.extra...)
					method := tc.method
					if method == "" {
						method = http.MethodPost
					}
					var f url.Values
					if tc.body == "" {
						f = form(append([]string{ep.field, tc.value}, ep.fixed...)...)
					}
					var w *httptest.ResponseRecorder
					if tc.body != "" {
						w = hs.doRaw(method, ep.path, tc.body, opts...)
					} else {
						w = hs.do(method, ep.path, f, opts...)
					}
					assert.Equal(t, tc.wantCode, w.Code)
					assert.Contains(t, w.Body.String(), tc.wantText)
					assert.NotContains(t, w.Body.String(), "<script>alert")
					assert.Empty(t, hs.passedUsers(), "nobody passes")
				})
			}
		})
	}
}

// doRaw serves a request with body sent as is, as a form.
func (hs *host) doRaw(method, target, body string, opts ...reqOption) *httptest.ResponseRecorder {
	hs.t.Helper()
	r := httptest.NewRequest(method, "http://portal.example"+target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, o := range opts {
		o(r)
	}
	w := httptest.NewRecorder()
	hs.mux.ServeHTTP(w, r)
	return w
}

// The pending-login state at the challenge: anything but a valid state
// for the user whose code it is goes nowhere.
func TestChallengeState(t *testing.T) {
	hs := newHost(t)
	aliceSecret := hs.enroll("alice")
	hs.enroll("bob")
	code := func() string { return totp.Code(aliceSecret, hs.clock.Now()) }

	forged := func() *http.Cookie {
		c := hs.pending("alice")
		b := []byte(c.Value)
		i := len(b) - 5 // in the signature
		b[i] ^= 0x01
		if b[i] == '.' || b[i] == c.Value[i] {
			b[i] = 'A'
		}
		c.Value = string(b)
		return c
	}
	otherUser := func() *http.Cookie {
		// bob's state carries his ID into the signed payload: swapping in
		// alice's ID breaks the signature.
		c := hs.pending("bob")
		c.Value = strings.Replace(c.Value, ".", "x.", 1)
		return c
	}

	tests := []struct {
		name     string
		cookie   func() *http.Cookie // nil: no cookie
		advance  time.Duration
		wantLoc  string
		wantCode int
	}{
		{"no cookie", nil, 0, "/login", http.StatusSeeOther},
		{"empty cookie", func() *http.Cookie { return &http.Cookie{Name: "portalmfa_pending", Value: ""} }, 0, "/login", http.StatusSeeOther},
		{"garbage", func() *http.Cookie { return &http.Cookie{Name: "portalmfa_pending", Value: "not-a-state"} }, 0, "/login", http.StatusSeeOther},
		{"forged byte", forged, 0, "/login", http.StatusSeeOther},
		{"tampered payload", otherUser, 0, "/login", http.StatusSeeOther},
		{"expired", func() *http.Cookie { return hs.pending("alice") }, 5*time.Minute + time.Second, "/login?reason=expired", http.StatusSeeOther},
		{"bob's state with alice's code", func() *http.Cookie { return hs.pending("bob") }, 0, "", http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				var opts []reqOption
				if tc.cookie != nil {
					opts = append(opts, withCookie(tc.cookie()))
				}
				hs.clock.Add(tc.advance)
				defer hs.clock.Add(-tc.advance)
				var f url.Values
				if method == http.MethodPost {
					f = form("code", code())
				}
				w := hs.do(method, "/login/2fa/", f, opts...)
				if method == http.MethodGet && tc.wantCode != http.StatusSeeOther {
					assert.Equal(t, http.StatusOK, w.Code) // a valid state shows the form
					return
				}
				assert.Equal(t, tc.wantCode, w.Code)
				assert.Equal(t, tc.wantLoc, w.Header().Get("Location"))
				assert.Empty(t, hs.passedUsers())
				if tc.name == "expired" && method == http.MethodPost {
					h, err := hs.svc.LoginHistory(context.Background(), "alice")
					require.NoError(t, err)
					require.NotEmpty(t, h)
					assert.Equal(t, history.ExpiredState, h[0].Reason, "a code that came too late is in the history")
				}
			})
		}
	}
}

// Only a full host session opens the security page; the pending-login
// cookie is no session.
func TestSecurityNeedsSession(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	pending := hs.pending("alice")
	deviceID := hs.svc.DeviceID(hs.trust("alice", "192.0.2.1", firefoxUA))
	tests := []struct {
		name, method, path string
		wantCode           int
		wantLoc            string
	}{
		{"overview", http.MethodGet, "/my/security/", http.StatusSeeOther, "/login"},
		{"setup", http.MethodGet, "/my/security/totp/setup", http.StatusSeeOther, "/login"},
		{"qr", http.MethodGet, "/my/security/totp/qr.png", http.StatusSeeOther, "/login"},
		{"disable form", http.MethodGet, "/my/security/totp/disable", http.StatusSeeOther, "/login"},
		{"verify form", http.MethodGet, "/my/security/verify", http.StatusSeeOther, "/login"},
		{"add passkey form", http.MethodGet, "/my/security/passkeys/add", http.StatusSeeOther, "/login"},
		{"delete passkey form", http.MethodGet, "/my/security/passkeys/AAAA/delete", http.StatusSeeOther, "/login"},
		{"confirm form", http.MethodGet, "/my/security/totp/confirm", http.StatusSeeOther, "/login"},
		{"regenerate form", http.MethodGet, "/my/security/backup-codes/regenerate", http.StatusSeeOther, "/login"},
		{"begin", http.MethodPost, "/my/security/totp/begin", http.StatusForbidden, ""},
		{"codes", http.MethodPost, "/my/security/totp/codes", http.StatusForbidden, ""},
		{"confirm", http.MethodPost, "/my/security/totp/confirm", http.StatusForbidden, ""},
		{"download", http.MethodPost, "/my/security/backup-codes/download", http.StatusForbidden, ""},
		{"regenerate", http.MethodPost, "/my/security/backup-codes/regenerate", http.StatusForbidden, ""},
		{"disable", http.MethodPost, "/my/security/totp/disable", http.StatusForbidden, ""},
		{"verify", http.MethodPost, "/my/security/verify", http.StatusForbidden, ""},
		{"add passkey", http.MethodPost, "/my/security/passkeys/add", http.StatusForbidden, ""},
		{"rename passkey", http.MethodPost, "/my/security/passkeys/AAAA/rename", http.StatusForbidden, ""},
		{"delete passkey", http.MethodPost, "/my/security/passkeys/AAAA/delete", http.StatusForbidden, ""},
		{"rename device", http.MethodPost, "/my/security/devices/" + deviceID + "/rename", http.StatusForbidden, ""},
		{"revoke device", http.MethodPost, "/my/security/devices/" + deviceID + "/revoke", http.StatusForbidden, ""},
		{"revoke all devices", http.MethodPost, "/my/security/devices/revoke-all", http.StatusForbidden, ""},
		{"not me", http.MethodPost, "/my/security/history/1/not-me", http.StatusForbidden, ""},
	}
	for _, tc := range tests {
		for _, withPending := range []bool{false, true} {
			name := tc.name + "/no cookie"
			var opts []reqOption
			if withPending {
				name = tc.name + "/pending cookie only"
				opts = append(opts, withCookie(pending))
			}
			t.Run(name, func(t *testing.T) {
				var f url.Values
				if tc.method == http.MethodPost {
					f = form("password", "pw-alice", "code", "123456")
				}
				if tc.name == "download" {
					f = form("code", "ABCDE-FGHJK-LMNPQ")
				}
				w := hs.do(tc.method, tc.path, f, opts...)
				assert.Equal(t, tc.wantCode, w.Code)
				assert.Equal(t, tc.wantLoc, w.Header().Get("Location"))
				if tc.wantCode == http.StatusForbidden {
					assert.Contains(t, w.Body.String(), `href="/login"`)
				}
			})
		}
	}
	// And nothing changed.
	w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
	assert.Contains(t, w.Body.String(), "On since")
	assert.Contains(t, w.Body.String(), "10 codes left")
	assert.Contains(t, w.Body.String(), `<span class="badge text-bg-success">Active</span>`, "the device is still trusted")
	assert.Contains(t, w.Body.String(), "Firefox on Windows")
}

// After too many failures the challenge refuses even the right code, with
// 429 and the wait, without evaluating it.
func TestLockout(t *testing.T) {
	hs := newHost(t)
	secret := hs.enroll("alice")
	pending := hs.pending("alice")
	wrong := wrongCode(secret, hs.clock.Now())
	// Two tries left or fewer: the failure says so; the one that locks
	// says that, with the wait, and disables the form.
	for i, want := range []string{"2 tries left before sign-in is paused", "1 try left before sign-in is paused"} {
		w := hs.do(http.MethodPost, "/login/2fa/", form("code", wrong), withCookie(pending))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code, "attempt %d", i+1)
		assert.Contains(t, w.Body.String(), "That code isn&#39;t right")
		assert.Contains(t, w.Body.String(), want)
		assert.NotContains(t, w.Body.String(), "<fieldset disabled>")
	}
	w := hs.do(http.MethodPost, "/login/2fa/", form("code", wrong), withCookie(pending))
	require.Equal(t, http.StatusTooManyRequests, w.Code, "the third locks")
	assert.Contains(t, w.Body.String(), "Too many failed attempts. Try again in 1 minute.")
	assert.Contains(t, w.Body.String(), "<fieldset disabled>")
	w = hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(pending))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "Try again in 1 minute.", "said before a code is typed")
	assert.Contains(t, w.Body.String(), "<fieldset disabled>")
	hs.clock.Add(totp.Period)
	tests := []struct {
		name, code, lang, want string
	}{
		{"right code, en", totp.Code(secret, hs.clock.Now()), "en", "Try again in 1 minute."},
		{"wrong code, fr", wrong, "fr", "Réessayez dans 1 minute."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(http.MethodPost, "/login/2fa/", form("code", tc.code), withCookie(pending), withHeader("Accept-Language", tc.lang))
			require.Equal(t, http.StatusTooManyRequests, w.Code)
			assert.Contains(t, w.Body.String(), tc.want)
			assert.Equal(t, "30", w.Header().Get("Retry-After"))
			assert.Empty(t, hs.passedUsers())
		})
	}
	t.Run("the wait counts down in minutes", func(t *testing.T) {
		// Lock again for longer: the next lock doubles to 2 minutes.
		hs.clock.Add(time.Minute)
		wrong := wrongCode(secret, hs.clock.Now())
		for range 3 {
			hs.do(http.MethodPost, "/login/2fa/", form("code", wrong), withCookie(hs.pending("alice")))
		}
		w := hs.do(http.MethodPost, "/login/2fa/", form("code", wrong), withCookie(hs.pending("alice")))
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.Contains(t, w.Body.String(), "Try again in 2 minutes.")
		assert.Equal(t, "120", w.Header().Get("Retry-After"))
	})
	t.Run("the security page locks too", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/verify", form("method", "password", "password", "pw-alice"), as("alice"))
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.Contains(t, w.Body.String(), "Too many failed attempts")
		w = hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
		assert.Contains(t, w.Body.String(), "On since", "still on")
	})
}

// A store that fails means "try again later" everywhere: 503 with a
// message of ours, never the store's words, and never a pass.
func TestStoreDown(t *testing.T) {
	hs := newHost(t)
	secret, codes := hs.enrollWithCodes("alice")
	pending := hs.pending("alice")
	hs.clock.Add(totp.Period)
	hs.store.down.Store(true)

	tests := []struct {
		name, method, path string
		form               url.Values
		opts               []reqOption
	}{
		{"challenge, right code", http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now())), []reqOption{withCookie(pending)}},
		{"overview", http.MethodGet, "/my/security/", nil, []reqOption{as("alice")}},
		{"begin", http.MethodPost, "/my/security/totp/begin", form(), []reqOption{as("bob")}},
		{"verify form", http.MethodGet, "/my/security/verify?next=/totp/disable", nil, []reqOption{as("alice")}},
		{"verify", http.MethodPost, "/my/security/verify", form("method", "password", "password", "pw-alice"), []reqOption{as("alice")}},
		{"setup", http.MethodGet, "/my/security/totp/setup", nil, []reqOption{as("bob")}},
		{"qr", http.MethodGet, "/my/security/totp/qr.png", nil, []reqOption{as("bob")}},
		{"confirm", http.MethodPost, "/my/security/totp/confirm", form("code", "123456"), []reqOption{as("bob")}},
		{"codes", http.MethodGet, "/my/security/totp/codes", nil, []reqOption{as("bob")}},
		{"confirm form", http.MethodGet, "/my/security/totp/confirm", nil, []reqOption{as("bob")}},
		{"regenerate form", http.MethodGet, "/my/security/backup-codes/regenerate", nil, []reqOption{as("alice")}},
		{"regenerate", http.MethodPost, "/my/security/backup-codes/regenerate", form(), []reqOption{as("alice")}},
		{"backup challenge, right code", http.MethodPost, "/login/2fa/backup", form("code", codes[0]), []reqOption{withCookie(pending)}},
		{"disable form", http.MethodGet, "/my/security/totp/disable", nil, []reqOption{as("alice")}},
		{"disable", http.MethodPost, "/my/security/totp/disable", form(), []reqOption{as("alice")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(tc.method, tc.path, tc.form, tc.opts...)
			require.Equal(t, http.StatusServiceUnavailable, w.Code)
			assert.NotContains(t, w.Body.String(), errDown.Error())
			if tc.name != "qr" {
				assert.Contains(t, w.Body.String(), "Something went wrong on our side")
			}
			assert.Empty(t, hs.passedUsers())
		})
	}
	assert.Contains(t, hs.logs.String(), errDown.Error(), "the detail goes to the log")

	hs.store.down.Store(false)
	t.Run("back up", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now())), withCookie(pending))
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, []string{"alice"}, hs.passedUsers())
	})
}

// TOTP turned off between the password and the challenge: the login
// starts over (and the host then finds no second factor is required).
func TestChallengeAfterDisable(t *testing.T) {
	hs := newHost(t)
	secret := hs.enroll("alice")
	pending := hs.pending("alice")
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/disable", form(), hs.sudo("alice")).Code)
	hs.clock.Add(totp.Period)
	w := hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now())), withCookie(pending))
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/login", w.Header().Get("Location"))
	assert.Empty(t, hs.passedUsers())
}
