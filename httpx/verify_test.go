package httpx_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The verify page sends the user back only to a page of its own handler.
func TestVerifyNext(t *testing.T) {
	hs := newHost(t)
	for next, want := range map[string]string{
		"/totp/disable":               "/my/security/totp/disable",
		"/passkeys/AbC-_9/delete":     "/my/security/passkeys/AbC-_9/delete",
		"":                            "/my/security/",
		"//evil.example/x":            "/my/security/",
		"https://evil.example/":       "/my/security/",
		"/\\evil.example":             "/my/security/",
		"/../../logout":               "/my/security/",
		"/%2e%2e/logout":              "/my/security/",
		"/totp/disable\r\nSet-Cookie": "/my/security/",
	} {
		w := hs.do(http.MethodPost, "/my/security/verify", form("method", "password", "password", "pw-alice", "next", next), as("alice"))
		require.Equal(t, http.StatusSeeOther, w.Code, next)
		assert.Equal(t, want, w.Header().Get("Location"), "next %q", next)
	}
	w := hs.do(http.MethodGet, "/my/security/verify?next=//evil.example", nil, as("alice"))
	assert.Contains(t, w.Body.String(), `name="next" value="/"`)
}
