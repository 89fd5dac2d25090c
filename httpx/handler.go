package httpx

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/portalmfa/portalmfa"
)

// Config configures a [Handler]. Fields marked optional have the default
// named in their comment when left zero.
type Config struct {
	// Service does the work; httpx only speaks HTTP. Required.
	Service *portalmfa.Service
	// CurrentUser returns the signed-in user of a full host session, and
	// false when there is none. A pending login is not a session: it must
	// return false for a visitor who has only passed the password. Required.
	CurrentUser func(r *http.Request) (portalmfa.User, bool)
	// SecondFactorPassed is called once the login challenge is passed, or
	// from [Handler.StartChallenge] when a trusted device spares the user
	// the challenge. The host starts its session for userID and writes the
	// response, usually a redirect. After the challenge the response already
	// carries our security headers (CSP, no-store), the deletion of the
	// pending-login cookie and, when the user asked for it, the
	// trusted-device cookie; from StartChallenge it carries no-store.
	// Required.
	SecondFactorPassed func(w http.ResponseWriter, r *http.Request, userID string)

	// PasswordlessPassed is called when a passkey signed a user in without
	// the password ([Handler.Passwordless]): the host starts its session
	// for userID, as after SecondFactorPassed, and writes the response.
	// Optional: no passwordless sign-in.
	PasswordlessPassed func(w http.ResponseWriter, r *http.Request, userID string)

	// LoginURL is where visitors without a session, or with an expired or
	// invalid pending login, are sent. Optional: "/login".
	LoginURL string
	// SecurityPath is where the host mounts [Handler.Security]. Optional:
	// "/my/security".
	SecurityPath string
	// ChallengePath is where the host mounts [Handler.Challenge]; the
	// pending-login cookie is scoped to it. Optional: "/login/2fa".
	ChallengePath string
	// CurrentAdmin returns the administrator signed in to the host's
	// administration, and false for anyone else: the console
	// ([Handler.Admin]) serves only them. Mount the console behind the
	// host's own administrator authentication too. The administrator's
	// Language and TimeZone choose the console's language and times, and
	// their AccountLabel names them in the security events of their
	// actions. Optional: no console (it answers 404).
	CurrentAdmin func(r *http.Request) (admin portalmfa.User, ok bool)
	// AdminPath is where the host mounts [Handler.Admin]. Optional:
	// "/admin/2fa".
	AdminPath string
	// EndOtherSessions ends every session of userID but the one of r: after
	// "this wasn't me", whoever made the attempt knew the password and may
	// be signed in. Optional: the host's sessions are left as they are.
	EndOtherSessions func(r *http.Request, userID string)
	// PasswordlessPath is where the host mounts [Handler.Passwordless].
	// Optional: "/login/passkey".
	PasswordlessPath string
	// HelpURL is the host's page for a user who cannot sign in with any
	// factor left (no phone, no backup codes, no passkey): the challenge's
	// last line links to it. Optional: the line then says to contact
	// support.
	HelpURL string
	// ChangePasswordURL is the host's page for changing the password. After
	// "this wasn't me" the security page links to it: whoever made the
	// attempt knew the password. Optional: no link.
	ChangePasswordURL string
	// Templates holds template files that replace the built-in ones of the
	// same name, e.g. "layout.html" to wrap the pages in the portal's own
	// chrome. Optional.
	Templates fs.FS
	// Messages holds the host's own texts for its templates, as locale
	// files in our format (en.json, fr.json …, go-i18n's JSON): a host's
	// layout calls {{t "acme.nav.sign_out"}} as ours do, in the page's
	// language, plurals included ({{tn}}). A file must be of one of our
	// languages, and an ID may not be one of ours. Optional.
	Messages fs.FS
	// Funcs are template functions of the host's, for its templates (and
	// ours). Their names may not be ours: t, tn, mount, lang, asset.
	// Optional.
	Funcs template.FuncMap
	// ClientIP returns the client address of a request, for the per-IP
	// lockout and the history. Optional: the host part of r.RemoteAddr.
	// X-Forwarded-For is never trusted unless this function does so.
	ClientIP func(r *http.Request) string
	// HTTPS reports whether the browser reached the portal over HTTPS, which
	// makes the cookies Secure and the trusted-device cookie __Host-.
	// Optional: r.TLS != nil. Behind a proxy that ends TLS, say so here
	// (the proxy's header, if you trust it, or simply true).
	HTTPS func(r *http.Request) bool
	// Logger gets request failures, never a code, password or secret.
	// Optional: slog.Default().
	Logger *slog.Logger
}

// Handler serves the security page and the login challenge. It is safe for
// concurrent use. Build it with [New].
type Handler struct {
	cfg      Config
	svc      *portalmfa.Service
	log      *slog.Logger
	loginURL *url.URL

	// Languages: langs[0] is English, the fallback.
	langs      []language.Tag
	matcher    language.Matcher
	localizers []*i18n.Localizer
	fixed      []map[string]string // by language: messages without placeholders

	// pages[kind][language][file name] is a page ready to execute, with the
	// template functions of that handler and language bound.
	pages  [numKinds][]map[string]*template.Template
	static map[string]staticFile

	security, challenge, passwordless, admin http.Handler

	// proxyWarning, with the default ClientIP, warns once that requests
	// come through a proxy: then every client has the proxy's address.
	proxyWarning *sync.Once

	// zones caches users' time zones by name: loading one reads the zone
	// database. (Its entries are the zones of a portal's users: bounded.)
	zones sync.Map
}

