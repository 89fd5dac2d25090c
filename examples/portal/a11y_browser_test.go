package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/totp"
)

// axePath is where axe-core's script is: $PORTALMFA_AXE, else where
// .ci/run installs it (npm install --prefix .ci/axe axe-core@4.14.1).
func axePath() string {
	return cmp.Or(os.Getenv("PORTALMFA_AXE"), filepath.Join("..", "..", ".ci", "axe", "node_modules", "axe-core", "axe.min.js"))
}

// axeViolation is a rule of axe-core that a page breaks.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkA11y runs axe-core on the page at both widths (a desktop, a phone)
// and fails the test on every violation of impact serious or critical.
func (d *driver) checkA11y(axe, page string) {
	d.t.Helper()
	const run = `(async () => {
		const r = await axe.run(document, {resultTypes: ["violations"]});
		return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
	})()`
	for _, width := range []int64{1280, 390} {
		if _, err := chromedp.Run(d.step(), chromedp.EmulateViewport(width, 900)); err != nil {
			d.t.Fatalf("%s at %d px: %v", page, width, err)
		}
		if _, err := chromedp.Run(d.step(), chromedp.Evaluate[bool](`typeof axe !== "undefined" || (0, eval)(`+jsString(axe)+`) || true`)); err != nil {
			d.t.Fatalf("%s: loading axe-core: %v", page, err)
		}
		vs, err := chromedp.Run(d.step(), chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
		if err != nil {
			d.t.Fatalf("%s at %d px: running axe-core: %v", page, width, err)
		}
		for _, v := range vs {
			d.t.Errorf("%s at %d px: %s (%s): %s — %s", page, width, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
		}
	}
	if _, err := chromedp.Run(d.step(), chromedp.EmulateViewport(1280, 900)); err != nil {
		d.t.Fatal(err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserAccessibility runs axe-core (WCAG 2.2 AA rules) on every page a
// customer meets, signed out, at the challenge and signed in, in English
// and in French, at 1280 and 390 px: no violation of impact serious or
// critical.
func TestBrowserAccessibility(t *testing.T) {
	src, err := os.ReadFile(axePath())
	if err != nil {
		newChromium(t) // without Chromium, that is the reason to give
		t.Skipf("axe-core not installed at %s (npm install --prefix .ci/axe axe-core@4.14.1): accessibility checks skipped", axePath())
	}
	axe := string(src)
	for _, user := range []struct{ id, email, password string }{
		{"1001", "alice@example.com", "alice-demo-pass"},
		{"1002", "bruno@example.com", "bruno-demo-pass"},
	} {
		t.Run(user.email, func(t *testing.T) {
			clock := &testClock{}
			d, p := newDriver(t, func(origin string) *portal {
				return openPortalAt(t, filepath.Join(t.TempDir(), "portal.db"), clock, origin)
			})
			secret, codes := enrollWithCodes(t, p, user.id, clock.now())
			clock.advance(totp.Period)
			if err := p.svc.VerifyTOTP(t.Context(), user.id, "000000", portalmfa.Client{IP: "203.0.113.5"}); err == nil {
				t.Fatal("a wrong code passed")
			}
			// A phone beside the app, so the challenge lists it.
			proof, err := p.svc.ReverifyCode(t.Context(), user.id, codes[9], "", portalmfa.Client{})
			if err != nil {
				t.Fatal(err)
			}
			setup, err := p.svc.BeginPhone(t.Context(), user.id, "+33612345678", proof, func(code string) (string, string) { return "", code }, portalmfa.Client{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.svc.ConfirmPhone(t.Context(), user.id, setup.Number, lastCode(t, p, kindSMS), proof, portalmfa.Client{}); err != nil {
				t.Fatal(err)
			}
			clock.advance(time.Minute)
			check := func(page string) { t.Helper(); d.checkA11y(axe, page) }
			open := func(path string) {
				t.Helper()
				d.do("opening "+path, chromedp.Navigate(d.base+path))
				check(path)
			}

			open("/login")
			d.do("typing credentials",
				chromedp.SendKeys(chromedp.CSS(`#email`), user.email),
				chromedp.SendKeys(chromedp.CSS(`#password`), user.password))
			d.click("signing in", "/login/2fa/", chromedp.Click(chromedp.CSS(`#sign-in`)))
			check("the challenge")
			d.do("typing a wrong code", chromedp.SendKeys(chromedp.CSS(selCodeInput), "000000"))
			d.click("failing the challenge", "/login/2fa/", chromedp.Submit(chromedp.CSS(selCodeInput)))
			check("the challenge with an error")
			open("/login/2fa/backup")
			open("/login/2fa/")
			d.click("asking for a code by SMS", "/login/2fa/send/sms", chromedp.Click(chromedp.CSS(selSendSMS)))
			check("the code-sent page")
			open("/login/2fa/")
			d.do("typing the code", chromedp.SendKeys(chromedp.CSS(selCodeInput), totp.Code(secret, clock.now())))
			d.click("passing the challenge", "/account", chromedp.Submit(chromedp.CSS(selCodeInput)))
			check("/account")

			open("/my/security/")
			open("/account/password")
			open("/dev/outbox")
			open("/my/security/verify?need=factor&next=%2Fbackup-codes%2Fregenerate")
			d.do("typing a backup code", chromedp.SendKeys(chromedp.CSS(`input[name="code"]`), codes[0]))
			d.click("verifying", "/my/security/backup-codes/regenerate", chromedp.Submit(chromedp.CSS(`input[name="code"]`)))
			check("regenerate")
			d.click("regenerating", "/my/security/backup-codes/regenerate",
				chromedp.Click(chromedp.CSS(`form[action="/my/security/backup-codes/regenerate"] button[type="submit"]`)))
			check("new codes")
			open("/my/security/totp/disable")
			open("/my/security/passkeys/add")
			open("/my/security/phone/add")
			d.do("typing a number", chromedp.SendKeys(chromedp.CSS(selNumber), "06 98 76 54 32"))
			d.click("sending a code", "/my/security/phone/add", chromedp.Submit(chromedp.CSS(selNumber)))
			check("the number's confirmation")
			open("/my/security/phone/remove")
			open("/my/security/email/enable")
			d.do("opening the security page", chromedp.Navigate(d.base+"/my/security/"))
			d.click("replacing the app", "/my/security/totp/setup",
				chromedp.Click(chromedp.CSS(`form[action="/my/security/totp/replace"] button`)))
			check("wizard step 1")
			open("/my/security/totp/confirm")
			es, err := p.svc.LoginHistory(t.Context(), user.id)
			if err != nil || len(es) == 0 {
				t.Fatalf("history: %v, %v", es, err)
			}
			open(fmt.Sprintf("/my/security/history/%s/not-me", es[len(es)-1].ID))
			open("/my/security/history/nope/not-me") // an error page
		})
	}
	t.Run("the console", func(t *testing.T) {
		d, _ := newDriver(t, func(origin string) *portal {
			return openPortalAt(t, filepath.Join(t.TempDir(), "portal.db"), &testClock{}, origin)
		})
		d.do("opening the login page", chromedp.Navigate(d.base+"/login"))
		d.do("typing credentials",
			chromedp.SendKeys(chromedp.CSS(`#email`), "admin@example.com"),
			chromedp.SendKeys(chromedp.CSS(`#password`), "admin-demo-pass"))
		d.click("signing in", "/account", chromedp.Click(chromedp.CSS(`#sign-in`)))
		for _, path := range []string{"/admin/2fa/", "/admin/2fa/policies", "/admin/2fa/policies/new", "/admin/2fa/policies/partners",
			"/admin/2fa/policies/partners/delete", "/admin/2fa/users", "/admin/2fa/users?filter=in-grace", "/admin/2fa/users/1001/reset", "/admin/2fa/audit", "/admin/2fa/audit?kind=failed"} {
			d.do("opening "+path, chromedp.Navigate(d.base+path))
			d.checkA11y(axe, path)
		}
	})
}
