package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Selectors of the codes' pages, from httpx/templates.
const (
	selPhoneCard   = `#portalmfa-phone`
	selAddPhone    = `a[href="/my/security/phone/add"]`
	selNumber      = `input[name="number"]`
	selEmailCard   = `#portalmfa-email`
	selEnableEmail = `a[href="/my/security/email/enable"]`
	selSendSMS     = `form[action="/login/2fa/send/sms"] button`
	selSendEmail   = `form[action="/login/2fa/send/email"] button`
)

// lastCode is the code of the newest message of the demo's outbox of
// kind ("sms" or "email-code"), as a user reads it off their phone.
func lastCode(t *testing.T, p *portal, kind string) string {
	t.Helper()
	for _, m := range p.outbox.messages() {
		if m.Kind == kind {
			if code := regexp.MustCompile(`\b\d{6}\b`).FindString(m.Body); code != "" {
				return code
			}
		}
	}
	t.Fatalf("no %s with a code in the outbox", kind)
	return ""
}

// TestBrowserCodes drives codes sent out of band as a person would: add a
// mobile number, confirm it with the code texted to it (the backup codes
// follow, a first factor), turn codes by email on with a backup code, then
// sign in with a code by SMS, and again with a code by email, each read
// from the outbox; then verify with a texted code to make new backup codes.
func TestBrowserCodes(t *testing.T) {
	clock := &testClock{}
	d, p := newDriver(t, func(origin string) *portal {
		return openPortalAt(t, filepath.Join(t.TempDir(), "portal.db"), clock, origin)
	})
	do, click, text, screenshot := d.do, d.click, d.text, d.screenshot

	d.signIn("/account", false)
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	click("adding a phone number", "/my/security/verify?need=password&next=%2Fphone%2Fadd", chromedp.Click(chromedp.CSS(selAddPhone)))
	do("typing the password", chromedp.SendKeys(chromedp.CSS(selPassword), "alice-demo-pass"))
	click("confirming it's her", "/my/security/phone/add", chromedp.Submit(chromedp.CSS(selPassword)))
	do("typing a landline", chromedp.SendKeys(chromedp.CSS(selNumber), "01 42 68 53 00"))
	click("sending a code to it", "/my/security/phone/add", chromedp.Submit(chromedp.CSS(selNumber)))
	if got := text(`.alert-danger`); !strings.Contains(got, "can't receive text messages") {
		t.Fatalf("a landline is refused with %q", got)
	}
	do("typing her mobile number", chromedp.Clear(chromedp.CSS(selNumber)), chromedp.SendKeys(chromedp.CSS(selNumber), "06 12 34 56 78"))
	screenshot("phone-add")
	click("sending a code", "/my/security/phone/add", chromedp.Submit(chromedp.CSS(selNumber)))
	if got := text(`h1 + p`); got != "We texted a 6-digit code to +33 • •• •• •• 78. It works for 10 minutes." {
		t.Fatalf("the confirmation page says %q", got)
	}
	screenshot("phone-confirm")
	do("typing the texted code", chromedp.SendKeys(chromedp.CSS(selCodeInput), lastCode(t, p, kindSMS)))
	click("confirming the number", "/my/security/phone/confirm", chromedp.Submit(chromedp.CSS(selCodeInput)))
	codes := d.texts(selBackupCodes)
	if len(codes) != 10 {
		t.Fatalf("after a first phone the page shows %d backup codes, want 10", len(codes))
	}
	click("done", "/my/security/", chromedp.Click(chromedp.CSS(`a.btn-primary[href="/my/security/"]`)))
	if got := text(selPhoneCard + ` p.mt-3`); got != "Codes go to +33 • •• •• •• 78." {
		t.Fatalf("the phone item says %q", got)
	}

	// Codes by email, a fallback now that a factor is on: a factor first.
	click("turning codes by email on", "/my/security/verify?need=factor&next=%2Femail%2Fenable", chromedp.Click(chromedp.CSS(selEnableEmail)))
	do("typing a backup code", chromedp.SendKeys(chromedp.CSS(selCodeInput), codes[0]))
	click("verifying with it", "/my/security/email/enable", chromedp.Submit(chromedp.CSS(selCodeInput)))
	d.clickPrefix("turning them on", "/my/security/?done=email-on", chromedp.Click(chromedp.CSS(`form[action="/my/security/email/enable"] button`)))
	if got := text(selEmailCard + ` p.mt-3`); got != "Codes go to a•••@example.com." {
		t.Fatalf("the email item says %q", got)
	}
	screenshot("phone-card", selPhoneCard)
	screenshot("overview-codes")

	// Sign in with a code by SMS, a minute later (one code a minute).
	clock.advance(time.Minute)
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	d.signIn("/login/2fa/", false)
	if got := text(selSendSMS); got != "Text a code to +33 • •• •• •• 78" {
		t.Fatalf("the challenge offers %q", got)
	}
	if got := text(selSendEmail); got != "Email a code to a•••@example.com" {
		t.Fatalf("the challenge offers %q", got)
	}
	screenshot("challenge-methods")
	click("asking for a code by SMS", "/login/2fa/send/sms", chromedp.Click(chromedp.CSS(selSendSMS)))
	screenshot("code-sent")
	do("typing the code", chromedp.SendKeys(chromedp.CSS(selCodeInput), lastCode(t, p, kindSMS)))
	click("signing in with it", "/account", chromedp.Submit(chromedp.CSS(selCodeInput)))

	// And with a code by email, a minute later (the cooldown).
	clock.advance(time.Minute)
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	d.signIn("/login/2fa/", false)
	click("asking for a code by email", "/login/2fa/send/email", chromedp.Click(chromedp.CSS(selSendEmail)))
	if got := text(`h1 + p`); got != "We emailed a 6-digit code to a•••@example.com. It works for 10 minutes." {
		t.Fatalf("the page says %q", got)
	}
	do("typing the code", chromedp.SendKeys(chromedp.CSS(selCodeInput), lastCode(t, p, kindCode)))
	click("signing in with it", "/account", chromedp.Submit(chromedp.CSS(selCodeInput)))

	// New backup codes need a factor: a code texted for it.
	clock.advance(11 * time.Minute) // the backup code's verification is stale
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	click("making new backup codes", "/my/security/verify?need=factor&next=%2Fbackup-codes%2Fregenerate",
		chromedp.Click(chromedp.CSS(`#portalmfa-backup-codes a`)))
	click("asking for a code by SMS", "/my/security/verify/send/sms", chromedp.Click(chromedp.CSS(`form[action="/my/security/verify/send/sms"] button`)))
	screenshot("verify-phone")
	do("typing the code", chromedp.SendKeys(chromedp.CSS(selCodeInput), lastCode(t, p, kindSMS)))
	click("verifying with it", "/my/security/backup-codes/regenerate", chromedp.Submit(chromedp.CSS(selCodeInput)))

	do("opening the outbox", chromedp.Navigate(d.base+"/dev/outbox"))
	if got := text(`.outbox-sms .outbox-body`); !strings.HasSuffix(got, "@"+strings.Split(strings.TrimPrefix(d.base, "http://"), ":")[0]+" #"+lastCode(t, p, kindSMS)) {
		t.Fatalf("the SMS does not end with its origin-bound line: %q", got)
	}
	screenshot("outbox-codes")
}
