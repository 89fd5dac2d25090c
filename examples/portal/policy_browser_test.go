package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portalmfa/portalmfa/totp"
)

// TestBrowserPolicy walks the demo's required policy as people would: the
// administrator gives partners 10 days and a banner of their own in the
// console, a partner sees the warning at the first sign-in, the days pass,
// the danger banner and the portal confined to the security page, then an
// authenticator app set up, and the portal free again.
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

	// The administrator gives partners 10 days, with a banner of their own
	// in English, previewing whom the policy applies to.
	do("opening the login page", chromedp.Navigate(d.base+"/login"))
	do("typing the administrator's credentials",
		chromedp.SendKeys(chromedp.CSS(`#email`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "admin-demo-pass"))
	click("signing in", "/account", chromedp.Click(chromedp.CSS(`#sign-in`)))
	click("opening the console", "/admin/2fa/", chromedp.Navigate(d.base+"/admin/2fa/"))
	if got := text(`#portalmfa-share`); got != "0% of users have two-factor authentication on: 0 of 7." {
		t.Fatalf("the dashboard says %q", got)
	}
	click("opening the policies", "/admin/2fa/policies", chromedp.Click(chromedp.CSS(`.portalmfa-admin-nav a[href="/admin/2fa/policies"]`)))
	if got := text(`#portalmfa-policy-partners td:nth-of-type(6)`); got != "3" {
		t.Fatalf("the partners policy applies to %q users, want 3", got)
	}
	screenshot("console-policies")
	click("editing the partners' policy", "/admin/2fa/policies/partners", chromedp.Click(chromedp.CSS(`a[href="/admin/2fa/policies/partners"]`)))
	do("setting 10 days and a banner",
		chromedp.SetValue(chromedp.CSS(`#portalmfa-policy-grace`), "10"),
		chromedp.Click(chromedp.CSS(`details summary`)),
		chromedp.SendKeys(chromedp.CSS(`#portalmfa-banner-en`), "Partners: turn on two-factor authentication within 10 days, or the portal will wait for you on this page."))
	click("previewing", "/admin/2fa/policies/partners", chromedp.Click(chromedp.CSS(`button[value="preview"]`)))
	if got := text(`#portalmfa-message`); got != "This policy applies to 3 users." {
		t.Fatalf("the preview says %q", got)
	}
	screenshot("console-policy")
	d.clickPrefix("saving", "/admin/2fa/policies?done=saved", chromedp.Click(chromedp.CSS(`button[value="save"]`)))
	click("asking to delete the customers' policy", "/admin/2fa/policies/customers/delete",
		chromedp.Click(chromedp.CSS(`a[href="/admin/2fa/policies/customers/delete"]`)))
	screenshot("console-delete")
	click("thinking better of it", "/admin/2fa/policies", chromedp.Click(chromedp.CSS(`.card a.btn-link`)))
	click("back to the portal", "/account", chromedp.Navigate(d.base+"/account"))
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))

	signIn("/account")
	do("reading the page in English", chromedp.SetValue(chromedp.CSS(`#language-switcher`), "en"))
	click("switching the language", "/account", chromedp.Submit(chromedp.CSS(`#language-switcher`)))
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	deadline := clock.now().AddDate(0, 0, 10).In(mustZone(t, "Europe/Paris")).Format("Jan 2, 2006")
	if got, want := text(`#portalmfa-banner.alert-warning`), "Partners: turn on two-factor authentication within 10 days, or the portal will wait for you on this page."; got != want {
		t.Fatalf("the banner says %q, want %q", got, want)
	}
	screenshot("banner-warning", `#portalmfa-banner`)

	// Eleven days later the deadline has passed: the sign-in lands on the
	// security page, and the rest of the portal sends back there.
	clock.advance(11 * 24 * time.Hour)
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	signIn("/my/security/")
	if got := text(`#portalmfa-banner.alert-danger`); !strings.Contains(got, "Partners: turn on") {
		t.Fatalf("the overdue banner says %q (deadline %s)", got, deadline)
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

	// The administrator sees Bruno in order, and the other partners
	// within their deadline.
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	do("typing the administrator's credentials",
		chromedp.SendKeys(chromedp.CSS(`#email`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "admin-demo-pass"))
	click("signing in", "/account", chromedp.Click(chromedp.CSS(`#sign-in`)))
	click("opening the console's users", "/admin/2fa/users", chromedp.Navigate(d.base+"/admin/2fa/users"))
	if got := text(`tr[data-user="1002"] td:nth-of-type(5)`); got != "In order" {
		t.Fatalf("Bruno's standing reads %q", got)
	}
	if got := text(`tr[data-user="1002"] td:nth-of-type(1)`); got != "Authenticator app" {
		t.Fatalf("Bruno's methods read %q", got)
	}
	screenshot("console-users")
	click("opening Bruno's reset", "/admin/2fa/users/1002/reset", chromedp.Click(chromedp.CSS(`tr[data-user="1002"] a[href="/admin/2fa/users/1002/reset"]`)))
	do("giving a reason", chromedp.SendKeys(chromedp.CSS(`#portalmfa-reset-reason`), "Lost his phone; identity checked by a call to the number on file."))
	screenshot("console-reset")
	click("thinking better of it", "/admin/2fa/users", chromedp.Click(chromedp.CSS(`.card a.btn-link`)))
	click("opening Bruno's events", "/admin/2fa/audit?user=1002", chromedp.Click(chromedp.CSS(`tr[data-user="1002"] a[href="/admin/2fa/audit?user=1002"]`)))
	if got := text(`.portalmfa-audit-entry[data-user="1002"]`); !strings.Contains(got, "Two-factor authentication turned on") {
		t.Fatalf("Bruno's newest event reads %q", got)
	}
	click("opening the whole log", "/admin/2fa/audit", chromedp.Click(chromedp.CSS(`.portalmfa-admin-nav a[href="/admin/2fa/audit"]`)))
	screenshot("console-audit")
	click("opening the users again", "/admin/2fa/users", chromedp.Click(chromedp.CSS(`.portalmfa-admin-nav a[href="/admin/2fa/users"]`)))
	do("choosing the partners within their deadline", chromedp.SetValue(chromedp.CSS(`#portalmfa-user-filter`), "in-grace"))
	d.clickPrefix("filtering", "/admin/2fa/users?", chromedp.Submit(chromedp.CSS(`#portalmfa-user-filter`)))
	if got := text(`#portalmfa-users-count`); got != "2 users." {
		t.Fatalf("the filter finds %q", got)
	}
	click("opening the overview", "/admin/2fa/", chromedp.Navigate(d.base+"/admin/2fa/"))
	if got := text(`#portalmfa-share`); got != "14% of users have two-factor authentication on: 1 of 7." {
		t.Fatalf("the dashboard says %q", got)
	}
	screenshot("console-dashboard")
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
