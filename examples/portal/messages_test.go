package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// verbs lists the fmt verbs of a message, in order.
var verbs = regexp.MustCompile(`%[a-z]`)

// TestPageCatalogComplete: every language has every English key, none
// empty, with the same arguments; and every key the templates and the
// handlers use is in the catalog.
func TestPageCatalogComplete(t *testing.T) {
	en := pageCatalog["en"]
	if len(en) == 0 {
		t.Fatal("no English texts")
	}
	for lang := range pageCatalog {
		if !slices.Contains(pageLanguages, lang) {
			t.Errorf("catalog language %q is not in pageLanguages", lang)
		}
	}
	for _, lang := range pageLanguages {
		msgs := pageCatalog[lang]
		for key, want := range en {
			got, ok := msgs[key]
			switch {
			case !ok:
				t.Errorf("%s: %q is missing", lang, key)
			case strings.TrimSpace(got) == "":
				t.Errorf("%s: %q is empty", lang, key)
			case !slices.Equal(verbs.FindAllString(got, -1), verbs.FindAllString(want, -1)):
				t.Errorf("%s: %q takes %v, English %v", lang, key, verbs.FindAllString(got, -1), verbs.FindAllString(want, -1))
			}
		}
		for key := range msgs {
			if _, ok := en[key]; !ok {
				t.Errorf("%s: %q is not an English key", lang, key)
			}
		}
	}

	// Keys in the templates: {{t "key" ...}}.
	used := map[string]string{} // key -> where
	tkey := regexp.MustCompile(`\bt "([^"]+)"`)
	for _, name := range append([]string{"base"}, pageNames...) {
		b, err := fs.ReadFile(assets, "templates/"+name+".html")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tkey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = name + ".html"
		}
	}
	// Keys in the Go code: string literals shaped like a catalog key
	// ("title.login"), whose first part is one of the catalog's.
	prefixes := map[string]bool{}
	for key := range en {
		prefix, _, _ := strings.Cut(key, ".")
		prefixes[prefix] = true
	}
	shape := regexp.MustCompile(`^([a-z]+)\.[a-z_]+$`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") || file == "pages_messages.go" {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, file, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				if m := shape.FindStringSubmatch(s); err == nil && m != nil && prefixes[m[1]] {
					used[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for key, where := range used {
		if _, ok := en[key]; !ok {
			t.Errorf("%s uses %q, which the catalog lacks", where, key)
		}
	}
}

// Every page renders in every language, with every branch its data opens.
func TestPagesRenderInEveryLanguage(t *testing.T) {
	p := newTestPortal(t)
	a, _ := p.users.lookup(bruno)
	data := map[string]any{
		"login":     loginData{Email: "x@example.com", Error: "e", Notice: "n", Demo: demoUsers()},
		"account":   accountData{User: a, TwoStep: "on", Since: "01/02/2026", Language: "l", Notice: "n"},
		"password":  passwordData{Email: a.Email, Error: "e", MinLength: minPasswordLength},
		"outbox":    []mail{{To: "x", Language: "fr", Subject: "s", Body: "b"}, {To: "y", Language: "en"}},
		"error":     nil,
		"forbidden": nil,
	}
	for _, lang := range pageLanguages {
		for _, name := range pageNames {
			var b strings.Builder
			if err := p.pages[lang][name].ExecuteTemplate(&b, "base", page{Title: "T", User: a, Data: data[name]}); err != nil {
				t.Errorf("%s/%s: %v", lang, name, err)
			}
			if !strings.Contains(b.String(), `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s lacks <html lang=%q>", lang, name, lang)
			}
		}
	}
}

func TestPageLanguage(t *testing.T) {
	prefers := func(lang string) *account {
		a := &account{}
		a.language.Store(lang)
		return a
	}
	fr := prefers("fr")
	for _, tc := range []struct {
		user   *account
		accept string
		want   string
	}{
		{nil, "", "en"},
		{nil, "fr-CA,fr;q=0.9,en;q=0.5", "fr"},
		{nil, "ja,de;q=0.8", "de"},
		{nil, "ja", "en"},
		{nil, "garbage;;q=x", "en"},
		{fr, "", "fr"},
		{fr, "de", "fr"},                       // the user's choice wins
		{prefers("pt"), "nl", "nl"}, // not one of ours: the browser's
		{prefers("de-CH"), "", "de"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if got := pageLanguage(r, tc.user); got != tc.want {
			t.Errorf("user %v, Accept-Language %q: got %q, want %q", tc.user, tc.accept, got, tc.want)
		}
	}
}

// Bruno prefers French: his account page is in French, whatever his
// browser says.
func TestAccountPageInFrench(t *testing.T) {
	b := newBrowser(t, newTestPortal(t))
	wantRedirect(t, "bruno's login", b.login("bruno@example.com", "bruno-demo-pass"), "/account")
	req, _ := http.NewRequest(http.MethodGet, b.base+"/account", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	r := b.do(req)
	if r.status != http.StatusOK {
		t.Fatalf("GET /account: %d", r.status)
	}
	for _, want := range []string{
		`<html lang="fr">`, "<title>Mon compte · " + portalName, `id="nav-account">Mon compte<`, `id="logout">Se déconnecter<`,
		"Bon retour parmi nous, Bruno Lefèvre.", "Connexion et sécurité", `Authentification à deux facteurs :`,
		`id="twostep-status">Désactivée<`, "<dt>Langue</dt><dd>Français</dd>", "Changer de mot de passe",
		"Commandes et factures", "Rien ici n&#39;est réel.",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("bruno's account page lacks %q", want)
		}
	}
	for _, english := range []string{"My Account", "Connection &amp; Security", "Sign out", "Language", "French", "Nothing here is real"} {
		if strings.Contains(r.body, english) {
			t.Errorf("bruno's account page says %q", english)
		}
	}
	// His password errors too.
	pr := b.post("/account/password", map[string][]string{"current": {"bruno-demo-pass"}, "new": {"short"}, "confirm": {"short"}})
	if pr.status != http.StatusUnprocessableEntity || !strings.Contains(pr.body, "au moins 10 caractères") {
		t.Errorf("password error: %d\n%s", pr.status, pr.body)
	}
}

// Signed out, the login page follows the browser.
func TestLoginPageFollowsBrowser(t *testing.T) {
	b := newBrowser(t, newTestPortal(t))
	get := func(accept string) string {
		req, _ := http.NewRequest(http.MethodGet, b.base+"/login?reason=expired", nil)
		req.Header.Set("Accept-Language", accept)
		return b.do(req).body
	}
	for accept, want := range map[string][]string{
		"fr":    {`<html lang="fr">`, `id="sign-in">Se connecter<`, "Adresse e-mail", "Votre connexion a pris trop de temps."},
		"de-AT": {`<html lang="de">`, `id="sign-in">Anmelden<`, "Demo-Konten"},
		"ja":    {`<html lang="en">`, `id="sign-in">Sign in<`, "took too long"},
	} {
		body := get(accept)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("Accept-Language %s: login page lacks %q", accept, w)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+"/login", strings.NewReader("email=bruno%40example.com&password=nope"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "es")
	if r := b.do(req); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "El correo electrónico o la contraseña no son correctos.") {
		t.Errorf("refused login in Spanish: %d\n%s", r.status, r.body)
	}
}

// competingTerms are, by language, the words the demo once used (or could
// drift to) for what portalmfa's pages name otherwise: the feature itself
// above all, which the library calls "two-factor authentication",
// "authentification à deux facteurs", "verificación en dos pasos",
// "Zwei-Faktor-Authentifizierung", "autenticazione a due fattori" and
// "tweestapsverificatie". Two names on neighbouring pages read as two
// features. Matched case-insensitively.
var competingTerms = map[string][]string{
	"en": {"two-step", "two step", "2-step", "2fa", "multi-factor", "two-factor verification"},
	"fr": {"deux étapes", "validation en deux", "vérification en deux", "double authentification",
		"appareils approuvés", "approuvés pour", "méthodes de connexion"},
	"es": {"dos factores", "doble factor", "dos etapas", "autenticación en dos pasos", "segundo factor", "clave de acceso", "claves de acceso"},
	"de": {"zwei schritten", "zwei-schritt", "zweistufig", "zweifaktor", "zwei-faktor-authentisierung", "bestätigung in zwei"},
	"it": {"due passaggi", "due fasi", "verifica in due", "autenticazione in due"},
	"nl": {"twee stappen", "tweestaps verificatie", "twee-staps", "tweefactor", "twee factoren", "tweede factor", "verificatie in twee"},
}

// TestOneTermPerLanguage: neither the pages nor the emails of the demo, in
// any language, use a competing term for what the library's pages name.
func TestOneTermPerLanguage(t *testing.T) {
	mails := mailCatalog()
	for _, lang := range pageLanguages {
		terms := competingTerms[lang]
		if len(terms) == 0 {
			t.Errorf("%s: no competing terms listed", lang)
		}
		check := func(where, text string) {
			lower := strings.ToLower(text)
			for _, term := range terms {
				if strings.Contains(lower, strings.ToLower(term)) {
					t.Errorf("%s %s says %q: %q", lang, where, term, text)
				}
			}
		}
		for key, msg := range pageCatalog[lang] {
			check("page text "+key, msg)
		}
		if len(mails[lang]) == 0 {
			t.Errorf("%s: no emails", lang)
		}
		for kind, m := range mails[lang] {
			check(fmt.Sprintf("email %v subject", kind), m.subject)
			check(fmt.Sprintf("email %v body", kind), m.body)
		}

		// And the account tile names the feature as the library's
		// security page does.
		b, err := os.ReadFile(filepath.Join("..", "..", "httpx", "locales", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var locale map[string]json.RawMessage
		var title string
		if err := json.Unmarshal(b, &locale); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		if err := json.Unmarshal(locale["security.title"], &title); err != nil || title == "" {
			t.Fatalf("%s.json: security.title: %q, %v", lang, title, err)
		}
		if got := pageCatalog[lang]["account.twostep"]; !strings.Contains(strings.ToLower(got), strings.ToLower(title)) {
			t.Errorf("%s: account.twostep is %q, which does not name the library's %q", lang, got, title)
		}
	}
}

// One date style: the demo writes dates and times as the library's pages
// do, in every language.
func TestOneDateStyle(t *testing.T) {
	for _, lang := range pageLanguages {
		src, err := os.ReadFile(filepath.Join("..", "..", "httpx", "locales", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var ours map[string]json.RawMessage
		if err := json.Unmarshal(src, &ours); err != nil {
			t.Fatal(err)
		}
		var date, datetime struct{ Other string }
		if err := errors.Join(json.Unmarshal(ours["format.date"], &date), json.Unmarshal(ours["format.datetime"], &datetime)); err != nil {
			t.Fatal(err)
		}
		if got, want := mustPageText(lang, "account.date_layout"), date.Other; got != want {
			t.Errorf("%s: the account page writes dates as %q, the security pages as %q", lang, got, want)
		}
		if got, want := mailTimeLayout(lang), datetime.Other; got != want {
			t.Errorf("%s: the emails write times as %q, the security pages as %q", lang, got, want)
		}
	}
}
