package httpx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/policy"
)

// newAdminHost is a host with 30 more users, u0…u29 (every third a
// partner; u3's name is a spreadsheet formula), a policy in code, and the
// console at /admin/2fa/ for the request whose cookie "admin" is "root".
func newAdminHost(t *testing.T) *host {
	var users []portalmfa.User
	for i := range 30 {
		u := portalmfa.User{ID: fmt.Sprintf("u%d", i), Name: fmt.Sprintf("User %d", i), Groups: []string{"customers"}}
		if i%3 == 0 {
			u.Groups = []string{"partners"}
		}
		if i == 3 {
			u.Name = "=cmd|' /C calc'!A0"
		}
		users = append(users, u)
	}
	hs := newHostWith(t, func(c *portalmfa.Config) {
		c.Policies = []policy.Policy{{Name: "baseline", Everyone: true, Level: policy.Optional}}
		c.ListUsers = func(_ context.Context, q portalmfa.UserQuery) ([]portalmfa.User, int, error) {
			return users[min(q.Offset, len(users)):min(q.Offset+q.Limit, len(users))], len(users), nil
		}
	}, func(c *httpx.Config) {
		c.CurrentAdmin = func(r *http.Request) (portalmfa.User, bool) {
			ck, err := r.Cookie("admin")
			return portalmfa.User{ID: "root", Name: "Root", Email: "root@example.com", TimeZone: "Asia/Tokyo"}, err == nil && ck.Value == "root"
		}
	})
	hs.mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", hs.h.Admin()))
	for _, u := range users {
		hs.users[u.ID] = u
	}
	return hs
}

// root is the administrator of the tests' changes made through the Service.
var root = portalmfa.Actor{Name: "root"}

func asAdmin(r *http.Request) { r.AddCookie(&http.Cookie{Name: "admin", Value: "root"}) }

