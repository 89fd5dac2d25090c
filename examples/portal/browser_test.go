package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

const chromiumPath = "/usr/bin/chromium"

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

// TestBrowserEnrollAndLogin drives the demo the way a person would: sign
// in, turn on an authenticator app from "My Account" through the three
// steps of the wizard, sign out, pass the login challenge, then sign in
// once more with a backup code.
func TestBrowserEnrollAndLogin(t *testing.T) {
	ctx := newChromium(t)
	clock := &testClock{}
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	srv := httptest.NewServer(p) // 127.0.0.1
	t.Cleanup(srv.Close)
	shots := screenshotDir(t)

	step := func() context.Context {
		c, cancel := context.WithTimeout(ctx, stepTimeout)
		t.Cleanup(cancel)
		return c
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(step(), actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// click runs actions that end in a page load and checks where it lands.
	click := func(what, wantPath string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.RunResponse(step(), actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		loc, err := chromedp.Run(step(), chromedp.Location())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := strings.TrimPrefix(loc, srv.URL); got != wantPath {
			t.Fatalf("%s: landed on %s, want %s", what, got, wantPath)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(step(), chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(step(), chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(shots, name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	signIn := func(wantPath string) {
		t.Helper()
		do("opening the login page", chromedp.Navigate(srv.URL+"/login"))
		if wantPath == "/account" {
			screenshot("login")
		}
		do("typing credentials",
			chromedp.SendKeys(chromedp.CSS(`#email`), "alice@example.com"),
			chromedp.SendKeys(chromedp.CSS(`#password`), "alice-demo-pass"))
		click("signing in", wantPath, chromedp.Click(chromedp.CSS(`#sign-in`)))
	}

	signIn("/account")
	if got := text(`#twostep-status`); got != "Off" {
		t.Fatalf("account tile says two-step verification is %q, want Off", got)
	}
	screenshot("account")

	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	screenshot("overview")

	// Step 1: the QR code and the key.
	click("starting the TOTP setup", "/my/security/totp/setup", chromedp.Click(chromedp.CSS(selBeginTOTP)))
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
		t.Fatalf("account tile says two-step verification is %q, want On", got)
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
