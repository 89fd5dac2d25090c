package httpx_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/backupcodes"
	"github.com/portalmfa/portalmfa/devices"
	"github.com/portalmfa/portalmfa/history"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/lockout"
	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/totp"
)

// clock is the test's time, shared by the Service and the handler.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// flakyStore is the memory store with a switch that makes every method
// fail, as a database that went away would.
type flakyStore struct {
	*memory.Store
	down atomic.Bool
	// devicesDown makes the trusted-device methods alone fail.
	devicesDown atomic.Bool
	// beforeActivate, when set, runs once before ActivateTOTP: another
	// tab doing something at just the wrong moment.
	beforeActivate func()
}

var errDown = errors.New("test: database is down")

func (s *flakyStore) deviceErr() error {
	if s.devicesDown.Load() {
		return errDown
	}
	return s.err()
}

func (s *flakyStore) err() error {
	if s.down.Load() {
		return errDown
	}
	return nil
}

func (s *flakyStore) SavePendingTOTP(ctx context.Context, userID string, sealed []byte, now time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.SavePendingTOTP(ctx, userID, sealed, now)
}

func (s *flakyStore) TOTPEnrollment(ctx context.Context, userID string) (totp.Enrollment, error) {
	if err := s.err(); err != nil {
		return totp.Enrollment{}, err
	}
	return s.Store.TOTPEnrollment(ctx, userID)
}

func (s *flakyStore) ActivateTOTP(ctx context.Context, userID string, sealed []byte, step int64, now time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	if f := s.beforeActivate; f != nil {
		s.beforeActivate = nil
		f()
	}
	return s.Store.ActivateTOTP(ctx, userID, sealed, step, now)
}

func (s *flakyStore) AcceptTOTPStep(ctx context.Context, userID string, step int64) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.AcceptTOTPStep(ctx, userID, step)
}

func (s *flakyStore) DeleteTOTP(ctx context.Context, userID string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.DeleteTOTP(ctx, userID)
}

func (s *flakyStore) SaveBackupCodes(ctx context.Context, userID string, salt []byte, hashes [][]byte, sealed []byte, active bool, now time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.SaveBackupCodes(ctx, userID, salt, hashes, sealed, active, now)
}

func (s *flakyStore) BackupCodes(ctx context.Context, userID string) (backupcodes.Set, error) {
	if err := s.err(); err != nil {
		return backupcodes.Set{}, err
	}
	return s.Store.BackupCodes(ctx, userID)
}

func (s *flakyStore) ActivateBackupCodes(ctx context.Context, userID string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.ActivateBackupCodes(ctx, userID)
}

func (s *flakyStore) RedeemBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) (int, error) {
	if err := s.err(); err != nil {
		return 0, err
	}
	return s.Store.RedeemBackupCode(ctx, userID, hash, now)
}

func (s *flakyStore) DeleteBackupCodes(ctx context.Context, userID string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.DeleteBackupCodes(ctx, userID)
}

func (s *flakyStore) ReserveAttempt(ctx context.Context, key string, limit lockout.Limit, now time.Time) (lockout.Attempt, error) {
	if err := s.err(); err != nil {
		return lockout.Attempt{}, err
	}
	return s.Store.ReserveAttempt(ctx, key, limit, now)
}

func (s *flakyStore) ResetAttempts(ctx context.Context, keys ...string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.ResetAttempts(ctx, keys...)
}

func (s *flakyStore) SaveDevice(ctx context.Context, d devices.Device, tokenHash []byte) error {
	if err := s.deviceErr(); err != nil {
		return err
	}
	return s.Store.SaveDevice(ctx, d, tokenHash)
}

func (s *flakyStore) UseDevice(ctx context.Context, userID string, tokenHash []byte, ip string, now time.Time) (devices.Device, error) {
	if err := s.deviceErr(); err != nil {
		return devices.Device{}, err
	}
	return s.Store.UseDevice(ctx, userID, tokenHash, ip, now)
}

