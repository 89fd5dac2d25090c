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

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/totp"
)

// backupLogin posts code to the backup-code form of userID's challenge,
// with a fresh pending-login cookie.
func (hs *host) backupLogin(userID, code string, opts ...reqOption) *httptest.ResponseRecorder {
	hs.t.Helper()
	opts = append([]reqOption{withCookie(hs.pending(userID))}, opts...)
	return hs.do(http.MethodPost, "/login/2fa/backup", form("code", code), opts...)
}

// redeem uses codes through the Service until n are left.
func (hs *host) redeemUntil(userID string, codes []string, n int) []string {
	hs.t.Helper()
	for len(codes) > n {
		_, err := hs.svc.VerifyBackupCode(context.Background(), userID, codes[0], portalmfa.Client{})
		require.NoError(hs.t, err)
		codes = codes[1:]
	}
	return codes
}

func (hs *host) status(userID string) portalmfa.Status {
	hs.t.Helper()
	st, err := hs.svc.Status(context.Background(), userID)
	require.NoError(hs.t, err)
	return st
}

func cookieNamed(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// A wizard left at step 2 leaves TOTP pending and the codes it showed
// worthless, on the Service and at the challenge; so does starting over.
func TestWizardAbandonedAtCodes(t *testing.T) {
	hs := newHost(t)
	bob := hs.sudo("bob")
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
	w := hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob)
	require.Equal(t, http.StatusOK, w.Code)
	codes := codesFromPage(t, w.Body.String())

	check := func(t *testing.T) {
		st := hs.status("bob")
		assert.Equal(t, portalmfa.Pending, st.Factor(portalmfa.FactorTOTP).State)
		assert.False(t, st.Enabled())
		assert.Zero(t, st.BackupCodes)
		for _, c := range codes {
			// Each is a failed attempt; the threshold is 3.
			require.NoError(t, hs.store.ResetAttempts(context.Background(), "user:bob"))
			_, err := hs.svc.VerifyBackupCode(context.Background(), "bob", c, portalmfa.Client{})
			assert.ErrorIs(t, err, portalmfa.ErrNotEnrolled, "pending codes open nothing")
		}
		require.NoError(t, hs.store.ResetAttempts(context.Background(), "user:bob"))
		// No second factor is on: the challenge starts the login over.
		w := hs.backupLogin("bob", codes[1])
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Empty(t, hs.passedUsers())
		w = hs.do(http.MethodGet, "/my/security/", nil, as("bob"))
		assert.Contains(t, w.Body.String(), "Setup not finished")
		assert.NotContains(t, w.Body.String(), "codes left")
	}
	t.Run("left at step 2", check)
	t.Run("started over", func(t *testing.T) {
		require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
		check(t)
	})
	t.Run("step 2 again replaces the codes", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob)
		require.Equal(t, http.StatusOK, w.Code)
		fresh := codesFromPage(t, w.Body.String())
		assert.NotContains(t, fresh, codes[0])
	})
}

// Step 3 without step 2: the confirmation is refused with a message that
// sends the user through step 2, and nothing is turned on.
func TestConfirmWithoutCodes(t *testing.T) {
	hs := newHost(t)
	bob := hs.sudo("bob")
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
	secret := keyFromPage(t, hs.do(http.MethodGet, "/my/security/totp/setup", nil, bob).Body.String())

	// The form of step 3 is not offered before step 2 ...
	w := hs.do(http.MethodGet, "/my/security/totp/confirm", nil, bob)
	require.Equal(t, http.StatusConflict, w.Code)
	assert.Contains(t, w.Body.String(), "Save your backup codes before you turn two-factor authentication on.")
	assert.Equal(t, 1, stepOf(t, w.Body.String()), "back to step 1, not step 3 with step 2 marked done")
	// ... and a confirmation posted anyway is refused the same way.
	w = hs.do(http.MethodPost, "/my/security/totp/confirm", form("code", totp.Code(secret, hs.clock.Now())), bob)
	require.Equal(t, http.StatusConflict, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, "Save your backup codes before you turn two-factor authentication on.")
	assert.Equal(t, 1, stepOf(t, body), "back to step 1, whose Next shows the codes")
	assert.Equal(t, secret, keyFromPage(t, body), "same key")
	assertSafePage(t, w)
	assert.Equal(t, portalmfa.Pending, hs.status("bob").Factor(portalmfa.FactorTOTP).State)

	// Through step 2, the same enrollment is confirmed.
	require.Equal(t, http.StatusOK, hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob).Code)
	w = hs.do(http.MethodPost, "/my/security/totp/confirm", form("code", totp.Code(secret, hs.clock.Now())), bob)
	require.Equal(t, http.StatusSeeOther, w.Code)
	st := hs.status("bob")
	assert.Equal(t, portalmfa.On, st.Factor(portalmfa.FactorTOTP).State)
	assert.Equal(t, 10, st.BackupCodes)
}

