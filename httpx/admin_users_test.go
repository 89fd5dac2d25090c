package httpx_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/policy"
	"github.com/portalmfa/portalmfa/totp"
)

// The console's users: their state a page at a time, searched, filtered by
// standing, and exported; administrators only.
func TestAdminUsers(t *testing.T) {
	hs := newAdminHost(t) // u0…u29, every third a partner
	ctx := t.Context()
	require.NoError(t, hs.svc.SavePolicy(ctx, policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 7}, root))
	hs.enroll("u3")                                                                            // a partner complying
	ps, err := hs.svc.PolicyState(ctx, portalmfa.User{ID: "u6", Groups: []string{"partners"}}) // found short
	require.NoError(t, err)
	require.Equal(t, policy.InGrace, ps.Standing)
	hs.clock.Add(8 * 24 * time.Hour)

	assert.Equal(t, http.StatusForbidden, hs.do(http.MethodGet, "/admin/2fa/users", nil, as("alice")).Code)

	w := hs.do(http.MethodGet, "/admin/2fa/users", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	body := pageText(w)
	assert.Contains(t, body, "30 users.")
	assert.Equal(t, 25, strings.Count(body, `class="portalmfa-user"`), "a page of 25")
	assert.Contains(t, body, `rel="next"`)
	assert.Contains(t, body, "Page 1 of 2")
	page2 := pageText(hs.do(http.MethodGet, "/admin/2fa/users?page=2", nil, asAdmin))
	assert.Equal(t, 5, strings.Count(page2, `class="portalmfa-user"`))

	overdue := pageText(hs.do(http.MethodGet, "/admin/2fa/users?filter=overdue", nil, asAdmin))
	assert.Contains(t, overdue, "1 user.", "u6, found short 8 days ago with 7 of grace")
	assert.Contains(t, overdue, `data-user="u6"`)
	grace := pageText(hs.do(http.MethodGet, "/admin/2fa/users?filter=in-grace", nil, asAdmin))
	assert.Contains(t, grace, "8 users.", "the other partners without a factor: their grace would start now")
	none := pageText(hs.do(http.MethodGet, "/admin/2fa/users?filter=no-2fa", nil, asAdmin))
	assert.Contains(t, none, "29 users.")
	assert.NotContains(t, none, `data-user="u3"`)

	for _, bad := range []string{"?filter=nope", "?q=" + strings.Repeat("x", 201)} {
		assert.Equal(t, http.StatusBadRequest, hs.do(http.MethodGet, "/admin/2fa/users"+bad, nil, asAdmin).Code, bad)
	}

	w = hs.do(http.MethodGet, "/admin/2fa/users.csv?filter=", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	records, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 31, "a header and every user")
	var u3 []string
	for _, r := range records {
		if r[0] == "u3" {
			u3 = r
		}
	}
	require.NotNil(t, u3)
	assert.Equal(t, "true", u3[3], "the app")
	assert.Equal(t, "'=cmd|' /C calc'!A0", u3[1], "a formula is defused")
	assert.Equal(t, "free", u3[11])
}

// Page numbers from the query: malformed or absurd ones are refused, one
// past the end goes to the last page.
func TestAdminUsersPages(t *testing.T) {
	hs := newAdminHost(t)
	for _, page := range []string{"0", "-1", "x", "400000000000000000", "368934881474191033"} {
		for _, filter := range []string{"", "overdue"} {
			w := hs.do(http.MethodGet, "/admin/2fa/users?filter="+filter+"&page="+page, nil, asAdmin)
			assert.Equal(t, http.StatusBadRequest, w.Code, "page %s, filter %q", page, filter)
		}
	}
	w := hs.do(http.MethodGet, "/admin/2fa/users?page=9", nil, asAdmin)
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/admin/2fa/users?filter=&page=2&q=", w.Header().Get("Location"))
}