func (s *flakyStore) Devices(ctx context.Context, userID string) ([]devices.Device, error) {
	if err := s.deviceErr(); err != nil {
		return nil, err
	}
	return s.Store.Devices(ctx, userID)
}

func (s *flakyStore) RenameDevice(ctx context.Context, userID, id, name string) error {
	if err := s.deviceErr(); err != nil {
		return err
	}
	return s.Store.RenameDevice(ctx, userID, id, name)
}

func (s *flakyStore) RevokeDevice(ctx context.Context, userID, id string, now time.Time) error {
	if err := s.deviceErr(); err != nil {
		return err
	}
	return s.Store.RevokeDevice(ctx, userID, id, now)
}

func (s *flakyStore) RevokeAllDevices(ctx context.Context, userID string, now time.Time) (int, error) {
	if err := s.deviceErr(); err != nil {
		return 0, err
	}
	return s.Store.RevokeAllDevices(ctx, userID, now)
}

func (s *flakyStore) Events(ctx context.Context, userID string, limit int, kinds ...history.Kind) ([]history.Event, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Events(ctx, userID, limit, kinds...)
}

func (s *flakyStore) Log(ctx context.Context, q history.Query, limit int) ([]history.Event, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Log(ctx, q, limit)
}

func (s *flakyStore) CountEvents(ctx context.Context, q history.Query) (int, error) {
	if err := s.err(); err != nil {
		return 0, err
	}
	return s.Store.CountEvents(ctx, q)
}

// host is a minimal portal around the handler: users with the session
// cookie "session=<id>", passwords "pw-<id>", and a record of who passed
// the second factor. Passing it sets the session cookie and redirects (303)
// to /home.
type host struct {
	t     testing.TB
	clock *clock
	store *flakyStore
	svc   *portalmfa.Service
	h     *httpx.Handler
	mux   *http.ServeMux
	logs  *bytes.Buffer
	users map[string]portalmfa.User
	// userLanguage is what the Service's LookupUser tells of a user's language.
	userLanguage map[string]string

	mu     sync.Mutex
	passed []string
}

type hostOption func(*httpx.Config)

func newHost(t testing.TB, opts ...hostOption) *host {
	t.Helper()
	return newHostWith(t, nil, opts...)
}

// newHostWith is newHost with the Service's configuration adjusted by svcOpt.
func newHostWith(t testing.TB, svcOpt func(*portalmfa.Config), opts ...hostOption) *host {
	t.Helper()
	hs := &host{
		t: t,
		// On a step boundary, so a code stays valid for the 30 s ahead.
		clock: &clock{t: time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)},
		store: &flakyStore{Store: memory.New()},
		logs:  &bytes.Buffer{},
		users: map[string]portalmfa.User{
			"alice": {ID: "alice", Name: "Alice", Email: "alice@example.com"},
			"bob":   {ID: "bob", Name: "Bob", Email: "bob@example.com"},
			"dora":  {ID: "dora", Name: "Dora", Email: "dora@example.com", Language: "de"},
		},
		userLanguage: map[string]string{},
	}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: hs.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svcCfg := portalmfa.Config{
		Issuer: "Acme Portal",
		Keys:   [][]byte{bytes.Repeat([]byte{7}, 32)},
		Store:  hs.store,
		CheckPassword: func(_ context.Context, userID, password string) (bool, error) {
			return password == "pw-"+userID, nil
		},
		UserLimit: lockout.Limit{Threshold: 3, Delay: time.Minute, MaxDelay: time.Hour},
		LookupUser: func(_ context.Context, userID string) (portalmfa.User, error) {
			u := hs.users[userID] // read after the host is set up
			u.ID, u.Language = userID, hs.userLanguage[userID]
			return u, nil
		},
		Passkeys: portalmfa.PasskeyConfig{RPID: "portal.example", Origins: []string{"https://portal.example"}},
		Logger:   logger,
		Now:      hs.clock.Now,
	}
	if svcOpt != nil {
		svcOpt(&svcCfg)
	}
	svc, err := portalmfa.New(svcCfg)
	require.NoError(t, err)
	hs.svc = svc

	cfg := httpx.Config{
		Service: svc,
		CurrentUser: func(r *http.Request) (portalmfa.User, bool) {
			c, err := r.Cookie("session")
			if err != nil {
				return portalmfa.User{}, false
			}
			u, ok := hs.users[c.Value]
			return u, ok
		},
		SecondFactorPassed: func(w http.ResponseWriter, r *http.Request, userID string) {
			hs.mu.Lock()
			hs.passed = append(hs.passed, userID)
			hs.mu.Unlock()
			http.SetCookie(w, &http.Cookie{Name: "session", Value: userID, Path: "/", HttpOnly: true})
			http.Redirect(w, r, "/home", http.StatusSeeOther)
		},
		Logger: logger,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := httpx.New(cfg)
	require.NoError(t, err)
	hs.h = h

	hs.mux = http.NewServeMux()
	hs.mux.Handle("/my/security/", http.StripPrefix("/my/security", h.Security()))
	hs.mux.Handle("/login/2fa/", http.StripPrefix("/login/2fa", h.Challenge()))
	hs.mux.Handle("/login/passkey/", http.StripPrefix("/login/passkey", h.Passwordless()))
	hs.mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := h.StartChallenge(w, r, r.FormValue("user")); err != nil {
			http.Error(w, "try again later", http.StatusServiceUnavailable)
		}
	})
	return hs
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func withTemplates(fsys fs.FS) hostOption {
	return func(c *httpx.Config) { c.Templates = fsys }
}

