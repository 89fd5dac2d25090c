package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/crypto/bcrypt"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/httpx"
	"github.com/portalmfa/portalmfa/store/postgres"
	"github.com/portalmfa/portalmfa/store/sqlite"
)

const portalName = "Acme Customer Portal"

//go:embed templates static messages
var assets embed.FS

// portalConfig is what newPortal needs; tests fill it without flags.
type portalConfig struct {
	// DB is where portalmfa keeps its data: an SQLite file, or a
	// postgres:// URL for several portal instances on one database.
	// Required.
	DB string
	// KeyPath holds the key ring's key; it is made on first use. Optional:
	// DB + ".key" for SQLite, portalmfa-demo.key for PostgreSQL.
	KeyPath string
	// Now is the clock of the Service and of the sessions. Optional:
	// time.Now. Tests move it forward instead of sleeping.
	Now func() time.Time
	// Logger gets the portal's and portalmfa's logs. Optional: slog.Default().
	Logger *slog.Logger
	// BcryptCost hashes the demo passwords. Optional: bcrypt.DefaultCost.
	BcryptCost int
	// Origin is where browsers reach the portal ("http://localhost:8080",
	// "https://portal.example"); its host is the passkeys' RP ID. Optional:
	// no passkeys. Browsers refuse passkeys on an IP address such as
	// 127.0.0.1: open the demo as http://localhost:PORT.
	Origin string
	// Email sends codes by email. Optional: they go to the development
	// outbox, as text messages always do.
	Email portalmfa.EmailSender
}

// portal is the whole demo as one http.Handler.
type portal struct {
	handler  http.Handler
	store    closingStore
	svc      *portalmfa.Service
	mfa      *httpx.Handler
	users    *directory
	sessions *sessions
	outbox   *outbox
	messages *i18n.Bundle                  // the demo's, for what no request asks (see messages.go)
	pages    map[string]*template.Template // by name
	log      *slog.Logger

	keyPath    string
	keyCreated bool
}

