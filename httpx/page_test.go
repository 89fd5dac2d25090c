package httpx_test

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
)

func TestLanguage(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	hs.enroll("dora") // prefers German
	hs.userLanguage["alice"] = "it"

	tests := []struct {
		name           string
		path           string
		opts           []reqOption
		wantLang, want string
	}{
		{"Accept-Language fr-CH gets French", "/my/security/",
			[]reqOption{as("alice"), withHeader("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8")},
			"fr", "Authentification à deux facteurs"},
		{"quality order decides", "/my/security/",
			[]reqOption{as("alice"), withHeader("Accept-Language", "en;q=0.2, nl;q=0.9")},
			"nl", "Tweestapsverificatie"},
		{"user language beats Accept-Language", "/my/security/",
			[]reqOption{as("dora"), withHeader("Accept-Language", "fr")},
			"de", "Zwei-Faktor-Authentifizierung"},
		{"unknown gets English", "/my/security/",
			[]reqOption{as("alice"), withHeader("Accept-Language", "ja, ko;q=0.5")},
			"en", "Two-factor authentication"},
		{"garbage gets English", "/my/security/",
			[]reqOption{as("alice"), withHeader("Accept-Language", ";;;q=x,,")},
			"en", "Two-factor authentication"},
		{"none gets English", "/my/security/", []reqOption{as("alice")},
			"en", "Two-factor authentication"},
		{"challenge: UserLanguage beats Accept-Language", "/login/2fa/",
			[]reqOption{withCookie(hs.pending("alice")), withHeader("Accept-Language", "fr")},
			"it", "Inserisci il codice di 6 cifre"},
		{"backup form: UserLanguage", "/login/2fa/backup",
			[]reqOption{withCookie(hs.pending("alice")), withHeader("Accept-Language", "fr")},
			"it", "Inserisci uno dei codici di backup"},
		{"challenge: Accept-Language without a user preference", "/login/2fa/",
			[]reqOption{withCookie(hs.pending("bob")), withHeader("Accept-Language", "es-MX")},
			"es", "Introduce el código de 6 dígitos"},
		{"signed-out error page follows the browser", "/my/security/totp/begin",
			[]reqOption{withHeader("Accept-Language", "de-AT")},
			"de", "Sie sind nicht angemeldet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodGet
			var f = form()
			if tc.path == "/my/security/totp/begin" {
				method = http.MethodPost
			} else {
				f = nil
			}
			w := hs.do(method, tc.path, f, tc.opts...)
			body := w.Body.String()
			assert.Contains(t, body, `<html lang="`+tc.wantLang+`">`)
			assert.Equal(t, tc.wantLang, w.Header().Get("Content-Language"))
			assert.Contains(t, body, tc.want)
		})
	}
	t.Run("dates follow the language", func(t *testing.T) {
		w := hs.do(http.MethodGet, "/my/security/", nil, as("dora"))
		assert.Contains(t, w.Body.String(), "Aktiv seit 14.03.2026")
	})
}

var (
	scriptTag   = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	styleAttr   = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
	styleTag    = regexp.MustCompile(`(?i)<style\b`)
	handlerAttr = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	jsURL       = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*"\s*javascript:`)
)

