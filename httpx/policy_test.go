package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
)

// newPolicyHost is a host whose users are in groups (alice a partner, bob
// a customer) and whose Service has policies ps.
func newPolicyHost(t *testing.T, ps ...policy.Policy) *host {
	groups := map[string][]string{"alice": {"partners"}, "bob": {"customers"}}
	hs := newHostWith(t, func(c *portalmfa.Config) {
		c.Policies = ps
		c.LookupUser = func(_ context.Context, userID string) (portalmfa.User, error) {
			return portalmfa.User{ID: userID, Groups: groups[userID]}, nil
		}
	})
	for id, g := range groups {
		u := hs.users[id]
		u.Groups = g
		hs.users[id] = u
	}
	return hs
}

var partners = policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14}

// The security page's banner: info when recommended, a warning with the
// deadline and the days left in grace, danger once overdue, none once met;
// a policy's own text replaces the default in its language.
func TestPolicyBanner(t *testing.T) {
	recommended := policy.Policy{Name: "customers", Groups: []string{"customers"}, Level: policy.Recommended,
		Banners: map[string]string{"en": "Acme asks every customer to turn on 2FA."}}
	hs := newPolicyHost(t, partners, recommended)
	banner := func(userID string) (string, string) {
		t.Helper()
		w := hs.do(http.MethodGet, "/my/security/", nil, as(userID))
		require.Equal(t, http.StatusOK, w.Code)
		body := pageText(w)
		i := indexOf(body, `id="portalmfa-banner"`)
		if i < 0 {
			return "", ""
		}
		kind := body[lastIndex(body[:i], "alert-")+6:]
		kind = kind[:indexOf(kind, " ")]
		text := body[indexOf(body[i:], ">")+i+1:]
		return kind, text[:indexOf(text, "</div>")]
	}
	kind, text := banner("bob")
	assert.Equal(t, "info", kind)
	assert.Equal(t, "Acme asks every customer to turn on 2FA.", text)

	kind, text = banner("alice")
	assert.Equal(t, "warning", kind)
	assert.Equal(t, "Two-factor authentication is required for your account by Mar 28, 2026: 14 days left. Set up one of the methods below.", text)
	hs.clock.Add(13*24*time.Hour + time.Hour)
	_, text = banner("alice")
	assert.Contains(t, text, ": 1 day left.")
	hs.clock.Add(24 * time.Hour)
	kind, text = banner("alice")
	assert.Equal(t, "danger", kind)
	assert.Equal(t, "Two-factor authentication has been required for your account since Mar 28, 2026. Set up one of the methods below to use the portal again.", text)

	hs.enroll("alice")
	kind, _ = banner("alice")
	assert.Empty(t, kind, "met: no banner")
	kind, _ = banner("dora")
	assert.Empty(t, kind, "in no group: no banner")
}

func indexOf(s, sub string) int { return strings.Index(s, sub) }

func lastIndex(s, sub string) int { return strings.LastIndex(s, sub) }

// Confine keeps an overdue user on the security page; the page itself,
// the host's open paths and visitors without a session pass; enrolling
// releases the user.
func TestConfine(t *testing.T) {
	hs := newPolicyHost(t, partners)
	app := http.NewServeMux()
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	app.Handle("/my/security/", hs.mux)
	app.Handle("/login/2fa/", hs.mux)
	confined := hs.h.Confine(app, "/logout", "/assets/")
	get := func(path string, opts ...reqOption) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "http://portal.example"+path, nil)
		for _, o := range opts {
			o(r)
		}
		w := httptest.NewRecorder()
		confined.ServeHTTP(w, r)
		return w
	}
	assert.Equal(t, http.StatusTeapot, get("/account", as("alice")).Code, "in grace: free")
	hs.clock.Add(15 * 24 * time.Hour)
	w := get("/account", as("alice"))
	assert.Equal(t, http.StatusSeeOther, w.Code, "overdue: confined")
	assert.Equal(t, "/my/security/", w.Header().Get("Location"))
	assert.Equal(t, http.StatusSeeOther, get("/logoutx", as("alice")).Code, "an exact open path only")
	for _, open := range []string{"/logout", "/assets/site.css", "/my/security/", "/my/security/static/portalmfa.css"} {
		assert.NotEqual(t, http.StatusSeeOther, get(open, as("alice")).Code, open)
	}
	assert.Equal(t, http.StatusTeapot, get("/account", as("bob")).Code, "not a partner")
	assert.Equal(t, http.StatusTeapot, get("/account").Code, "no session")

	hs.store.down.Store(true)
	assert.Equal(t, http.StatusServiceUnavailable, get("/account", as("alice")).Code, "fail closed")
	hs.store.down.Store(false)

	hs.enroll("alice")
	assert.Equal(t, http.StatusTeapot, get("/account", as("alice")).Code, "enrolled: released")
}

// Factors the user's policy does not count are not offered: not on the
// security page, not at the challenge (backup codes still are).
func TestPolicyHidesFactors(t *testing.T) {
	keysOnly := policy.Policy{Name: "partners", Groups: []string{"partners"}, Allowed: []string{"passkey"}}
	hs := newPolicyHost(t)
	hs.enroll("alice") // before the policy
	later := newHostWith(t, func(c *portalmfa.Config) {
		c.Store = hs.store
		c.Policies = []policy.Policy{keysOnly}
		c.LookupUser = func(_ context.Context, userID string) (portalmfa.User, error) {
			return portalmfa.User{ID: userID, Groups: []string{"partners"}}, nil
		}
	})
	body := later.do(http.MethodGet, "/login/2fa/", nil, withCookie(later.pending("alice"))).Body.String()
	assert.Contains(t, body, `action="/login/2fa/backup"`, "the app does not count: backup codes")
	assert.NotContains(t, body, `action="/login/2fa/"`)

	u := later.users["bob"]
	u.Groups = []string{"partners"}
	later.users["bob"] = u
	body = later.do(http.MethodGet, "/my/security/", nil, as("bob")).Body.String()
	assert.NotContains(t, body, "/my/security/totp/begin", "the app is not offered")
	assert.Contains(t, body, "/my/security/passkeys/add")
}

// A required policy's refusal to let the last factor go is said on the
// page, before any password is asked for.
func TestPolicyKeepsTheLastFactorPage(t *testing.T) {
	hs := newPolicyHost(t, partners)
	hs.enroll("alice")
	w := hs.do(http.MethodPost, "/my/security/totp/disable", form(), as("alice"))
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Contains(t, pageText(w), "Your organisation requires two-factor authentication, and this is the last of your methods it accepts.")
	assert.Equal(t, portalmfa.On, hs.status("alice").Factor(portalmfa.FactorTOTP).State)
}

// The challenge's "trust this device" label promises what the user's
// policy allows, on every page of the challenge.
func TestChallengeTrustUnderPolicy(t *testing.T) {
	capped := policy.Policy{Name: "capped", Groups: []string{"partners"}, Level: policy.Recommended, TrustDays: 3}
	hs := newPolicyHost(t, capped)
	hs.enroll("alice")
	hs.enroll("bob")
	for _, path := range []string{"/login/2fa/", "/login/2fa/backup"} {
		body := pageText(hs.do(http.MethodGet, path, nil, withCookie(hs.pending("alice"))))
		assert.Contains(t, body, "Trust this device for 3 days", path)
		body = pageText(hs.do(http.MethodGet, path, nil, withCookie(hs.pending("bob"))))
		assert.Contains(t, body, "Trust this device for 30 days", path+": a user the policy does not target")
	}
}