// newPortal opens the database and the key and builds the portal. Close
// releases the database.
func newPortal(ctx context.Context, cfg portalConfig) (_ *portal, err error) {
	if cfg.DB == "" {
		return nil, errors.New("portal: a database path is required")
	}
	if cfg.KeyPath == "" {
		cfg.KeyPath = cfg.DB + ".key"
		if isPostgres(cfg.DB) {
			cfg.KeyPath = "portalmfa-demo.key"
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}

	p := &portal{log: cfg.Logger, keyPath: cfg.KeyPath, sessions: newSessions(cfg.Now)}
	key, created, err := loadOrCreateKey(cfg.KeyPath)
	if err != nil {
		return nil, err
	}
	p.keyCreated = created
	if created {
		p.log.Info("created a new key file; keep it next to the database, or second factors stored there cannot be read",
			"key_file", cfg.KeyPath)
	} else {
		p.log.Info("read the key file", "key_file", cfg.KeyPath)
	}

	if p.users, err = newDirectory(demoUsers(), cfg.BcryptCost); err != nil {
		return nil, err
	}
	messages, err := fs.Sub(assets, "messages")
	if err != nil {
		return nil, err
	}
	if p.messages, err = loadMessages(messages); err != nil {
		return nil, err
	}
	p.outbox = newOutbox(cfg.Now, p.messages)

	if p.store, err = openStore(ctx, cfg.DB); err != nil {
		return nil, fmt.Errorf("opening %s: %w", redactDB(cfg.DB), err)
	}
	defer func() {
		if err != nil {
			p.store.Close()
		}
	}()

	var passkeys portalmfa.PasskeyConfig
	if cfg.Origin != "" {
		u, err := url.Parse(cfg.Origin)
		if err != nil {
			return nil, fmt.Errorf("portal: origin: %w", err)
		}
		passkeys = portalmfa.PasskeyConfig{RPID: u.Hostname(), Origins: []string{cfg.Origin}}
	}
	var email portalmfa.EmailSender = p.outbox
	if cfg.Email != nil {
		email = cfg.Email
	}
	p.svc, err = portalmfa.New(portalmfa.Config{
		Issuer: portalName,
		Keys:   [][]byte{key},
		Store:  p.store,
		CheckPassword: func(_ context.Context, userID, password string) (bool, error) {
			return p.users.checkPassword(userID, password), nil
		},
		// Notifications go to the development outbox, in the user's
		// language, which LookupUser tells.
		Notifier: p.outbox,
		LookupUser: func(_ context.Context, userID string) (portalmfa.User, error) {
			a, ok := p.users.lookup(userID)
			if !ok {
				return portalmfa.User{}, fmt.Errorf("no user %q", userID)
			}
			return a.mfaUser(), nil
		},
		Passkeys: passkeys,
		// The console's preview counts users through this.
		ListUsers: func(_ context.Context, q portalmfa.UserQuery) ([]portalmfa.User, int, error) {
			us, total := p.users.list(q)
			return us, total, nil
		},
		// Codes by SMS and by email go to the development outbox (or, for
		// email, a real SMTP server: -smtp). The demo's addresses count as
		// verified, and its numbers without a country code as French.
		Codes: portalmfa.CodesConfig{
			SMS:           p.outbox,
			Email:         email,
			EmailVerified: true,
			Region:        "FR",
		},
		Logger: cfg.Logger,
		Now:    cfg.Now,
	})
	if err != nil {
		return nil, err
	}

	layout, err := fs.Sub(assets, "templates/mfa")
	if err != nil {
		return nil, err
	}
	if err := seedPolicies(ctx, p.svc); err != nil {
		return nil, err
	}
	p.mfa, err = httpx.New(httpx.Config{
		Service:            p.svc,
		CurrentUser:        p.currentMFAUser,
		SecondFactorPassed: p.secondFactorPassed,
		// A passkey with user verification signs in without the password.
		PasswordlessPassed: p.secondFactorPassed,
		// The portal's chrome around the library's pages: its layout. And
		// the portal's words, for that layout and for its own pages,
		// which translate as the library's do (see render).
		Templates: layout,
		Messages:  messages,
		// After "this wasn't me", the security page links here, and the
		// user's other sessions end.
		ChangePasswordURL: "/account/password",
		// The console, for the demo's administrator.
		CurrentAdmin: func(r *http.Request) (portalmfa.User, bool) {
			a, ok := p.currentAccount(r)
			if !ok || !a.Admin {
				return portalmfa.User{}, false
			}
			return a.mfaUser(), true
		},
		EndOtherSessions: p.sessions.endOthers,
		Logger:           cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	if p.pages, err = p.parsePages(); err != nil {
		return nil, err
	}

	p.handler = p.routes()
	return p, nil
}

func (p *portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Close closes the database.
func (p *portal) Close() error { return p.store.Close() }

func (p *portal) routes() http.Handler {
	mux := http.NewServeMux()
	// The portal's own forms refuse cross-origin posts; httpx guards its own.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.render(w, r, http.StatusForbidden, "forbidden", "acme.title.forbidden", nil)
	}))

	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /login", p.loginPage)
	mux.Handle("POST /login", cop.Handler(http.HandlerFunc(p.login)))
	mux.Handle("POST /logout", cop.Handler(http.HandlerFunc(p.logout)))
	mux.HandleFunc("GET /account", p.accountPage)
	mux.HandleFunc("GET /account/password", p.passwordPage)
	mux.Handle("POST /account/password", cop.Handler(http.HandlerFunc(p.changePassword)))
	mux.Handle("POST /language", cop.Handler(http.HandlerFunc(p.switchLanguage)))
	mux.HandleFunc("GET /dev/outbox", p.outboxPage)

	static, _ := fs.Sub(assets, "static") // cannot fail: the directory is embedded
	mux.Handle("GET /static/", http.StripPrefix("/static", cacheFor(time.Hour, http.FileServerFS(static))))

	mux.Handle("/my/security/", http.StripPrefix("/my/security", p.mfa.Security()))
	mux.Handle("/my/security", redirect("/my/security/"))
	mux.Handle("/login/2fa/", http.StripPrefix("/login/2fa", p.mfa.Challenge()))
	mux.Handle("/login/2fa", redirect("/login/2fa/"))
	mux.Handle("/login/passkey/", http.StripPrefix("/login/passkey", p.mfa.Passwordless()))
	mux.Handle("/admin/2fa/", http.StripPrefix("/admin/2fa", p.mfa.Admin()))
	mux.Handle("/admin/2fa", redirect("/admin/2fa/"))

	// A partner past the policy's deadline without a second factor is kept
	// on the security page; signing out, switching the language, the
	// styles and the outbox stay open.
	confined := p.mfa.Confine(mux, "/logout", "/language", "/static/", "/dev/outbox")
	return p.logRequests(securityHeaders(confined))
}

// currentMFAUser is httpx's view of the signed-in user: only a full portal
// session counts, never a login half-way through its challenge.
func (p *portal) currentMFAUser(r *http.Request) (portalmfa.User, bool) {
	a, ok := p.currentAccount(r)
	if !ok {
		return portalmfa.User{}, false
	}
	return a.mfaUser(), true
}

func (p *portal) currentAccount(r *http.Request) (*account, bool) {
	id, ok := p.sessions.user(r)
	if !ok {
		return nil, false
	}
	return p.users.lookup(id)
}

// secondFactorPassed finishes a login the challenge let through.
func (p *portal) secondFactorPassed(w http.ResponseWriter, r *http.Request, userID string) {
	if _, ok := p.users.lookup(userID); !ok {
		p.unavailable(w, r, fmt.Errorf("second factor passed for unknown user %q", userID))
		return
	}
	if err := p.sessions.start(w, r, userID); err != nil {
		p.unavailable(w, r, err)
		return
	}
	p.log.InfoContext(r.Context(), "signed in", "user", userID, "second_factor", true)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (p *portal) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.currentAccount(r); ok {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type loginData struct {
	Email    string
	Error    string
	Notice   string
	Demo     []demoUser
	Passkeys bool // offer passwordless sign-in
}

func (p *portal) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.currentAccount(r); ok {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	d := loginData{Demo: demoUsers()}
	// httpx sends a login whose challenge took too long back here, and a
	// passwordless sign-in that failed.
	switch r.URL.Query().Get("reason") {
	case "expired":
		d.Notice = p.text(r, "acme.login.expired")
	case "passkey":
		d.Notice = p.text(r, "acme.login.passkey_failed")
	}
	d.Passkeys = p.svc.PasswordlessEnabled()
	p.render(w, r, http.StatusOK, "login", "acme.title.login", d)
}

const maxFormBytes = 16 << 10

func (p *portal) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return
	}
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	// Every password check counts in portalmfa's limits, per account and
	// per address; an unknown email is limited under a key of its own.
	key, known := "login:"+normalizeEmail(email), ""
	if u, ok := p.users.byEmailAddress(email); ok {
		key, known = u.ID, u.ID
	}
	var a *account
	err := p.svc.PasswordAttempt(r.Context(), key, clientOf(r), func() (bool, error) {
		var ok bool
		a, ok = p.users.authenticate(email, password)
		return ok, nil
	})
	if err != nil {
		// A refused password is part of the user's sign-in history.
		p.mfa.RecordSignIn(w, r, known, err)
		status, msg := http.StatusUnauthorized, "acme.login.incorrect"
		switch {
		case errors.Is(err, portalmfa.ErrLockedOut):
			status, msg = http.StatusTooManyRequests, "acme.auth.locked"
		case errors.Is(err, portalmfa.ErrUnavailable):
			p.unavailable(w, r, err)
			return
		}
		p.log.InfoContext(r.Context(), "sign-in refused", "ip", r.RemoteAddr, "err", err)
		p.render(w, r, status, "login", "acme.title.login", loginData{
			Email:    email,
			Error:    p.text(r, msg),
			Demo:     demoUsers(),
			Passkeys: p.svc.PasswordlessEnabled(),
		})
		return
	}

	// Whoever was signed in on this browser is not any more.
	p.sessions.end(w, r)

	decision, err := p.svc.SignInDecision(r.Context(), a.mfaUser())
	if err != nil {
		// Fail closed: not knowing is not "no second factor".
		p.unavailable(w, r, fmt.Errorf("second factor required? %w", err))
		return
	}
	if decision == portalmfa.Challenge {
		if err := p.mfa.StartChallenge(w, r, a.ID); err != nil {
			p.unavailable(w, r, fmt.Errorf("starting the challenge: %w", err))
		}
		return
	}
	if err := p.sessions.start(w, r, a.ID); err != nil {
		p.unavailable(w, r, err)
		return
	}
	// No second step follows, which would record the sign-in: record it.
	p.mfa.RecordSignIn(w, r, a.ID, nil)
	p.log.InfoContext(r.Context(), "signed in", "user", a.ID, "second_factor", false)
	if decision == portalmfa.EnrollNow { // Confine would send them there anyway
		http.Redirect(w, r, "/my/security/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// clientOf is the client of a request as portalmfa counts it: the demo
// faces browsers directly, so RemoteAddr is the client's address.
func clientOf(r *http.Request) portalmfa.Client {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return portalmfa.Client{IP: host, UserAgent: r.UserAgent()}
}

func (p *portal) logout(w http.ResponseWriter, r *http.Request) {
	if id, ok := p.sessions.user(r); ok {
		p.log.InfoContext(r.Context(), "signed out", "user", id)
	}
	p.sessions.end(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type accountData struct {
	User     *account
	TwoStep  string // "on", "off" or "unknown"
	Since    string // the date two-factor authentication was turned on, or ""
	Language string // the user's language, named in the page's
	Notice   string
}

func (p *portal) accountPage(w http.ResponseWriter, r *http.Request) {
	a, ok := p.currentAccount(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	d := accountData{User: a, TwoStep: "off", Language: p.languageName(r, a.Language())}
	if r.URL.Query().Get("done") == "password" {
		d.Notice = p.text(r, "acme.account.password_done")
	}
	switch st, err := p.svc.Status(r.Context(), a.ID); {
	case err != nil:
		p.log.ErrorContext(r.Context(), "reading second-factor status", "user", a.ID, "err", err)
		d.TwoStep = "unknown"
	case st.Enabled():
		d.TwoStep = "on"
		var since time.Time // the first factor's
		for _, f := range st.Factors {
			if f.State == portalmfa.On && (since.IsZero() || f.Since.Before(since)) {
				since = f.Since
			}
		}
		if !since.IsZero() {
			// In the user's zone, as the library's date layout (format.date)
			// writes it: the date the security page shows.
			d.Since = since.In(a.mfaUser().Location()).Format(p.text(r, "format.date"))
		}
	}
	p.render(w, r, http.StatusOK, "account", "acme.title.account", d)
}

type passwordData struct {
	Email     string // for password managers
	Error     string
	MinLength int
}

// passwordPage is the demo's password change: just enough for the link
// the security page shows after "this wasn't me".
func (p *portal) passwordPage(w http.ResponseWriter, r *http.Request) {
	a, ok := p.currentAccount(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "password", "acme.title.password", passwordData{Email: a.Email, MinLength: minPasswordLength})
}

// changePassword checks the current password, then tells portalmfa the
// password changed (every trusted device is revoked) before it stores the
// new one. In that order a failure of portalmfa leaves the old password,
// not a new password with the old devices still trusted.
func (p *portal) changePassword(w http.ResponseWriter, r *http.Request) {
	a, ok := p.currentAccount(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request", http.StatusBadRequest)
		return
	}
	current, next := r.PostFormValue("current"), r.PostFormValue("new")
	refuse := func(status int, msg string, args ...any) {
		p.render(w, r, status, "password", "acme.title.password",
			passwordData{Email: a.Email, Error: p.text(r, msg, args...), MinLength: minPasswordLength})
	}
	err := p.svc.PasswordAttempt(r.Context(), a.ID, clientOf(r), func() (bool, error) {
		return p.users.checkPassword(a.ID, current), nil
	})
	switch {
	case errors.Is(err, portalmfa.ErrLockedOut):
		refuse(http.StatusTooManyRequests, "acme.auth.locked")
		return
	case errors.Is(err, portalmfa.ErrWrongPassword):
		refuse(http.StatusUnprocessableEntity, "acme.password.wrong_current")
		return
	case err != nil:
		refuse(http.StatusServiceUnavailable, "acme.password.unavailable")
		return
	case next != r.PostFormValue("confirm"):
		refuse(http.StatusUnprocessableEntity, "acme.password.mismatch")
		return
	case !validPassword(next):
		refuse(http.StatusUnprocessableEntity, "acme.password.invalid", "Min", minPasswordLength)
		return
	}
	if err := p.svc.PasswordChanged(r.Context(), a.ID); err != nil {
		p.log.ErrorContext(r.Context(), "revoking trusted devices", "user", a.ID, "err", err)
		refuse(http.StatusServiceUnavailable, "acme.password.unavailable")
		return
	}
	if err := p.users.setPassword(a.ID, next); err != nil {
		p.log.ErrorContext(r.Context(), "setting a password", "user", a.ID, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	// Whoever else is signed in as this user (who may have learnt the old
	// password) is not any more.
	p.sessions.endOthers(r, a.ID)
	p.log.InfoContext(r.Context(), "password changed", "user", a.ID)
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

// outboxPage shows what the portal would have emailed: the development
// outbox. No sign-in needed; a real portal has no such page.
func (p *portal) outboxPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "outbox", "acme.title.outbox", p.outbox.messages())
}

// pruneHistory removes history entries older than portalmfa's retention:
// once now, then every interval, until ctx ends.
func (p *portal) pruneHistory(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := p.svc.PruneHistory(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.log.ErrorContext(ctx, "pruning the sign-in history", "err", err)
		case n > 0:
			p.log.InfoContext(ctx, "pruned the sign-in history", "entries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// unavailable answers "try again later" and logs why.
func (p *portal) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	p.log.ErrorContext(r.Context(), "sign-in unavailable", "err", err)
	p.render(w, r, http.StatusServiceUnavailable, "error", "acme.title.error", nil)
}

// page is what every template of the portal gets.
type page struct {
	TitleID string   // the message ID of the page's title
	User    *account // nil when signed out
	Data    any
}

// pageNames are the portal's own pages, each templates/<name>.html.
var pageNames = []string{"login", "account", "error", "forbidden", "password", "outbox"}

// parsePages parses every page once. Their t, tn and lang are httpx's
// (Handler.TemplateFuncs), so the portal's pages and the library's speak
// one language, from one catalog, with one plural rule; here they are
// bound to no request, and render binds them to each.
func (p *portal) parsePages() (map[string]*template.Template, error) {
	funcs := p.mfa.TemplateFuncs(&http.Request{}, "")
	funcs["portalName"] = func() string { return portalName }
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/base.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// userLanguage is the language the portal asks its pages for: the
// signed-in user's (a may be nil), else the one the switcher chose, else
// "" to let httpx follow the browser (Accept-Language), then English. A
// tag httpx has no messages in counts as none.
func userLanguage(r *http.Request, a *account) string {
	if a != nil {
		return a.Language()
	}
	if c, err := r.Cookie(languageCookie); err == nil {
		return c.Value // the switcher's choice, signed out
	}
	return ""
}

// text is message id in the language of the page r gets, with args as
// name, value pairs for its placeholders: for the words a handler puts in
// a page (an error, a notice).
func (p *portal) text(r *http.Request, id string, args ...any) string {
	a, _ := p.currentAccount(r)
	s, err := p.mfa.Translate(r, userLanguage(r, a), id, args...)
	if err != nil {
		// A bug of the catalog, which the tests catch: the page shows the
		// message's ID meanwhile.
		p.log.ErrorContext(r.Context(), "translating", "err", err)
		return id
	}
	return s
}

// languageName names a language tag of the portal's users in the language
// of the page r gets; a tag the messages do not name is shown as it is.
func (p *portal) languageName(r *http.Request, tag string) string {
	a, _ := p.currentAccount(r)
	if s, err := p.mfa.Translate(r, userLanguage(r, a), "acme.language_name."+tag); err == nil {
		return s
	}
	return tag
}

// render answers with page name, titled by message titleID, in the
// language userLanguage and httpx pick.
func (p *portal) render(w http.ResponseWriter, r *http.Request, status int, name, titleID string, data any) {
	a, _ := p.currentAccount(r)
	var buf bytes.Buffer
	// A clone takes functions of its own before it runs: this request's.
	t, err := p.pages[name].Clone()
	if err == nil {
		err = t.Funcs(p.mfa.TemplateFuncs(r, userLanguage(r, a))).
			ExecuteTemplate(&buf, "base", page{TitleID: titleID, User: a, Data: data})
	}
	if err != nil {
		p.log.ErrorContext(r.Context(), "rendering a page", "page", name, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// securityHeaders sets what every response of the portal carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	v := fmt.Sprintf("public, max-age=%d", int(d/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", v)
		next.ServeHTTP(w, r)
	})
}

func redirect(to string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (p *portal) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		p.log.InfoContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration", time.Since(start).Round(time.Microsecond))
	})
}

// closingStore is a backend the portal opened and closes.
type closingStore interface {
	portalmfa.Store
	Close() error
}

// openStore opens PostgreSQL for a postgres:// URL, else the SQLite file.
func openStore(ctx context.Context, db string) (closingStore, error) {
	if isPostgres(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// redactDB is db fit for a log line or the banner: a URL's password is
// replaced by xxxxx.
func redactDB(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}