// Every page we render: the security headers, and nothing inline that the
// CSP would block (or that would need the CSP relaxed).
func TestPagesAreSafe(t *testing.T) {
	hs := newHost(t)
	_, codes := hs.enrollWithCodes("alice")
	hs.redeemUntil("alice", codes, 2) // the overview warns
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/totp/begin", form(), hs.sudo("bob")).Code)
	// Devices in every state, and a failed attempt in the history.
	token := hs.trust("alice", "192.0.2.1", firefoxUA)
	hs.trust("alice", "192.0.2.2", "")
	require.Equal(t, http.StatusSeeOther, hs.do(http.MethodPost, "/my/security/devices/"+hs.svc.DeviceID(hs.trust("alice", "192.0.2.3", chromeUA))+"/revoke", form(), as("alice")).Code)
	require.ErrorIs(t, hs.svc.VerifyTOTP(context.Background(), "alice", "000000", portalmfa.Client{IP: "192.0.2.9", UserAgent: "<script>x</script>"}), portalmfa.ErrInvalidCode)
	deviceID := hs.svc.DeviceID(token)
	pages := []struct {
		name, method, path string
		form               bool
		opts               []reqOption
		wantCode           int
	}{
		{"overview on", http.MethodGet, "/my/security/", false, []reqOption{as("alice")}, http.StatusOK},
		{"overview pending", http.MethodGet, "/my/security/", false, []reqOption{as("bob")}, http.StatusOK},
		{"overview off", http.MethodGet, "/my/security/", false, []reqOption{as("dora")}, http.StatusOK},
		{"overview with this device", http.MethodGet, "/my/security/?done=device-revoked", false, []reqOption{as("alice"), withDevice(token)}, http.StatusOK},
		{"rename error", http.MethodPost, "/my/security/devices/" + deviceID + "/rename", true, []reqOption{as("alice")}, http.StatusUnprocessableEntity},
		{"unknown device", http.MethodPost, "/my/security/devices/nope/revoke", true, []reqOption{as("alice")}, http.StatusNotFound},
		{"unknown entry", http.MethodPost, "/my/security/history/nope/not-me", true, []reqOption{as("alice")}, http.StatusNotFound},
		{"revoke", http.MethodPost, "/my/security/devices/" + deviceID + "/revoke", true, []reqOption{as("alice")}, http.StatusSeeOther},
		{"setup", http.MethodGet, "/my/security/totp/setup", false, []reqOption{hs.sudo("bob")}, http.StatusOK},
		{"codes", http.MethodGet, "/my/security/totp/codes", false, []reqOption{hs.sudo("bob")}, http.StatusOK},
		{"confirm", http.MethodGet, "/my/security/totp/confirm", false, []reqOption{hs.sudo("bob")}, http.StatusOK},
		{"confirm error", http.MethodPost, "/my/security/totp/confirm", true, []reqOption{hs.sudo("bob")}, http.StatusUnprocessableEntity},
		{"regenerate", http.MethodGet, "/my/security/backup-codes/regenerate", false, []reqOption{hs.sudoCode("alice", codes[9])}, http.StatusOK},
		{"verify", http.MethodGet, "/my/security/verify?need=any&next=/totp/disable", false, []reqOption{as("alice")}, http.StatusOK},
		{"verify error", http.MethodPost, "/my/security/verify", true, []reqOption{as("alice")}, http.StatusBadRequest},
		{"add passkey", http.MethodGet, "/my/security/passkeys/add", false, []reqOption{hs.sudo("dora")}, http.StatusOK},
		{"add passkey error", http.MethodPost, "/my/security/passkeys/add", true, []reqOption{hs.sudo("dora")}, http.StatusUnprocessableEntity},
		{"download refused", http.MethodPost, "/my/security/backup-codes/download", true, []reqOption{as("alice")}, http.StatusBadRequest},
		{"disable", http.MethodGet, "/my/security/totp/disable", false, []reqOption{hs.sudo("alice")}, http.StatusOK},
		{"challenge", http.MethodGet, "/login/2fa/", false, []reqOption{withCookie(hs.pending("alice"))}, http.StatusOK},
		{"challenge error", http.MethodPost, "/login/2fa/", true, []reqOption{withCookie(hs.pending("alice"))}, http.StatusUnprocessableEntity},
		{"backup", http.MethodGet, "/login/2fa/backup", false, []reqOption{withCookie(hs.pending("alice"))}, http.StatusOK},
		{"backup error", http.MethodPost, "/login/2fa/backup", true, []reqOption{withCookie(hs.pending("alice"))}, http.StatusUnprocessableEntity},
		{"signed out", http.MethodPost, "/my/security/totp/begin", true, nil, http.StatusForbidden},
		{"cross origin", http.MethodPost, "/login/2fa/", true, []reqOption{withHeader("Sec-Fetch-Site", "cross-site")}, http.StatusForbidden},
		{"redirect", http.MethodGet, "/my/security/", false, nil, http.StatusSeeOther},
		{"not found", http.MethodGet, "/my/security/nope", false, []reqOption{as("alice")}, http.StatusNotFound},
		{"method not allowed", http.MethodPut, "/login/2fa/", false, nil, http.StatusMethodNotAllowed},
		{"static", http.MethodGet, "/login/2fa/static/portalmfa.js", false, nil, http.StatusOK},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			var f = form("code", "12", "password", "wrong", "name", "", "trust", "1")
			if !p.form {
				f = nil
			}
			w := hs.do(p.method, p.path, f, p.opts...)
			require.Equal(t, p.wantCode, w.Code)

			assertSafePage(t, w)
		})
	}
}