// reqOption adjusts a request before it is served.
type reqOption func(*http.Request)

func as(userID string) reqOption {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: userID}) }
}

func withCookie(c *http.Cookie) reqOption {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value}) }
}

func withHeader(name, value string) reqOption {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// do serves one request. A non-nil form is sent as the urlencoded body.
func (hs *host) do(method, target string, form url.Values, opts ...reqOption) *httptest.ResponseRecorder {
	hs.t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, "http://portal.example"+target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, "http://portal.example"+target, nil)
	}
	for _, o := range opts {
		o(r)
	}
	w := httptest.NewRecorder()
	hs.mux.ServeHTTP(w, r)
	return w
}

func (hs *host) passedUsers() []string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return append([]string(nil), hs.passed...)
}

// enroll turns TOTP on for userID through the Service and returns the
// secret, so tests of other routes start from an enrolled user.
func (hs *host) enroll(userID string) []byte {
	hs.t.Helper()
	secret, _ := hs.enrollWithCodes(userID)
	return secret
}

// enrollWithCodes is enroll that also returns the backup codes.
func (hs *host) enrollWithCodes(userID string) ([]byte, []string) {
	hs.t.Helper()
	ctx := context.Background()
	proof := hs.proof(userID)
	e, err := hs.svc.BeginTOTP(ctx, hs.users[userID], proof)
	require.NoError(hs.t, err)
	secret := decodeKey(hs.t, e.Key)
	codes, err := hs.svc.PendingBackupCodes(ctx, userID, proof)
	require.NoError(hs.t, err)
	require.NoError(hs.t, hs.svc.ConfirmTOTP(ctx, userID, totp.Code(secret, hs.clock.Now()), proof, portalmfa.Client{}))
	return secret, codes
}

// proof returns a proof that userID entered the password just now.
func (hs *host) proof(userID string) string {
	hs.t.Helper()
	p, err := hs.svc.ReverifyPassword(context.Background(), userID, "pw-"+userID, "", portalmfa.Client{})
	require.NoError(hs.t, err)
	return p
}

// sudo is as(userID) with a recent verification of the password, which
// turning a first factor on, or the last one off, needs.
func (hs *host) sudo(userID string) reqOption {
	hs.t.Helper()
	return hs.sudoWith(userID, hs.proof(userID))
}