// location is u's time zone, loaded once per name.
func (h *Handler) location(u portalmfa.User) *time.Location {
	if u.TimeZone == "" {
		return time.UTC
	}
	if loc, ok := h.zones.Load(u.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc := u.Location()
	if loc != time.UTC { // an unknown name is not kept: it may be made up
		h.zones.Store(u.TimeZone, loc)
	}
	return loc
}

// New checks cfg, fills in defaults, loads the locales and parses every
// template once. It fails on a missing required field, a malformed path, or
// any template or locale that does not load, so problems show at start-up
// rather than on a user's screen.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Service == nil:
		return nil, errors.New("httpx: Config.Service is required")
	case cfg.CurrentUser == nil:
		return nil, errors.New("httpx: Config.CurrentUser is required")
	case cfg.SecondFactorPassed == nil:
		return nil, errors.New("httpx: Config.SecondFactorPassed is required")
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = "/login"
	}
	var err error
	if cfg.SecurityPath, err = mountPath("SecurityPath", cfg.SecurityPath, "/my/security"); err != nil {
		return nil, err
	}
	if cfg.ChallengePath, err = mountPath("ChallengePath", cfg.ChallengePath, "/login/2fa"); err != nil {
		return nil, err
	}
	if cfg.PasswordlessPath, err = mountPath("PasswordlessPath", cfg.PasswordlessPath, "/login/passkey"); err != nil {
		return nil, err
	}
	if cfg.AdminPath, err = mountPath("AdminPath", cfg.AdminPath, "/admin/2fa"); err != nil {
		return nil, err
	}
	paths := []string{cfg.SecurityPath, cfg.ChallengePath, cfg.PasswordlessPath, cfg.AdminPath}
	if len(slices.Compact(slices.Sorted(slices.Values(paths)))) != len(paths) {
		return nil, errors.New("httpx: Config.SecurityPath, ChallengePath, PasswordlessPath and AdminPath must differ")
	}
	defaultClientIP := false
	if cfg.ClientIP == nil {
		cfg.ClientIP = remoteIP
		defaultClientIP = true
	}
	if cfg.HTTPS == nil {
		cfg.HTTPS = func(r *http.Request) bool { return r.TLS != nil }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	loginURL, err := url.Parse(cfg.LoginURL)
	if err != nil {
		return nil, fmt.Errorf("httpx: Config.LoginURL: %w", err)
	}
	for name := range cfg.Funcs {
		if _, ours := placeholderFuncs()[name]; ours {
			return nil, fmt.Errorf("httpx: Config.Funcs: %q is one of our template functions", name)
		}
	}

	h := &Handler{cfg: cfg, svc: cfg.Service, log: cfg.Logger, loginURL: loginURL}
	if defaultClientIP {
		h.proxyWarning = new(sync.Once)
	}
	if err := h.loadLocales(); err != nil {
		return nil, err
	}
	if err := h.loadStatic(); err != nil {
		return nil, err
	}
	if err := h.loadTemplates(); err != nil { // after loadStatic: {{asset}} needs it
		return nil, err
	}
	h.security = h.securityHandler()
	h.challenge = h.challengeHandler()
	h.passwordless = h.passwordlessHandler()
	h.admin = h.adminHandler()
	return h, nil
}

// mountPath cleans a mount path: it must start with "/", and a trailing
// "/" is dropped so that links read mount+"/totp/setup".
func mountPath(field, p, def string) (string, error) {
	if p == "" {
		p = def
	}
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#\"'<> ") {
		return "", fmt.Errorf("httpx: Config.%s must be a path starting with /", field)
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", fmt.Errorf("httpx: Config.%s cannot be the site root", field)
	}
	return p, nil
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Security returns the handler of the account-security pages. Mount it
// with the prefix stripped:
//
//	mux.Handle("/my/security/", http.StripPrefix("/my/security", h.Security()))
func (h *Handler) Security() http.Handler { return h.security }

// Challenge returns the handler of the login challenge. Mount it with the
// prefix stripped:
//
//	mux.Handle("/login/2fa/", http.StripPrefix("/login/2fa", h.Challenge()))
func (h *Handler) Challenge() http.Handler { return h.challenge }

// pendingCookie holds the signed pending-login state between the password
// and the second factor.
const pendingCookie = "portalmfa_pending"