// assertSafePage checks a response of ours: the security headers, and
// nothing inline that the CSP would block (or that would need the CSP
// relaxed).
func assertSafePage(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	hdr := w.Header()
	assert.Equal(t, "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		hdr.Get("Content-Security-Policy"))
	assert.Equal(t, "DENY", hdr.Get("X-Frame-Options"))
	assert.Equal(t, "no-referrer", hdr.Get("Referrer-Policy"))
	assert.Equal(t, "nosniff", hdr.Get("X-Content-Type-Options"))
	if strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
		assert.Contains(t, hdr.Get("Cache-Control"), "public")
		return
	}
	assert.Equal(t, "no-store", hdr.Get("Cache-Control"))

	body := w.Body.String()
	for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
		assert.Contains(t, m[1], "src=", "script without src")
		assert.Empty(t, m[2], "inline script body")
	}
	assert.NotRegexp(t, styleAttr, body)
	assert.NotRegexp(t, styleTag, body)
	assert.NotRegexp(t, handlerAttr, body)
	assert.NotRegexp(t, jsURL, body)
	if w.Code != http.StatusSeeOther && hdr.Get("Content-Type") == "text/html; charset=utf-8" {
		assert.Regexp(t, `<html lang="[a-z]{2}">`, body)
		for _, prefix := range []string{"error.", "security.", "codes.", "backup.", "totp.", "challenge.", "devices.", "history.", "format."} {
			assert.NotRegexp(t, `\b`+regexp.QuoteMeta(prefix)+`[a-z_]+`, body, "an untranslated message ID")
		}
	}
}