func TestDownloadCodes(t *testing.T) {
	hs := newHost(t)
	_, codes := hs.enrollWithCodes("alice")

	t.Run("the file", func(t *testing.T) {
		f := url.Values{"code": codes}
		w := hs.do(http.MethodPost, "/my/security/backup-codes/download", f, as("alice"))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Equal(t, `attachment; filename="acme-portal-backup-codes.txt"`, w.Header().Get("Content-Disposition"))
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
		body := w.Body.String()
		require.True(t, strings.HasSuffix(body, "\r\n"))
		assert.Equal(t, strings.Count(body, "\n"), strings.Count(body, "\r\n"), "CRLF throughout")
		lines := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
		require.Len(t, lines, 11)
		assert.Equal(t, "Acme Portal backup codes for alice@example.com — Mar 14, 2026", lines[0])
		assert.Equal(t, codes, lines[1:])
		assertSafePage(t, w)
	})
	t.Run("codes as typed come out as shown", func(t *testing.T) {
		typed := strings.ToLower(strings.ReplaceAll(codes[0], "-", " "))
		w := hs.do(http.MethodPost, "/my/security/backup-codes/download", form("code", typed), as("alice"))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "\r\n"+codes[0]+"\r\n")
	})
	t.Run("in the user's language", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/backup-codes/download", form("code", codes[0]), as("dora"))
		require.Equal(t, http.StatusOK, w.Code)
		assert.True(t, strings.HasPrefix(w.Body.String(), "Acme Portal: Backup-Codes für dora@example.com — 14.03.2026\r\n"))
	})
	t.Run("an account without an email is named", func(t *testing.T) {
		hs.users["erin"] = portalmfa.User{ID: "erin", Name: "Erin\r\nX"}
		w := hs.do(http.MethodPost, "/my/security/backup-codes/download", form("code", codes[0]), as("erin"))
		require.Equal(t, http.StatusOK, w.Code)
		assert.True(t, strings.HasPrefix(w.Body.String(), "Acme Portal backup codes for Erin  X — Mar 14, 2026\r\n"), "one header line")
	})

	eleven := append(append([]string(nil), codes...), codes[0])
	refused := []struct {
		name     string
		method   string
		form     url.Values
		raw      string
		opts     []reqOption
		wantCode int
	}{
		{name: "11 codes", form: url.Values{"code": eleven}, wantCode: http.StatusBadRequest},
		{name: "no code", form: form(), wantCode: http.StatusBadRequest},
		{name: "empty code", form: form("code", ""), wantCode: http.StatusBadRequest},
		{name: "a malformed code among good ones", form: url.Values{"code": {codes[0], "0OOOO-IIIII-11111", codes[1]}}, wantCode: http.StatusBadRequest},
		{name: "a TOTP code", form: form("code", "123456"), wantCode: http.StatusBadRequest},
		{name: "markup", form: form("code", "<script>alert(1)</script>"), wantCode: http.StatusBadRequest},
		{name: "10 kB body", raw: "code=" + strings.Repeat("A", 10<<10), wantCode: http.StatusRequestEntityTooLarge},
		{name: "codes in the URL only", method: "query", wantCode: http.StatusBadRequest},
		{name: "cross-site", form: url.Values{"code": codes}, opts: []reqOption{withHeader("Sec-Fetch-Site", "cross-site")}, wantCode: http.StatusForbidden},
		{name: "foreign origin", form: url.Values{"code": codes}, opts: []reqOption{withHeader("Origin", "https://evil.example")}, wantCode: http.StatusForbidden},
		{name: "signed out", form: url.Values{"code": codes}, wantCode: http.StatusForbidden},
		{name: "GET", method: http.MethodGet, wantCode: http.StatusMethodNotAllowed},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if tc.name != "signed out" {
				opts = append(opts, as("alice"))
			}
			var w *httptest.ResponseRecorder
			switch {
			case tc.raw != "":
				w = hs.doRaw(http.MethodPost, "/my/security/backup-codes/download", tc.raw, opts...)
			case tc.method == "query":
				w = hs.do(http.MethodPost, "/my/security/backup-codes/download?code="+codes[0], form(), opts...)
			case tc.method == http.MethodGet:
				w = hs.do(http.MethodGet, "/my/security/backup-codes/download", nil, opts...)
			default:
				w = hs.do(http.MethodPost, "/my/security/backup-codes/download", tc.form, opts...)
			}
			assert.Equal(t, tc.wantCode, w.Code)
			assert.Empty(t, w.Header().Get("Content-Disposition"))
			assert.NotContains(t, w.Body.String(), codes[0])
			assert.NotContains(t, w.Body.String(), "<script>alert")
		})
	}
	t.Run("no code was logged", func(t *testing.T) {
		for _, c := range codes {
			assert.NotContains(t, hs.logs.String(), c)
		}
	})
}

