package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The switcher at the foot of every page changes the language of the
// demo's pages and the library's: signed out for the visitor, signed in
// for the account, which the security pages and the challenge follow.
func TestLanguageSwitcher(t *testing.T) {
	p := newTestPortal(t)
	b := newBrowser(t, p)
	switchTo := func(lang, from string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, b.base+"/language", strings.NewReader(url.Values{"lang": {lang}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", b.base+from)
		return b.do(req)
	}

	if r := b.get("/login"); !strings.Contains(r.body, `<form class="language-switcher" method="post" action="/language">`) {
		t.Fatal("the login page has no switcher")
	}
	wantRedirect(t, "switching signed out", switchTo("de", "/login"), "/login")
	if r := b.get("/login"); !strings.Contains(r.body, `<html lang="de">`) || !strings.Contains(r.body, `value="de" lang="de" selected`) {
		t.Errorf("after choosing German, the login page is not German: %.300s", r.body)
	}

	if r := b.login("alice@example.com", "alice-demo-pass"); r.status != 303 {
		t.Fatalf("sign-in: %d", r.status)
	}
	if r := b.get("/my/security/"); !strings.Contains(r.body, `<html lang="en">`) {
		t.Error("alice's own preference, English, comes before the visitor's cookie")
	}
	wantRedirect(t, "switching signed in", switchTo("it", "/my/security/?done=x"), "/my/security/?done=x")
	r := b.get("/my/security/")
	if !strings.Contains(r.body, `<html lang="it">`) || !strings.Contains(r.body, "Autenticazione a due fattori") {
		t.Errorf("the security page did not follow alice's new preference: %.300s", r.body)
	}
	if !strings.Contains(r.body, `<label for="language-switcher">Lingua</label>`) {
		t.Error("the security page's switcher is not in Italian")
	}

	if r := switchTo("pt", "/account"); r.status != http.StatusBadRequest {
		t.Errorf("a language the portal lacks: %d, want 400", r.status)
	}
	wantRedirect(t, "a referer elsewhere", switchTo("fr", "https://evil.example/x"), "/")
	req, _ := http.NewRequest(http.MethodPost, b.base+"/language", strings.NewReader("lang=nl"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := b.do(req); r.status != http.StatusForbidden {
		t.Errorf("a cross-site switch: %d, want 403", r.status)
	}
}
