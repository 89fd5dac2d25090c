package httpx_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/internal/softauthn"
)

// newAuthenticator answers ceremonies of the test host's origin.
func newAuthenticator() *softauthn.Authenticator {
	return &softauthn.Authenticator{Origin: "https://portal.example", UV: true, Counting: true}
}

var optionsAttr = regexp.MustCompile(`data-options="([^"]*)"`)

// ceremonyOf returns the options a page carries for our script, and the
// ceremony cookie that came with it.
func ceremonyOf(t testing.TB, w *httptest.ResponseRecorder) ([]byte, *http.Cookie) {
	t.Helper()
	m := optionsAttr.FindStringSubmatch(w.Body.String())
	require.NotNil(t, m, "no passkey options on the page")
	c := cookieNamed(w, "portalmfa_ceremony")
	require.NotNil(t, c, "no ceremony cookie")
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
	return []byte(html.UnescapeString(m[1])), c
}

// addPasskey registers a passkey of a for userID through the pages, with
// a recent password verification, and returns the final answer.
func (hs *host) addPasskey(a *softauthn.Authenticator, userID string, proof reqOption) *httptest.ResponseRecorder {
	hs.t.Helper()
	w := hs.do(http.MethodGet, "/my/security/passkeys/add", nil, proof)
	require.Equal(hs.t, http.StatusOK, w.Code, w.Header().Get("Location"))
	opts, c := ceremonyOf(hs.t, w)
	resp, err := a.Create(opts)
	require.NoError(hs.t, err)
	return hs.do(http.MethodPost, "/my/security/passkeys/add", form("response", string(resp)), proof, withCookie(c))
}