func TestNew(t *testing.T) {
	hs := newHost(t)
	base := func() httpx.Config {
		return httpx.Config{
			Service:            hs.svc,
			CurrentUser:        func(*http.Request) (u portalmfa.User, ok bool) { return u, false },
			SecondFactorPassed: func(http.ResponseWriter, *http.Request, string) {},
		}
	}
	tests := []struct {
		name   string
		modify func(*httpx.Config)
		ok     bool
	}{
		{"defaults", func(*httpx.Config) {}, true},
		{"no service", func(c *httpx.Config) { c.Service = nil }, false},
		{"no current user", func(c *httpx.Config) { c.CurrentUser = nil }, false},
		{"no second factor passed", func(c *httpx.Config) { c.SecondFactorPassed = nil }, false},
		{"relative security path", func(c *httpx.Config) { c.SecurityPath = "my/security" }, false},
		{"root challenge path", func(c *httpx.Config) { c.ChallengePath = "/" }, false},
		{"same paths", func(c *httpx.Config) { c.SecurityPath, c.ChallengePath = "/x", "/x/" }, false},
		{"trailing slash is fine", func(c *httpx.Config) { c.SecurityPath = "/account/security/" }, true},
		{"layout that does not parse", func(c *httpx.Config) {
			c.Templates = fstest.MapFS{"layout.html": {Data: []byte(`{{template "content" .}`)}}
		}, false},
		{"layout calling a missing template", func(c *httpx.Config) {
			c.Templates = fstest.MapFS{"layout.html": {Data: []byte(`<html>{{template "nope" .}}</html>`)}}
		}, false},
		{"page using an unknown message", func(c *httpx.Config) {
			c.Templates = fstest.MapFS{"challenge.html": {Data: []byte(`{{define "content"}}{{t "no.such.message"}}{{end}}`)}}
		}, false},
		{"page without content", func(c *httpx.Config) {
			c.Templates = fstest.MapFS{"error.html": {Data: []byte(`{{define "title"}}x{{end}}`)}}
		}, false},
		{"other files of the host are ignored", func(c *httpx.Config) {
			c.Templates = fstest.MapFS{"unrelated.txt": {Data: []byte(`{{`)}}
		}, true},
		{"host messages", func(c *httpx.Config) {
			c.Messages = fstest.MapFS{"en.json": {Data: []byte(`{"acme.hello": "Hello"}`)}}
		}, true},
		{"a host message with one of our IDs", func(c *httpx.Config) {
			c.Messages = fstest.MapFS{"en.json": {Data: []byte(`{"security.title": "Mine"}`)}}
		}, false},
		{"host messages in a language we lack", func(c *httpx.Config) {
			c.Messages = fstest.MapFS{"pt.json": {Data: []byte(`{"acme.hello": "Olá"}`)}}
		}, false},
		{"host messages that do not parse", func(c *httpx.Config) {
			c.Messages = fstest.MapFS{"en.json": {Data: []byte(`{"acme.hello": `)}}
		}, false},
		{"a host function named as ours", func(c *httpx.Config) {
			c.Funcs = template.FuncMap{"t": func() string { return "" }}
		}, false},
		{"a page using a host function it was not given", func(c *httpx.Config) {
			c.Templates = fstest.MapFS{"error.html": {Data: []byte(`{{define "content"}}{{shout "x"}}{{end}}`)}}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.modify(&cfg)
			h, err := httpx.New(cfg)
			if tc.ok {
				assert.NoError(t, err)
				assert.NotNil(t, h)
			} else {
				assert.Error(t, err)
				assert.Nil(t, h)
			}
		})
	}
}

// A host replaces the layout by name; the pages keep their content and
// the links follow the configured mount paths.
func TestTemplateOverride(t *testing.T) {
	layout := `<!doctype html><html lang="{{lang}}"><head><title>{{template "title" .}} · Acme</title>` +
		`<link rel="stylesheet" href="/assets/acme.css"></head><body><nav>ACME PORTAL</nav>{{template "content" .}}</body></html>`
	hs := newHost(t,
		withTemplates(fstest.MapFS{"layout.html": {Data: []byte(layout)}}),
		func(c *httpx.Config) { c.SecurityPath = "/account/security" },
	)
	hs.mux.Handle("/account/security/", http.StripPrefix("/account/security", hs.h.Security()))

	w := hs.do(http.MethodGet, "/account/security/", nil, as("alice"), withHeader("Accept-Language", "nl"))
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	assert.Contains(t, body, "<nav>ACME PORTAL</nav>")
	assert.Contains(t, body, "<title>Tweestapsverificatie · Acme</title>")
	assert.Contains(t, body, `action="/account/security/totp/begin"`)
	assert.NotContains(t, body, "portalmfa.css")
	assert.Contains(t, body, `href="/assets/acme.css"`)

	// Pages the host did not replace still come from us.
	w = hs.do(http.MethodGet, "/login/2fa/", nil, withCookie(hs.pending("alice")))
	assert.Contains(t, w.Body.String(), "<nav>ACME PORTAL</nav>")
	assert.Contains(t, w.Body.String(), `name="code"`)

	// A host using its own router redirects /account/security itself;
	// ServeMux does it for a subtree pattern.
	rec := httptest.NewRecorder()
	hs.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/account/security", nil))
	assert.Contains(t, []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}, rec.Code)
	assert.Equal(t, "/account/security/", rec.Header().Get("Location"))
}

