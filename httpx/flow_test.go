package httpx_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

// TestFullFlow walks one user through enrollment, a login and turning the
// factor off, the way a browser would.
func TestFullFlow(t *testing.T) {
	hs := newHost(t)
	var secret []byte
	var codes []string
	var pending *http.Cookie
	var loginCode string
	var wizard reqOption // alice's session with her recent verification

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"overview shows Off", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), `<span class="badge text-bg-secondary">Off</span>`)
			assert.Contains(t, w.Body.String(), `action="/my/security/totp/begin"`)
		}},
		{"begin asks for the password first", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/totp/begin", form(), as("alice"))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/verify?need=password&next=%2Ftotp%2Fsetup", w.Header().Get("Location"))
			w = hs.do(http.MethodGet, "/my/security/totp/setup", nil, as("alice"))
			assert.Equal(t, "/my/security/verify?need=password&next=%2Ftotp%2Fsetup", w.Header().Get("Location"),
				"a session alone cannot turn a first factor on")
			assert.Equal(t, portalmfa.Off, hs.status("alice").Factor(portalmfa.FactorTOTP).State)
		}},
		{"the password leads to the wizard", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/verify?need=password&next=%2Ftotp%2Fsetup", nil, as("alice"))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), `autocomplete="current-password"`)
			assert.NotContains(t, w.Body.String(), `name="code"`, "no factor to offer yet")
			w = hs.do(http.MethodPost, "/my/security/verify", form("method", "password", "password", "pw-alice", "next", "/totp/setup"), as("alice"))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/totp/setup", w.Header().Get("Location"))
			proof := cookieNamed(w, "portalmfa_verified")
			require.NotNil(t, proof)
			wizard = hs.sudoWith("alice", proof.Value)
			w = hs.do(http.MethodGet, "/my/security/totp/setup", nil, wizard)
			require.Equal(t, http.StatusOK, w.Code, "the wizard begins")
		}},
		{"overview shows Pending", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
			assert.Contains(t, w.Body.String(), "Setup not finished")
			assert.Contains(t, w.Body.String(), `href="/my/security/totp/setup"`)
		}},
		{"step 1 shows the key and is not stored", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/totp/setup", nil, wizard)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			secret = keyFromPage(t, w.Body.String())
			assert.Len(t, secret, totp.SecretSize)
			body := w.Body.String()
			assert.Contains(t, body, `src="/my/security/totp/qr.png"`)
			assert.Equal(t, 1, stepOf(t, body))
			// Next is a form: making the codes changes state.
			assert.Contains(t, body, `<form class="d-flex flex-wrap gap-2 mt-3" method="post" action="/my/security/totp/codes">`)
			assert.NotContains(t, body, `name="code"`, "the code form is step 3")
			// The key is also shown in groups of four.
			key := totp.EncodeSecret(secret)
			assert.Contains(t, body, "<span>"+key[:4]+"</span> <span>"+key[4:8]+"</span>")
			// On a phone, a link opens the app with the key (html/template
			// escapes the URI's & as an entity in an attribute).
			uri := totp.URI("Acme Portal", "alice@example.com", secret)
			assert.Contains(t, body, `href="`+strings.ReplaceAll(uri, "&", "&amp;")+`">Open in authenticator app</a>`)
		}},
		{"qr.png is a PNG that is not stored", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/totp/qr.png", nil, wizard)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "image/png", w.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			_, err := png.Decode(bytes.NewReader(w.Body.Bytes()))
			assert.NoError(t, err)
		}},
		{"step 2 shows 10 backup codes once", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/totp/codes", nil, wizard)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			body := w.Body.String()
			assert.Equal(t, 2, stepOf(t, body))
			codes = codesFromPage(t, body)
			assert.Contains(t, body, "shown only this once")
			assert.Contains(t, body, "Acme Portal backup codes for alice@example.com — Mar 14, 2026")
			// Download carries the codes in the body of a POST, Copy in a
			// data attribute for our script; Print is our script's too.
			assert.Contains(t, body, `<form method="post" action="/my/security/backup-codes/download">`)
			for _, c := range codes {
				assert.Contains(t, body, `<input type="hidden" name="code" value="`+c+`">`)
			}
			assert.Contains(t, body, `data-portalmfa-copy="Acme Portal backup codes for alice@example.com — Mar 14, 2026`+"\n"+codes[0]+"\n")
			assert.Contains(t, body, `data-portalmfa-print`)
			assert.Contains(t, body, `href="/my/security/totp/confirm"`)
		}},
		{"the codes are useless before step 3", func(t *testing.T) {
			_, err := hs.svc.VerifyBackupCode(context.Background(), "alice", codes[0], portalmfa.Client{})
			assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled)
		}},
		{"step 3 shows the code form", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/totp/confirm", nil, wizard)
			require.Equal(t, http.StatusOK, w.Code)
			body := w.Body.String()
			assert.Equal(t, 3, stepOf(t, body))
			assert.Contains(t, body, `autocomplete="one-time-code"`)
			assert.Contains(t, body, `inputmode="numeric"`)
			assert.Contains(t, body, `action="/my/security/totp/confirm"`)
			assert.Contains(t, body, ` autofocus`)
		}},
		{"a wrong code is refused with 422", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/totp/confirm",
				form("code", wrongCode(secret, hs.clock.Now())), wizard)
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.Contains(t, w.Body.String(), "That code isn")
			assert.Contains(t, w.Body.String(), `aria-invalid="true"`)
			assert.Equal(t, 3, stepOf(t, w.Body.String()), "step 3 again")
		}},
		{"the right code turns TOTP on", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/totp/confirm",
				form("code", totp.Code(secret, hs.clock.Now())), wizard)
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/?done=totp-on", w.Header().Get("Location"))
		}},
		{"overview shows On since the date", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/?done=totp-on", nil, as("alice"))
			require.Equal(t, http.StatusOK, w.Code)
			body := w.Body.String()
			assert.Contains(t, body, `<span class="badge text-bg-success">On since Mar 14, 2026</span>`)
			assert.Contains(t, body, `class="alert alert-success"`)
			assert.Contains(t, body, `href="/my/security/totp/disable"`)
			assert.Contains(t, body, "10 codes left")
		}},
		{"the wizard is gone once TOTP is on", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/totp/setup", nil, as("alice"))
			assert.Equal(t, http.StatusSeeOther, w.Code)
			w = hs.do(http.MethodGet, "/my/security/totp/codes", nil, as("alice"))
			assert.Equal(t, http.StatusSeeOther, w.Code, "no new codes without a TOTP code")
			w = hs.do(http.MethodGet, "/my/security/totp/confirm", nil, as("alice"))
			assert.Equal(t, http.StatusSeeOther, w.Code)
			w = hs.do(http.MethodGet, "/my/security/totp/qr.png", nil, as("alice"))
			assert.Equal(t, http.StatusNotFound, w.Code)
			w = hs.do(http.MethodPost, "/my/security/totp/begin", form(), as("alice"))
			assert.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/", w.Header().Get("Location"))
		}},
		{"StartChallenge sets the cookie and redirects", func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "http://portal.example/login", nil)
			require.NoError(t, hs.h.StartChallenge(w, r, "alice"))
			assert.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/login/2fa/", w.Header().Get("Location"))
			cookies := w.Result().Cookies()
			require.Len(t, cookies, 1)
			pending = cookies[0]
			assert.Equal(t, "portalmfa_pending", pending.Name)
			assert.True(t, pending.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, pending.SameSite)
			assert.Equal(t, "/login/2fa", pending.Path)
			assert.False(t, pending.Secure, "plain HTTP request")
			assert.Positive(t, pending.MaxAge)
			assert.LessOrEqual(t, pending.MaxAge, 300, "MaxAge is at most the TTL (5 minutes)")
		}},
		{"StartChallenge over TLS sets a Secure cookie", func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "https://portal.example/login", nil)
			r.TLS = &tls.ConnectionState{}
			require.NoError(t, hs.h.StartChallenge(w, r, "alice"))
			require.Len(t, w.Result().Cookies(), 1)
			assert.True(t, w.Result().Cookies()[0].Secure)
		}},
		{"the challenge shows the form", func(t *testing.T) {
			w := hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(pending))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			body := w.Body.String()
			assert.Contains(t, body, "Enter the 6-digit code from your authenticator app.")
			assert.Contains(t, body, `<form method="post" action="/login/2fa/">`)
			assert.Contains(t, body, `name="code"`)
			assert.Regexp(t, `<link rel="stylesheet" href="/login/2fa/static/portalmfa.css\?v=[0-9a-f]{16}">`, body)
			assert.Regexp(t, `<script src="/login/2fa/static/portalmfa.js\?v=[0-9a-f]{16}" defer></script>`, body)
		}},
		{"the next code passes the challenge", func(t *testing.T) {
			// The confirming code's step is used up; log in one step later.
			hs.clock.Add(totp.Period)
			loginCode = totp.Code(secret, hs.clock.Now())
			w := hs.do(http.MethodPost, "/login/2fa/", form("code", loginCode), withCookie(pending))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/home", w.Header().Get("Location"))
			assert.Equal(t, []string{"alice"}, hs.passedUsers())
			cleared := false
			for _, c := range w.Result().Cookies() {
				if c.Name == "portalmfa_pending" && c.MaxAge < 0 && c.Path == "/login/2fa" {
					cleared = true
				}
			}
			assert.True(t, cleared, "the pending cookie is deleted")
		}},
		{"the same code again is a replay", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/login/2fa/", form("code", loginCode), withCookie(pending))
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.Contains(t, w.Body.String(), "already been used")
			assert.Equal(t, []string{"alice"}, hs.passedUsers(), "no second pass")
		}},
		{"removing the last factor asks for the password", func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				w := hs.do(method, "/my/security/totp/disable", form(), as("alice"))
				require.Equal(t, http.StatusSeeOther, w.Code)
				assert.Equal(t, "/my/security/verify?need=password&next=%2Ftotp%2Fdisable", w.Header().Get("Location"))
			}
			w := hs.do(http.MethodGet, "/my/security/verify?need=password&next=%2Ftotp%2Fdisable", nil, as("alice"))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), `autocomplete="current-password"`)
			assert.NotContains(t, w.Body.String(), `name="code"`, "a code cannot stand in for the password here")
		}},
		{"a wrong password is refused", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/verify", form("method", "password", "password", "guess", "next", "/totp/disable"), as("alice"))
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.Contains(t, w.Body.String(), "That password isn")
			assert.Nil(t, cookieNamed(w, "portalmfa_verified"))
			w = hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
			assert.Contains(t, w.Body.String(), "On since")
		}},
		{"the right password, then confirm, turns TOTP off", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/verify", form("method", "password", "password", "pw-alice", "next", "/totp/disable"), as("alice"))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/totp/disable", w.Header().Get("Location"))
			proof := cookieNamed(w, "portalmfa_verified")
			require.NotNil(t, proof)
			w = hs.do(http.MethodGet, "/my/security/totp/disable", nil, hs.sudoWith("alice", proof.Value))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), "This is your last way to confirm it")
			w = hs.do(http.MethodPost, "/my/security/totp/disable", form(), hs.sudoWith("alice", proof.Value))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/?done=totp-off", w.Header().Get("Location"))
			w = hs.do(http.MethodGet, "/my/security/?done=totp-off", nil, as("alice"))
			assert.Contains(t, w.Body.String(), `<span class="badge text-bg-secondary">Off</span>`)
			assert.Contains(t, w.Body.String(), "The authenticator app was removed.")
			assert.NotContains(t, w.Body.String(), "codes left")
		}},
		{"nothing secret was logged", func(t *testing.T) {
			logs := hs.logs.String()
			assert.NotEmpty(t, logs)
			for _, s := range append([]string{totp.EncodeSecret(secret), loginCode, "pw-alice", "guess", pending.Value}, codes...) {
				assert.NotContains(t, logs, s)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			t.FailNow() // later steps build on this one
		}
	}
}