func TestPasskeyPages(t *testing.T) {
	hs := newHost(t)
	a := newAuthenticator()

	t.Run("adding a first passkey needs the password", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/passkeys/add", nil, as("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/verify?need=password&next=%2Fpasskeys%2Fadd", w.Header().Get("Location"))
	})
	var codes []string
	t.Run("a first passkey shows the account's backup codes", func(t *testing.T) {
		w := hs.addPasskey(a, "alice", hs.sudo("alice"))
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		assert.Contains(t, body, "<title>Passkey added</title>")
		codes = codesFromPage(t, body)
		assert.Len(t, codes, 10)
		assert.Zero(t, stepOf(t, body))
		assertSafePage(t, w)
		assert.Equal(t, 10, hs.status("alice").BackupCodes)
	})
	t.Run("the overview lists it", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("alice"))
		body := w.Body.String()
		assert.Contains(t, body, "1 passkey")
		assert.Contains(t, body, "This device only")
		assert.Contains(t, body, "Not used yet")
		assert.Contains(t, body, "10 codes left")
	})
	ps, err := hs.svc.Passkeys(t.Context(), "alice")
	require.NoError(t, err)
	require.Len(t, ps, 1)
	id := ps[0].ID

	t.Run("the ceremony is this browser's and this user's, finished once", func(t *testing.T) {
		// 2FA is on now: another passkey needs a factor.
		w := hs.do(http.MethodGet, "/my/security/passkeys/add", nil, hs.sudo("alice"))
		assert.Equal(t, "/my/security/verify?need=factor&next=%2Fpasskeys%2Fadd", w.Header().Get("Location"))
		proof := hs.sudoCode("alice", codes[0])
		w = hs.do(http.MethodGet, "/my/security/passkeys/add", nil, proof)
		require.Equal(t, http.StatusOK, w.Code)
		opts, c := ceremonyOf(t, w)
		resp, err := newAuthenticator().Create(opts)
		require.NoError(t, err)
		post := func(opts ...reqOption) *httptest.ResponseRecorder {
			return hs.do(http.MethodPost, "/my/security/passkeys/add", form("response", string(resp)), opts...)
		}
		w = post(proof) // no cookie: another browser
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), "That took too long")
		w = post(hs.sudo("bob"), withCookie(c)) // bob with alice's ceremony: spends it
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Empty(t, mustPasskeys(t, hs, "bob"))
		w = post(proof, withCookie(c))
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code, "spent by bob's try")

		w = hs.addPasskey(newAuthenticator(), "alice", proof)
		require.Equal(t, http.StatusSeeOther, w.Code, "not a first factor: back to the overview")
		assert.Equal(t, "/my/security/?done=passkey-added#portalmfa-passkeys", w.Header().Get("Location"))
		assert.Len(t, mustPasskeys(t, hs, "alice"), 2)
	})
	t.Run("rename", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/my/security/passkeys/"+id+"/rename", form("name", "Work laptop"), as("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/?done=passkey-renamed&passkey="+id+"#portalmfa-passkey-"+id, w.Header().Get("Location"))
		w = hs.do(http.MethodGet, "/my/security/?done=passkey-renamed&passkey="+id, nil, as("alice"))
		row := itemOf(t, w.Body.String(), "portalmfa-passkey-"+id)
		assert.Contains(t, row, "Work laptop")
		assert.Contains(t, row, "The passkey was renamed.", "beside the passkey")
		w = hs.do(http.MethodPost, "/my/security/passkeys/"+id+"/rename", form("name", "  "), as("alice"))
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
		assert.Contains(t, w.Body.String(), `aria-invalid="true" aria-describedby="portalmfa-passkey-`+id+`-message"`)
		assert.Contains(t, itemOf(t, w.Body.String(), "portalmfa-passkey-"+id), `id="portalmfa-passkey-`+id+`-message" role="alert"`)
		w = hs.do(http.MethodPost, "/my/security/passkeys/"+id+"/rename", form("name", "Mine now"), as("bob"))
		assert.Equal(t, http.StatusNotFound, w.Code, "another user's passkey")
		for _, p := range mustPasskeys(t, hs, "alice") {
			if p.ID == id {
				assert.Equal(t, "Work laptop", p.Name)
			}
		}
	})
	t.Run("delete one of two: any verification, then confirm", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/passkeys/"+id+"/delete", nil, as("alice"))
		assert.Equal(t, "/my/security/verify?need=any&next=%2Fpasskeys%2F"+id+"%2Fdelete", w.Header().Get("Location"))
		proof := hs.sudo("alice")
		w = hs.do(http.MethodGet, "/my/security/passkeys/"+id+"/delete", nil, proof)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, w.Body.String(), "Work laptop")
		assert.NotContains(t, w.Body.String(), "last way")
		w = hs.do(http.MethodPost, "/my/security/passkeys/"+id+"/delete", form(), hs.sudo("bob"))
		assert.Equal(t, http.StatusSeeOther, w.Code)
		assert.Len(t, mustPasskeys(t, hs, "alice"), 2, "bob deletes nothing of alice's")
		w = hs.do(http.MethodPost, "/my/security/passkeys/"+id+"/delete", form(), proof)
		require.Equal(t, http.StatusSeeOther, w.Code)
		assert.Equal(t, "/my/security/?done=passkey-deleted#portalmfa-passkeys", w.Header().Get("Location"))
		assert.Len(t, mustPasskeys(t, hs, "alice"), 1)
		assert.True(t, hs.status("alice").Enabled())
	})
}

