package httpx

import (
	"net/http"

	"github.com/portalmfa/portalmfa"
)

func (h *Handler) challengeHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.withPending(h.challengePage))
	mux.HandleFunc("POST /{$}", h.withPending(h.verifyChallenge))
	mux.HandleFunc("GET /static/{file}", h.serveStatic)
	return h.wrap(kindChallenge, mux)
}

type pendingHandler func(w http.ResponseWriter, r *http.Request, userID string, lang int)

// withPending lets through only a visitor with a valid pending-login
// cookie, and hands on the user it names. Anything else goes back to the
// login page, told why when the state merely expired; a bad cookie is
// removed so it is not sent again.
func (h *Handler) withPending(next pendingHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(pendingCookie)
		if err != nil {
			h.redirectLogin(w, r, "")
			return
		}
		userID, err := h.svc.PendingLogin(c.Value)
		if err != nil {
			h.clearPending(w, r)
			reason := ""
			if isUserError(err, portalmfa.ErrPendingExpired) {
				reason = "expired"
			}
			h.redirectLogin(w, r, reason)
			return
		}
		userLang := ""
		if h.cfg.UserLanguage != nil {
			userLang = h.cfg.UserLanguage(r.Context(), userID)
		}
		next(w, r, userID, h.pickLanguage(r, userLang))
	}
}

func (h *Handler) challengePage(w http.ResponseWriter, r *http.Request, _ string, lang int) {
	h.render(w, r, kindChallenge, lang, "challenge.html", http.StatusOK, challengeView(h, nil))
}

// verifyChallenge checks the code. Only a nil error from the Service lets
// the user on; every other outcome shows the page again or, when the state
// no longer holds, starts the login over.
func (h *Handler) verifyChallenge(w http.ResponseWriter, r *http.Request, userID string, lang int) {
	if !h.postForm(w, r, kindChallenge, lang) {
		return
	}
	err := h.svc.VerifyTOTP(r.Context(), userID, r.PostForm.Get("code"), h.client(r))
	switch {
	case err == nil:
		h.clearPending(w, r)
		h.cfg.SecondFactorPassed(w, r, userID)
	case isUserError(err, portalmfa.ErrNotEnrolled):
		// TOTP was turned off since the password step: start over, and
		// the host will find no second factor is required.
		h.clearPending(w, r)
		h.redirectLogin(w, r, "")
	default:
		status, a := h.problem(w, r, lang, err)
		h.render(w, r, kindChallenge, lang, "challenge.html", status, challengeView(h, a))
	}
}

func challengeView(h *Handler, a *alert) *view {
	return &view{Alert: a, Focus: true, LoginURL: h.cfg.LoginURL}
}
