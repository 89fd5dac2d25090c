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

	"github.com/portalmfa/portalmfa/totp"
)

const chromiumPath = "/usr/bin/chromium"

// Selectors of the httpx pages the browser test drives, from
// httpx/templates. The state badge has no id, so its colour class stands in.
const (
	selBeginTOTP  = `form[action="/my/security/totp/begin"] button[type="submit"]`
	selManualKey  = `code.portalmfa-key`
	selCodeInput  = `input[name="code"]`
	selTOTPOn     = `.list-group-item .badge.text-bg-success`
	selDoneNotice = `.alert-success`
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
	return ctx
}

// TestBrowserEnrollAndLogin drives the demo the way a person would: sign
// in, turn on an authenticator app from "My Account", sign out, and pass
// the login challenge.
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

	click("starting the TOTP setup", "/my/security/totp/setup", chromedp.Click(chromedp.CSS(selBeginTOTP)))
	screenshot("wizard")
	secret := decodeKey(t, text(selManualKey))

	do("typing the confirmation code", chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
	click("confirming the code", "/my/security/?done=totp-on", chromedp.Submit(chromedp.CSS(selCodeInput)))
	if got := text(selTOTPOn); !strings.HasPrefix(got, "On") {
		t.Fatalf("after confirming, the security page says %q, want On since …", got)
	}
	if got := text(selDoneNotice); !strings.Contains(got, "is on") {
		t.Fatalf("after confirming, the notice says %q", got)
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
}