func policyFormOf(kv ...string) url.Values {
	f := url.Values{"target": {"groups"}, "level": {"required"}, "action": {"save"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestAdminPolicies(t *testing.T) {
	hs := newAdminHost(t)

	t.Run("administrators only", func(t *testing.T) {
		for _, opts := range [][]reqOption{nil, {as("alice")}} {
			w := hs.do(http.MethodGet, "/admin/2fa/policies", nil, opts...)
			assert.Equal(t, http.StatusForbidden, w.Code)
			assert.Contains(t, pageText(w), "This page is for the portal's administrators.")
		}
		w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", "x", "groups", "partners"))
		assert.Equal(t, http.StatusForbidden, w.Code)
		ps, _ := hs.svc.Policies(t.Context())
		assert.Len(t, ps, 1, "nothing saved")
	})
	t.Run("a cross-site form is refused", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", "x", "groups", "partners"), asAdmin, withHeader("Sec-Fetch-Site", "cross-site"))
		assert.Equal(t, http.StatusForbidden, w.Code)
	})
	t.Run("the list", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/admin/2fa/policies", nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		assert.NotEmpty(t, w.Header().Get("Content-Security-Policy"))
		row := rowOf(t, pageText(w), "portalmfa-policy-baseline")
		assert.Contains(t, row, "Everyone")
		assert.Contains(t, row, "<td>30</td>", "it targets every user")
		assert.Contains(t, row, "In the configuration")
	})
	t.Run("preview, then save", func(t *testing.T) {
		form := policyFormOf("name", "partners", "groups", "partners, partners", "grace", "14", "allow_totp", "1", "allow_passkey", "1", "trust", "7", "banner_fr", "Partenaires : activez la 2FA.")
		form.Set("action", "preview")
		w := hs.do(http.MethodPost, "/admin/2fa/policies/new", form, asAdmin)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, pageText(w), "This policy applies to 10 users.")
		assert.Contains(t, pageText(w), `value="partners, partners"`, "the form as typed")
		ps, _ := hs.svc.Policies(t.Context())
		assert.Len(t, ps, 1, "a preview saves nothing")

		form.Set("action", "save")
		w = hs.do(http.MethodPost, "/admin/2fa/policies/new", form, asAdmin)
		require.Equal(t, http.StatusSeeOther, w.Code, pageText(w))
		assert.Equal(t, "/admin/2fa/policies?done=saved", w.Header().Get("Location"))
		ps, _ = hs.svc.Policies(t.Context())
		require.Len(t, ps, 2)
		assert.Equal(t, policy.Policy{Name: "partners", Groups: []string{"partners"}, Level: policy.Required, GraceDays: 14,
			Allowed: []string{"totp", "passkey"}, TrustDays: 7, Banners: map[string]string{"fr": "Partenaires : activez la 2FA."}, Revision: 1}, ps[1])

		body := pageText(hs.do(http.MethodGet, "/admin/2fa/policies?done=saved", nil, asAdmin))
		assert.Contains(t, body, "The policy was saved.")
		row := rowOf(t, body, "portalmfa-policy-partners")
		for _, want := range []string{"Required", "Authenticator app, Passkeys", "14 days after the first sign-in", "At most 7 days", "<td>10</td>"} {
			assert.Contains(t, row, want)
		}
	})
	t.Run("a name taken", func(t *testing.T) {
		w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", "partners", "groups", "x"), asAdmin)
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Contains(t, pageText(w), "A policy of that name exists already.")
	})
	for _, tc := range []struct{ name, want string }{
		{"", "Give the policy a name"},
		{strings.Repeat("n", 101), "Give the policy a name"},
	} {
		t.Run("refuses the name "+tc.name[:min(len(tc.name), 5)], func(t *testing.T) {
			w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", tc.name, "groups", "x"), asAdmin)
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.Contains(t, pageText(w), tc.want)
			assert.Contains(t, w.Body.String(), `aria-invalid="true"`)
		})
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no group", policyFormOf("name", "y", "groups", " , "), "Name at least one group"},
		{"a grace that is not a number", policyFormOf("name", "y", "groups", "g", "grace", "ten"), "whole number of days"},
		{"a negative cap", policyFormOf("name", "y", "groups", "g", "trust", "-1"), "whole number of days"},
		{"a grace too long", policyFormOf("name", "y", "groups", "g", "grace", "9999"), "isn't valid"},
		{"both deadline and grace", policyFormOf("name", "y", "groups", "g", "grace", "3", "deadline", "2026-12-01"), "only for a required policy"},
		{"a deadline not required", policyFormOf("name", "y", "groups", "g", "level", "recommended", "deadline", "2026-12-01"), "only for a required policy"},
		{"a malformed date", policyFormOf("name", "y", "groups", "g", "deadline", "tomorrow"), "only for a required policy"},
		{"an unknown level", policyFormOf("name", "y", "groups", "g", "level", "mandatory"), "isn't valid"},
		{"a slash in the name", policyFormOf("name", "a/b", "groups", "g"), "isn't valid"},
		{"a script for a name", policyFormOf("name", "<script>", "groups", "g"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do(http.MethodPost, "/admin/2fa/policies/new", tc.form, asAdmin)
			if tc.want == "" { // valid: stored, and shown escaped
				require.Equal(t, http.StatusSeeOther, w.Code)
				body := hs.do(http.MethodGet, "/admin/2fa/policies", nil, asAdmin).Body.String()
				assert.NotContains(t, body, "<script>")
				require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/admin/2fa/policies/"+url.PathEscape("<script>")+"/delete", form("revision", "1"), asAdmin).Code)
				return
			}
			assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
			assert.Contains(t, pageText(w), tc.want)
		})
	}
	t.Run("edit keeps the name", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/admin/2fa/policies/partners", nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, pageText(w), `value="14"`)
		assert.Contains(t, w.Body.String(), `<input type="hidden" name="revision" value="1">`)
		w = hs.do(http.MethodPost, "/admin/2fa/policies/partners", policyFormOf("name", "renamed", "groups", "partners", "deadline", "2026-12-01", "revision", "1"), asAdmin)
		require.Equal(t, http.StatusSeeOther, w.Code, pageText(w))
		ps, _ := hs.svc.Policies(t.Context())
		require.Len(t, ps, 2)
		assert.Equal(t, "partners", ps[1].Name)
		assert.Equal(t, "2026-12-01", ps[1].Deadline.Format("2006-01-02"))
		assert.Zero(t, ps[1].GraceDays)
		assert.Equal(t, 2, ps[1].Revision)
	})
	t.Run("an edit over another's is refused", func(t *testing.T) {
		// Both administrators opened the form at revision 2; the first
		// saved. The second's save and delete change nothing.
		w := hs.do(http.MethodPost, "/admin/2fa/policies/partners", policyFormOf("name", "partners", "groups", "partners", "grace", "3", "revision", "2"), asAdmin)
		require.Equal(t, http.StatusSeeOther, w.Code, pageText(w))
		w = hs.do(http.MethodPost, "/admin/2fa/policies/partners", policyFormOf("name", "partners", "groups", "partners", "grace", "60", "revision", "2"), asAdmin)
		assert.Equal(t, http.StatusConflict, w.Code)
		assert.Contains(t, pageText(w), "Someone else changed or deleted this policy since you opened it")
		assert.Contains(t, pageText(w), `value="60"`, "what they typed is still there")
		w = hs.do(http.MethodPost, "/admin/2fa/policies/partners/delete", form("revision", "2"), asAdmin)
		assert.Equal(t, http.StatusConflict, w.Code)
		ps, _ := hs.svc.Policies(t.Context())
		require.Len(t, ps, 2)
		assert.Equal(t, 3, ps[1].GraceDays)
		assert.Equal(t, 3, ps[1].Revision)
		for _, rev := range []string{"", "0", "-1", "x"} {
			assert.Equal(t, http.StatusBadRequest, hs.do(http.MethodPost, "/admin/2fa/policies/partners", policyFormOf("name", "partners", "groups", "partners", "revision", rev), asAdmin).Code, rev)
			assert.Equal(t, http.StatusBadRequest, hs.do(http.MethodPost, "/admin/2fa/policies/partners/delete", form("revision", rev), asAdmin).Code, rev)
		}
	})
	t.Run("the policy in code cannot be edited or deleted", func(t *testing.T) {
		assert.Equal(t, http.StatusNotFound, hs.do(http.MethodGet, "/admin/2fa/policies/baseline", nil, asAdmin).Code)
		assert.Equal(t, http.StatusNotFound, hs.do(http.MethodPost, "/admin/2fa/policies/baseline/delete", url.Values{}, asAdmin).Code)
		assert.Equal(t, http.StatusNotFound, hs.do(http.MethodGet, "/admin/2fa/policies/nope", nil, asAdmin).Code)
	})
	t.Run("delete asks, then deletes", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/admin/2fa/policies/partners/delete", nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code)
		assert.Contains(t, pageText(w), "It applies to 10 users.")
		assert.Contains(t, w.Body.String(), `<input type="hidden" name="revision" value="3">`)
		w = hs.do(http.MethodPost, "/admin/2fa/policies/partners/delete", form("revision", "3"), asAdmin)
		assert.Equal(t, "/admin/2fa/policies?done=deleted", w.Header().Get("Location"))
		ps, _ := hs.svc.Policies(t.Context())
		assert.Len(t, ps, 1)
	})
}