// The overview counts the codes left, warns at the low mark and alarms at
// none, in each language's plural.
func TestOverviewBackupCodes(t *testing.T) {
	hs := newHost(t)
	_, codes := hs.enrollWithCodes("alice")
	const regenerate = `href="/my/security/backup-codes/regenerate"`
	tests := []struct {
		left       int
		lang       string
		want       string
		wantAlert  string // "", "warning" or "danger"
		wantInText string
	}{
		{10, "en", "10 codes left", "", ""},
		{4, "en", "4 codes left", "", ""},
		{3, "en", "3 codes left", "warning", "You have only 3 backup codes left."},
		{3, "fr", "3 codes restants", "warning", "Il ne vous reste plus que 3 codes de secours."},
		{2, "nl", "Nog 2 codes over", "warning", "Je hebt nog maar 2 back-upcodes."},
		{1, "en", "1 code left", "warning", "You have only 1 backup code left."},
		{1, "fr", "1 code restant", "warning", "Il ne vous reste plus que 1 code de secours."},
		{1, "de", "Noch 1 Code übrig", "warning", "Sie haben nur noch 1 Backup-Code."},
		{1, "es", "Queda 1 código", "warning", "Solo te queda 1 código de respaldo."},
		{1, "it", "1 codice rimasto", "warning", "Ti resta solo 1 codice di backup."},
		{0, "en", "0 codes left", "danger", "You have no backup codes left."},
		{0, "fr", "0 code restant", "danger", "Il ne vous reste aucun code de secours."},
	}
	for _, tc := range tests {
		t.Run(tc.lang+"/"+tc.want, func(t *testing.T) {
			codes = hs.redeemUntil("alice", codes, tc.left)
			w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withHeader("Accept-Language", tc.lang))
			require.Equal(t, http.StatusOK, w.Code)
			body := w.Body.String()
			assert.Contains(t, body, ">"+tc.want+"</span>")
			assert.Contains(t, body, regenerate)
			switch tc.wantAlert {
			case "":
				assert.NotContains(t, body, "alert-warning")
				assert.NotContains(t, body, "alert-danger")
			case "warning":
				assert.Contains(t, body, `<div class="alert alert-warning mb-0" role="status">`+tc.wantInText)
				assert.NotContains(t, body, "alert-danger")
			case "danger":
				assert.Contains(t, body, `<div class="alert alert-danger mb-0" role="alert">`+tc.wantInText)
				assert.NotContains(t, body, "alert-warning")
			}
		})
	}
	t.Run("no count while TOTP is off", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("dora"))
		assert.NotContains(t, w.Body.String(), "codes left")
		assert.NotContains(t, w.Body.String(), regenerate)
	})
}

