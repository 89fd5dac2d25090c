package httpx

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/portalmfa/portalmfa"
	"github.com/portalmfa/portalmfa/oob"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*
var staticFiles embed.FS

// kind tells which handler a page belongs to, and so what {{mount}} is.
type kind int

const (
	kindSecurity kind = iota
	kindChallenge
	kindAdmin
	numKinds
)

// pages returns the pages of a handler. Each is parsed with layout.html and
// partials.html into a set of its own, since every page defines "content".
func (k kind) pages() []string {
	switch k {
	case kindChallenge:
		return []string{"challenge.html", "backup.html", "backup-used.html", "sent.html", "error.html"}
	case kindAdmin:
		return []string{"admin-dashboard.html", "admin-policies.html", "admin-policy.html", "admin-delete.html", "admin-users.html", "admin-reset.html", "admin-audit.html", "error.html"}
	}
	return []string{"overview.html", "setup.html", "codes.html", "confirm.html", "regenerate.html",
		"verify.html", "remove.html", "passkey-add.html", "phone-add.html", "phone-confirm.html", "email-on.html", "not-me.html", "error.html"}
}

// view is the data of every page; each page reads the fields it needs.
// Templates a host overrides get the same data (see the package doc).
type view struct {
	Alert *alert // a message above the form, already translated

	// User is the signed-in user on security and console pages (zero at
	// the challenge), for a host layout that shows who is signed in.
	User portalmfa.User

	// Overview.
	Enabled    bool   // two-factor authentication is on: a factor is
	TOTP       string // "off", "pending", "on" or "replacing" (at the challenge: "on" or "")
	Since      string // the date TOTP was turned on, formatted for the language
	PasskeysOn bool   // the Service offers passkeys
	Passkeys   []passkeyView

	// A passkey ceremony's options (JSON) for our script: the add page,
	// the verify page and the challenge.
	PasskeyOptions string

	// Verify page: where to go back to, what the change needs ("password",
	// "factor" or "any"), and which forms meet it.
	Next, Need                 string
	VerifyPassword, VerifyCode bool

	// Confirmation of a removal: what ("totp", "passkey", "sms" or
	// "email"), the form's action, the passkey's name, and whether it
	// turns 2FA off.
	Remove, Action, PasskeyName string
	LastFactor                  bool

	// The console: its policies, the policy form, the kinds of factor a
	// policy may allow, and the preview's count of users (-1: none).
	Dashboard  *dashboardView
	Audit      *auditView
	PolicyRows []policyRow
	PolicyForm *policyForm
	Factors    []string

	// The console's users: the search and filter, the page of rows, the
	// page's number of Pages, the number matching, and the links.
	UserSearch, UserFilter   string
	UserRows                 []userRow
	Page, Pages, Total       int
	PrevURL, NextURL, CSVURL string

	// Overview: the banner of the user's policy, and the kinds of factor
	// it does not count ("totp", "passkey", "sms", "email"), which are not
	// offered.
	Banner     *alert
	NotAllowed map[string]bool
	// Primary is the kind of factor whose button is the page's one
	// primary action, the next step; "" for none.
	Primary string

	// Codes by SMS and email: the overview's items (nil when the Service
	// does not send codes that way), where a code goes (masked), the
	// number being confirmed (E.164), the channel of the code-sent page,
	// and the challenge's buttons that send one.
	Phone, Email *codesView
	To, Number   string
	Channel      string
	Send         []sendView

	// Overview and the page after a backup-code login: unused codes, and
	// whether that is few enough to urge making new ones.
	BackupCodes    int
	BackupCodesLow bool

	// Setup wizard.
	Step        int      // 1 scan, 2 save the backup codes, 3 confirm; 0 outside the wizard
	WizardCodes bool     // the wizard has step 2: TOTP is the first factor
	Replacing   bool     // the wizard sets up a new app in place of the one on
	Key         string   // the base32 secret, for the Copy button
	KeyGroups   []string // the secret in groups of four, for reading
	// OTPAuthURI is the otpauth:// URI, a link that opens the app on a
	// phone. Ours, built by totp.URI: html/template would otherwise
	// replace a URL of that scheme.
	OTPAuthURI template.URL

	// Backup codes page (wizard step 2, or after regenerating).
	Codes        []string // as shown: XXXXX-XXXXX-XXXXX
	CodesHeading string   // "Backup codes for <account> — <date>"
	CodesText    string   // heading and codes, one a line, for the Copy button
	CodesFor     string   // why they are shown: codesWizard, codesRegenerated, codesPasskeyAdded

	// Page after a backup-code login.
	ContinueURL   string // where the host's redirect pointed
	RegenerateURL string // the regenerate form on the security page

	// Overview: the trusted devices and the recent login attempts.
	EndsSessions  bool // "this wasn't me" also ends the user's other sessions
	Devices       []deviceView
	ActiveDevices int
	History       []historyView

	// Challenge: the "trust this device" box, ticked or not, and how long
	// trust lasts (TrustDays, or TrustHours when under a day).
	Trust      bool
	TrustDays  int
	TrustHours int

	// Forms.
	Focus    bool   // put the cursor in the code field
	Locked   bool   // the user's attempts are refused for now: the form is disabled
	HelpURL  string // Config.HelpURL, for a user with nothing left to sign in with
	Username string // for password managers on the disable form

	// Error page.
	SignIn   bool   // offer the sign-in link rather than "back"
	LoginURL string // Config.LoginURL
}