// A host's layout speaks the page's language with its own messages, and
// calls its own functions, as a host's templates cannot otherwise (found in
// the demo: Go maps and `if eq lang "fr"` chains in its layout).
func TestHostMessagesAndFuncs(t *testing.T) {
	messages := fstest.MapFS{
		"en.json": {Data: []byte(`{"acme.sign_out": "Sign out", "acme.items": {"one": "{{.Count}} item", "other": "{{.Count}} items"}}`)},
		"fr.json": {Data: []byte(`{"acme.sign_out": "Se déconnecter", "acme.items": {"one": "{{.Count}} élément", "other": "{{.Count}} éléments"}}`)},
	}
	layout := `<!doctype html><html lang="{{lang}}"><title>{{block "title" .}}{{end}}</title>` +
		`<nav>{{t "acme.sign_out"}} · {{tn "acme.items" 2}} · {{shout "acme"}}</nav>{{template "content" .}}</html>`
	hs := newHost(t, withTemplates(fstest.MapFS{"layout.html": {Data: []byte(layout)}}), func(c *httpx.Config) {
		c.Messages = messages
		c.Funcs = template.FuncMap{"shout": strings.ToUpper}
	})
	body := hs.do(http.MethodGet, "/my/security/", nil, as("alice")).Body.String()
	assert.Contains(t, body, "<nav>Sign out · 2 items · ACME</nav>")
	body = hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withHeader("Accept-Language", "fr")).Body.String()
	assert.Contains(t, body, "<nav>Se déconnecter · 2 éléments · ACME</nav>")
	body = hs.do(http.MethodGet, "/my/security/", nil, as("alice"), withHeader("Accept-Language", "de")).Body.String()
	assert.Contains(t, body, "<nav>Sign out · 2 items · ACME</nav>", "a language the host lacks falls back to English")
}

// A host's own pages use our translator with its messages: one catalog,
// one plural rule, one language choice with ours.
func TestHostPagesTranslate(t *testing.T) {
	hs := newHost(t, func(c *httpx.Config) {
		c.Messages = fstest.MapFS{
			"en.json": {Data: []byte(`{"acme.left": {"one": "{{.Count}} code left", "other": "{{.Count}} codes left"}, "acme.hi": "Hello {{.Name}}"}`)},
			"fr.json": {Data: []byte(`{"acme.left": {"one": "{{.Count}} code restant", "other": "{{.Count}} codes restants"}, "acme.hi": "Bonjour {{.Name}}"}`)},
		}
	})
	page := template.Must(template.New("p").Funcs(hs.h.TemplateFuncs(httptest.NewRequest(http.MethodGet, "/", nil), "")).
		Parse(`<html lang="{{lang}}">{{t "acme.hi" "Name" .}} · {{tn "acme.left" 2}} · {{t "security.title"}}</html>`))
	for _, tc := range []struct{ accept, user, want string }{
		{"", "", `<html lang="en">Hello Zoë · 2 codes left · Two-factor authentication</html>`},
		{"fr", "", `<html lang="fr">Bonjour Zoë · 2 codes restants · Authentification à deux facteurs</html>`},
		{"fr", "en", `<html lang="en">Hello Zoë · 2 codes left · Two-factor authentication</html>`},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", tc.accept)
		clone := template.Must(page.Clone()).Funcs(hs.h.TemplateFuncs(r, tc.user))
		var b strings.Builder
		require.NoError(t, clone.Execute(&b, "Zoë"))
		assert.Equal(t, tc.want, b.String())
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Language", "fr")
	s, err := hs.h.Translate(r, "", "acme.hi", "Name", "Zoë")
	require.NoError(t, err)
	assert.Equal(t, "Bonjour Zoë", s)
	_, err = hs.h.Translate(r, "", "acme.nope")
	assert.Error(t, err)
}