func TestRegenerateCodes(t *testing.T) {
	hs := newHost(t)
	secret, old := hs.enrollWithCodes("alice")
	hs.clock.Add(totp.Period) // the confirming code's step is spent
	const verifyURL = "/my/security/verify?need=factor&next=%2Fbackup-codes%2Fregenerate"

	t.Run("a session alone is sent to verify with a factor", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			w := hs.do(method, "/my/security/backup-codes/regenerate", form(), as("alice"))
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, verifyURL, w.Header().Get("Location"))
		}
		w := hs.do(http.MethodPost, "/my/security/backup-codes/regenerate", form(), hs.sudo("alice"))
		assert.Equal(t, verifyURL, w.Header().Get("Location"), "the password alone makes no codes")
		assert.Equal(t, 10, hs.status("alice").BackupCodes, "the old set stands")
	})
	t.Run("the verify page asks for a code, not the password", func(t *testing.T) {
		w := hs.do(http.MethodGet, verifyURL, nil, as("alice"))
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, `autocomplete="one-time-code"`)
		assert.NotContains(t, body, `type="password"`)
		assert.Contains(t, body, `name="next" value="/backup-codes/regenerate"`)
	})
	verify := func(code string) *httptest.ResponseRecorder {
		return hs.do(http.MethodPost, "/my/security/verify", form("method", "code", "code", code, "next", "/backup-codes/regenerate"), as("alice"))
	}
	t.Run("a wrong code is refused", func(t *testing.T) {
		w := verify(wrongCode(secret, hs.clock.Now()))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), "That code isn")
		assert.Empty(t, w.Result().Cookies())
	})
	t.Run("a malformed code is refused", func(t *testing.T) {
		w := verify("12345")
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), "Enter the 6 digits")
	})
	code := totp.Code(secret, hs.clock.Now())
	var fresh []string
	t.Run("the right code, then confirm, shows 10 new codes", func(t *testing.T) {
		w := verify(code)
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/backup-codes/regenerate", w.Header().Get("Location"))
		proof := cookieNamed(w, "portalmfa_verified")
		require.NotNil(t, proof)
		assert.True(t, proof.HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, proof.SameSite)
		assert.Equal(t, "/my/security", proof.Path)
		assert.Equal(t, 600, proof.MaxAge)

		w = hs.do(http.MethodGet, "/my/security/backup-codes/regenerate", nil, hs.sudoWith("alice", proof.Value))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), `action="/my/security/backup-codes/regenerate"`)
		w = hs.do(http.MethodPost, "/my/security/backup-codes/regenerate", form(), hs.sudoWith("alice", proof.Value))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		body := w.Body.String()
		fresh = codesFromPage(t, body)
		for _, c := range fresh {
			assert.NotContains(t, old, c)
		}
		assert.Contains(t, body, "<title>Your new backup codes</title>")
		assert.Contains(t, body, "Your old backup codes no longer work.")
		assert.Zero(t, stepOf(t, body), "no wizard steps")
		assert.Contains(t, body, `<a class="btn btn-primary" href="/my/security/">Done</a>`)
		assert.Contains(t, body, `action="/my/security/backup-codes/download"`)
		assert.Contains(t, body, `data-portalmfa-print`)
		assert.Contains(t, body, `data-portalmfa-copy="Acme Portal backup codes for alice@example.com`)
		assertSafePage(t, w)

		t.Run("another user's proof does nothing", func(t *testing.T) {
			w := hs.do(http.MethodPost, "/my/security/backup-codes/regenerate", form(), hs.sudoWith("bob", proof.Value))
			assert.Equal(t, http.StatusSeeOther, w.Code, "bob has no 2FA: back to the overview")
			hs.enroll("bob")
			w = hs.do(http.MethodPost, "/my/security/backup-codes/regenerate", form(), hs.sudoWith("bob", proof.Value))
			assert.Contains(t, w.Header().Get("Location"), "/my/security/verify?")
		})
		t.Run("a stale proof is refused", func(t *testing.T) {
			hs.clock.Add(10 * time.Minute)
			w := hs.do(http.MethodPost, "/my/security/backup-codes/regenerate", form(), hs.sudoWith("alice", proof.Value))
			assert.Equal(t, verifyURL, w.Header().Get("Location"))
		})
	})
	t.Run("the old codes fail at the challenge, the new work", func(t *testing.T) {
		for _, c := range old[:2] {
			w := hs.backupLogin("alice", c)
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.Contains(t, w.Body.String(), "That backup code isn")
		}
		w := hs.backupLogin("alice", fresh[0])
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "You have 9 backup codes left.")
		assert.Equal(t, []string{"alice"}, hs.passedUsers())
	})
	t.Run("a backup code verifies too, once", func(t *testing.T) {
		w := verify(fresh[1])
		require.Equal(t, http.StatusSeeOther, w.Code)
		w = verify(fresh[1])
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), "That backup code isn")
	})
	t.Run("locked out after wrong codes", func(t *testing.T) {
		hs.clock.Add(totp.Period)
		wrong := wrongCode(secret, hs.clock.Now())
		for range 3 {
			verify(wrong)
		}
		w := verify(totp.Code(secret, hs.clock.Now()))
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.Contains(t, w.Body.String(), "Try again in 1 minute.")
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
	})
}