type codesView struct {
	On    bool
	To    string // where codes go, or would go, masked
	Sends bool   // the Service sends them: they can be turned on, or the number changed
}

// sendView is a button of the challenge that sends a code by Channel
// ("sms" or "email") to To, masked.
type sendView struct {
	Channel, To string
}

type alert struct {
	Kind string // a Bootstrap alert variant: danger, success, info, warning
	Text string
	// Link, when set, follows the text as an alert-link reading LinkText.
	Link, LinkText string
	// Lock: the message says the user's attempts are refused for now; a
	// form it is shown with is disabled.
	Lock bool
	// For is the id of the element of the page the message is about (a
	// card, an item of a list), shown beside it; "" for the top. On a
	// phone the top is a screen or more away from a button low on the page.
	For string
}

// layeredFS serves the host's file of a name when it has one, else ours.
type layeredFS struct {
	upper, lower fs.FS
}

func (l layeredFS) Open(name string) (fs.File, error) {
	if l.upper != nil {
		f, err := l.upper.Open(name)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return l.lower.Open(name)
}

// loadTemplates parses each page once, then binds the template functions
// of every handler and language to a clone of it, so serving a page never
// parses or clones anything. Each page is also executed once with empty
// data: that escapes it up front and turns a template error into an error
// from New.
func (h *Handler) loadTemplates() error {
	builtin, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		return err
	}
	fsys := layeredFS{upper: h.cfg.Templates, lower: builtin}
	parsed := map[string]*template.Template{}
	for k := range numKinds {
		for _, page := range k.pages() {
			if parsed[page] != nil {
				continue
			}
			t, err := parsePage(fsys, page, h.cfg.Funcs)
			if err != nil {
				return err
			}
			parsed[page] = t
		}
	}
	for k := range numKinds {
		h.pages[k] = make([]map[string]*template.Template, len(h.langs))
		for lang := range h.langs {
			h.pages[k][lang] = map[string]*template.Template{}
			for _, page := range k.pages() {
				t, err := parsed[page].Clone()
				if err != nil {
					return fmt.Errorf("httpx: template %s: %w", page, err)
				}
				t.Funcs(h.funcs(k, lang))
				if err := t.Execute(io.Discard, &view{}); err != nil {
					return fmt.Errorf("httpx: template %s (%s): %w", page, h.langs[lang], err)
				}
				h.pages[k][lang][page] = t
			}
		}
	}
	return nil
}

func parsePage(fsys fs.FS, page string, hostFuncs template.FuncMap) (*template.Template, error) {
	t := template.New("layout.html").Funcs(hostFuncs).Funcs(placeholderFuncs())
	for i, name := range []string{"layout.html", "partials.html", page} {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("httpx: template %s: %w", name, err)
		}
		target := t
		if i > 0 {
			target = t.New(name)
		}
		if _, err := target.Parse(string(src)); err != nil {
			return nil, fmt.Errorf("httpx: template %s: %w", name, err)
		}
	}
	return t, nil
}

// placeholderFuncs let the templates parse; [Handler.funcs] replaces them
// in each clone.
func placeholderFuncs() template.FuncMap {
	return template.FuncMap{
		"t":     func(string, ...any) (string, error) { return "", nil },
		"tn":    func(string, int) (string, error) { return "", nil },
		"path":  url.PathEscape,
		"mount": func() string { return "" },
		"lang":  func() string { return "" },
		"asset": func(string) (string, error) { return "", nil },
	}
}

// funcs are the template functions of one handler and language:
//
//	t "id" ["Name" value]…  the message, in the page's language
//	tn "id" count           the plural form for count ({{.Count}})
//	mount                   the path the page's handler is mounted at
//	lang                    the page's language tag, for <html lang>
//	asset "portalmfa.css"   the versioned URL of one of our static files
func (h *Handler) funcs(k kind, lang int) template.FuncMap {
	mount := h.cfg.SecurityPath
	switch k {
	case kindChallenge:
		mount = h.cfg.ChallengePath
	case kindAdmin:
		mount = h.cfg.AdminPath
	}
	tag := h.langs[lang].String()
	return template.FuncMap{ // the host's functions are in from parsing
		"t":     func(id string, args ...any) (string, error) { return h.translate(lang, id, args...) },
		"tn":    func(id string, n int) (string, error) { return h.translatePlural(lang, id, n) },
		"path":  url.PathEscape, // a path segment of the host's data, escaped whole
		"mount": func() string { return mount },
		"lang":  func() string { return tag },
		"asset": func(name string) (string, error) {
			f, ok := h.static[name]
			if !ok {
				return "", fmt.Errorf("httpx: no static file %q", name)
			}
			return mount + "/static/" + name + "?v=" + f.version, nil
		},
	}
}

