package httpx_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/totp"
)

// rowsOf returns each table row of class in the page, its entities
// unescaped.
func rowsOf(t *testing.T, w *httptest.ResponseRecorder, class string) []string {
	t.Helper()
	parts := strings.Split(w.Body.String(), `class="`+class+`"`)
	var rows []string
	for _, p := range parts[1:] {
		end := strings.Index(p, "</tr>")
		require.GreaterOrEqual(t, end, 0)
		rows = append(rows, html.UnescapeString(p[:end]))
	}
	return rows
}

// attr returns the attribute of the element of id, unescaped; "" when
// there is no such element.
func attr(t *testing.T, w *httptest.ResponseRecorder, id, name string) string {
	t.Helper()
	body := w.Body.String()
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		return ""
	}
	start = strings.LastIndex(body[:start], "<")
	tag := body[start : start+strings.Index(body[start:], ">")]
	_, v, ok := strings.Cut(tag, " "+name+`="`)
	require.True(t, ok, "%s has no %s", id, name)
	return html.UnescapeString(v[:strings.Index(v, `"`)])
}

// TestAdminAudit: the log lists every user's security events, newest
// first, in the administrator's zone, with who did it and why; a filter
// narrows it to a user, a kind, failed attempts, days.
func TestAdminAudit(t *testing.T) {
	hs := newAdminHost(t)
	ctx := t.Context()
	secret := hs.enroll("u0")
	hs.enroll("u1")
	hs.clock.Add(totp.Period)
	assert.ErrorIs(t, hs.svc.VerifyTOTP(ctx, "u0", wrongCode(secret, hs.clock.Now()), portalmfa.Client{IP: "198.51.100.9"}), portalmfa.ErrInvalidCode)
	hs.clock.Add(time.Hour)
	require.NoError(t, hs.svc.AdminReset(ctx, "u1", "Lost phone <script>alert(1)</script>", portalmfa.Actor{Name: "root@example.com"}))

	assert.Equal(t, http.StatusForbidden, hs.do(http.MethodGet, "/admin/2fa/audit", nil, as("alice")).Code)
	w := hs.do(http.MethodGet, "/admin/2fa/audit", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.NotContains(t, w.Body.String(), "<script>alert(1)", "the reason is escaped")
	rows := rowsOf(t, w, "portalmfa-audit-entry")
	require.NotEmpty(t, rows)
	assert.Contains(t, rows[0], "Two-factor authentication reset by an administrator")
	assert.Contains(t, rows[0], "User 1", "the host's name of the user")
	assert.Contains(t, rows[0], "root@example.com")
	assert.Contains(t, rows[0], "Lost phone <script>alert(1)</script>")
	// 10:26 UTC is 7:26 PM in Tokyo, the administrator's zone.
	assert.Contains(t, rows[0], "7:26 PM JST")
	for _, row := range rows {
		assert.NotContains(t, row, "Sign-in attempt", "security events only, by default")
	}
	assert.Contains(t, strings.Join(rows, "\n"), "Authenticator app added")

	// Failed second factors, as the dashboard counts them: a refused
	// password is among every attempt, not among those.
	hs.svc.RecordSignIn(ctx, "u0", portalmfa.Client{}, portalmfa.ErrWrongPassword)
	w = hs.do(http.MethodGet, "/admin/2fa/audit?kind=attempts", nil, asAdmin)
	assert.Contains(t, rowsOf(t, w, "portalmfa-audit-entry")[0], "Password")
	w = hs.do(http.MethodGet, "/admin/2fa/audit?kind=failed", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	rows = rowsOf(t, w, "portalmfa-audit-entry")
	require.Len(t, rows, 1)
	for _, want := range []string{"User 0", "Sign-in attempt", "Authenticator app", "Failed", "wrong code", "198.51.100.9"} {
		assert.Contains(t, rows[0], want)
	}

	w = hs.do(http.MethodGet, "/admin/2fa/audit?user=u0", nil, asAdmin)
	for _, row := range rowsOf(t, w, "portalmfa-audit-entry") {
		assert.Contains(t, row, "User 0", "u0's entries only")
	}
	w = hs.do(http.MethodGet, "/admin/2fa/audit?kind=admin-reset", nil, asAdmin)
	assert.Len(t, rowsOf(t, w, "portalmfa-audit-entry"), 1)

	// Days are the administrator's: the reset was on the 14th in Tokyo.
	for q, n := range map[string]int{"from=2026-03-14&kind=admin-reset": 1, "from=2026-03-15": 0, "to=2026-03-13": 0, "from=2026-03-14&to=2026-03-14&kind=admin-reset": 1} {
		w = hs.do(http.MethodGet, "/admin/2fa/audit?"+q, nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code, q)
		assert.Len(t, rowsOf(t, w, "portalmfa-audit-entry"), n, q)
		if n == 0 {
			assert.Contains(t, pageText(w), "No entries match.", q)
		}
	}

	for _, q := range []string{"kind=nope", "kind=attempt", "from=yesterday", "to=2026-02-30", "after=x", "after=12.x", "after=12",
		"user=" + strings.Repeat("u", 201)} {
		assert.Equal(t, http.StatusBadRequest, hs.do(http.MethodGet, "/admin/2fa/audit?"+q, nil, asAdmin).Code, q)
	}
}

// TestAdminAuditPages: 50 entries a page, the next going on from the last
// one shown, each entry once.
func TestAdminAuditPages(t *testing.T) {
	hs := newAdminHost(t)
	for i := range 120 {
		require.NoError(t, hs.store.RecordEvent(t.Context(), history.Event{UserID: fmt.Sprint("u", i%30), At: hs.clock.Now(),
			Kind: history.DeviceTrusted, Device: fmt.Sprintf("device-%03d", i)}))
	}
	seen := map[string]bool{}
	next := "/admin/2fa/audit"
	for page := 1; next != ""; page++ {
		require.LessOrEqual(t, page, 3)
		w := hs.do(http.MethodGet, next, nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code, next)
		rows := rowsOf(t, w, "portalmfa-audit-entry")
		assert.Len(t, rows, min(50, 120-len(seen)), "page %d", page)
		for _, row := range rows {
			name := row[strings.Index(row, "device-"):][:len("device-000")]
			assert.False(t, seen[name], "%s shown twice", name)
			seen[name] = true
		}
		next = attr(t, w, "portalmfa-audit-older", "href")
		if page > 1 {
			assert.Contains(t, pageText(w), "Newest")
		}
	}
	assert.Len(t, seen, 120)
}

// TestAdminAuditProblems: a store without a log, and a store that is down.
func TestAdminAuditProblems(t *testing.T) {
	hs := newAdminHost(t)
	hs.store.down.Store(true)
	assert.Equal(t, http.StatusServiceUnavailable, hs.do(http.MethodGet, "/admin/2fa/audit", nil, asAdmin).Code)
	hs.store.down.Store(false)
	assert.Equal(t, http.StatusOK, hs.do(http.MethodGet, "/admin/2fa/audit", nil, asAdmin).Code)

	noLog := newHostWith(t, func(c *portalmfa.Config) {
		c.Store, c.Passkeys = struct{ portalmfa.Store }{hs.store}, portalmfa.PasskeyConfig{}
	},
		func(c *httpx.Config) {
			c.CurrentAdmin = func(*http.Request) (portalmfa.User, bool) { return portalmfa.User{ID: "root"}, true }
		})
	noLog.mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", noLog.h.Admin()))
	w := noLog.do(http.MethodGet, "/admin/2fa/audit", nil, asAdmin)
	assert.Equal(t, http.StatusNotImplemented, w.Code)
	assert.Contains(t, pageText(w), "no audit log")
}

// TestAuditKinds: the log names every kind of security event.
func TestAuditKinds(t *testing.T) {
	hs := newAdminHost(t)
	for _, k := range history.SecurityKinds() {
		w := hs.do(http.MethodGet, "/admin/2fa/audit?"+url.Values{"kind": {string(k)}}.Encode(), nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code, k)
		assert.NotContains(t, pageText(w), "Other event", k)
	}
}

// An administrator's changes to policies are in the log: who, from where,
// which policy; no user's.
func TestAdminAuditPolicyChanges(t *testing.T) {
	hs := newAdminHost(t)
	w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", "partners", "groups", "partners"), asAdmin)
	require.Equal(t, http.StatusSeeOther, w.Code)
	w = hs.do(http.MethodPost, "/admin/2fa/policies/partners/delete", form("revision", "1"), asAdmin)
	require.Equal(t, http.StatusSeeOther, w.Code)
	w = hs.do(http.MethodPost, "/admin/2fa/policies/partners/delete", form("revision", "2"), asAdmin)
	require.Equal(t, http.StatusNotFound, w.Code, "deleted already: no second entry")

	w = hs.do(http.MethodGet, "/admin/2fa/audit", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	rows := rowsOf(t, w, "portalmfa-audit-entry")
	require.Len(t, rows, 2)
	assert.Contains(t, rows[0], "Policy deleted: <strong>partners</strong>")
	assert.Contains(t, rows[1], "Policy saved: <strong>partners</strong>")
	for _, row := range rows {
		assert.Contains(t, row, "root@example.com")
		assert.Contains(t, row, `data-user="">`)
		assert.Contains(t, row, "<th scope=\"row\">—</th>", "no user")
	}
	w = hs.do(http.MethodGet, "/admin/2fa/audit?kind=policy-saved", nil, asAdmin)
	assert.Len(t, rowsOf(t, w, "portalmfa-audit-entry"), 1)
}