func TestChallengeBackupCode(t *testing.T) {
	hs := newHost(t)
	_, codes := hs.enrollWithCodes("alice")
	_, bobCodes := hs.enrollWithCodes("bob")

	t.Run("the code form links to the backup form", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(hs.pending("alice")))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), `<a href="/login/2fa/backup">Use a backup code instead</a>`)
	})
	t.Run("the backup form", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/login/2fa/backup", nil, withCookie(hs.pending("alice")))
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, `<form method="post" action="/login/2fa/backup">`)
		assert.Regexp(t, `<input [^>]*name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"`, body)
		assert.Contains(t, body, `<a href="/login/2fa/">Use another method instead</a>`)
		assert.NotContains(t, body, `inputmode="numeric"`)
		assert.NotContains(t, body, `one-time-code`)
	})
	t.Run("the right code signs in and says how many are left", func(t *testing.T) {
		typed := strings.ToLower(strings.ReplaceAll(codes[0], "-", " "))
		w := hs.backupLogin("alice", typed)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, []string{"alice"}, hs.passedUsers())
		body := w.Body.String()
		assert.Contains(t, body, "Signed in with a backup code")
		assert.Contains(t, body, "You have 9 backup codes left.")
		assert.Contains(t, body, `<a class="btn btn-primary w-100" href="/home">Continue</a>`)
		assert.NotContains(t, body, "backup-codes/regenerate", "9 is not low")
		assert.Empty(t, w.Header().Get("Location"))
		// The host's session cookie reaches the browser; ours is gone.
		session := cookieNamed(w, "session")
		require.NotNil(t, session, "the host's Set-Cookie")
		assert.Equal(t, "alice", session.Value)
		pending := cookieNamed(w, "portalmfa_pending")
		require.NotNil(t, pending)
		assert.Negative(t, pending.MaxAge)
		assertSafePage(t, w)
		assert.Equal(t, 9, hs.status("alice").BackupCodes)
	})
	refusals := []struct {
		name, code, want string
	}{
		{"the same code again", codes[0], "That backup code isn't right, or it has already been used."},
		{"another user's code", bobCodes[0], "That backup code isn't right, or it has already been used."},
		{"malformed", "ABCDE-FGHJK-LMNP", "A backup code has 15 letters and digits"},
		{"a TOTP code", "123456", "A backup code has 15 letters and digits"},
		{"empty", "", "A backup code has 15 letters and digits"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.backupLogin("alice", tc.code)
			require.Equal(t, http.StatusUnprocessableEntity, w.Code)
			body := w.Body.String()
			assert.Contains(t, strings.ReplaceAll(body, "&#39;", "'"), tc.want)
			assert.Contains(t, body, `aria-invalid="true"`)
			assert.Nil(t, cookieNamed(w, "session"))
			assert.Equal(t, []string{"alice"}, hs.passedUsers(), "no second pass")
			// One refused attempt at a time: stay under the threshold of 3.
			require.NoError(t, hs.store.ResetAttempts(context.Background(), "user:alice"))
		})
	}
	t.Run("bob's code still works for bob", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, hs.backupLogin("bob", bobCodes[0]).Code)
	})
	t.Run("in the user's language", func(t *testing.T) {
		hs.userLanguage["alice"] = "fr"
		defer delete(hs.userLanguage, "alice")
		w := hs.backupLogin("alice", codes[1])
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "Il vous reste 8 codes de secours.")
	})
	t.Run("few left: an offer to make new ones", func(t *testing.T) {
		rest := hs.redeemUntil("alice", codes[2:], 4)
		w := hs.backupLogin("alice", rest[0])
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, "You have 3 backup codes left.")
		assert.Contains(t, body, `<div class="alert alert-warning" role="status">That&#39;s not many.`)
		assert.Contains(t, body, `<a class="alert-link" href="/my/security/backup-codes/regenerate">Regenerate backup codes</a>`)

		rest = hs.redeemUntil("alice", rest[1:], 1)
		w = hs.backupLogin("alice", rest[0])
		require.Equal(t, http.StatusOK, w.Code)
		body = w.Body.String()
		assert.Contains(t, body, "You have 0 backup codes left.")
		assert.Contains(t, body, `<div class="alert alert-danger" role="alert">That was your last backup code.`)
		assert.Contains(t, body, `href="/my/security/backup-codes/regenerate"`)
	})
}