// The closed list of ?done= messages: free text never reaches the page, and
// a message contradicting the account's state is not shown.
func TestOverviewFlash(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	tests := []struct {
		name, query string
		want        string // "" for no flash
	}{
		{"totp-on while on", "?done=totp-on", "Two-factor authentication is on."},
		{"totp-off while on", "?done=totp-off", ""},
		{"free text", "?done=%3Cb%3Ehacked%3C%2Fb%3E", ""},
		{"unknown", "?done=totp-maybe", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(http.MethodGet, "/my/security/"+tc.query, nil, as("alice"))
			require.Equal(t, http.StatusOK, w.Code)
			body := w.Body.String()
			assert.NotContains(t, body, "hacked")
			if tc.want == "" {
				assert.NotContains(t, body, "alert-success")
			} else {
				assert.Contains(t, body, tc.want)
			}
		})
	}
}

// A wizard restarted in another tab: a code of the old key is simply wrong,
// and a restart racing the confirmation gets a message of its own. Either
// way the page shows the key now pending.
func TestConfirmAfterRestart(t *testing.T) {
	hs := newHost(t)
	begin := func() []byte {
		require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
		return keyFromPage(t, hs.do(http.MethodGet, "/my/security/totp/setup", nil, hs.sudo("bob")).Body.String())
	}
	showCodes := func() {
		require.Equal(t, http.StatusOK, hs.do(http.MethodGet, "/my/security/totp/codes", nil, hs.sudo("bob")).Code)
	}

	t.Run("code of a replaced key", func(t *testing.T) {
		first := begin()
		showCodes()
		begin()
		showCodes()
		w := hs.do(http.MethodPost, "/my/security/totp/confirm", form("code", totp.Code(first, hs.clock.Now())), hs.sudo("bob"))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), "That code isn")
		w = hs.do(http.MethodGet, "/my/security/", nil, as("bob"))
		assert.Contains(t, w.Body.String(), "Setup not finished")
	})
	t.Run("restart during the confirmation", func(t *testing.T) {
		key := begin()
		showCodes()
		var restarted []byte
		hs.store.beforeActivate = func() {
			e, err := hs.svc.BeginTOTP(context.Background(), hs.users["bob"], hs.proof("bob"))
			require.NoError(t, err)
			restarted = decodeKey(t, e.Key)
		}
		w := hs.do(http.MethodPost, "/my/security/totp/confirm", form("code", totp.Code(key, hs.clock.Now())), hs.sudo("bob"))
		require.Equal(t, http.StatusConflict, w.Code)
		assert.Contains(t, w.Body.String(), "Setup was restarted in another window")
		assert.Equal(t, restarted, keyFromPage(t, w.Body.String()))
		w = hs.do(http.MethodGet, "/my/security/", nil, as("bob"))
		assert.Contains(t, w.Body.String(), "Setup not finished", "nothing was turned on")
	})
}