// The challenge of a user whose only factor is a passkey: no code field,
// the passkey button, and the passkey passes.
func TestChallengeWithPasskey(t *testing.T) {
	hs := newHost(t)
	a := newAuthenticator()
	require.Equal(t, http.StatusOK, hs.addPasskey(a, "alice", hs.sudo("alice")).Code)

	pending := hs.pending("alice")
	w := hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(pending))
	require.Equal(t, http.StatusOK, w.Code)
	assert.NotContains(t, w.Body.String(), `name="code"`)
	assert.Contains(t, w.Body.String(), `action="/login/2fa/passkey"`)
	opts, c := ceremonyOf(t, w)
	assert.Equal(t, "/login/2fa", c.Path)
	resp, err := a.Get(opts)
	require.NoError(t, err)

	w = hs.do(http.MethodPost, "/login/2fa/passkey", form("response", string(resp)), withCookie(c))
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Contains(t, w.Header().Get("Location"), "/login", "no pending login: start over")
	assert.Empty(t, hs.passedUsers())

	w = hs.do(http.MethodPost, "/login/2fa/passkey", form("response", `{"id":"x"}`, "trust", "1"), withCookie(pending), withCookie(c))
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code, "a malformed answer")
	assert.Empty(t, hs.passedUsers())
	w = hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(pending))
	opts, c = ceremonyOf(t, w)
	resp, err = a.Get(opts)
	require.NoError(t, err)
	w = hs.do(http.MethodPost, "/login/2fa/passkey", form("response", string(resp), "trust", "1"), withCookie(pending), withCookie(c))
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/home", w.Header().Get("Location"))
	assert.Equal(t, []string{"alice"}, hs.passedUsers())
	assert.NotNil(t, cookieNamed(w, "portalmfa_device"), "trusted as asked")
}

func TestPasswordlessHandler(t *testing.T) {
	var signedIn []string
	hs := newHost(t, func(c *httpx.Config) {
		c.PasswordlessPassed = func(w http.ResponseWriter, r *http.Request, userID string) {
			signedIn = append(signedIn, userID)
			http.Redirect(w, r, "/home", http.StatusSeeOther)
		}
	})
	a := newAuthenticator()
	require.Equal(t, http.StatusOK, hs.addPasskey(a, "alice", hs.sudo("alice")).Code)
	options := func(query string) ([]byte, *http.Cookie) {
		w := hs.do(http.MethodPost, "/login/passkey/options"+query, form())
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		c := cookieNamed(w, "portalmfa_ceremony")
		require.NotNil(t, c)
		assert.Equal(t, "/login/passkey", c.Path)
		return w.Body.Bytes(), c
	}

	opts, c := options("?conditional=1")
	assert.Contains(t, string(opts), `"mediation":"conditional"`)
	resp, err := a.Get(opts)
	require.NoError(t, err)
	w := hs.do(http.MethodPost, "/login/passkey/", form("response", string(resp)), withCookie(c))
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/home", w.Header().Get("Location"))
	assert.Equal(t, []string{"alice"}, signedIn)

	t.Run("replayed", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/login/passkey/", form("response", string(resp)), withCookie(c))
		assert.Equal(t, "/login?reason=passkey", w.Header().Get("Location"))
	})
	t.Run("without user verification", func(t *testing.T) {
		opts, c := options("")
		a.UV = false
		resp, err := a.Get(opts)
		a.UV = true
		require.NoError(t, err)
		w := hs.do(http.MethodPost, "/login/passkey/", form("response", string(resp)), withCookie(c))
		assert.Equal(t, "/login?reason=passkey", w.Header().Get("Location"))
	})
	t.Run("bad input", func(t *testing.T) {
		_, c := options("")
		for _, resp := range []string{"", "{}", "<script>alert(1)</script>", strings.Repeat("A", 20<<10)} {
			w := hs.do(http.MethodPost, "/login/passkey/", form("response", resp), withCookie(c))
			assert.Equal(t, "/login?reason=passkey", w.Header().Get("Location"))
		}
		w := hs.do(http.MethodPost, "/login/passkey/options", form(), withHeader("Sec-Fetch-Site", "cross-site"))
		assert.Equal(t, http.StatusForbidden, w.Code)
		w = hs.do(http.MethodGet, "/login/passkey/options", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	})
	assert.Equal(t, []string{"alice"}, signedIn, "nobody else signed in")

	t.Run("off without the host's callback", func(t *testing.T) {
		off := newHost(t)
		w := off.do(http.MethodPost, "/login/passkey/options", form())
		assert.Equal(t, http.StatusNotFound, w.Code)
	})
}

func mustPasskeys(t *testing.T, hs *host, userID string) []portalmfa.Passkey {
	t.Helper()
	ps, err := hs.svc.Passkeys(t.Context(), userID)
	require.NoError(t, err)
	return ps
}
