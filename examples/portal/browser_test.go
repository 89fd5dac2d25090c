package main

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

const (
	chromiumPath = "/usr/bin/chromium"
	browserUA    = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

// Selectors of the httpx pages the browser test drives, from
// httpx/templates. The state badge has no id, so its colour class stands in.
const (
	selBeginTOTP    = `form[action="/my/security/totp/begin"] button[type="submit"]`
	selManualKey    = `code.portalmfa-key`
	selWizardNext   = `form[action="/my/security/totp/codes"] button[type="submit"]`
	selBackupCodes  = `.portalmfa-codes code`
	selPrintButton  = `button[data-portalmfa-print]`
	selCopyButton   = `button[data-portalmfa-copy]`
	selToConfirm    = `a[href="/my/security/totp/confirm"]`
	selCodeInput    = `input[name="code"]`
	selPassword     = `#portalmfa-password`
	selTOTPOn       = `.list-group-item .badge.text-bg-success`
	selDoneNotice   = `.alert-success`
	selUseBackup    = `a[href="/login/2fa/backup"]`
	selCodesLeft    = `#portalmfa-codes-left`
	selContinue     = `a.btn-primary`
	selCodesCount   = `#portalmfa-backup-codes .badge`
	selLowCodes     = `#portalmfa-backup-codes .alert-warning`
	selRegenerateIn = `#portalmfa-backup-codes .alert-warning a[href="/my/security/backup-codes/regenerate"]`
)

// stepTimeout bounds each browser step, so a missing element fails the
// test in seconds rather than at the overall deadline.
const stepTimeout = 15 * time.Second

// screenshotDir is where the browser test writes its pictures: the
// repository's docs/screenshots when PORTALMFA_SCREENSHOTS=1, a temporary
// directory otherwise.
func screenshotDir(t *testing.T) string {
	if os.Getenv("PORTALMFA_SCREENSHOTS") == "1" {
		dir := filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// newChromium starts a headless Chromium with a profile of its own and
// returns a tab context that ends with the test or after a minute.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("chromium not installed: " + chromiumPath)
	}
	profile, err := os.MkdirTemp("", "portal-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helpers may still write for a moment after it exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		// A desktop Chrome's User-Agent, so the device list reads "Chrome on
		// Linux" rather than "Headless Chrome on Linux".
		chromedp.UserAgent(browserUA),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelTab)
	// The first call on a tab starts the browser and ties its life to the
	// context of that call: make it this one, not a step's, whose timeout
	// would stop the browser halfway through the test.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// driver runs the steps of a browser test against the demo at base, each
// step bounded by stepTimeout, and writes its screenshots to shots.
type driver struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

// newDriver serves the portal that open returns for its origin, and a
// browser to drive it. The origin is http://localhost:PORT, where browsers
// allow passkeys (on 127.0.0.1 they refuse the RP ID).
func newDriver(t *testing.T, open func(origin string) *portal) (*driver, *portal) {
	ctx := newChromium(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := localOrigin(ln.Addr())
	p := open(origin)
	srv := httptest.NewUnstartedServer(p)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &driver{t: t, ctx: ctx, base: origin, shots: screenshotDir(t)}, p
}

func (d *driver) step() context.Context {
	c, cancel := context.WithTimeout(d.ctx, stepTimeout)
	d.t.Cleanup(cancel)
	return c
}

func (d *driver) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.step(), actions...); err != nil {
		d.t.Fatalf("%s: %v", what, err)
	}
}

// click runs actions that end in a page load and checks where it lands.
func (d *driver) click(what, wantPath string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if got := d.land(what, actions...); got != wantPath {
		d.t.Fatalf("%s: landed on %s, want %s", what, got, wantPath)
	}
}

// clickPrefix is click for a landing path that starts with wantPrefix.
func (d *driver) clickPrefix(what, wantPrefix string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if got := d.land(what, actions...); !strings.HasPrefix(got, wantPrefix) {
		d.t.Fatalf("%s: landed on %s, want %s…", what, got, wantPrefix)
	}
}

// land runs actions that end in a page load and returns the path it lands on.
func (d *driver) land(what string, actions ...chromedp.Action[chromedp.Void]) string {
	d.t.Helper()
	if _, err := chromedp.RunResponse(d.step(), actions...); err != nil {
		d.t.Fatalf("%s: %v", what, err)
	}
	loc, err := chromedp.Run(d.step(), chromedp.Location())
	if err != nil {
		d.t.Fatalf("%s: %v", what, err)
	}
	return strings.TrimPrefix(loc, d.base)
}

func (d *driver) text(sel string) string {
	d.t.Helper()
	s, err := chromedp.Run(d.step(), chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		d.t.Fatalf("reading %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// texts returns the text of every element sel matches.
func (d *driver) texts(sel string) []string {
	d.t.Helper()
	s, err := chromedp.Run(d.step(), chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+"`"+sel+"`"+`), e => e.textContent.trim())`))
	if err != nil {
		d.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// inView fails the test unless the element sel matches is within the
// window, wholly or from its top (a scroll to it may leave it a fraction
// of a pixel above).
func (d *driver) inView(sel string) {
	d.t.Helper()
	ok, err := chromedp.Run(d.step(), chromedp.Evaluate[bool](
		`(() => { const r = document.querySelector(`+"`"+sel+"`"+`).getBoundingClientRect(); return r.top > -1 && r.top < innerHeight })()`))
	if err != nil {
		d.t.Fatalf("locating %s: %v", sel, err)
	}
	if !ok {
		d.t.Fatalf("%s is out of view", sel)
	}
}

// screenshot saves the whole page, or with sel the element it matches.
func (d *driver) screenshot(name string, sel ...string) {
	d.t.Helper()
	var png []byte
	var err error
	if len(sel) > 0 {
		png, err = chromedp.Run(d.step(), chromedp.Screenshot(chromedp.CSS(sel[0])))
	} else {
		png, err = chromedp.Run(d.step(), chromedp.FullScreenshot(100))
	}
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(d.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		d.t.Fatal(err)
	}
	d.t.Logf("screenshot: %s", path)
}

// signIn signs alice in with her password and checks where that lands: the
// challenge, or her account when the browser is trusted or she has no
// second factor.
func (d *driver) signIn(wantPath string, shot bool) {
	d.t.Helper()
	d.do("opening the login page", chromedp.Navigate(d.base+"/login"))
	if shot {
		d.screenshot("login")
	}
	d.do("typing credentials",
		chromedp.SendKeys(chromedp.CSS(`#email`), "alice@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "alice-demo-pass"))
	d.click("signing in", wantPath, chromedp.Click(chromedp.CSS(`#sign-in`)))
}

// TestBrowserEnrollAndLogin drives the demo the way a person would: sign
// in, turn on an authenticator app from "My Account" through the three
// steps of the wizard, sign out, pass the login challenge, then sign in
// once more with a backup code.
func TestBrowserEnrollAndLogin(t *testing.T) {
	clock := &testClock{}
	d, p := newDriver(t, func(origin string) *portal {
		return openPortalAt(t, filepath.Join(t.TempDir(), "portal.db"), clock, origin)
	})
	do, click, text, screenshot := d.do, d.click, d.text, d.screenshot
	step := d.step
	signIn := func(wantPath string) { t.Helper(); d.signIn(wantPath, wantPath == "/account") }

	signIn("/account")
	if got := text(`#twostep-status`); got != "Off" {
		t.Fatalf("account tile says two-factor authentication is %q, want Off", got)
	}
	screenshot("account")

	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	screenshot("overview")

	// Step 1: the QR code and the key.
	// Turning a first factor on asks for the password again.
	click("starting the TOTP setup", "/my/security/verify?need=password&next=%2Ftotp%2Fsetup", chromedp.Click(chromedp.CSS(selBeginTOTP)))
	screenshot("verify")
	do("typing the password", chromedp.SendKeys(chromedp.CSS(selPassword), "alice-demo-pass"))
	click("confirming it's her", "/my/security/totp/setup", chromedp.Submit(chromedp.CSS(selPassword)))
	screenshot("wizard")
	secret := decodeKey(t, text(selManualKey))

	// Step 2: the backup codes, shown once. Our script shows Copy and Print
	// (the CSP lets it run); Download is a plain form.
	click("going on to the backup codes", "/my/security/totp/codes", chromedp.Click(chromedp.CSS(selWizardNext)))
	codes, err := chromedp.Run(step(), chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+"`"+selBackupCodes+"`"+`), c => c.textContent)`))
	if err != nil {
		t.Fatalf("reading the backup codes: %v", err)
	}
	if len(codes) != 10 {
		t.Fatalf("step 2 shows %d backup codes, want 10: %q", len(codes), codes)
	}
	do("waiting for the Print and Copy buttons",
		chromedp.WaitVisible(chromedp.CSS(selPrintButton)),
		chromedp.WaitVisible(chromedp.CSS(selCopyButton)))
	screenshot("backup-codes")

	// Step 3: a code from the app turns it all on.
	click("going on to the confirmation", "/my/security/totp/confirm", chromedp.Click(chromedp.CSS(selToConfirm)))
	do("typing the confirmation code", chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
	click("confirming the code", "/my/security/?done=totp-on", chromedp.Submit(chromedp.CSS(selCodeInput)))
	if got := text(selTOTPOn); !strings.HasPrefix(got, "On") {
		t.Fatalf("after confirming, the security page says %q, want On since …", got)
	}
	if got := text(selDoneNotice); !strings.Contains(got, "is on") {
		t.Fatalf("after confirming, the notice says %q", got)
	}
	if got := text(selCodesCount); got != "10 codes left" {
		t.Fatalf("after confirming, the backup codes say %q, want 10 codes left", got)
	}
	screenshot("overview-on")

	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))

	signIn("/login/2fa/")
	screenshot("challenge")
	// The confirming code's step is spent; an app shows the next one 30 s
	// later, and the clock jumps there instead of the test waiting.
	clock.advance(totp.Period)
	do("typing the login code", chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
	click("passing the challenge", "/account", chromedp.Submit(chromedp.CSS(selCodeInput)))
	if got := text(`#twostep-status`); got != "On" {
		t.Fatalf("account tile says two-factor authentication is %q, want On", got)
	}
	if got := text(`#nav-user`); got != "Alice Martin" {
		t.Fatalf("navbar shows %q, want Alice Martin", got)
	}

	// The phone is lost: sign in with a backup code, typed the sloppy way.
	click("signing out again", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	signIn("/login/2fa/")
	click("choosing a backup code", "/login/2fa/backup", chromedp.Click(chromedp.CSS(selUseBackup)))
	screenshot("backup-challenge")
	typed := strings.ToLower(strings.ReplaceAll(codes[0], "-", " "))
	do("typing a backup code", chromedp.SendKeys(chromedp.CSS(selCodeInput), typed))
	click("passing the challenge with a backup code", "/login/2fa/backup", chromedp.Submit(chromedp.CSS(selCodeInput)))
	if got := text(selCodesLeft); got != "You have 9 backup codes left." {
		t.Fatalf("after a backup code the page says %q", got)
	}
	screenshot("backup-used")
	click("continuing", "/account", chromedp.Click(chromedp.CSS(selContinue)))
	if got := text(`#nav-user`); got != "Alice Martin" {
		t.Fatalf("navbar shows %q, want Alice Martin", got)
	}
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	if got := text(selCodesCount); got != "9 codes left" {
		t.Fatalf("the security page says %q, want 9 codes left", got)
	}

	// Used up to the low mark (through the Service, to save time): the
	// overview warns and offers new codes.
	for _, c := range codes[1:7] {
		if _, err := p.svc.VerifyBackupCode(t.Context(), alice, c, portalmfa.Client{}); err != nil {
			t.Fatalf("redeeming a backup code: %v", err)
		}
	}
	click("reloading the security page", "/my/security/", chromedp.Reload())
	if got := text(selCodesCount); got != "3 codes left" {
		t.Fatalf("the security page says %q, want 3 codes left", got)
	}
	if got := text(selLowCodes); !strings.Contains(got, "only 3 backup codes left") {
		t.Fatalf("the low-codes warning says %q", got)
	}
	do("finding the regenerate link", chromedp.WaitVisible(chromedp.CSS(selRegenerateIn)))
	screenshot("low-codes")
}

// Selectors of the trusted-device and history cards.
const (
	selTrustBox      = `#portalmfa-trust`
	selDevicesCard   = `#portalmfa-devices`
	selThisDevice    = `#portalmfa-devices .portalmfa-this-device`
	selHistoryCard   = `#portalmfa-history`
	selAttemptMethod = `#portalmfa-history .portalmfa-attempt strong`
	selFailedAttempt = `#portalmfa-history .portalmfa-failed`
	// The list item of the device marked "This device", and its name.
	selThisDeviceItem = `#portalmfa-devices .portalmfa-device:has(.portalmfa-this-device)`
	selThisDeviceName = selThisDeviceItem + ` h3`
)

// TestBrowserTrustedDevice: sign in with a code, ticking "Trust this
// device"; the next sign-in on that browser skips the challenge; the
// security page marks the device and lists the attempts; once the device is
// revoked, the challenge is back. The outbox shows what the portal would
// have emailed.
func TestBrowserTrustedDevice(t *testing.T) {
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	secret := enroll(t, p, alice, clock.now())
	ctx := t.Context()

	// Devices alice trusted before, on other browsers, so the list shows
	// every status: one expires meanwhile, one she revoked.
	if _, _, err := p.svc.TrustDevice(ctx, alice, portalmfa.Client{IP: "203.0.113.24",
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"}); err != nil {
		t.Fatal(err)
	}
	clock.advance(31 * 24 * time.Hour)
	token, _, err := p.svc.TrustDevice(ctx, alice, portalmfa.Client{IP: "198.51.100.23",
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.svc.RevokeDevice(ctx, alice, p.svc.DeviceID(token), portalmfa.Client{}); err != nil {
		t.Fatal(err)
	}
	// Bruno (French) used a backup code: the outbox speaks his language.
	_, brunoCodes := enrollWithCodes(t, p, bruno, clock.now())
	if _, err := p.svc.VerifyBackupCode(ctx, bruno, brunoCodes[0], portalmfa.Client{IP: "192.0.2.44"}); err != nil {
		t.Fatal(err)
	}

	d, _ := newDriver(t, func(string) *portal { return p })
	d.signIn("/login/2fa/", false)
	if got := d.text(`label[for="portalmfa-trust"]`); got != "Trust this device for 30 days" {
		t.Fatalf("the trust box reads %q", got)
	}
	// A mistyped code first: a failed attempt in the history.
	clock.advance(totp.Period)
	d.do("typing a wrong code", chromedp.SendKeys(chromedp.CSS(selCodeInput), wrongCode(secret, clock.now())))
	d.click("submitting the wrong code", "/login/2fa/", chromedp.Submit(chromedp.CSS(selCodeInput)))
	d.do("ticking Trust this device and typing the code",
		chromedp.Click(chromedp.CSS(selTrustBox)),
		chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
	d.click("passing the challenge", "/account", chromedp.Submit(chromedp.CSS(selCodeInput)))

	d.click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	d.signIn("/account", false) // the trusted browser: no challenge
	if got := d.text(`#nav-user`); got != "Alice Martin" {
		t.Fatalf("navbar shows %q, want Alice Martin", got)
	}

	d.click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	if got := d.text(selThisDevice); got != "This device" {
		t.Fatalf("the device list marks %q", got)
	}
	if got := d.text(selThisDeviceName); got != "Chrome on Linux This device" {
		t.Fatalf("this device is %q, want Chrome on Linux", got)
	}
	if got := strings.Join(d.texts(`#portalmfa-devices .portalmfa-device .badge:not(.portalmfa-this-device)`), ","); got != "Active,Revoked,Expired" {
		t.Fatalf("device statuses %q", got)
	}
	if got := strings.Join(d.texts(selAttemptMethod), ","); got != "Trusted device,Authenticator app,Authenticator app" {
		t.Fatalf("history methods %q", got)
	}
	// Rename opens a small form in place (no script: <details>).
	d.do("opening Rename", chromedp.Click(chromedp.CSS(selThisDeviceItem+` summary`)),
		chromedp.WaitVisible(chromedp.CSS(selThisDeviceItem+` input[name="name"]`)))
	d.do("typing a name",
		chromedp.Clear(chromedp.CSS(selThisDeviceItem+` input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(selThisDeviceItem+` input[name="name"]`), "Work laptop"))
	d.clickPrefix("renaming this device", "/my/security/?device=",
		chromedp.Submit(chromedp.CSS(selThisDeviceItem+` input[name="name"]`)))
	// Back at the device, with the message beside it, in view.
	if got := d.text(selThisDeviceItem + ` .alert-success`); !strings.Contains(got, "renamed") {
		t.Fatalf("after renaming, the device's notice says %q", got)
	}
	d.inView(selThisDeviceItem)
	if got := d.text(selThisDeviceName); got != "Work laptop This device" {
		t.Fatalf("after renaming, this device is %q", got)
	}
	if got := d.text(selFailedAttempt); !strings.Contains(got, "Failed") || !strings.Contains(got, "wrong code") {
		t.Fatalf("the failed attempt reads %q", got)
	}
	d.screenshot("devices", selDevicesCard)
	d.screenshot("history", selHistoryCard)

	d.clickPrefix("revoking this device", "/my/security/?device=",
		chromedp.Click(chromedp.CSS(selThisDeviceItem+` form[action$="/revoke"] button`)))
	if got := d.text(`#portalmfa-devices .portalmfa-device .alert-success`); !strings.Contains(got, "no longer trusted") {
		t.Fatalf("after revoking, the notice says %q", got)
	}
	if got := d.texts(`#portalmfa-devices .text-bg-success`); len(got) != 0 {
		t.Fatalf("still active after revoking: %q", got)
	}
	d.click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	d.signIn("/login/2fa/", false) // revoked: the challenge again

	d.click("opening the development outbox", "/dev/outbox", chromedp.Navigate(d.base+"/dev/outbox"))
	subjects := d.texts(`.outbox-subject`)
	if len(subjects) == 0 || subjects[0] != "New trusted device on your account" || !slices.Contains(subjects, "Un code de secours a été utilisé") {
		t.Fatalf("outbox subjects %q", subjects)
	}
	d.screenshot("outbox")
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