func TestStartChallengeErrors(t *testing.T) {
	hs := newHost(t)
	w := httptest.NewRecorder()
	err := hs.h.StartChallenge(w, httptest.NewRequest(http.MethodPost, "/login", nil), "")
	assert.Error(t, err)
	assert.Empty(t, w.Result().Cookies(), "nothing written on error")
	assert.Equal(t, http.StatusOK, w.Code)
}

func TestStaticFiles(t *testing.T) {
	hs := newHost(t)
	tests := []struct {
		name, path, wantType string
		wantCode             int
	}{
		{"css on security", "/my/security/static/portalmfa.css", "text/css; charset=utf-8", http.StatusOK},
		{"js on security", "/my/security/static/portalmfa.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"css on challenge", "/login/2fa/static/portalmfa.css", "text/css; charset=utf-8", http.StatusOK},
		{"unknown file", "/my/security/static/secret.txt", "", http.StatusNotFound},
		{"template is not static", "/my/security/static/layout.html", "", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(http.MethodGet, tc.path, nil) // no session needed
			require.Equal(t, tc.wantCode, w.Code)
			if tc.wantCode != http.StatusOK {
				return
			}
			assert.Equal(t, tc.wantType, w.Header().Get("Content-Type"))
			assert.Equal(t, "public, no-cache", w.Header().Get("Cache-Control"), "unversioned: revalidate")
			etag := w.Header().Get("ETag")
			require.Regexp(t, `^"[0-9a-f]{16}"$`, etag)
			w = hs.do(http.MethodGet, tc.path, nil, withHeader("If-None-Match", etag))
			assert.Equal(t, http.StatusNotModified, w.Code)

			versioned := tc.path + "?v=" + strings.Trim(etag, `"`)
			w = hs.do(http.MethodGet, versioned, nil)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "public, max-age=31536000, immutable", w.Header().Get("Cache-Control"))
			w = hs.do(http.MethodGet, tc.path+"?v=0123456789abcdef", nil)
			assert.Equal(t, "public, no-cache", w.Header().Get("Cache-Control"), "a stale version is not pinned")
		})
	}
}

// The pending cookie lives no longer than the state it carries.
func TestPendingCookieLifetime(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	c := hs.pending("alice")
	assert.Equal(t, 300, c.MaxAge)
	hs.clock.Add(time.Minute)
	assert.Equal(t, 300, hs.pending("alice").MaxAge, "a new state, a new lifetime")
	assert.True(t, strings.Contains(c.Value, "."))
}