// TestNoConsole: without CurrentAdmin, the console does not exist.
func TestNoConsole(t *testing.T) {
	hs := newHost(t)
	hs.mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", hs.h.Admin()))
	assert.Equal(t, http.StatusNotFound, hs.do(http.MethodGet, "/admin/2fa/policies", nil, asAdmin).Code)
}

// rowOf returns the table row of id.
func rowOf(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	require.GreaterOrEqual(t, start, 0, "no row %s", id)
	end := strings.Index(body[start:], "</tr>")
	require.GreaterOrEqual(t, end, 0)
	return body[start : start+end]
}

// A policy's name is a path segment of the console's links, escaped: a
// name with ? # % still leads to its own policy.
func TestAdminPolicyNameInLinks(t *testing.T) {
	hs := newAdminHost(t)
	for _, name := range []string{"a?x", "b#y", "50%", "c d"} {
		w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", name, "groups", "partners"), asAdmin)
		require.Equal(t, http.StatusSeeOther, w.Code, name)
		body := hs.do(http.MethodGet, "/admin/2fa/policies", nil, asAdmin).Body.String()
		link := "/admin/2fa/policies/" + url.PathEscape(name)
		assert.Contains(t, body, `href="`+link+`"`, name)
		w = hs.do(http.MethodGet, link, nil, asAdmin)
		require.Equal(t, http.StatusOK, w.Code, name)
		assert.Contains(t, pageText(w), `value="`+name+`"`)
	}
	for _, name := range []string{".", ".."} {
		w := hs.do(http.MethodPost, "/admin/2fa/policies/new", policyFormOf("name", name, "groups", "partners"), asAdmin)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code, name)
	}
}

// A policy the Service could not hold anyone to is refused in the form,
// preview included: here, passkeys only where there are none.
func TestAdminPolicyUnmet(t *testing.T) {
	hs := newAdminHost(t)
	hs2 := newHostWith(t, func(c *portalmfa.Config) {
		c.Store = hs.store
		c.Passkeys = portalmfa.PasskeyConfig{}
	}, func(c *httpx.Config) {
		c.CurrentAdmin = func(*http.Request) (portalmfa.User, bool) { return portalmfa.User{ID: "root"}, true }
	})
	hs2.mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", hs2.h.Admin()))
	for _, action := range []string{"preview", "save"} {
		form := policyFormOf("name", "keys", "target", "everyone", "allow_passkey", "1", "action", action)
		w := hs2.do(http.MethodPost, "/admin/2fa/policies/new", form)
		assert.Equal(t, http.StatusUnprocessableEntity, w.Code, action)
		assert.Contains(t, pageText(w), "could not meet this policy here", action)
	}
}

// The console hands the administrator to the host's layout, as the
// security page hands its user; a refused visitor is no one there.
func TestConsoleLayoutUser(t *testing.T) {
	layout := `<html><body><nav>[{{.User.Name}}]</nav>{{template "content" .}}</body></html>`
	hs := newHost(t, withTemplates(fstest.MapFS{"layout.html": {Data: []byte(layout)}}), func(c *httpx.Config) {
		c.CurrentAdmin = func(r *http.Request) (portalmfa.User, bool) {
			ck, err := r.Cookie("admin")
			return portalmfa.User{ID: "root", Name: "Root"}, err == nil && ck.Value == "root"
		}
	})
	hs.mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", hs.h.Admin()))
	w := hs.do(http.MethodGet, "/admin/2fa/policies", nil, asAdmin)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "<nav>[Root]</nav>")
	w = hs.do(http.MethodGet, "/admin/2fa/policies", nil, as("alice"))
	require.Equal(t, http.StatusForbidden, w.Code)
	assert.Contains(t, w.Body.String(), "<nav>[]</nav>")
}