// The console's reset: a reason asked for, then every factor gone, and the
// user's security history names the administrator.
func TestAdminResetPage(t *testing.T) {
	hs := newAdminHost(t)
	hs.enroll("u3")
	w := hs.do(http.MethodGet, "/admin/2fa/users/u3/reset", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, pageText(w), "Reset two-factor authentication?")
	assert.Contains(t, pageText(w), "Authenticator app")
	assert.Equal(t, http.StatusForbidden, hs.do(http.MethodPost, "/admin/2fa/users/u3/reset", form("reason", "x"), as("alice")).Code)
	assert.Equal(t, http.StatusForbidden, hs.do(http.MethodPost, "/admin/2fa/users/u3/reset", form("reason", "x"), asAdmin, withHeader("Sec-Fetch-Site", "cross-site")).Code)

	w = hs.do(http.MethodPost, "/admin/2fa/users/u3/reset", form("reason", "  "), asAdmin)
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	assert.Contains(t, pageText(w), "Give a reason for the reset.")
	assert.True(t, hs.status("u3").Enabled())

	w = hs.do(http.MethodPost, "/admin/2fa/users/u3/reset", form("reason", "Lost phone, identity checked by phone."), asAdmin)
	require.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/admin/2fa/users?done=reset", w.Header().Get("Location"))
	assert.False(t, hs.status("u3").Enabled())
	events, err := hs.svc.SecurityEvents(t.Context(), "u3")
	require.NoError(t, err)
	assert.Equal(t, "root@example.com", events[0].Actor, "the administrator's AccountLabel")
	assert.Equal(t, "Lost phone, identity checked by phone.", events[0].Note)
	assert.Contains(t, pageText(hs.do(http.MethodGet, "/admin/2fa/users?done=reset", nil, asAdmin)), "Two-factor authentication was reset.")
}

// The dashboard: the share with 2FA, by method, and who a required
// policy waits on; a chart drawn on the server.
func TestAdminDashboard(t *testing.T) {
	hs := newAdminHost(t)
	require.NoError(t, hs.svc.SavePolicy(t.Context(), policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 7}, root))
	hs.enroll("u0")
	hs.enroll("u1")
	assert.Equal(t, http.StatusForbidden, hs.do(http.MethodGet, "/admin/2fa/", nil, as("alice")).Code)
	w := hs.do(http.MethodGet, "/admin/2fa/", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	body := pageText(w)
	assert.Contains(t, body, "7% of users have two-factor authentication on: 2 of 30.")
	assert.Contains(t, body, "9 users must turn it on within their deadline.")
	assert.Contains(t, body, "0 users are overdue.")
	assert.Contains(t, body, `<svg class="portalmfa-chart"`)
	assert.Contains(t, body, `width="7" fill="#1d5fbf"`, "the app's bar: 7%")
	assert.NotContains(t, w.Body.String(), "<script>", "no inline script")
	assert.Contains(t, body, "0 failed second-factor attempts")

	// The last day: u0 is locked out (three failures); a refused password
	// is not a challenge.
	secret := hs.enroll("u2")
	hs.svc.RecordSignIn(t.Context(), "u2", portalmfa.Client{}, portalmfa.ErrWrongPassword)
	for range 3 {
		hs.clock.Add(totp.Period)
		assert.ErrorIs(t, hs.svc.VerifyTOTP(t.Context(), "u2", wrongCode(secret, hs.clock.Now()), portalmfa.Client{}), portalmfa.ErrInvalidCode)
	}
	w = hs.do(http.MethodGet, "/admin/2fa/", nil, asAdmin)
	day := pageText(w)
	day = day[strings.Index(day, `id="portalmfa-last-day"`):]
	assert.Contains(t, day, `<a href="/admin/2fa/audit?from=2026-03-13&kind=failed">3 failed second-factor attempts</a>`, "the day before, 6 PM in Tokyo")
	assert.Contains(t, day, `<a href="/admin/2fa/audit?from=2026-03-13&kind=locked-out">1 lockout</a>`)
	hs.clock.Add(25 * time.Hour)
	assert.Contains(t, pageText(hs.do(http.MethodGet, "/admin/2fa/", nil, asAdmin)), "0 lockouts", "a day later")
}
