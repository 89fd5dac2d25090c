package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base32"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

// testClock is a clock tests move forward instead of sleeping.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// openPortal builds a portal on the SQLite file at db and closes it when the
// test ends (closing twice is harmless here).
func openPortal(t *testing.T, db string, clock *testClock) *portal {
	t.Helper()
	return openPortalAt(t, db, clock, "")
}

// openPortalAt is openPortal for a portal reached at origin, which has
// passkeys (none without an origin).
func openPortalAt(t *testing.T, db string, clock *testClock, origin string) *portal {
	t.Helper()
	cfg := portalConfig{
		Origin:     origin,
		DB:         db,
		Logger:     slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		BcryptCost: bcrypt.MinCost,
	}
	if clock != nil {
		cfg.Now = clock.now
	}
	p, err := newPortal(t.Context(), cfg)
	if err != nil {
		t.Fatalf("newPortal: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func newTestPortal(t *testing.T) *portal {
	return openPortal(t, filepath.Join(t.TempDir(), "portal.db"), nil)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each step's answer can be checked.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return (&browser{t: t, base: srv.URL}).fresh()
}

// fresh returns another browser, with no cookies, on the same server.
func (b *browser) fresh() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return &browser{t: b.t, base: b.base, c: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

type response struct {
	status   int
	location string
	body     string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) login(email, password string) response {
	b.t.Helper()
	return b.post("/login", url.Values{"email": {email}, "password": {password}})
}

func wantRedirect(t *testing.T, what string, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.location != to {
		t.Fatalf("%s: got %d Location %q, want 303 to %q\n%s", what, r.status, r.location, to, r.body)
	}
}

const (
	alice = "1001"
	bruno = "1002"
)

// enroll turns TOTP on for userID through the Service, as the wizard would,
// and returns the secret.
func enroll(t *testing.T, p *portal, userID string, now time.Time) []byte {
	t.Helper()
	secret, _ := enrollWithCodes(t, p, userID, now)
	return secret
}

// enrollWithCodes is enroll that also returns the backup codes.
func enrollWithCodes(t *testing.T, p *portal, userID string, now time.Time) ([]byte, []string) {
	t.Helper()
	a, ok := p.users.lookup(userID)
	if !ok {
		t.Fatalf("no user %s", userID)
	}
	proof, err := p.svc.ReverifyPassword(t.Context(), userID, demoPassword(t, userID), "", portalmfa.Client{})
	if err != nil {
		t.Fatalf("ReverifyPassword: %v", err)
	}
	e, err := p.svc.BeginTOTP(t.Context(), a.mfaUser(), proof)
	if err != nil {
		t.Fatalf("BeginTOTP: %v", err)
	}
	secret := decodeKey(t, e.Key)
	codes, err := p.svc.PendingBackupCodes(t.Context(), userID, proof)
	if err != nil {
		t.Fatalf("PendingBackupCodes: %v", err)
	}
	if err := p.svc.ConfirmTOTP(t.Context(), userID, totp.Code(secret, now), proof, portalmfa.Client{}); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	return secret, codes
}

// demoPassword is the seeded password of userID.
func demoPassword(t *testing.T, userID string) string {
	t.Helper()
	for _, u := range demoUsers() {
		if u.ID == userID {
			return u.Password
		}
	}
	t.Fatalf("no demo user %s", userID)
	return ""
}

// decodeKey reads a manual key as a person types it: spaces are grouping.
func decodeKey(t *testing.T, key string) []byte {
	t.Helper()
	key = strings.ToUpper(strings.Join(strings.Fields(key), ""))
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil {
		t.Fatalf("manual key %q is not base32: %v", key, err)
	}
	return secret
}

func TestLoginRefusesWrongCredentials(t *testing.T) {
	b := newBrowser(t, newTestPortal(t))
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", "alice@example.com", "bruno-demo-pass"},
		{"empty password", "alice@example.com", ""},
		{"unknown email", "mallory@example.com", "alice-demo-pass"},
		{"empty form", "", ""},
		{"password too long", "alice@example.com", strings.Repeat("x", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.login(tc.email, tc.password)
			if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "email address or password is incorrect") {
				t.Fatalf("got %d, want 401 with an error message\n%s", r.status, r.body)
			}
			wantRedirect(t, "GET /account", b.get("/account"), "/login")
		})
	}
}

func TestLoginWithoutSecondFactor(t *testing.T) {
	b := newBrowser(t, newTestPortal(t))
	// Emails are matched the way people type them.
	wantRedirect(t, "login", b.login(" Alice@Example.com ", "alice-demo-pass"), "/account")

	r := b.get("/account")
	if r.status != http.StatusOK {
		t.Fatalf("GET /account: %d", r.status)
	}
	for _, want := range []string{"My Account", "Alice Martin", `href="/my/security/"`, "Connection &amp; Security", `id="twostep-status">Off<`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	wantRedirect(t, "GET /", b.get("/"), "/account")
	wantRedirect(t, "GET /login while signed in", b.get("/login"), "/account")
}

func TestPagesNeedASession(t *testing.T) {
	b := newBrowser(t, newTestPortal(t))
	wantRedirect(t, "GET /", b.get("/"), "/login")
	wantRedirect(t, "GET /account", b.get("/account"), "/login")
	wantRedirect(t, "GET /my/security", b.get("/my/security"), "/my/security/")

	r := b.get("/my/security/")
	if r.status/100 != 3 || !strings.HasPrefix(r.location, "/login") || strings.HasPrefix(r.location, "/login/2fa") {
		t.Fatalf("GET /my/security/ without a session: got %d to %q, want a redirect to /login", r.status, r.location)
	}
	if r := b.get("/login"); r.status != http.StatusOK || !strings.Contains(r.body, `name="password"`) {
		t.Fatalf("GET /login: %d", r.status)
	}
	// The challenge without a pending login sends the visitor to sign in.
	wantRedirect(t, "GET /login/2fa", b.get("/login/2fa"), "/login/2fa/")
	wantRedirect(t, "GET /login/2fa/", b.get("/login/2fa/"), "/login")
	// httpx sends an expired pending login back with a reason.
	if r := b.get("/login?reason=expired"); !strings.Contains(r.body, "took too long") {
		t.Errorf("GET /login?reason=expired does not say why:\n%s", r.body)
	}
}

// TestSecurityPagesInPortalLayout: the httpx pages come inside the portal's
// navbar, in the user's language, and the challenge offers no sign-out.
func TestSecurityPagesInPortalLayout(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	enroll(t, p, bruno, clock.now())
	b := newBrowser(t, p)

	wantRedirect(t, "alice's login", b.login("alice@example.com", "alice-demo-pass"), "/account")
	r := b.get("/my/security/")
	for _, want := range []string{`<html lang="en">`, portalName, `id="logout"`, `href="/account"`, `action="/my/security/totp/begin"`, `href="/static/portal.css"`, `href="/my/security/static/portalmfa.css"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("security page lacks %q", want)
		}
	}
	if r := b.get("/my/security/static/portalmfa.css"); r.status != http.StatusOK {
		t.Errorf("GET portalmfa.css: %d", r.status)
	}

	// Bruno prefers French, also at the challenge, where he has no session.
	fr := b.fresh()
	if r := fr.login("bruno@example.com", "bruno-demo-pass"); r.status != http.StatusSeeOther || r.location != "/login/2fa/" {
		t.Fatalf("bruno's login: got %d to %q, want the challenge", r.status, r.location)
	}
	r = fr.get("/login/2fa/")
	if !strings.Contains(r.body, `<html lang="fr">`) || !strings.Contains(r.body, portalName) {
		t.Errorf("challenge page is not French or not in the portal layout:\n%s", r.body)
	}
	if strings.Contains(r.body, `id="logout"`) {
		t.Error("the challenge offers to sign out a visitor who is not signed in")
	}
}

func TestLogout(t *testing.T) {
	p := newTestPortal(t)
	b := newBrowser(t, p)
	wantRedirect(t, "login", b.login("alice@example.com", "alice-demo-pass"), "/account")
	u, _ := url.Parse(b.base)
	var old *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			old = c
		}
	}
	if old == nil {
		t.Fatal("no session cookie after login")
	}

	wantRedirect(t, "logout", b.post("/logout", nil), "/login")
	wantRedirect(t, "GET /account after logout", b.get("/account"), "/login")

	// The old cookie, replayed, opens nothing: the session is gone server-side.
	replay := b.fresh()
	replay.c.Jar.SetCookies(u, []*http.Cookie{old})
	wantRedirect(t, "GET /account with the old cookie", replay.get("/account"), "/login")

	if r := b.get("/logout"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: %d, want 405", r.status)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	p := newTestPortal(t)
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("email=alice%40example.com&password=alice-demo-pass"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	var c *http.Cookie
	for _, x := range rec.Result().Cookies() {
		if x.Name == sessionCookie && x.Value != "" {
			c = x
		}
	}
	if c == nil {
		t.Fatalf("no session cookie; status %d", rec.Code)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) < 43 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, 32 random bytes", c)
	}
}

func TestCrossOriginLoginRefused(t *testing.T) {
	p := newTestPortal(t)
	for _, path := range []string{"/login", "/logout"} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("email=alice%40example.com&password=alice-demo-pass"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, rec.Code)
		}
		if !strings.Contains(rec.Body.String(), `id="forbidden"`) {
			t.Errorf("cross-site POST %s: not the portal's own page: %.200q", path, rec.Body.String())
		}
	}
}

func TestLoginWithSecondFactor(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	secret := enroll(t, p, alice, clock.now())
	b := newBrowser(t, p)

	r := b.login("alice@example.com", "alice-demo-pass")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login/2fa") {
		t.Fatalf("login: got %d to %q, want the challenge", r.status, r.location)
	}
	// Half-way through the login is not signed in.
	wantRedirect(t, "GET /account during the challenge", b.get("/account"), "/login")
	if r := b.get("/login/2fa/"); r.status != http.StatusOK || !strings.Contains(r.body, `name="code"`) {
		t.Fatalf("GET /login/2fa/: %d\n%s", r.status, r.body)
	}

	clock.advance(totp.Period) // the confirming code's step is spent
	r = b.post("/login/2fa/", url.Values{"code": {totp.Code(secret, clock.now())}})
	wantRedirect(t, "challenge", r, "/account")
	if r := b.get("/account"); !strings.Contains(r.body, `id="twostep-status">On<`) {
		t.Fatalf("account page does not say the second factor is on:\n%s", r.body)
	}

	// Bruno has none and goes straight in.
	other := b.fresh()
	wantRedirect(t, "bruno's login", other.login("bruno@example.com", "bruno-demo-pass"), "/account")
}

// TestLoginFailsClosed: when the Service cannot tell whether a second factor
// is needed, nobody gets in.
func TestLoginFailsClosed(t *testing.T) {
	p := newTestPortal(t)
	b := newBrowser(t, p)
	if err := p.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := b.login("alice@example.com", "alice-demo-pass")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "try again later") {
		t.Fatalf("login with the database closed: got %d, want 503 \"try again later\"\n%s", r.status, r.body)
	}
	wantRedirect(t, "GET /account", b.get("/account"), "/login")
}

func TestSecondFactorSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "portal.db")
	clock := &testClock{}

	p := openPortal(t, db, clock)
	if !p.keyCreated {
		t.Error("first start did not create a key")
	}
	enroll(t, p, alice, clock.now())
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	p = openPortal(t, db, clock)
	if p.keyCreated {
		t.Error("second start made a new key instead of reading the old one")
	}
	st, err := p.svc.Status(t.Context(), alice)
	if err != nil || !st.Enabled() {
		t.Fatalf("after restart: status %+v, %v; want TOTP on", st, err)
	}
	r := newBrowser(t, p).login("alice@example.com", "alice-demo-pass")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login/2fa") {
		t.Fatalf("login after restart: got %d to %q, want the challenge", r.status, r.location)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db.key")
	k1, created, err := loadOrCreateKey(path)
	if err != nil || !created || len(k1) != keySize {
		t.Fatalf("first call: %d bytes, created %v, %v", len(k1), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	k2, created, err := loadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second call: created %v, same key %v, %v", created, bytes.Equal(k1, k2), err)
	}

	for name, content := range map[string]string{
		"short":   "00112233\n",
		"not hex": strings.Repeat("zz", keySize) + "\n",
		"empty":   "",
	} {
		t.Run(name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.key")
			if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := loadOrCreateKey(bad); err == nil {
				t.Fatal("accepted a bad key file")
			}
		})
	}
}

// syncBuffer lets the test read what run prints while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db}, &out) }()

	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; {
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed:\n%s", out.String())
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "Open" {
				base = f[1]
			}
		}
	}
	for _, want := range []string{"alice@example.com", "alice-demo-pass", "bruno@example.com", "bruno-demo-pass", "Bruno Lefèvre, prefers French", db + ".key"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}

	resp, err := http.Get(base + "login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := os.Stat(db + ".key"); err != nil {
		t.Errorf("no key file: %v", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-nope"}, &out); err == nil {
		t.Error("run accepted an unknown flag")
	}
	if err := run(t.Context(), []string{"extra"}, &out); err == nil {
		t.Error("run accepted a stray argument")
	}
}

// -smtp takes host:port and the account from the environment, and says
// what is wrong with either; the password never reaches an error.
func TestSMTPFlag(t *testing.T) {
	env := map[string]string{"PORTAL_SMTP_FROM": "Acme <no-reply@acme.example>", "PORTAL_SMTP_USER": "acme", "PORTAL_SMTP_PASSWORD": "s3cret"}
	getenv := func(k string) string { return env[k] }
	if _, err := smtpSender("smtp.acme.example:587", getenv); err != nil {
		t.Fatalf("a good -smtp: %v", err)
	}
	for _, hostport := range []string{"", "smtp.acme.example", "smtp.acme.example:smtp", "smtp.acme.example:99999"} {
		if _, err := smtpSender(hostport, getenv); err == nil {
			t.Errorf("-smtp %q accepted", hostport)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("-smtp %q: the error quotes the password: %v", hostport, err)
		}
	}
	delete(env, "PORTAL_SMTP_FROM")
	if _, err := smtpSender("smtp.acme.example:587", getenv); err == nil || !strings.Contains(err.Error(), "PORTAL_SMTP_FROM") {
		t.Errorf("without a sender address: %v", err)
	}
	env["PORTAL_SMTP_FROM"], env["PORTAL_SMTP_USER"] = "Acme <no-reply@acme.example>", ""
	if _, err := smtpSender("smtp.acme.example:587", getenv); err == nil {
		t.Error("a password without a user accepted")
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-smtp", "no-port"}, &out); err == nil {
		t.Error("run accepted a bad -smtp")
	}
}

// The demo runs on PostgreSQL when -db is a postgres:// URL, and the URL's
// password never reaches the banner.
func TestPortalOnPostgres(t *testing.T) {
	if got, want := redactDB("postgres://portal:s3cret@db.example/portal"), "postgres://portal:xxxxx@db.example/portal"; got != want {
		t.Errorf("redactDB = %q, want %q", got, want)
	}
	if got := redactDB("/tmp/x.db"); got != "/tmp/x.db" {
		t.Errorf("redactDB of a file = %q", got)
	}
	dsn := os.Getenv("PORTALMFA_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PORTALMFA_TEST_POSTGRES not set: PostgreSQL demo test skipped")
	}
	p, err := newPortal(t.Context(), portalConfig{DB: dsn, KeyPath: filepath.Join(t.TempDir(), "key"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatalf("newPortal: %v", err)
	}
	defer p.Close()
	if required, err := p.svc.SecondFactorRequired(t.Context(), "nobody"); err != nil || required {
		t.Errorf("SecondFactorRequired = %v, %v; want false, nil", required, err)
	}
}
