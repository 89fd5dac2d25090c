package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/portalmfa/portalmfa/totp"
)

// Selectors of the passkey pages, from httpx/templates.
const (
	selPasskeysCard   = `#portalmfa-passkeys`
	selAddPasskey     = `a[href="/my/security/passkeys/add"]`
	selCreatePasskey  = `form[data-portalmfa-passkey="create"] button[type="submit"]`
	selUsePasskey     = `form[data-portalmfa-passkey="get"] button[type="submit"]`
	selPasskeyItem    = `#portalmfa-passkeys .portalmfa-passkey`
	selPasskeyName    = selPasskeyItem + ` h3`
	selPasswordless   = `#passkey-sign-in`
	selDeletePasskey  = selPasskeyItem + ` a[href$="/delete"]`
	selConfirmRemoval = `form[action$="/delete"] button.btn-danger`
)

// TestBrowserPasskeys drives passkeys as a person would, with Chromium's
// virtual authenticator standing in for Touch ID: a passkey as the only
// factor (the backup codes follow), the challenge passed with it, a
// passwordless sign-in through autofill, rename, delete after the password,
// add it again, then an authenticator app beside it, verified with the
// passkey.
func TestBrowserPasskeys(t *testing.T) {
	clock := &testClock{}
	d, _ := newDriver(t, func(origin string) *portal {
		return openPortalAt(t, filepath.Join(t.TempDir(), "portal.db"), clock, origin)
	})
	do, click, text, screenshot := d.do, d.click, d.text, d.screenshot

	// A platform authenticator with a resident key and user verification,
	// which says yes at once (the zero value of AutomaticPresenceSimulation
	// sends false, so it is set).
	if _, err := chromedp.Call(d.step(), webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enabling WebAuthn: %v", err)
	}
	added, err := chromedp.Call(d.step(), webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("adding a virtual authenticator: %v", err)
	}
	// present says whether the authenticator answers. The login page asks
	// for a passkey in autofill as soon as it loads, and one that answers
	// at once signs Alice in before she can type her password: it is
	// silent while she signs in with the password.
	present := func(yes bool) {
		t.Helper()
		if _, err := chromedp.Call(d.step(), webauthn.SetAutomaticPresenceSimulation, webauthn.SetAutomaticPresenceSimulationParams{
			AuthenticatorID: added.AuthenticatorID, Enabled: yes}); err != nil {
			t.Fatalf("setting the authenticator's presence: %v", err)
		}
	}

	// A passkey as the only factor: the password first, then the
	// ceremony, then the account's backup codes.
	d.signIn("/account", false)
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	click("adding a passkey", "/my/security/verify?need=password&next=%2Fpasskeys%2Fadd", chromedp.Click(chromedp.CSS(selAddPasskey)))
	do("typing the password", chromedp.SendKeys(chromedp.CSS(selPassword), "alice-demo-pass"))
	click("confirming it's her", "/my/security/passkeys/add", chromedp.Submit(chromedp.CSS(selPassword)))
	do("waiting for the script", chromedp.WaitEnabled(chromedp.CSS(selCreatePasskey)))
	screenshot("passkey-add")
	click("creating the passkey", "/my/security/passkeys/add", chromedp.Click(chromedp.CSS(selCreatePasskey)))
	codes := d.texts(selBackupCodes)
	if len(codes) != 10 {
		t.Fatalf("after a first passkey the page shows %d backup codes, want 10", len(codes))
	}
	if got := text(`h1`); got != "Save your backup codes" {
		t.Fatalf("after a first passkey the page says %q", got)
	}
	screenshot("passkey-codes")
	click("done", "/my/security/", chromedp.Click(chromedp.CSS(`a.btn-primary[href="/my/security/"]`)))
	if got := text(selPasskeyName); !strings.HasPrefix(got, "Passkey") || !strings.Contains(got, "This device only") {
		t.Fatalf("the passkey is listed as %q", got)
	}
	if got := text(selPasskeyItem + ` p`); !strings.Contains(got, "with Chrome on Linux") || !strings.Contains(got, "Not used yet") {
		t.Fatalf("the passkey's details read %q", got)
	}
	if got := text(selCodesCount); got != "10 codes left" {
		t.Fatalf("the backup codes say %q", got)
	}

	// The challenge offers the passkey, and it passes.
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	present(false)
	d.signIn("/login/2fa/", false)
	present(true)
	if n := len(d.texts(selCodeInput)); n != 0 {
		t.Fatalf("the challenge of a passkey-only user shows %d code fields", n)
	}
	do("waiting for the passkey button", chromedp.WaitEnabled(chromedp.CSS(selUsePasskey)))
	screenshot("challenge-passkey")
	click("passing the challenge with the passkey", "/account", chromedp.Click(chromedp.CSS(selUsePasskey)))
	if got := text(`#twostep-status`); got != "On" {
		t.Fatalf("account tile says two-factor authentication is %q, want On", got)
	}

	// Passwordless: the login page asks the browser for a passkey in
	// autofill; the virtual authenticator answers, and Alice is in.
	click("signing out", "/login", chromedp.Click(chromedp.CSS(`#logout`)))
	present(false)
	do("opening the login page", chromedp.Navigate(d.base+"/login"))
	do("waiting for the passkey button", chromedp.WaitVisible(chromedp.CSS(selPasswordless)))
	screenshot("login-passkey")
	present(true)
	do("reloading: autofill offers the passkey, picked at once", chromedp.Reload())
	do("being signed in", chromedp.WaitVisible(chromedp.CSS(`#nav-user`)))
	if got := text(`#nav-user`); got != "Alice Martin" {
		t.Fatalf("after a passwordless sign-in the navbar shows %q", got)
	}

	// Rename it.
	click("opening Connection & Security", "/my/security/", chromedp.Click(chromedp.CSS(`#tile-security`)))
	do("opening Rename", chromedp.Click(chromedp.CSS(selPasskeyItem+` summary`)),
		chromedp.WaitVisible(chromedp.CSS(selPasskeyItem+` input[name="name"]`)))
	do("typing a name",
		chromedp.Clear(chromedp.CSS(selPasskeyItem+` input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(selPasskeyItem+` input[name="name"]`), "MacBook Touch ID"))
	d.clickPrefix("renaming the passkey", "/my/security/?done=passkey-renamed",
		chromedp.Submit(chromedp.CSS(selPasskeyItem+` input[name="name"]`)))
	if got := text(selPasskeyName); !strings.HasPrefix(got, "MacBook Touch ID") {
		t.Fatalf("after renaming, the passkey is %q", got)
	}
	if got := text(selPasskeyItem + ` p`); !strings.Contains(got, "Last used") {
		t.Fatalf("after two sign-ins the passkey reads %q", got)
	}
	screenshot("passkeys", selPasskeysCard)

	// Delete it: the last factor, so the password first (the one entered
	// to add the passkey is stale by now), and 2FA is off afterwards.
	clock.advance(11 * time.Minute)
	d.clickPrefix("deleting the passkey", "/my/security/verify?need=password&next=%2Fpasskeys%2F", chromedp.Click(chromedp.CSS(selDeletePasskey)))
	do("typing the password", chromedp.SendKeys(chromedp.CSS(selPassword), "alice-demo-pass"))
	d.clickPrefix("confirming it's her", "/my/security/passkeys/", chromedp.Submit(chromedp.CSS(selPassword)))
	if got := text(`.alert-warning`); !strings.Contains(got, "last way to confirm") {
		t.Fatalf("the confirmation warns %q", got)
	}
	screenshot("passkey-delete")
	d.clickPrefix("confirming the deletion", "/my/security/?done=passkey-deleted", chromedp.Click(chromedp.CSS(selConfirmRemoval)))
	if n := len(d.texts(selPasskeyItem)); n != 0 {
		t.Fatalf("%d passkeys listed after deleting the only one", n)
	}
	if n := len(d.texts(selCodesCount)); n != 0 {
		t.Fatal("backup codes still listed with 2FA off")
	}

	// Add it again: the password is still fresh, so straight to the
	// ceremony; a first factor again, so new backup codes.
	click("adding a passkey again", "/my/security/passkeys/add", chromedp.Click(chromedp.CSS(selAddPasskey)))
	do("waiting for the script", chromedp.WaitEnabled(chromedp.CSS(selCreatePasskey)))
	click("creating the passkey", "/my/security/passkeys/add", chromedp.Click(chromedp.CSS(selCreatePasskey)))
	if n := len(d.texts(selBackupCodes)); n != 10 {
		t.Fatalf("after re-adding, %d backup codes shown", n)
	}
	click("done", "/my/security/", chromedp.Click(chromedp.CSS(`a.btn-primary[href="/my/security/"]`)))

	// An authenticator app beside it: adding a second factor needs a
	// factor, and the passkey is one. The wizard has no backup-code step.
	click("starting the TOTP setup", "/my/security/verify?need=factor&next=%2Ftotp%2Fsetup", chromedp.Click(chromedp.CSS(selBeginTOTP)))
	do("waiting for the passkey button", chromedp.WaitEnabled(chromedp.CSS(selUsePasskey)))
	if n := len(d.texts(selPassword)); n != 0 {
		t.Fatal("the password is offered where a factor is needed")
	}
	click("verifying with the passkey", "/my/security/totp/setup", chromedp.Click(chromedp.CSS(selUsePasskey)))
	secret := decodeKey(t, text(selManualKey))
	click("going on", "/my/security/totp/confirm", chromedp.Click(chromedp.CSS(selWizardNext)))
	do("typing the confirmation code", chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
	click("confirming the code", "/my/security/?done=totp-on", chromedp.Submit(chromedp.CSS(selCodeInput)))
	if got := text(selCodesCount); got != "10 codes left" {
		t.Fatalf("the account's codes say %q after adding the app", got)
	}
	screenshot("overview-passkey-totp")
}
