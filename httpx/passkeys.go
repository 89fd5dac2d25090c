package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/portalmfa/portalmfa"
)

// ceremonyCookie holds the token of a WebAuthn ceremony between the page
// that began it and the form that finishes it. The Service keeps the
// ceremony and lets it be finished once, by its user; the cookie binds it
// to this browser.
const ceremonyCookie = "portalmfa_ceremony"

func (h *Handler) setCeremony(w http.ResponseWriter, r *http.Request, path string, c portalmfa.Ceremony) {
	http.SetCookie(w, &http.Cookie{
		Name: ceremonyCookie, Value: c.Token, Path: path,
		MaxAge:   int(c.Expires.Sub(h.svc.Now()) / time.Second),
		HttpOnly: true, Secure: h.cfg.HTTPS(r), SameSite: http.SameSiteStrictMode,
	})
}

func (h *Handler) clearCeremony(w http.ResponseWriter, r *http.Request, path string) {
	http.SetCookie(w, &http.Cookie{
		Name: ceremonyCookie, Path: path, MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.HTTPS(r), SameSite: http.SameSiteStrictMode,
	})
}

func (h *Handler) ceremonyToken(r *http.Request) string {
	c, err := r.Cookie(ceremonyCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// addPasskeyPage begins registering a passkey, once the change is allowed,
// and shows the page whose button runs it in the browser.
func (h *Handler) addPasskeyPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.showAddPasskey(w, r, u, lang, http.StatusOK, nil)
}

func (h *Handler) showAddPasskey(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, status int, a *alert) {
	if !h.svc.PasskeysEnabled() {
		http.NotFound(w, r)
		return
	}
	if !h.needs(w, r, u, lang, portalmfa.AddFactor, "/passkeys/add") {
		return
	}
	c, err := h.svc.BeginPasskeyRegistration(r.Context(), u, h.proof(r))
	switch {
	case err == nil:
	case isUserError(err, portalmfa.ErrTooManyPasskeys):
		h.showOverview(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgPasskeyTooMany)}, "")
		return
	default:
		h.refusal(w, r, u, lang, err)
		return
	}
	h.setCeremony(w, r, h.cfg.SecurityPath, c)
	h.render(w, r, kindSecurity, lang, "passkey-add.html", status, &view{Alert: a, PasskeyOptions: string(c.Options)})
}

// addPasskey finishes the registration with the browser's answer. A first
// factor shows the account's new backup codes, once.
func (h *Handler) addPasskey(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	token := h.ceremonyToken(r)
	h.clearCeremony(w, r, h.cfg.SecurityPath)
	codes, err := h.svc.FinishPasskeyRegistration(r.Context(), u, token, []byte(r.PostForm.Get("response")), h.proof(r), h.client(r))
	switch {
	case err == nil && codes != nil:
		h.showCodes(w, r, u, lang, codes, codesPasskeyAdded)
	case err == nil:
		h.to(w, r, "/?done=passkey-added#portalmfa-passkeys")
	case isProofError(err):
		h.needs(w, r, u, lang, portalmfa.AddFactor, "/passkeys/add")
	case isUserError(err, portalmfa.ErrPasskeyRegistered):
		h.showAddPasskey(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgPasskeyRegistered)})
	case isUserError(err, portalmfa.ErrTooManyPasskeys):
		h.showOverview(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgPasskeyTooMany)}, "")
	default:
		status, a := h.problem(w, r, lang, err)
		h.showAddPasskey(w, r, u, lang, status, a)
	}
}

