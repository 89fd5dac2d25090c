package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portalmfa/portalmfa/totp"
)

// TestBrowserPolicy walks a partner through the demo's required policy as
// a person would: the warning with the deadline at the first sign-in, the
// days passing, the danger banner and the portal confined to the security
// page, then an authenticator app set up, and the portal free again.
func TestBrowserPolicy(t *testing.T) {
	clock := &testClock{}
	d, _ := newDriver(t, func(origin string) *portal {
		return openPortalAt(t, filepath.Join(t.TempDir(), "portal.db"), clock, origin)
	})
	do, click, text, screenshot := d.do, d.click, d.text, d.screenshot
	signIn := func(want string) {
		t.Helper()
		do("opening the login page", chromedp.Navigate(d.base+"/login"))
		do("typing Bruno's credentials",
			chromedp.SendKeys(chromedp.CSS(`#email`), "bruno@example.com"),
			chromedp.SendKeys(chromedp.CSS(`#password`), "bruno-demo-pass"))
		click("signing in", want, chromedp.Click(chromedp.CSS(`#sign-in`)))
	}

	signIn("/account")
	do("reading the page in English", chromedp.SetValue(chromedp.CSS(`#language-switcher`), "en"))
	click("switching the language", "/account", chromedp.Submit(chromedp.CSS(`#language-switcher`)))
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	deadline := clock.now().AddDate(0, 0, 14).In(mustZone(t, "Europe/Paris")).Format("Jan 2, 2006")
	if got, want := text(`#portalmfa-banner`), "Two-factor authentication is required for your account by "+deadline+": 14 days left. Set up one of the methods below."; got != want {
		t.Fatalf("the banner says %q, want %q", got, want)
	}
	if !strings.Contains(d.texts(`#portalmfa-banner.alert-warning`)[0], "14 days left") {
		t.Fatal("the banner is not a warning")
	}
	screenshot("banner-warning", `#portalmfa-banner`)

	// Fifteen days later the deadline has passed: the sign-in lands on the
	// security page, and the rest of the portal sends back there.
	clock.advance(15 * 24 * time.Hour)
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	signIn("/my/security/")
	if got := text(`#portalmfa-banner.alert-danger`); !strings.Contains(got, "has been required for your account since "+deadline) {
		t.Fatalf("the overdue banner says %q", got)
	}
	screenshot("banner-danger")
	click("trying My Account", "/my/security/", chromedp.Navigate(d.base+"/account"))

	// An authenticator app, and the portal is open again.
	click("starting the TOTP setup", "/my/security/verify?need=password&next=%2Ftotp%2Fsetup", chromedp.Click(chromedp.CSS(selBeginTOTP)))
	do("typing the password", chromedp.SendKeys(chromedp.CSS(selPassword), "bruno-demo-pass"))
	click("confirming it's him", "/my/security/totp/setup", chromedp.Submit(chromedp.CSS(selPassword)))
	secret := decodeKey(t, text(selManualKey))
	click("going on", "/my/security/totp/codes", chromedp.Click(chromedp.CSS(selWizardNext)))
	click("having saved the codes", "/my/security/totp/confirm", chromedp.Click(chromedp.CSS(selToConfirm)))
	do("typing the code", chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
	click("confirming", "/my/security/?done=totp-on", chromedp.Submit(chromedp.CSS(selCodeInput)))
	if n := len(d.texts(`#portalmfa-banner`)); n != 0 {
		t.Fatal("the banner stays once a factor is on")
	}
	click("opening My Account", "/account", chromedp.Navigate(d.base+"/account"))
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
