package httpx_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/totp"
)

// After signing in with a backup code, a user whose phone is gone replaces
// the app from the security page: a backup code verifies them, the new
// app is set up while the old one still works, and confirmed it replaces
// it (found on a walk through the journey: the only offer was
// "regenerate", which asks for an app code).
func TestReplaceApp(t *testing.T) {
	hs := newHost(t)
	old, codes := hs.enrollWithCodes("alice")

	body := hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String()
	assert.Contains(t, body, `<form method="post" action="/my/security/totp/replace">`)
	w := hs.do(http.MethodPost, "/my/security/totp/replace", form(), as("alice"))
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/my/security/verify?need=factor&next=%2Ftotp%2Fsetup%3Freplace%3D1", w.Header().Get("Location"),
		"a session alone, or a password alone, does not replace the second factor")

	verified := hs.sudoCode("alice", codes[0])
	w = hs.do(http.MethodGet, "/my/security/totp/setup?replace=1", nil, verified)
	require.Equal(t, http.StatusOK, w.Code)
	body = w.Body.String()
	assert.Contains(t, body, "Scan the code with the app on your new phone.")
	assert.Equal(t, 1, stepOf(t, body))
	fresh := keyFromPage(t, body)
	assert.NotEqual(t, old, fresh)
	assert.Contains(t, hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String(), "A new app is being set up.")
	again := keyFromPage(t, hs.do(http.MethodGet, "/my/security/totp/setup", nil, verified).Body.String())
	assert.Equal(t, fresh, again, "Continue shows the same key")

	hs.clock.Add(totp.Period)
	w = hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(old, hs.clock.Now())), withCookie(hs.pending("alice")))
	require.Equal(t, http.StatusSeeOther, w.Code, "the old app works meanwhile")

	require.Equal(t, http.StatusOK, hs.do(http.MethodGet, "/my/security/totp/confirm", nil, verified).Code)
	hs.clock.Add(totp.Period)
	w = hs.do(http.MethodPost, "/my/security/totp/confirm", form("code", totp.Code(fresh, hs.clock.Now())), verified)
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/my/security/?done=totp-replaced", w.Header().Get("Location"))
	body = hs.do(http.MethodGet, "/my/security/?done=totp-replaced", nil, as("alice")).Body.String()
	assert.Contains(t, body, "Your new authenticator app is set up. Codes from the old one no longer work.")
	st := hs.status("alice")
	assert.False(t, st.Factor(portalmfa.FactorTOTP).Replacing)
	assert.Equal(t, 9, st.BackupCodes)
}

// The challenge's last line tells a user with nothing left where to turn:
// the host's help page, or support.
func TestChallengeHelpLine(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	for _, path := range []string{"/login/2fa/", "/login/2fa/backup"} {
		body := hs.do(http.MethodGet, path, nil, withCookie(hs.pending("alice"))).Body.String()
		assert.Contains(t, body, "Can&#39;t use any of these? Contact support to get back into your account.", path)
	}
	helped := newHost(t, func(c *httpx.Config) { c.HelpURL = "/help/sign-in" })
	helped.enroll("alice")
	body := helped.do(http.MethodGet, "/login/2fa/", nil, withCookie(helped.pending("alice"))).Body.String()
	assert.Contains(t, body, `Can&#39;t use any of these? <a href="/help/sign-in">Get help signing in</a>`)
}