// A host that answers the passed challenge with anything but a redirect
// gets its answer through untouched; any redirect is caught.
func TestBackupCodeHostResponses(t *testing.T) {
	tests := []struct {
		name     string
		passed   func(w http.ResponseWriter, r *http.Request)
		wantCode int
		wantBody string // "" for our page
		wantNext string
	}{
		{"page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Host", "yes")
			w.Write([]byte("welcome, you are in"))
		}, http.StatusOK, "welcome, you are in", ""},
		{"error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "host says no", http.StatusServiceUnavailable)
		}, http.StatusServiceUnavailable, "host says no\n", ""},
		{"nothing", func(w http.ResponseWriter, r *http.Request) {}, http.StatusOK, "-", ""},
		{"3xx without Location", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotModified)
		}, http.StatusNotModified, "-", ""},
		{"302 with a body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Host", "yes")
			w.Header().Set("Location", "https://portal.example/start?tab=1")
			w.WriteHeader(http.StatusFound)
			w.Write([]byte("moved"))
		}, http.StatusOK, "", "https://portal.example/start?tab=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHost(t, func(c *httpx.Config) {
				c.SecondFactorPassed = func(w http.ResponseWriter, r *http.Request, _ string) { tc.passed(w, r) }
			})
			_, codes := hs.enrollWithCodes("alice")
			w := hs.backupLogin("alice", codes[0])
			require.Equal(t, tc.wantCode, w.Code)
			pending := cookieNamed(w, "portalmfa_pending")
			require.NotNil(t, pending, "the pending cookie is cleared whatever the host does")
			assert.Negative(t, pending.MaxAge)
			switch tc.wantBody {
			case "":
				assert.Contains(t, w.Body.String(), `href="`+strings.ReplaceAll(tc.wantNext, "&", "&amp;")+`">Continue</a>`)
				assert.NotContains(t, w.Body.String(), "moved")
				assert.Empty(t, w.Header().Get("Location"))
				assert.Equal(t, "yes", w.Header().Get("X-Host"))
			case "-":
				assert.Empty(t, w.Body.String())
			default:
				assert.Equal(t, tc.wantBody, w.Body.String())
				assert.NotContains(t, w.Body.String(), "Continue")
			}
		})
	}
}