// render writes page with status. The page is executed into a buffer first
// so a template failure never leaves half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, k kind, lang int, page string, status int, v *view) {
	switch k {
	case kindChallenge:
	case kindAdmin:
		v.User, _ = r.Context().Value(adminKey{}).(portalmfa.User)
	default:
		v.User, _ = h.cfg.CurrentUser(r)
	}
	var buf bytes.Buffer
	if err := h.pages[k][lang][page].Execute(&buf, v); err != nil {
		h.log.ErrorContext(r.Context(), "portalmfa/httpx: rendering page", "page", page, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", h.langs[lang].String())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows the error page of handler k with message id.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, k kind, lang int, status int, id string) {
	h.render(w, r, k, lang, "error.html", status, &view{
		Alert:    &alert{Kind: "danger", Text: h.text(lang, id)},
		SignIn:   id == msgSignedOut,
		LoginURL: h.cfg.LoginURL,
	})
}

// problem turns an error of the Service into what the user sees: the status
// and the translated message. Anything unknown is a failure on our side:
// logged, and shown as "try again later" (503) — never as a pass.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, lang int, err error) (int, *alert) {
	danger := func(id string) *alert { return &alert{Kind: "danger", Text: h.text(lang, id)} }
	if errors.Is(err, portalmfa.ErrUnavailable) {
		return h.unavailable(r, err), danger(msgUnavailable)
	}
	if locked, ok := errors.AsType[*portalmfa.LockedOutError](err); ok {
		return h.locked(w, lang, locked.Wait)
	}
	if limit, ok := errors.AsType[*oob.LimitError](err); ok {
		return h.limited(w, lang, limit) // a send of a code, refused for now
	}
	failed, _ := errors.AsType[*portalmfa.FailedAttemptError](err)
	if failed != nil && !failed.LockedUntil.IsZero() {
		return h.locked(w, lang, failed.Wait) // this failure set the lock: say so now
	}
	status, a := h.userProblem(w, r, lang, err)
	if failed != nil && failed.Left > 0 && failed.Left <= triesLeftShown {
		a.Text += " " + h.textPlural(lang, msgTriesLeft, failed.Left)
	}
	return status, a
}

// triesLeftShown: with this many tries left or fewer, a failure says how
// many.
const triesLeftShown = 2

// locked is the answer while the user's attempts are refused for wait.
func (h *Handler) locked(w http.ResponseWriter, lang int, wait time.Duration) (int, *alert) {
	wait = max(wait, time.Second)
	minutes := int((wait + time.Minute - 1) / time.Minute)
	w.Header().Set("Retry-After", fmt.Sprint(int((wait+time.Second-1)/time.Second)))
	return http.StatusTooManyRequests, &alert{Kind: "danger", Text: h.textPlural(lang, msgLocked, minutes), Lock: true}
}

// userProblem is problem for an error that is not a lock.
func (h *Handler) userProblem(w http.ResponseWriter, r *http.Request, lang int, err error) (int, *alert) {
	danger := func(id string) *alert { return &alert{Kind: "danger", Text: h.text(lang, id)} }
	switch {
	case errors.Is(err, portalmfa.ErrSuspended):
		return http.StatusForbidden, danger(msgSuspended)
	case errors.Is(err, portalmfa.ErrMalformedCode):
		return http.StatusUnprocessableEntity, danger(msgCodeMalformed)
	case errors.Is(err, portalmfa.ErrInvalidCode):
		return http.StatusUnprocessableEntity, danger(msgCodeInvalid)
	case errors.Is(err, portalmfa.ErrReplayed):
		return http.StatusUnprocessableEntity, danger(msgCodeReplayed)
	case errors.Is(err, portalmfa.ErrWrongPassword):
		return http.StatusUnprocessableEntity, danger(msgWrongPassword)
	case errors.Is(err, portalmfa.ErrMalformedBackupCode):
		return http.StatusUnprocessableEntity, danger(msgBackupMalformed)
	case errors.Is(err, portalmfa.ErrInvalidBackupCode):
		return http.StatusUnprocessableEntity, danger(msgBackupInvalid)
	case errors.Is(err, portalmfa.ErrPasskeyClone):
		return http.StatusUnprocessableEntity, danger(msgPasskeyClone)
	case errors.Is(err, portalmfa.ErrPasskeyRefused):
		return http.StatusUnprocessableEntity, danger(msgPasskeyRefused)
	case errors.Is(err, portalmfa.ErrCeremonyExpired):
		return http.StatusUnprocessableEntity, danger(msgPasskeyExpired)
	case errors.Is(err, portalmfa.ErrSendFailed):
		return http.StatusBadGateway, danger(msgSendFailed)
	case errors.Is(err, portalmfa.ErrNotMobile): // before ErrInvalidNumber, which it matches too
		return http.StatusUnprocessableEntity, danger(msgPhoneNotMobile)
	case errors.Is(err, portalmfa.ErrInvalidNumber):
		return http.StatusUnprocessableEntity, danger(msgPhoneInvalid)
	case errors.Is(err, portalmfa.ErrPolicyRequires):
		return http.StatusConflict, danger(msgPolicyRequires)
	case errors.Is(err, portalmfa.ErrFactorNotAllowed):
		return http.StatusForbidden, danger(msgPolicyNotAllowed)
	}
	return h.unavailable(r, err), danger(msgUnavailable)
}