// StartChallenge sends a user whose password was right, and for whom
// [portalmfa.Service.SecondFactorRequired] said yes, to the challenge: it
// sets the pending-login cookie and redirects (303) to ChallengePath, with
// Cache-Control: no-store. On error it writes nothing; the host must not
// let the user in, and should ask them to try again later.
//
// Call it only once the password is checked: that is its contract. A
// browser the user trusted at an earlier challenge (the trusted-device
// cookie) stands in for the second factor, never for the password. So when
// the request carries that cookie and [portalmfa.Service.UseTrustedDevice]
// accepts it for userID, StartChallenge skips the challenge and calls
// Config.SecondFactorPassed itself. A cookie the Service does not know for
// this user (another user's, expired, revoked, tampered with) is deleted
// and the challenge follows as usual. When the Service cannot tell
// ([portalmfa.ErrUnavailable]) the error is returned: fail closed.
func (h *Handler) StartChallenge(w http.ResponseWriter, r *http.Request, userID string) error {
	stale := false
	if token := h.deviceToken(r); token != "" && userID != "" {
		err := h.svc.UseTrustedDevice(r.Context(), userID, token, h.client(r))
		switch {
		case err == nil:
			w.Header().Set("Cache-Control", "no-store")
			h.markSignIn(w, r, userID)
			h.cfg.SecondFactorPassed(w, r, userID)
			return nil
		case isUserError(err, portalmfa.ErrUnknownDevice):
			stale = true
		default:
			return err
		}
	}
	state, lifetime, err := h.svc.NewPendingLogin(userID)
	if err != nil {
		return err
	}
	if stale {
		h.clearDevice(w, r) // so it is not sent, and refused, at every login
	}
	c := h.cookie(r, state)
	c.MaxAge = int(lifetime / time.Second)
	http.SetCookie(w, c)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, h.cfg.ChallengePath+"/", http.StatusSeeOther)
	return nil
}

func (h *Handler) cookie(r *http.Request, value string) *http.Cookie {
	return &http.Cookie{
		Name:     pendingCookie,
		Value:    value,
		Path:     h.cfg.ChallengePath,
		HttpOnly: true,
		Secure:   h.cfg.HTTPS(r),
		SameSite: http.SameSiteLaxMode,
	}
}

func (h *Handler) clearPending(w http.ResponseWriter, r *http.Request) {
	c := h.cookie(r, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// Every response of ours carries these. The CSP allows nothing but our own
// stylesheet, script and QR image; pages cannot be framed or leak their URL.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecureHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

func setSecureHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store") // static files relax it
}

// maxBody is far more than any of our forms needs (a code, a password, the
// ten backup codes of a download: about 250 bytes). Forms that carry a
// passkey's answer to a ceremony (about 1 KB, more with an RSA key or
// extensions) get maxCeremonyBody.
const (
	maxBody         = 4 << 10
	maxCeremonyBody = 32 << 10
)

// limitBody caps request bodies; the paths in ceremony get the larger cap.
func limitBody(ceremony map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxBody)
		if ceremony[r.URL.Path] {
			limit = maxCeremonyBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// wrap adds what every route of a handler shares: headers, refusal of
// cross-origin form posts (with our own translated page), a body limit
// (larger for the paths of ceremonyPaths).
func (h *Handler) wrap(k kind, mux *http.ServeMux, ceremonyPaths ...string) http.Handler {
	ceremony := map[string]bool{}
	for _, p := range ceremonyPaths {
		ceremony[p] = true
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log.WarnContext(r.Context(), "portalmfa/httpx: cross-origin request refused",
			"path", r.URL.Path, "ip", h.cfg.ClientIP(r))
		h.renderError(w, r, k, h.pickLanguage(r, ""), http.StatusForbidden, msgCrossOrigin)
	}))
	return secureHeaders(cop.Handler(limitBody(ceremony, mux)))
}

func (h *Handler) client(r *http.Request) portalmfa.Client {
	ua := r.UserAgent()
	if len(ua) > 512 { // a display fact; no need to keep a novel
		ua = strings.ToValidUTF8(ua[:512], "")
	}
	if h.proxyWarning != nil && (r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "") {
		h.proxyWarning.Do(func() {
			h.log.Warn("portalmfa/httpx: requests come through a proxy (X-Forwarded-For), but Config.ClientIP is not set: " +
				"every client has the proxy's address, in the history and for the per-IP limit. Set Config.ClientIP to read the proxy's header.")
		})
	}
	return portalmfa.Client{IP: h.cfg.ClientIP(r), UserAgent: ua}
}

// postForm parses a POST body. A body over the limit, or one that does not
// parse, gets an error page and false.
func (h *Handler) postForm(w http.ResponseWriter, r *http.Request, k kind, lang int) bool {
	err := r.ParseForm()
	if err == nil {
		return true
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		h.renderError(w, r, k, lang, http.StatusRequestEntityTooLarge, msgTooLarge)
	} else {
		h.renderError(w, r, k, lang, http.StatusBadRequest, msgBadRequest)
	}
	return false
}

// redirectLogin sends the visitor to LoginURL, with reason=… when given.
func (h *Handler) redirectLogin(w http.ResponseWriter, r *http.Request, reason string) {
	u := *h.loginURL
	if reason != "" {
		q := u.Query()
		q.Set("reason", reason)
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
