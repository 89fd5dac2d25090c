package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/portalmfa/portalmfa/totp"
)

// message is one entry of a message file: a text, or a plural's forms.
type message struct {
	text   string
	plural map[string]string // by CLDR form: "one", "many", "other"
}

// texts are the message's texts, a plural's in the order of its forms.
func (m message) texts() []string {
	if m.plural == nil {
		return []string{m.text}
	}
	var out []string
	for _, form := range slices.Sorted(maps.Keys(m.plural)) {
		out = append(out, m.plural[form])
	}
	return out
}

// readMessages reads a go-i18n message file: a string is a text, an object
// with "one" a plural, and one without ({"description": …, "other": …}) a
// text with a note for translators.
func readMessages(t *testing.T, fsys fs.FS, name string) map[string]message {
	t.Helper()
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(src, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	msgs := map[string]message{}
	for id, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			msgs[id] = message{text: s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s: %s: %v", name, id, err)
		}
		delete(forms, "description")
		if _, ok := forms["one"]; ok {
			msgs[id] = message{plural: forms}
		} else {
			msgs[id] = message{text: forms["other"]}
		}
	}
	return msgs
}

// demoMessages are the demo's messages in lang; libraryMessages are the
// library's.
func demoMessages(t *testing.T, lang string) map[string]message {
	return readMessages(t, assets, "messages/"+lang+".json")
}

func libraryMessages(t *testing.T, lang string) map[string]message {
	return readMessages(t, os.DirFS(filepath.Join("..", "..", "httpx", "locales")), lang+".json")
}