func (h *Handler) renamePasskey(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	id := r.PathValue("id")
	err := h.svc.RenamePasskey(r.Context(), u.ID, id, r.PostForm.Get("name"))
	switch {
	case err == nil:
		h.to(w, r, "/?"+url.Values{"done": {"passkey-renamed"}, "passkey": {id}}.Encode()+"#portalmfa-passkey-"+url.PathEscape(id))
	case isUserError(err, portalmfa.ErrInvalidName):
		h.showOverview(w, r, u, lang, http.StatusUnprocessableEntity,
			&alert{Kind: "danger", Text: h.text(lang, msgDeviceName), For: "portalmfa-passkey-" + id}, "passkey-"+id)
	case isUserError(err, portalmfa.ErrUnknownPasskey):
		h.showOverview(w, r, u, lang, http.StatusNotFound, &alert{Kind: "danger", Text: h.text(lang, msgPasskeyUnknown)}, "")
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}

// deletePasskeyPage asks to confirm, once the change is allowed.
func (h *Handler) deletePasskeyPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	id := r.PathValue("id")
	ps, err := h.svc.Passkeys(r.Context(), u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	for _, p := range ps {
		if p.ID != id {
			continue
		}
		if !h.needs(w, r, u, lang, portalmfa.RemoveFactor, "/passkeys/"+id+"/delete") {
			return
		}
		h.render(w, r, kindSecurity, lang, "remove.html", http.StatusOK, &view{
			Remove: "passkey", Action: "/passkeys/" + id + "/delete", PasskeyName: p.Name,
			LastFactor: h.isLastFactor(r, u),
		})
		return
	}
	h.to(w, r, "/#portalmfa-passkeys")
}

func (h *Handler) deletePasskey(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	id := r.PathValue("id")
	err := h.svc.DeletePasskey(r.Context(), u.ID, id, h.proof(r), h.client(r))
	switch {
	case err == nil:
		h.to(w, r, "/?done=passkey-deleted#portalmfa-passkeys")
	case isProofError(err):
		h.deletePasskeyPage(w, r, u, lang) // the need may have grown: verify again
	case isUserError(err, portalmfa.ErrUnknownPasskey):
		h.to(w, r, "/#portalmfa-passkeys")
	default:
		h.refusal(w, r, u, lang, err)
	}
}

// isLastFactor reports whether u has one factor left, whose removal turns
// 2FA off: the page says so.
func (h *Handler) isLastFactor(r *http.Request, u portalmfa.User) bool {
	st, err := h.svc.Status(r.Context(), u.ID)
	return err == nil && st.Credentials() == 1
}

// verifyPasskey finishes a passkey login at the challenge.
func (h *Handler) verifyPasskey(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	if !h.postForm(w, r, kindChallenge, lang) {
		return
	}
	token := h.ceremonyToken(r)
	h.clearCeremony(w, r, h.cfg.ChallengePath)
	err := h.svc.VerifyPasskey(r.Context(), userID, token, []byte(r.PostForm.Get("response")), h.client(r))
	h.challengeResult(w, r, userID, lang, err)
}

// Passwordless returns the handler of the passwordless sign-in: a passkey
// that verified its user (biometrics, a PIN) signs them in without the
// password. Mount it with the prefix stripped:
//
//	mux.Handle("/login/passkey/", http.StripPrefix("/login/passkey", h.Passwordless()))
//
// Its routes:
//
//	POST /options   a ceremony's options (JSON); ?conditional=1 for autofill
//	POST /          the browser's answer (form field "response"); calls
//	                Config.PasswordlessPassed, or sends the visitor back to
//	                LoginURL?reason=passkey
//	GET  /static/…  portalmfa.js, which runs both from the host's login page
//
// The host's login page offers it with a form our script drives, and
// autocomplete="username webauthn" on its username field for autofill:
//
//	<script src="/login/passkey/static/portalmfa.js" defer></script>
//	<form method="post" action="/login/passkey/" data-portalmfa-passwordless="/login/passkey/options">
//	  <input type="hidden" name="response">
//	  <button type="submit" hidden>Sign in with a passkey</button>
//	</form>
//
// It answers 404 when Config.PasswordlessPassed is nil or the Service has
// passwordless sign-in off.
func (h *Handler) Passwordless() http.Handler { return h.passwordless }

func (h *Handler) passwordlessHandler() http.Handler {
	mux := http.NewServeMux()
	if h.cfg.PasswordlessPassed != nil && h.svc.PasswordlessEnabled() {
		mux.HandleFunc("POST /options", h.passwordlessOptions)
		mux.HandleFunc("POST /{$}", h.finishPasswordless)
		mux.HandleFunc("GET /static/{file}", h.serveStatic)
	}
	return h.wrap(kindChallenge, mux, "/")
}

func (h *Handler) passwordlessOptions(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.BeginPasswordless(r.Context(), r.URL.Query().Get("conditional") == "1")
	if err != nil {
		code := h.unavailable(r, err)
		http.Error(w, http.StatusText(code), code)
		return
	}
	h.setCeremony(w, r, h.cfg.PasswordlessPath, c)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(c.Options)
}

func (h *Handler) finishPasswordless(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.redirectLogin(w, r, "passkey")
		return
	}
	token := h.ceremonyToken(r)
	h.clearCeremony(w, r, h.cfg.PasswordlessPath)
	userID, err := h.svc.FinishPasswordless(r.Context(), token, []byte(r.PostForm.Get("response")), h.client(r))
	if err != nil {
		if errors.Is(err, portalmfa.ErrUnavailable) {
			h.unavailable(r, err)
		}
		h.log.InfoContext(r.Context(), "portalmfa/httpx: passwordless sign-in refused", "ip", h.cfg.ClientIP(r), "err", err)
		h.redirectLogin(w, r, "passkey")
		return
	}
	h.markSignIn(w, r, userID)
	h.cfg.PasswordlessPassed(w, r, userID)
}

// passkeyView is a passkey as the overview lists it.
type passkeyView struct {
	ID          string
	Name        string // "" for the page's generic "Passkey" or "Security key"
	SecurityKey bool
	Synced      bool
	Created     string
	LastUsed    string // "" before the first use
	CreatedOn   string
	Invalid     bool   // a rename of it was refused
	Alert       *alert // the page's message, when it is about this passkey
}

func (h *Handler) passkeyViews(lang int, loc *time.Location, ps []portalmfa.Passkey, invalid string) []passkeyView {
	views := make([]passkeyView, len(ps))
	for i, p := range ps {
		views[i] = passkeyView{
			ID: p.ID, Name: p.Name, SecurityKey: p.SecurityKey, Synced: p.Synced, CreatedOn: p.CreatedOn,
			Created:  h.formatDate(lang, loc, p.CreatedAt),
			LastUsed: h.formatDate(lang, loc, p.LastUsedAt),
			Invalid:  "passkey-"+p.ID == invalid,
		}
	}
	return views
}
