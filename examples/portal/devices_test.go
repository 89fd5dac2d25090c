package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

// deviceCookieOf returns the trusted-device cookie b holds, or nil.
func (b *browser) deviceCookie() *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "portalmfa_device" {
			return c
		}
	}
	return nil
}

// TestTrustedDeviceLogin: a ticked "trust this device" spares the next
// login on that browser the challenge, and only that browser; revoking it
// brings the challenge back.
func TestTrustedDeviceLogin(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	secret := enroll(t, p, alice, clock.now())
	b := newBrowser(t, p)

	wantRedirect(t, "login", b.login("alice@example.com", "alice-demo-pass"), "/login/2fa/")
	if r := b.get("/login/2fa/"); !strings.Contains(r.body, "Trust this device for 30 days") {
		t.Fatalf("the challenge offers no trust box:\n%s", r.body)
	}
	clock.advance(totp.Period)
	r := b.post("/login/2fa/", url.Values{"code": {totp.Code(secret, clock.now())}, "trust": {"1"}})
	wantRedirect(t, "challenge with trust", r, "/account")
	if b.deviceCookie() == nil {
		t.Fatal("no trusted-device cookie (plain http: portalmfa_device, no __Host- prefix)")
	}

	wantRedirect(t, "logout", b.post("/logout", nil), "/login")
	wantRedirect(t, "login on the trusted browser", b.login("alice@example.com", "alice-demo-pass"), "/account")
	if r := b.get("/account"); !strings.Contains(r.body, "Alice Martin") {
		t.Fatalf("not signed in after the trusted login:\n%s", r.body)
	}

	// The password is still needed.
	other := b.fresh()
	other.c.Jar.SetCookies(mustURL(t, b.base), []*http.Cookie{b.deviceCookie()})
	if r := other.login("alice@example.com", "wrong-password"); r.status != http.StatusUnauthorized {
		t.Fatalf("a trusted device with a wrong password: %d", r.status)
	}
	// Another browser is asked for the code.
	wantRedirect(t, "login elsewhere", b.fresh().login("alice@example.com", "alice-demo-pass"), "/login/2fa/")

	// The security page lists it as this device, and the history the logins.
	r = b.get("/my/security/")
	for _, want := range []string{"Trusted devices", "This device", "Recent sign-in activity", "Trusted device", "Authenticator app"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("security page lacks %q", want)
		}
	}
	ds, err := p.svc.Devices(t.Context(), alice)
	if err != nil || len(ds) != 1 {
		t.Fatalf("devices: %v, %v", ds, err)
	}
	wantRedirect(t, "revoke", b.post("/my/security/devices/"+ds[0].ID+"/revoke", url.Values{}),
		"/my/security/?device="+ds[0].ID+"&done=device-revoked#portalmfa-device-"+ds[0].ID)
	if b.deviceCookie() != nil {
		t.Error("revoking this device left its cookie")
	}
	wantRedirect(t, "logout", b.post("/logout", nil), "/login")
	wantRedirect(t, "login after the revocation", b.login("alice@example.com", "alice-demo-pass"), "/login/2fa/")

	// The outbox told alice, in English.
	r = b.get("/dev/outbox")
	if !strings.Contains(r.body, "New trusted device on your account") || !strings.Contains(r.body, "Alice Martin &lt;alice@example.com&gt;") {
		t.Errorf("the outbox lacks the new-device message:\n%s", r.body)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Every kind of notification has a message in every language of the demo,
// and a user's language picks it.
func TestOutboxMessages(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 26, 0, 0, time.UTC)
	o := newOutbox(func() time.Time { return now }, testCatalog(t))
	kinds := []portalmfa.NotificationKind{
		portalmfa.NotifyNewTrustedDevice, portalmfa.NotifyTOTPDisabled, portalmfa.NotifyBackupCodeUsed,
		portalmfa.NotifyFewBackupCodes, portalmfa.NotifyRepeatedFailures, portalmfa.NotifyNotMe,
		portalmfa.NotifyTwoFactorOn, portalmfa.NotifyTwoFactorOff, portalmfa.NotifyCodesRegenerated,
		portalmfa.NotifyPasskeyAdded, portalmfa.NotifyPasskeyRemoved, portalmfa.NotifyPasskeyClone,
		portalmfa.NotifyCodesSuspended, portalmfa.NotifyTOTPReplaced, portalmfa.NotifyPhoneAdded,
		portalmfa.NotifyPhoneRemoved, portalmfa.NotifyEmailCodesOn, portalmfa.NotifyEmailCodesOff,
		portalmfa.NotifyAdminReset,
	}
	english := map[portalmfa.NotificationKind]string{}
	for _, lang := range []string{"en", "fr", "es", "de", "it", "nl"} {
		for _, k := range kinds {
			n := portalmfa.Notification{
				Kind: k, UserID: "1001", At: now, IP: "192.0.2.1", Device: "Firefox on Windows", Remaining: 2, Note: "lost phone",
				User: portalmfa.User{ID: "1001", Name: "Zoë", Email: "zoe@example.com", Language: lang},
			}
			if err := o.Notify(t.Context(), n); err != nil {
				t.Fatalf("%s/%s: %v", lang, k, err)
			}
			m := o.messages()[0]
			if m.Language != lang || m.Kind != string(k) || m.To != "Zoë <zoe@example.com>" {
				t.Errorf("%s/%s: %+v", lang, k, m)
			}
			if m.Subject == "" || !strings.Contains(m.Body, "Zoë") || strings.Contains(m.Body, "<no value>") {
				t.Errorf("%s/%s: subject %q body %q", lang, k, m.Subject, m.Body)
			}
			if k == portalmfa.NotifyAdminReset && !strings.Contains(m.Body, "lost phone") {
				t.Errorf("%s/%s: no reason in %q", lang, k, m.Body)
			}
			if k != portalmfa.NotifyFewBackupCodes && k != portalmfa.NotifyNotMe && k != portalmfa.NotifyAdminReset && !strings.Contains(m.Body, "192.0.2.1") {
				t.Errorf("%s/%s: no IP in %q", lang, k, m.Body)
			}
			if (k == portalmfa.NotifyBackupCodeUsed || k == portalmfa.NotifyFewBackupCodes) && !strings.Contains(m.Body, "2") {
				t.Errorf("%s/%s: no count in %q", lang, k, m.Body)
			}
			if lang == "en" {
				english[k] = m.Subject
			} else if m.Subject == english[k] {
				t.Errorf("%s/%s: the subject is the English one", lang, k)
			}
		}
	}
	t.Run("a region, an unknown language, none", func(t *testing.T) {
		for tag, want := range map[string]string{"de-CH": "de", "FR": "fr", "ja": "en", "": "en"} {
			n := portalmfa.Notification{Kind: portalmfa.NotifyNotMe, UserID: "x", User: portalmfa.User{ID: "x", Language: tag}}
			if err := o.Notify(t.Context(), n); err != nil {
				t.Fatal(err)
			}
			if got := o.messages()[0]; got.Language != want || got.To != "x" {
				t.Errorf("%q: %s to %q, want %s", tag, got.Language, got.To, want)
			}
		}
	})
	t.Run("one code left is singular", func(t *testing.T) {
		n := portalmfa.Notification{Kind: portalmfa.NotifyFewBackupCodes, UserID: "x", Remaining: 1, User: portalmfa.User{Language: "en"}}
		if err := o.Notify(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		if got := o.messages()[0].Body; !strings.Contains(got, "Only 1 backup code is left.") {
			t.Errorf("body %q", got)
		}
	})
	t.Run("none left says so in every language", func(t *testing.T) {
		for lang, want := range map[string]string{
			"en": "You have no backup codes left.", "fr": "Il ne vous reste plus aucun code de secours.",
			"es": "Ya no te quedan códigos de respaldo.", "de": "Sie haben keine Backup-Codes mehr.",
			"it": "Non ti restano più codici di backup.", "nl": "Je hebt geen back-upcodes meer.",
		} {
			n := portalmfa.Notification{Kind: portalmfa.NotifyFewBackupCodes, UserID: "x", Remaining: 0, User: portalmfa.User{Language: lang}}
			if err := o.Notify(t.Context(), n); err != nil {
				t.Fatal(err)
			}
			if got := o.messages()[0].Body; !strings.Contains(got, want) || strings.Contains(got, " 0 ") {
				t.Errorf("%s: body %q", lang, got)
			}
		}
	})
	t.Run("the outbox keeps the latest", func(t *testing.T) {
		for range outboxSize + 5 {
			_ = o.Notify(t.Context(), portalmfa.Notification{Kind: portalmfa.NotifyNotMe, UserID: "x"})
		}
		if got := len(o.messages()); got != outboxSize {
			t.Errorf("%d messages kept, want %d", got, outboxSize)
		}
	})
	t.Run("an unknown kind is an error", func(t *testing.T) {
		if err := o.Notify(t.Context(), portalmfa.Notification{Kind: "surprise"}); err == nil {
			t.Error("no error")
		}
	})
}

// The outbox page shows each user's messages in their language, with no
// sign-in needed, and says what it is.
func TestOutboxPage(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	b := newBrowser(t, p)
	if r := b.get("/dev/outbox"); r.status != http.StatusOK || !strings.Contains(r.body, "Development outbox") || !strings.Contains(r.body, "No messages yet") {
		t.Fatalf("empty outbox: %d\n%s", r.status, r.body)
	}
	_, codes := enrollWithCodes(t, p, bruno, clock.now())
	if _, err := p.svc.VerifyBackupCode(t.Context(), bruno, codes[0], portalmfa.Client{IP: "192.0.2.7"}); err != nil {
		t.Fatal(err)
	}
	r := b.get("/dev/outbox")
	for _, want := range []string{"Development outbox", "Un code de secours a été utilisé", "Bruno Lefèvre &lt;bruno@example.com&gt;", `lang="fr"`, "Il vous reste 9 codes de secours."} {
		if !strings.Contains(r.body, want) {
			t.Errorf("outbox lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<script") || !strings.Contains(r.body, `href="/static/portal.css"`) {
		t.Error("the outbox page is not the portal's plain page")
	}
}

func TestChangePassword(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	b := newBrowser(t, p)
	wantRedirect(t, "signed out", b.get("/account/password"), "/login")
	wantRedirect(t, "signed out post", b.post("/account/password", url.Values{}), "/login")

	// A device alice trusted (through the Service: the flow itself is
	// TestTrustedDeviceLogin's); no second factor, so the login is direct.
	if _, _, err := p.svc.TrustDevice(t.Context(), alice, portalmfa.Client{}); err != nil {
		t.Fatal(err)
	}
	s := b.fresh()
	wantRedirect(t, "login", s.login("alice@example.com", "alice-demo-pass"), "/account")
	if r := s.get("/account/password"); r.status != http.StatusOK || !strings.Contains(r.body, `autocomplete="new-password"`) {
		t.Fatalf("password page: %d", r.status)
	}
	if r := s.get("/account"); !strings.Contains(r.body, `href="/account/password"`) {
		t.Error("the account page does not link to the password page")
	}

	refused := []struct{ name, current, next, confirm, want string }{
		{"wrong current", "nope", "a-new-password", "a-new-password", "current password is not right"},
		{"mismatch", "alice-demo-pass", "a-new-password", "another-password", "not the same"},
		{"too short", "alice-demo-pass", "short", "short", "at least 10 characters"},
		{"too long", "alice-demo-pass", strings.Repeat("x", 73), strings.Repeat("x", 73), "at least 10 characters"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := s.post("/account/password", url.Values{"current": {tc.current}, "new": {tc.next}, "confirm": {tc.confirm}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) {
				t.Fatalf("got %d, want 422 with %q\n%s", r.status, tc.want, r.body)
			}
			if ds, _ := p.svc.Devices(t.Context(), alice); ds[0].StatusAt(clock.now()) != "active" {
				t.Error("a refused change revoked the devices")
			}
		})
	}

	r := s.post("/account/password", url.Values{"current": {"alice-demo-pass"}, "new": {"a-new-password"}, "confirm": {"a-new-password"}})
	wantRedirect(t, "change", r, "/account?done=password")
	if r := s.get("/account?done=password"); !strings.Contains(r.body, "Your password was changed.") {
		t.Error("no notice after the change")
	}
	ds, err := p.svc.Devices(t.Context(), alice)
	if err != nil || ds[0].StatusAt(clock.now()) != "revoked" {
		t.Errorf("after the change the device is %v (%v), want revoked", ds[0].StatusAt(clock.now()), err)
	}
	if r := b.fresh().login("alice@example.com", "alice-demo-pass"); r.status != http.StatusUnauthorized {
		t.Errorf("the old password still works: %d", r.status)
	}
	wantRedirect(t, "new password", b.fresh().login("alice@example.com", "a-new-password"), "/account")

	t.Run("cross-origin refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/account/password", strings.NewReader("current=a-new-password&new=0123456789x&confirm=0123456789x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := s.do(req); r.status != http.StatusForbidden {
			t.Errorf("cross-site change: %d", r.status)
		}
	})
}

// After "this wasn't me" the security page links to the password page.
func TestNotMeLinksToPasswordPage(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	secret := enroll(t, p, alice, clock.now())
	b := newBrowser(t, p)
	wantRedirect(t, "login", b.login("alice@example.com", "alice-demo-pass"), "/login/2fa/")
	if r := b.post("/login/2fa/", url.Values{"code": {"000000"}}); r.status != http.StatusUnprocessableEntity && totp.Code(secret, clock.now()) != "000000" {
		t.Fatalf("wrong code: %d", r.status)
	}
	clock.advance(totp.Period)
	wantRedirect(t, "challenge", b.post("/login/2fa/", url.Values{"code": {totp.Code(secret, clock.now())}}), "/account")
	es, err := p.svc.LoginHistory(t.Context(), alice)
	if err != nil || len(es) != 2 || es[1].Success {
		t.Fatalf("history %+v, %v", es, err)
	}
	wantRedirect(t, "not me", b.post("/my/security/history/"+es[1].ID+"/not-me", url.Values{}), "/my/security/?done=not-me#portalmfa-history")
	r := b.get("/my/security/?done=not-me")
	if !strings.Contains(r.body, `<a class="alert-link" href="/account/password">Change your password</a>`) {
		t.Errorf("no link to the password page:\n%s", r.body)
	}
	if r := b.get("/dev/outbox"); !strings.Contains(r.body, "You reported a sign-in that wasn&#39;t you") {
		t.Error("the outbox lacks the not-me message")
	}
}

// The prune loop removes old history at once, then on each tick, and
// stops with its context.
func TestPruneHistory(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	enroll(t, p, alice, clock.now())
	if err := p.svc.VerifyTOTP(t.Context(), alice, "000000", portalmfa.Client{}); err == nil {
		t.Skip("000000 happens to be the code")
	}
	history := func() int {
		es, err := p.svc.LoginHistory(context.Background(), alice)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	if history() != 1 {
		t.Fatal("no attempt recorded")
	}
	clock.advance(91 * 24 * time.Hour) // past the 90-day retention

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { p.pruneHistory(ctx, 10*time.Millisecond); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); history() != 0; {
		if time.Now().After(deadline) {
			t.Fatal("old history was not pruned")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the prune loop did not stop")
	}
}

// A user without a second factor sees their sign-ins, refused ones too,
// with this one marked as theirs: the demo records its password step.
func TestHistoryWithoutSecondFactor(t *testing.T) {
	p := newTestPortal(t)
	b := newBrowser(t, p)
	if r := b.login("alice@example.com", "not-her-password"); r.status != 401 {
		t.Fatalf("wrong password: %d", r.status)
	}
	if r := b.login("alice@example.com", "alice-demo-pass"); r.status != 303 {
		t.Fatalf("sign-in: %d", r.status)
	}
	r := b.get("/my/security/")
	for _, want := range []string{"<strong>Password</strong> <span class=\"badge text-bg-success\">Succeeded</span> <span class=\"badge text-bg-primary\">This sign-in</span>",
		"<strong>Password</strong> <span class=\"badge text-bg-danger\">Failed</span> <span class=\"small\">wrong password</span>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	if strings.Contains(r.body, "No sign-ins yet") {
		t.Error("history says it is empty")
	}
}

// Messages give the time in the user's zone, named; UTC, named, without one.
func TestOutboxLocalTime(t *testing.T) {
	at := time.Date(2026, 3, 14, 23, 30, 0, 0, time.UTC)
	o := newOutbox(func() time.Time { return at }, testCatalog(t))
	for zone, want := range map[string]string{"Europe/Paris": "15/03/2026 à 00:30 CET", "": "14/03/2026 à 23:30 UTC"} {
		n := portalmfa.Notification{Kind: portalmfa.NotifyTOTPReplaced, UserID: "1002", At: at, IP: "192.0.2.1",
			User: portalmfa.User{ID: "1002", Name: "Bruno", Email: "bruno@example.com", Language: "fr", TimeZone: zone}}
		if err := o.Notify(t.Context(), n); err != nil {
			t.Fatal(err)
		}
		if body := o.messages()[0].Body; !strings.Contains(body, want) {
			t.Errorf("zone %q: %q lacks %q", zone, body, want)
		}
	}
}