// unavailable logs a failure the user did not cause and returns 503.
func (h *Handler) unavailable(r *http.Request, err error) int {
	h.log.ErrorContext(r.Context(), "portalmfa/httpx: request failed",
		"method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusServiceUnavailable
}

// staticFile is our stylesheet or script. version is a hash of the
// content: {{asset}} puts it in the URL, so a new release of the file has a
// new URL and the old one may be cached for good.
type staticFile struct {
	body        []byte
	contentType string
	version     string
}

func (h *Handler) loadStatic() error {
	entries, err := fs.ReadDir(staticFiles, "static")
	if err != nil {
		return fmt.Errorf("httpx: static files: %w", err)
	}
	types := map[string]string{
		".css": "text/css; charset=utf-8",
		".js":  "text/javascript; charset=utf-8",
	}
	h.static = map[string]staticFile{}
	for _, e := range entries {
		ct, ok := types[path.Ext(e.Name())]
		if !ok {
			continue
		}
		body, err := staticFiles.ReadFile("static/" + e.Name())
		if err != nil {
			return fmt.Errorf("httpx: static file %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		h.static[e.Name()] = staticFile{body: body, contentType: ct, version: hex.EncodeToString(sum[:8])}
	}
	return nil
}

// serveStatic serves GET /static/{file}. Under its versioned URL (see
// {{asset}}) a file is cached for a year; under the plain one, as a
// replaced layout may link it, it is revalidated by ETag on each use so an
// upgrade shows at once.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.static[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	if r.URL.Query().Get("v") == f.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "public, no-cache")
	}
	hdr.Set("ETag", `"`+f.version+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// keyGroups splits a base32 key into groups of four for reading aloud or
// typing.
func keyGroups(key string) []string {
	var groups []string
	for len(key) > 4 {
		groups = append(groups, key[:4])
		key = key[4:]
	}
	if key != "" {
		groups = append(groups, key)
	}
	return groups
}

// doneMessage maps the ?done= value of the overview to its message. The
// list is closed: the query never puts free text on the page.
// doneCard is the id of the card of a ?done= action, "" for the top.
func doneCard(v string) string {
	switch strings.TrimSpace(v) {
	case "device-renamed", "device-revoked", "devices-revoked":
		return "portalmfa-devices"
	case "passkey-added", "passkey-renamed", "passkey-deleted":
		return "portalmfa-passkeys"
	case "phone-added", "phone-removed":
		return "portalmfa-phone"
	case "email-on", "email-off":
		return "portalmfa-email"
	case "not-me":
		return "portalmfa-history"
	}
	return ""
}

func doneMessage(v string) string {
	switch strings.TrimSpace(v) {
	case "totp-on":
		return msgDoneTOTPOn
	case "totp-off":
		return msgDoneTOTPOff
	case "totp-replaced":
		return msgDoneTOTPReplaced
	case "device-renamed":
		return msgDoneDeviceRenamed
	case "device-revoked":
		return msgDoneDeviceRevoked
	case "devices-revoked":
		return msgDoneDevicesRevoked
	case "not-me":
		return msgDoneNotMe
	case "passkey-added":
		return msgDonePasskeyAdded
	case "passkey-renamed":
		return msgDonePasskeyRenamed
	case "passkey-deleted":
		return msgDonePasskeyDeleted
	case "phone-added":
		return msgDonePhoneAdded
	case "phone-removed":
		return msgDonePhoneGone
	case "email-on":
		return msgDoneEmailOn
	case "email-off":
		return msgDoneEmailOff
	}
	return ""
}