// The backup form is behind the pending-login cookie like the code form,
// and a refused visit spends no code.
func TestBackupNeedsPending(t *testing.T) {
	hs := newHost(t)
	_, codes := hs.enrollWithCodes("alice")
	expired := hs.pending("alice")
	hs.clock.Add(6 * time.Minute)
	tests := []struct {
		name    string
		opts    []reqOption
		wantLoc string
	}{
		{"no cookie", nil, "/login"},
		{"a session is no pending login", []reqOption{as("alice")}, "/login"},
		{"garbage", []reqOption{withCookie(&http.Cookie{Name: "portalmfa_pending", Value: "x.y"})}, "/login"},
		{"expired", []reqOption{withCookie(expired)}, "/login?reason=expired"},
	}
	for _, tc := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				var f url.Values
				if method == http.MethodPost {
					f = form("code", codes[0])
				}
				w := hs.do(method, "/login/2fa/backup", f, tc.opts...)
				assert.Equal(t, http.StatusSeeOther, w.Code)
				assert.Equal(t, tc.wantLoc, w.Header().Get("Location"))
			})
		}
	}
	assert.Empty(t, hs.passedUsers())
	assert.Equal(t, 10, hs.status("alice").BackupCodes, "no code spent")
}

// Wrong backup codes and wrong TOTP codes fill one lockout counter.
func TestBackupLockoutSharedWithTOTP(t *testing.T) {
	hs := newHostWith(t, func(c *portalmfa.Config) {
		c.UserLimit = lockout.Limit{Threshold: 5, Delay: time.Minute, MaxDelay: time.Hour}
	})
	secret, codes := hs.enrollWithCodes("alice")
	_, bobCodes := hs.enrollWithCodes("bob")
	pending := withCookie(hs.pending("alice"))
	wrong := wrongCode(secret, hs.clock.Now())
	for i := range 3 {
		w := hs.do(http.MethodPost, "/login/2fa/", form("code", wrong), pending)
		require.Equal(t, http.StatusUnprocessableEntity, w.Code, "TOTP attempt %d", i+1)
	}
	w := hs.do(http.MethodPost, "/login/2fa/backup", form("code", bobCodes[0]), pending)
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, "backup attempt 1: the counter of 5 is not full yet")
	assert.Contains(t, w.Body.String(), "1 try left")
	w = hs.do(http.MethodPost, "/login/2fa/backup", form("code", bobCodes[1]), pending)
	require.Equal(t, http.StatusTooManyRequests, w.Code, "backup attempt 2 fills it")
	assert.Contains(t, w.Body.String(), "<fieldset disabled>")
	w = hs.do(http.MethodPost, "/login/2fa/backup", form("code", codes[0]), pending)
	require.Equal(t, http.StatusTooManyRequests, w.Code, "3 + 2 failures: locked, even for the right code")
	assert.Contains(t, w.Body.String(), "Try again in 1 minute.")
	assert.Equal(t, "60", w.Header().Get("Retry-After"))
	hs.clock.Add(totp.Period)
	w = hs.do(http.MethodPost, "/login/2fa/", form("code", totp.Code(secret, hs.clock.Now())), pending)
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "the TOTP form is locked too")
	assert.Empty(t, hs.passedUsers())
	assert.Equal(t, 10, hs.status("alice").BackupCodes, "the refused code was not spent")

	// A malformed code is no attempt: it never locks anyone out.
	hs.clock.Add(time.Hour)
	for range 10 {
		w := hs.do(http.MethodPost, "/login/2fa/backup", form("code", "nope"), withCookie(hs.pending("alice")))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
	}
	assert.Equal(t, http.StatusOK, hs.backupLogin("alice", codes[0]).Code)
}

// A wizard left half-way is not open to a session alone: the key, the codes
// and the confirmation need the recent verification its start needed.
func TestPendingWizardNeedsVerification(t *testing.T) {
	hs := newHost(t)
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
	secret := keyFromPage(t, hs.do(http.MethodGet, "/my/security/totp/setup", nil, hs.sudo("bob")).Body.String())
	for _, tc := range []struct{ method, path, back string }{
		{http.MethodGet, "/my/security/totp/setup", "%2Ftotp%2Fsetup"},
		{http.MethodGet, "/my/security/totp/codes", "%2Ftotp%2Fsetup"},
		{http.MethodGet, "/my/security/totp/confirm", "%2Ftotp%2Fconfirm"},
		{http.MethodPost, "/my/security/totp/confirm", "%2Ftotp%2Fconfirm"},
	} {
		w := hs.do(tc.method, tc.path, form("code", totp.Code(secret, hs.clock.Now())), as("bob"))
		require.Equal(t, http.StatusSeeOther, w.Code, tc.path)
		assert.Equal(t, "/my/security/verify?need=password&next="+tc.back, w.Header().Get("Location"), tc.path)
		assert.NotContains(t, w.Body.String(), totp.EncodeSecret(secret))
	}
	w := hs.do(http.MethodGet, "/my/security/totp/qr.png", nil, as("bob"))
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, portalmfa.Pending, hs.status("bob").Factor(portalmfa.FactorTOTP).State)
}