// sudoCode is as(userID) with a recent verification of code (of the app,
// or a backup code), which new backup codes and another factor need.
func (hs *host) sudoCode(userID, code string) reqOption {
	hs.t.Helper()
	p, err := hs.svc.ReverifyCode(context.Background(), userID, code, "", portalmfa.Client{})
	require.NoError(hs.t, err)
	return hs.sudoWith(userID, p)
}

func (hs *host) sudoWith(userID, proof string) reqOption {
	return func(r *http.Request) {
		as(userID)(r)
		r.AddCookie(&http.Cookie{Name: "portalmfa_verified", Value: proof})
	}
}

// pending returns a pending-login cookie for userID, as StartChallenge
// sets it.
func (hs *host) pending(userID string) *http.Cookie {
	hs.t.Helper()
	w := hs.do(http.MethodPost, "/login", url.Values{"user": {userID}})
	require.Equal(hs.t, http.StatusSeeOther, w.Code)
	for _, c := range w.Result().Cookies() {
		if c.Name == "portalmfa_pending" {
			return c
		}
	}
	hs.t.Fatal("no pending-login cookie")
	return nil
}

func decodeKey(t testing.TB, key string) []byte {
	t.Helper()
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	require.NoError(t, err)
	return secret
}

var keyAttr = regexp.MustCompile(`data-portalmfa-copy="([A-Z2-7]+)"`)

// keyFromPage reads the manual key off the setup page.
func keyFromPage(t *testing.T, body string) []byte {
	t.Helper()
	m := keyAttr.FindStringSubmatch(body)
	require.NotNil(t, m, "no key on the page")
	return decodeKey(t, m[1])
}

// wrongCode returns a well-formed code that matches none of the steps
// around now.
func wrongCode(secret []byte, now time.Time) string {
	near := map[string]bool{}
	for _, d := range []time.Duration{-totp.Period, 0, totp.Period} {
		near[totp.Code(secret, now.Add(d))] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !near[c] {
			return c
		}
	}
	panic("unreachable")
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var (
	codeOnPage  = regexp.MustCompile(`<li><code>([2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5})</code></li>`)
	currentStep = regexp.MustCompile(`<li aria-current="step"><span class="badge rounded-pill text-bg-primary">(\d)</span>`)
)

// codesFromPage reads the backup codes off the codes page: ten, all
// different.
func codesFromPage(t *testing.T, body string) []string {
	t.Helper()
	var codes []string
	seen := map[string]bool{}
	for _, m := range codeOnPage.FindAllStringSubmatch(body, -1) {
		require.False(t, seen[m[1]], "code %s twice", m[1])
		seen[m[1]] = true
		codes = append(codes, m[1])
	}
	require.Len(t, codes, 10, "backup codes on the page")
	return codes
}

// stepOf returns the wizard step the page marks as current, 0 for none.
func stepOf(t *testing.T, body string) int {
	t.Helper()
	m := currentStep.FindAllStringSubmatch(body, -1)
	if len(m) == 0 {
		return 0
	}
	require.Len(t, m, 1, "one current step")
	return int(m[0][1][0] - '0')
}

// Behind a proxy with the default ClientIP, every client has the proxy's
// address: the handler says so in the log, once.
func TestProxyWarning(t *testing.T) {
	hs := newHost(t)
	hs.enroll("alice")
	for range 3 {
		hs.do(http.MethodPost, "/login/2fa/", form("code", "000000"), withCookie(hs.pending("alice")), withHeader("X-Forwarded-For", "203.0.113.9"))
	}
	assert.Equal(t, 1, strings.Count(hs.logs.String(), "Config.ClientIP is not set"))

	quiet := newHost(t, func(c *httpx.Config) {
		c.ClientIP = func(r *http.Request) string { return r.Header.Get("X-Forwarded-For") }
	})
	quiet.enroll("alice")
	quiet.do(http.MethodPost, "/login/2fa/", form("code", "000000"), withCookie(quiet.pending("alice")), withHeader("X-Forwarded-For", "203.0.113.9"))
	assert.NotContains(t, quiet.logs.String(), "Config.ClientIP is not set")
}
