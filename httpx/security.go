package httpx

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/portalmfa/portalmfa"
)

func (h *Handler) securityHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.withUser(h.overview))
	mux.HandleFunc("POST /totp/begin", h.withUser(h.beginTOTP))
	mux.HandleFunc("GET /totp/setup", h.withUser(h.setupPage))
	mux.HandleFunc("GET /totp/qr.png", h.withUser(h.qrCode))
	mux.HandleFunc("POST /totp/confirm", h.withUser(h.confirmTOTP))
	mux.HandleFunc("GET /totp/disable", h.withUser(h.disablePage))
	mux.HandleFunc("POST /totp/disable", h.withUser(h.disableTOTP))
	mux.HandleFunc("GET /static/{file}", h.serveStatic)
	return h.wrap(kindSecurity, mux)
}

type userHandler func(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int)

// withUser lets only the signed-in user of a full host session through. A
// visitor without one is sent to the login page; a form posted without one
// (the session ended meanwhile) is refused with a page saying so. The
// pending-login cookie is never looked at here: it is not a session.
func (h *Handler) withUser(next userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := h.cfg.CurrentUser(r)
		if !ok || u.ID == "" {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				h.redirectLogin(w, r, "")
				return
			}
			h.renderError(w, r, kindSecurity, h.pickLanguage(r, ""), http.StatusForbidden, msgSignedOut)
			return
		}
		next(w, r, u, h.pickLanguage(r, u.Language))
	}
}

// to redirects (303) to a path of the security page.
func (h *Handler) to(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, h.cfg.SecurityPath+p, http.StatusSeeOther)
}

// isUserError reports whether err is target and not a failure on our side
// that happens to wrap it.
func isUserError(err, target error) bool {
	return errors.Is(err, target) && !errors.Is(err, portalmfa.ErrUnavailable)
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	st, err := h.svc.Status(r.Context(), u.ID)
	if err != nil {
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	v := &view{TOTP: "off"}
	switch st.TOTP {
	case portalmfa.On:
		v.TOTP, v.Since = "on", h.formatDate(lang, st.TOTPSince)
	case portalmfa.Pending:
		v.TOTP = "pending"
	}
	// The flash only confirms what the page shows anyway, so a stale or
	// crafted link cannot announce a state the account is not in.
	if id := doneMessage(r.URL.Query().Get("done")); id == msgDoneTOTPOn && st.TOTP == portalmfa.On ||
		id == msgDoneTOTPOff && st.TOTP != portalmfa.On {
		v.Alert = &alert{Kind: "success", Text: h.text(lang, id)}
	}
	h.render(w, r, kindSecurity, lang, "overview.html", http.StatusOK, v)
}

func (h *Handler) beginTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	_, err := h.svc.BeginTOTP(r.Context(), u)
	switch {
	case err == nil:
		h.to(w, r, "/totp/setup")
	case isUserError(err, portalmfa.ErrAlreadyEnabled):
		h.to(w, r, "/")
	default:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	}
}

func (h *Handler) setupPage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	h.showSetup(w, r, u, lang, http.StatusOK, nil)
}

// showSetup renders the wizard for the pending enrollment, with a message
// when there is one. Without a pending enrollment there is nothing to
// show, and the user goes back to the overview.
func (h *Handler) showSetup(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int, status int, a *alert) {
	e, err := h.svc.PendingTOTP(r.Context(), u)
	switch {
	case isUserError(err, portalmfa.ErrNotEnrolled):
		h.to(w, r, "/")
		return
	case err != nil:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
		return
	}
	h.render(w, r, kindSecurity, lang, "setup.html", status, &view{
		Alert:     a,
		Key:       e.Key,
		KeyGroups: keyGroups(e.Key),
		Focus:     a != nil,
	})
}

// qrCode serves the pending secret as a QR code. It is an image of the
// secret, so it is never cached, and the URL carries nothing secret.
func (h *Handler) qrCode(w http.ResponseWriter, r *http.Request, u portalmfa.User, _ int) {
	png, err := h.svc.TOTPQRCode(r.Context(), u)
	switch {
	case isUserError(err, portalmfa.ErrNotEnrolled):
		http.NotFound(w, r)
		return
	case err != nil:
		code := h.unavailable(r, err)
		http.Error(w, http.StatusText(code), code)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	_, _ = w.Write(png)
}

func (h *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	err := h.svc.ConfirmTOTP(r.Context(), u.ID, r.PostForm.Get("code"), h.client(r))
	switch {
	case err == nil:
		h.to(w, r, "/?done=totp-on")
	case isUserError(err, portalmfa.ErrAlreadyEnabled):
		h.to(w, r, "/")
	case isUserError(err, portalmfa.ErrNotEnrolled):
		// The wizard was restarted in another tab (or finished there):
		// show the current key, if any, and say why the code failed.
		h.showSetup(w, r, u, lang, http.StatusConflict, &alert{Kind: "warning", Text: h.text(lang, msgSetupRestarted)})
	default:
		status, a := h.problem(w, r, lang, err)
		h.showSetup(w, r, u, lang, status, a)
	}
}

func (h *Handler) disablePage(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	st, err := h.svc.Status(r.Context(), u.ID)
	switch {
	case err != nil:
		h.renderError(w, r, kindSecurity, lang, h.unavailable(r, err), msgUnavailable)
	case st.TOTP == portalmfa.Off:
		h.to(w, r, "/")
	default:
		h.render(w, r, kindSecurity, lang, "disable.html", http.StatusOK, disableView(u, nil))
	}
}

func (h *Handler) disableTOTP(w http.ResponseWriter, r *http.Request, u portalmfa.User, lang int) {
	if !h.postForm(w, r, kindSecurity, lang) {
		return
	}
	password := r.PostForm.Get("password")
	if password == "" {
		// Nothing to check: not an attempt, so not counted.
		h.render(w, r, kindSecurity, lang, "disable.html", http.StatusUnprocessableEntity,
			disableView(u, &alert{Kind: "danger", Text: h.text(lang, msgPasswordEmpty)}))
		return
	}
	err := h.svc.DisableTOTP(r.Context(), u.ID, password, h.client(r))
	if err == nil {
		h.to(w, r, "/?done=totp-off")
		return
	}
	status, a := h.problem(w, r, lang, err)
	h.render(w, r, kindSecurity, lang, "disable.html", status, disableView(u, a))
}

func disableView(u portalmfa.User, a *alert) *view {
	name := u.Email
	if name == "" {
		name = u.Name
	}
	return &view{Alert: a, Username: name, Focus: true}
}