// testCatalog is the demo's messages as the outbox reads them.
func testCatalog(t *testing.T) *i18n.Bundle {
	t.Helper()
	sub, err := fs.Sub(assets, "messages")
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadMessages(sub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pluralForms are the CLDR plural forms each language needs for whole
// numbers, as the library's locales have them (fr, es and it say "many"
// for round millions: "1 000 000 de messages").
var pluralForms = map[string][]string{
	"en": {"one", "other"}, "de": {"one", "other"}, "nl": {"one", "other"},
	"fr": {"one", "many", "other"}, "es": {"one", "many", "other"}, "it": {"one", "many", "other"},
}

// placeholder finds the names a message reads: {{.Name}}, {{with .Device}}.
var placeholder = regexp.MustCompile(`\{\{-?\s*(?:(?:if|with)\s+)?\.([A-Z]\w*)`)

func placeholders(m message) []string {
	var names []string
	for _, s := range m.texts() {
		for _, sub := range placeholder.FindAllStringSubmatch(s, -1) {
			names = append(names, sub[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestMessageFiles: a file per language of the demo; every language has
// every English message, none empty, plural where English is, with the
// forms the language needs and the placeholders English reads.
func TestMessageFiles(t *testing.T) {
	files, err := fs.Glob(assets, "messages/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, f := range files {
		langs = append(langs, strings.TrimSuffix(path.Base(f), ".json"))
	}
	if !slices.Equal(slices.Sorted(slices.Values(langs)), slices.Sorted(slices.Values(pageLanguages))) {
		t.Fatalf("message files for %v, languages %v", langs, pageLanguages)
	}
	en := demoMessages(t, "en")
	for _, lang := range pageLanguages {
		msgs := demoMessages(t, lang)
		for id, ref := range en {
			m, ok := msgs[id]
			if !ok {
				t.Errorf("%s: %q is missing", lang, id)
				continue
			}
			if !strings.HasPrefix(id, "acme.") {
				t.Errorf("%s: %q is not under acme.", lang, id)
			}
			if (m.plural == nil) != (ref.plural == nil) {
				t.Errorf("%s: %q is a plural in one of %s and English, not the other", lang, id, lang)
			}
			for _, s := range m.texts() {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s: %q is empty", lang, id)
				}
			}
			if m.plural != nil {
				for _, form := range pluralForms[lang] {
					if m.plural[form] == "" {
						t.Errorf("%s: %q lacks the plural form %q", lang, id, form)
					}
				}
			}
			if got, want := placeholders(m), placeholders(ref); !slices.Equal(got, want) {
				t.Errorf("%s: %q reads %v, English %v", lang, id, got, want)
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q is not an English message", lang, id)
			}
		}
	}
}

// tcall finds the messages a template names: {{t "id" …}}, (tn "id" …).
var tcall = regexp.MustCompile(`(?:\{\{-?|\()\s*tn?\s+"([^"]+)"`)

// TestMessagesInUse: every message the templates (the portal's pages and
// its layout around the library's) and the Go code name exists, the
// demo's or the library's; and every message of the demo is in use.
func TestMessagesInUse(t *testing.T) {
	ours, theirs := demoMessages(t, "en"), libraryMessages(t, "en")
	used := map[string]string{} // ID -> where
	pages, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	layouts, err := fs.Glob(assets, "templates/mfa/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(pages, layouts...) {
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tcall.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = name
		}
	}
	// In the Go code: string literals shaped like a message ID
	// ("acme.title.login", "format.date") under a first part one of the
	// catalogs has. One ending in "." starts IDs the code completes
	// ("acme.mail." + kind).
	prefixes := map[string]bool{}
	for id := range ours {
		prefixes[strings.Split(id, ".")[0]] = true
	}
	for id := range theirs {
		prefixes[strings.Split(id, ".")[0]] = true
	}
	var started []string
	shape := regexp.MustCompile(`^([a-z]+)\.[a-z0-9_.-]*$`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if m := shape.FindStringSubmatch(s); err == nil && m != nil && prefixes[m[1]] {
				if strings.HasSuffix(s, ".") {
					started = append(started, s)
				} else {
					used[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(used) < 40 || len(started) < 2 {
		t.Fatalf("found only %d IDs and %d starts of IDs in use; is the scan broken?", len(used), len(started))
	}
	for id, where := range used {
		_, mine := ours[id]
		_, library := theirs[id]
		if !mine && !library {
			t.Errorf("%s uses %q, which is neither the demo's message nor the library's", where, id)
		}
	}
	for id := range ours {
		_, ok := used[id]
		if !ok && !slices.ContainsFunc(started, func(prefix string) bool { return strings.HasPrefix(id, prefix) }) {
			t.Errorf("en.json has %q, which nothing uses", id)
		}
	}
}

// Every page renders in every language, with every branch its data opens,
// through the functions render gives it.
func TestPagesRenderInEveryLanguage(t *testing.T) {
	p := newTestPortal(t)
	a, _ := p.users.lookup(bruno)
	data := map[string]any{
		"login":     loginData{Email: "x@example.com", Error: "e", Notice: "n", Demo: demoUsers(), Passkeys: true},
		"account":   accountData{User: a, TwoStep: "on", Since: "01/02/2026", Language: "l", Notice: "n"},
		"password":  passwordData{Email: a.Email, Error: "e", MinLength: minPasswordLength},
		"outbox":    []mail{{To: "x", Language: "fr", Subject: "s", Body: "b"}, {To: "y", Language: "en"}},
		"error":     nil,
		"forbidden": nil,
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, lang := range pageLanguages {
		for _, name := range pageNames {
			var b strings.Builder
			page := page{TitleID: "acme.title." + name, User: a, Data: data[name]}
			if err := template.Must(p.pages[name].Clone()).Funcs(p.mfa.TemplateFuncs(r, lang)).ExecuteTemplate(&b, "base", page); err != nil {
				t.Errorf("%s/%s: %v", lang, name, err)
			}
			if !strings.Contains(b.String(), `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s lacks <html lang=%q>", lang, name, lang)
			}
		}
	}
}

// The language of a page: the signed-in user's, else the switcher's, else
// the browser's, else English; a language the demo lacks counts as none.
func TestPageLanguage(t *testing.T) {
	p := newTestPortal(t)
	prefers := func(lang string) *account {
		a := &account{}
		a.language.Store(lang)
		return a
	}
	fr := prefers("fr")
	for _, tc := range []struct {
		user           *account
		cookie, accept string
		want           string
	}{
		{nil, "", "", "en"},
		{nil, "", "fr-CA,fr;q=0.9,en;q=0.5", "fr"},
		{nil, "", "ja,de;q=0.8", "de"},
		{nil, "", "ja", "en"},
		{nil, "", "garbage;;q=x", "en"},
		{nil, "it", "fr", "it"}, // the switcher's choice, signed out
		{nil, "pt", "nl", "nl"}, // not one of ours: the browser's
		{fr, "", "", "fr"},
		{fr, "de", "de", "fr"}, // the user's choice wins
		{prefers("pt"), "", "nl", "nl"},
		{prefers("de-CH"), "", "", "de"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: languageCookie, Value: tc.cookie})
		}
		lang := p.mfa.TemplateFuncs(r, userLanguage(r, tc.user))["lang"].(func() string)
		if got := lang(); got != tc.want {
			t.Errorf("user %v, cookie %q, Accept-Language %q: got %q, want %q", tc.user, tc.cookie, tc.accept, got, tc.want)
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

// TestOneTermPerLanguage: no message of the demo (its pages and its
// emails), in any language, uses a competing term for what the library's
// pages name.
func TestOneTermPerLanguage(t *testing.T) {
	for _, lang := range pageLanguages {
		terms := competingTerms[lang]
		if len(terms) == 0 {
			t.Errorf("%s: no competing terms listed", lang)
		}
		msgs := demoMessages(t, lang)
		for id, m := range msgs {
			for _, text := range m.texts() {
				lower := strings.ToLower(text)
				for _, term := range terms {
					if strings.Contains(lower, strings.ToLower(term)) {
						t.Errorf("%s %s says %q: %q", lang, id, term, text)
					}
				}
			}
		}

		// And the account tile names the feature as the library's
		// security page does.
		title := libraryMessages(t, lang)["security.title"].text
		if title == "" {
			t.Fatalf("%s: the library has no security.title", lang)
		}
		if got := msgs["acme.account.twostep"].text; !strings.Contains(strings.ToLower(got), strings.ToLower(title)) {
			t.Errorf("%s: acme.account.twostep is %q, which does not name the library's %q", lang, got, title)
		}
	}
}

// One date style: the demo writes dates and times as the library's pages
// do. The emails keep a copy of the library's layout (they have no request
// to reach it through); the account page uses the library's own, in the
// user's zone, so its date is the security page's.
func TestOneDateStyle(t *testing.T) {
	for _, lang := range pageLanguages {
		if got, want := demoMessages(t, lang)["acme.mail.time_layout"].text, libraryMessages(t, lang)["format.datetime"].text; got != want || want == "" {
			t.Errorf("%s: the emails write times as %q, the security pages as %q", lang, got, want)
		}
	}

	// Bruno, in Paris, turns the app on late on the 14th, UTC: the 15th
	// for him.
	clock := &testClock{}
	clock.advance(time.Until(time.Date(2030, 3, 14, 23, 30, 0, 0, time.UTC)))
	p := openPortal(t, filepath.Join(t.TempDir(), "portal.db"), clock)
	secret := enroll(t, p, bruno, clock.now())
	b := newBrowser(t, p)
	b.login("bruno@example.com", "bruno-demo-pass")
	clock.advance(totp.Period) // the confirming code's step is spent
	wantRedirect(t, "challenge", b.post("/login/2fa/", map[string][]string{"code": {totp.Code(secret, clock.now())}}), "/account")
	if r := b.get("/account"); !strings.Contains(r.body, "Depuis le 15/03/2030") {
		t.Errorf("the account page does not date the app 15/03/2030:\n%s", r.body)
	}
	if r := b.get("/my/security/"); !strings.Contains(r.body, "Activée depuis le 15/03/2030") {
		t.Errorf("the security page does not date the app 15/03/2030:\n%s", r.body)
	}
}