// Step 1's Next is a POST answered by a redirect, so step 2 is a GET: a
// reload, or Back from step 3, shows the same codes and posts nothing
// again (found on a walk through the wizard: each reload made new codes,
// and the ones already saved stopped working without a word).
func TestWizardCodesSurviveReload(t *testing.T) {
	hs := newHost(t)
	bob := hs.sudo("bob")
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), bob).Code)
	w := hs.do(http.MethodPost, "/my/security/totp/codes", form(), bob)
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/my/security/totp/codes", w.Header().Get("Location"))
	first := codesFromPage(t, hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob).Body.String())
	hs.do(http.MethodPost, "/my/security/totp/codes", form(), bob) // Next again, from step 1 in another tab
	again := codesFromPage(t, hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob).Body.String())
	assert.Equal(t, first, again)

	secret := keyFromPage(t, hs.do(http.MethodGet, "/my/security/totp/setup", nil, bob).Body.String())
	w = hs.do(http.MethodPost, "/my/security/totp/confirm", form("code", totp.Code(secret, hs.clock.Now())), bob)
	require.Equal(t, http.StatusSeeOther, w.Code)
	hs.backupLogin("bob", first[0])
	assert.Equal(t, []string{"bob"}, hs.passedUsers(), "the codes shown first are the account's")
	w = hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob)
	assert.Equal(t, http.StatusSeeOther, w.Code, "once TOTP is on, step 2 shows nothing")
	assert.NotContains(t, w.Body.String(), first[1])
}

// Cancel, at any step of the wizard, ends it: the overview no longer says
// "Setup not finished", the key and the codes are gone, and an active
// factor is never touched.
func TestWizardCancel(t *testing.T) {
	for _, step := range []string{"/totp/setup", "/totp/codes", "/totp/confirm"} {
		t.Run(step, func(t *testing.T) {
			hs := newHost(t)
			bob := hs.sudo("bob")
			require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), bob).Code)
			hs.do(http.MethodGet, "/my/security/totp/codes", nil, bob)
			body := hs.do(http.MethodGet, "/my/security"+step, nil, bob).Body.String()
			assert.Contains(t, body, `action="/my/security/totp/cancel"`)
			w := hs.do(http.MethodPost, "/my/security/totp/cancel", form(), as("bob")) // no proof needed
			require.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/my/security/", w.Header().Get("Location"))
			st := hs.status("bob")
			assert.Equal(t, portalmfa.Off, st.Factor(portalmfa.FactorTOTP).State)
			assert.False(t, st.BackupCodesShown)
			assert.NotContains(t, hs.do(http.MethodGet, "/my/security/", nil, as("bob")).Body.String(), "Setup not finished")
		})
	}
	t.Run("an active factor stays", func(t *testing.T) {
		hs := newHost(t)
		hs.enroll("alice")
		w := hs.do(http.MethodPost, "/my/security/totp/cancel", form(), as("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code)
		st := hs.status("alice")
		assert.Equal(t, portalmfa.On, st.Factor(portalmfa.FactorTOTP).State)
		assert.Equal(t, 10, st.BackupCodes)
	})
	t.Run("cross-site", func(t *testing.T) {
		hs := newHost(t)
		require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
		w := hs.do(http.MethodPost, "/my/security/totp/cancel", form(), as("bob"), withHeader("Sec-Fetch-Site", "cross-site"))
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Equal(t, portalmfa.Pending, hs.status("bob").Factor(portalmfa.FactorTOTP).State)
	})
}
